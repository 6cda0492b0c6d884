"""Callbacks Lightning does not ship: a guard that stops a diverging run,
sharding of aekit's batches over processes, best weights restored on every process,
a progress bar that counts epochs from 1, and checkpoints written atomically and durably."""

from __future__ import annotations

import math

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import torch
from lightning.pytorch.callbacks import Checkpoint, ModelCheckpoint, RichProgressBar
from lightning.pytorch.plugins.io import TorchCheckpointIO

from aekit.exceptions import TrainingDivergedError
from aekit.files import atomic_write


class SoftBudget(Checkpoint):
    """End training at ``budget`` epochs unless the run is still improving, then at the first later
    epoch where it no longer is (the trainer's ``max_epochs`` is the hard limit): an "auto" budget.

    ``rule(history, best_epoch, epochs_run, stopped_early, window)`` says whether a run is still
    improving (:func:`aekit.training.fit.still_improving`). A ``Checkpoint`` subclass, so Lightning
    runs it after the module has added the epoch to its ``history``.

    Parameters
    ----------
    budget : int
        Epochs after which training ends unless still improving.
    window : int
        Epochs the rule looks back (early stopping's patience).
    rule : callable
        The still-improving rule.

    Examples
    --------
    >>> from aekit.training.fit import still_improving
    >>> SoftBudget(budget=100, window=10, rule=still_improving).budget
    100
    """

    def __init__(self, budget: int, window: int, rule):
        self.budget, self.window, self.rule = budget, window, rule

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        epochs = len(pl_module.history)
        if epochs < self.budget or trainer.should_stop:
            return
        history = pd.DataFrame(pl_module.history)
        column = "val_loss" if "val_loss" in history and history["val_loss"].notna().any() else "train_loss"
        best = int(np.nanargmin(history[column].to_numpy(dtype=float))) + 1
        if not self.rule(history, best, epochs, False, self.window):
            trainer.should_stop = True


class DivergenceGuard(pl.Callback):
    """Stop training as soon as it diverges, with a message naming the epoch and the fix.

    Diverging means: the training loss is NaN or infinite, or more than
    ``factor`` times the loss of the run's first batch (an untrained model's;
    a learning rate far too high sends it to 1e30 within an epoch while
    staying finite) and than ``factor`` times ``floor`` (a model can start
    near 0: a dense autoencoder's linear path reconstructs exactly at first), or,
    for a model trained in phases (the adversarial autoencoder, the VAE-GAN), the
    loss of any phase is NaN or infinite, or a weight of any of the model's networks (the
    discriminators too) is NaN or infinite at the end of an epoch. Raises :class:`~aekit.exceptions.TrainingDivergedError`;
    :func:`aekit.training.fit.fit_model` then keeps the best epoch's weights
    when there is one.
    """

    def __init__(self, factor: float = 1e4, floor: float = 1.0):
        self.factor, self.floor = factor, floor
        self.first_loss: float | None = None

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        loss = float(outputs["loss"] if isinstance(outputs, dict) else outputs)
        if self.first_loss is None:  # the untrained model's loss: before the first step of several
            first = float(getattr(pl_module, "first_slice_loss", loss))
            self.first_loss = abs(first) if math.isfinite(first) else None
        self._check_phases(trainer, pl_module, batch_idx)
        exploded = self.first_loss is not None and abs(loss) > self.factor * max(self.first_loss, self.floor)
        if not math.isfinite(loss) or exploded:
            self._raise(trainer, pl_module, f"the loss became {loss:.3g} (batch {batch_idx + 1}"
                        + (f"; it was {self.first_loss:.3g} at the start)" if self.first_loss is not None else ")"))

    def _check_phases(self, trainer, pl_module, batch_idx: int) -> None:
        """Several networks (adversarial phases): the first phase whose loss was NaN or inf, not
        only the reported one (a NaN there also spoils the later slices' reported losses)."""
        steps = getattr(pl_module, "phase_losses", None)
        if not steps:
            return
        values = torch.stack(steps).flatten()  # slice-major, phases in their order
        bad = (~torch.isfinite(values)).nonzero()
        if len(bad):
            i = int(bad[0])
            phase = pl_module.phases[i % len(pl_module.phases)]
            self._raise(trainer, pl_module, f"the {phase} phase's loss became {float(values[i]):.3g} "
                        f"(batch {batch_idx + 1})")

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        bad = [name for name, p in pl_module.named_parameters() if not torch.isfinite(p).all()]
        if bad:
            self._raise(trainer, pl_module, f"weights became NaN or inf (in {bad[:2]})")

    @staticmethod
    def _raise(trainer, pl_module, what: str) -> None:
        lr = getattr(pl_module, "learning_rate", None)
        lower = f"a lower learning_rate than {lr:g} (CLI: --lr), e.g. {lr / 10:g}" if lr else "a lower learning rate"
        raise TrainingDivergedError(f"training diverged at epoch {trainer.current_epoch + 1}: {what}; "
                                    f"use {lower}, or check the input scaling")


