"""How much memory is left, and refusing work that would not fit before the OS kills the process.

Light on imports on purpose: the data layer uses it without torch.
"""

from __future__ import annotations

import os
from pathlib import Path

from aekit.exceptions import DataError

__all__ = ["available_memory", "check_fits_in_memory"]

_CGROUP = Path("/sys/fs/cgroup")


def available_memory() -> int | None:
    """Bytes of memory available now, or None where it cannot be told.

    Linux: ``MemAvailable`` of /proc/meminfo (free memory plus the page cache the
    kernel can drop: free memory alone counts a file just read as used), capped
    by the cgroup's limit (a container's) less its usage; elsewhere the free
    physical pages.

    Returns
    -------
    int or None

    Examples
    --------
    >>> from aekit.memory import available_memory
    >>> available_memory() is None or available_memory() > 0
    True
    """
    found = [n for n in (_meminfo_available(), _cgroup_room()) if n is not None]
    if found:
        return min(found)
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return None


def _cgroup_room() -> int | None:
    try:
        limit = (_CGROUP / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return max(int(limit) - int((_CGROUP / "memory.current").read_text()), 0)
    except (OSError, ValueError):
        return None


def check_fits_in_memory(n_bytes: int, what: str, fix: str = "ask for fewer at a time") -> None:
    """Refuse ``what`` when it needs more than the memory available now.

    Parameters
    ----------
    n_bytes : int
        What the work needs, estimated.
    what : str
        The work, as the message names it ("drawing n=... samples").
    fix : str
        What to do instead, appended to the message.

    Raises
    ------
    aekit.exceptions.DataError
        ``n_bytes`` is more than :func:`available_memory`.

    Examples
    --------
    >>> from aekit.memory import check_fits_in_memory
    >>> check_fits_in_memory(1024, "a tiny request")  # fits: nothing happens
    """
    free = available_memory()
    if free is not None and n_bytes > free:
        raise DataError(f"{what} needs about {_size(n_bytes)}, more than the {_size(free)} of memory available; "
                        f"{fix}")


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 2**30:,.1f} GiB" if n_bytes >= 2**30 else f"{n_bytes / 2**20:,.1f} MiB"
