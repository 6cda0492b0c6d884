"""The benchmark scripts as modules, for tests of their pieces (the very code that measured, not a copy)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


def benchmark_module(stem: str) -> ModuleType:
    """``benchmarks/<stem>.py`` imported once, as ``aekit_benchmarks_<stem>`` in ``sys.modules``."""
    name = f"aekit_benchmarks_{stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{stem}.py")
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]
