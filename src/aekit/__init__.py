"""aekit: autoencoders of every kind, with numbers you can trust.

The public names are imported on first use (PEP 562), so ``import aekit`` and
``aekit --help`` stay fast: torch and Lightning load only when a model is
built, trained or loaded.
"""

from __future__ import annotations

import importlib
from typing import Any

from aekit._version import __version__

# public name -> module that defines it; add a line per new public class
_LAZY = {
    "Autoencoder": "aekit.estimators",
    "AnomalyDetector": "aekit.estimators",
    "SequenceAutoencoder": "aekit.estimators",
    "SequenceVAE": "aekit.estimators",
    "SeriesAnomalyDetector": "aekit.estimators.series_detector",
    "ConvAutoencoder": "aekit.estimators",
    "VAE": "aekit.estimators",
    "load": "aekit.io",
    "StackedAutoencoder": "aekit.estimators",
    "StackedAutoencoderClassifier": "aekit.estimators",
    "StackedAutoencoderRegressor": "aekit.estimators",
    "MarginalizedDenoisingAutoencoder": "aekit.estimators",
    "AutoRec": "aekit.estimators",
    "MultVAE": "aekit.estimators",
    "MultDAE": "aekit.estimators",
    "EASE": "aekit.estimators",
    "ConditionalVAE": "aekit.estimators",
    "AdversarialAutoencoder": "aekit.estimators",
    "AutoencoderImputer": "aekit.estimators",
    "ImageCompleter": "aekit.estimators",
    "DeepClustering": "aekit.estimators",
    "ImageCodec": "aekit.estimators",
    "VAEGAN": "aekit.estimators",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'aekit' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
