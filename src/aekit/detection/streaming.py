"""Reading a large table in chunks at constant memory, for scoring.

CSV goes through pandas' chunked reader, Parquet through pyarrow's record
batches, ``.npy`` through :class:`aekit.data.blocks.NpyBlocks` (plain reads at
an offset, not a memory map: the pages of a mapped file stay in the process's
resident memory once touched, so its RSS grew with the file); each chunk is a DataFrame (or an
array for ``.npy``) of at most ``chunk_size`` rows. :func:`count_rows` gives
the total for a progress bar without loading the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from aekit.data.loaders import is_header  # the header rule of load_table
from aekit.exceptions import DataError

STREAMABLE = (".csv", ".csv.gz", ".parquet", ".npy")


def table_kind(path: Path) -> str:
    name = path.name.lower()
    kind = next((s for s in STREAMABLE if name.endswith(s)), None)
    if kind is None:
        raise DataError(f"cannot stream {path.name}; expected one of {', '.join(STREAMABLE)}")
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    if path.stat().st_size == 0:
        raise DataError(f"{path.name} is empty; expected a table with at least one row")
    return kind


def csv_has_header(path: Path) -> bool:
    """Whether the first line is a header (the rule of :func:`aekit.data.load_table`)."""
    import pandas as pd

    try:
        first = pd.read_csv(path, header=None, nrows=1, dtype=str).iloc[0]
    except (pd.errors.EmptyDataError, IndexError):  # blank lines only (found by tests/test_fuzz.py)
        raise DataError(f"{path.name} is empty; expected a table with at least one row") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"could not read {path.name} as CSV: {' '.join(str(exc).split())}") from None
    return is_header(first)


def count_rows(path: Path) -> int:
    """Data rows in the file, read without loading it (for a progress bar)."""
    kind = table_kind(path)
    if kind == ".parquet":
        import pyarrow.parquet as pq
        return pq.ParquetFile(path).metadata.num_rows
    if kind == ".npy":
        return np.load(path, mmap_mode="r", allow_pickle=False).shape[0]
    import gzip
    opener = gzip.open if kind == ".csv.gz" else open
    with opener(path, "rb") as f:
        lines = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))
    return max(0, lines - (1 if csv_has_header(path) else 0))


def iter_chunks(path: str | Path, chunk_size: int = 10_000) -> Iterator:
    """Chunks of at most ``chunk_size`` rows: DataFrames (CSV, Parquet) or arrays (.npy)."""
    path = Path(path)
    kind = table_kind(path)
    if kind == ".parquet":
        import pyarrow.parquet as pq
        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_size):
            yield batch.to_pandas()
    elif kind == ".npy":
        from aekit.data.blocks import NpyBlocks

        source = NpyBlocks(path, block_rows=chunk_size)
        for block in range(source.n_blocks):
            yield source.raw(block)
    else:
        yield from _csv_chunks(path, chunk_size)


def _csv_chunks(path: Path, chunk_size: int) -> Iterator:
    """A CSV's chunks (none for a header only); a file pandas cannot parse (ragged rows, not
    text) is a DataError naming it, also when the bad line comes in a later chunk."""
    import pandas as pd

    from aekit.data.files import read_csv

    try:
        for chunk in read_csv(path, header=0 if csv_has_header(path) else None, chunksize=chunk_size):
            if len(chunk):
                yield chunk
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:  # found by the slow fuzzing run
        raise DataError(f"could not read {path.name} as CSV: {' '.join(str(exc).split())}") from None
