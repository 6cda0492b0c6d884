"""Side-by-side experiments: train several models on the same split and
seed, measure them beside PCA, draw what they learned, write a report.

This is the experiment of the classic denoising-autoencoder papers
(reconstruction, robustness to corrupted inputs, quality of the codes for a
classifier, a 2-D map of the codes), made reproducible by one command.
"""

from __future__ import annotations

import dataclasses
import platform
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from aekit._version import __version__
from aekit.data import Dataset, corrupt_array
from aekit.data.tabular import categorical_columns, fit_preprocessing
from aekit.estimators.base import AutoencoderEstimator
from aekit.estimators.presets import BASELINES, PRESETS, estimator_class, make_estimator
from aekit.evaluation import (code_quality, pca_baseline, reconstruction_metrics, results_table,
                              table_to_markdown, throughput)
from aekit.viz import plot_code_maps, plot_image_rows, plot_latent_manifold, plot_loss_comparison, plot_samples
from aekit.viz.report import write_report
from aekit.viz.tables import plot_feature_errors

TEST_NOISE = ("masking", 0.3)
N_SAMPLES = 64  # drawn from each generative model for its sample grid  # how test inputs are corrupted for the robustness column
BETTER = {"test_mse": "min", "test_mae": "min", "psnr": "max", "ssim": "max", "masked_mse": "min",
          "linear_probe": "max", "knn": "max", "silhouette": "max", "fit_seconds": "min",
          "encode_per_second": "max", "test_elbo": "max", "sample_fd": "min", "sample_class_accuracy": "max"}
COLUMN_NOTES = {
    "test_mse": "mean squared reconstruction error on the test set (scaled units)",
    "masked_mse": f"error reconstructing clean test inputs from {int(TEST_NOISE[1] * 100)}%-masked ones",
    "linear_probe": "accuracy of logistic regression on the codes",
    "knn": "accuracy of 5-nearest-neighbours on the codes",
    "silhouette": "silhouette of the test codes by true label",
    "test_elbo": "generative models: mean evidence lower bound of the test rows, nats (higher is better)",
    "sample_fd": "models that sample: Fréchet distance between test rows and as many samples, in the hidden "
                 "features of an MLP classifier trained on the training rows (lower is better)",
    "sample_class_accuracy": "class-conditional models: share of samples asked for as class c that the "
                             "classifier puts in class c",
}
GRID_SAMPLES = 10  # per model in the side-by-side sample grid


@dataclasses.dataclass
class Evaluation:
    """One model's measurements and the arrays the figures need."""

    name: str
    row: dict[str, Any]
    Z_test: np.ndarray
    X_rec: np.ndarray
    X_masked_rec: np.ndarray
    history: pd.DataFrame | None = None
    decode: Callable[[np.ndarray], np.ndarray] | None = None  # for 2-D codes: the manifold figure
    samples: np.ndarray | None = None  # generative models: rows drawn from the prior
    still_improving: bool = False  # training ended on its best epoch: likely undertrained


@dataclasses.dataclass
class ComparisonResult:
    table: pd.DataFrame
    report: Path
    out_dir: Path
    estimators: dict[str, AutoencoderEstimator]


class _Scaled:
    """The test data in the scaled units every model is measured in."""

    def __init__(self, dataset: Dataset, seed: int):
        self.dataset = dataset
        # Tables with categorical columns: numbers scaled, categories one-hot (as the estimators do).
        self.scaler, self.X_train = fit_preprocessing(dataset.X_train)
        self.X_test = self.scaler.transform(dataset.X_test)
        # Mask in scaled units (where a denoising model is trained), then back to raw units.
        self.X_masked_scaled = corrupt_array(self.X_test, *TEST_NOISE, random_state=seed)
        self.X_masked = self.scaler.inverse_transform(self.X_masked_scaled)

    def measure(self, X_rec_raw: np.ndarray) -> dict[str, float]:
        metrics = reconstruction_metrics(self.X_test, self.scaler.transform(X_rec_raw),
                                         self.dataset.image_shape if self.scaler.kind == "minmax" else None)
        return {f"test_{k}" if k in ("mse", "mae") else k: v for k, v in metrics.items()}

    def masked_mse(self, X_rec_raw: np.ndarray) -> float:
        return float(np.mean((self.scaler.transform(X_rec_raw) - self.X_test) ** 2))


