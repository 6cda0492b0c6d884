"""Using a fitted estimator on data larger than memory: one block at a time,
each result written as it comes."""

from __future__ import annotations

from pathlib import Path

from aekit.data.blocks import BlockWriter, open_blocks

METHODS = ("transform", "reconstruct", "score_samples")


def apply_by_blocks(estimator, X, method: str, output: str | Path, block_rows: int | None = None) -> tuple[int, int]:
    """Apply a fitted estimator to data larger than memory, one block at a time.

    Each block's result is written to ``output`` as it comes, so memory holds
    one block at a time.

    Parameters
    ----------
    estimator : AutoencoderEstimator
        A fitted estimator.
    X : str, pathlib.Path, numpy.memmap or BlockSource
        A ``.npy`` / ``.parquet`` path, a memory map, or a BlockSource
        (:func:`aekit.data.blocks.open_blocks`).
    method : {"transform", "reconstruct", "score_samples"}
        Which of the estimator's methods to apply.
    output : str or pathlib.Path
        The file to write: ``.npy``, ``.csv`` or ``.parquet``.
    block_rows : int, optional
        Rows per block (default: about 64 MB of rows; a Parquet row group).

    Returns
    -------
    tuple of (int, int)
        The shape written: rows, columns.

    Raises
    ------
    ValueError
        An unknown ``method``.
    aekit.exceptions.DataError
        A file that cannot be read in blocks, or an unknown output format.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from aekit import MarginalizedDenoisingAutoencoder
    >>> from aekit.data import load_dataset
    >>> from aekit.estimators.blocks import apply_by_blocks
    >>> folder = tempfile.mkdtemp()
    >>> X = load_dataset("digits").X_train
    >>> np.save(f"{folder}/rows.npy", X)
    >>> msda = MarginalizedDenoisingAutoencoder(n_layers=1).fit(X)
    >>> apply_by_blocks(msda, f"{folder}/rows.npy", "score_samples", f"{folder}/scores.csv", block_rows=500)
    (1437, 1)
    """
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
