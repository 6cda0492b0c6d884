"""The CLI starts fast: help, version and the dataset list never import torch or Lightning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import aekit

SRC = str(Path(__file__).resolve().parents[1] / "src")
HEAVY = ("torch", "lightning", "aekit.estimators.base", "aekit.models", "aekit.training")

PROBE = """
import sys
from aekit.cli import main
try:
    main({args!r})
except SystemExit as stop:
    assert not stop.code, stop.code
loaded = [m for m in {heavy!r} if m in sys.modules]
print("LOADED", loaded)
"""


def _loaded_modules(args: list[str]) -> str:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["datasets"], ["train", "--help"]])
def test_cli_does_not_import_torch(args):
    assert _loaded_modules(args) == "LOADED []"


def test_version_flag_prints_the_version():
    env = {**os.environ, "PYTHONPATH": SRC}
    done = subprocess.run([sys.executable, "-m", "aekit", "--version"], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and done.stdout.strip() == f"aekit {aekit.__version__}"


def test_public_names_load_on_first_use():
    assert aekit.Autoencoder.__name__ == "Autoencoder" and callable(aekit.load)
    from aekit.estimators import ESTIMATORS

    assert ESTIMATORS["Autoencoder"] is aekit.Autoencoder
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        aekit.Nope  # noqa: B018
