"""The report of a side-by-side comparison (``aekit compare`` / ``evaluate`` / ``demo``):
the figures that put every model side by side, results.csv / .md and report.html.

The measuring is in :mod:`aekit.compare`, which calls these with its
evaluations (anything with the attributes of :class:`aekit.compare.Evaluation`).
"""

from __future__ import annotations

import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aekit._version import __version__
from aekit.evaluation import results_table, table_to_markdown
from aekit.viz.explorer import code_map_figure
from aekit.viz.figures import plot_image_rows, plot_latent_manifold, plot_loss_comparison, plot_samples
from aekit.viz.report import write_report
from aekit.viz.series import plot_series_rows
from aekit.viz.tables import plot_feature_errors

GRID_SAMPLES = 10  # per model in the side-by-side sample grid
_EXPLORER_HINT = (" Point at a dot to see its row (its image), label and every model's reconstruction error of "
                  "it (the shown model's first); click a label in the legend to hide it; the buttons switch models.")


def comparison_figures(evaluations: list, dataset, fig_dir: Path, *, X_masked: np.ndarray, masked_label: str,
                       feature_errors: pd.DataFrame | None, seed: int, code_map_method: str,
                       row_errors: dict[str, np.ndarray] | None = None, row_numbers=None) -> list[tuple]:
    """A few figures that put every model side by side, each with its caption.

    Parameters
    ----------
    evaluations : list of aekit.compare.Evaluation
        Each model's name, test codes ``Z_test``, reconstructions ``X_rec`` and ``X_masked_rec``,
        and optionally ``decode`` (2-D codes), ``samples`` and ``history``.
    dataset : aekit.data.Dataset
        The data every model was measured on (its test rows, image or series shape, kind).
    fig_dir : Path
        Where the PNGs go.
    X_masked : ndarray
        The corrupted test rows (raw units) the ``X_masked_rec`` reconstruct.
    masked_label : str
        Their row label in the denoising figure, e.g. "30% masked".
    feature_errors : DataFrame or None
        Mean squared error per original column (rows) and model (columns); tables only.
    seed : int
    code_map_method : {"tsne", "umap", "pca"}
    row_errors : dict of str to ndarray, optional
        Each model's reconstruction error of every test row, shown when pointing at a dot of the code map.
    row_numbers : array-like, optional
        The test rows' numbers in the data file (default: their positions in the test set).

    Returns
    -------
    list of (path, caption) or (path, caption, CodeExplorer)
        The code map carries its interactive explorer (:mod:`aekit.viz.explorer`).
    """
    d = dataset
    figures: list[tuple[str, str]] = []
    if d.image_shape is not None:
        rows = {"original": d.X_test[:10], **{ev.name: ev.X_rec[:10] for ev in evaluations}}
        path = plot_image_rows(rows, d.image_shape, fig_dir / "reconstructions.png",
                               title="Test images (top) and each model's reconstruction")
        figures.append((str(path), "Reconstructions: look for blur and lost strokes compared with the top row."))
        rows = {masked_label: X_masked[:10], **{ev.name: ev.X_masked_rec[:10] for ev in evaluations},
                "clean": d.X_test[:10]}
        path = plot_image_rows(rows, d.image_shape, fig_dir / "denoising.png", reference="clean",
                               title="Masked test images, each model's output, and the clean target")
        figures.append((str(path), "Denoising: which models fill the masked strokes back in? "
                                   "Denoising autoencoders were trained for exactly this."))
    if d.series_shape is not None:
        rows = {"original": d.X_test[:4], **{ev.name: ev.X_rec[:4] for ev in evaluations}}
        path = plot_series_rows(rows, d.series_shape, fig_dir / "series.png",
                                title="Test series (black) and each model's reconstruction")
        figures.append((str(path), "Series reconstructions: look for lost peaks, lag and smoothing."))
    if d.y_test is not None or d.kind == "table":
        caption = ("Codes in 2-D: separate, compact colour clusters mean the codes keep the classes apart without "
                   "ever seeing a label." if d.y_test is not None else
                   "Codes in 2-D (2-D codes as they are, wider ones mapped): clusters and outliers of the test "
                   "rows; pass --label to colour them.")
        figures.append(code_map_figure(
            {ev.name: ev.Z_test for ev in evaluations}, fig_dir / "codes.png", colour_by=_label_names(d),
            method=code_map_method, random_state=seed, caption=caption + _EXPLORER_HINT,
            title="Test codes in 2-D" + (", coloured by label" if d.y_test is not None else ""),
            map_fields={name: {"reconstruction error": errors} for name, errors in (row_errors or {}).items()},
            images=d.X_test if d.image_shape is not None else None, image_shape=d.image_shape,
            rows=row_numbers, row_name="test row" if row_numbers is None else "row"))
    if feature_errors is not None:
        path = plot_feature_errors(feature_errors, fig_dir / "feature_errors.png")
        figures.append((str(path), "Error per column: columns that every model reconstructs badly carry "
                                   "information the code does not keep (or noise)."))
    for ev in evaluations:
        if ev.decode is not None and d.image_shape is not None:
            lim = float(np.percentile(np.abs(ev.Z_test), 98)) or 1.0  # span where the test codes lie
            path = plot_latent_manifold(ev.decode, d.image_shape, fig_dir / f"manifold_{ev.name}.png", lim=lim,
                                        title=f"{ev.name}: images decoded from a grid of 2-D codes")
            figures.append((str(path), f"{ev.name}: a smooth, varied grid means the 2-D code space is well used."))
    sampled = {ev.name: ev.samples[:GRID_SAMPLES] for ev in evaluations if ev.samples is not None}
    if len(sampled) > 1 and d.image_shape is not None:
        path = plot_image_rows(sampled, d.image_shape, fig_dir / "samples_side_by_side.png",
                               title="Samples of each model side by side (class-conditional models: classes in turn)")
        figures.append((str(path), "Generation compared: a plain autoencoder decodes codes drawn from a Gaussian "
                                   "fitted to its training codes; VAEs and AAEs decode prior samples; "
                                   "conditional models draw the classes in turn."))
    for ev in evaluations:
        if ev.samples is not None and d.image_shape is not None:
            path = plot_samples(ev.samples, d.image_shape, fig_dir / f"samples_{ev.name}.png",
                                title=f"{ev.name}: {len(ev.samples)} samples")
            figures.append((str(path), f"{ev.name}: new images decoded from random codes; sharp, varied samples "
                                       "mean the model learned the data, not just to copy it."))
    histories = {ev.name: ev.history for ev in evaluations if ev.history is not None and len(ev.history)}
    if histories:
        path = plot_loss_comparison(histories, fig_dir / "loss.png")
        figures.append((str(path), "Training curves: validation loss should flatten, not climb (overfitting); "
                                   "penalised models report reconstruction plus penalty."))
    return figures


