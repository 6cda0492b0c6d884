"""Training: the one place that knows Lightning."""

from aekit.training.fit import TrainConfig, TrainResult, fit_model

__all__ = ["TrainConfig", "TrainResult", "fit_model"]
