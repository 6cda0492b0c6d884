"""Model families: torch modules with a config dataclass and a ``loss()``.

``MODEL_FAMILIES`` maps a family name (as stored in model files) to its
model class; adding a family is one module here plus an entry below.
"""

from aekit.models.autoencoder import AutoencoderConfig, DenseAutoencoder
from aekit.models.base import BaseAutoencoder, ModelConfig
from aekit.models.sequence import SequenceAutoencoderConfig, SequenceAutoencoderModel

MODEL_FAMILIES: dict[str, type[BaseAutoencoder]] = {
    DenseAutoencoder.family: DenseAutoencoder,
    SequenceAutoencoderModel.family: SequenceAutoencoderModel,
}

__all__ = ["MODEL_FAMILIES", "AutoencoderConfig", "BaseAutoencoder", "DenseAutoencoder", "ModelConfig",
           "SequenceAutoencoderConfig", "SequenceAutoencoderModel"]
