"""Time series: validation of batches of series, sliding windows over a long
series and back, and the user's series files (CSV long or wide, ``.npy``).

A batch of series is a float32 array (N, T, C), zero-padded after each
series' last real step, and an int64 array of lengths (N,).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from aekit.data.validation import check_data
from aekit.exceptions import DataError
from aekit._docs import fill_doc

__all__ = ["SeriesData", "check_series", "flagged_segments", "load_series", "sliding_windows", "window_starts", "windows_to_steps"]


# ----------------------------------------------------------------- validation


def check_series(X: Any, lengths: Any = None, *, n_channels: int | None = None, name: str = "X",
                 estimator_name: str = "SequenceAutoencoder") -> tuple[np.ndarray, np.ndarray]:
    """Validate a batch of series; return ``(X, lengths)``: float32 (N, T, C)
    zero-padded after each series' end, and int64 (N,).

    ``X`` may be (N, T) (one channel, or ``n_channels`` channels flattened
    time-major as ``X.reshape(N, T * C)``), (N, T, C), or a list of arrays
    of shape (L_i,) or (L_i, C) (series of different lengths). ``lengths``
    says how many steps of each row are real; without it, a row that ends in
    NaN (ragged series padded with NaN) is refused, as is NaN inside a series.

    Parameters
    ----------
    X : array-like of shape (N, T) or (N, T, C), or list of arrays
        The series.
    lengths : array-like of int, shape (N,), optional
        Real steps of each row of a padded ``X``.
    n_channels : int, optional
        The channel count the model was fitted on (checked).
    name, estimator_name : str
        For messages.

    Returns
    -------
    X : numpy.ndarray of shape (N, T, C), float32
        Zero after each series' end.
    lengths : numpy.ndarray of shape (N,), int64

    Raises
    ------
    aekit.exceptions.DataError
        Another channel count than ``n_channels``, NaN or inf inside a series,
        NaN padding without ``lengths``, or lengths outside [1, T].

    Examples
    --------
    >>> import numpy as np
    >>> X, lengths = check_series([np.ones(3), np.ones(5)])
    >>> X.shape, lengths.tolist(), X[0, :, 0].tolist()
    ((2, 5, 1), [3, 5], [1.0, 1.0, 1.0, 0.0, 0.0])
    >>> check_series(np.ones((2, 5, 1)), n_channels=3)
    Traceback (most recent call last):
    aekit.exceptions.DataError: X has 1 channels, but SequenceAutoencoder was fitted on 3 channels; ...
    """
    if isinstance(X, (list, tuple)) and len(X) and all(np.ndim(s) in (1, 2) for s in X) \
            and len({np.shape(s)[0] for s in X}) > 1:
        X, given = _pad_ragged(X, name)
        lengths = given if lengths is None else lengths
    array = _as_3d(X, name, n_channels)
    if n_channels is not None and array.shape[2] != n_channels:
        raise DataError(f"{name} has {array.shape[2]} channels, but {estimator_name} was fitted on "
                        f"{n_channels} channels; expected series of shape (n, T, {n_channels})")
    lengths = _check_lengths(array, lengths, name)
    _check_values(array, lengths, name)
    real = np.arange(array.shape[1])[None, :] < lengths[:, None]
    return np.where(real[..., None], array, 0.0).astype(np.float32), lengths


def _pad_ragged(series: list, name: str) -> tuple[np.ndarray, np.ndarray]:
    parts = [np.asarray(s, dtype=np.float64) for s in series]
    parts = [p[:, None] if p.ndim == 1 else p for p in parts]
    if len({p.shape[1] for p in parts}) != 1:
        raise DataError(f"{name}: the series have different numbers of channels "
                        f"{sorted({p.shape[1] for p in parts})}; expected the same in every series")
    lengths = np.array([len(p) for p in parts], dtype=np.int64)
    padded = np.zeros((len(parts), int(lengths.max()), parts[0].shape[1]))
    for i, p in enumerate(parts):
        padded[i, : len(p)] = p
    return padded, lengths


def _as_3d(X: Any, name: str, n_channels: int | None) -> np.ndarray:
    try:
        if hasattr(X, "to_numpy"):
            X = X.to_numpy(dtype=np.float64, na_value=np.nan)
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} could not be read as numbers (ragged series need a list of arrays or "
                        f"lengths=...): {err}") from None
    if array.ndim == 2 and 0 in array.shape:
        raise DataError(f"{name} is empty (shape {array.shape}); expected at least one series of one step")
    if array.ndim == 2:
        channels = n_channels or 1
        if array.shape[1] % channels:
            raise DataError(f"{name} has {array.shape[1]} columns, not a multiple of the {channels} channels "
                            f"expected; pass series of shape (n, T, {channels})")
        array = array.reshape(len(array), -1, channels)
    if array.ndim != 3:
        raise DataError(f"{name} must be series of shape (n, T) or (n, T, C), or a list of arrays; "
                        f"got an array of shape {array.shape}")
    if 0 in array.shape:
        raise DataError(f"{name} is empty (shape {array.shape}); expected at least one series of one step")
    return array


def _check_lengths(array: np.ndarray, lengths: Any, name: str) -> np.ndarray:
    n, steps = array.shape[:2]
    if lengths is None:
        ends_nan = np.isnan(array[:, -1, :]).all(axis=1)
        if ends_nan.any():
            rows = np.flatnonzero(ends_nan)[:5].tolist()
            raise DataError(f"{name}: series {rows} end in NaN (ragged series padded with NaN?); pass "
                            "lengths=... (a length column) or a list of arrays of different lengths")
        return np.full(n, steps, dtype=np.int64)
    lengths = np.asarray(lengths)
    if lengths.shape != (n,) or not np.issubdtype(lengths.dtype, np.number) \
            or not np.all(np.isfinite(lengths)) or not np.all(lengths == np.round(lengths)):
        raise DataError(f"lengths must be {n} whole numbers (one per series); got shape {lengths.shape}")
    lengths = lengths.astype(np.int64)
    if lengths.min() < 1 or lengths.max() > steps:
        raise DataError(f"lengths must be between 1 and {steps} (the padded length of {name}); "
                        f"got {lengths.min()}..{lengths.max()}")
    return lengths


def _check_values(array: np.ndarray, lengths: np.ndarray, name: str) -> None:
    real = np.arange(array.shape[1])[None, :] < lengths[:, None]
    bad = ~np.isfinite(array) & real[..., None]
    if bad.any():
        series, step, channel = (int(v[0]) for v in np.nonzero(bad))
        raise DataError(f"{name}: NaN or inf inside series {series} at time step {step} (channel {channel}), "
                        f"{int(bad.sum())} values in all; expected finite values up to each series' end")


# ------------------------------------------------------------- sliding windows


def window_starts(n_steps: int, window: int, stride: int) -> np.ndarray:
    """Start of each window; the last window always ends at the series' end."""
    if window < 1 or stride < 1:
        raise DataError(f"window and stride must be >= 1; got window={window}, stride={stride}")
    if window > n_steps:
        raise DataError(f"window ({window}) is longer than the series ({n_steps} steps); "
                        "use a shorter window")
    starts = list(range(0, n_steps - window + 1, stride))
    if starts[-1] != n_steps - window:
        starts.append(n_steps - window)
    return np.asarray(starts, dtype=np.int64)