def series_channels(dataset: Dataset) -> int | None:
    """Channels of a time-series dataset (its rows are series flattened time-major), else None."""
    return dataset.series_shape[1] if getattr(dataset, "series_shape", None) else None


def _code_columns(scaled: _Scaled, Z_train: np.ndarray, Z_test: np.ndarray, seed: int) -> dict[str, float]:
    d = scaled.dataset
    if d.y_train is None or d.y_test is None:
        return {}
    return code_quality(Z_train, d.y_train, Z_test, d.y_test, random_state=seed)


def _column_slices(scaled: _Scaled) -> dict[str, slice]:
    """Which scaled columns each original column of the data became (one-hot blocks for categories)."""
    if hasattr(scaled.scaler, "column_slices"):
        return scaled.scaler.column_slices()
    names = scaled.dataset.feature_names or [f"x{i}" for i in range(scaled.X_test.shape[1])]
    return {str(name): slice(i, i + 1) for i, name in enumerate(names)}


def _squared_errors(scaled: _Scaled, X_rec_raw) -> pd.DataFrame:
    """Squared error of each test row and ORIGINAL column, scaled units (a category: its block's sum)."""
    squared = np.square(scaled.scaler.transform(X_rec_raw) - scaled.X_test)
    return pd.DataFrame({name: squared[:, part].sum(axis=1) for name, part in _column_slices(scaled).items()})


def feature_errors(evaluations: list[Evaluation], scaled: _Scaled) -> pd.DataFrame:
    """Mean squared test error per original column (rows) and model (columns)."""
    return pd.DataFrame({ev.name: _squared_errors(scaled, ev.X_rec).mean(axis=0) for ev in evaluations})


WORST_ROWS = 10


def worst_rows(evaluation: Evaluation, scaled: _Scaled, row_ids=None, n: int = WORST_ROWS,
               ids: pd.DataFrame | None = None) -> pd.DataFrame:
    """The test rows ``evaluation``'s model reconstructs worst, each with its three worst columns
    (value in the data -> reconstruction). ``row_ids``: the test rows' numbers in the data file;
    ``ids``: their id columns (one row per test row), shown first."""
    errors = _squared_errors(scaled, evaluation.X_rec)
    per_row = errors.sum(axis=1) / scaled.X_test.shape[1]  # mean over the model's inputs, as test_mse
    order = np.argsort(-per_row.to_numpy(), kind="stable")[:n]
    original, rec = _as_frame(scaled.dataset.X_test, errors.columns), _as_frame(evaluation.X_rec, errors.columns)
    rows = []
    for i in order:
        worst = errors.iloc[i].sort_values(ascending=False).index[:3]
        row = int(row_ids[i]) if row_ids is not None else int(i)
        # the row number is an identifier, shown without a thousands separator
        carried = {str(c): ids[c].iloc[i] for c in ids.columns} if ids is not None else {}
        rows.append({**carried, "row": str(row), "error": float(per_row.iloc[i]),
                     "worst columns (data -> reconstruction)": "; ".join(
                         f"{c}: {_short(original[c].iloc[i])} -> {_short(rec[c].iloc[i])}" for c in worst)})
    return pd.DataFrame(rows)


def _as_frame(X, columns) -> pd.DataFrame:
    return X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X), columns=list(columns))


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)


def evaluate_pca(scaled: _Scaled, n_components: int, seed: int) -> Evaluation:
    """PCA with ``n_components``, fitted on the scaled training data."""
    start = time.perf_counter()
    base = pca_baseline(scaled.X_train, scaled.X_test, n_components, random_state=seed)
    fit_seconds = time.perf_counter() - start
    pca = base["model"]
    to_raw = scaled.scaler.inverse_transform
    X_rec = to_raw(base["X_test_rec"].astype(np.float32))
    masked_rec = to_raw(pca.inverse_transform(pca.transform(scaled.X_masked_scaled)).astype(np.float32))
    row = {"model": "pca", **scaled.measure(X_rec), "masked_mse": scaled.masked_mse(masked_rec),
           **_code_columns(scaled, base["Z_train"], base["Z_test"], seed),
           "fit_seconds": fit_seconds, "encode_per_second": throughput(pca.transform, scaled.X_test),
           "params": int(pca.components_.size + pca.mean_.size), "epochs": 0}
    return Evaluation("pca", row, base["Z_test"], X_rec, masked_rec)


