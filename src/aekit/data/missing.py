"""Tables with missing cells, encoded for the imputers.

:class:`MissingTableEncoder` turns a table with gaps (NaN, None, ``pd.NA``)
into two float32 matrices of the same shape: the encoded values (numeric
columns standardised with the statistics of their observed cells, then one
one-hot block per categorical column; 0 in a missing cell) and the mask of
observed cells. ``decode`` goes back to the original columns: numbers
unscaled (integer columns rounded), each category the most likely of its
block. Its state is plain JSON, stored in the model file as every
preprocessor's is (categories as strings, never pickled).

Only this module and the imputers let NaN through; everywhere else in aekit
NaN is refused at the boundary (:func:`aekit.data.check_data`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from aekit.data.scaling import Scaler
from aekit.data.tabular import UnknownCategoryWarning, categorical_columns, check_handle_unknown, str_list
from aekit.data.validation import check_data, column_mismatch, is_dataframe, is_str_list, short_list
from aekit.exceptions import DataError

__all__ = ["MissingTableEncoder"]


class MissingTableEncoder:
    """Encode a table with missing cells as (values, observed mask).

    Parameters
    ----------
    handle_unknown : {"error", "ignore"}, default="error"
        A category not seen in fit: "error" raises a DataError naming the
        column and the values; "ignore" warns and lets the model treat the
        cell as missing (the value itself is kept in the output).
    integer_columns : "auto", list of str or int, or None, default="auto"
        Numeric columns whose fills are rounded to whole numbers. "auto": a
        DataFrame's integer columns and the numeric columns whose observed
        values are all whole numbers; none for an array.

    Attributes
    ----------
    columns_ : list of str
        The original columns (``x0, x1, ...`` for an array).
    empty_ : list of str
        Columns without a single observed value in fit: left out of the
        encoding (and of :meth:`decode`); the caller decides what they become.
    numeric_, categorical_, integers_ : list of str
        The encoded columns, by kind.
    categories_ : dict of str to list of str
    ranges_ : dict of str to (float, float)
        Each numeric column's lowest and highest observed value in fit
        (empty for an encoder restored from a model file older than them).
    scaler_ : Scaler
        Standardisation of the numeric columns (observed cells' mean and std).
    n_features_in_ : int
        Number of original columns.
    n_features_ : int
        Width of the encoded matrix.
    category_sizes_ : tuple of int
        Width of each categorical block.

    Examples
    --------
    >>> import numpy as np
    >>> enc = MissingTableEncoder().fit(np.array([[1.0, np.nan], [3.0, 4.0]]))
    >>> values, observed = enc.transform(np.array([[np.nan, 4.0]]))
    >>> observed.tolist()
    [[0.0, 1.0]]
    """

    STATE_KIND = "missing-table"
    kind = "standard"  # how the numeric columns are scaled (what estimators read as ``scaler_.kind``)

    def __init__(self, handle_unknown: str = "error", integer_columns="auto"):
        self.handle_unknown = handle_unknown
        self.integer_columns = integer_columns

    # -- fitting ------------------------------------------------------------------
    def fit(self, X: Any) -> MissingTableEncoder:
        """Learn the columns, numeric statistics and categories from the observed cells; return self."""
        check_handle_unknown(self.handle_unknown)
        frame = self._as_frame(X, fitting=True)
        self.columns_ = [str(c) for c in frame.columns]
        if len(set(self.columns_)) != len(self.columns_):
            raise DataError(f"X has duplicate column names {sorted({c for c in self.columns_ if self.columns_.count(c) > 1})}")
        # columns without an observed value carry nothing to learn: the encoding leaves them out
        self.empty_ = [c for c in self.columns_ if frame[c].isna().all()]
        categorical = set(categorical_columns(frame))
        self.categorical_ = [c for c in self.columns_ if c in categorical and c not in self.empty_]
        self.numeric_ = [c for c in self.columns_ if c not in categorical and c not in self.empty_]
        numbers = self._numbers(frame)
        self.integers_ = self._integer_columns(frame, numbers)
        self.categories_ = {c: sorted(str(v) for v in frame[c].dropna().astype(str).unique())
                            for c in self.categorical_}
        self.booleans_ = [c for c in self.categorical_ if frame[c].dropna().map(type).isin([bool, np.bool_]).all()]
        mean, std = np.nanmean(numbers, axis=0), np.nanstd(numbers, axis=0)
        self.ranges_ = {c: (float(np.nanmin(numbers[:, i])), float(np.nanmax(numbers[:, i])))
                        for i, c in enumerate(self.numeric_)}
        self.scaler_ = Scaler.from_dict({"kind": "standard", "n_features": max(len(self.numeric_), 1),
                                         "mean": [float(v) for v in mean] or [0.0],
                                         "std": [float(v) for v in std] or [1.0]})
        self._set_widths()
        return self

    def _set_widths(self) -> None:
        self.category_sizes_ = tuple(len(self.categories_[c]) for c in self.categorical_)
        self.n_features_in_ = len(self.columns_)
        self.n_features_ = len(self.numeric_) + sum(self.category_sizes_)

    def _integer_columns(self, frame, numbers: np.ndarray) -> list[str]:
        import pandas as pd

        chosen = self.integer_columns
        if chosen is None:
            return []
        if isinstance(chosen, str) and chosen == "auto":
            if not self._from_frame:
                return []
            return [c for i, c in enumerate(self.numeric_)
                    if pd.api.types.is_integer_dtype(frame[c].dtype) or (
                        np.array_equal(numbers[:, i][~np.isnan(numbers[:, i])],
                                                                np.round(numbers[:, i][~np.isnan(numbers[:, i])])))]
        names = [self.columns_[c] if isinstance(c, (int, np.integer)) and not isinstance(c, bool)
                 and 0 <= c < len(self.columns_) else str(c) for c in chosen]
        unknown = [c for c in names if c not in self.numeric_]
        if unknown:
            raise DataError(f"integer_columns names {short_list(unknown)}, which are not numeric columns of X; "
                            f"expected some of {short_list(self.numeric_)}")
        return [c for c in self.numeric_ if c in set(names)]

    # -- using it -------------------------------------------------------------------
    def transform(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(values, observed)``: float32 (n, n_features_) each; values are 0 where missing."""
        frame = self.checked_frame(X)
        numbers = self._numbers(frame)
        seen = ~np.isnan(numbers)
        filled = np.where(seen, numbers, self.scaler_.offset_[:numbers.shape[1]]) if self.numeric_ else numbers
        parts = [self.scaler_.transform(filled) * seen] if self.numeric_ else []
        masks = [seen.astype(np.float32)]
        for column, size in zip(self.categorical_, self.category_sizes_):
            block, observed = self._one_hot(frame[column], column)
            parts.append(block)
            masks.append(np.repeat(observed[:, None], size, axis=1).astype(np.float32))
        values = np.concatenate(parts, axis=1) if parts else np.zeros((len(frame), 0), np.float32)
        return (np.ascontiguousarray(values, dtype=np.float32),
                np.ascontiguousarray(np.concatenate(masks, axis=1), dtype=np.float32))

    def _one_hot(self, series, column: str) -> tuple[np.ndarray, np.ndarray]:
        known = self.categories_[column]
        present = series.notna().to_numpy()
        texts = series.astype(object).where(series.notna(), None).astype(str).to_numpy()
        index = {v: i for i, v in enumerate(known)}
        codes = np.array([index.get(t, -1) if p else -1 for t, p in zip(texts, present)])
        unknown = sorted({t for t, p, k in zip(texts, present, codes) if p and k < 0})
        if unknown:
            described = f"{column!r}: {short_list(unknown)} (known: {short_list(known)})"
            if self.handle_unknown == "error":
                raise DataError(f"X has categories not seen in fit: {described}; expected known categories "
                                "(or handle_unknown='ignore' to treat such cells as missing for the model)")
            warnings.warn(UnknownCategoryWarning(
                f"X has categories not seen in fit, treated as missing by the model (kept in the output): "
                f"{described}"), stacklevel=4)
        block = np.zeros((len(series), len(known)), np.float32)
        rows = np.nonzero(codes >= 0)[0]
        block[rows, codes[rows]] = 1.0
        return block, codes >= 0

    def decode(self, values: np.ndarray):
        """A DataFrame of the encoded columns (all but ``empty_``, in order) from encoded ``values``:
        numbers unscaled (integer columns rounded), each category the largest entry of its block."""
        import pandas as pd

        self._require_fitted()
        values = check_data(values, name="values", n_features=self.n_features_, estimator_name="MissingTableEncoder")
        decoded: dict[str, Any] = {}
        k = len(self.numeric_)
        if k:
            numbers = self.scaler_.inverse_transform(values[:, :k]).astype(np.float64)
            for i, c in enumerate(self.numeric_):
                decoded[c] = np.round(numbers[:, i]) if c in self.integers_ else numbers[:, i]
        start = k
        for column, size in zip(self.categorical_, self.category_sizes_):
            categories = np.asarray(self.categories_[column], dtype=object)
            picked = categories[np.argmax(values[:, start:start + size], axis=1)]
            decoded[column] = picked == "True" if column in self.booleans_ else picked
            start += size
        return pd.DataFrame({c: decoded[c] for c in self.columns_ if c in decoded})

    def encoded_ranges(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The observed ranges (``ranges_``) of the numeric columns in encoded (standardised) units,
        as (low, high) arrays in the order of ``numeric_``; None where the encoder has none."""
        self._require_fitted()
        if not self.numeric_ or set(self.ranges_) != set(self.numeric_):
            return None
        bounds = np.array([self.ranges_[c] for c in self.numeric_], dtype=np.float64).T  # (2, k)
        offset = np.asarray(self.scaler_.offset_, dtype=np.float64)[:len(self.numeric_)]
        scale = np.asarray(self.scaler_.scale_, dtype=np.float64)[:len(self.numeric_)]
        low, high = (bounds - offset) / scale
        return low, high

    def checked_frame(self, X: Any):
        """``X`` as a DataFrame with the fitted columns, or one DataError saying what differs."""
        self._require_fitted()
        frame = self._as_frame(X)
        detail = column_mismatch([str(c) for c in frame.columns], self.columns_)
        if detail:
            raise DataError(f"X's columns do not match the {self.n_features_in_} columns seen in fit: {detail}")
        return frame

    def _as_frame(self, X: Any, fitting: bool = False):
        import pandas as pd

        if is_dataframe(X):
            if fitting:
                self._from_frame = True
            if len(X) == 0:
                raise DataError("X has 0 rows; expected at least one row")
            return X.reset_index(drop=True).rename(columns=str)
        names = getattr(self, "columns_", None)
        if not fitting and names is not None and self.categorical_:
            array = np.asarray(X, dtype=object)
            if array.ndim != 2 or array.shape[1] != len(names):
                raise DataError(f"X has shape {array.shape}; expected a DataFrame (or 2-D array) with the "
                                f"{len(names)} columns {names}")
            return pd.DataFrame(array, columns=names)
        check_data(X, name="X", allow_nan=True, estimator_name="AutoencoderImputer",
                   n_features=None if fitting else self.n_features_in_)
        array = np.asarray(X, dtype=np.float64)  # not check_data's float32: observed cells come back exact
        if fitting:
            self._from_frame = False
        return pd.DataFrame(array, columns=names if names is not None and not fitting
                            else [f"x{i}" for i in range(array.shape[1])])

    def _numbers(self, frame) -> np.ndarray:
        if not self.numeric_:
            return np.zeros((len(frame), 0))
        return check_data(frame[self.numeric_].astype("float64"), name="X", allow_nan=True).astype(np.float64)

    def missing_cells(self, X: Any) -> np.ndarray:
        """Boolean (n, n_features_in_): which cells of ``X`` are missing."""
        return self.checked_frame(X).isna().to_numpy()

    # -- the model file ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The fitted state as plain JSON types."""
        self._require_fitted()
        return {"kind": self.STATE_KIND, "handle_unknown": self.handle_unknown, "columns": list(self.columns_),
                "numeric": list(self.numeric_), "integers": list(self.integers_), "empty": list(self.empty_),
                "booleans": list(self.booleans_), "from_frame": bool(self._from_frame),
                "categories": [[c, list(self.categories_[c])] for c in self.categorical_],
                "ranges": [[c, *self.ranges_[c]] for c in self.numeric_],
                "scaler": self.scaler_.to_dict(), "n_features": int(self.n_features_)}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> MissingTableEncoder:
        """Rebuild a fitted encoder from :meth:`to_dict` output, checking its fields."""
        if not isinstance(state, dict) or state.get("kind") != cls.STATE_KIND:
            raise DataError(f"expected a {cls.STATE_KIND!r} preprocessing state, got {str(state)[:80]}")
        enc = cls(state.get("handle_unknown", "error"))
        check_handle_unknown(enc.handle_unknown)
        columns, numeric = str_list(state, "columns"), str_list(state, "numeric")
        pairs = state.get("categories")
        if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str)
                                                  and is_str_list(p[1]) for p in pairs):
            raise DataError("missing-table state field 'categories' must be a list of [column, [category, ...]]")
        enc.categorical_ = [p[0] for p in pairs]
        enc.empty_ = str_list(state, "empty")
        if sorted(columns) != sorted(numeric + enc.categorical_ + enc.empty_) or len(set(columns)) != len(columns):
            raise DataError("missing-table state: 'columns' must be the numeric, categorical and empty "
                            "columns, once each")
        enc.columns_, enc.numeric_ = columns, numeric
        enc.categories_ = {c: list(cats) for c, cats in pairs}
        enc.integers_ = [c for c in str_list(state, "integers") if c in numeric]
        enc.booleans_ = [c for c in str_list(state, "booleans") if c in enc.categorical_]
        enc._from_frame = bool(state.get("from_frame"))
        enc.ranges_ = _ranges(state.get("ranges", []), numeric)
        enc.scaler_ = Scaler.from_dict(state["scaler"])
        if enc.scaler_.n_features_ != max(len(numeric), 1):
            raise DataError(f"missing-table state: the scaler has {enc.scaler_.n_features_} columns, "
                            f"expected {len(numeric)}")
        enc._set_widths()
        if state.get("n_features") != enc.n_features_:
            raise DataError(f"missing-table state says n_features={state.get('n_features')!r}; its columns "
                            f"and categories make {enc.n_features_}")
        return enc

    def __repr__(self) -> str:
        return f"MissingTableEncoder(handle_unknown={self.handle_unknown!r})"

    def _require_fitted(self) -> None:
        if not hasattr(self, "scaler_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("This MissingTableEncoder is not fitted yet; call fit(X) first.")



def _ranges(pairs, numeric: list[str]) -> dict[str, tuple[float, float]]:
    """A stored ``ranges`` field ([[column, low, high], ...], one per numeric column, or none at all
    in a file written before it) as ``ranges_``, or one DataError saying what is wrong."""
    if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 3 and isinstance(p[0], str) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in p[1:])
            and p[1] <= p[2] for p in pairs):
        raise DataError("missing-table state field 'ranges' must be a list of [column, low, high] with finite "
                        "low <= high")
    ranges = {p[0]: (float(p[1]), float(p[2])) for p in pairs}
    if ranges and sorted(ranges) != sorted(numeric):
        raise DataError(f"missing-table state: 'ranges' covers {short_list(sorted(ranges))}, expected the numeric "
                        f"columns {short_list(numeric)}")
    return ranges


