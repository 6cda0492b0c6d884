"""In-memory batching by tensor slicing.

A DataLoader over a TensorDataset collates every sample one by one; for data
that already sit in one tensor, slicing a shuffled index is much cheaper.
Supervised and masked models train on several aligned tensors (inputs and
labels, series and lengths): pass a tuple, and each batch is a tuple of
the same rows of each.
"""

from __future__ import annotations

import math

import torch


class TensorBatches:
    """Iterate over ``data`` (a tensor, or a tuple of tensors with the same
    number of rows) in batches of ``batch_size`` rows.

    With ``shuffle``, the order of epoch ``e`` is a permutation drawn from
    ``seed`` and ``e`` alone, so a resumed run sees the same batches as an
    uninterrupted one. Lightning calls ``sampler.set_epoch(e)`` before each
    epoch; this object is its own sampler for that purpose.

    ``rows`` (int64 indices) restricts the batches to those rows of ``data``,
    in that order (shuffled with ``shuffle``), without copying them.
    """

    def __init__(self, data: torch.Tensor | tuple[torch.Tensor, ...], batch_size: int,
                 shuffle: bool = False, seed: int = 0, rows: torch.Tensor | None = None):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if isinstance(data, tuple) and len({len(t) for t in data}) != 1:
            raise ValueError(f"tensors in a batch tuple must have the same number of rows, "
                             f"got {[len(t) for t in data]}")
        self.data = data
        self.rows = rows
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0
        self.sampler = self  # Lightning looks for .sampler.set_epoch and .batch_sampler
        self.batch_sampler = None
        self.rank, self.world_size = 0, 1

    def shard(self, rank: int, world_size: int) -> None:
        """Distributed training: this process takes every ``world_size``-th row of each
        (global) batch, starting at ``rank``; every process sees the same number of
        batches of equal size, so averaging their gradients gives the global batch's."""
        self.rank, self.world_size = rank, world_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    @property
    def n_rows(self) -> int:
        if self.rows is not None:
            return len(self.rows)
        return batch_rows(self.data)

    def __len__(self) -> int:
        return math.ceil(_whole_shards(self.n_rows, self.world_size) / self.batch_size)

    def __iter__(self):
        tensors = self.data if isinstance(self.data, tuple) else (self.data,)
        order = self.rows
        if self.shuffle:
            generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
            permutation = torch.randperm(self.n_rows, generator=generator)
            order = permutation if order is None else order[permutation]
        n_rows = _whole_shards(self.n_rows, self.world_size)
        for start in range(0, n_rows, self.batch_size):
            part = slice(start, min(start + self.batch_size, n_rows))
            if order is None:
                batch = tuple(t[part][self.rank::self.world_size] for t in tensors)
            else:  # gather this batch's rows only
                batch = tuple(t[order[part][self.rank::self.world_size]] for t in tensors)
            yield batch if isinstance(self.data, tuple) else batch[0]


def batch_rows(batch) -> int:
    """Rows of a batch: one tensor, or a tuple (or list) of aligned tensors."""
    return len(batch[0]) if isinstance(batch, (tuple, list)) else len(batch)


def first_tensor(batch) -> torch.Tensor:
    """The first tensor of a batch (its rows): the batch itself, or the first of a tuple (or list)."""
    return batch[0] if isinstance(batch, (tuple, list)) else batch


def slice_batch(batch, part: slice):
    """Rows ``part`` of a batch, in the batch's own form (a tensor or a tuple of tensors)."""
    return tuple(t[part] for t in batch) if isinstance(batch, (tuple, list)) else batch[part]


def _whole_shards(n_rows: int, world_size: int) -> int:
    """Rows used in distributed training: a multiple of the number of processes
    (at most ``world_size - 1`` rows an epoch are left out, a different few each epoch)."""
    return n_rows - n_rows % world_size


class BlockBatches:
    """Batches read block by block from an :class:`aekit.data.blocks.BlockSource`
    (data larger than memory): one block in memory at a time.

    With ``shuffle``, epoch ``e`` visits the blocks in an order drawn from
    ``seed`` and ``e``, and the rows of each block in a random order: block
    shuffling, which needs no more memory than one block.
    """

    def __init__(self, source, blocks: list[int], batch_size: int, shuffle: bool = False, seed: int = 0):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.source, self.blocks = source, list(blocks)
        self.batch_size, self.shuffle, self.seed, self.epoch = batch_size, shuffle, seed, 0
        self.sampler, self.batch_sampler = self, None  # see TensorBatches
        self._lengths = source.block_lengths()
        self.rank, self.world_size = 0, 1

    shard = TensorBatches.shard  # every process reads each block and keeps its share of each batch

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    @property
    def n_rows(self) -> int:
        return sum(self._lengths[b] for b in self.blocks)

    def __len__(self) -> int:
        return sum(math.ceil(_whole_shards(self._lengths[b], self.world_size) / self.batch_size)
                   for b in self.blocks)

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        order = ([self.blocks[i] for i in torch.randperm(len(self.blocks), generator=generator)]
                 if self.shuffle else self.blocks)
        for block in order:
            rows = torch.from_numpy(self.source.read(block))
            if self.shuffle:
                rows = rows[torch.randperm(len(rows), generator=generator)]
            rows = rows[:_whole_shards(len(rows), self.world_size)]
            for start in range(0, len(rows), self.batch_size):
                yield rows[start:start + self.batch_size][self.rank::self.world_size]


class SparseRowBatches(TensorBatches):
    """Batches of rows of sparse matrices, densified one batch at a time.

    ``data`` is a scipy sparse matrix (or a tuple of them with the same number
    of rows); the whole matrix is never made dense. Each batch holds, for every
    matrix, the dense rows (float32) followed by a mask that is 1 where an
    entry is stored and 0 elsewhere, so a model can tell an observed 0 from a
    missing value: one matrix gives ``(values, mask)``, two give
    ``(values_a, mask_a, values_b, mask_b)``.
    """

    def __init__(self, data, batch_size: int, shuffle: bool = False, seed: int = 0):
        matrices = data if isinstance(data, tuple) else (data,)
        if len({m.shape[0] for m in matrices}) != 1:
            raise ValueError(f"sparse matrices in a batch tuple must have the same number of rows, "
                             f"got {[m.shape[0] for m in matrices]}")
        super().__init__(torch.empty(0), batch_size, shuffle, seed)
        self.data = tuple(m.tocsr() for m in matrices)

    @property
    def n_rows(self) -> int:
        return self.data[0].shape[0]

    def __iter__(self):
        if self.shuffle:
            generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
            order = torch.randperm(self.n_rows, generator=generator).numpy()
        else:
            order = None
        for start in range(0, self.n_rows, self.batch_size):
            rows = slice(start, start + self.batch_size) if order is None else order[start:start + self.batch_size]
            yield tuple(tensor for m in self.data for tensor in _dense_with_mask(m[rows]))


def _dense_with_mask(block) -> tuple[torch.Tensor, torch.Tensor]:
    import numpy as np

    values = torch.from_numpy(block.toarray().astype(np.float32, copy=False))
    mask = torch.zeros_like(values)
    rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
    mask[torch.from_numpy(rows), torch.from_numpy(block.indices.astype(np.int64))] = 1.0
    return values, mask
