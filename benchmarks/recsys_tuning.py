"""Tuning of the recommenders' defaults on validation data only (never on a test split).

``--model i-autorec`` / ``u-autorec``: seed 0's random 90/10 split of
movielens-small as in ``recsys.py``; its *training* ratings are split again
90/10 (seed 100) and each setting is fitted on the first part and scored
(RMSE) on the second. The test 10% is never read.

``--model multdae`` / ``multvae`` / ``ease``: seed 0's strong-generalisation split as in
``recsys.py``; its *training users* are split again (20% of them held out,
seed 100, 80% of each one's items folded in) and each setting is scored by
NDCG@100 on those validation users, against popularity on the same users.

Each setting is a JSON object of estimator parameters, e.g.
``python benchmarks/recsys_tuning.py --model i-autorec --grid '[{"l2": 30}, {"l2": 100}]'``.
One line per setting is appended to ``--out`` as it finishes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

THRESHOLD = 3.5
SCALE = (0.5, 5.0)


def rating_validation():
    from aekit.data.ratings import check_ratings, load_ratings
    from aekit.evaluation.recsys import random_split

    ratings = check_ratings(load_ratings("movielens-small"), scale=SCALE)
    train, _test = random_split(ratings, 0.1, seed=0)
    return random_split(train, 0.1, seed=100)


def topn_validation():
    from aekit.data.ratings import check_ratings, load_ratings
    from aekit.evaluation.recsys import strong_generalization_split

    ratings = check_ratings(load_ratings("movielens-small"), scale=SCALE)
    positives = ratings.loc[ratings["rating"] >= THRESHOLD]
    split = strong_generalization_split(positives, 0.2, 0.8, seed=0)
    return strong_generalization_split(split.train, 0.2, 0.8, seed=100)


def score(model_name: str, params: dict, data) -> dict:
    from aekit import EASE, AutoRec, MultDAE, MultVAE
    from aekit.evaluation.recsys import evaluate_popularity, evaluate_ratings, evaluate_topn

    if model_name.endswith("autorec"):
        train, valid = data
        model = AutoRec(kind={"i": "item", "u": "user"}[model_name[0]], rating_scale=SCALE,
                        random_state=0, **params)
        start = time.perf_counter()
        model.fit(train)
        metrics = evaluate_ratings(model, valid)
    else:
        if model_name == "ease":  # closed form: no seed, no epochs
            model = EASE(**params)
        else:
            model = {"multdae": MultDAE, "multvae": MultVAE}[model_name](random_state=0, **params)
        start = time.perf_counter()
        model.fit(data.train)
        metrics = {**evaluate_topn(model, data), "popularity_ndcg@100": evaluate_popularity(data)["ndcg@100"]}
        metrics["ratio_to_popularity"] = metrics["ndcg@100"] / metrics["popularity_ndcg@100"]
    return {"model": model_name, "params": params, "seconds": time.perf_counter() - start,
            "epochs": getattr(model, "n_epochs_", 0), "best_epoch": getattr(model, "best_epoch_", 0), **metrics}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, choices=["i-autorec", "u-autorec", "multdae", "multvae", "ease"])
    parser.add_argument("--grid", required=True, help="JSON list of parameter settings")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "recsys_tuning.jsonl")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    data = rating_validation() if args.model.endswith("autorec") else topn_validation()
    for params in json.loads(args.grid):
        row = score(args.model, params, data)
        print(json.dumps(row), flush=True)
        with args.out.open("a") as out:
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
