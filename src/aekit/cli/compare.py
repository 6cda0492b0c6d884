"""``aekit compare`` and ``aekit demo``: several models on one split and seed,
side by side in a table and an HTML report (registered in :mod:`aekit.cli`;
the training and the report, :mod:`aekit.compare`, are imported inside the commands).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from aekit.cli._common import (ACCELERATOR, DEVICES, NUM_NODES, NUM_THREADS, PRECISION, STRATEGY, command_line, console,
                               device_settings, drop_option, id_option, label_option, latent_option, load_data,
                               parse_hidden, parse_latent, print_table)
from aekit.cli._tables import format_option
from aekit.estimators.presets import model_names


def _run_compare(data: str, models: str, latent: int | str, hidden: str, epochs: Optional[int], seed: int, out: Path,
                 code_map: str, quiet: bool, n_train: Optional[int] = None,
                 label: Optional[str] = None, drop: Optional[str] = None, training: Optional[dict] = None,
                 fmt: str = "table", ids: Optional[str] = None) -> None:
    import warnings

    from aekit.compare import compare_models, probe_against_pca
    from aekit.exceptions import StillImprovingWarning

    dataset = load_data(data, None, seed, label, drop, ids=ids)
    if n_train:
        dataset = dataset.subsample(n_train, max(1, n_train // 4), random_state=seed)
    names = [m.strip() for m in models.split(",") if m.strip()]
    from aekit._threads import intra_op_threads

    with warnings.catch_warnings(), intra_op_threads((training or {}).get("num_threads")):  # every model's threads
        warnings.simplefilter("ignore", StillImprovingWarning)  # one line for all such models below, not one each
        result = compare_models(
            dataset, names, out, latent_dim=parse_latent(latent), hidden=parse_hidden(hidden), max_epochs=epochs or "auto",
            seed=seed, command=command_line(), code_map_method=code_map, training=training,
            on_model=None if quiet else (lambda name: console.print(f"[bold]training {name}[/] ...")))
    print_table(result.table, fmt)
    if fmt != "table":  # stdout holds the csv / json only
        return
    console.print(f"wrote {out}/results.csv, {out}/results.md, {out}/figures/ and [bold]{result.report}[/]")
    probe = probe_against_pca(result.table, len(dataset.X_test))
    if probe:
        console.print(probe)
    still = [name for name, est in result.estimators.items() if getattr(est, "still_improving_", False)]
    if still:
        advice = ("--epochs above the 'auto' budget each chose (its 'epochs' column)" if epochs is None
                  else f"--epochs above {epochs}, or no --epochs for each model's 'auto' budget")
        console.print(f"note: {len(still)} model(s) were still improving when training stopped ({', '.join(still)}: "
                      f"the last of {epochs or 'their'} epochs was the best); more epochs should help ({advice}).")



def compare(
    data: str = typer.Option("digits", "--data", "-d", help="Dataset name or a file / image folder."),
    models: str = typer.Option("pca,ae,dae,sparse,contractive", "--models",
                               help=f"Comma-separated, from: {', '.join(model_names())}."),
    latent: str = latent_option(),
    hidden: str = typer.Option("256", "--hidden", help="Hidden layer sizes, comma-separated."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Maximum epochs per model [default: 'auto', "
                                         "sized in optimiser steps for the data]."),
    seed: int = typer.Option(0, "--seed"),
    n_train: Optional[int] = typer.Option(None, "--n-train", help="Use a random subset of this many training rows."),
    code_map: str = typer.Option("tsne", "--code-map", help="2-D map of codes: tsne, umap or pca."),
    out: Path = typer.Option(Path("runs/compare"), "--out", "-o", help="Output directory."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    fmt: str = format_option(),
    label: Optional[str] = label_option(),
    drop: Optional[str] = drop_option(),
    ids: Optional[str] = id_option(),
    accelerator: str = ACCELERATOR, devices: str = DEVICES, num_nodes: int = NUM_NODES,
    strategy: str = STRATEGY, precision: str = PRECISION, num_threads: Optional[int] = NUM_THREADS,
) -> None:
    """Train several models on one split and seed; write results.csv/.md, figures and report.html."""
    _run_compare(data, models, latent, hidden, epochs, seed, out, code_map, quiet or fmt != "table", n_train, label,
                 drop, device_settings(accelerator, devices, num_nodes, strategy, precision, num_threads), fmt=fmt,
                 ids=ids)



# Four autoencoders, one of each idea (plain, denoising, sparse, contractive), to keep the demo within
# its time budget (docs/benchmarks/demo.md); `aekit compare --models ...` runs the others.
DEMO_MODELS = "pca,ae,dae,sparse,contractive"
# torch threads for the demo's training: on a 2-core machine with other work running, torch's default
# (one thread a core) made the same 4,000 optimiser steps of `ae` 7 to 15 times slower than one thread
# (docs/benchmarks/demo.md).
DEMO_THREADS = 1


def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", "-o", help="Output directory."),
    data: str = typer.Option("mnist-5k", "--data", "-d", help="Embedded dataset to use."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Maximum epochs per model; default auto, as "
                                         "in `aekit train`."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    num_threads: int = typer.Option(DEMO_THREADS, "--num-threads", min=1, help=(
        "torch threads while training. One by default: these small dense models gain little from more, "
        "and more threads than idle cores (a shared or busy machine) slow training several times over.")),
) -> None:
    """The main job on embedded data: ae, dae, sparse and contractive against PCA, with a report.

    Code size and training budget are the estimators' "auto" defaults (about
    4,000 optimiser steps each on mnist-5k, more only while a model still
    improves by over 5 %). Time budget: 5 minutes on one idle core; measured
    6 min 19 s wall, 4.5 min of CPU, on a busy 2-core shared machine (see
    docs/benchmarks/demo.md); --epochs N shortens it. Prints which codes beat
    PCA's on the linear probe and which do not.
    """
    console.print(f"aekit demo: {DEMO_MODELS} on {data}, code size auto, seed 0")
    _run_compare(data, DEMO_MODELS, "auto", "256", epochs, 0, out, "tsne", quiet, training={"num_threads": num_threads})
