"""The public, scikit-learn style classes users touch."""

from aekit.estimators.autoencoder import Autoencoder
from aekit.estimators.autorec import AutoRec
from aekit.estimators.base import AutoencoderEstimator
from aekit.estimators.ease import EASE
from aekit.estimators.multvae import MultDAE, MultVAE
from aekit.estimators.recommender import RecommenderEstimator

ESTIMATORS: dict[str, type] = {"Autoencoder": Autoencoder}
ESTIMATORS.update({"AutoRec": AutoRec, "MultVAE": MultVAE, "MultDAE": MultDAE, "EASE": EASE})

__all__ = ["ESTIMATORS", "Autoencoder", "AutoencoderEstimator"]
__all__ += ["AutoRec", "EASE", "MultDAE", "MultVAE", "RecommenderEstimator"]
