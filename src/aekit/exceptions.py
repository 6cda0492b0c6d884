"""Errors aekit raises on purpose. Each carries one line that says what was
expected and what came, so the CLI can print it as is."""


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


class UnverifiedModelFileWarning(UserWarning):
    """A model file has no checksum (written before aekit stored one): it loads, unverified."""


class StreamError(AekitError, ValueError):
    """A compressed stream cannot be decoded (truncated, altered, another model's, another format)."""


class TrainingDivergedWarning(UserWarning):
    """Training diverged after some good epochs: it stopped and kept the best of them."""
