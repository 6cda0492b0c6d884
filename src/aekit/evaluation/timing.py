"""Wall-clock timing of fits and throughput of encoders."""

from __future__ import annotations

import time
from typing import Any, Callable

from aekit.exceptions import DataError


def timed(fn: Callable, *args, **kwargs) -> tuple[Any, float]:
    """Call ``fn(*args, **kwargs)``; return ``(result, seconds)`` (time.perf_counter)."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def throughput(fn: Callable, X, repeats: int = 3) -> float:
    """Samples per second of ``fn(X)``, from the best of ``repeats`` runs.

    The best (not the mean) run is used because slower runs measure the
    machine's other work, not ``fn``.
    """
    if repeats < 1:
        raise DataError(f"repeats: expected an integer >= 1, got {repeats}")
    n_samples = len(X)
    if n_samples == 0:
        raise DataError("X: expected at least one sample, got an empty array")
    best = min(timed(fn, X)[1] for _ in range(repeats))
    return n_samples / max(best, 1e-12)
