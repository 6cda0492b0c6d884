"""The public, scikit-learn style classes users touch.

Classes are imported on first use (PEP 562) so that importing
``aekit.estimators.presets`` (the CLI's help does) does not load torch.
A new estimator registers with one line in ``_CLASSES``; it is then in
``ESTIMATORS`` (class name -> class, used by :func:`aekit.io.load`) and
importable as ``aekit.estimators.Name``.
"""

from __future__ import annotations

import importlib
from typing import Any

# class name -> module inside aekit.estimators
_CLASSES: dict[str, str] = {
    "Autoencoder": "autoencoder",
    "AnomalyDetector": "detector",
    "SequenceAutoencoder": "sequence",
    "SequenceVAE": "sequence",
    "ConvAutoencoder": "conv",
    "VAE": "vae",
    "StackedAutoencoder": "stacked",
    "StackedAutoencoderClassifier": "stacked",
    "StackedAutoencoderRegressor": "stacked",
    "MarginalizedDenoisingAutoencoder": "msda",
    "AutoRec": "autorec",
    "MultVAE": "multvae",
    "MultDAE": "multvae",
    "EASE": "ease",
    "SeriesAnomalyDetector": "series_detector",
    "ConditionalVAE": "cvae",
    "AdversarialAutoencoder": "aae",
    "DeepClustering": "clustering",
    "ImageCodec": "codec",
}
_BASES = {"AutoencoderEstimator": "base", "RecommenderEstimator": "recommender"}

__all__ = ["ESTIMATORS", *_CLASSES, *_BASES]


def _import(name: str) -> type:
    module = {**_CLASSES, **_BASES}[name]
    return getattr(importlib.import_module(f"aekit.estimators.{module}"), name)


def __getattr__(name: str) -> Any:
    if name == "ESTIMATORS":
        value: Any = {cls: _import(cls) for cls in _CLASSES}
    elif name in _CLASSES or name in _BASES:
        value = _import(name)
    else:
        raise AttributeError(f"module 'aekit.estimators' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
