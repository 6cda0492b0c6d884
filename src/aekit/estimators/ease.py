"""EASE: the closed-form linear autoencoder for top-N recommendation."""

from __future__ import annotations

import os

import numpy as np

from aekit.estimators.params import store_params
from aekit.estimators.recommender import RecommenderEstimator
from aekit.exceptions import DataError
from aekit.models.ease import EASE as EASEModel
from aekit.models.ease import EASEConfig, ease_memory_bytes


class EASE(RecommenderEstimator):
    """EASE (Steck, WWW 2019): item-item weights B with a zero diagonal that
    minimise ||X - XB||^2 + lambda ||B||^2, solved in closed form.

    Ratings >= ``threshold`` become interactions. A new user's history is
    folded in exactly: their scores are ``x @ B``.

    Parameters
    ----------
    l2 : float, default=200.0
        lambda, the L2 regularisation of B. 200 was the best of 50, 100,
        150, 200, 300, 500, 1000 and 2000 by NDCG@100 on validation users
        carved from movielens-small's training users
        (``benchmarks/recsys_tuning.py --model ease``); Steck (2019) used 500
        on MovieLens-20M's 136,677 users: more users call for more.
    threshold : float, default=3.5
        Ratings at or above it count as interactions.
    max_memory_gb : float, default=8.0
        Refuse to fit when the dense item x item matrices would need more
        (or more than this machine's RAM); the error gives the estimate.
    user_col, item_col, rating_col, duplicates
        As in :class:`aekit.AutoRec`.

    Attributes
    ----------
    model_ : aekit.models.EASE
        ``model_.weights`` is B (n_items x n_items).
    user_ids_, item_ids_ : numpy.ndarray

    Raises
    ------
    aekit.exceptions.DataError
        From ``fit``: ratings that are not numbers, NaN, outside
        ``rating_scale``, or repeated with ``duplicates="error"``; from the
        ranking methods: an unknown user with no history.
    aekit.exceptions.DataError
        Also from ``fit``: the dense item x item matrices would exceed
        ``max_memory_gb`` or the machine's memory (the message says how much is needed).

    Examples
    --------
    >>> from aekit import EASE
    >>> ease = EASE(l2=200.0).fit("movielens-small")        # doctest: +SKIP
    >>> ease.recommend([31, 1029, 1061], n=10)               # doctest: +SKIP
    """

    family = EASEModel.family

    def __init__(self, l2: float = 200.0, threshold: float = 3.5, max_memory_gb: float = 8.0,
                 user_col: str = "user", item_col: str = "item", rating_col: str | None = "rating",
                 duplicates: str = "last"):
        store_params(self, locals())

    def _fit_matrix(self, matrix):
        check_ease_memory(matrix.shape[1], self.max_memory_gb)
        n_users, n_items = matrix.shape
        model = EASEModel(EASEConfig(n_users=n_users, n_items=n_items, n_interactions=matrix.nnz,
                                     input_dim=n_items, l2=self.l2))
        model.solve(matrix)
        return model

    def _score_rows(self, X, user_rows: np.ndarray) -> np.ndarray:
        return np.asarray(X @ self.model_.weights.numpy(), dtype=np.float32)


def check_ease_memory(n_items: int, max_memory_gb: float) -> None:
    """Raise a DataError with the estimate when EASE's dense matrices would not fit."""
    need = ease_memory_bytes(n_items)
    limit = max_memory_gb * 1e9
    physical = _physical_memory()
    if physical is not None:
        limit = min(limit, physical)
    if need > limit:
        raise DataError(f"EASE on {n_items:,} items needs about {need / 1e9:.1f} GB for its dense item x item "
                        f"matrices, more than the {limit / 1e9:.1f} GB allowed (max_memory_gb={max_memory_gb}, "
                        f"RAM {physical / 1e9 if physical else float('nan'):.1f} GB); keep fewer items "
                        "(e.g. drop rare ones) or raise max_memory_gb on a larger machine")


def _physical_memory() -> float | None:
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None
