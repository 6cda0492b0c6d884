"""The registry of estimator classes: class name -> the module of :mod:`aekit.estimators` that defines it.

It sits below both :mod:`aekit.estimators` (whose lazy attributes it feeds) and
:mod:`aekit.io` (which finds a model file's class by name here), so that
neither imports the other's registry and no import runs back up. It imports
nothing: a class is imported on first use, by name.

A new estimator registers with one line in ``ESTIMATOR_MODULES``; it is then
in ``aekit.estimators.ESTIMATORS``, importable as ``aekit.estimators.Name``
and loadable by :func:`aekit.io.load`.
"""

from __future__ import annotations

import importlib

# class name -> module inside aekit.estimators
ESTIMATOR_MODULES: dict[str, str] = {
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
    "AutoencoderImputer": "imputer",
    "ImageCompleter": "image_completer",
    "DeepClustering": "clustering",
    "ImageCodec": "codec",
    "VAEGAN": "vaegan",
}
# abstract bases, importable as aekit.estimators.Name but never in a model file
BASE_MODULES: dict[str, str] = {"AutoencoderEstimator": "base", "RecommenderEstimator": "recommender"}


def estimator_class(name: str) -> type:
    """The estimator class called ``name`` (a key of ``ESTIMATOR_MODULES`` or ``BASE_MODULES``), imported now.

    Parameters
    ----------
    name : str
        The class name, e.g. ``"Autoencoder"``.

    Returns
    -------
    type

    Raises
    ------
    KeyError
        ``name`` is not a registered estimator.

    Examples
    --------
    >>> estimator_class("Autoencoder").__name__
    'Autoencoder'
    """
    module = {**ESTIMATOR_MODULES, **BASE_MODULES}[name]
    return getattr(importlib.import_module(f"aekit.estimators.{module}"), name)
