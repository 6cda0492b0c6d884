"""File readers that several data modules share (below the loaders, the registry and the ratings).

Optional readers (pyarrow) are imported when a file needs them.
"""

from __future__ import annotations

from pathlib import Path

from aekit.exceptions import DataError


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
