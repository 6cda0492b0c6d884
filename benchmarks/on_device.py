"""Run a benchmark script with every Lightning fit on a chosen accelerator and precision.

    python benchmarks/on_device.py --accelerator gpu --precision 16-mixed -- \\
        benchmarks/reconstruction.py --epochs 20

The benchmark scripts build their estimators with aekit's defaults
(``accelerator="auto"``, ``precision="32"``). This wrapper, shared by all of
them (benchmarks/gpu.sh uses it), overrides those two Trainer settings for
every fit that goes through :func:`aekit.training.fit_model`, then runs the
script as ``__main__`` with the arguments after ``--``. A setting left out
keeps the script's own. Hand-written loops (a script's reference loops, the
closed-form mSDA, PyOD's baselines) are not affected; nor are subprocesses a
script starts itself. CPU defaults are unchanged: without this wrapper the
scripts run exactly as before.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

import aekit.training.fit as fit_module
from aekit.training.devices import ACCELERATORS, PRECISIONS


def override_device(accelerator: str | None = None, precision: str | None = None) -> None:
    """Make every later aekit fit in this process use ``accelerator`` / ``precision``.

    Parameters
    ----------
    accelerator : str or None
        One of ``aekit.training.devices.ACCELERATORS``; None keeps each fit's own.
    precision : str or None
        One of ``aekit.training.devices.PRECISIONS``; None keeps each fit's own.

    Raises
    ------
    ValueError
        An accelerator or precision aekit does not know.
    """
    if accelerator is not None and accelerator not in ACCELERATORS:
        raise ValueError(f"accelerator must be one of {ACCELERATORS}, got {accelerator!r}")
    if precision is not None and precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    original = fit_module.trainer_device_options

    def options(cfg) -> dict:
        chosen = original(cfg)
        if accelerator is not None:
            chosen["accelerator"] = accelerator
        if precision is not None:
            chosen["precision"] = precision
        return chosen

    fit_module.trainer_device_options = options


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if "--" not in argv:
        raise SystemExit("usage: on_device.py [--accelerator A] [--precision P] -- SCRIPT.py [ARGS...]")
    split = argv.index("--")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accelerator", choices=ACCELERATORS, default=None)
    parser.add_argument("--precision", choices=PRECISIONS, default=None)
    args = parser.parse_args(argv[:split])
    script, *script_args = argv[split + 1:]
    override_device(args.accelerator, args.precision)
    path = Path(script).resolve()
    sys.argv = [str(path), *script_args]
    sys.path.insert(0, str(path.parent))  # as `python SCRIPT.py` would
    runpy.run_path(str(path), run_name="__main__")


if __name__ == "__main__":
    main()
