"""The public, scikit-learn style classes users touch."""

from aekit.estimators.autoencoder import Autoencoder
from aekit.estimators.base import AutoencoderEstimator

ESTIMATORS: dict[str, type[AutoencoderEstimator]] = {"Autoencoder": Autoencoder}

__all__ = ["ESTIMATORS", "Autoencoder", "AutoencoderEstimator"]
