"""The scikit-learn side shared by the recommenders (AutoRec, Mult-VAE /
Mult-DAE, EASE).

``fit`` takes a ratings table (DataFrame, CSV / Parquet path or dataset
name), validates it, maps user and item ids to rows and columns (the maps go
into the model file's JSON metadata) and hands the sparse users x items
matrix to the subclass. Ranking is shared: ``recommend`` for one user id or
one history (fold-in), ``recommend_batch`` for many.
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from aekit.data import Scaler
from aekit.data.ratings import InteractionMatrix, check_ratings, load_ratings
from aekit.estimators.base import seed_from
from aekit.exceptions import DataError
from aekit.models.recommender import RecommenderModel
from aekit.training.devices import device_settings
from aekit._docs import fill_doc

SCORE_BATCH = 1024


@fill_doc
class RecommenderEstimator(BaseEstimator):
    """Base of aekit's recommenders: fit on ratings, rank items, save.

    Subclasses set ``family`` and implement ``_fit_matrix(matrix)`` (returning
    the fitted model) and ``_score_rows(X)`` (scores of every item for each
    row of a users x items sparse matrix). :class:`~aekit.estimators.autorec.AutoRec`,
    :class:`~aekit.estimators.multvae.MultVAE`, :class:`~aekit.estimators.multvae.MultDAE`
    and :class:`~aekit.estimators.ease.EASE` share the methods below.

    Attributes
    ----------
    model_ : aekit.models.RecommenderModel
        The fitted torch module, with the training interactions.
    user_ids_ : numpy.ndarray
        User ids seen in ``fit``, in the order of the matrix rows.
    item_ids_ : numpy.ndarray
        Item ids seen in ``fit``, in the order of the score columns.
    n_users_ : int
        Number of training users.
    n_items_ : int
        Number of training items.

    Raises
    ------
    aekit.exceptions.DataError
        From ``fit``: ratings that are not numbers, NaN, outside
        ``rating_scale``, repeated pairs with ``duplicates="error"``, or none
        reaching ``threshold``.

    Examples
    --------
    %(fit_ease)s
    >>> rec.recommend(2, n=2).tolist()
    ['c', 'd']
    """

    family: ClassVar[str]
    implicit: ClassVar[bool] = True  # binarise ratings >= threshold before fitting

    # -- what subclasses provide ---------------------------------------------
    def _fit_matrix(self, matrix) -> RecommenderModel:
        raise NotImplementedError

    def _score_rows(self, X, user_rows: np.ndarray) -> np.ndarray:
        """Scores of every item for each row of ``X``; ``user_rows`` gives each
        row's training user index, or -1 for a folded-in history."""
        raise NotImplementedError

    # -- shared helpers ------------------------------------------------------
    def _seed(self) -> int:
        return seed_from(self.random_state)

    def _ratings(self, ratings) -> pd.DataFrame:
        frame = load_ratings(ratings, user_col=self.user_col, item_col=self.item_col, rating_col=self.rating_col)
        scale = getattr(self, "rating_scale", None)
        frame = check_ratings(frame, scale=tuple(scale) if scale is not None else None,
                              duplicates=self.duplicates, name=type(self).__name__ + " ratings")
        if self.implicit and self.rating_col is not None:
            frame = frame.loc[frame["rating"] >= self.threshold].assign(rating=1.0)
            if frame.empty:
                raise DataError(f"no rating reaches threshold={self.threshold}; nothing to learn from")
        return frame

    # -- fitting ---------------------------------------------------------------
    def fit(self, ratings, y=None):
        """Fit on a ratings table; ``y`` is ignored.

        Parameters
        ----------
        ratings : pandas.DataFrame, str, or pathlib.Path
            A table with columns ``user_col``, ``item_col`` and ``rating_col``
            (extra columns are ignored), a CSV / Parquet path, or a dataset name
            (``"movielens-small"``).
        %(y_ignored)s

        Returns
        -------
        self
            The fitted recommender.

        Raises
        ------
        aekit.exceptions.DataError
            Missing columns, ratings that are not numbers, NaN, outside
            ``rating_scale``, repeated pairs with ``duplicates="error"``, or no
            rating reaching ``threshold`` (implicit models).

        Examples
        --------
        %(fit_ease)s
        >>> rec.n_users_, rec.n_items_
        (4, 4)
        """
        interactions = InteractionMatrix.from_ratings(self._ratings(ratings))  # no table kept while training
        model = self._fit_matrix(interactions.matrix)
        model.interactions.store(interactions.matrix)
        self.model_ = model.eval()
        self.user_ids_, self.item_ids_ = interactions.users, interactions.items
        self.n_users_, self.n_items_ = interactions.matrix.shape
        self.scaler_ = Scaler("none").fit(np.zeros((1, model.config.input_dim), dtype=np.float32))
        self._after_fit()
        return self

    def _after_fit(self) -> None:
        """Hook for fitted attributes beyond the model (AutoRec's baseline)."""

    @property
    def _interactions(self) -> InteractionMatrix:
        """The training matrix with its id maps (rebuilt from the model's buffers once per fitted model)."""
        cached = getattr(self, "_interactions_cache", None)
        if cached is None or cached[0] is not self.model_:
            matrix = InteractionMatrix(self.model_.interactions.matrix(), self.user_ids_, self.item_ids_)
            self._interactions_cache = cached = (self.model_, matrix)
        return cached[1]

    # -- ranking ---------------------------------------------------------------
    def recommend(self, user, n: int = 10, exclude_seen: bool = True) -> np.ndarray:
        """The ``n`` best item ids for one user, best first.

        Parameters
        ----------
        user : user id, list of item ids, or dict
            A user id seen in ``fit``, or a history: a list of item ids (or a
            dict item id -> rating) of a user never seen in training, folded in
            without retraining. Unknown item ids in a history are ignored.
        n : int, default=10
            How many items.
        exclude_seen : bool, default=True
            Leave out the items the user has (in training, or in the history).

        Returns
        -------
        numpy.ndarray of shape (n,)
            Item ids (fewer when fewer items are left).

        Raises
        ------
        %(bad_n)s
        %(not_fitted)s
        %(bad_users)s

        Examples
        --------
        %(fit_ease)s
        >>> rec.recommend(["a", "b"], n=1).tolist()
        ['c']
        """
        return self.recommend_batch([user], n=n, exclude_seen=exclude_seen)[0]

    def recommend_batch(self, users, n: int = 10, exclude_seen: bool = True, return_scores: bool = False):
        """The ``n`` best item ids for many users at once, best first.

        Parameters
        ----------
        users : sequence
            Each a known user id or a history, as in :meth:`recommend`.
        n : int, default=10
            How many items per user.
        exclude_seen : bool, default=True
            Leave out each user's own items.
        return_scores : bool, default=False
            Also return each listed item's score (as :meth:`scores` gives it).

        Returns
        -------
        items : numpy.ndarray of shape (len(users), n)
            Item ids, one row per user.
        scores : numpy.ndarray of shape (len(users), n)
            Only with ``return_scores=True``: the items' scores, highest first.

        Raises
        ------
        %(bad_n)s
        %(not_fitted)s
        %(bad_users)s

        Examples
        --------
        %(fit_ease)s
        >>> rec.recommend_batch([1, ["d"]], n=1).shape
        (2, 1)
        """
        check_is_fitted(self, "model_")
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise DataError(f"n must be a positive integer, got {n!r}")
        rows, user_rows = self._input_rows(list(users))
        top, top_scores = [], []
        for start in range(0, rows.shape[0], SCORE_BATCH):
            block = rows[start:start + SCORE_BATCH]
            scores = self._score_rows(block, user_rows[start:start + SCORE_BATCH])
            if exclude_seen:
                scores[_nonzero_positions(block)] = -np.inf
            top.append(_top_n(scores, min(n, self.n_items_)))
            top_scores.append(np.take_along_axis(scores, top[-1], axis=1))
        items = self.item_ids_[np.concatenate(top)]
        return (items, np.concatenate(top_scores)) if return_scores else items

    def scores(self, users) -> np.ndarray:
        """Scores of every item for each user id or history; higher is better.

        Parameters
        ----------
        users : sequence
            Each a known user id or a history, as in :meth:`recommend`.

        Returns
        -------
        numpy.ndarray of shape (len(users), n_items_)
            Columns in the order of ``item_ids_``; seen items are not excluded.

        Raises
        ------
        %(not_fitted)s
        %(bad_users)s

        Examples
        --------
        %(fit_ease)s
        >>> rec.scores([1, 2]).shape
        (2, 4)
        """
        check_is_fitted(self, "model_")
        return self._score_rows(*self._input_rows(list(users)))

    def _input_rows(self, users: list) -> tuple[Any, np.ndarray]:
        """A users x items CSR matrix (a known user's training row, or a history
        folded in) and each row's training user index (-1 for a history)."""
        from scipy import sparse

        if not users:
            raise DataError("no users given; expected at least one user id or history")
        known = self._interactions
        histories = [u for u in users if _is_history(u)]
        ids = np.asarray([u for u in users if not _is_history(u)])
        rows = known.rows_of(ids) if len(ids) else np.empty(0, dtype=np.int64)
        if (rows < 0).any():
            unknown = ids[rows < 0][:5].tolist()
            raise DataError(f"unknown user id(s) {unknown} with no history: {type(self).__name__} was not fitted "
                            "on them; pass their history (a list of item ids) to fold them in")
        out, user_rows, it_rows, it_hist = [], [], iter(rows), iter(histories)
        for u in users:
            row = -1 if _is_history(u) else next(it_rows)
            out.append(self._history_row(next(it_hist)) if row < 0 else known.matrix[row])
            user_rows.append(row)
        return sparse.vstack(out, format="csr"), np.asarray(user_rows, dtype=np.int64)

    def _history_row(self, history):
        from scipy import sparse

        items = list(history.keys()) if isinstance(history, dict) else list(history)
        values = (np.asarray(list(history.values()), dtype=np.float32) if isinstance(history, dict)
                  else np.ones(len(items), dtype=np.float32))
        if self.implicit:
            values = np.ones_like(values)
        cols = self._interactions.columns_of(np.asarray(items)) if items else np.empty(0, dtype=np.int64)
        if not (cols >= 0).any():
            raise DataError(f"a history of {len(items)} item(s) with none known to {type(self).__name__} "
                            f"(e.g. {items[:3]}): nothing to fold in")
        keep = cols >= 0
        return sparse.csr_matrix((values[keep], (np.zeros(keep.sum(), dtype=np.int64), cols[keep])),
                                 shape=(1, self.n_items_))

    @torch.no_grad()
    def _forward_dense(self, X, fn=None) -> np.ndarray:
        """Run ``fn`` (default the model) over the rows of sparse ``X``, one dense batch at a time."""
        fn = fn or self.model_
        self.model_.eval()
        parts = [fn(torch.from_numpy(X[i:i + SCORE_BATCH].toarray().astype(np.float32))).numpy()
                 for i in range(0, X.shape[0], SCORE_BATCH)]
        return np.concatenate(parts).astype(np.float32, copy=False)

    # -- files -------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted model, its id maps and training interactions to one ``.safetensors`` file.

        Parameters
        ----------
        %(path_out)s

        Returns
        -------
        pathlib.Path
            The file written; :func:`aekit.load` reads it back and ranks identically.

        Raises
        ------
        %(not_fitted)s

        Examples
        --------
        %(fit_ease)s
        >>> import tempfile
        >>> from aekit import load
        >>> load(rec.save(f"{tempfile.mkdtemp()}/ease.safetensors")).recommend(2, n=2).tolist()
        ['c', 'd']
        """
        from aekit.io import save_estimator

        return save_estimator(self, path)

    def _fitted_state(self) -> dict[str, Any]:
        return {"n_features_in_": int(self.model_.config.input_dim),
                "user_ids_": _json_ids(self.user_ids_), "item_ids_": _json_ids(self.item_ids_)}

    def _restore(self, model: RecommenderModel, scaler: Scaler, fitted: dict[str, Any]):
        self.model_ = model.eval()
        self.scaler_ = scaler
        self.user_ids_ = np.asarray(fitted["user_ids_"])
        self.item_ids_ = np.asarray(fitted["item_ids_"])
        self.n_users_, self.n_items_ = len(self.user_ids_), len(self.item_ids_)
        if (self.n_users_, self.n_items_) != model.interactions.shape:
            raise ValueError(f"id maps of {self.n_users_} users and {self.n_items_} items do not fit the "
                             f"stored {model.interactions.shape} interaction matrix")
        if (np.any(self.user_ids_[1:] <= self.user_ids_[:-1]) or np.any(self.item_ids_[1:] <= self.item_ids_[:-1])):
            raise ValueError("id maps must be sorted and unique")
        model.interactions.matrix()  # checks the stored CSR structure
        return self


def _is_history(user) -> bool:
    return isinstance(user, (list, tuple, dict, set, np.ndarray, pd.Series))


def _json_ids(ids: np.ndarray) -> list:
    return [v.item() if hasattr(v, "item") else v for v in ids]


def _nonzero_positions(X) -> tuple[np.ndarray, np.ndarray]:
    X = X.tocsr()
    return np.repeat(np.arange(X.shape[0]), np.diff(X.indptr)), X.indices


def _top_n(scores: np.ndarray, n: int) -> np.ndarray:
    """Column indices of the ``n`` largest scores per row, best first."""
    part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


class TrainedRecommender(RecommenderEstimator):
    """A recommender trained by :func:`aekit.training.fit_model`: it keeps the
    per-epoch history, best epoch and early-stopping outcome, in the model file too,
    and checkpoints / resumes as the other gradient-trained families do
    (``checkpoint_dir``, ``resume``, ``log_dir``)."""

    def _keep_training(self, result) -> None:
        self._training = result

    def _training_files(self) -> dict[str, Any]:
        """The checkpoint / resume / history and device settings for :class:`aekit.training.TrainConfig`,
        as every gradient-trained family passes them (``aekit recommend train --resume``)."""
        return {"checkpoint_dir": self.checkpoint_dir, "resume": self.resume, "log_dir": self.log_dir,
                **device_settings(self)}

    def _after_fit(self) -> None:
        result = self._training
        del self._training
        self.history_ = result.history
        self.best_epoch_, self.n_epochs_, self.stopped_early_ = result.best_epoch, result.epochs_run, result.stopped_early

    def _fitted_state(self) -> dict[str, Any]:
        return {**super()._fitted_state(), "history_": self.history_.to_dict(orient="list"),
                "best_epoch_": self.best_epoch_, "n_epochs_": self.n_epochs_, "stopped_early_": self.stopped_early_}

    def _restore(self, model: RecommenderModel, scaler: Scaler, fitted: dict[str, Any]):
        super()._restore(model, scaler, fitted)
        self.history_ = pd.DataFrame(fitted["history_"])
        self.best_epoch_, self.n_epochs_ = int(fitted["best_epoch_"]), int(fitted["n_epochs_"])
        self.stopped_early_ = bool(fitted["stopped_early_"])
        return self


# -- ids as a user types them (the CLI's text, a JSON body's values) ---------------------------------

def typed_ids(values: list, known: np.ndarray, field: str, what: str) -> list:
    """``values`` typed for ``field`` (an option or a request field) as the model's ids: numbers
    when the model's ids are numbers, else text.

    Parameters
    ----------
    values : list
        The ids as given (text from a command line, or JSON numbers / strings).
    known : numpy.ndarray
        The model's ids (``user_ids_`` or ``item_ids_``).
    field : str
        Where the ids came from, for messages (``"--user"``, ``"items"``).
    what : str
        ``"user"`` or ``"item"``, for messages.

    Returns
    -------
    list
        The ids, of the model's id type.

    Raises
    ------
    aekit.exceptions.DataError
        The model's ids are numbers and some values are not.

    Examples
    --------
    >>> import numpy as np
    >>> typed_ids(["7", 8], np.array([7, 8, 9]), "--user", "user")
    [7, 8]
    >>> typed_ids([7], np.array(["a", "b"]), "items", "item")
    ['7']
    """
    texts = [str(v) for v in values]
    if known.dtype.kind not in "iuf":
        return texts
    typed = [_typed_number(t, known.dtype) for t in texts]
    bad = [t for t, v in zip(texts, typed) if v is None]
    if bad:
        kind = "whole numbers" if known.dtype.kind in "iu" else "numbers"
        raise DataError(f"{field}: {listed(bad)} {'is' if len(bad) == 1 else 'are'} not among this model's {what} "
                        f"ids, which are {kind} (like {listed(known[:3].tolist())})")
    return typed


def known_history(estimator: RecommenderEstimator, items: list, field: str) -> tuple[list, list]:
    """The items of a new user's history that ``estimator`` knows, and the ones it does not.

    Raises :class:`~aekit.exceptions.DataError` when it knows none of them (nothing to fold in).
    """
    known_ids = set(estimator.item_ids_.tolist())
    unknown = [item for item in items if item not in known_ids]
    if len(unknown) == len(items):
        raise DataError(f"{field}: none of the items {listed(unknown)} is known to the model "
                        f"(its item ids are like {listed(estimator.item_ids_[:3].tolist())})")
    return [item for item in items if item in known_ids], unknown


def _typed_number(text: str, dtype: np.dtype):
    """``text`` as an id of ``dtype``, or None when it cannot be one: not a number, or for
    integer ids a fraction, inf or a number outside the type's range (found by fuzzing
    ``aekit serve``: 1e20 raised OverflowError, and 1.5 was silently taken as id 1)."""
    try:
        value = float(text)
    except ValueError:
        return None
    if dtype.kind == "f":
        return dtype.type(value).item()
    try:
        whole = int(text.strip())  # exact for long integer literals
    except ValueError:
        if not np.isfinite(value) or not value.is_integer():
            return None
        whole = int(value)
    info = np.iinfo(dtype)
    return whole if info.min <= whole <= info.max else None


def listed(values: list) -> str:
    """The first five of ``values``, for a message (``'a', 'b' and 3 more``)."""
    shown = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values[:5])
    return shown + (f" and {len(values) - 5} more" if len(values) > 5 else "")
