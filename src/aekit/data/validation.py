"""Input validation at the boundary: turn what users pass into a clean float32 matrix.

Every estimator and loader funnels its input through :func:`check_data`, so a
bad input fails here, early, with one line that says what was expected and
what came. The wording of several messages follows scikit-learn's (its
estimator checks match them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aekit.exceptions import DataError

__all__ = ["NonNumericDataError", "check_data", "column_mismatch", "feature_names_of", "id_like_columns", "short_list"]

MIN_ROWS_FOR_ID_CHECK = 20  # below this, a column of distinct values is no sign of an id

_MAX_LISTED = 5  # how many offending rows/columns a message names


class NonNumericDataError(DataError, TypeError):
    """Values that are not numbers (strings, dicts, ...).

    A :class:`~aekit.exceptions.DataError` that is also a ``TypeError``, as
    scikit-learn (and ``float()``) raise for such input.
    """


def check_data(
    X: Any,
    *,
    name: str = "X",
    n_features: int | None = None,
    estimator_name: str = "Autoencoder",
    allow_nan: bool = False,
) -> np.ndarray:
    """Validate ``X`` and return it as a C-contiguous float32 2-D array.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        A NumPy array, a nested list or a pandas DataFrame of numbers.
    name : str, default="X"
        What to call the input in error messages (e.g. a file name).
    n_features : int, optional
        The number of columns the caller expects (the number seen in ``fit``).
    estimator_name : str, default="Autoencoder"
        Who expects ``n_features``; used in the mismatch message.
    allow_nan : bool, default=False
        Let NaN through (infinity is always refused).

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_features), dtype float32

    Raises
    ------
    DataError
        For sparse, non-2-D, empty, complex, non-numeric or non-finite input,
        or a number of columns other than ``n_features``.

    Examples
    --------
    >>> check_data([[0, 1], [2, 3]]).dtype
    dtype('float32')
    """
    array = _to_numeric_array(X, name)
    _check_shape(array, name)
    array = _to_float32(array)
    _check_finite(array, name, allow_nan, columns=feature_names_of(X))
    if n_features is not None and array.shape[1] != n_features:
        raise DataError(
            f"{name} has {array.shape[1]} features, but {estimator_name} "
            f"is expecting {n_features} features as input."
        )
    return array


def feature_names_of(X: Any) -> np.ndarray | None:
    """Column names of a DataFrame whose column names are all strings, else None.

    Parameters
    ----------
    X : object
        A DataFrame, an array, or anything else.

    Returns
    -------
    numpy.ndarray of object, or None
        The names, as scikit-learn's ``feature_names_in_``.

    Examples
    --------
    >>> import pandas as pd
    >>> feature_names_of(pd.DataFrame({"a": [1], "b": [2]})).tolist()
    ['a', 'b']
    >>> feature_names_of(pd.DataFrame([[1, 2]])) is None, feature_names_of([[1, 2]]) is None
    (True, True)
    """
    columns = getattr(X, "columns", None)
    if columns is None or not is_dataframe(X):
        return None
    if len(columns) == 0 or not all(isinstance(col, str) for col in columns):
        return None
    return np.asarray(list(columns), dtype=object)


def column_mismatch(given: Any, expected: Any) -> str | None:
    """What differs between the ``given`` column names and the ``expected`` ones, or None.

    Names the missing, the extra and (when the names are the same) the first
    columns found in another order.
    """
    given, expected = [str(c) for c in given], [str(c) for c in expected]
    if given == expected:
        return None
    missing = [c for c in expected if c not in set(given)]
    extra = [c for c in given if c not in set(expected)]
    parts = []
    if missing:
        parts.append(f"missing {short_list(missing)}")
    if extra:
        parts.append(f"extra {short_list(extra)} (leave them out: drop= / --drop)")
    if not parts:
        moved = [f"{c!r} at {i} (expected {expected.index(c)})" for i, c in enumerate(given) if expected[i] != c]
        parts.append(f"the same columns in another order: {', '.join(moved[:_MAX_LISTED])}")
    return "; ".join(parts)


def id_like_columns(frame: Any, kinds: str = "discrete") -> list[str]:
    """Columns of a DataFrame with a different value on every row (at least 20 rows), like an id
    or a name: ``kinds`` "discrete" looks at integer and text columns, "text" at text only.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"name": [f"car {i}" for i in range(30)], "gear": [3, 4, 5] * 10})
    >>> id_like_columns(frame)
    ['name']
    """
    if not is_dataframe(frame) or len(frame) < MIN_ROWS_FOR_ID_CHECK:
        return []
    import pandas as pd

    def wanted(dtype) -> bool:
        text = not pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        return text or (kinds == "discrete" and pd.api.types.is_integer_dtype(dtype))

    return [str(c) for c, dtype in frame.dtypes.items() if wanted(dtype) and frame[c].nunique() == len(frame)]


def is_dataframe(X: Any) -> bool:
    """Whether ``X`` is a DataFrame (duck-typed, so that validation never has to import pandas)."""
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "to_numpy")


def _to_numeric_array(X: Any, name: str) -> np.ndarray:
    """Convert ``X`` to a NumPy array of a real numeric dtype."""
    if hasattr(X, "toarray") and hasattr(X, "nnz"):
        raise DataError(
            f"{name} is a sparse matrix, but sparse input is not supported; "
            "expected a dense array, convert with X.toarray()."
        )
    if is_dataframe(X):
        return _dataframe_to_array(X, name)
    try:
        array = np.asarray(X)
    except ValueError as exc:  # ragged nested lists
        raise DataError(
            f"{name} could not be made into an array (rows of different lengths?): {exc}"
        ) from None
    return _as_real_numbers(array, name)


def _dataframe_to_array(frame: Any, name: str) -> np.ndarray:
    import pandas as pd

    bad = [str(col) for col, dtype in frame.dtypes.items() if not pd.api.types.is_numeric_dtype(dtype)]
    if bad:
        raise NonNumericDataError(
            f"{name} has non-numeric columns {short_list(bad)}; expected numbers only, "
            "drop or encode those columns first."
        )
    return _as_real_numbers(frame.to_numpy(dtype=np.float64, na_value=np.nan), name)


def _as_real_numbers(array: np.ndarray, name: str) -> np.ndarray:
    if np.iscomplexobj(array):
        raise DataError(
            f"Complex data not supported: {name} has dtype {array.dtype}; expected real numbers."
        )
    if array.dtype.kind in "biuf":
        return array
    try:
        return array.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise NonNumericDataError(
            f"{name} has values that are not numbers (dtype {array.dtype}): {exc}"
        ) from None


def _check_shape(array: np.ndarray, name: str) -> None:
    if array.ndim != 2:
        raise DataError(_wrong_ndim_message(array, name))
    n_samples, n_features = array.shape
    if n_samples == 0:
        raise DataError(
            f"{name} has 0 sample(s) (shape={array.shape}) while a minimum of 1 is required; "
            "expected at least one row."
        )
    if n_features == 0:
        raise DataError(
            f"{name} has 0 feature(s) (shape={array.shape}) while a minimum of 1 is required; "
            "expected at least one column."
        )


def _wrong_ndim_message(array: np.ndarray, name: str) -> str:
    expected = f"Expected 2D array (n_samples, n_features) for {name}"
    if array.ndim == 0:
        return f"{expected}, got a scalar {array!r}; Reshape your data as [[value]]."
    if array.ndim == 1:
        return (
            f"{expected}, got a 1-D array of shape {array.shape}; Reshape your data with "
            "X.reshape(-1, 1) for one feature or X.reshape(1, -1) for one sample."
        )
    return (
        f"{expected}, got a {array.ndim}-D array of shape {array.shape}; Reshape your data, "
        "e.g. flatten images with X.reshape(len(X), -1)."
    )


def _to_float32(array: np.ndarray) -> np.ndarray:
    # Values beyond float32's range become inf here and are reported next.
    with np.errstate(over="ignore"):
        return np.ascontiguousarray(array, dtype=np.float32)


def _check_finite(array: np.ndarray, name: str, allow_nan: bool, columns: np.ndarray | None = None) -> None:
    """Refuse NaN / inf, naming the rows and the columns (by name where ``columns`` gives them)."""
    if not allow_nan and _sum_is_finite(array):
        return
    bad = np.isinf(array) if allow_nan else ~np.isfinite(array)
    if not bad.any():
        return
    rows, cols = np.nonzero(bad)
    cols = np.unique(cols)
    what = "infinity (NaN is allowed)" if allow_nan else "NaN or infinity"
    raise DataError(
        f"{name} contains {what} in {rows.size} cells (rows {short_list(np.unique(rows))}, "
        f"columns {short_list(cols if columns is None else columns[cols].tolist())}); expected finite numbers "
        "(no NaN or inf), remove or impute them before fitting (a value too large for float32 also counts as "
        "inf); aekit.AutoencoderImputer (`aekit complete` on the command line) fills missing cells (NaN) of a table."
    )


def _sum_is_finite(array: np.ndarray) -> bool:
    """A NaN or inf anywhere makes the sum NaN or inf: one pass and no mask the size of
    the data (3 times faster than ``isfinite`` on Fashion-MNIST). A sum that overflows
    from finite values only sends the caller to the cell-by-cell check."""
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(array.sum()))


def is_str_list(value: Any) -> bool:
    """Whether a state field read from a model file is a list of strings.

    Parameters
    ----------
    value : object
        What the file holds under some key.

    Returns
    -------
    bool
        True for a list whose items are all ``str`` (an empty list too).

    Examples
    --------
    >>> is_str_list(["age", "income"]), is_str_list(("age",)), is_str_list(["age", 3])
    (True, False, False)
    """
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def short_list(items: Any) -> str:
    """``[1, 2, 3, ...]`` with at most a few items, as a compact one-line string (for messages)."""
    items = [item.item() if isinstance(item, np.generic) else item for item in items]
    shown = ", ".join(repr(item) if isinstance(item, str) else str(item) for item in items[:_MAX_LISTED])
    more = f", ... ({len(items)} in all)" if len(items) > _MAX_LISTED else ""
    return f"[{shown}{more}]"



