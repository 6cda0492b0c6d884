"""Training on several aligned arrays (inputs and labels): batches keep rows together."""

import dataclasses

import numpy as np
import torch
from sklearn.datasets import load_digits

from aekit.models.base import BaseAutoencoder, ModelConfig
from aekit.training import TrainConfig, fit_model
from aekit.training.batches import TensorBatches


def test_tuple_batches_keep_rows_aligned():
    X = torch.arange(10, dtype=torch.float32).unsqueeze(1)
    y = torch.arange(10)
    batches = list(TensorBatches((X, y), batch_size=3, shuffle=True, seed=1))
    assert [len(b[0]) for b in batches] == [3, 3, 3, 1]
    for xb, yb in batches:
        assert torch.equal(xb[:, 0].long(), yb)
    assert sorted(torch.cat([b[1] for b in batches]).tolist()) == list(range(10))


@dataclasses.dataclass
class _ProbeConfig(ModelConfig):
    input_dim: int = 64
    n_classes: int = 10


class _Probe(BaseAutoencoder):
    """A supervised toy 'family': logistic regression trained through fit_model."""

    family = "probe"
    config_class = _ProbeConfig

    def __init__(self, config):
        super().__init__(config)
        self.linear = torch.nn.Linear(config.input_dim, config.n_classes)

    def loss(self, batch):
        x, y = batch
        return {"loss": torch.nn.functional.cross_entropy(self.linear(x), y)}


def test_fit_model_trains_on_inputs_and_labels():
    digits = load_digits()
    X = (digits.data / 16).astype(np.float32)
    y = digits.target.astype(np.int64)
    torch.manual_seed(0)
    model = _Probe(_ProbeConfig())
    result = fit_model(model, (X, y), TrainConfig(max_epochs=10, batch_size=64, learning_rate=1e-2))
    assert result.history["val_loss"].iloc[-1] < 0.5 * result.history["val_loss"].iloc[0]
    accuracy = (model.linear(torch.from_numpy(X)).argmax(1).numpy() == y).mean()
    assert accuracy > 0.9
