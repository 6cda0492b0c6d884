"""Atomic, durable file writes: the one helper behind model files, training
checkpoints, training histories and data files aekit writes.

A file is written to a temporary name in its own folder, flushed and
``fsync``ed, renamed over the target (atomic on POSIX and Windows), and the
folder is ``fsync``ed so that the rename itself survives a power cut. A reader
thus sees the old file or the new one, never half of one. A writer killed in
the middle leaves its temporary file behind; the next write of the same path
removes it (temporary names carry the writer's process id, so a live writer's
file is left alone).

Light on imports on purpose: the data layer uses it without torch.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

TEMP_SUFFIX = ".tmp"


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or no way to tell: leave its file alone
    return True


def stale_temp_files(path: str | Path) -> list[Path]:
    """Temporary files of interrupted writes of ``path`` (their writer is gone).

    Also the ``<name>.tmp`` files that aekit up to 0.x left beside a model file.
    """
    path = Path(path)
    if not path.parent.is_dir():
        return []
    stale = []
    prefix = _temp_prefix(path)
    for candidate in path.parent.iterdir():
        name = candidate.name
        if name == path.name + TEMP_SUFFIX:  # the older fixed temp name
            stale.append(candidate)
        elif name.startswith(prefix) and name.endswith(TEMP_SUFFIX):
            pid = name[len(prefix):-len(TEMP_SUFFIX)].split(".")[0]
            if pid.isdigit() and not _alive(int(pid)):
                stale.append(candidate)
    return stale


def fsync_folder(folder: str | Path) -> None:
    """Make a rename (or a new file) in ``folder`` durable; a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the rename is still atomic
    finally:
        os.close(fd)


def fsync_file(path: str | Path) -> None:
    """Make a file written by someone else (pooch's download, renamed into place) durable:
    fsync its data, then its folder's entry.

    Parameters
    ----------
    path : str or Path
        An existing file.

    Raises
    ------
    OSError
        The file cannot be opened.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "rows.csv"
    >>> _ = target.write_text("a,b")
    >>> fsync_file(target)
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_folder(Path(path).parent)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` when the block ends without error.

    Parameters
    ----------
    path : str or Path
        The file to (re)write. Missing parent folders are created.
    mode : {"wb", "w"}, default="wb"
        Binary or text.
    encoding : str, optional
        Text mode's encoding (default UTF-8).

    Yields
    ------
    file object
        Write to it; do not close it.

    Raises
    ------
    OSError
        As the file system raises it; the target is then left as it was and
        the temporary file removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "numbers.txt"
    >>> with atomic_write(target, "w") as f:
    ...     _ = f.write("1 2 3")
    >>> target.read_text()
    '1 2 3'
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in stale_temp_files(path):
        with contextlib.suppress(OSError):
            stale.unlink()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{_temp_prefix(path)}{os.getpid()}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, mode, encoding=(encoding or "utf-8") if mode == "w" else None) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # as any new file, not mkstemp's private 600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    fsync_folder(path.parent)


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` with :func:`atomic_write`: all of it, or nothing.

    Parameters
    ----------
    path : str or Path
        The file (replaced if it exists).
    data : bytes
        Its new content.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> write_bytes_atomic("model.bin", b"abc").read_bytes()
    b'abc'
    >>> import os; sorted(os.listdir("."))   # no temporary file left beside it
    ['model.bin']
    """
    with atomic_write(path) as f:
        f.write(data)
    return Path(path)
