"""Recommendation benchmark: AutoRec against Surprise, top-N autoencoders against popularity, memory.

Three parts, all on the same splits within one run:

1. Rating prediction on ``--data`` (default movielens-small), the AutoRec
   protocol: random 90/10 split of the ratings per seed (AutoRec carves 10%
   of its training ratings for early stopping). I-AutoRec and U-AutoRec
   against scikit-surprise's SVD (defaults; and tuned: 100 factors, 40
   epochs, reg 0.05) and BaselineOnly. RMSE / MAE, mean and spread over
   seeds, fit time as a ratio to SVD-default in the same process.
   Target: I-AutoRec RMSE <= 0.97 x SVD-default.
2. Top-N, strong generalisation: ratings >= 3.5 are interactions; 20% of
   users held out, 80% of each one's items folded in, 20% to find.
   Mult-VAE, Mult-DAE, EASE, U-AutoRec (fold-in of the rated history) and
   the popularity baseline: Recall@20, Recall@50, NDCG@100, coverage.
   Targets: NDCG@100 >= 1.8 x popularity for EASE and Mult-VAE, >= 1.6 x for
   Mult-DAE (issue 22; the earlier target was 1.5 x for all three).
3. Memory on a synthetic matrix of MovieLens-20M's shape (138,493 users,
   26,744 items, 20,000,263 ratings), each in its own process: peak RSS and
   time of one I-AutoRec epoch (``--memory-batches`` limits the batches for
   a reduced run; the time is then extrapolated to the whole epoch), and
   EASE on the full item count (refused with its memory estimate unless
   it fits) and on ``--ease-items`` items.

Full protocol (the default): ``python benchmarks/recsys.py``. Reduced runs
(fewer seeds, fewer batches) say so in the results JSON under ``reduced``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

ML20M_SHAPE = (138_493, 26_744, 20_000_263)
I_AUTOREC = dict(kind="item")  # AutoRec's defaults: hidden 500, lambda 100, full-batch Rprop, early stopping
U_AUTOREC = dict(kind="user")
THRESHOLD = 3.5
TOPN_TARGETS = {"EASE": 1.8, "Mult-VAE": 1.8, "Mult-DAE": 1.6}  # NDCG@100 / popularity (issue 22)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


# --- 1. ratings -----------------------------------------------------------------------------------


def surprise_models(seed: int) -> dict:
    from surprise import SVD, BaselineOnly

    return {"SVD (defaults)": SVD(random_state=seed),
            "SVD (100 factors, 40 epochs, reg 0.05)": SVD(n_factors=100, n_epochs=40, reg_all=0.05, random_state=seed),
            "BaselineOnly": BaselineOnly(verbose=False)}


def run_surprise(algo, train: pd.DataFrame, test: pd.DataFrame, scale) -> tuple[np.ndarray, float]:
    from surprise import Dataset, Reader

    trainset = Dataset.load_from_df(train[["user", "item", "rating"]], Reader(rating_scale=scale)).build_full_trainset()
    _, seconds = timed(lambda: algo.fit(trainset))
    predicted = np.array([algo.predict(u, i).est for u, i in zip(test["user"], test["item"])])
    return predicted, seconds


def rating_part(ratings: pd.DataFrame, seeds: list[int], scale, keep, wanted=lambda name: True) -> list[dict]:
    from aekit import AutoRec
    from aekit.evaluation.recsys import evaluate_ratings, random_split, rating_metrics

    rows = []
    for seed in seeds:
        train, test = random_split(ratings, 0.1, seed=seed)
        for name, algo in surprise_models(seed).items():
            predicted, seconds = run_surprise(algo, train, test, scale)
            rows.append({"seed": seed, "model": name, **rating_metrics(test["rating"], predicted), "fit_seconds": seconds})
            keep(rows)
        for name, params in (("I-AutoRec", I_AUTOREC), ("U-AutoRec", U_AUTOREC)):
            if not wanted(name):
                continue
            model = AutoRec(**params, rating_scale=scale, random_state=seed)
            _, seconds = timed(lambda: model.fit(train))
            rows.append({"seed": seed, "model": name, **evaluate_ratings(model, test), "fit_seconds": seconds,
                         "epochs": model.n_epochs_, "best_epoch": model.best_epoch_})
            keep(rows)
    return rows


def summarise_ratings(rows: list[dict]) -> dict:
    frame = pd.DataFrame(rows)
    reference = frame[frame["model"] == "SVD (defaults)"].set_index("seed")
    frame["rmse_ratio_to_svd_default"] = frame["rmse"] / frame["seed"].map(reference["rmse"])
    frame["fit_time_ratio_to_svd_default"] = frame["fit_seconds"] / frame["seed"].map(reference["fit_seconds"])
    stats = frame.groupby("model", sort=False).agg(
        rmse_mean=("rmse", "mean"), rmse_std=("rmse", "std"), mae_mean=("mae", "mean"),
        rmse_ratio_to_svd_default=("rmse_ratio_to_svd_default", "mean"),
        fit_time_ratio_to_svd_default=("fit_time_ratio_to_svd_default", "mean"), seeds=("seed", "count"))
    ratio = float(stats.loc["I-AutoRec", "rmse_ratio_to_svd_default"])
    return {"table": stats.reset_index().to_dict(orient="records"),
            "target": "I-AutoRec RMSE <= 0.97 x SVD-default", "i_autorec_ratio": ratio,
            "met": bool(ratio <= 0.97), "rows": rows}


# --- 2. top-N -----------------------------------------------------------------------------------------


def topn_part(ratings: pd.DataFrame, seeds: list[int], epochs: int | None, keep, wanted=lambda name: True) -> list[dict]:
    from aekit import EASE, AutoRec, MultDAE, MultVAE
    from aekit.evaluation.recsys import evaluate_popularity, evaluate_topn, strong_generalization_split

    positives = ratings.loc[ratings["rating"] >= THRESHOLD]
    rows = []
    for seed in seeds:
        split = strong_generalization_split(positives, 0.2, 0.8, seed=seed)
        rows.append({"seed": seed, "model": "popularity", **evaluate_popularity(split)})
        extra = {} if epochs is None else {"max_epochs": epochs}
        models = {"Mult-VAE": MultVAE(random_state=seed, **extra), "Mult-DAE": MultDAE(random_state=seed, **extra),
                  "EASE": EASE(),  # the estimators' defaults, chosen on validation users (recsys_tuning.py)
                  "U-AutoRec (ranking)": AutoRec(**{**U_AUTOREC, **extra}, rating_scale=(0.5, 5.0), random_state=seed)}
        for name, model in models.items():
            if not wanted(name):
                continue
            _, seconds = timed(lambda: model.fit(split.train))
            metrics = evaluate_topn(model, split, with_ratings=name.startswith("U-AutoRec"))
            rows.append({"seed": seed, "model": name, **metrics, "fit_seconds": seconds})
            keep(rows)
    return rows


def summarise_topn(rows: list[dict]) -> dict:
    frame = pd.DataFrame(rows)
    popularity = frame[frame["model"] == "popularity"].set_index("seed")["ndcg@100"]
    frame["ndcg@100_ratio_to_popularity"] = frame["ndcg@100"] / frame["seed"].map(popularity)
    columns = ["recall@20", "recall@50", "ndcg@100", "coverage@100", "ndcg@100_ratio_to_popularity"]
    stats = frame.groupby("model", sort=False)[columns].mean()
    stats["ndcg@100_std"] = frame.groupby("model", sort=False)["ndcg@100"].std()
    stats["ndcg@100_ratio_min_over_seeds"] = frame.groupby("model", sort=False)["ndcg@100_ratio_to_popularity"].min()
    targets = {m: {"target": goal, "mean": float(stats.loc[m, "ndcg@100_ratio_to_popularity"]),
                   "met": bool(stats.loc[m, "ndcg@100_ratio_to_popularity"] >= goal),
                   "met_at_every_seed": bool(stats.loc[m, "ndcg@100_ratio_min_over_seeds"] >= goal)}
               for m, goal in TOPN_TARGETS.items() if m in stats.index}
    return {"table": stats.reset_index().to_dict(orient="records"),
            "target": "NDCG@100 / popularity >= " + ", ".join(f"{g} x ({m})" for m, g in TOPN_TARGETS.items()),
            "met": targets, "rows": rows}


# --- 3. memory (each measurement in a fresh process) ---------------------------------------------------


def synthetic_ml20m(n_users: int, n_items: int, n_ratings: int, seed: int = 0) -> pd.DataFrame:
    """Random ratings of MovieLens-20M's shape, with a long-tailed item popularity."""
    rng = np.random.default_rng(seed)
    users = rng.integers(0, n_users, size=int(n_ratings * 1.02))
    items = (rng.pareto(1.2, size=len(users)) * n_items / 50).astype(np.int64) % n_items
    pairs = np.unique(users.astype(np.int64) * n_items + items)[:n_ratings]
    return pd.DataFrame({"user": pairs // n_items, "item": pairs % n_items,
                         "rating": rng.integers(1, 11, size=len(pairs)) / 2.0})


