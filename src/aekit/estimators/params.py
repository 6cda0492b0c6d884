"""scikit-learn's parameter convention for the estimators' ``__init__``."""

from __future__ import annotations

from typing import Any


def store_params(estimator, params: dict[str, Any]) -> None:
    """Set each ``__init__`` argument (``locals()`` of ``__init__``) as is: scikit-learn's convention
    (no validation or conversion in ``__init__``; ``get_params`` reads them back)."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)
