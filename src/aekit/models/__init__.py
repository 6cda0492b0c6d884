"""Model families: torch modules with a config dataclass and a ``loss()``.

``MODEL_FAMILIES`` maps a family name (as stored in model files) to its
model class; adding a family is one module here plus an entry below.
"""

from aekit.models.autoencoder import AutoencoderConfig, DenseAutoencoder
from aekit.models.base import BaseAutoencoder, ModelConfig
from aekit.models.msda import MSDA, MSDAConfig
from aekit.models.stacked import AutoencoderStack, StackedConfig

MODEL_FAMILIES: dict[str, type[BaseAutoencoder]] = {
    DenseAutoencoder.family: DenseAutoencoder,
    AutoencoderStack.family: AutoencoderStack,
    MSDA.family: MSDA,
}

__all__ = ["MODEL_FAMILIES", "AutoencoderConfig", "BaseAutoencoder", "DenseAutoencoder", "ModelConfig",
           "MSDA", "MSDAConfig", "AutoencoderStack", "StackedConfig"]
