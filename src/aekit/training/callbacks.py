"""Callbacks Lightning does not ship: a guard that stops on NaN/inf loss,
sharding of aekit's batches over processes, best weights restored on every process,
a progress bar that counts epochs from 1, and checkpoints written atomically and durably."""

from __future__ import annotations

import math

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Checkpoint, ModelCheckpoint, RichProgressBar
from lightning.pytorch.plugins.io import TorchCheckpointIO

from aekit.exceptions import TrainingDivergedError
from aekit.files import atomic_write


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
        best = None
        if trainer.is_global_zero:
            best = self._best_in_memory() if self.in_memory else self._best_from_file(trainer)
        if trainer.world_size > 1:
            best = trainer.strategy.broadcast(best, src=0)
        if best is not None:
            pl_module.load_state_dict(best[0])
            self.best_epoch = best[1]

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
