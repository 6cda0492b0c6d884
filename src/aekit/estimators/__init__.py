"""The public, scikit-learn style classes users touch."""

from aekit.estimators.autoencoder import Autoencoder
from aekit.estimators.base import AutoencoderEstimator
from aekit.estimators.msda import MarginalizedDenoisingAutoencoder
from aekit.estimators.stacked import (StackedAutoencoder, StackedAutoencoderClassifier,
                                      StackedAutoencoderRegressor)

ESTIMATORS: dict[str, type[AutoencoderEstimator]] = {"Autoencoder": Autoencoder}
ESTIMATORS.update({cls.__name__: cls for cls in (StackedAutoencoder, StackedAutoencoderClassifier,
                                                 StackedAutoencoderRegressor, MarginalizedDenoisingAutoencoder)})

__all__ = ["ESTIMATORS", "Autoencoder", "AutoencoderEstimator", "MarginalizedDenoisingAutoencoder",
           "StackedAutoencoder", "StackedAutoencoderClassifier", "StackedAutoencoderRegressor"]
