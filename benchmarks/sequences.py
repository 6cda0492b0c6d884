"""Sequence autoencoders as anomaly detectors, against IsolationForest and PCA.

1. One-class detection on bundled UCR sets (aeon): each class in turn is
   "normal"; models train on the official train split's series of that
   class and score every series of the official test split (anomaly = any
   other class). Every method (IsolationForest too) runs once per seed
   (default 0-4); reported per set: the mean AUROC over classes for each
   seed, then its mean, standard deviation, min and max over the seeds. The
   target (best aekit family >= both baselines) is judged on the means.
   Also reported, from the same runs: each family's seed ensemble (the mean
   of its per-seed models' scores) and fit time as a ratio to PCA's.
2. A long series (TSAD 135, bundled with aeon) with anomalies planted in
   its test part (spikes, a level shift, a stretch with a changed period):
   precision and recall of the flagged segments at the "auto" threshold,
   once per seed.

Models train with the estimators' default "auto" budget (sized in optimiser
steps: hundreds of epochs on a UCR class of 12-34 series); code 8, width 32.

Each (set, seed) result is written to --runs-dir as soon as it finishes, so a
long run keeps what it did; a rerun skips the pairs already there (--rerun
redoes them) and --no-run only summarises them into --out. Disjoint --sets or
--seeds can thus run as separate processes.

Full protocol (the default: three sets, four families, seeds 0-4, both parts):
    PYTHONPATH=src python benchmarks/sequences.py
One part only (the other part's entry in the results file is kept):
    PYTHONPATH=src python benchmarks/sequences.py --parts long
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from aekit.data import flagged_segments, load_series_dataset, read_anomaly_series
from aekit.detection.thresholds import compute_threshold
from aekit.estimators.presets import make_estimator
from aekit.estimators.series_detector import SeriesAnomalyDetector

SETS = ("italy-power-demand", "gunpoint", "arrowhead")
MODELS = ("lstm-ae", "conv1d-ae", "attention-ae", "seq-vae")
BASELINES = ("pca", "isolation-forest")
SEEDS = (0, 1, 2, 3, 4)
RESULTS = Path(__file__).parent / "results" / "sequences.json"
RUNS = Path(__file__).parent / "results" / "sequences_runs"


def flat(series: list[np.ndarray]) -> np.ndarray:
    return np.stack(series).reshape(len(series), -1)


def baseline_scores(train: np.ndarray, test: np.ndarray, latent: int, seed: int) -> dict:
    mean, std = train.mean(axis=0), train.std(axis=0) + 1e-8
    train, test = (train - mean) / std, (test - mean) / std
    out = {}
    start = time.perf_counter()
    pca = PCA(min(latent, len(train) - 1), random_state=seed).fit(train)
    out["pca"] = (np.mean((pca.inverse_transform(pca.transform(test)) - test) ** 2, axis=1),
                  time.perf_counter() - start)
    start = time.perf_counter()
    forest = IsolationForest(random_state=seed).fit(train)
    out["isolation-forest"] = (-forest.score_samples(test), time.perf_counter() - start)
    return out


def one_class(name: str, models: list[str], latent: int, hidden: int, epochs, seed: int) -> dict:
    """One seed on one set: AUROC, test scores and fit seconds per class and method."""
    split = load_series_dataset(name)
    X_train, X_test = np.stack(split.train), np.stack(split.test)
    per_class: dict[str, dict[str, list]] = {}
    for label in np.unique(split.y_train):
        normal = X_train[split.y_train == label]
        y_true = (split.y_test != label).astype(int)
        results = baseline_scores(flat(list(normal)), flat(list(X_test)), latent, seed)
        for model in models:
            est = make_estimator(model, latent_dim=latent, hidden=(hidden,), max_epochs=epochs,
                                 batch_size="auto", random_state=seed)
            start = time.perf_counter()
            est.fit(normal)
            results[model] = (est.score_samples(X_test), time.perf_counter() - start)
        for key, (scores, fit_s) in results.items():
            entry = per_class.setdefault(key, {"auroc": [], "fit_seconds": [], "scores": []})
            entry["auroc"].append(float(roc_auc_score(y_true, scores)))
            entry["fit_seconds"].append(float(fit_s))
            entry["scores"].append([float(f"{v:.6g}") for v in scores])
        print(f"{name} seed {seed} class {label}: "
              + ", ".join(f"{k} {v['auroc'][-1]:.3f}" for k, v in per_class.items()), flush=True)
    return {"set": name, "seed": seed, "classes": [int(c) for c in np.unique(split.y_train)],
            "y_test": [int(v) for v in split.y_test], "methods": per_class}


def summarize_set(runs: list[dict], ensembles: bool) -> dict:
    """Mean over classes per seed, then mean / spread over seeds; the target on the means.

    With ``ensembles``, each aekit family also gets one "<family> x<n seeds>" row:
    the mean of its members' test scores over the seeds (the ensemble's score)."""
    methods = list(runs[0]["methods"])
    per_seed = {m: [float(np.mean(r["methods"][m]["auroc"])) for r in runs] for m in methods}
    seconds = {m: float(sum(np.sum(r["methods"][m]["fit_seconds"]) for r in runs)) for m in methods}
    out = {"seeds": [r["seed"] for r in runs], "n_classes": len(runs[0]["classes"]),
           "mean_auroc": {m: float(np.mean(v)) for m, v in per_seed.items()},
           "std_auroc": {m: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0 for m, v in per_seed.items()},
           "min_auroc": {m: min(v) for m, v in per_seed.items()},
           "max_auroc": {m: max(v) for m, v in per_seed.items()},
           "auroc_per_seed": per_seed,
           "fit_time_ratio_to_pca": {m: s / seconds["pca"] for m, s in seconds.items()}}
    out["target_best_aekit_beats_both_baselines"] = beats_both_baselines(out["mean_auroc"])
    if ensembles and len(runs) > 1:
        out["ensemble_auroc"] = {f"{m} x{len(runs)}": seed_ensemble_auroc(runs, m)
                                 for m in methods if m not in BASELINES}
        out["target_best_ensemble_beats_both_baselines"] = bool(
            max(out["ensemble_auroc"].values()) >= max(out["mean_auroc"][b] for b in BASELINES))
    return out


def seed_ensemble_auroc(runs: list[dict], method: str) -> float:
    """AUROC (mean over classes) of the mean score of one family's models over the seeds."""
    y_test = np.asarray(runs[0]["y_test"])
    aurocs = []
    for i, label in enumerate(runs[0]["classes"]):
        scores = np.mean([r["methods"][method]["scores"][i] for r in runs], axis=0)
        aurocs.append(roc_auc_score((y_test != label).astype(int), scores))
    return float(np.mean(aurocs))