@fill_doc
def sliding_windows(series: Any, window: int, stride: int = 1) -> np.ndarray:
    """Cut one long series (T,) or (T, C) into windows (n_windows, window[, C]).

    Windows start every ``stride`` steps; one more window is added at the
    end if needed so that every step is covered. See :func:`windows_to_steps`
    for the way back.

    Parameters
    ----------
    %(long_series)s
    window : int
        Steps per window.
    stride : int, default=1
        Steps between window starts.

    Returns
    -------
    numpy.ndarray of float32
        (n_windows, window) for a 1-d series, else (n_windows, window, C).

    Raises
    ------
    aekit.exceptions.DataError
        A window longer than the series, a window or stride below 1, or NaN
        or inf values.

    Examples
    --------
    >>> sliding_windows(np.arange(5.0), window=3, stride=2)
    array([[0., 1., 2.],
           [2., 3., 4.]], dtype=float32)
    """
    array = _long_series(series)
    starts = window_starts(len(array), window, stride)
    windows = np.stack([array[s:s + window] for s in starts])
    return windows[..., 0] if np.ndim(series) == 1 else windows


def windows_to_steps(values: Any, n_steps: int, window: int, stride: int = 1) -> np.ndarray:
    """Map per-window values back to the steps of the long series.

    Each step gets the mean over the windows that cover it (the windows of
    :func:`sliding_windows` with the same ``window`` and ``stride``).

    Parameters
    ----------
    values : array-like of shape (n_windows,) or (n_windows, window)
        One value per window, or one per window step.
    n_steps : int
        Length of the long series.
    window : int
        Steps per window.
    stride : int, default=1
        Steps between window starts.

    Returns
    -------
    numpy.ndarray of shape (n_steps,)
        One value per step.

    Raises
    ------
    aekit.exceptions.DataError
        ``values`` of another number of windows than ``window`` and ``stride`` give.

    Examples
    --------
    >>> import numpy as np
    >>> windows_to_steps(np.array([1.0, 3.0]), n_steps=5, window=3, stride=2).tolist()
    [1.0, 1.0, 2.0, 3.0, 3.0]
    """
    starts = window_starts(n_steps, window, stride)
    values = np.asarray(values, dtype=np.float64)
    if values.shape not in ((len(starts),), (len(starts), window)):
        raise DataError(f"expected {len(starts)} window values (or {len(starts)} x {window}) for a series of "
                        f"{n_steps} steps with window={window}, stride={stride}; got shape {values.shape}")
    per_step = np.broadcast_to(values[:, None] if values.ndim == 1 else values, (len(starts), window))
    total, count = np.zeros(n_steps), np.zeros(n_steps)
    for start, row in zip(starts, per_step):
        total[start:start + window] += row
        count[start:start + window] += 1
    return total / count