def report_meta(dataset, seed: int, command: str | None, settings: dict[str, Any],
                column_notes: dict[str, str]) -> dict[str, str]:
    """The report's "how this was made" table: command, data, seed, settings, column notes, versions, machine."""
    import sklearn
    import torch

    return {
        "command": command or "(called from Python)",
        "data": f"{dataset.name}: {len(dataset.X_train):,} train / {len(dataset.X_test):,} test rows, "
                f"{dataset.X_train.shape[1]} features; {dataset.source}",
        "seed": str(seed),
        "settings": ", ".join(f"{k}={v}" for k, v in settings.items()),
        "columns": "; ".join(f"{k}: {v}" for k, v in column_notes.items()),
        "versions": f"aekit {__version__}, torch {torch.__version__}, scikit-learn {sklearn.__version__}, "
                    f"Python {platform.python_version()}",
        "machine": f"{platform.machine()}, {platform.system()}, torch threads {torch.get_num_threads()}",
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def still_improving_notes(evaluations: list) -> list[str]:
    """One line per model whose training ended on its best epoch."""
    return [f"{ev.name} was still improving when training stopped (its last epoch, {ev.row.get('epochs')}, was "
            f"its best, and the loss still falling appreciably): it is likely undertrained; more epochs should help "
            f"(--epochs above {ev.row.get('epochs')})." for ev in evaluations if ev.still_improving]


def write_comparison(evaluations: list, dataset, out_dir: Path, *, title: str, seed: int, command: str | None,
                     settings: dict[str, Any], figures: list[tuple[str, str]], column_notes: dict[str, str],
                     better: dict[str, str],
                     tables: list[tuple[str, pd.DataFrame, str]] | None = None) -> tuple[pd.DataFrame, Path]:
    """results.csv, results.md and report.html for these evaluations; return the table and the report's path.

    Parameters
    ----------
    evaluations : list of aekit.compare.Evaluation
        Their ``row`` (one results row each) and ``still_improving``.
    dataset : aekit.data.Dataset
    out_dir : Path
    title : str
    seed : int
    command : str or None
        The command line that made it (None: called from Python).
    settings : dict
    figures : list of (path, caption)
        From :func:`comparison_figures`.
    column_notes, better : dict
        What each column means; "min" or "max" for the columns where lower or higher is better.
    tables : list of (title, DataFrame, caption), optional
        Further tables for the report.

    Returns
    -------
    (DataFrame, Path)
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    table = results_table([ev.row for ev in evaluations])
    table.to_csv(out_dir / "results.csv", index=False)
    (out_dir / "results.md").write_text(table_to_markdown(table) + "\n")
    d = dataset
    unit = "rows" if d.image_shape is None else "images"
    intro = (f"Each model was trained on the same {len(d.X_train):,} {unit} of {d.name} with seed {seed} and "
             f"measured on the same {len(d.X_test):,} held-out {unit}, beside PCA with the same number of "
             "components.")
    report = write_report(out_dir / "report.html", title=title, table=table, figures=figures,
                          meta=report_meta(d, seed, command, settings, column_notes), intro=intro,
                          better={k: v for k, v in better.items() if k in table.columns},
                          notes=still_improving_notes(evaluations), tables=tables)
    return table, report


def _label_names(d):
    """The test labels as their class names where the data has them (class folders, a table's text label)."""
    classes = getattr(d, "classes", None)
    if d.y_test is None or classes is None:
        return d.y_test
    return np.asarray(classes, dtype=object)[np.asarray(d.y_test)]
