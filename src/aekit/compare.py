"""Side-by-side experiments: train several models on the same split and
seed, measure them beside PCA, draw what they learned, write a report.

This is the experiment of the classic denoising-autoencoder papers
(reconstruction, robustness to corrupted inputs, quality of the codes for a
classifier, a 2-D map of the codes), made reproducible by one command.
This module trains and measures; the figures, tables and report.html are
written by :mod:`aekit.viz.comparison`.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from aekit.data import Dataset, corrupt_array
from aekit.data.tabular import categorical_columns, fit_preprocessing
from aekit.estimators.base import AutoencoderEstimator
from aekit.estimators.presets import BASELINES, PRESETS, estimator_class, make_estimator
from aekit.evaluation import code_quality, pca_baseline, reconstruction_metrics, throughput
from aekit.viz.comparison import comparison_figures, write_comparison

TEST_NOISE = ("masking", 0.3)  # how test inputs are corrupted for the robustness column
N_SAMPLES = 64  # drawn from each generative model for its sample grid
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


def row_errors(scaled: _Scaled, X_rec_raw) -> np.ndarray:
    """Mean squared error of each test row in scaled units (the rows' share of test_mse)."""
    return np.mean(np.square(scaled.scaler.transform(X_rec_raw) - scaled.X_test), axis=1)


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
        rows.append({**carried, "row": str(row), "error": float(per_row.iloc[i])})
        if scaled.dataset.image_shape is None:  # an image's worst pixels say nothing: its file does
            rows[-1]["worst columns (data -> reconstruction)"] = "; ".join(
                f"{c}: {_short(original[c].iloc[i])} -> {_short(rec[c].iloc[i])}" for c in worst)
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


def write_outputs(evaluations: list[Evaluation], scaled: _Scaled, out_dir: Path, *, title: str, seed: int,
                  command: str | None, settings: dict[str, Any], code_map_method: str = "tsne",
                  tables: list[tuple[str, pd.DataFrame, str]] | None = None,
                  test_rows=None) -> tuple[pd.DataFrame, Path]:
    """results.csv, results.md, the figures and report.html for these evaluations (see :mod:`aekit.viz.comparison`);
    ``test_rows``: the test rows' numbers in the data file, shown on the code map."""
    d = scaled.dataset
    figures = comparison_figures(
        evaluations, d, out_dir / "figures", X_masked=scaled.X_masked,
        masked_label=f"{int(TEST_NOISE[1] * 100)}% masked", seed=seed, code_map_method=code_map_method,
        feature_errors=feature_errors(evaluations, scaled) if d.kind == "table" else None,
        row_errors={ev.name: row_errors(scaled, ev.X_rec) for ev in evaluations}, row_numbers=test_rows)
    return write_comparison(evaluations, d, out_dir, title=title, seed=seed, command=command, settings=settings,
                            figures=figures, column_notes=COLUMN_NOTES, better=BETTER, tables=tables)


def compare_models(dataset: Dataset, models: list[str], out_dir: str | Path, *, latent_dim: int | str = "auto",
                   hidden: tuple[int, ...] = (256,), max_epochs: int | str = "auto", batch_size: int | str = "auto",
                   seed: int = 0, verbose: int = 0, command: str | None = None, code_map_method: str = "tsne",
                   on_model: Callable[[str], None] | None = None,
                   training: dict[str, Any] | None = None) -> ComparisonResult:
    """Train every model in ``models`` (names from ``aekit.estimators.presets``)
    on ``dataset`` and write the comparison into ``out_dir``. ``max_epochs`` and
    ``batch_size`` default to ``"auto"``: each model's budget is sized in
    optimiser steps for the data (``aekit.training.TrainConfig.sized_for``), so
    small data sets and slow families are not left undertrained. ``latent_dim``
    "auto" is chosen once from the scaled training data
    (:func:`aekit.estimators.sizing.auto_latent_dim`) and used by every model
    and PCA. ``training``
    holds further estimator settings for every model (accelerator, devices,
    precision, num_threads, ...)."""
    unknown = [m for m in models if m not in PRESETS and m not in BASELINES]
    if unknown or not models:
        raise ValueError(f"unknown models {unknown or '(none given)'}; expected some of "
                         f"{', '.join([*BASELINES, *PRESETS])}")
    out_dir = Path(out_dir)
    scaled = _Scaled(dataset, seed)
    if latent_dim == "auto":  # one code size for every model and PCA: the estimators' own rule
        from aekit.estimators.sizing import auto_latent_dim

        latent_dim = auto_latent_dim(scaled.X_train, seed)
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


def probe_against_pca(table: pd.DataFrame, n_test: int) -> str | None:
    """One line saying which models' codes beat PCA's on the linear probe, and which do not
    (None without a ``pca`` row or probe column). A difference smaller than twice the standard
    error of PCA's accuracy on ``n_test`` rows is called within noise.

    Parameters
    ----------
    table : pandas.DataFrame
        A comparison's results (``model`` and ``linear_probe`` columns).
    n_test : int
        Test rows the probe was scored on.

    Returns
    -------
    str or None

    Examples
    --------
    >>> table = pd.DataFrame({"model": ["pca", "ae", "dae"], "linear_probe": [0.887, 0.882, 0.897]})
    >>> probe_against_pca(table, 1000)
    'linear probe vs PCA (0.887): ahead dae 0.897; behind ae 0.882 (one split and seed: differences under 0.020 are within the noise of 1,000 test rows)'

    A model with PCA's very accuracy is level with it, not behind:

    >>> table = pd.DataFrame({"model": ["pca", "ae", "dae"], "linear_probe": [0.899, 0.899, 0.886]})
    >>> probe_against_pca(table, 79)
    'linear probe vs PCA (0.899): none ahead; level ae 0.899; behind dae 0.886 (one split and seed: differences under 0.068 are within the noise of 79 test rows)'
    """
    if "linear_probe" not in table or "pca" not in set(table["model"]):
        return None
    scores = dict(zip(table["model"], table["linear_probe"]))
    pca = float(scores.pop("pca"))
    if not np.isfinite(pca) or n_test < 1:
        return None
    noise = 2 * np.sqrt(pca * (1 - pca) / n_test)
    groups = {"ahead": [m for m, v in scores.items() if v > pca], "level": [m for m, v in scores.items() if v == pca],
              "behind": [m for m, v in scores.items() if v < pca]}
    parts = [f"{group} {', '.join(f'{m} {scores[m]:.3f}' for m in models)}" for group, models in groups.items()
             if models]
    if not groups["ahead"]:
        parts.insert(0, "none ahead")
    return (f"linear probe vs PCA ({pca:.3f}): {'; '.join(parts)} (one split and seed: differences under "
            f"{noise:.3f} are within the noise of {n_test:,} test rows)")


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
    images = dataset.image_shape is not None
    where = ("position in the test set" if test_rows is None else
             "image's position in the folder's sorted file list, 0 = first" if images else
             "row number in the data file, 0 = first data row")
    unit = "images" if images else "rows"
    tables = [(f"{unit.capitalize()} {name} reconstructs worst", worst,
               f"The {len(worst)} test {unit} with the largest reconstruction error (mean squared, scaled units); "
               f"'row' is the {where}. Look for data errors, rare categories or true outliers.")]
    table, report = write_outputs(evaluations, scaled, out_dir, title=f"aekit evaluation: {name} on {dataset.name}",
                                  seed=seed, command=command, settings=settings, code_map_method=code_map_method,
                                  tables=tables, test_rows=test_rows)
    return ComparisonResult(table, report, out_dir, {name: estimator})