def _labels(estimator, y) -> dict[str, Any]:
    """``{"y": y}`` for a model whose every method takes the labels (a conditional VAE), else nothing."""
    return {"y": y} if getattr(estimator, "conditional", False) else {}


def evaluate_estimator(name: str, estimator: AutoencoderEstimator, scaled: _Scaled, seed: int,
                       fit_seconds: float | None = None, scorer=None) -> Evaluation:
    """Measure a fitted autoencoder on the comparison's test data (and its samples
    with ``scorer``, a fitted :class:`aekit.evaluation.SampleQualityScorer`)."""
    d = scaled.dataset
    test_labels = _labels(estimator, d.y_test)
    Z_test = estimator.transform(d.X_test, **test_labels)
    X_rec = estimator.reconstruct(d.X_test, **test_labels)
    masked_rec = estimator.reconstruct(scaled.X_masked, **test_labels)
    row = {"model": name, **scaled.measure(X_rec), "masked_mse": scaled.masked_mse(masked_rec),
           **_code_columns(scaled, estimator.transform(d.X_train, **_labels(estimator, d.y_train)), Z_test, seed),
           "fit_seconds": fit_seconds if fit_seconds is not None else float("nan"),
           "encode_per_second": throughput(lambda X: estimator.transform(X, **test_labels), d.X_test),
           "params": sum(p.numel() for p in estimator.model_.parameters()),
           "epochs": estimator.n_epochs_}
    decode = estimator.inverse_transform if Z_test.shape[1] == 2 and not test_labels else None
    samples = None
    if hasattr(estimator, "elbo"):  # a VAE: its test ELBO
        row["test_elbo"] = float(np.mean(estimator.elbo(d.X_test, **test_labels)))
    if hasattr(estimator, "sample"):  # generative: a grid of samples, and their quality
        samples = estimator.sample(N_SAMPLES, random_state=seed)
        if scorer is not None:
            row.update(sample_quality(estimator, scorer, d.X_test, seed))
    return Evaluation(name, row, Z_test, X_rec, masked_rec, estimator.history_, decode, samples,
                      still_improving=bool(getattr(estimator, "still_improving_", False)))


def sample_quality(estimator, scorer, X_real: np.ndarray, seed: int) -> dict[str, float]:
    """Fréchet distance of as many samples as real rows; for a model with classes, the
    classifier's accuracy on samples asked for class by class (the classes take turns)."""
    samples = estimator.sample(len(X_real), random_state=seed)
    row = {"sample_fd": scorer.frechet_distance(X_real, samples)}
    classes = getattr(estimator, "classes_", None)
    if classes is not None:
        row["sample_class_accuracy"] = scorer.accuracy(samples, np.resize(classes, len(samples)))
    return row


def fit_sample_scorer(dataset: Dataset, seed: int):
    """The classifier whose features score samples, trained on the training rows (None without labels)."""
    if dataset.y_train is None or len(dataset.X_test) < 2 or categorical_columns(dataset.X_train):
        return None  # (a table with categories: its samples are not a numeric matrix to score)
    from aekit.evaluation import SampleQualityScorer

    return SampleQualityScorer(random_state=seed).fit(dataset.X_train, dataset.y_train)


