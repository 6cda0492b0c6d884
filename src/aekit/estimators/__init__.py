"""The public, scikit-learn style classes users touch."""

from aekit.estimators.autoencoder import Autoencoder
from aekit.estimators.base import AutoencoderEstimator
from aekit.estimators.conv import ConvAutoencoder
from aekit.estimators.vae import VAE

ESTIMATORS: dict[str, type[AutoencoderEstimator]] = {"Autoencoder": Autoencoder}
ESTIMATORS["ConvAutoencoder"] = ConvAutoencoder
ESTIMATORS["VAE"] = VAE

__all__ = ["ESTIMATORS", "Autoencoder", "AutoencoderEstimator"]
__all__ += ["ConvAutoencoder", "VAE"]
