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
