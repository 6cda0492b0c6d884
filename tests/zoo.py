"""One tiny fitted model of every family, for sweeps over all of them
(model-file integrity, determinism, fuzzing). Each fits in well under a second.

``ZOO`` names every case; :func:`fit_zoo` fits one. A new family adds one line
(its preset in ``PRESETS`` is picked up by itself)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aekit.estimators.presets import PRESETS, estimator_class, make_estimator

TINY = dict(latent_dim=2, hidden=(8,), max_epochs=2, batch_size=32, random_state=0, validation_fraction=0.0,
            channels=(4,), discriminator_hidden=(8,), discriminator_channels=(4,), pretrain_epochs=1, filters=4, latent_channels=4, hyper_filters=4)
IMAGE_PRESETS = ("conv", "conv-vae", "conv-vae-gan", "codec", "codec-hyperprior")


def tables(seed: int = 0, n: int = 64, d: int = 16) -> np.ndarray:
    """Rows in [0, 1] with some structure (two latent factors)."""
    rng = np.random.default_rng(seed)
    z = rng.random((n, 2))
    return np.clip(z @ rng.random((2, d)) / 2 + 0.05 * rng.random((n, d)), 0, 1).astype(np.float32)


def images(seed: int = 0, n: int = 48) -> np.ndarray:
    return tables(seed, n, 256).reshape(n, 16, 16)


def series(seed: int = 0, n: int = 40, length: int = 16) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, length)
    return (np.sin(t[None] + rng.random((n, 1)) * 6) + 0.1 * rng.standard_normal((n, length)))[..., None].astype(
        np.float32)


def ratings(seed: int = 0, users: int = 30, items: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pairs = {(int(u), int(i)) for u, i in zip(rng.integers(0, users, 400), rng.integers(0, items, 400))}
    frame = pd.DataFrame(sorted(pairs), columns=["user", "item"])
    frame["rating"] = rng.integers(1, 6, len(frame)).astype(float)
    return frame


def _kind(name: str) -> str:
    cls = estimator_class(name).__name__
    if name in IMAGE_PRESETS or cls.endswith("Codec"):
        return "images"
    if cls.startswith("Sequence"):
        return "series"
    if cls == "ConditionalVAE":
        return "labelled"
    return "table"


RECOMMENDERS = ("autorec", "multvae", "multdae", "ease")
DETECTORS = ("detector", "series-detector")
OTHERS = ("imputer", "image-completer", "image-completer-vaeac", "clustering")  # estimators without a preset
ZOO = (*PRESETS, *RECOMMENDERS, *DETECTORS, *OTHERS)
# which gradient-trained cases there are (closed-form ones solve in fit)
CLOSED_FORM = ("msda", "ease")


def data_of(name: str, seed: int = 0):
    """(kind, fit arguments) of case ``name``."""
    if name in RECOMMENDERS:
        return "ratings", (ratings(seed),)
    if name == "series-detector":
        return "long-series", (np.sin(np.linspace(0, 40, 400)).astype(np.float32),)
    if name in ("detector", "clustering"):
        return "table", (tables(seed),)
    if name == "imputer":
        X = tables(seed)
        X[np.random.default_rng(seed).random(X.shape) < 0.1] = np.nan
        return "table", (X,)
    if name in ("image-completer", "image-completer-vaeac"):
        return "images", (images(seed),)
    kind = _kind(name)
    if kind == "images":
        return kind, (images(seed),)
    if kind == "series":
        return kind, (series(seed),)
    if kind == "labelled":
        X = tables(seed)
        return kind, (X, (X[:, 0] > np.median(X[:, 0])).astype(int))
    return kind, (tables(seed),)


def make(name: str):
    """The unfitted estimator of case ``name``."""
    from aekit import EASE, AnomalyDetector, AutoRec, MultDAE, MultVAE
    from aekit.estimators.series_detector import SeriesAnomalyDetector

    if name == "autorec":
        return AutoRec(hidden=8, max_epochs=2, batch_size=16, random_state=0, rating_scale=(1.0, 5.0))
    if name in ("multvae", "multdae"):
        return (MultVAE if name == "multvae" else MultDAE)(hidden=(8,), latent_dim=4, max_epochs=2, random_state=0)
    if name == "ease":
        return EASE(l2=10.0)
    if name == "detector":
        return AnomalyDetector("ae", hidden=(8,), latent_dim=2, max_epochs=2, random_state=0)
    if name == "series-detector":
        return SeriesAnomalyDetector(window=16, stride=4, latent_dim=2, max_epochs=2, random_state=0)
    if name == "imputer":
        from aekit.estimators.imputer import AutoencoderImputer

        return AutoencoderImputer(latent_dim=2, hidden=(8,), max_epochs=2, n_samples=2, n_draws=4, random_state=0)
    if name == "image-completer":
        from aekit.estimators.image_completer import ImageCompleter

        return ImageCompleter(latent_dim=2, channels=(4,), max_epochs=2, random_state=0)
    if name == "image-completer-vaeac":
        from aekit.estimators.image_completer import ImageCompleter

        return ImageCompleter(model="vaeac", latent_dim=2, channels=(4,), local_channels=4, max_epochs=2,
                              random_state=0)
    if name == "clustering":
        from aekit.estimators.clustering import DeepClustering

        return DeepClustering(2, encoder_params=dict(latent_dim=2, hidden=(8,), max_epochs=2), n_init=2,
                              random_state=0)
    return make_estimator(name, **TINY)


def fit_zoo(name: str, seed: int = 0):
    """Case ``name`` fitted on its tiny data."""
    return make(name).fit(*data_of(name, seed)[1])
