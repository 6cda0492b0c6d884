"""Recommender evaluation: rating error (the AutoRec protocol), top-N
precision / recall / NDCG and catalogue coverage, and the splits they use
(random 90/10 of ratings; strong generalisation with held-out users whose
histories are split 80/20 into fold-in input and targets)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error, root_mean_squared_error

from aekit.exceptions import DataError

__all__ = ["StrongSplit", "coverage", "evaluate_popularity", "evaluate_ratings", "evaluate_topn", "popularity_scores", "random_split", "rating_metrics",
           "split_rows_items", "strong_generalization_split", "topn_metrics"]


def rating_metrics(y_true, y_pred) -> dict[str, float]:
    """RMSE and MAE of predicted ratings."""
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise DataError(f"y_true and y_pred must be non-empty and of the same shape, got {y_true.shape} and {y_pred.shape}")
    return {"rmse": float(root_mean_squared_error(y_true, y_pred)), "mae": float(mean_absolute_error(y_true, y_pred))}


def random_split(ratings: pd.DataFrame, test_fraction: float = 0.1, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A random split of the ratings (rows) into train and test, as in the AutoRec paper."""
    if not 0 < test_fraction < 1:
        raise DataError(f"test_fraction must be in (0, 1), got {test_fraction}")
    order = np.random.default_rng(seed).permutation(len(ratings))
    n_test = int(round(len(ratings) * test_fraction))
    return ratings.iloc[np.sort(order[n_test:])], ratings.iloc[np.sort(order[:n_test])]


def split_rows_items(X, input_fraction: float, rng: np.random.Generator):
    """Split each row's stored entries at random: (input part, target part), same shape.

    Every row keeps at least one input and one target entry when it has two or more.
    """
    from scipy import sparse

    X = X.tocsr()
    keep = np.zeros(X.nnz, dtype=bool)
    for row in range(X.shape[0]):
        start, end = X.indptr[row], X.indptr[row + 1]
        n = end - start
        n_input = min(max(1, int(round(n * input_fraction))), n - 1) if n >= 2 else n
        keep[start + rng.permutation(n)[:n_input]] = True
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))

    def part(mask):
        return sparse.csr_matrix((X.data[mask], (rows[mask], X.indices[mask])), shape=X.shape)

    return part(keep), part(~keep)


@dataclass
class StrongSplit:
    """Training users' interactions, and held-out users' fold-in input and targets (DataFrames)."""

    train: pd.DataFrame
    fold_in: pd.DataFrame
    target: pd.DataFrame

    @property
    def heldout_users(self) -> np.ndarray:
        return np.unique(self.fold_in["user"])


def strong_generalization_split(interactions: pd.DataFrame, n_heldout: int | float = 0.1,
                                fold_in_fraction: float = 0.8, seed: int = 0) -> StrongSplit:
    """Strong generalisation (Liang et al. 2018): hold out whole users.

    ``n_heldout`` users (a count, or a fraction of users) are removed from
    training; each one's interactions with items seen in training are split
    at random into a fold-in part (``fold_in_fraction``) and a target part.
    """
    users = np.unique(interactions["user"])
    n = int(round(len(users) * n_heldout)) if isinstance(n_heldout, float) else int(n_heldout)
    if not 1 <= n < len(users):
        raise DataError(f"n_heldout must leave at least one training and one held-out user, got {n_heldout} "
                        f"of {len(users)} users")
    rng = np.random.default_rng(seed)
    heldout = rng.permutation(users)[:n]
    is_heldout = interactions["user"].isin(heldout).to_numpy()
    train = interactions.loc[~is_heldout]
    rest = interactions.loc[is_heldout & interactions["item"].isin(train["item"]).to_numpy()]
    fold_in, target = [], []
    for _, group in rest.groupby("user", sort=True):
        if len(group) < 2:
            continue
        order = rng.permutation(len(group))
        n_in = min(max(1, int(round(len(group) * fold_in_fraction))), len(group) - 1)
        fold_in.append(group.iloc[order[:n_in]])
        target.append(group.iloc[order[n_in:]])
    if not fold_in:
        raise DataError("no held-out user has two or more interactions with items seen in training")
    return StrongSplit(train, pd.concat(fold_in), pd.concat(target))