def _figures(evaluations: list[Evaluation], scaled: _Scaled, fig_dir: Path, seed: int,
             code_map_method: str) -> list[tuple[str, str]]:
    """A few figures that put every model side by side, each with its caption."""
    d = scaled.dataset
    figures: list[tuple[str, str]] = []
    if d.image_shape is not None:
        rows = {"original": d.X_test[:10], **{ev.name: ev.X_rec[:10] for ev in evaluations}}
        path = plot_image_rows(rows, d.image_shape, fig_dir / "reconstructions.png",
                               title="Test images (top) and each model's reconstruction")
        figures.append((str(path), "Reconstructions: look for blur and lost strokes compared with the top row."))
        masked_label = f"{int(TEST_NOISE[1] * 100)}% masked"
        rows = {masked_label: scaled.X_masked[:10], **{ev.name: ev.X_masked_rec[:10] for ev in evaluations},
                "clean": d.X_test[:10]}
        path = plot_image_rows(rows, d.image_shape, fig_dir / "denoising.png", reference="clean",
                               title="Masked test images, each model's output, and the clean target")
        figures.append((str(path), "Denoising: which models fill the masked strokes back in? "
                                   "Denoising autoencoders were trained for exactly this."))
    if d.series_shape is not None:
        from aekit.viz import plot_series_rows

        rows = {"original": d.X_test[:4], **{ev.name: ev.X_rec[:4] for ev in evaluations}}
        path = plot_series_rows(rows, d.series_shape, fig_dir / "series.png",
                                title="Test series (black) and each model's reconstruction")
        figures.append((str(path), "Series reconstructions: look for lost peaks, lag and smoothing."))
    if d.y_test is not None or d.kind == "table":
        path = plot_code_maps({ev.name: ev.Z_test for ev in evaluations}, d.y_test, fig_dir / "codes.png",
                              method=code_map_method, random_state=seed,
                              title="Test codes in 2-D" + (", coloured by label" if d.y_test is not None else ""))
        figures.append((str(path), "Codes in 2-D: separate, compact colour clusters mean the codes keep the "
                                   "classes apart without ever seeing a label." if d.y_test is not None else
                                   "Codes in 2-D (2-D codes as they are, wider ones mapped): clusters and "
                                   "outliers of the test rows; pass --label to colour them."))
    if d.kind == "table":
        path = plot_feature_errors(feature_errors(evaluations, scaled), fig_dir / "feature_errors.png")
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


