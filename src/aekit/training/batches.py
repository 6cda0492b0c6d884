"""In-memory batching by tensor slicing.

A DataLoader over a TensorDataset collates every sample one by one; for data
that already sit in one tensor, slicing a shuffled index is much cheaper.
"""

from __future__ import annotations

import math

import torch


class TensorBatches:
    """Iterate over ``data`` in batches of ``batch_size`` rows.

    With ``shuffle``, the order of epoch ``e`` is a permutation drawn from
    ``seed`` and ``e`` alone, so a resumed run sees the same batches as an
    uninterrupted one. Lightning calls ``sampler.set_epoch(e)`` before each
    epoch; this object is its own sampler for that purpose.
    """

    def __init__(self, data: torch.Tensor, batch_size: int, shuffle: bool = False, seed: int = 0):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.data = data
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0
        self.sampler = self  # Lightning looks for .sampler.set_epoch and .batch_sampler
        self.batch_sampler = None

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return math.ceil(len(self.data) / self.batch_size)

    def __iter__(self):
        n = len(self.data)
        if self.shuffle:
            generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
            order = torch.randperm(n, generator=generator)
            data = self.data[order]
        else:
            data = self.data
        for start in range(0, n, self.batch_size):
            yield data[start:start + self.batch_size]