def memory_autorec(batches: int | None) -> dict:
    import aekit.estimators.autorec as autorec_module
    from aekit import AutoRec

    ratings = synthetic_ml20m(*ML20M_SHAPE)
    n_items = ratings["item"].nunique()
    if batches:  # a reduced run: stop each epoch after this many batches
        base = autorec_module.TrainConfig
        autorec_module.TrainConfig = lambda **kw: base(**kw, limit_batches=batches)
    model = AutoRec(kind="item", hidden=500, optimizer="adam", learning_rate=1e-3, max_epochs=1, batch_size=256,
                    rating_scale=(0.5, 5.0), random_state=0)
    _, seconds = timed(lambda: model.fit(ratings))
    n_batches = int(np.ceil(n_items * 0.99 / 256))
    return {"ratings": len(ratings), "users": int(ratings["user"].nunique()), "items": n_items,
            "batches_run": batches or n_batches, "batches_per_epoch": n_batches, "fit_seconds": seconds,
            "epoch_seconds_extrapolated": seconds * n_batches / (batches or n_batches),
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}


def memory_ease(n_items: int | None) -> dict:
    from aekit import EASE
    from aekit.exceptions import DataError

    users, items, n_ratings = ML20M_SHAPE
    if n_items is not None:  # fewer items, the same ratings per item
        n_ratings, items = int(n_ratings * n_items / items), n_items
    ratings = synthetic_ml20m(users, items, n_ratings)
    model = EASE(threshold=0.0)
    try:
        _, seconds = timed(lambda: model.fit(ratings))
    except DataError as refusal:
        return {"items": items, "refused": str(refusal), "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}
    return {"items": model.n_items_, "ratings": len(ratings), "fit_seconds": seconds,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}


def in_subprocess(part: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--part", part, *args], capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- main ------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="movielens-small", help="movielens-small, ml-100k or ml-1m")
    parser.add_argument("--seeds", type=int, default=5, help="random splits for the rating part (default 5)")
    parser.add_argument("--topn-seeds", type=int, default=5, help="strong-generalisation splits (default 5)")
    parser.add_argument("--topn-epochs", type=int, default=None,
                        help="max epochs of Mult-VAE / Mult-DAE / U-AutoRec in the top-N part (default theirs)")
    parser.add_argument("--memory-batches", type=int, default=None,
                        help="reduced memory run: batches of the AutoRec epoch actually run (default all)")
    parser.add_argument("--ease-items", type=int, default=10_000, help="item count of the EASE fit that fits")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: ratings,topn,memory")
    parser.add_argument("--skip-models", default="",
                        help="comma-separated models left out of the rating and top-N parts, e.g. "
                             "'U-AutoRec,U-AutoRec (ranking)' (a reduced run; the results say so)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "recsys.json")
    parser.add_argument("--summarise", action="store_true",
                        help="only summarise the rows already in --out (a run stopped early: the seeds it finished)")
    parser.add_argument("--part", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    if args.part == "memory-autorec":
        print(json.dumps(memory_autorec(args.memory_batches)))
        return
    if args.part == "memory-ease":
        print(json.dumps(memory_ease(args.ease_items or None)))
        return

    if args.summarise:
        summarise_saved(args.out)
        return
    from aekit.data.ratings import check_ratings, load_ratings

    skip = set(filter(None, args.skip.split(",")))
    scale = (0.5, 5.0) if args.data == "movielens-small" else (1.0, 5.0)
    ratings = check_ratings(load_ratings(args.data), scale=scale)
    results = {"command": "python benchmarks/recsys.py " + " ".join(sys.argv[1:]), "data": args.data,
               "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, torch threads {args.threads}, "
                          "shared 2-core machine", "reduced": {}}
    if args.seeds < 5:
        results["reduced"]["rating_seeds"] = f"{args.seeds} seeds instead of 5"
    if args.topn_seeds < 5:
        results["reduced"]["topn_seeds"] = f"{args.topn_seeds} seeds instead of 5"
    skipped_models = [m.strip() for m in args.skip_models.split(",") if m.strip()]
    wanted = lambda name: name not in skipped_models  # noqa: E731
    if skipped_models:
        results["reduced"]["models"] = f"left out: {', '.join(skipped_models)}"
    if args.topn_epochs:
        results["reduced"]["topn_epochs"] = f"Mult-VAE / Mult-DAE / U-AutoRec trained for at most {args.topn_epochs} epochs"
    if "ratings" not in skip:
        results["ratings"] = summarise_ratings(rating_part(ratings, list(range(args.seeds)), scale,
                                                           partial(keep_rows, results, "ratings", args.out), wanted))
        write(results, args.out)
    if "topn" not in skip:
        results["topn"] = summarise_topn(topn_part(ratings, list(range(args.topn_seeds)), args.topn_epochs,
                                                   partial(keep_rows, results, "topn", args.out), wanted))
        write(results, args.out)
    if "memory" not in skip:
        if args.memory_batches:
            results["reduced"]["memory"] = (f"AutoRec epoch stopped after {args.memory_batches} batches; "
                                            "time extrapolated to the whole epoch")
        extra = ["--memory-batches", str(args.memory_batches)] if args.memory_batches else []
        extra += ["--threads", str(args.threads)]
        memory = results["memory"] = {"target": "peak RSS < 6 GB"}
        autorec = memory["autorec_one_epoch"] = in_subprocess("memory-autorec", *extra)
        autorec["met"] = bool(autorec.get("peak_rss_gb", 99) < 6)
        write(results, args.out)
        memory["ease_full_items"] = in_subprocess("memory-ease", "--ease-items", "0", *extra)
        memory["ease_reduced_items"] = in_subprocess("memory-ease", "--ease-items", str(args.ease_items), *extra)
        write(results, args.out)
    print(json.dumps({k: v for k, v in results.items() if k in ("ratings", "topn", "memory")}, indent=1, default=str))


def summarise_saved(out: Path) -> None:
    """Summarise parts that stopped before their last seed, saying which seeds they finished."""
    results = json.loads(out.read_text())
    for part, summarise in (("ratings", summarise_ratings), ("topn", summarise_topn)):
        if results.get(part, {}).get("partial"):
            rows = results[part]["rows"]
            per_seed = pd.Series([r["seed"] for r in rows]).value_counts()
            seeds = sorted(int(s) for s in per_seed.index[per_seed == per_seed.max()])
            results[part] = summarise([r for r in rows if r["seed"] in seeds])
            results["reduced"][part] = f"stopped early: seeds {seeds} finished (an unfinished seed's rows left out)"
    out.write_text(json.dumps(results, indent=2, default=float))


def keep_rows(results: dict, part: str, out: Path, rows: list[dict]) -> None:
    """Print the newest row and write the rows so far (a long run is not lost if it stops)."""
    print(rows[-1], flush=True)
    results[part] = {"partial": True, "rows": rows}
    write(results, out)


def write(results: dict, out: Path) -> None:
    """Write ``results`` into ``out``, keeping the parts of an earlier run that this run skipped
    (parts may run at the same time in separate processes: the file is locked while merged)."""
    import fcntl

    out.parent.mkdir(parents=True, exist_ok=True)
    with open(Path(tempfile.gettempdir()) / f"{out.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _merge_into(results, out)


def _merge_into(results: dict, out: Path) -> None:
    merged = json.loads(out.read_text()) if out.exists() else {}
    if merged.get("data", results["data"]) != results["data"]:
        merged = {}
    runs = merged.get("runs", {})
    for part in ("ratings", "topn", "memory"):
        if part in results:
            runs[part] = {k: results[k] for k in ("command", "date", "machine")}
    merged.update(results)
    merged["runs"] = runs
    merged["reduced"] = {**merged.get("reduced", {}), **results["reduced"]}
    out.write_text(json.dumps(merged, indent=2, default=float))


if __name__ == "__main__":
    main()
