"""Model families: torch modules with a config dataclass and a ``loss()``.

``MODEL_FAMILIES`` maps a family name (as stored in model files) to its
model class; adding a family is one module here plus an entry below.
"""

from aekit.models.autoencoder import AutoencoderConfig, DenseAutoencoder
from aekit.models.autorec import AutoRec, AutoRecConfig
from aekit.models.base import BaseAutoencoder, ModelConfig
from aekit.models.ease import EASE, EASEConfig
from aekit.models.multvae import MultVAE, MultVAEConfig

MODEL_FAMILIES: dict[str, type[BaseAutoencoder]] = {
    DenseAutoencoder.family: DenseAutoencoder,
    AutoRec.family: AutoRec,
    MultVAE.family: MultVAE,
    EASE.family: EASE,
}

__all__ = ["MODEL_FAMILIES", "AutoencoderConfig", "BaseAutoencoder", "DenseAutoencoder", "ModelConfig",
           "AutoRec", "AutoRecConfig", "EASE", "EASEConfig", "MultVAE", "MultVAEConfig"]