def plant_anomalies(values: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """Spikes, a level shift and a stretch played at a changed period, at spread-out places."""
    x = values.copy()
    scale = float(x.std())
    n = len(x)
    planted = []
    for at in (int(n * 0.15), int(n * 0.55)):
        x[at] += 6 * scale
        planted.append((at, at + 1, "spike"))
    start = int(n * 0.3)
    x[start:start + 100] += 2 * scale
    planted.append((start, start + 100, "level shift"))
    start, length = int(n * 0.8), 200
    stretch = x[start:start + length // 2].copy()  # half the stretch played at half speed
    x[start:start + length] = np.interp(np.arange(length) / 2, np.arange(len(stretch)), stretch[:, 0])[:, None]
    planted.append((start, start + length, "changed period"))
    return x, planted


def long_series(model: str, latent: int, hidden: int, epochs, seed: int, window: int, stride: int) -> dict:
    data = read_anomaly_series("kdd-tsad-135")
    train, test = data.values[: data.train_end], data.values[data.train_end:]
    labelled = flagged_segments(data.is_anomaly[data.train_end:])
    test, planted = plant_anomalies(test, np.random.default_rng(seed))
    estimator = make_estimator(model, latent_dim=latent, hidden=(hidden,), max_epochs=epochs, batch_size="auto",
                               random_state=seed)
    det = SeriesAnomalyDetector(model=estimator, window=window, stride=stride, threshold="auto").fit(train)
    truth = [(s, e) for s, e, _ in planted] + labelled
    result = segment_scores(det.segments(test), truth, [f"{kind} at {s}" for s, _, kind in planted])
    # the rule before this fix, on the same model: raw step errors, median + 3 MAD on the linear scale
    raw_flags = det.step_errors(test) > compute_threshold(det.step_errors(train), "auto")
    before = segment_scores(flagged_segments(raw_flags), truth, [])
    return {"seed": seed, "model": model, "window": window, "stride": stride, "smooth": det.smooth_,
            "threshold": float(det.threshold_), "epochs_run": int(det.model_.n_epochs_),
            "planted": [[s, e, k] for s, e, k in planted], "labelled": [list(t) for t in labelled], **result,
            "unsmoothed_linear_auto": {k: before[k] for k in ("precision", "recall", "n_flagged_segments")}}


def segment_scores(segments: list[tuple[int, int]], truth: list[tuple[int, int]], names: list[str]) -> dict:
    """Recall: share of true anomalies touched by a flagged segment; precision:
    share of flagged segments touching a true anomaly."""
    def overlaps(a, b):
        return a[0] < b[1] and b[0] < a[1]

    hit = [any(overlaps(t, seg) for seg in segments) for t in truth]
    true_segments = [seg for seg in segments if any(overlaps(seg, t) for t in truth)]
    return {"found": dict(zip(names, hit)), "found_labelled": hit[len(names):],
            "n_flagged_segments": len(segments), "segments": [list(seg) for seg in segments],
            "precision": len(true_segments) / len(segments) if segments else 0.0,
            "recall": sum(hit) / len(truth)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--latent", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--epochs", type=epochs_arg, default="auto",
                        help='"auto" (training sized in optimiser steps, the estimators\' default) or a number')
    parser.add_argument("--parts", default="one-class,long",
                        help="one-class, long or both; a part not run keeps its entry in the results file")
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)),
                        help="every method (IsolationForest too) runs once per seed; the target is judged "
                             "on the mean over seeds")
    parser.add_argument("--no-run", action="store_true",
                        help="run nothing: summarise the runs already in --runs-dir for --seeds")
    parser.add_argument("--rerun", action="store_true", help="rerun (set, seed) pairs already in --runs-dir")
    parser.add_argument("--long-model", default="conv1d-ae")
    parser.add_argument("--window", type=int, default=64)
    parser.add_argument("--stride", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs-dir", type=Path, default=RUNS,
                        help="one JSON per (set, seed) and per long-series seed, written as each finishes")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    models = [m for m in args.models.split(",") if m]
    sets = [s for s in args.sets.split(",") if s]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    parts = set(args.parts.split(","))
    run = {"command": "PYTHONPATH=src python benchmarks/sequences.py " + " ".join(
               f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
               if k not in ("out", "runs_dir", "no_run", "rerun")),
           "machine": f"{platform.machine()} {platform.system()}, torch threads {args.threads}",
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    args.runs_dir.mkdir(parents=True, exist_ok=True)
    if not args.no_run:
        for seed in seeds:  # seeds outermost: every finished seed covers every set
            if "one-class" in parts:
                for name in sets:
                    run_once(args.runs_dir / f"{name}-seed{seed}.json", args.rerun, run,
                             lambda: one_class(name, models, args.latent, args.hidden, args.epochs, seed))
            if "long" in parts:
                run_once(args.runs_dir / f"long-seed{seed}.json", args.rerun, run,
                         lambda: long_series(args.long_model, args.latent, args.hidden, args.epochs, seed,
                                             args.window, args.stride))
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    if "one-class" in parts:
        results["one_class"] = summarize_one_class(args.runs_dir, sets, seeds)
    if "long" in parts:
        results["long_series"] = summarize_long(args.runs_dir, seeds)
    results = {k: v for k, v in results.items() if k in ("one_class", "long_series")}  # older layout's keys go
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))