NaNGuard = DivergenceGuard  # its former name


class ShardBatches(pl.Callback):
    """Distributed training: give each process its share of every training batch.

    Lightning shards DataLoaders itself; aekit's batch iterables are sharded
    here, once the rank and the number of processes are known.
    """

    def __init__(self, batches):
        self.batches = batches

    def on_fit_start(self, trainer, pl_module) -> None:
        if trainer.world_size > 1:
            self.batches.shard(trainer.global_rank, trainer.world_size)


class BestWeights(Checkpoint):
    """Give the model its best epoch's weights at the end of training, on every process.

    Without a checkpoint directory the best weights are kept in memory (a copy
    each time ``monitor`` improves: no file written each epoch). With one,
    Lightning's ModelCheckpoint writes them and they are read back (weights
    only, no pickle). In distributed training rank 0 decides and sends them to
    the others (on a cluster its files may be on a disk they cannot see).
    A ``Checkpoint`` subclass, so Lightning runs it after the module has logged
    the epoch's losses.
    """

    def __init__(self, monitor: str, in_memory: bool):
        self.monitor, self.in_memory = monitor, in_memory
        self.best_epoch: int | None = None
        self._best: tuple[float, dict] | None = None

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        value = trainer.callback_metrics.get(self.monitor)
        if not self.in_memory or value is None:
            return
        if self._best is None or float(value) < self._best[0]:
            weights = {k: v.detach().to("cpu", copy=True) for k, v in pl_module.state_dict().items()}
            self._best, self.best_epoch = (float(value), weights), trainer.current_epoch + 1

    def on_train_end(self, trainer, pl_module) -> None:
        self.restore(trainer, pl_module)

    def restore(self, trainer, pl_module) -> bool:
        """Give ``pl_module`` the best weights seen (also after training was stopped by an
        error); False when no epoch has ended yet."""
        best = None
        if trainer.is_global_zero:
            best = self._best_in_memory() if self.in_memory else self._best_from_file(trainer)
        if trainer.world_size > 1:
            best = trainer.strategy.broadcast(best, src=0)
        if best is not None:
            pl_module.load_state_dict(best[0])
            self.best_epoch = best[1]
        return best is not None

    def _best_in_memory(self):
        return None if self._best is None else (self._best[1], self.best_epoch)

    @staticmethod
    def _best_from_file(trainer):
        files = [c for c in trainer.checkpoint_callbacks if isinstance(c, ModelCheckpoint)]
        path = files[0].best_model_path if files else ""
        if not path:
            return None
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        return checkpoint["state_dict"], int(checkpoint["epoch"]) + 1


class EpochProgressBar(RichProgressBar):
    """Lightning's rich progress bar, counting epochs from 1: "Epoch 3/3" on the
    last of three epochs (Lightning itself shows "Epoch 2/2")."""

    def _get_train_description(self, current_epoch: int) -> str:
        text = f"Epoch {current_epoch + 1}/{self.trainer.max_epochs}"
        return f"{text:{len(self.validation_description)}}"


class DurableCheckpointIO(TorchCheckpointIO):
    """Lightning's checkpoint writer, through :func:`aekit.files.atomic_write`: a temp file
    in the same folder, fsynced, renamed, the folder fsynced. Lightning's own writer renames
    too, but fsyncs nothing, so a power cut could leave an empty ``last.ckpt``. Remote
    paths (``s3://``, ...) keep Lightning's writer."""

    def save_checkpoint(self, checkpoint, path, storage_options=None) -> None:
        if "://" in str(path) or storage_options is not None:
            return super().save_checkpoint(checkpoint, path, storage_options)
        with atomic_write(path) as f:
            torch.save(checkpoint, f)
