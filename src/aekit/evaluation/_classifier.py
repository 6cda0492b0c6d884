"""The small convolutional classifier behind ``SampleQualityScorer(classifier="cnn")``.

Strided conv blocks with batch norm (:class:`aekit.nn.conv.ConvFeatures`),
dense ReLU layers whose last one is the feature space of the Fréchet
distance, dropout, and a linear layer to the class logits. It is trained
like every aekit model, by :func:`aekit.training.fit_model` on ``(X, class
index)`` pairs, minimising the cross-entropy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from aekit.exceptions import DataError
from aekit.nn.conv import ConvFeatures, ImageShape
from aekit.nn.mlp import MLPEncoder

DROPOUT = 0.3
PREDICT_BATCH = 2048


class ConvClassifier(nn.Module):
    """Flat images -> conv blocks -> dense ReLU layers (``hidden``) -> dropout -> logits."""

    def __init__(self, image_shape: ImageShape, channels: Sequence[int], hidden: Sequence[int], n_classes: int):
        super().__init__()
        self.conv = ConvFeatures(image_shape, channels, batch_norm=True)
        self.dense = MLPEncoder(self.conv.out_features, hidden[:-1], hidden[-1], latent_activation="relu")
        self.head = nn.Sequential(nn.Dropout(DROPOUT), nn.Linear(hidden[-1], n_classes))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.dense(self.conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def loss(self, batch) -> dict[str, torch.Tensor]:
        x, target = batch
        return {"loss": F.cross_entropy(self(x), target)}

    def set_epoch(self, epoch: int) -> None:
        """(Training calls it each epoch; the classifier has no schedule.)"""

    @torch.no_grad()
    def outputs(self, X: np.ndarray, what: str) -> np.ndarray:
        """``what`` ("features" or "forward") of the rows ``X``, in eval mode, batch by batch."""
        self.eval()
        fn = self.features if what == "features" else self.forward
        x = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        return torch.cat([fn(part) for part in x.split(PREDICT_BATCH)]).numpy().astype(np.float64)


class CNNFeatures:
    """A :class:`ConvClassifier` trained by :func:`aekit.training.fit_model`; its last dense layer is
    the feature space (``SampleQualityScorer(classifier="cnn")``; same interface as ``MLPFeatures``).

    Parameters
    ----------
    channels, hidden : tuple of int
        Conv blocks' output channels; dense layers (the last one is the feature space).
    image_shape : tuple (channels, height, width) or None
        How a row is an image; None: one channel, square.
    max_iter : int
        Training epochs (early stopping with patience ``PATIENCE`` on 10% of the rows from 100 rows on).
    random_state : int or None

    Attributes
    ----------
    model_ : ConvClassifier
    classes_ : ndarray
    n_epochs_ : int

    Raises
    ------
    DataError
        In ``fit``: no ``image_shape`` and the rows are not square one-channel images.
    """

    PATIENCE = 5  # epochs without a better validation loss before training stops

    def __init__(self, channels, hidden, image_shape, max_iter: int, random_state):
        self.channels, self.hidden, self.image_shape = tuple(channels), tuple(hidden), image_shape
        self.max_iter, self.random_state = max_iter, random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> CNNFeatures:
        """Train on rows ``X`` (flat images) and labels ``y``; return self."""
        from aekit.training import TrainConfig, fit_model

        self.classes_, target = np.unique(y, return_inverse=True)
        cfg = TrainConfig(max_epochs=self.max_iter, batch_size=128, patience=self.PATIENCE,
                          validation_fraction=0.1 if len(X) >= 100 else 0.0,
                          seed=0 if self.random_state is None else self.random_state)
        shape = self._shape(X.shape[1])
        with torch.random.fork_rng():  # seeded initial weights, global RNG untouched
            torch.manual_seed(cfg.seed)
            self.model_ = ConvClassifier(shape, self.channels, self.hidden, len(self.classes_))
        result = fit_model(self.model_, (X.astype(np.float32), target.astype(np.int64)), cfg)
        self.n_epochs_ = result.epochs_run
        self.model_.eval()
        return self

    def _shape(self, n_features: int) -> tuple[int, int, int]:
        if self.image_shape is not None:
            return tuple(self.image_shape)
        side = int(round(np.sqrt(n_features)))
        if side * side != n_features:
            raise DataError(f"classifier='cnn' needs image_shape=(channels, height, width) for rows of "
                            f"{n_features} features (not a square one-channel image)")
        return (1, side, side)

    def features(self, X: np.ndarray) -> np.ndarray:
        """The last dense layer's activations, shape (n, hidden[-1])."""
        return self.model_.outputs(X, "features")

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The predicted class of each row."""
        return self.classes_[self.model_.outputs(X, "forward").argmax(axis=1)]
