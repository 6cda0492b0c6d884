"""The public, scikit-learn style classes users touch."""

from aekit.estimators.autoencoder import Autoencoder
from aekit.estimators.base import AutoencoderEstimator
from aekit.estimators.sequence import SequenceAutoencoder

ESTIMATORS: dict[str, type[AutoencoderEstimator]] = {"Autoencoder": Autoencoder}
ESTIMATORS["SequenceAutoencoder"] = SequenceAutoencoder

__all__ = ["ESTIMATORS", "Autoencoder", "AutoencoderEstimator", "SequenceAutoencoder"]
