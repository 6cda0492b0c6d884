"""torch's intra-op thread count, set or kept for a block of code.

It sits at the package's root because three layers need it: training (a fit's
``num_threads``), the CLI, and the code that runs UMAP (``estimators`` for
N2D, ``viz`` for the reports' code maps). UMAP's numba code resets the OpenMP
runtime torch shares to every core, so a later fit in the same process would
run on more threads than its caller asked for; wrapping the UMAP call in
``intra_op_threads(None)`` gives the caller's count back.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch


@contextmanager
def intra_op_threads(num_threads: int | None):
    """Run with ``num_threads`` intra-op threads (``None``: as they are), then restore the previous number."""
    previous = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
