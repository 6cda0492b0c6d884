"""What ``aekit train`` records about its data so that ``aekit evaluate`` is honest.

A run folder's ``run.json`` holds the data's absolute path, a content hash
and the split (seed and test row indices). ``evaluate`` reads the data from
that path, refuses it if its content changed (it could then test on rows the
model trained on) and tests on exactly the recorded rows.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from aekit.exceptions import DataError

TEST_FRACTION_DENOMINATOR = 5  # user data: one row in five is held out for testing
HASH_CHUNK = 1 << 20


def read_run(run_dir: str | Path, written_by: str, keys: tuple[str, ...] = ("model", "data")) -> dict[str, Any]:
    """The ``run.json`` of a run folder, checked: it exists, is JSON, and holds ``keys``.

    Parameters
    ----------
    run_dir : str or Path
        The folder ``written_by`` wrote.
    written_by : str
        The command that writes such folders (``"aekit train"``), for the message.
    keys : tuple of str
        What the reading command needs from it.

    Returns
    -------
    dict

    Raises
    ------
    aekit.exceptions.DataError
        No run.json, one that is not JSON (a torn or hand-edited file), or one
        without ``keys`` (a folder written by another command).
    """
    import json

    run_file = Path(run_dir) / "run.json"
    if not run_file.is_file():
        raise DataError(f"{run_dir} is not a run directory: expected {run_file} (written by `{written_by}`)")
    try:
        run = json.loads(run_file.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{run_file} is not valid JSON ({exc}); expected the file `{written_by}` writes: "
                        "run it again") from None
    missing = [k for k in keys if not isinstance(run, dict) or k not in run]
    if missing:
        raise DataError(f"{run_file} has no {missing}; expected a run folder written by `{written_by}`")
    return run


def split_rows(n_rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, test rows) of a random 80/20 split of ``n_rows`` rows."""
    order = np.random.default_rng(seed).permutation(n_rows)
    n_test = n_rows // TEST_FRACTION_DENOMINATOR
    return order[n_test:], order[:n_test]


def content_hash(path: str | Path) -> str:
    """SHA-256 of a file, or of a folder's file paths (relative to it) and contents, subfolders included."""
    path = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        with open(file, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def data_record(data: str, n_rows: int, seed: int) -> dict[str, Any]:
    """The ``run.json`` fields that pin down user data (nothing extra for a named dataset)."""
    path = Path(data)
    if not path.exists():
        return {"data_path": None}
    return {"data_path": str(path.resolve()), "data_sha256": content_hash(path), "n_rows": n_rows,
            "test_indices": split_rows(n_rows, seed)[1].tolist()}


def check_unchanged(run: dict[str, Any]) -> None:
    """Refuse data that is gone or changed since the run was trained."""
    if not run.get("data_path"):
        return
    path = Path(run["data_path"])
    if not path.exists():
        raise DataError(f"the training data {path} is gone; evaluate needs the same data the run was trained on")
    if content_hash(path) != run["data_sha256"]:
        raise DataError(f"{path} changed since this run was trained (its SHA-256 differs from run.json's); "
                        "the recorded test rows may now be training rows. Restore the data or retrain")