def self_masking_directions(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Per column, which way its values seem to be missing: +1 high ones, -1 low ones, 0 no sign.

    For column ``j`` and every other column ``k``: where ``j`` is missing, is
    ``k`` higher or lower than where ``j`` is seen (in ``k``'s standard
    deviations), times the correlation of ``j`` and ``k`` on the rows where both
    are seen; the sign of the sum. If ``j`` goes missing when it is high, the
    columns that rise with it are high on those rows too. A start for a
    self-masking model of the mask (see :class:`aekit.models.imputation.NotMIWAEImputer`),
    whose zero start would be a saddle point: no direction, so no gradient toward one.

    Parameters
    ----------
    values : ndarray of shape (n, d)
        Numbers (any value where missing).
    observed : ndarray of shape (n, d)
        True (or 1) where a cell was seen.

    Returns
    -------
    ndarray of shape (d,)
        +1.0, -1.0 or 0.0 (a column with no missing or no seen cell, or no
        other column to read it from).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal(500)
    >>> x = np.column_stack([z + 0.3 * rng.standard_normal(500), z])
    >>> seen = np.ones_like(x, dtype=bool); seen[:, 0] = x[:, 0] < 0.5   # high values of column 0 go missing
    >>> self_masking_directions(x, seen).tolist()
    [1.0, 0.0]
    """
    seen = np.asarray(observed).astype(bool)
    x = np.asarray(values, dtype=np.float64)
    directions = np.zeros(x.shape[1])
    for j in np.nonzero(seen.any(axis=0) & ~seen.all(axis=0))[0]:
        score = 0.0
        for k in range(x.shape[1]):
            both = seen[:, j] & seen[:, k]
            when_missing, when_seen = ~seen[:, j] & seen[:, k], seen[:, j] & seen[:, k]
            if k == j or both.sum() < 3 or not when_missing.any() or x[both, j].std() == 0 or x[both, k].std() == 0:
                continue
            shift = (x[when_missing, k].mean() - x[when_seen, k].mean()) / x[seen[:, k], k].std()
            score += np.corrcoef(x[both, j], x[both, k])[0, 1] * shift
        directions[j] = np.sign(score)
    return directions