def flagged_segments(flags: Any) -> list[tuple[int, int]]:
    """Runs of consecutive flagged (nonzero) steps.

    Parameters
    ----------
    flags : array-like of shape (T,)
        0 / 1 (or boolean) per step.

    Returns
    -------
    list of (int, int)
        ``(start, end)`` of each run, ``end`` exclusive.

    Examples
    --------
    >>> flagged_segments([0, 1, 1, 0, 0, 1])
    [(1, 3), (5, 6)]
    """
    flags = np.asarray(flags, dtype=bool).astype(np.int8)
    edges = np.diff(np.r_[0, flags, 0])
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def _long_series(series: Any) -> np.ndarray:
    array = np.asarray(series, dtype=np.float32)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or len(array) == 0:
        raise DataError(f"expected one series of shape (T,) or (T, C); got shape {array.shape}")
    check_data(array, name="series")  # NaN / inf
    return array


# ------------------------------------------------------------- user files


@dataclasses.dataclass
class SeriesData:
    """Series read from a file by :func:`load_series`.

    Attributes
    ----------
    X : numpy.ndarray of shape (N, T, C), float32
        The series, zero-padded after each one's end.
    lengths : numpy.ndarray of shape (N,), int64
        Real steps of each series.
    ids : numpy.ndarray of shape (N,)
        One id per series (the file's ids, or 0..N-1).
    y : numpy.ndarray of shape (N,) or None
        Labels, when the file has a label column.

    Examples
    --------
    >>> import pandas as pd
    >>> pd.DataFrame({"id": [7, 7, 7, 9, 9], "time": [0, 1, 2, 0, 1],
    ...               "value": [1.0, 2.0, 3.0, 5.0, 6.0]}).to_csv("long.csv", index=False)
    >>> data = load_series("long.csv")
    >>> data.X.shape, data.lengths.tolist(), data.ids.tolist(), data.X[1, :, 0].tolist()
    ((2, 3, 1), [3, 2], [7, 9], [5.0, 6.0, 0.0])
    """

    X: np.ndarray
    lengths: np.ndarray
    ids: np.ndarray
    y: np.ndarray | None = None


