"""aekit: autoencoders of every kind, with numbers you can trust."""

from aekit._version import __version__
from aekit.estimators import Autoencoder
from aekit.estimators import EASE, AutoRec, MultDAE, MultVAE
from aekit.io import load

__all__ = ["Autoencoder", "__version__", "load"]
__all__ += ["AutoRec", "EASE", "MultDAE", "MultVAE"]
