"""``aekit generate``: draw new samples from a generative model file
(registered in :mod:`aekit.cli`; torch is imported only when it runs)."""

from __future__ import annotations

from pathlib import Path

import typer


def generate(
    model: Path = typer.Argument(..., help="A .safetensors file of a generative model (vae, beta-vae, conv-vae)."),
    n: int = typer.Option(64, "-n", "--n-samples", min=1, help="How many samples."),
    output: Path = typer.Option(Path("samples.png"), "--output", "-o", help="The sample grid (.png)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the draws: the same seed gives the same samples."),
    npy: bool = typer.Option(False, "--npy", help="Also write the samples as OUTPUT with suffix .npy."),
) -> None:
    """Write a grid of N samples drawn from MODEL (and the raw samples with --npy)."""
    import numpy as np
    from rich.console import Console

    from aekit.io import load
    from aekit.viz import plot_samples

    estimator = load(model)
    if not hasattr(estimator, "sample"):
        raise ValueError(f"{model} holds a {type(estimator).__name__}, which cannot generate; "
                         "expected a generative model such as one trained with --model vae")
    image_shape = getattr(estimator, "image_shape_", None)
    if image_shape is None and not npy:
        raise ValueError(f"{model} was not trained on images, so there is no grid to draw; "
                         "pass --npy to write the samples as an array")
    samples = estimator.sample(n, random_state=seed)
    written = []
    if image_shape is not None:
        written.append(plot_samples(samples, image_shape, output, n=n, title=f"{n} samples, seed {seed}"))
    if npy:
        np.save(output.with_suffix(".npy"), samples)
        written.append(output.with_suffix(".npy"))
    Console().print(f"drew {n} samples from {model}; wrote {', '.join(map(str, written))}")
