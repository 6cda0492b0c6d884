"""Independent numpy EASE (Steck 2019, the paper's listing in numpy) on recsys.py's seed-0 split.

Checks aekit's EASE against it: same weights, same NDCG@100, and the ratio to popularity.
The NDCG@100 here is computed independently of aekit.evaluation (binary gains, fold-in items excluded).

    PYTHONPATH=src OMP_NUM_THREADS=1 python benchmarks/ease_reference_check.py > benchmarks/results/ease-reference-check.json

About a CPU-minute (three 6,515 x 6,515 inverses and aekit's fit).
"""
import json, time
import numpy as np
from aekit import EASE
from aekit.data.ratings import check_ratings, load_ratings
from aekit.evaluation.recsys import evaluate_popularity, evaluate_topn, strong_generalization_split

t0 = time.time()
ratings = check_ratings(load_ratings("movielens-small"), scale=(0.5, 5.0))
positives = ratings.loc[ratings["rating"] >= 3.5]
split = strong_generalization_split(positives, 0.2, 0.8, seed=0)   # recsys.py's top-N split, seed 0

items = np.unique(split.train["item"]); col = {it: j for j, it in enumerate(items)}
users = np.unique(split.train["user"]); row = {u: i for i, u in enumerate(users)}
X = np.zeros((len(users), len(items)))
X[[row[u] for u in split.train["user"]], [col[i] for i in split.train["item"]]] = 1.0
heldout = np.unique(split.fold_in["user"])
F = np.zeros((len(heldout), len(items))); hr = {u: i for i, u in enumerate(heldout)}
F[[hr[u] for u in split.fold_in["user"]], [col[i] for i in split.fold_in["item"]]] = 1.0
T = np.zeros_like(F)
T[[hr[u] for u in split.target["user"]], [col[i] for i in split.target["item"]]] = 1.0

def ndcg100(scores):
    scores = np.where(F > 0, -np.inf, scores)            # never recommend the fold-in items
    top = np.argsort(-scores, axis=1, kind="stable")[:, :100]
    disc = 1.0 / np.log2(np.arange(2, 102))
    dcg = (T[np.arange(len(T))[:, None], top] * disc).sum(1)
    idcg = np.array([disc[:min(100, int(n))].sum() for n in T.sum(1)])
    return float((dcg / idcg).mean())

def numpy_ease(lam):                                      # Steck 2019, Algorithm 1
    G = X.T @ X; G[np.diag_indices_from(G)] += lam
    P = np.linalg.inv(G); B = P / (-np.diag(P)); B[np.diag_indices_from(B)] = 0.0
    return B

pop_mine = ndcg100(np.tile(X.sum(0), (len(F), 1)))
pop_aekit = evaluate_popularity(split)["ndcg@100"]
out = {"split": "recsys.py top-N, strong generalisation, seed 0", "n_train_users": len(users),
       "n_items": len(items), "n_heldout_users": len(heldout),
       "popularity_ndcg@100": {"numpy": pop_mine, "aekit": pop_aekit}}
for lam in (200.0, 500.0):
    B = numpy_ease(lam)
    ref = ndcg100(F @ B)
    est = EASE(l2=lam).fit(split.train)
    Ba = est.model_.weights.numpy().astype(np.float64)
    order = [list(est.item_ids_).index(i) for i in items]
    diff = float(np.abs(Ba[np.ix_(order, order)] - B).max())
    mine = evaluate_topn(est, split)["ndcg@100"]
    out[f"lambda_{int(lam)}"] = {"numpy_ndcg@100": ref, "numpy_ratio": ref / pop_mine,
                                "aekit_ndcg@100": mine, "aekit_ratio": mine / pop_aekit,
                                "max_abs_weight_difference": diff}
out["seconds"] = round(time.time() - t0, 1)
print(json.dumps(out, indent=1))
