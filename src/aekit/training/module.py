"""The one LightningModule: it wraps any model that has a ``loss()``."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import lightning.pytorch as pl
import pandas as pd
import torch

from aekit.exceptions import CheckpointError
from aekit.files import atomic_write
from aekit.models.base import BaseAutoencoder
from aekit.training.batches import batch_rows, first_tensor, slice_batch

OPTIMIZERS = ("adam", "rprop", "lbfgs")


VALIDATION_SEED = 20_240_901  # seeds the random numbers of validation batch i: VALIDATION_SEED + i


class AutoencoderModule(pl.LightningModule):
    """Train any :class:`BaseAutoencoder` by minimising ``model.loss(batch)["loss"]``.

    A model with ``phases`` (the adversarial autoencoder) is trained in
    alternating phases instead: one optimiser per phase over
    ``model.parameters_of(phase)`` (Adam, with the model's ``phase_adam_betas``
    where it gives them), each stepped in turn on every batch to
    minimise ``model.phase_loss(phase, batch)["loss"]``; the first phase's
    loss is the one reported (and ``model.loss`` the one validated).

    With ``lr_drop`` > 0, the last ``lr_drop`` share of the run's Lightning
    steps (``trainer.estimated_stepping_batches``: the epoch budget) runs at
    ``learning_rate * lr_drop_factor``: a ``MultiStepLR`` per optimiser,
    returned by ``configure_optimizers`` and stepped after every training
    step (manual optimisation steps schedulers by hand); Lightning keeps its
    state in checkpoints, so a resumed run drops at the same step (a run resumed
    with another epoch budget drops at the end of its own: ``on_train_start``).

    Per-epoch means of the training and validation loss are logged as
    ``train_loss`` / ``val_loss`` and kept in ``history`` (saved in
    checkpoints, so a resumed run keeps the whole curve).
    """

    def __init__(self, model: BaseAutoencoder, learning_rate: float = 1e-3, weight_decay: float = 0.0,
                 fingerprint: dict | None = None, history_csv: Path | None = None,
                 step_rows: int | None = None, compile_loss: bool = False, optimizer: str = "adam",
                 plain_inner_steps: bool = False, lr_drop: float = 0.0, lr_drop_factor: float = 0.1):
        super().__init__()
        self.fingerprint = fingerprint  # what a checkpoint must match to be resumed
        self.history_csv = history_csv
        # One optimizer, one step per batch: stepping by hand skips Lightning's
        # closure machinery, a measurable cost per step on small CPU models
        # (see benchmarks/README.md).
        self.automatic_optimization = False
        self.model = model
        # A batch of more than step_rows rows is stepped through in consecutive
        # slices of step_rows: several optimiser steps for one Lightning step.
        self.step_rows = step_rows
        # With plain_inner_steps, the slices before a batch's last are stepped with a plain
        # loss.backward() and the optimizer itself: Lightning's backward and step plumbing
        # (precision plugin, backward and optimizer-step hooks, step counter) runs once per
        # Lightning step, on the last slice; about 0.1 ms less per optimiser step. Only for
        # one process in 32-bit precision, where that plumbing has nothing to add (no gradient
        # scaling, no DDP gradient synchronisation; aekit's callbacks use none of those hooks).
        # Lightning's global_step then counts Lightning steps, not optimiser steps.
        self.plain_inner_steps = plain_inner_steps
        self._loss = torch.compile(model.loss) if compile_loss else model.loss
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.optimizer_name = optimizer
        self.lr_drop, self.lr_drop_factor = lr_drop, lr_drop_factor
        self.history: list[dict[str, float]] = []
        self._sums = {"train": [0.0, 0], "val": [0.0, 0]}

    @property
    def phases(self) -> tuple[str, ...]:
        return tuple(getattr(self.model, "phases", ()))

    def configure_optimizers(self):
        optimizers = self._optimizers()
        if not self.lr_drop:
            return optimizers
        optimizers = optimizers if isinstance(optimizers, list) else [optimizers]
        milestone = self._drop_step()
        schedulers = [{"scheduler": torch.optim.lr_scheduler.MultiStepLR(o, [milestone], gamma=self.lr_drop_factor),
                       "interval": "step"} for o in optimizers]
        return optimizers, schedulers

    def _drop_step(self) -> int:
        """The step from which this run's budget runs at the lowered rate."""
        steps = self.trainer.estimated_stepping_batches
        if not math.isfinite(steps):
            raise ValueError("lr_drop needs a run of known length (a finite epoch budget)")
        return max(1, round((1 - self.lr_drop) * steps))

    def on_train_start(self) -> None:
        """A resumed run's schedulers come back from its checkpoint with the drop step of the run that
        wrote it; move it to this run's own budget (the same step when the budget is unchanged), and set
        the rate the new schedule gives at the step reached (a longer budget may put it back up)."""
        if not self.lr_drop:
            return
        milestone = self._drop_step()
        for scheduler in self._schedulers():
            if list(scheduler.milestones) == [milestone]:
                continue
            scheduler.milestones = type(scheduler.milestones)([milestone])
            factor = self.lr_drop_factor if scheduler.last_epoch >= milestone else 1.0
            for group, base in zip(scheduler.optimizer.param_groups, scheduler.base_lrs):
                group["lr"] = base * factor
            scheduler._last_lr = [group["lr"] for group in scheduler.optimizer.param_groups]

    def _schedulers(self) -> list:
        """The learning-rate schedulers (none without ``lr_drop``)."""
        schedulers = self.lr_schedulers()
        return schedulers if isinstance(schedulers, list) else [schedulers] if schedulers else []

    def _step_schedulers(self) -> None:
        """One step of every learning-rate scheduler (none without ``lr_drop``): once per training step."""
        for scheduler in self._schedulers():
            scheduler.step()

    def _optimizers(self):
        if self.phases:  # weight decay on the first phase's (reconstruction's) parameters only
            betas = getattr(self.model, "phase_adam_betas", {})
            return [torch.optim.Adam(self.model.parameters_of(phase), lr=self.learning_rate,
                                     betas=betas.get(phase, (0.9, 0.999)),
                                     weight_decay=self.weight_decay if i == 0 else 0.0)
                    for i, phase in enumerate(self.phases)]
        # Rprop and L-BFGS (AutoRec's full-batch optimisers) take no weight decay:
        # such models put their L2 term in the loss.
        if self.optimizer_name == "rprop":
            return torch.optim.Rprop(self.model.parameters(), lr=self.learning_rate)
        if self.optimizer_name == "lbfgs":
            return torch.optim.LBFGS(self.model.parameters(), lr=self.learning_rate, max_iter=20,
                                     line_search_fn="strong_wolfe")
        # Adam's weight_decay adds weight_decay * w to the gradient: classic L2 weight decay.
        return torch.optim.Adam(self.model.parameters(), lr=self.learning_rate,
                                weight_decay=self.weight_decay)

    def _accumulate(self, stage: str, loss: torch.Tensor, n: int) -> None:
        total = self._sums[stage]
        total[0] += loss.detach().float() * n  # a tensor: no host sync per step on a GPU
        total[1] += n

    def _epoch_mean(self, stage: str) -> float:
        total, count = self._sums[stage]
        self._sums[stage] = [0.0, 0]
        return float(total) / max(count, 1)

    def __setattr__(self, name: str, value) -> None:
        # Lightning records the running hook's name several times per batch;
        # nn.Module.__setattr__ is slow for such plain attributes.
        if name == "_current_fx_name":
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    def _slices(self, batch):
        """Consecutive ``step_rows``-row slices of ``batch`` (a tensor or a tuple of tensors)."""
        n = batch_rows(batch)
        size = self.step_rows or n
        for start in range(0, n, size):
            yield slice_batch(batch, slice(start, start + size))

    def training_step(self, batch: torch.Tensor, batch_idx: int):
        optimizer = self.optimizers()  # the Lightning wrapper counts global steps for checkpoints
        if self.optimizer_name == "lbfgs":  # one closure-driven step on the whole batch
            terms = self._lbfgs_step(optimizer, batch)
            self._accumulate("train", terms["loss"], batch_rows(batch))
            self._step_schedulers()
            return terms["loss"]
        parts = list(self._slices(batch))
        self.phase_losses: list[torch.Tensor] = []
        for i, part in enumerate(parts):
            plain = self.plain_inner_steps and i < len(parts) - 1
            loss = (self._phase_steps(optimizer, part, plain) if self.phases
                    else self._step(optimizer, self._loss, part, plain))
            self._accumulate("train", loss, batch_rows(part))
            if i == 0:
                self.first_slice_loss = loss.detach()  # before this call's first step (divergence guard)
        self._step_schedulers()
        return loss  # a NaN or inf in any slice carries into the last one, which the NaN guard checks

    def _step(self, optimizer, loss_of, batch, plain: bool = False) -> torch.Tensor:
        """One optimiser step on ``batch``; ``plain``: without Lightning's plumbing (see __init__)."""
        loss = loss_of(batch)["loss"]
        if plain:
            optimizer.optimizer.zero_grad()
            loss.backward()
            optimizer.optimizer.step()
            return loss
        optimizer.zero_grad()
        self.manual_backward(loss)
        optimizer.step()
        return loss

    def _phase_steps(self, optimizers, batch, plain: bool = False) -> torch.Tensor:
        """One step of every phase in turn; the first phase's loss is reported, and every
        phase's is kept in ``phase_losses`` (one row per slice of the Lightning step: the
        divergence guard checks them all)."""
        losses = [self._step(optimizer, functools.partial(self.model.phase_loss, phase), batch, plain)
                  for phase, optimizer in zip(self.phases, optimizers)]
        self.phase_losses.append(torch.stack([loss.detach() for loss in losses]))
        return losses[0]

    def _lbfgs_step(self, optimizer, batch) -> dict[str, torch.Tensor]:
        """L-BFGS re-evaluates the loss inside its line search: it needs a closure."""
        def closure():
            optimizer.zero_grad()
            loss = self.model.loss(batch)["loss"]
            self.manual_backward(loss)
            return loss

        optimizer.step(closure=closure)
        with torch.no_grad():
            return self.model.loss(batch)

    def validation_step(self, batch: torch.Tensor, batch_idx: int) -> None:
        # The same random numbers every epoch (a denoising model's corruption, a VAE's draws), so
        # the validation curve moves with the weights only; the training stream is left as it was.
        device = first_tensor(batch).device
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(VALIDATION_SEED + batch_idx)
            watched = getattr(self.model, "validation_loss", self.model.loss)  # a plain nn.Module has loss only
            self._accumulate("val", watched(batch)["loss"], batch_rows(batch))

    def on_validation_epoch_end(self) -> None:
        if self.trainer.sanity_checking:
            self._epoch_mean("val")
            return
        self.log("val_loss", self._epoch_mean("val"), prog_bar=True)

    def on_train_epoch_start(self) -> None:
        self.model.set_epoch(self.current_epoch)  # schedules (KL warm-up) follow resumed epochs too

    def on_train_epoch_end(self) -> None:
        train_loss = self._epoch_mean("train")
        if self.trainer.world_size > 1:  # each process saw its share of the rows: average them
            train_loss = float(self.trainer.strategy.reduce(torch.tensor(train_loss), reduce_op="mean"))
        row = {"epoch": self.current_epoch + 1, "train_loss": train_loss}
        val = self.trainer.callback_metrics.get("val_loss")
        if val is not None and self.trainer.val_dataloaders is not None:
            row["val_loss"] = float(val)
        self.history.append(row)
        self.log("train_loss", row["train_loss"], prog_bar=True)
        if self.history_csv is not None and self.trainer.is_global_zero:
            self._write_history()

    def _write_history(self) -> None:
        """The whole history (resumed epochs included), replaced atomically each epoch."""
        with atomic_write(self.history_csv, "w") as f:
            pd.DataFrame(self.history).to_csv(f, index=False)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["aekit_history"] = list(self.history)
        checkpoint["aekit_fingerprint"] = self.fingerprint
        # Noise for denoising models comes from torch's RNG: keep its state, so a
        # resumed run draws the same corruption as an uninterrupted one.
        checkpoint["aekit_torch_rng"] = torch.get_rng_state()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        saved = checkpoint.get("aekit_fingerprint")
        if self.fingerprint is not None and saved != self.fingerprint:
            differing = sorted(k for k in set(saved or {}) | set(self.fingerprint)
                               if (saved or {}).get(k) != self.fingerprint.get(k))
            raise CheckpointError(
                f"the checkpoint was written by a different run (differs in {differing}); "
                "use a new checkpoint directory, or resume=False to start over")
        self.history = list(checkpoint.get("aekit_history", []))
        if "aekit_torch_rng" in checkpoint:
            torch.set_rng_state(checkpoint["aekit_torch_rng"])
