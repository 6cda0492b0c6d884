"""File readers that several data modules share (below the loaders, the registry and the ratings).

Optional readers (pyarrow) are imported when a file needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aekit.exceptions import DataError

# How a CSV's cells become missing values. An empty cell is missing in every column. The words
# pandas reads as missing by default (NA, NaN, None, NULL, n/a, #N/A, ...) are missing only in a
# column that is otherwise numeric; in a text column they are values like any other, so that a
# category named "None" (no garage), "NA" (North America) or "null" survives the round trip.
MISSING_WORDS = frozenset({"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                           "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})


def read_csv(source: Any, **options):
    r"""A CSV file (or buffer) as a DataFrame, with aekit's missing-value policy (:data:`MISSING_WORDS`):
    empty cells are missing everywhere, words such as "NA" or "None" only in numeric columns.

    Parameters
    ----------
    source : path or file-like
        What :func:`pandas.read_csv` reads.
    **options
        Passed on to :func:`pandas.read_csv` (``header``, ``sep``, ``chunksize``, ...; with
        ``chunksize`` each chunk is converted as it is read).

    Returns
    -------
    pandas.DataFrame, or an iterator of them with ``chunksize``

    Examples
    --------
    >>> import io
    >>> frame = read_csv(io.StringIO("garage,area\nNone,10\nattached,NA\n,12\n"))
    >>> frame["garage"].tolist(), frame["area"].tolist()
    (['None', 'attached', nan], [10.0, nan, 12.0])
    """
    import pandas as pd

    frames = pd.read_csv(source, keep_default_na=False, na_values=[""], **options)
    if options.get("chunksize") is not None:
        return (missing_words_in_numbers(chunk) for chunk in frames)
    return missing_words_in_numbers(frames)


def missing_words_in_numbers(frame):
    """``frame`` with the :data:`MISSING_WORDS` of its otherwise numeric text columns made NaN and
    those columns made numeric (in place; returned)."""
    import pandas as pd

    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
            continue
        words = values.isin(MISSING_WORDS)
        if not words.any():
            continue
        rest = values.where(~words)
        numbers = pd.to_numeric(rest, errors="coerce")
        if numbers.notna().any() and numbers.notna().sum() == rest.notna().sum():
            frame[column] = numbers
    return frame


def read_parquet(path: Path):
    """A Parquet file as a pandas DataFrame.

    Parameters
    ----------
    path : Path
        The ``.parquet`` file.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataError
        pyarrow is not installed (``pip install 'aekit[parquet]'``), or the file is not valid Parquet.

    Examples
    --------
    >>> read_parquet(Path("ratings.parquet"))  # doctest: +SKIP
    """
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(
            f"reading {path.name} needs pyarrow, which is not installed; install aekit[parquet] "
            "(pip install 'aekit[parquet]')."
        ) from None
    try:
        return pq.read_table(path).to_pandas()
    except Exception as exc:  # pyarrow raises its own ArrowInvalid, OSError, ...
        raise DataError(f"could not read {path.name} as Parquet: {' '.join(str(exc).split())}") from None