def topn_metrics(recommended: np.ndarray, relevant: list, ks=(10, 20, 50, 100), n_items: int | None = None) -> dict:
    """Precision@K, Recall@K and NDCG@K averaged over users, and coverage@K.

    ``recommended`` holds each user's ranked item ids (rows, best first);
    ``relevant`` each user's set of held-out items. Recall@K divides the hits
    by min(K, number relevant), as Liang et al. (2018); NDCG uses binary gains.
    Coverage@K is the share of the ``n_items`` catalogue in anyone's top K.
    """
    recommended = np.asarray(recommended)
    if recommended.ndim != 2 or len(recommended) != len(relevant) or len(relevant) == 0:
        raise DataError(f"recommended must be (n_users, n) with one row per relevant set, got {recommended.shape} "
                        f"for {len(relevant)} users")
    hits = np.array([[item in rel for item in row] for row, rel in zip(recommended, relevant)], dtype=np.float64)
    n_relevant = np.array([len(rel) for rel in relevant], dtype=np.float64)
    out = {}
    for k in ks:
        if k > recommended.shape[1]:
            raise DataError(f"K={k} needs at least {k} recommendations per user, got {recommended.shape[1]}")
        top = hits[:, :k]
        discounts = 1.0 / np.log2(np.arange(2, k + 2))
        ideal = np.array([discounts[:int(min(k, n))].sum() for n in n_relevant])
        out[f"precision@{k}"] = float((top.sum(1) / k).mean())
        out[f"recall@{k}"] = float((top.sum(1) / np.maximum(np.minimum(k, n_relevant), 1)).mean())
        out[f"ndcg@{k}"] = float(((top * discounts).sum(1) / np.maximum(ideal, 1e-12)).mean())
        if n_items:
            out[f"coverage@{k}"] = coverage(recommended[:, :k], n_items)
    return out


def coverage(recommended: np.ndarray, n_items: int) -> float:
    """Share of the catalogue that appears in at least one recommendation list."""
    return len(np.unique(np.asarray(recommended))) / n_items


def popularity_scores(interactions: pd.DataFrame) -> pd.Series:
    """Number of users per item (the popularity baseline ranks by it)."""
    return interactions.groupby("item")["user"].nunique().sort_values(ascending=False, kind="stable")


def evaluate_topn(estimator, split: StrongSplit, ks=(20, 50, 100), with_ratings: bool = False) -> dict:
    """Fold in each held-out user's input and score their targets (strong generalisation).

    ``with_ratings`` folds in {item: rating} histories (for rating models such as U-AutoRec).
    """
    users = split.heldout_users
    groups = split.fold_in.groupby("user", sort=True)
    histories = [dict(zip(g["item"], g["rating"])) if with_ratings else list(g["item"]) for _, g in groups]
    targets = {u: set(g["item"]) for u, g in split.target.groupby("user", sort=True)}
    recommended = estimator.recommend_batch(histories, n=max(ks))
    return topn_metrics(recommended, [targets.get(u, set()) for u in users], ks, n_items=estimator.n_items_)


def evaluate_popularity(split: StrongSplit, ks=(20, 50, 100)) -> dict:
    """The popularity baseline on a strong-generalisation split (seen items excluded)."""
    ranking = popularity_scores(split.train).index.to_numpy()
    n = max(ks)
    recommended, relevant = [], []
    target = {u: set(g["item"]) for u, g in split.target.groupby("user", sort=True)}
    for user, group in split.fold_in.groupby("user", sort=True):
        seen = set(group["item"])
        recommended.append([i for i in ranking[:n + len(seen)] if i not in seen][:n])
        relevant.append(target.get(user, set()))
    return topn_metrics(np.asarray(recommended), relevant, ks, n_items=len(ranking))


def evaluate_ratings(estimator, test: pd.DataFrame) -> dict:
    """RMSE / MAE of a rating predictor on test pairs, and how many of them were cold-start."""
    predicted = estimator.predict(test["user"].to_numpy(), test["item"].to_numpy())
    cold = estimator.cold_start_mask(test["user"].to_numpy(), test["item"].to_numpy())
    return {**rating_metrics(test["rating"], predicted), "n_test": len(test), "n_cold_start": int(cold.sum())}
