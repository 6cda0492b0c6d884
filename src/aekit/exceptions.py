"""Errors aekit raises on purpose. Each carries one line that says what was
expected and what came, so the CLI can print it as is.

The errors about bad input are also ``ValueError`` (``DataError``,
``ModelFileError``, ``CheckpointError``, ...), so code written for
scikit-learn catches them; every one is an ``AekitError``.

Examples
--------
>>> import numpy as np
>>> from aekit import Autoencoder
>>> from aekit.exceptions import AekitError, DataError
>>> try:
...     Autoencoder(max_epochs=1).fit(np.array([[1.0, np.nan], [0.0, 1.0]]))
... except DataError as err:
...     isinstance(err, (ValueError, AekitError)), "NaN" in str(err)
(True, True)
"""


class AekitError(Exception):
    """Base class of every error aekit raises on purpose."""


class DataError(AekitError, ValueError):
    """Input data is unusable: NaN/inf, wrong shape, empty, non-numeric, ..."""


class DatasetUnavailableError(AekitError, RuntimeError):
    """A named dataset cannot be had on this machine (and says how to get it)."""


class ModelFileError(AekitError, ValueError):
    """A model file is not a valid aekit model (truncated, tampered, pickle, ...)."""


class TrainingDivergedError(AekitError, RuntimeError):
    """The loss became NaN or infinite during training."""


class CheckpointError(AekitError, ValueError):
    """A training checkpoint cannot be resumed (written by another run or config)."""


class MissingDependencyError(AekitError, ImportError):
    """An optional dependency (an extra) is needed and not installed; says how to install it."""


class StillImprovingWarning(UserWarning):
    """Training ended on its best epoch: more epochs would very likely help."""


class StartKeptWarning(UserWarning):
    """Training never beat the model's starting point (e.g. the PCA start of a dense autoencoder)
    on the validation rows: the fitted model is that start (``best_epoch_ == 0``)."""


class WideCodeWarning(UserWarning):
    """An explicit code as wide as the input or wider: the model can learn the identity map."""


class WeakClusterStructureWarning(UserWarning):
    """``n_clusters="auto"`` found no substantial cluster structure in the codes (best silhouette at
    most 0.25, Kaufman and Rousseeuw's line): the number it picked is a guess, not a finding."""


class DegenerateModelError(AekitError, ValueError):
    """A fitted model is useless for its job (e.g. a detector whose scores are round-off)."""


class UnverifiedModelFileWarning(UserWarning):
    """A model file has no checksum (written before aekit stored one): it loads, unverified."""


class StreamError(AekitError, ValueError):
    """A compressed stream cannot be decoded (truncated, altered, another model's, another format)."""


class TrainingDivergedWarning(UserWarning):
    """Training diverged after some good epochs: it stopped and kept the best of them."""