def _meta(dataset: Dataset, seed: int, command: str | None, settings: dict[str, Any]) -> dict[str, str]:
    import sklearn
    import torch

    return {
        "command": command or "(called from Python)",
        "data": f"{dataset.name}: {len(dataset.X_train):,} train / {len(dataset.X_test):,} test rows, "
                f"{dataset.X_train.shape[1]} features; {dataset.source}",
        "seed": str(seed),
        "settings": ", ".join(f"{k}={v}" for k, v in settings.items()),
        "columns": "; ".join(f"{k}: {v}" for k, v in COLUMN_NOTES.items()),
        "versions": f"aekit {__version__}, torch {torch.__version__}, scikit-learn {sklearn.__version__}, "
                    f"Python {platform.python_version()}",
        "machine": f"{platform.machine()}, {platform.system()}, torch threads {torch.get_num_threads()}",
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def still_improving_notes(evaluations: list[Evaluation]) -> list[str]:
    """One line per model whose training ended on its best epoch."""
    return [f"{ev.name} was still improving when training stopped (its last epoch, {ev.row.get('epochs')}, was "
            "its best): it is likely undertrained; more epochs (--epochs, or max_epochs='auto') should help."
            for ev in evaluations if ev.still_improving]


def write_outputs(evaluations: list[Evaluation], scaled: _Scaled, out_dir: Path, *, title: str, seed: int,
                  command: str | None, settings: dict[str, Any], code_map_method: str = "tsne",
                  tables: list[tuple[str, pd.DataFrame, str]] | None = None) -> tuple[pd.DataFrame, Path]:
    """results.csv, results.md, the figures and report.html for these evaluations."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = results_table([ev.row for ev in evaluations])
    table.to_csv(out_dir / "results.csv", index=False)
    (out_dir / "results.md").write_text(table_to_markdown(table) + "\n")
    figures = _figures(evaluations, scaled, out_dir / "figures", seed, code_map_method)
    d = scaled.dataset
    intro = (f"Each model was trained on the same {len(d.X_train):,} rows of {d.name} with seed {seed} and "
             f"measured on the same {len(d.X_test):,} held-out rows, beside PCA with the same number of "
             "components.")
    report = write_report(out_dir / "report.html", title=title, table=table, figures=figures,
                          meta=_meta(d, seed, command, settings), intro=intro,
                          better={k: v for k, v in BETTER.items() if k in table.columns},
                          notes=still_improving_notes(evaluations), tables=tables)
    return table, report


def compare_models(dataset: Dataset, models: list[str], out_dir: str | Path, *, latent_dim: int = 32,
                   hidden: tuple[int, ...] = (256,), max_epochs: int | str = "auto", batch_size: int | str = "auto",
                   seed: int = 0, verbose: int = 0, command: str | None = None, code_map_method: str = "tsne",
                   on_model: Callable[[str], None] | None = None,
                   training: dict[str, Any] | None = None) -> ComparisonResult:
    """Train every model in ``models`` (names from ``aekit.estimators.presets``)
    on ``dataset`` and write the comparison into ``out_dir``. ``max_epochs`` and
    ``batch_size`` default to ``"auto"``: each model's budget is sized in
    optimiser steps for the data (``aekit.training.TrainConfig.sized_for``), so
    small data sets and slow families are not left undertrained. ``training``
    holds further estimator settings for every model (accelerator, devices,
    precision, num_threads, ...)."""
    unknown = [m for m in models if m not in PRESETS and m not in BASELINES]
    if unknown or not models:
        raise ValueError(f"unknown models {unknown or '(none given)'}; expected some of "
                         f"{', '.join([*BASELINES, *PRESETS])}")
    out_dir = Path(out_dir)
    scaled = _Scaled(dataset, seed)
    can_sample = any(name in PRESETS and hasattr(estimator_class(name), "sample") for name in models)
    scorer = fit_sample_scorer(dataset, seed) if can_sample else None
    evaluations, estimators = [], {}
    for name in models:
        if on_model:
            on_model(name)
        if name == "pca":
            evaluations.append(evaluate_pca(scaled, latent_dim, seed))
            continue
        estimator = make_estimator(name, latent_dim=latent_dim, hidden=hidden, max_epochs=max_epochs,
                                   batch_size=batch_size, random_state=seed, verbose=verbose,
                                   image_shape=dataset.image_shape, n_channels=series_channels(dataset),
                                   **(training or {}))
        start = time.perf_counter()
        estimator.fit(dataset.X_train, dataset.y_train)  # unsupervised families ignore y
        evaluations.append(evaluate_estimator(name, estimator, scaled, seed, time.perf_counter() - start, scorer))
        estimators[name] = estimator
        estimator.save(out_dir / "models" / f"{name}.safetensors")
    settings = {"latent_dim": latent_dim, "hidden": hidden, "max_epochs": max_epochs, "batch_size": batch_size,
                "test corruption": f"{TEST_NOISE[0]} {TEST_NOISE[1]}"}
    if scorer is not None:
        settings["sample scorer"] = (f"MLP {tuple(scorer.hidden)}, test accuracy "
                                     f"{scorer.accuracy(dataset.X_test, dataset.y_test):.3f}")
    table, report = write_outputs(evaluations, scaled, out_dir, title=f"aekit comparison on {dataset.name}",
                                  seed=seed, command=command, settings=settings, code_map_method=code_map_method)
    return ComparisonResult(table, report, out_dir, estimators)


def evaluate_fitted(name: str, estimator: AutoencoderEstimator, dataset: Dataset, out_dir: str | Path, *,
                    seed: int = 0, command: str | None = None, code_map_method: str = "tsne",
                    test_rows=None, test_ids: pd.DataFrame | None = None) -> ComparisonResult:
    """Measure one trained model beside PCA with as many components as its code; the report also
    lists the test rows it reconstructs worst (``test_rows``: their numbers in the data file;
    ``test_ids``: their id columns, shown first)."""
    out_dir = Path(out_dir)
    scaled = _Scaled(dataset, seed)
    latent_dim = min(estimator.model_.config.latent_dim, dataset.X_train.shape[1])  # mSDA codes can be wider
    evaluations = [evaluate_pca(scaled, latent_dim, seed), evaluate_estimator(name, estimator, scaled, seed)]
    settings = {"latent_dim": latent_dim, "test corruption": f"{TEST_NOISE[0]} {TEST_NOISE[1]}"}
    worst = worst_rows(evaluations[1], scaled, test_rows, ids=test_ids)
    out_dir.mkdir(parents=True, exist_ok=True)
    worst.to_csv(out_dir / "worst_rows.csv", index=False)
    where = "row number in the data file, 0 = first data row" if test_rows is not None else "position in the test set"
    tables = [(f"Rows {name} reconstructs worst", worst,
               f"The {len(worst)} test rows with the largest reconstruction error (mean squared, scaled units); "
               f"'row' is the {where}. Look for data errors, rare categories or true outliers.")]
    table, report = write_outputs(evaluations, scaled, out_dir, title=f"aekit evaluation: {name} on {dataset.name}",
                                  seed=seed, command=command, settings=settings, code_map_method=code_map_method,
                                  tables=tables)
    return ComparisonResult(table, report, out_dir, {name: estimator})
