"""Downloads with pinned SHA-256 hashes, through pooch.

pooch streams a download to a temporary file in the target folder and moves it
into place only when its hash matches; otherwise it deletes it. The file and
its folder are then fsynced (a power cut does not lose a finished download). This module
adds aekit's data folder and turns pooch's and requests' errors into one-line
:class:`~aekit.exceptions.DatasetUnavailableError` messages.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pooch

from aekit.exceptions import DataError, DatasetUnavailableError
from aekit.files import fsync_file

__all__ = ["DATA_HOME_ENV", "default_data_home", "fetch_file", "resolve_data_home"]

DATA_HOME_ENV = "AEKIT_DATA"

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_GOT_HASH = re.compile(r"but got ([0-9a-fA-F]+)")
# urllib3 prefixes its messages with the connection's repr: "HTTPConnection(host='...', port=80): ".
_CONNECTION_REPR = re.compile(r"^<?\w*Connection(?:Pool)?\(.*?\)>?:\s*")


def default_data_home() -> Path:
    """Where aekit keeps downloaded data: ``$AEKIT_DATA``, else the user cache (``~/.cache/aekit`` on Linux).

    Returns
    -------
    Path

    Examples
    --------
    >>> import os
    >>> os.environ["AEKIT_DATA"] = "~/aekit-data"
    >>> default_data_home().name
    'aekit-data'
    >>> del os.environ["AEKIT_DATA"]
    """
    configured = os.environ.get(DATA_HOME_ENV)
    return Path(configured).expanduser() if configured else Path(pooch.os_cache("aekit"))


def resolve_data_home(data_home: str | Path | None = None) -> Path:
    """The folder for downloaded data: ``data_home`` (``~`` expanded), or :func:`default_data_home` when None.

    Parameters
    ----------
    data_home : str or Path, optional
        A folder chosen by the caller.

    Returns
    -------
    Path

    Examples
    --------
    >>> resolve_data_home("~/data").name
    'data'
    """
    return Path(data_home).expanduser() if data_home is not None else default_data_home()


def fetch_file(
    url: str,
    sha256: str,
    *,
    data_home: str | Path | None = None,
    fname: str | None = None,
    progress: bool = False,
) -> Path:
    """Return the local path of ``url``'s file, downloading it if needed.

    A file already in ``data_home`` with the right hash is used as is; one
    with a wrong hash is downloaded again. A download whose hash differs from
    ``sha256`` is deleted, never kept.

    Parameters
    ----------
    url : str
        Where to download from (http, https or ftp).
    sha256 : str
        The expected SHA-256 of the file, as 64 hex digits.
    data_home : str or Path, optional
        Folder to keep the file in; default :func:`default_data_home`.
    fname : str, optional
        File name in ``data_home``; default the last part of the URL.
    progress : bool, default=False
        Show a progress bar (needs tqdm).

    Returns
    -------
    Path
        The file in ``data_home``.

    Raises
    ------
    aekit.exceptions.DataError
        ``sha256`` is not 64 hexadecimal digits.
    aekit.exceptions.DatasetUnavailableError
        The download failed (network, HTTP error) or its hash did not match.

    Examples
    --------
    A file already there with the right hash is not downloaded again:

    >>> import hashlib, pathlib
    >>> _ = pathlib.Path("cache").mkdir(), pathlib.Path("cache/rows.csv").write_text("a,b\\n1,2\\n")
    >>> digest = hashlib.sha256(pathlib.Path("cache/rows.csv").read_bytes()).hexdigest()
    >>> fetch_file("https://example.invalid/rows.csv", digest, data_home="cache").read_text()
    'a,b\\n1,2\\n'
    """
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        raise DataError(f"sha256 must be 64 hexadecimal digits; got {sha256!r}.")
    folder = resolve_data_home(data_home)
    fname = fname or url.rstrip("/").rsplit("/", 1)[-1]
    target = folder / fname
    try:
        path = pooch.retrieve(
            url,
            known_hash=f"sha256:{sha256.lower()}",
            fname=fname,
            path=folder,
            progressbar=progress and importlib.util.find_spec("tqdm") is not None,
        )
    except ValueError as exc:
        if "hash" not in str(exc):
            raise _download_failed(url, target, exc) from None
        got = _GOT_HASH.search(str(exc))
        raise DatasetUnavailableError(
            f"downloaded {url} but its SHA-256 is wrong: expected {sha256.lower()}, "
            f"got {got.group(1) if got else 'a different hash'}; the file was deleted."
        ) from None
    except OSError as exc:  # requests' errors derive from OSError, as do disk and permission errors
        raise _download_failed(url, target, exc) from None
    fsync_file(path)  # pooch renames the verified download into place but fsyncs nothing
    return Path(path)


def _download_failed(url: str, target: Path, exc: BaseException) -> DatasetUnavailableError:
    return DatasetUnavailableError(
        f"could not download {url}: {_reason(exc)}; place the file at {target} or check your connection."
    )


def _reason(exc: BaseException) -> str:
    """A short, one-line reason for a failed download."""
    response = getattr(exc, "response", None)
    if response is not None:
        return f"HTTP {response.status_code} {response.reason}".strip()
    cause = exc
    if exc.args and hasattr(exc.args[0], "reason"):  # requests wraps urllib3's MaxRetryError
        cause = exc.args[0].reason or exc
    text = _CONNECTION_REPR.sub("", " ".join(str(cause).split())) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
