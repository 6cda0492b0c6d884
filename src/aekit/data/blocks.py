"""Data larger than memory: read it in blocks of rows, write results block by block.

A :class:`BlockSource` is a table read one block at a time: a ``.npy`` file
(blocks of consecutive rows, read from the file rather than through a memory
map, so pages already used do not stay in the process's memory) or a Parquet
file (one block per row group). Training shuffles the order of the blocks
and the rows inside each block; inference goes through the blocks in order
and writes each result as it comes (:class:`BlockWriter`).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from aekit.data.validation import check_data
from aekit.exceptions import DataError
from aekit.files import atomic_write

__all__ = ["BlockSource", "BlockWriter", "NpyBlocks", "ParquetBlocks", "is_block_source", "open_blocks"]

BLOCK_BYTES = 64 << 20  # a block of a .npy file is about this large (at least 1,024 rows)
# np.memmap arrays at least this large are read block by block when given to fit.
OUT_OF_CORE_BYTES = 1 << 30


class BlockSource:
    """A table of ``n_rows`` x ``n_features`` float32 values read in blocks.

    Subclasses say how many blocks there are and read one; ``map`` gives a
    source whose blocks are transformed (e.g. scaled) as they are read.
    """

    n_rows: int
    n_features: int
    columns: list[str] | None = None
    name: str = "data"

    def __len__(self) -> int:
        return self.n_rows

    @property
    def shape(self) -> tuple[int, int]:
        return self.n_rows, self.n_features

    @property
    def n_blocks(self) -> int:
        raise NotImplementedError

    def _read(self, block: int) -> np.ndarray:
        raise NotImplementedError

    def block_lengths(self) -> list[int]:
        """Rows in each block."""
        raise NotImplementedError

    def raw(self, block: int) -> np.ndarray:
        """Block ``block`` as stored, unchecked (NaN kept: for callers that report such rows)."""
        return self._read(block)

    def read(self, block: int) -> np.ndarray:
        """Block ``block`` as a checked float32 array (NaN/inf refused, naming the block)."""
        return check_data(self._read(block), name=f"{self.name} (block {block + 1} of {self.n_blocks})",
                          n_features=self.n_features, estimator_name="the first block")

    def __iter__(self) -> Iterator[np.ndarray]:
        for block in range(self.n_blocks):
            yield self.read(block)

    def map(self, fn: Callable[[np.ndarray], np.ndarray]) -> BlockSource:
        return _MappedBlocks(self, fn)

    def fingerprint(self) -> dict:
        """What identifies the data for resuming (path, size and time of change)."""
        path = Path(getattr(self, "path", ""))
        stat = path.stat() if path.is_file() else None
        return {"source": str(path), "shape": list(self.shape),
                "bytes": stat.st_size if stat else None, "mtime_ns": stat.st_mtime_ns if stat else None}


class _MappedBlocks(BlockSource):
    def __init__(self, source: BlockSource, fn: Callable[[np.ndarray], np.ndarray]):
        self.source, self.fn = source, fn
        self.n_rows, self.n_features, self.columns, self.name = (source.n_rows, source.n_features,
                                                                 source.columns, source.name)

    @property
    def n_blocks(self) -> int:
        return self.source.n_blocks

    def block_lengths(self) -> list[int]:
        return self.source.block_lengths()

    def read(self, block: int) -> np.ndarray:
        return np.ascontiguousarray(self.fn(self.source.read(block)), dtype=np.float32)

    def fingerprint(self) -> dict:
        return self.source.fingerprint()


class NpyBlocks(BlockSource):
    """A 2-D ``.npy`` file (or an ``np.memmap`` of one) read ``block_rows`` rows at a time."""

    def __init__(self, path_or_memmap, block_rows: int | None = None):
        if block_rows is not None and block_rows < 1:
            raise ValueError(f"block_rows must be >= 1 or None, got {block_rows}")
        if isinstance(path_or_memmap, np.memmap):
            self._from_memmap(path_or_memmap)
        else:
            self._from_file(Path(path_or_memmap))
        self.name = self.path.name
        if len(self.shape) != 2 or self.n_rows == 0 or self.n_features == 0:
            raise DataError(f"{self.path.name} holds an array of shape {self.shape}; "
                            "expected a non-empty 2-D array (n_samples, n_features)")
        self.block_rows = block_rows or max(1024, BLOCK_BYTES // (self.n_features * self.dtype.itemsize))
        if self.dtype.kind not in "biuf":
            raise DataError(f"{self.path.name} holds {self.dtype} values; expected numbers")

    def _from_file(self, path: Path) -> None:
        if not path.is_file():
            raise DataError(f"no such file: {path}")
        with open(path, "rb") as f:
            try:
                version = np.lib.format.read_magic(f)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read_header(f)
            except ValueError as exc:
                raise DataError(f"{path.name} is not a readable .npy file ({exc})") from None
            self.offset = f.tell()
        if fortran:
            raise DataError(f"{path.name} is stored in Fortran (column) order; "
                            "save it in C order (np.save of np.ascontiguousarray(X))")
        self.path, self.dtype = path, np.dtype(dtype)
        self._shape = tuple(shape)
        self.n_rows, self.n_features = self._shape if len(self._shape) == 2 else (0, 0)

    def _from_memmap(self, array: np.memmap) -> None:
        if array.filename is None or not array.flags.c_contiguous or array.ndim != 2:
            raise DataError("a memory map read in blocks must be a C-ordered 2-D np.memmap of a file")
        self.path, self.dtype, self.offset = Path(array.filename), array.dtype, array.offset
        self.n_rows, self.n_features = array.shape
        self._shape = array.shape

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._shape)

    @property
    def n_blocks(self) -> int:
        return -(-self.n_rows // self.block_rows)

    def block_lengths(self) -> list[int]:
        return [min(self.block_rows, self.n_rows - b * self.block_rows) for b in range(self.n_blocks)]

    def _read(self, block: int) -> np.ndarray:
        start = block * self.block_rows
        rows = min(self.block_rows, self.n_rows - start)
        row_bytes = self.n_features * self.dtype.itemsize
        with open(self.path, "rb") as f:
            f.seek(self.offset + start * row_bytes)
            values = np.fromfile(f, dtype=self.dtype, count=rows * self.n_features)
        if values.size != rows * self.n_features:
            raise DataError(f"{self.path.name} is shorter than its header says (truncated?)")
        return values.reshape(rows, self.n_features)


class ParquetBlocks(BlockSource):
    """A Parquet file read one row group at a time (``columns``: which to use, default all)."""

    def __init__(self, path, columns: list[str] | None = None):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise DataError("reading Parquet needs pyarrow; install aekit[parquet]") from None
        self.path = Path(path)
        if not self.path.is_file():
            raise DataError(f"no such file: {self.path}")
        try:
            self._file = pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises its own ArrowInvalid, OSError, ...
            raise DataError(f"could not read {self.path.name} as Parquet: {' '.join(str(exc).split())}") from None
        names = list(self._file.schema_arrow.names)
        missing = [c for c in columns or [] if c not in names]
        if missing:
            raise DataError(f"{self.path.name} has no columns {missing}; it has {names[:10]}")
        self.columns = list(columns) if columns else names
        self.name = self.path.name
        self.n_rows, self.n_features = self._file.metadata.num_rows, len(self.columns)
        if self.n_rows == 0 or self.n_features == 0:
            raise DataError(f"{self.path.name} is empty ({self.n_rows} rows, {self.n_features} columns)")

    @property
    def n_blocks(self) -> int:
        return self._file.num_row_groups

    def block_lengths(self) -> list[int]:
        return [self._file.metadata.row_group(b).num_rows for b in range(self.n_blocks)]

    def _read(self, block: int) -> np.ndarray:
        table = self._file.read_row_group(block, columns=self.columns)
        return check_data(table.to_pandas(), name=f"{self.name} (row group {block + 1})")


def is_block_source(X) -> bool:
    """Whether ``fit`` reads ``X`` block by block: a BlockSource, or a large np.memmap."""
    return isinstance(X, BlockSource) or (isinstance(X, np.memmap) and X.nbytes >= OUT_OF_CORE_BYTES)


def open_blocks(X, block_rows: int | None = None) -> BlockSource:
    """A BlockSource for a BlockSource, an np.memmap, or a ``.npy`` / ``.parquet`` path."""
    if isinstance(X, BlockSource):
        return X
    if isinstance(X, np.memmap):
        return NpyBlocks(X, block_rows)
    path = Path(X)
    if path.suffix.lower() == ".npy":
        return NpyBlocks(path, block_rows)
    if path.suffix.lower() == ".parquet":
        return ParquetBlocks(path)
    raise DataError(f"cannot read {path.name} in blocks: expected a .npy or .parquet file")


class BlockWriter:
    """Write a 2-D result block by block to ``.npy``, ``.csv`` or ``.parquet``,
    without holding it whole. Use as a context manager; the file appears
    (renamed from a temporary name) only when every block was written.

    ``n_rows`` may be None when the number of rows is not known in advance (a
    CSV read in chunks): a ``.npy``'s rows then go to a temporary file in the
    same folder first, and are copied behind the header, block by block, at the end."""

    SUFFIXES = (".npy", ".csv", ".parquet")

    def __init__(self, path, n_rows: int | None, columns: list[str]):
        self.path = Path(path)
        self.suffix = self.path.suffix.lower()
        if self.suffix not in self.SUFFIXES:
            raise DataError(f"cannot write {self.path.name}: expected one of {self.SUFFIXES}")
        self.n_rows, self.columns, self.written = n_rows, list(columns), 0
        self._parquet = self._spool = None

    def __enter__(self) -> BlockWriter:
        self._writing = atomic_write(self.path)  # the file appears whole (and durable) or not at all
        self._file = self._writing.__enter__()
        if self.suffix == ".npy" and self.n_rows is None:
            self._spool = tempfile.TemporaryFile(dir=self.path.parent)  # the header needs the final row count
        elif self.suffix == ".npy":
            self._npy_header(self.n_rows)
        elif self.suffix == ".csv":
            self._file.write((",".join(self.columns) + "\n").encode())
        return self

    def _npy_header(self, n_rows: int) -> None:
        header = {"descr": "<f4", "fortran_order": False, "shape": (n_rows, len(self.columns))}
        np.lib.format.write_array_header_2_0(self._file, header)

    def write(self, block: np.ndarray) -> None:
        block = np.ascontiguousarray(block, dtype=np.float32).reshape(len(block), -1)
        if self.suffix == ".npy":
            (self._spool or self._file).write(block.tobytes())
        elif self.suffix == ".csv":
            np.savetxt(self._file, block, delimiter=",", fmt="%.9g")
        else:
            self._write_parquet(block)
        self.written += len(block)

    def _write_parquet(self, block: np.ndarray) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({name: block[:, i] for i, name in enumerate(self.columns)})
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self._file, table.schema)
        self._parquet.write_table(table)

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._spool is not None:
            with self._spool:
                if exc_type is None:
                    self._npy_header(self.written)
                    self._spool.seek(0)
                    shutil.copyfileobj(self._spool, self._file, BLOCK_BYTES)
        if exc_type is None and self.n_rows is not None and self.written != self.n_rows:
            exc = DataError(f"wrote {self.written} rows to {self.path.name}, expected {self.n_rows}")
            self._writing.__exit__(DataError, exc, None)  # drops the temporary file
            raise exc
        self._writing.__exit__(exc_type, exc, tb)


def fit_scaler_by_blocks(source: BlockSource, kind: str = "auto"):
    """A :class:`~aekit.data.Scaler` fitted in one pass over the blocks, equal to
    ``Scaler(kind).fit(X)`` on the whole table; ``kind="auto"`` chooses as
    :func:`~aekit.data.choose_scaling` does."""
    from aekit.data.scaling import Scaler

    stats = _BlockStats()
    for block in source:
        stats.add(block)
    if kind == "auto":
        kind = stats.choose_scaling()
    state = {"kind": kind, "n_features": source.n_features}
    if kind == "minmax":
        state.update(min=stats.low, max=stats.high)
    elif kind == "standard":
        state.update(mean=stats.mean.tolist(), std=np.sqrt(stats.m2 / stats.count).tolist())
    return Scaler.from_dict(state)


class _BlockStats:
    """Minimum, maximum, integrality, and per-column mean and spread merged block by
    block (Chan et al.'s pairwise update, stable for large offsets)."""

    def __init__(self):
        self.count, self.mean, self.m2 = 0, 0.0, 0.0
        self.low, self.high, self.integers = np.inf, -np.inf, True
        self.col_low, self.col_high = np.inf, -np.inf  # per-column ranges, for the shared-range rule

    def add(self, block: np.ndarray) -> None:
        values = block.astype(np.float64)
        self.low, self.high = min(self.low, float(values.min())), max(self.high, float(values.max()))
        self.integers = self.integers and bool(np.array_equal(values, np.round(values)))
        self.col_low = np.minimum(self.col_low, values.min(axis=0))
        self.col_high = np.maximum(self.col_high, values.max(axis=0))
        n, mean = len(values), values.mean(axis=0)
        m2 = ((values - mean) ** 2).sum(axis=0)
        total = self.count + n
        delta = mean - self.mean
        self.m2 = self.m2 + m2 + delta ** 2 * self.count * n / total
        self.mean = self.mean + delta * n / total
        self.count = total

    def choose_scaling(self) -> str:
        # the rule of aekit.data.scaling.choose_scaling, from statistics merged over blocks
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return "standard"
        if self.low >= 0 and self.high <= 1:
            return "minmax"
        from aekit.data.scaling import columns_share_range

        if self.low >= 0 and self.high <= 255 and self.integers and columns_share_range(self.col_low, self.col_high):
            return "minmax"
        return "standard"
