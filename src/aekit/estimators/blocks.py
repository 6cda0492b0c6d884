"""Using a fitted estimator on data larger than memory: one block at a time,
each result written as it comes."""

from __future__ import annotations

from pathlib import Path

from aekit.data.blocks import BlockWriter, open_blocks

METHODS = ("transform", "reconstruct", "score_samples")


def apply_by_blocks(estimator, X, method: str, output: str | Path, block_rows: int | None = None) -> tuple[int, int]:
    """Write ``estimator.<method>`` of every row of ``X`` (a ``.npy`` / ``.parquet``
    path, an np.memmap or a BlockSource) to ``output`` (``.npy``, ``.csv`` or
    ``.parquet``), holding one block in memory at a time. Returns the shape written."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    source = open_blocks(X, block_rows)
    apply = getattr(estimator, method)
    columns = _output_columns(estimator, method, source)
    with BlockWriter(output, source.n_rows, columns) as writer:
        for block in source:
            writer.write(apply(block))
    return source.n_rows, len(columns)


def _output_columns(estimator, method: str, source) -> list[str]:
    if method == "transform":
        return [str(c) for c in estimator.get_feature_names_out()]
    if method == "score_samples":
        return ["score"]
    return list(source.columns or [f"x{i}" for i in range(source.n_features)])
