"""Wall-clock timing of fits and throughput of encoders."""

from __future__ import annotations

import time
from typing import Any, Callable

from aekit.exceptions import DataError


def timed(fn: Callable, *args, **kwargs) -> tuple[Any, float]:
    """Call ``fn(*args, **kwargs)``; return ``(result, seconds)`` (time.perf_counter).

    Parameters
    ----------
    fn : callable
        What to time.
    *args, **kwargs
        Its arguments.

    Returns
    -------
    result : object
        What ``fn`` returned.
    seconds : float
        Wall-clock time of the call.

    Examples
    --------
    >>> result, seconds = timed(sum, range(1000))
    >>> result, seconds >= 0
    (499500, True)
    """
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def throughput(fn: Callable, X, repeats: int = 3) -> float:
    """Samples per second of ``fn(X)``, from the best of ``repeats`` runs.

    The best (not the mean) run is used because slower runs measure the
    machine's other work, not ``fn``.

    Parameters
    ----------
    fn : callable
        Called as ``fn(X)`` (e.g. a model's ``transform``).
    X : sized
        The samples (``len(X)`` of them).
    repeats : int, default=3
        How many runs to take the best of.

    Returns
    -------
    float
        Samples per second.

    Raises
    ------
    aekit.exceptions.DataError
        ``repeats`` below 1, or no samples.

    Examples
    --------
    >>> import time
    >>> rate = throughput(lambda X: time.sleep(0.01), list(range(100)), repeats=2)
    >>> 1000 < rate <= 10000    # 100 samples in a little over 10 ms
    True
    """
    if repeats < 1:
        raise DataError(f"repeats: expected an integer >= 1, got {repeats}")
    n_samples = len(X)
    if n_samples == 0:
        raise DataError("X: expected at least one sample, got an empty array")
    best = min(timed(fn, X)[1] for _ in range(repeats))
    return n_samples / max(best, 1e-12)
