"""Model families: torch modules with a config dataclass and a ``loss()``.

``MODEL_FAMILIES`` maps a family name (as stored in model files) to its
model class; adding a family is one module here plus an entry below.
"""

from aekit.models.autoencoder import AutoencoderConfig, DenseAutoencoder
from aekit.models.autorec import AutoRec, AutoRecConfig
from aekit.models.base import BaseAutoencoder, ModelConfig
from aekit.models.conv import ConvAutoencoderConfig, ConvAutoencoderModel
from aekit.models.ease import EASE, EASEConfig
from aekit.models.latent import VariationalAutoencoder, VariationalConfig
from aekit.models.sequence import SequenceAutoencoderConfig, SequenceAutoencoderModel, SequenceVAEConfig, SequenceVAEModel
from aekit.models.msda import MSDA, MSDAConfig
from aekit.models.stacked import AutoencoderStack, StackedConfig
from aekit.models.multvae import MultVAE, MultVAEConfig
from aekit.models.vae import VAEConfig, VAEModel
from aekit.models.cvae import ConditionalVAEConfig, ConditionalVAEModel
from aekit.models.aae import AdversarialAutoencoderConfig, AdversarialAutoencoderModel
from aekit.models.imputation import (ConvMaskedImputer, MaskedDenoisingImputer, MIWAEImputer, NotMIWAEImputer,
                                     VAEACImputer)
from aekit.models.dec import DECConfig, DECModel
from aekit.models.codec import ImageCodecConfig, ImageCodecModel
from aekit.models.vaegan import GANModel, VAEGANConfig, VAEGANModel

MODEL_FAMILIES: dict[str, type[BaseAutoencoder]] = {
    DenseAutoencoder.family: DenseAutoencoder,
    VAEModel.family: VAEModel,
    ConvAutoencoderModel.family: ConvAutoencoderModel,
    SequenceAutoencoderModel.family: SequenceAutoencoderModel,
    SequenceVAEModel.family: SequenceVAEModel,
    AutoencoderStack.family: AutoencoderStack,
    MSDA.family: MSDA,
    AutoRec.family: AutoRec,
    MultVAE.family: MultVAE,
    EASE.family: EASE,
    ConditionalVAEModel.family: ConditionalVAEModel,
    AdversarialAutoencoderModel.family: AdversarialAutoencoderModel,
    MaskedDenoisingImputer.family: MaskedDenoisingImputer,
    MIWAEImputer.family: MIWAEImputer,
    NotMIWAEImputer.family: NotMIWAEImputer,
    ConvMaskedImputer.family: ConvMaskedImputer,
    VAEACImputer.family: VAEACImputer,
    DECModel.family: DECModel,
    ImageCodecModel.family: ImageCodecModel,
    VAEGANModel.family: VAEGANModel,
    GANModel.family: GANModel,
}
DECModel.families = MODEL_FAMILIES  # DEC wraps any family; it cannot import this registry, which imports it

__all__ = ["MODEL_FAMILIES", "AutoencoderConfig", "BaseAutoencoder", "ConvAutoencoderConfig", "ConvAutoencoderModel",
           "DenseAutoencoder", "ModelConfig",
           "VAEConfig", "VAEModel", "VariationalAutoencoder", "VariationalConfig",
           "SequenceAutoencoderConfig", "SequenceAutoencoderModel", "SequenceVAEConfig", "SequenceVAEModel",
           "MSDA", "MSDAConfig", "AutoencoderStack", "StackedConfig"]
__all__ += ["ConditionalVAEConfig", "ConditionalVAEModel", "AdversarialAutoencoderConfig", "AdversarialAutoencoderModel"]
__all__ += ["AutoRec", "AutoRecConfig", "EASE", "EASEConfig", "MultVAE", "MultVAEConfig"]
__all__ += ["DECConfig", "DECModel"]
__all__ += ["ImageCodecConfig", "ImageCodecModel"]
__all__ += ["GANModel", "VAEGANConfig", "VAEGANModel"]