def load_series(path: str | Path, *, layout: str = "auto", id_column: str = "id", time_column: str = "time",
                label_column: str | None = None, length_column: str = "length") -> SeriesData:
    """Read series from ``.npy`` ((N, T) or (N, T, C)) or CSV.

    CSV ``layout="long"``: one row per (series, time step) with ``id_column``,
    ``time_column`` and one value column per channel; series may differ in
    length. ``layout="wide"``: one row per series, one column per time step;
    shorter series leave their last cells empty and need ``length_column``.
    ``"auto"`` picks long when the id and time columns are there.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.npy`` or ``.csv`` file.
    layout : {"auto", "long", "wide"}, default="auto"
        The CSV's layout.
    id_column, time_column : str, default="id", "time"
        The long layout's series id and time step columns.
    label_column : str or None, default=None
        A column holding each series' label.
    length_column : str, default="length"
        The wide layout's column of series lengths (for ragged series).

    Returns
    -------
    SeriesData
        ``X`` (N, T, C) zero-padded, ``lengths``, ``ids`` and ``y``.

    Raises
    ------
    aekit.exceptions.DataError
        A missing or unreadable file, a layout its columns do not fit, or
        NaN inside a series.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> path = f"{tempfile.mkdtemp()}/series.csv"
    >>> pd.DataFrame({"id": [1, 1, 1, 2, 2], "time": [0, 1, 2, 0, 1],
    ...               "value": [0.1, 0.2, 0.3, 1.0, 0.9]}).to_csv(path, index=False)
    >>> data = load_series(path)
    >>> data.X.shape, data.lengths.tolist()
    ((2, 3, 1), [3, 2])
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    try:
        if path.suffix.lower() == ".npy":
            array = np.load(path, allow_pickle=False)
        else:
            frame = pd.read_csv(path)
    except (ValueError, OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError) as err:
        # pandas' EmptyDataError and ParserError, numpy's truncated or pickled .npy
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise DataError(f"{path.name} cannot be read as series ({reason}); expected a .npy array of shape "
                        "(N, T) or (N, T, C), or a CSV with a header") from None
    if path.suffix.lower() == ".npy":
        X, lengths = check_series(array, name=path.name)
        return SeriesData(X, lengths, np.arange(len(X)))
    if layout == "auto":
        layout = "long" if {id_column, time_column} <= set(frame.columns) else "wide"
    if layout == "long":
        return _long_table(frame, path.name, id_column, time_column, label_column)
    if layout != "wide":
        raise DataError(f"layout must be 'auto', 'long' or 'wide'; got {layout!r}")
    return _wide_table(frame, path.name, label_column, length_column)


def _long_table(frame, name: str, id_column: str, time_column: str, label_column: str | None) -> SeriesData:
    missing = [c for c in (id_column, time_column, label_column) if c is not None and c not in frame.columns]
    if missing:
        raise DataError(f"{name} has no column(s) {missing}; expected {id_column}, {time_column} and value columns "
                        f"(columns are {list(frame.columns)[:8]})")
    values = [c for c in frame.columns if c not in (id_column, time_column, label_column)]
    if not values:
        raise DataError(f"{name} has no value columns besides {id_column} and {time_column}")
    groups = list(frame.sort_values([id_column, time_column]).groupby(id_column, sort=False))
    series = [check_data(g[values], name=f"{name} series {key!r}", allow_nan=False) for key, g in groups]
    X, lengths = check_series(series if len(series) > 1 else np.stack(series), name=name)
    y = np.asarray([g[label_column].iloc[0] for _, g in groups]) if label_column else None
    return SeriesData(X, lengths, np.asarray([key for key, _ in groups]), y)


def _wide_table(frame, name: str, label_column: str | None, length_column: str) -> SeriesData:
    y = frame.pop(label_column).to_numpy() if label_column else None
    lengths = frame.pop(length_column).to_numpy() if length_column in frame.columns else None
    X, lengths = check_series(frame, lengths, name=name)
    return SeriesData(X, lengths, np.arange(len(X)), y)
