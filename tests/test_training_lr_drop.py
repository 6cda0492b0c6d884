"""The learning-rate drop of TrainConfig (lr_drop): a Lightning scheduler that lowers the rate for the
last share of the budget's steps; off by default, so no family's training changes unless asked."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aekit.models import AutoencoderConfig, DenseAutoencoder
from aekit.training import TrainConfig, fit_model
from aekit.training import module as module_mod

X = np.random.default_rng(0).random((400, 8), dtype=np.float32)


def _model():
    torch.manual_seed(0)
    return DenseAutoencoder(AutoencoderConfig(input_dim=8, latent_dim=2, hidden=(16,)))


def _rates(monkeypatch, cfg: TrainConfig) -> list[float]:
    """The learning rate of every training step of ``fit_model(cfg)``."""
    seen: list[float] = []
    original = module_mod.AutoencoderModule.training_step

    def recording(self, batch, batch_idx):
        seen.append(self.optimizers().optimizer.param_groups[0]["lr"])
        return original(self, batch, batch_idx)

    monkeypatch.setattr(module_mod.AutoencoderModule, "training_step", recording)
    fit_model(_model(), X, cfg)
    return seen


def test_the_last_share_of_the_steps_runs_at_the_dropped_rate(monkeypatch):
    cfg = TrainConfig(max_epochs=4, batch_size=40, learning_rate=1e-2, validation_fraction=0.0, patience=10,
                      accelerator="cpu", steps_per_call=1, lr_drop=0.25)
    rates = _rates(monkeypatch, cfg)
    assert len(rates) == 40  # 4 epochs of 10 steps
    assert rates[:30] == [1e-2] * 30
    assert rates[30:] == pytest.approx([1e-3] * 10)


def test_without_lr_drop_the_rate_stays_and_the_training_is_unchanged(monkeypatch):
    cfg = TrainConfig(max_epochs=3, batch_size=40, learning_rate=1e-2, validation_fraction=0.0, patience=10,
                      accelerator="cpu")
    assert set(_rates(monkeypatch, cfg)) == {1e-2}
    plain = fit_model(_model(), X, cfg).history["train_loss"].to_numpy()
    dropped = fit_model(_model(), X, TrainConfig(**{**cfg.__dict__, "lr_drop": 0.5})).history["train_loss"]
    assert plain[0] == dropped.to_numpy()[0]  # the same first epoch; the drop comes in the second half
    assert not np.array_equal(plain, dropped.to_numpy())


def test_the_drop_is_counted_in_lightning_steps_with_several_optimiser_steps_per_call(monkeypatch):
    cfg = TrainConfig(max_epochs=2, batch_size=20, learning_rate=1e-2, validation_fraction=0.0, patience=10,
                      accelerator="cpu", steps_per_call=4, lr_drop=0.5)
    rates = _rates(monkeypatch, cfg)  # 20 optimiser steps an epoch, 5 Lightning steps
    assert rates == pytest.approx([1e-2] * 5 + [1e-3] * 5)


@pytest.mark.parametrize("params, match", [({"lr_drop": 1.0}, "lr_drop must be in"),
                                           ({"lr_drop": -0.1}, "lr_drop must be in"),
                                           ({"lr_drop": 0.2, "lr_drop_factor": 0.0}, "lr_drop_factor must be in")])
def test_bad_drop_settings_give_one_clear_error(params, match):
    with pytest.raises(ValueError, match=match):
        fit_model(_model(), X, TrainConfig(max_epochs=1, accelerator="cpu", **params))


def test_an_auto_budget_with_a_drop_is_not_extended():
    auto = TrainConfig(max_epochs="auto", batch_size="auto", patience="auto")
    assert auto.sized_for(400).epoch_limit > auto.sized_for(400).max_epochs
    dropped = TrainConfig(max_epochs="auto", batch_size="auto", patience="auto", lr_drop=0.2).sized_for(400)
    assert dropped.epoch_limit == dropped.max_epochs


def test_a_resumed_run_with_a_longer_budget_drops_at_its_own_end(monkeypatch, tmp_path):
    # the scheduler's milestone came back from the checkpoint: a run resumed with max_epochs raised from 2
    # to 4 had dropped at the old run's step 15 and ran all of its new steps at the lowered rate
    settings = dict(batch_size=40, learning_rate=1e-2, validation_fraction=0.0, patience=10, accelerator="cpu",
                    steps_per_call=1, lr_drop=0.25, checkpoint_dir=str(tmp_path))
    first = _rates(monkeypatch, TrainConfig(max_epochs=2, **settings))
    assert first[:15] == [1e-2] * 15 and first[15:] == pytest.approx([1e-3] * 5)
    monkeypatch.undo()
    resumed = _rates(monkeypatch, TrainConfig(max_epochs=4, resume=True, **settings))
    assert len(resumed) == 20  # epochs 3 and 4: steps 20-39 of a 40-step run, whose drop is at step 30
    assert resumed[:10] == [1e-2] * 10
    assert resumed[10:] == pytest.approx([1e-3] * 10)
    monkeypatch.undo()
    same = _rates(monkeypatch, TrainConfig(max_epochs=4, resume=True, **settings))  # finished: nothing to run
    assert same == []
