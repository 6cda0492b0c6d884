"""Every package a benchmark script imports is declared where the benchmarks page says to install from.

docs/benchmarks/index.md tells a reader to ``pip install -e ".[test,benchmarks]"`` before rerunning any
script; a package a script imports but no requirement names breaks that rerun on a fresh clone
(``benchmarks/compression.py`` imported ``bjontegaard`` for months with no requirement naming it).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).parents[1]
BENCHMARKS = ROOT / "benchmarks"
EXTRAS = ("test", "benchmarks")  # what docs/benchmarks/index.md installs

# imported module -> the distribution that provides it, where the names differ
DISTRIBUTION = {"cv2": "opencv-python-headless", "skimage": "scikit-image", "sklearn": "scikit-learn",
                "PIL": "pillow", "surprise": "scikit-surprise", "yaml": "pyyaml"}
# modules a declared distribution brings with it (its own requirement), and the one that does
BROUGHT_BY = {"threadpoolctl": "scikit-learn"}
# imported only inside ``try: ... except ImportError`` with a fallback (the script runs without them)
OPTIONAL = {"uvloop"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in EXTRAS:
        requirements += project["optional-dependencies"][extra]
    return {_name(r) for r in requirements}


def imported_packages(path: Path) -> set[str]:
    """Top-level names of the modules ``path`` imports, without the standard library, aekit and the
    benchmark scripts themselves."""
    local = {p.stem for p in BENCHMARKS.glob("*.py")} | {"aekit"}
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in local}


def test_every_package_a_benchmark_imports_is_declared():
    requirements = declared()
    missing = {}
    for script in sorted(BENCHMARKS.glob("*.py")):
        for module in imported_packages(script) - OPTIONAL:
            distribution = BROUGHT_BY.get(module) or DISTRIBUTION.get(module, module)
            if distribution.lower().replace("_", "-") not in requirements:
                missing.setdefault(script.name, []).append(f"{module} ({distribution})")
    assert not missing, (f"benchmark scripts import packages that neither aekit's dependencies nor the extras "
                         f"{EXTRAS} declare: {missing}; add them (with version bounds) to the benchmarks extra "
                         "in pyproject.toml")


def test_the_check_sees_a_missing_package(tmp_path, monkeypatch):
    """The test above can fail: a script importing an undeclared package is reported."""
    script = tmp_path / "fake.py"
    script.write_text("import json\nimport numpy\nfrom bjontegaard_missing import bd_rate\n")
    assert imported_packages(script) == {"numpy", "bjontegaard_missing"}
    assert "numpy" in declared() and "bjontegaard-missing" not in declared()
