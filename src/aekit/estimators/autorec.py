"""AutoRec: rating prediction with an autoencoder of partially observed rating vectors."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd

from aekit.data.ratings import RATING_COLUMNS
from aekit.estimators.params import store_params
from aekit.estimators.recommender import SCORE_BATCH, TrainedRecommender
from aekit.exceptions import DataError
from aekit.models.autorec import AutoRec as AutoRecModel
from aekit.models.autorec import AutoRecConfig
from aekit.training import TrainConfig, fit_model
from aekit._docs import fill_doc

AUTOREC_KIND_CHOICES = ("auto", "item", "user")
# kind="auto": I-AutoRec unless the items are fewer than this share of the users (too few rows to train on)
AUTO_ITEM_SHARE = 0.1

# input_dropout="auto", chosen per kind on validation ratings of movielens-small (docs/benchmarks/recsys.md):
# I-AutoRec RMSE 0.8615 with 0.4 against 0.8697 with 0.25; U-AutoRec 0.9262 with 0.25 against 0.9305 with 0.4
AUTO_INPUT_DROPOUT = {"item": 0.4, "user": 0.25}

COLD_START_POLICIES = ("baseline", "global_mean")
BASELINE_REG = (10.0, 15.0)  # shrinkage of the item and user biases (Koren's defaults)
FULL_BATCH_CELLS = 2**26  # dense cells of one full batch (256 MB of float32; all of movielens-small / ml-1m)


@fill_doc
class AutoRec(TrainedRecommender):
    """AutoRec (Sedhain et al., WWW 2015): I-AutoRec or U-AutoRec.

    Parameters
    ----------
    kind : {"auto", "item", "user"}, default="auto"
        I-AutoRec reconstructs each item's ratings by all users; U-AutoRec
        each user's ratings of all items. "auto": I-AutoRec (the paper's
        better one, on MovieLens), unless the items are fewer than a tenth of
        the users: I-AutoRec trains on one row per item, and a few dozen
        items (a 25-question survey answered by 2,800 people) are too few
        rows to learn from; then U-AutoRec. The choice is ``kind_``.
    hidden : int, default=500
        Units of the hidden layer.
    activation, output_activation : str, default="sigmoid", "identity"
    input_dropout : float or "auto", default="auto"
        Dropout on the input vectors while training. "auto": 0.4 for
        I-AutoRec, 0.25 for U-AutoRec, each chosen on validation ratings of
        movielens-small, never test ratings (I-AutoRec RMSE 0.8615 with 0.4
        against 0.8697 with 0.25, the default for both until 2026-12-07, and
        0.8762 with none; U-AutoRec 0.9262 with 0.25 against 0.9305 with 0.4;
        docs/benchmarks/recsys.md). The value used is
        ``model_.config.input_dropout``.
    l2 : float, default=100.0
        lambda of the L2 weight decay (lambda / 2) * ||W||^2 (the loss is the
        squared error summed over observed ratings, both divided by their count).
    optimizer : {"rprop", "adam", "lbfgs"}, default="rprop"
        The paper's full-batch Rprop (the default: on movielens-small it
        beats Adam with mini-batches, which overfits within a few epochs) or
        L-BFGS, or Adam with mini-batches.
    learning_rate : float, default=0.01
        Rprop's initial step (Adam's / L-BFGS's learning rate otherwise).
    batch_size : int, "auto" or None, default=None
        Rows (items for I-AutoRec) per step. None: full batches, capped at
        ``FULL_BATCH_CELLS`` dense cells (256 MB of float32: one batch for
        movielens-small and ml-1m) so a matrix of MovieLens-20M's shape still
        trains in a few GB (Rprop then steps per batch of about 480 items).
    max_epochs, patience : int or "auto", default=300, 20
        Early stopping on the validation ratings, the best epoch's weights
        kept. "auto" (and ``batch_size="auto"``, for Adam): the step-based
        rule every family shares (:meth:`aekit.training.TrainConfig.sized_for`,
        counted in rows of the rating matrix). The defaults are the paper's
        full-batch Rprop budget, on which the recommender benchmarks rest.
    validation_fraction : float, default=0.1
        Fraction of the training *ratings* held out for early stopping.
    cold_start : "baseline", "global_mean" or a number, default="baseline"
        Prediction for a pair whose user or item was not seen in fit:
        mu + b_u + b_i (the biases that are known), the global mean, or a constant.
    rating_scale : (min, max) or None
        Declared scale: ratings outside it are refused and predictions are
        clipped to it. None: the range of the training ratings.
    user_col, item_col, rating_col : str
        Column names of the ratings table.
    duplicates : {"last", "error"}, default="last"
        Repeated (user, item) pairs: the last one wins, or an error.
    random_state : int or None
    verbose : int
    checkpoint_dir : str or None
        Where to keep checkpoints (``last.ckpt``, ``best.ckpt``); needed for ``resume``.
    resume : bool, default=False
        Continue an interrupted fit from ``checkpoint_dir/last.ckpt`` (bitwise the
        weights of an uninterrupted fit with the same seed, on the CPU).
    log_dir : str or None
        Where the per-epoch ``metrics.csv`` is written as training goes.
    accelerator, devices, num_nodes, strategy, precision, num_threads :
        Where training runs, as for :class:`aekit.Autoencoder`.

    Attributes
    ----------
    model_ : aekit.models.AutoRec
    user_ids_, item_ids_ : numpy.ndarray
        The ids seen in fit, in row / column order of the rating matrix.
    rating_scale_ : (float, float)
    global_mean_ : float
    user_bias_, item_bias_ : numpy.ndarray
        Baseline biases b_u and b_i (regularised means).
    history_ : pandas.DataFrame
        Per-epoch ``train_loss`` and ``val_loss`` (validation MSE).

    Raises
    ------
    aekit.exceptions.DataError
        From ``fit``: ratings that are not numbers, NaN, outside
        ``rating_scale``, or repeated with ``duplicates="error"``; from the
        ranking methods: an unknown user with no history.

    Examples
    --------
    >>> from aekit import AutoRec
    >>> rec = AutoRec(kind="item", hidden=100, max_epochs=5).fit("movielens-small")  # doctest: +SKIP
    >>> rec.predict([1, 2], [31, 1029])                                                # doctest: +SKIP
    """

    family = AutoRecModel.family
    implicit = False

    def __init__(self, kind: str = "auto", hidden: int = 500, activation: str = "sigmoid",
                 output_activation: str = "identity", input_dropout: float | str = "auto", l2: float = 100.0,
                 optimizer: str = "rprop", learning_rate: float = 0.01, max_epochs: int = 300,
                 batch_size: int | None = None, validation_fraction: float = 0.1, patience: int = 20,
                 cold_start: Any = "baseline", rating_scale: tuple[float, float] | None = None,
                 user_col: str = "user", item_col: str = "item", rating_col: str = "rating",
                 duplicates: str = "last", random_state: int | None = None, verbose: int = 0,
                 checkpoint_dir: str | None = None, resume: bool = False, log_dir: str | None = None,
                 accelerator: str = "auto", devices: int | str = 1, num_nodes: int = 1, strategy: str = "auto",
                 precision: str = "32", num_threads: int | None = None):
        store_params(self, locals())

    # -- fitting -------------------------------------------------------------------
    def _check_cold_start(self) -> None:
        ok = self.cold_start in COLD_START_POLICIES or (
            isinstance(self.cold_start, numbers.Real) and not isinstance(self.cold_start, bool)
            and np.isfinite(self.cold_start))
        if not ok:
            raise ValueError(f"cold_start must be one of {COLD_START_POLICIES} or a number, got {self.cold_start!r}")

    def _resolved_kind(self, n_users: int, n_items: int) -> str:
        """``kind`` for a matrix of ``n_users`` x ``n_items`` ("auto" resolved, see the class docstring)."""
        if self.kind not in AUTOREC_KIND_CHOICES:
            raise ValueError(f"kind must be one of {AUTOREC_KIND_CHOICES}, got {self.kind!r}")
        if self.kind != "auto":
            return self.kind
        return "item" if n_items >= AUTO_ITEM_SHARE * n_users else "user"

    def _resolved_dropout(self, kind: str) -> float:
        """``input_dropout`` for ``kind`` ("auto" resolved, see ``AUTO_INPUT_DROPOUT``)."""
        if isinstance(self.input_dropout, str):
            if self.input_dropout != "auto":
                raise ValueError(f"input_dropout must be a number in [0, 1) or 'auto', got {self.input_dropout!r}")
            return AUTO_INPUT_DROPOUT[kind]
        return self.input_dropout

    @property
    def kind_(self) -> str:
        """The kind trained: "item" (I-AutoRec) or "user" (U-AutoRec); ``kind`` with "auto" resolved."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "model_")
        return self.model_.config.kind

    def _fit_matrix(self, matrix):
        self._check_cold_start()
        seed = self._seed()
        train, val = _split_entries(matrix, self.validation_fraction, seed)
        data = data_val = None
        kind = self._resolved_kind(*matrix.shape)
        oriented = (lambda m: m.T.tocsr()) if kind == "item" else (lambda m: m.tocsr())
        data = oriented(train)
        if val is not None:
            rows = np.unique(oriented(val).nonzero()[0])
            data_val = (data[rows], oriented(val)[rows])
        scale = self._scale(matrix)
        n_users, n_items = matrix.shape
        config = AutoRecConfig(n_users=n_users, n_items=n_items, n_interactions=matrix.nnz, kind=kind,
                               input_dim=n_users if kind == "item" else n_items, hidden=self.hidden,
                               activation=self.activation, output_activation=self.output_activation,
                               input_dropout=self._resolved_dropout(kind), l2=self.l2,
                               rating_min=scale[0], rating_max=scale[1])
        train_cfg = TrainConfig(max_epochs=self.max_epochs, batch_size=self._batch_rows(data.shape),
                                learning_rate=self.learning_rate, validation_fraction=0.0,
                                patience=self.patience, seed=seed, verbose=self.verbose, optimizer=self.optimizer,
                                **self._training_files())
        import torch

        with torch.random.fork_rng():
            torch.manual_seed(seed)
            model = AutoRecModel(config)
        self._keep_training(fit_model(model, data, train_cfg, validation=data_val))
        return model

    def _batch_rows(self, shape: tuple[int, int]) -> int | str:
        """``batch_size`` ("auto": sized by the shared rule), or for None all rows that fit in
        ``FULL_BATCH_CELLS`` dense cells."""
        if self.batch_size is not None:
            return self.batch_size
        return int(max(1, min(shape[0], FULL_BATCH_CELLS // max(shape[1], 1))))

    def _scale(self, matrix) -> tuple[float, float]:
        if self.rating_scale is not None:
            low, high = (float(v) for v in self.rating_scale)
            return low, high
        low, high = float(matrix.data.min()), float(matrix.data.max())
        return (low, high) if low < high else (low, low + 1.0)

    def _after_fit(self) -> None:
        super()._after_fit()
        self.rating_scale_ = (self.model_.config.rating_min, self.model_.config.rating_max)
        self.global_mean_, self.user_bias_, self.item_bias_ = _baseline(self._interactions.matrix)

    # -- predicting -------------------------------------------------------------------
    def predict(self, users, items=None) -> np.ndarray:
        """Predicted ratings of (user, item) pairs, clipped to the rating scale.

        Pairs whose user or item was not seen in fit get the ``cold_start``
        prediction (see :meth:`cold_start_mask`).

        Parameters
        ----------
        %(users)s
        %(items)s

        Returns
        -------
        numpy.ndarray of shape (n_pairs,)
            The predicted ratings.

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.DataError
            ``users`` and ``items`` of different lengths, or a DataFrame without the columns.

        Examples
        --------
        %(fit_autorec)s
        >>> rec.predict([1, 2, 99], [30, 20, 10]).shape
        (3,)
        """
        rows, cols = self._pair_positions(users, items)
        out = np.empty(len(rows), dtype=np.float64)
        known = (rows >= 0) & (cols >= 0)
        out[known] = self._predict_known(rows[known], cols[known])
        out[~known] = self._cold_start_values(rows[~known], cols[~known])
        return np.clip(out, *self.rating_scale_)

    def cold_start_mask(self, users, items=None) -> np.ndarray:
        """True for each pair whose user or item was not seen in fit.

        Parameters
        ----------
        %(users)s
        %(items)s

        Returns
        -------
        numpy.ndarray of bool, shape (n_pairs,)
            Which pairs get the ``cold_start`` prediction.

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.DataError
            As :meth:`predict`.

        Examples
        --------
        %(fit_autorec)s
        >>> rec.cold_start_mask([1, 99], [10, 10]).tolist()
        [False, True]
        """
        rows, cols = self._pair_positions(users, items)
        return (rows < 0) | (cols < 0)

    def _pair_positions(self, users, items) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "model_")
        if items is None:
            if not isinstance(users, pd.DataFrame):
                raise DataError("predict needs users and items, or one DataFrame with both columns")
            frame = users.rename(columns={self.user_col: "user", self.item_col: "item"})
            missing = [c for c in RATING_COLUMNS[:2] if c not in frame.columns]
            if missing:
                raise DataError(f"the pairs table has no column(s) {missing}; its columns are {list(users.columns)}")
            users, items = frame["user"].to_numpy(), frame["item"].to_numpy()
        users, items = np.asarray(users), np.asarray(items)
        if users.ndim != 1 or users.shape != items.shape:
            raise DataError(f"users and items must be 1-D of the same length, got shapes {users.shape} and {items.shape}")
        if pd.isna(users).any() or pd.isna(items).any():
            raise DataError("users and items must not contain missing ids (NaN)")
        matrix = self._interactions
        return matrix.rows_of(users), matrix.columns_of(items)

    def _predict_known(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Reconstruct each needed input vector once; read the pair's entry from it."""
        inputs, outputs = (cols, rows) if self.kind_ == "item" else (rows, cols)
        X = self._oriented_matrix()
        needed, position = np.unique(inputs, return_inverse=True)
        out = np.empty(len(rows), dtype=np.float64)
        for start in range(0, len(needed), SCORE_BATCH):
            chunk = needed[start:start + SCORE_BATCH]
            recon = self._forward_dense(X[chunk])
            pick = (position >= start) & (position < start + len(chunk))
            out[pick] = recon[position[pick] - start, outputs[pick]]
        return out

    def _oriented_matrix(self):
        matrix = self._interactions.matrix
        return matrix.T.tocsr() if self.kind_ == "item" else matrix

    def _cold_start_values(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        if self.cold_start == "global_mean":
            return np.full(len(rows), self.global_mean_)
        if self.cold_start != "baseline":
            return np.full(len(rows), float(self.cold_start))
        return self._baseline_values(rows, cols)

    def _baseline_values(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        user = np.where(rows >= 0, self.user_bias_[np.maximum(rows, 0)], 0.0)
        item = np.where(cols >= 0, self.item_bias_[np.maximum(cols, 0)], 0.0)
        return self.global_mean_ + user + item

    def predict_baseline(self, users, items=None) -> np.ndarray:
        """The baseline mu + b_u + b_i of (user, item) pairs: the reference AutoRec should beat.

        A bias is 0 for an unseen id; the result is clipped to the rating scale.

        Parameters
        ----------
        %(users)s
        %(items)s

        Returns
        -------
        numpy.ndarray of shape (n_pairs,)
            The baseline ratings.

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.DataError
            As :meth:`predict`.

        Examples
        --------
        %(fit_autorec)s
        >>> rec.predict_baseline([1, 2], [30, 20]).shape
        (2,)
        """
        return np.clip(self._baseline_values(*self._pair_positions(users, items)), *self.rating_scale_)

    # -- ranking ---------------------------------------------------------------------
    def _score_rows(self, X, user_rows: np.ndarray) -> np.ndarray:
        if self.kind_ == "user":
            return self._forward_dense(X)
        if (user_rows < 0).any():
            raise DataError("I-AutoRec cannot fold in a new user's history (each user is an input of the "
                            "model); use AutoRec(kind='user') or MultVAE / EASE for new users")
        items = self._oriented_matrix()
        scores = np.empty((len(user_rows), self.n_items_), dtype=np.float32)
        for start in range(0, self.n_items_, SCORE_BATCH):
            recon = self._forward_dense(items[start:start + SCORE_BATCH])
            scores[:, start:start + recon.shape[0]] = recon[:, user_rows].T
        return scores

    # -- files -------------------------------------------------------------------------
    def _fitted_state(self) -> dict[str, Any]:
        return {**super()._fitted_state(), "global_mean_": self.global_mean_, "user_bias_": self.user_bias_.tolist(),
                "item_bias_": self.item_bias_.tolist()}

    def _restore(self, model, scaler, fitted: dict[str, Any]):
        super()._restore(model, scaler, fitted)
        self.rating_scale_ = (model.config.rating_min, model.config.rating_max)
        self.global_mean_ = float(fitted["global_mean_"])
        self.user_bias_ = np.asarray(fitted["user_bias_"], dtype=np.float64)
        self.item_bias_ = np.asarray(fitted["item_bias_"], dtype=np.float64)
        if self.user_bias_.shape != (self.n_users_,) or self.item_bias_.shape != (self.n_items_,):
            raise ValueError("baseline biases do not match the id maps")
        return self


def _split_entries(matrix, fraction: float, seed: int):
    """Hold out ``fraction`` of the stored entries: (train, validation or None)."""
    from scipy import sparse

    if not 0 <= fraction < 1:
        raise ValueError(f"validation_fraction must be in [0, 1), got {fraction}")
    n_val = int(round(matrix.nnz * fraction))
    if n_val < 1:
        return matrix, None
    coo = matrix.tocoo()
    held = np.zeros(matrix.nnz, dtype=bool)
    held[np.random.default_rng(seed).permutation(matrix.nnz)[:n_val]] = True

    def part(keep):
        return sparse.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=matrix.shape)

    return part(~held), part(held)


def _baseline(matrix) -> tuple[float, np.ndarray, np.ndarray]:
    """mu, b_u, b_i as regularised means: b_i first, then b_u on what b_i leaves."""
    coo = matrix.tocoo()
    mu = float(coo.data.mean())
    reg_item, reg_user = BASELINE_REG
    residual = coo.data - mu
    item_bias = np.bincount(coo.col, residual, matrix.shape[1]) / (reg_item + np.bincount(coo.col, None, matrix.shape[1]))
    residual = residual - item_bias[coo.col]
    user_bias = np.bincount(coo.row, residual, matrix.shape[0]) / (reg_user + np.bincount(coo.row, None, matrix.shape[0]))
    return mu, user_bias, item_bias
