"""``aekit generate``: draw new samples from a generative model file
(registered in :mod:`aekit.cli`; torch is imported only when it runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from aekit.cli._common import console, old_option, renamed
from aekit.exceptions import DataError, ModelFileError
from aekit.formatting import with_article


def generate(
    model: Path = typer.Argument(..., help="A .safetensors file of a model that samples (vae, beta-vae, conv-vae, cvae, aae, vae-gan, "
                               "aae-mixture; ae and conv via a Gaussian on their codes)."),
    n: int = typer.Option(64, "-n", "--n-samples", min=1, help="How many samples."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="The sample grid (.png) (default: samples.png)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the draws: the same seed gives the same samples."),
    npy: bool = typer.Option(False, "--npy", help="Also write the samples as --out with suffix .npy."),
    label: Optional[str] = typer.Option(None, "--label", help="Class to generate (models trained with labels: "
                                        "cvae, aae-mixture); default: the classes take turns."),
    old_output: Optional[Path] = old_option("--output"),
) -> None:
    """Write a grid of N samples drawn from MODEL (and the raw samples with --npy)."""
    import numpy as np

    from aekit.estimators.labels import class_of
    from aekit.io import load
    from aekit.viz import plot_samples

    output = renamed(out, old_output, "--output", "--out", default=Path("samples.png"))
    estimator = load(model)
    if not hasattr(estimator, "sample") or getattr(estimator, "samples_fills", False):  # imputers: aekit complete
        raise ModelFileError(f"{model} holds {with_article(type(estimator).__name__)}, which cannot generate; "
                         "expected a generative model such as one trained with --model vae")
    image_shape = getattr(estimator, "image_shape_", None)
    if image_shape is None and not npy:
        raise DataError(f"{model} was not trained on images, so there is no grid to draw; "
                         "pass --npy to write the samples as an array")
    by_class = {} if label is None else {"y": class_of(estimator, label, "--label")}
    samples = estimator.sample(n, random_state=seed, **by_class)
    written = []
    if image_shape is not None:
        written.append(plot_samples(samples, image_shape, output, n=n, title=f"{n} samples, seed {seed}"))
    if npy:
        np.save(output.with_suffix(".npy"), samples)
        written.append(output.with_suffix(".npy"))
    console.print(f"drew {n} samples from {model}; wrote {', '.join(map(str, written))}")