def run_once(path: Path, rerun: bool, run: dict, compute) -> None:
    """Compute one (set, seed) result and write it at once (a long run keeps what it finished)."""
    if path.is_file() and not rerun:
        print(f"{path.name}: kept from an earlier run", flush=True)
        return
    start = time.perf_counter()
    result = compute()
    result["run"] = {**run, "wall_seconds": round(time.perf_counter() - start, 1)}
    path.write_text(json.dumps(result))
    print(f"{path.name}: written ({result['run']['wall_seconds']} s)", flush=True)


def load_runs(runs_dir: Path, prefix: str, seeds: list[int]) -> list[dict]:
    paths = [runs_dir / f"{prefix}-seed{seed}.json" for seed in seeds]
    return [json.loads(p.read_text()) for p in paths if p.is_file()]


def summarize_one_class(runs_dir: Path, sets: list[str], seeds: list[int]) -> dict:
    out = {}
    for name in sets:
        runs = load_runs(runs_dir, name, seeds)
        if runs:
            out[name] = {"runs": [r["run"] for r in runs], **summarize_set(runs, ensembles=True)}
            print(name, json.dumps({m: round(v, 3) for m, v in out[name]["mean_auroc"].items()}), flush=True)
    return out


def summarize_long(runs_dir: Path, seeds: list[int]) -> dict:
    runs = load_runs(runs_dir, "long", seeds)
    if not runs:
        return {}
    keys = ("precision", "recall", "n_flagged_segments")
    summary = {f"mean_{k}": float(np.mean([r[k] for r in runs])) for k in keys}
    summary["before_mean_precision"] = float(np.mean([r["unsmoothed_linear_auto"]["precision"] for r in runs]))
    print("long series", summary, flush=True)
    return {**summary, "seeds": [r["seed"] for r in runs], "per_seed": runs}


def epochs_arg(value: str) -> int | str:
    return value if value == "auto" else int(value)


def beats_both_baselines(mean_auroc: dict[str, float]) -> bool:
    best = max(v for k, v in mean_auroc.items() if k not in BASELINES)
    return bool(best >= max(mean_auroc[k] for k in BASELINES))

if __name__ == "__main__":
    main()
