"""The public, scikit-learn style classes users touch.

Classes are imported on first use (PEP 562) so that importing
``aekit.estimators.presets`` (the CLI's help does) does not load torch.
A new estimator registers with one line in ``ESTIMATOR_MODULES`` of
:mod:`aekit.registry` (below this package and :mod:`aekit.io`); it is then in
``ESTIMATORS`` (class name -> class) and importable as ``aekit.estimators.Name``.
"""

from __future__ import annotations

from typing import Any

from aekit.registry import BASE_MODULES, ESTIMATOR_MODULES, estimator_class

def _public_names() -> list[str]:
    return ["ESTIMATORS", *ESTIMATOR_MODULES, *BASE_MODULES]


__all__ = _public_names()  # a call, not a literal: the documentation's parser reads only literal strings


def __getattr__(name: str) -> Any:
    if name == "ESTIMATORS":
        value: Any = {cls: estimator_class(cls) for cls in ESTIMATOR_MODULES}
    elif name in ESTIMATOR_MODULES or name in BASE_MODULES:
        value = estimator_class(name)
    else:
        raise AttributeError(f"module 'aekit.estimators' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
