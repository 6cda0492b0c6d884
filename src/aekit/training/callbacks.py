"""Callbacks Lightning does not ship: a guard that stops on NaN/inf loss, and
a progress bar that counts epochs from 1."""

from __future__ import annotations

import math

import lightning.pytorch as pl
from lightning.pytorch.callbacks import RichProgressBar

from aekit.exceptions import TrainingDivergedError


class NaNGuard(pl.Callback):
    """Stop training with a clear message as soon as the loss is NaN or infinite."""

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        loss = float(outputs["loss"] if isinstance(outputs, dict) else outputs)
        if not math.isfinite(loss):
            lr = getattr(pl_module, "learning_rate", "?")
            raise TrainingDivergedError(
                f"training diverged: the loss became {loss} at epoch {trainer.current_epoch + 1} "
                f"(batch {batch_idx + 1}); try a lower learning rate than {lr} "
                "or check the input scaling")


class EpochProgressBar(RichProgressBar):
    """Lightning's rich progress bar, counting epochs from 1: "Epoch 3/3" on the
    last of three epochs (Lightning itself shows "Epoch 2/2")."""

    def _get_train_description(self, current_epoch: int) -> str:
        text = f"Epoch {current_epoch + 1}/{self.trainer.max_epochs}"
        return f"{text:{len(self.validation_description)}}"
