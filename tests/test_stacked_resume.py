"""Resuming an interrupted stacked fit (greedy pretraining, then fine-tuning): the finished
phases are kept, the interrupted one continues, the result equals an uninterrupted fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import aekit.training.fit as fit
from aekit import StackedAutoencoderClassifier
from aekit.exceptions import CheckpointError

PARAMS = dict(hidden=(32, 16), pretrain_epochs=4, max_epochs=4, patience=100, batch_size=64, random_state=0,
              noise="masking", noise_level=0.2)


class Crash(Exception):
    pass


def crash_in(phase: str, root: Path, epoch: int = 2):
    """A callback that stops the process at ``epoch`` of ``phase`` (a checkpoint subfolder, or "fine-tune")."""
    import lightning.pytorch as pl

    class CrashCallback(pl.Callback):
        def on_train_epoch_start(self, trainer, pl_module):
            folder = Path(next(c.dirpath for c in trainer.checkpoint_callbacks if hasattr(c, "dirpath")))
            name = "fine-tune" if folder == root else folder.name
            if name == phase and trainer.current_epoch == epoch:
                raise Crash(f"simulated crash in {phase} at epoch {epoch + 1}")

    return CrashCallback()


@pytest.fixture(scope="module")
def straight(digits):
    X_train, _, y_train, _ = digits
    return StackedAutoencoderClassifier(**PARAMS).fit(X_train, y_train)


def _interrupt(phase, digits, root, monkeypatch):
    X_train, _, y_train, _ = digits
    make_callbacks = fit._callbacks
    monkeypatch.setattr(fit, "_callbacks", lambda *a: [*make_callbacks(*a), crash_in(phase, root)])
    with pytest.raises(Crash):
        StackedAutoencoderClassifier(**PARAMS, checkpoint_dir=str(root)).fit(X_train, y_train)
    monkeypatch.setattr(fit, "_callbacks", make_callbacks)


@pytest.mark.parametrize("phase", ["pretrain-layer2", "fine-tune"])
def test_resume_after_a_crash_in_any_phase_gives_the_uninterrupted_model(phase, straight, digits, tmp_path,
                                                                         monkeypatch):
    X_train, X_test, y_train, _ = digits
    _interrupt(phase, digits, tmp_path, monkeypatch)
    assert (tmp_path / "pretrain-layer1" / "last.ckpt").exists()
    assert (tmp_path / "last.ckpt").exists() == (phase == "fine-tune")  # fine-tuning had started or not
    resumed = StackedAutoencoderClassifier(**PARAMS, checkpoint_dir=str(tmp_path), resume=True).fit(X_train, y_train)
    np.testing.assert_allclose(resumed.predict_proba(X_test), straight.predict_proba(X_test), atol=1e-5)
    assert [len(h) for h in resumed.pretrain_history_] == [4, 4] and resumed.n_epochs_ == 4
    for got, want in zip(resumed.pretrain_history_ + [resumed.history_],
                         straight.pretrain_history_ + [straight.history_]):
        np.testing.assert_allclose(got["train_loss"], want["train_loss"], rtol=1e-5)


def test_resume_with_other_settings_names_the_phase_that_cannot_resume(digits, tmp_path, monkeypatch):
    X_train, _, y_train, _ = digits
    _interrupt("fine-tune", digits, tmp_path, monkeypatch)
    longer = StackedAutoencoderClassifier(**{**PARAMS, "pretrain_epochs": (4, 6)}, checkpoint_dir=str(tmp_path),
                                          resume=True)
    # layer 2 continues to 6 epochs, so fine-tuning would resume from weights it did not start from
    with pytest.raises(CheckpointError, match="cannot resume fine-tuning from .*other pretrained weights"):
        longer.fit(X_train, y_train)
    assert len(longer.__dict__.get("pretrain_history_", [])) == 0  # nothing half-fitted is left on the estimator
    resumed = StackedAutoencoderClassifier(**PARAMS, checkpoint_dir=str(tmp_path / "fresh"), resume=True)
    assert resumed.fit(X_train, y_train).n_epochs_ == 4  # resume=True without checkpoints starts afresh


def test_resume_with_another_network_is_one_clear_error(digits, tmp_path, monkeypatch):
    X_train, _, y_train, _ = digits
    _interrupt("pretrain-layer2", digits, tmp_path, monkeypatch)
    with pytest.raises(CheckpointError, match=r"cannot resume the pretraining of layer 1 from .*pretrain-layer1: "
                                              r"the checkpoint was written by a different run \(differs in \['config'"):
        StackedAutoencoderClassifier(**{**PARAMS, "hidden": (24, 16)}, checkpoint_dir=str(tmp_path),
                                     resume=True).fit(X_train, y_train)
