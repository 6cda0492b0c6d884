"""Scaling fitted on the training data and stored with the model.

Two kinds cover what autoencoders meet: images get one global min-max map to
[0, 1] (so a sigmoid output and a binary cross-entropy loss make sense, and
constant border pixels cause no division by zero); tables get per-column
standardisation. The fitted state is a small JSON-able dict, saved in the model
file's metadata.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from aekit.data.validation import check_data
from aekit.exceptions import DataError
from aekit._docs import fill_doc

__all__ = ["SCALING_KINDS", "Scaler", "choose_scaling"]

SCALING_KINDS = ("minmax", "standard", "none")


@fill_doc
class Scaler:
    """Affine scaling ``(X - offset) / scale`` learned from training data.

    Parameters
    ----------
    kind : {"minmax", "standard", "none"}, default="standard"
        ``"minmax"``: one global minimum and maximum over all values, mapped
        to [0, 1] (for images). ``"standard"``: per-column mean and standard
        deviation (for tables); a constant column gets scale 1.
        ``"none"``: identity.

    Attributes
    ----------
    n_features_ : int
        Number of columns seen in :meth:`fit`.
    offset_ : numpy.ndarray
        Subtracted before scaling: shape () for "minmax"/"none", (n_features,)
        for "standard".
    scale_ : numpy.ndarray
        Divided by after subtracting ``offset_``; same shape as ``offset_``.

    Raises
    ------
    aekit.exceptions.DataError
        ``kind`` is not one of :data:`SCALING_KINDS`.

    Examples
    --------
    >>> import numpy as np
    >>> scaler = Scaler("minmax").fit(np.array([[0.0, 255.0], [0.0, 51.0]]))
    >>> scaler.transform(np.array([[255.0, 0.0]]))
    array([[1., 0.]], dtype=float32)
    >>> Scaler.from_dict(scaler.to_dict()).n_features_
    2
    """

    def __init__(self, kind: str = "standard"):
        if kind not in SCALING_KINDS:
            raise DataError(f"scaling kind must be one of {', '.join(SCALING_KINDS)}; got {kind!r}.")
        self.kind = kind

    def fit(self, X: Any) -> Scaler:
        """Learn the offset and scale from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.

        Returns
        -------
        Scaler
            ``self``, fitted.

        Raises
        ------
        aekit.exceptions.DataError
            Empty or non-numeric data, or NaN or infinite values.

        Examples
        --------
        %(fit_scaler)s
        >>> scaler.offset_.tolist(), scaler.scale_.tolist()
        ([1.0, 20.0], [1.0, 10.0])
        """
        return self._fit_checked(check_data(X, name="X", estimator_name="Scaler"))

    def _fit_checked(self, X: np.ndarray) -> Scaler:
        """:meth:`fit` on an array ``check_data`` has already passed (float32, finite)."""
        if self.kind == "minmax":
            self._set_minmax(float(X.min()), float(X.max()))
        elif self.kind == "standard":
            self._set(*_column_mean_std(X))
        else:
            self._set(np.float64(0.0), np.float64(1.0))
        self.n_features_ = X.shape[1]
        return self

    def fit_transform(self, X: Any, *, copy: bool = True, check_input: bool = True) -> np.ndarray:
        """Fit on ``X`` and return it scaled (float32), checking ``X`` once.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        copy : bool, default=True
            False: when the fitted scaling changes no value (:attr:`is_identity`)
            and ``X`` is a writeable float32 array, return ``X`` itself rather
            than a copy (the caller must then only read it).
        check_input : bool, default=True
            False: ``X`` is a float32 array that :func:`aekit.data.check_data`
            has already passed, so it is not checked again (as scikit-learn's
            ``check_input``); a caller that checked it with its own name in the
            messages spares a second pass over the data.

        Returns
        -------
        ndarray of shape (n_samples, n_features), float32

        Raises
        ------
        DataError
            ``X`` is not a finite numeric matrix (with ``check_input=True``).

        Examples
        --------
        >>> import numpy as np
        >>> Scaler("minmax").fit_transform(np.array([[0.0, 2.0], [4.0, 4.0]])).tolist()
        [[0.0, 0.5], [1.0, 1.0]]
        """
        if check_input:
            X = check_data(X, name="X", estimator_name="Scaler")
        self._fit_checked(X)
        if not copy and self.is_identity and X.flags.writeable:
            return X
        return self._scaled(X)

    def transform(self, X: Any) -> np.ndarray:
        """Scale ``X`` with the fitted statistics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with the features seen in ``fit``.

        Returns
        -------
        numpy.ndarray of float32, shape (n_samples, n_features)
            ``(X - offset_) / scale_``.

        Raises
        ------
        %(bad_data)s

        Examples
        --------
        %(fit_scaler)s
        >>> scaler.transform(X).tolist()
        [[-1.0, -1.0], [1.0, 1.0]]
        """
        return self._scaled(self._checked(X))

    def _scaled(self, X: np.ndarray) -> np.ndarray:
        """``X`` (already checked) scaled into a new float32 array."""
        scaled = X - self.offset_.astype(np.float32)  # one new array, then scaled in place
        scaled /= self.scale_.astype(np.float32)
        return scaled

    @property
    def is_identity(self) -> bool:
        """True when :meth:`transform` leaves every value as it is (offset 0, scale 1):
        e.g. "minmax" fitted on data whose minimum is 0 and maximum 1, or "none"."""
        self._require_fitted()
        return bool(np.all(self.offset_ == 0) and np.all(self.scale_ == 1))

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Scaled data.

        Returns
        -------
        numpy.ndarray of float32, shape (n_samples, n_features)
            ``X * scale_ + offset_``, in the units of the training data.

        Raises
        ------
        %(bad_data)s

        Examples
        --------
        %(fit_scaler)s
        >>> scaler.inverse_transform(scaler.transform(X)).tolist()
        [[0.0, 10.0], [2.0, 30.0]]
        """
        X = self._checked(X)
        restored = X * self.scale_.astype(np.float32)
        restored += self.offset_.astype(np.float32)
        return restored

    def to_dict(self) -> dict[str, Any]:
        """The fitted state as plain JSON types (str, int, float, lists of floats).

        Returns
        -------
        dict
            ``kind``, ``n_features`` and the statistics; :meth:`from_dict` reads it back.

        Raises
        ------
        %(not_fitted)s

        Examples
        --------
        %(fit_scaler)s
        >>> Scaler.from_dict(scaler.to_dict()).transform(X).tolist()
        [[-1.0, -1.0], [1.0, 1.0]]
        """
        self._require_fitted()
        state: dict[str, Any] = {"kind": self.kind, "n_features": int(self.n_features_)}
        if self.kind == "minmax":
            state["min"] = float(self.offset_)
            state["max"] = self._data_max
        elif self.kind == "standard":
            state["mean"] = [float(v) for v in self.offset_]
            state["std"] = [float(v) for v in self.scale_]
        return state

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> Scaler:
        """Rebuild a fitted scaler from :meth:`to_dict` output, checking every field.

        Parameters
        ----------
        state : dict
            What :meth:`to_dict` gave (e.g. read from a model file).

        Returns
        -------
        Scaler
            A fitted scaler.

        Raises
        ------
        aekit.exceptions.DataError
            A state that is not a dict, misses a field, or whose fields do not fit
            together (lengths, kinds, non-finite or non-positive scales).

        Examples
        --------
        %(fit_scaler)s
        >>> Scaler.from_dict(scaler.to_dict()).kind
        'standard'
        """
        if not isinstance(state, dict):
            raise DataError(f"scaler state must be a dict; got {type(state).__name__}.")
        scaler = cls(state.get("kind"))
        n_features = _positive_int(state, "n_features")
        if scaler.kind == "minmax":
            low, high = _finite_float(state, "min"), _finite_float(state, "max")
            if high < low:
                raise DataError(f"scaler state has max < min; got min={low}, max={high}.")
            scaler._set_minmax(low, high)
        elif scaler.kind == "standard":
            mean = _finite_vector(state, "mean", n_features)
            std = _finite_vector(state, "std", n_features)
            if (std < 0).any():
                raise DataError("scaler state has a negative std; expected std >= 0.")
            scaler._set(mean, std)
        else:
            scaler._set(np.float64(0.0), np.float64(1.0))
        scaler.n_features_ = n_features
        return scaler

    def __repr__(self) -> str:
        return f"Scaler(kind={self.kind!r})"

    def _set_minmax(self, low: float, high: float) -> None:
        self._data_max = high  # kept as is so that to_dict/from_dict round-trip exactly
        self._set(np.float64(low), np.float64(high - low))

    def _set(self, offset: np.ndarray, spread: np.ndarray) -> None:
        # A zero spread (constant image, constant column) maps to scale 1.
        self.offset_ = np.asarray(offset, dtype=np.float64)
        self.scale_ = np.where(np.asarray(spread) > 0, spread, 1.0).astype(np.float64)

    def _checked(self, X: Any) -> np.ndarray:
        self._require_fitted()
        return check_data(X, name="X", n_features=self.n_features_, estimator_name="Scaler")

    def _require_fitted(self) -> None:
        if not hasattr(self, "n_features_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("This Scaler is not fitted yet; call fit(X) or Scaler.from_dict(state) first.")


def choose_scaling(X: Any) -> str:
    """Pick a scaling kind for ``X``: "minmax" if it looks like images, else "standard".

    Data look like images when every value lies in [0, 1], or when every
    value is a non-negative integer no larger than 255 (8-bit pixels) and the
    columns share one range: at least 3 in 4 of the non-constant columns
    span half the overall range or more (a pixel goes from dark to bright).
    An integer table whose columns have different ranges (age, counts,
    ratings), or sit in narrow bands of their own (skull measurements of
    119-148 mm and 44-60 mm), is standardised column by column: one global
    minimum and maximum would leave such columns uncentred, with a spread
    of a few hundredths.
    Data known to be images (an image folder, a named image dataset) should
    say so with ``scaling="minmax"`` rather than rely on this guess.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The training data.

    Returns
    -------
    str
        ``"minmax"`` or ``"standard"``.

    Raises
    ------
    aekit.exceptions.DataError
        Empty or non-numeric data, or NaN or infinite values.

    Examples
    --------
    >>> import numpy as np
    >>> choose_scaling(np.array([[0, 255], [128, 3]])), choose_scaling(np.array([[30, 1], [70, 5]]))
    ('minmax', 'standard')
    >>> choose_scaling(np.array([[131, 44], [148, 60], [119, 51]]))   # narrow bands far from 0: a table
    'standard'
    """
    values = np.asarray(X)
    if values.size == 0 or values.ndim != 2 or values.dtype.kind not in "biuf":
        return "standard"
    low, high = values.min(), values.max()
    if not (np.isfinite(low) and np.isfinite(high)):
        return "standard"
    if low >= 0 and high <= 1:
        return "minmax"
    if (low >= 0 and high <= 255 and _is_integral(values)
            and columns_share_range(values.min(axis=0), values.max(axis=0))):
        return "minmax"
    return "standard"


ROW_CHUNK = 4096  # rows processed at once, so statistics need no copy of the whole data


def _row_chunks(X: np.ndarray):
    return (X[i:i + ROW_CHUNK] for i in range(0, len(X), ROW_CHUNK))


def _is_integral(X: np.ndarray) -> bool:
    return X.dtype.kind in "biu" or all(np.array_equal(chunk, np.round(chunk)) for chunk in _row_chunks(X))


def columns_share_range(col_min: np.ndarray, col_max: np.ndarray) -> bool:
    """The image rule of :func:`choose_scaling`: at least 3 in 4 of the non-constant columns span
    half the overall range or more (from each column's minimum and maximum)."""
    varying = col_max > col_min
    if not varying.any():
        return False
    half = (float(col_max.max()) - float(col_min.min())) / 2
    return float(np.mean(col_max[varying] - col_min[varying] >= half)) >= 0.75


def _column_mean_std(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and standard deviation, accumulated in float64 chunk by chunk (two passes)."""
    mean = sum(chunk.sum(axis=0, dtype=np.float64) for chunk in _row_chunks(X)) / len(X)
    squares = sum(np.square(chunk - mean).sum(axis=0) for chunk in _row_chunks(X))
    return mean, np.sqrt(squares / len(X))


def _positive_int(state: dict[str, Any], key: str) -> int:
    value = state.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DataError(f"scaler state field {key!r} must be a positive integer; got {value!r}.")
    return value


def _finite_float(state: dict[str, Any], key: str) -> float:
    value = state.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DataError(f"scaler state field {key!r} must be a finite number; got {value!r}.")
    return float(value)


def _finite_vector(state: dict[str, Any], key: str, length: int) -> np.ndarray:
    value = state.get(key)
    if not isinstance(value, list):
        raise DataError(
            f"scaler state field {key!r} must be a list of {length} numbers; got {type(value).__name__}."
        )
    if len(value) != length:
        raise DataError(
            f"scaler state field {key!r} must have n_features={length} values; got {len(value)}."
        )
    try:
        vector = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"scaler state field {key!r} must hold numbers only; got {value[:3]!r}...") from None
    if vector.ndim != 1 or not np.isfinite(vector).all():
        raise DataError(f"scaler state field {key!r} must hold finite numbers; got NaN, inf or nesting.")
    return vector
