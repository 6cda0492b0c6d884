"""Anomaly detection: aekit's AnomalyDetector against IsolationForest, PCA
reconstruction error and PyOD's AutoEncoder, all on the same data in one run.

1. One-class Fashion-MNIST: train on one class's training images, score the
   test set (that class normal, the other nine anomalous), each of the 10
   classes in turn; mean AUROC. Target: the aekit detector >= 0.935 (GEOM,
   Golan & El-Yaniv 2018) and ahead of PyOD's AutoEncoder at its defaults.
2. Tabular: breast-cancer (benign normal, malignant anomalous; 60% of the
   benign rows train, the rest and all malignant rows test) and one-class
   digits (as 1.), the same methods.
3. Thresholds: on each tabular scenario, train on normal rows mixed with 5%
   anomalies, and compare the precision and recall (on those training rows)
   of the "auto" rule with the contamination rule given the true rate.

Fit times are ratios to IsolationForest's fit time on the same data.

aekit detectors are given as preset[:score][@name=value...] (--aekit). The first
is the headline detector, chosen beforehand on a validation split of the
training images (--validation: conv trained with 30% masking noise, score
latent, code 32, 10 epochs); the others are shown for comparison. Convolutional ones run on images only, so the
tables' headline is the first dense one (ae, standardized_mse+latent).

Full protocol (the default):  python benchmarks/anomaly.py
In two parts:  --classes 0-4 --out a.json; --classes 5-9 --skip-tabular --out b.json; then
               python benchmarks/anomaly.py --merge a.json b.json
Reduced run:  python benchmarks/anomaly.py --n-train 1500 --n-test 2000 --epochs 20
Screen on training images only (no test labels):  python benchmarks/anomaly.py --validation 2000
               --n-train 1500 --classes 0,6,8 --skip-tabular --no-baselines --aekit SPEC,SPEC
A spec is preset[:score][@name=value...], e.g. conv:standardized_mse+latent@channels=32/64/128.
Writes benchmarks/results/anomaly.json and prints a markdown summary.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, precision_score, recall_score, roc_auc_score
from sklearn.preprocessing import StandardScaler

from aekit import AnomalyDetector
from aekit.data import load_dataset
from aekit.detection import compute_threshold

RESULTS = Path(__file__).parent / "results" / "anomaly.json"
CONTAMINATION = 0.05
# The headline detector first: chosen on a validation split of the training images (see README):
# the convolutional autoencoder trained with 30% masking noise, scored by the code's Mahalanobis distance.
CONV_DAE = "@noise=masking@noise_level=0.3"
AEKIT_SPECS = (f"conv:latent{CONV_DAE}", f"conv:standardized_mse+latent{CONV_DAE}",
               "conv:standardized_mse+latent", "conv", "conv:latent", "conv:mse+latent",
               "ae:standardized_mse+latent", "ae", "dae")


# -- the methods: each fits on normal rows and returns the test rows' scores ---------

def isolation_forest(X_train, X_test, seed, epochs):
    return -IsolationForest(random_state=seed).fit(X_train).score_samples(X_test)


def pca_error(X_train, X_test, seed, epochs):
    scaler = StandardScaler().fit(X_train) if X_train.shape[1] < 100 else None  # tables: standardise
    if scaler is not None:
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    pca = PCA(code_size(32, X_train), random_state=seed).fit(X_train)
    return np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2, axis=1)


def code_size(latent_dim: int, X) -> int:
    """``latent_dim``, at most half the features: the PCA baseline's rule (breast-cancer: 15)."""
    return min(latent_dim, X.shape[1] // 2)


def pyod_autoencoder(X_train, X_test, seed, epochs):
    from pyod.models.auto_encoder import AutoEncoder

    model = AutoEncoder(random_state=seed, verbose=0)
    model.fit(X_train)  # PyOD 2.x's deep detectors' fit returns None (2.0.7 as well): no chaining
    return model.decision_function(X_test)


_FITTED: dict = {}  # (preset, training rows) -> (fitted detector, seconds): one fit serves every score


def parse_spec(spec: str) -> tuple[str, str, dict]:
    """"preset:score@name=value@..." -> (preset, score, model parameters): e.g.
    "conv:standardized_mse+latent@channels=32/64/128@max_epochs=20" (tuples joined by "/")."""
    head, *assignments = spec.split("@")
    preset, _, score = head.partition(":")
    return preset, score or "mse", dict(_parse_assignment(a) for a in assignments)


def _parse_assignment(text: str) -> tuple[str, object]:
    name, _, value = text.partition("=")
    if "/" in value:
        return name, tuple(int(v) for v in value.split("/"))
    if value.lower() in ("true", "false"):
        return name, value.lower() == "true"
    for kind in (int, float):
        try:
            return name, kind(value)
        except ValueError:
            pass
    return name, value


def aekit_detector(preset: str, score: str, **params):
    """``AnomalyDetector(preset, score=score, **params)``. Training does not depend on the score, so
    the autoencoder fitted for the first score of a preset and parameters is reused for the others
    (its fit time is counted in each); the result equals a separate fit with that score and seed."""
    own_epochs = params.pop("max_epochs", None)  # a spec's own epochs win over --epochs

    def fit_score(X_train, X_test, seed, epochs):
        epochs = own_epochs or epochs
        key = (preset, tuple(sorted(params.items())), X_train.shape, float(X_train[:50].sum()), seed, epochs)
        if key not in _FITTED:
            _FITTED.clear()
            side = int(round(np.sqrt(X_train.shape[1])))
            images = {"image_shape": (1, side, side)} if preset.startswith("conv") else {}
            start = time.perf_counter()
            detector = AnomalyDetector(preset, max_epochs=epochs, random_state=seed, score=score,
                                       **{**params, "latent_dim": code_size(params["latent_dim"], X_train)},
                                       **images).fit(X_train)
            _FITTED[key] = (detector, time.perf_counter() - start)
            return detector.decision_function(X_test), 0.0
        fitted, seconds = _FITTED[key]
        detector = fitted.set_params(score=score)
        detector._calibrate(detector.estimator_, X_train)  # the score's statistics on the training rows
        return detector.decision_function(X_test), seconds
    return fit_score


def methods(aekit_specs: list[str], latent_dim: int, images: bool, baselines: bool = True) -> dict:
    """Baselines (unless ``baselines`` is false: screens), then one aekit method per spec
    "preset[:score][@name=value...]" (the convolutional ones only for images)."""
    table = {"IsolationForest": isolation_forest, "PCA": pca_error,
             "PyOD AutoEncoder": pyod_autoencoder} if baselines else {}
    for spec in aekit_specs:
        preset, score, params = parse_spec(spec)
        if preset.startswith("conv") and not images:
            continue
        table[f"aekit {spec}"] = aekit_detector(preset, score, **{"latent_dim": latent_dim, **params})
    return table


# -- data --------------------------------------------------------------------------------

def subsample(rng, X, n):
    return X if n is None or n >= len(X) else X[rng.choice(len(X), n, replace=False)]


def one_class_scenarios(dataset, n_train, n_test, seed, classes=None):
    """(name, X_train of one class, X_test, y_test with 1 = another class) per class
    (only the labels in ``classes`` when given; the rows drawn do not depend on it)."""
    rng = np.random.default_rng(seed)
    if n_test is not None and n_test < len(dataset.X_test):
        keep = rng.choice(len(dataset.X_test), n_test, replace=False)
        X_test, y_test = dataset.X_test[keep], dataset.y_test[keep]
    else:
        X_test, y_test = dataset.X_test, dataset.y_test
    for label in np.unique(dataset.y_train):
        X_train = subsample(rng, dataset.X_train[dataset.y_train == label], n_train)
        if classes is not None and int(label) not in classes:
            continue
        yield f"class {label}", X_train, X_test, (y_test != label).astype(int)


def validation_split(dataset, n_validation, seed):
    """The dataset with its test rows replaced by ``n_validation`` held-out *training* rows (the
    training rows keep the rest), to choose a detector without looking at the test set."""
    import dataclasses

    order = np.random.default_rng(seed + 1).permutation(len(dataset.X_train))
    held, kept = order[:n_validation], order[n_validation:]
    return dataclasses.replace(dataset, X_train=dataset.X_train[kept], y_train=dataset.y_train[kept],
                               X_test=dataset.X_train[held], y_test=dataset.y_train[held])


def breast_cancer_scenario(seed):
    X, y = load_breast_cancer(return_X_y=True)
    X = X.astype(np.float32)
    benign = np.flatnonzero(y == 1)
    train = np.random.default_rng(seed).permutation(benign)[: int(0.6 * len(benign))]
    test = np.setdiff1d(np.arange(len(y)), train)
    yield "benign", X[train], X[test], (y[test] == 0).astype(int)


# -- running -------------------------------------------------------------------------------

def warm_up(baselines: bool = True) -> None:
    """Import and run aekit (and PyOD, when the baselines run) once on noise, so no timed fit
    pays for first imports; without the baselines PyOD need not be installed."""
    X = np.random.default_rng(0).random((64, 16)).astype(np.float32)
    if baselines:
        pyod_autoencoder(X, X, 0, 1)
    AnomalyDetector("ae", max_epochs=1, latent_dim=2, random_state=0).fit(X)


def run_scenarios(scenarios, table, seed, epochs, on_row=None) -> list[dict]:
    rows = []
    for scenario, X_train, X_test, y_test in scenarios:
        for method, fit_score in table.items():
            start = time.perf_counter()
            scores = fit_score(X_train, X_test, seed, epochs)
            shared = 0.0
            if isinstance(scores, tuple):  # an aekit score reusing an autoencoder fitted for another
                scores, shared = scores
            seconds = time.perf_counter() - start + shared
            rows.append({"scenario": scenario, "method": method, "auroc": float(roc_auc_score(y_test, scores)),
                         "average_precision": float(average_precision_score(y_test, scores)),
                         "fit_score_seconds": seconds, "n_train": len(X_train), "n_test": len(X_test)})
            print(f"  {scenario:10s} {method:22s} AUROC {rows[-1]['auroc']:.3f}  {seconds:6.1f} s", flush=True)
            if on_row is not None:
                on_row(rows)
    return rows


def summarise(rows: list[dict]) -> dict:
    by_method: dict[str, list[dict]] = {}
    for row in rows:
        by_method.setdefault(row["method"], []).append(row)
    reference = sum(r["fit_score_seconds"] for r in by_method.get("IsolationForest", next(iter(by_method.values()))))
    return {method: {"mean_auroc": float(np.mean([r["auroc"] for r in rs])),
                     "mean_average_precision": float(np.mean([r["average_precision"] for r in rs])),
                     "time_ratio_to_isolation_forest": sum(r["fit_score_seconds"] for r in rs) / reference}
            for method, rs in by_method.items()}


def headline_aekit(summary: dict) -> str:
    """The first aekit method: the configuration chosen beforehand on validation data (never
    the best on the test labels); the others are shown for comparison."""
    return next(m for m in summary if m.startswith("aekit"))


def threshold_rules(scenarios, spec, latent_dim, seed, epochs) -> list[dict]:
    """Precision / recall on contaminated training rows: "auto" vs contamination = true rate."""
    rows = []
    rng = np.random.default_rng(seed)
    for scenario, X_normal, X_test, y_test in scenarios:
        n_anomalies = max(1, round(CONTAMINATION / (1 - CONTAMINATION) * len(X_normal)))
        anomalies = subsample(rng, X_test[y_test == 1], n_anomalies)
        X = np.vstack([X_normal, anomalies])
        y = np.r_[np.zeros(len(X_normal), int), np.ones(len(anomalies), int)]
        preset, score, params = parse_spec(spec)
        params = {"max_epochs": epochs, **params, "latent_dim": code_size(params.get("latent_dim", latent_dim), X)}
        detector = AnomalyDetector(preset, score=score, random_state=seed, **params).fit(X)
        for rule, cut in (("auto", detector.threshold_),
                          ("contamination", compute_threshold(detector.decision_scores_,
                                                              contamination=len(anomalies) / len(X)))):
            flagged = (detector.decision_scores_ > cut).astype(int)
            rows.append({"scenario": scenario, "rule": rule, "flagged": float(flagged.mean()),
                         "precision": float(precision_score(y, flagged, zero_division=0)),
                         "recall": float(recall_score(y, flagged))})
    return rows


def merge(parts: list[dict]) -> dict:
    """One results dict from runs over disjoint class ranges or parts (same command otherwise)."""
    merged = {**parts[0], "datasets": {}, "thresholds": {}, "parts": [p["command"] for p in parts],
              "date": ", ".join(p["date"] for p in parts)}
    for part in parts:
        merged["thresholds"].update(part["thresholds"])
        for data, result in part["datasets"].items():
            merged["datasets"].setdefault(data, {"rows": []})["rows"] += result["rows"]
    for result in merged["datasets"].values():
        result["summary"] = summarise(result["rows"])
        result["headline_aekit"] = headline_aekit(result["summary"])
    return merged


def markdown(results: dict) -> str:
    lines = []
    for data, part in results["datasets"].items():
        lines += [f"\n### {data}\n", "| method | mean AUROC | mean AP | time / IsolationForest |", "|---|---|---|---|"]
        for method, s in part["summary"].items():
            lines.append(f"| {method} | {s['mean_auroc']:.3f} | {s['mean_average_precision']:.3f} | "
                         f"{s['time_ratio_to_isolation_forest']:.1f} |")
    lines += ["\n### thresholds (5% contamination in training)\n",
              "| data | rule | flagged | precision | recall |", "|---|---|---|---|---|"]
    for data, rows in results["thresholds"].items():
        for rule in ("auto", "contamination"):
            mine = [r for r in rows if r["rule"] == rule]
            lines.append(f"| {data} | {rule} | {np.mean([r['flagged'] for r in mine]):.3f} | "
                         f"{np.mean([r['precision'] for r in mine]):.3f} | {np.mean([r['recall'] for r in mine]):.3f} |")
    return "\n".join(lines)


def class_range(text: str | None) -> set[int] | None:
    """"0-4" -> {0, 1, 2, 3, 4}; "5,7" -> {5, 7}; None -> None (all)."""
    if text is None:
        return None
    labels = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        labels.update(range(int(first), int(last or first) + 1))
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-train", type=int, default=None, help="Training images per class (default: all 6,000).")
    parser.add_argument("--n-test", type=int, default=None, help="Test images (default: all 10,000).")
    parser.add_argument("--epochs", type=int, default=10,
                        help="Maximum epochs of aekit's detectors (10: chosen on validation data, see README).")
    parser.add_argument("--aekit", default=",".join(AEKIT_SPECS),
                        help="aekit detectors as preset or preset:score; the first is the headline detector, "
                             "chosen beforehand on validation data; the others are shown for comparison.")
    parser.add_argument("--latent", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-fashion", action="store_true", help="Only the tabular part.")
    parser.add_argument("--skip-tabular", action="store_true", help="Only Fashion-MNIST.")
    parser.add_argument("--classes", default=None,
                        help="Fashion-MNIST classes to run, e.g. 0-4 or 5,6 (default: all 10); split a long run "
                             "into parts and join their files with --merge.")
    parser.add_argument("--merge", type=Path, nargs="+", default=None,
                        help="Join the results files of parts of one run into --out, then stop.")
    parser.add_argument("--validation", type=int, default=None, metavar="N",
                        help="Screen on training images only: score N held-out training images instead of the "
                             "test set (with --n-train and --classes; how the headline detector is chosen).")
    parser.add_argument("--no-baselines", action="store_true",
                        help="Only the aekit detectors (screens); the time ratios are then to the first method.")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (PyOD and aekit alike).")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.merge:
        results = merge([json.loads(path.read_text()) for path in args.merge])
        args.out.write_text(json.dumps(results, indent=2))
        print(markdown(results))
        return
    # One thread: on a busy shared machine two intra-op threads wait on each other (25x slower here).
    torch.set_num_threads(args.threads)
    presets = [p.strip() for p in args.aekit.split(",") if p.strip()]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    scenarios = {}
    if not args.skip_fashion:
        def fashion():
            dataset = load_dataset("fashion-mnist")
            if args.validation:
                dataset = validation_split(dataset, args.validation, args.seed)
            return one_class_scenarios(dataset, args.n_train, args.n_test, args.seed, class_range(args.classes))
        scenarios["fashion-mnist (one-class)"] = fashion
    if not args.skip_tabular:
        scenarios["breast-cancer"] = lambda: list(breast_cancer_scenario(args.seed))
        scenarios["digits (one-class)"] = lambda: list(one_class_scenarios(load_dataset("digits", random_state=args.seed),
                                                                       None, None, args.seed))
    results = {"command": "python benchmarks/anomaly.py " + " ".join(
                   f"--{k.replace('_', '-')}" + ("" if v is True else f" {v}") for k, v in vars(args).items()
                   if v not in (None, False) and k not in ("out", "merge")),
               "reduced": args.n_train is not None or args.n_test is not None or bool(args.validation),
               "validation": bool(args.validation),
               "date": started, "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, "
                                           f"torch {torch.__version__}, {torch.get_num_threads()} threads",
               "datasets": {}, "thresholds": {}}
    warm_up(baselines=not args.no_baselines)
    for data, make in scenarios.items():
        print(f"{data}:", flush=True)
        def save_partial(rows, data=data):  # what is done survives an interrupted run
            results["datasets"][data] = {"rows": rows, "partial": True}
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, indent=2))

        table = methods(presets, args.latent, images=data.startswith("fashion"), baselines=not args.no_baselines)
        rows = run_scenarios(make(), table, args.seed, args.epochs, save_partial)
        summary = summarise(rows)
        best = headline_aekit(summary)
        results["datasets"][data] = {"rows": rows, "summary": summary, "headline_aekit": best}
        if data != "fashion-mnist (one-class)":
            results["thresholds"][data] = threshold_rules(make(), best.split(" ", 1)[1], args.latent,
                                                          args.seed, args.epochs)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))  # keep what is done if a later part fails
    print(markdown(results))


if __name__ == "__main__":
    main()
