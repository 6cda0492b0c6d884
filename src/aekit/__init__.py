"""aekit: autoencoders of every kind, with numbers you can trust."""

from aekit._version import __version__
from aekit.estimators import Autoencoder
from aekit.estimators import SequenceAutoencoder
from aekit.io import load

__all__ = ["Autoencoder", "SequenceAutoencoder", "__version__", "load"]
