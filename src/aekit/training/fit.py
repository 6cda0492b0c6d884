"""Fit any model family with Lightning: validation split, early stopping,
best-weight restore, NaN guard, CSV log, progress bar and resumable
checkpoints. Nothing here knows about a particular family."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Union

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import torch
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

from aekit._threads import intra_op_threads
from aekit.data.blocks import BlockSource
from aekit.exceptions import DataError, TrainingDivergedError, TrainingDivergedWarning
from aekit.models.base import BaseAutoencoder
from aekit.training.batches import BlockBatches, SparseRowBatches, TensorBatches
from aekit.training.callbacks import (BestWeights, DivergenceGuard, DurableCheckpointIO, EpochProgressBar,
                                      ShardBatches, SoftBudget)
from aekit.training.devices import steps_per_call, trainer_device_options, validate_device_settings
from aekit.training.module import OPTIMIZERS, AutoencoderModule

LAST_CHECKPOINT = "last.ckpt"
MIN_TRAINING_ROWS = 2
HISTORY_CSV = "metrics.csv"


AUTO = "auto"
# What "auto" means (see TrainConfig.sized_for): small data get small batches
# and more epochs, so that training is counted in optimiser steps, not passes.
AUTO_BATCH_ROWS = 20  # batch = training rows / 20, clipped to [16, 128]
AUTO_BATCH_RANGE = (16, 128)
AUTO_MIN_STEPS = 4000  # epochs: at least 50, and enough for this many steps, at most 500
AUTO_EPOCH_RANGE = (50, 500)
AUTO_PATIENCE_STEPS = 500  # patience: at least 5 epochs, and at least this many steps
# An "auto" budget is soft: a run still improving when it is spent (see still_improving) goes on,
# epoch by epoch, until it no longer is, for at most AUTO_EXTENSION times the budget (and at most
# the larger of the budget and AUTO_EPOCH_RANGE's top). A run that is not still improving ends there.
AUTO_EXTENSION = 3
# validation_fraction "auto": a fifth of a small table (its early stopping then watches
# enough rows to be trusted), a tenth of anything with at least AUTO_SMALL_ROWS rows.
AUTO_SMALL_ROWS = 1000
AUTO_VALIDATION = (0.2, 0.1)


@dataclasses.dataclass
class TrainConfig:
    """How to train (as opposed to what to train: that is the model config).

    ``max_epochs``, ``batch_size``, ``patience`` and ``validation_fraction``
    may be ``"auto"``: then :meth:`sized_for` picks them from the number of
    training rows. The estimators build one from their parameters; use it
    directly with :func:`fit_model` to train a model of :mod:`aekit.models`.

    Attributes
    ----------
    max_epochs, batch_size, patience : int or "auto"
        The training budget and early stopping's patience (epochs).
    learning_rate, weight_decay : float
        The optimiser's settings.
    validation_fraction : float or "auto"
        Rows held out for early stopping.
    seed : int
        Seed of the split, the batch order and torch's random numbers.
    verbose : int
        0 silent, 1 progress bar, 2 also Lightning's messages.
    checkpoint_dir, log_dir : str, pathlib.Path or None
        Checkpoints (for ``resume``) and the per-epoch ``metrics.csv``.
    resume : bool
        Continue from ``checkpoint_dir/last.ckpt``.
    accelerator, devices, num_nodes, strategy, precision, num_threads
        Where and how to run (see :mod:`aekit.training.devices`).
    steps_per_call : int or None
        Optimiser steps per Lightning step (None: picked from the batch size).
    compile : bool
        ``torch.compile`` the model's loss.
    optimizer : {"adam", "rprop", "lbfgs"}
        The optimiser (the last two for full batches).
    limit_batches : int or None
        Run only this many batches per epoch (measurements, smoke runs).
    epoch_limit : int or None
        Set by :meth:`sized_for` for ``max_epochs="auto"``: a run still
        improving (by more than 5 percent over its last ``patience`` epochs) when
        the budget is spent goes on until it no longer is, up to this many
        epochs (3 times the budget, at most 500 or the budget). None: the
        budget is a hard limit.
    patience_steps : int
        What ``patience="auto"`` waits for: at least this many optimiser steps
        (and 5 epochs). Estimators whose validation loss is noisier set more.
    lr_drop : float
        Share of the budget's steps, at its end, trained at ``learning_rate *
        lr_drop_factor`` (the step decay of learned-compression papers: the
        last fifth at a tenth is ``lr_drop=0.2``); 0 (the default): a
        constant learning rate. The drop comes after ``1 - lr_drop`` of the
        ``max_epochs`` budget's steps (a Lightning learning-rate scheduler);
        with ``max_epochs="auto"`` the budget is then a hard limit (the
        schedule, not the still-improving rule, ends the run). Early stopping
        may end a run before the drop. Steps are counted as Lightning
        counts them: with several optimiser steps per Lightning step
        (``steps_per_call``) the drop falls on the boundary of one.
    lr_drop_factor : float
        What the learning rate is multiplied by at the drop, in (0, 1].

    Raises
    ------
    ValueError
        From :meth:`sized_for` and :meth:`validate`: a setting outside its range.

    Examples
    --------
    >>> from aekit.training import TrainConfig
    >>> cfg = TrainConfig(max_epochs="auto", batch_size="auto", patience="auto").sized_for(400)
    >>> cfg.batch_size, cfg.max_epochs > 50
    (18, True)
    >>> dropped = TrainConfig(max_epochs="auto", batch_size="auto", lr_drop=0.2).sized_for(400)
    >>> cfg.epoch_limit > cfg.max_epochs, dropped.epoch_limit == dropped.max_epochs  # with a drop: a hard budget
    (True, True)
    """

    max_epochs: int | str = 50
    batch_size: int | str = 128
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    validation_fraction: float | str = 0.1
    patience: int | str = 5
    seed: int = 0
    verbose: int = 0
    checkpoint_dir: str | Path | None = None
    resume: bool = False
    log_dir: str | Path | None = None
    # Where and how to run (see aekit.training.devices): "auto" picks a GPU when there is one.
    accelerator: str = "auto"
    devices: int | str = 1
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32"
    num_threads: int | None = None  # torch's intra-op threads while training (None: leave as is)
    # Optimiser steps per Lightning step (consecutive slices of one larger batch),
    # which spreads Lightning's per-step cost; None picks it from the batch size.
    steps_per_call: int | None = None
    compile: bool = False  # torch.compile the model's loss (pays off only for long runs)
    optimizer: str = "adam"  # "adam", "rprop" or "lbfgs" (the last two are meant for full batches)
    limit_batches: int | None = None  # run only this many batches per epoch (measurements, smoke runs)
    # With max_epochs="auto" (set by sized_for): the most epochs a run still improving at its budget may
    # go on to; None: max_epochs is a hard limit.
    epoch_limit: int | None = None
    patience_steps: int = AUTO_PATIENCE_STEPS
    lr_drop: float = 0.0  # the last share of the budget's steps runs at learning_rate * lr_drop_factor
    lr_drop_factor: float = 0.1

    def sized_for(self, n_rows: int) -> TrainConfig:
        """A copy with every ``"auto"`` setting chosen for ``n_rows`` rows of data.

        validation_fraction: a fifth under 1000 rows, else a tenth;
        batch_size: training rows / 20 in [16, 128]; max_epochs: enough
        epochs for 4000 optimiser steps, in [50, 500]; patience: 500 steps,
        at least 5 epochs. A 400-row table thus trains on 320 rows with
        batches of 16 for 200 epochs instead of 50 epochs of 3 steps; big
        data keep 128 and 50.

        Parameters
        ----------
        n_rows : int
            Rows of the training data (validation rows included).

        Returns
        -------
        TrainConfig
            No setting left at "auto".

        Raises
        ------
        ValueError
            A budget setting that is neither a positive integer nor "auto",
            or a validation fraction that is neither a number nor "auto".

        Examples
        --------
        >>> auto = TrainConfig(max_epochs="auto", batch_size="auto", patience="auto", validation_fraction="auto")
        >>> small, big = auto.sized_for(400), auto.sized_for(100_000)
        >>> small.validation_fraction, small.batch_size, small.max_epochs, small.patience
        (0.2, 16, 200, 25)
        >>> big.validation_fraction, big.batch_size, big.max_epochs, big.patience
        (0.1, 128, 50, 5)
        >>> TrainConfig(max_epochs=0).sized_for(400)
        Traceback (most recent call last):
        ValueError: max_epochs must be a positive integer or 'auto', got 0
        """
        for key in ("max_epochs", "batch_size", "patience"):
            value = getattr(self, key)
            if value == AUTO:
                continue
            if isinstance(value, (str, bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{key} must be a positive integer or 'auto', got {value!r}")
        fraction = self.validation_fraction
        if isinstance(fraction, str):
            if fraction != AUTO:
                raise ValueError(f"validation_fraction must be a number in [0, 1) or 'auto', got {fraction!r}")
            fraction = AUTO_VALIDATION[0] if n_rows < AUTO_SMALL_ROWS else AUTO_VALIDATION[1]
        n_fit = max(1, n_rows - int(round(n_rows * fraction)))
        batch = self.batch_size
        if batch == AUTO:
            batch = int(np.clip(n_fit // AUTO_BATCH_ROWS, *AUTO_BATCH_RANGE))
        steps_per_epoch = max(1, -(-n_fit // batch))
        epochs, limit = self.max_epochs, self.epoch_limit
        if epochs == AUTO:
            epochs = int(np.clip(-(-AUTO_MIN_STEPS // steps_per_epoch), *AUTO_EPOCH_RANGE))
            # a learning-rate drop plans the run's end: no extension past the budget
            limit = epochs if self.lr_drop else max(epochs, min(AUTO_EXTENSION * epochs, AUTO_EPOCH_RANGE[1]))
        patience = self.patience
        if patience == AUTO:
            patience = max(5, -(-self.patience_steps // steps_per_epoch))
        return dataclasses.replace(self, max_epochs=epochs, batch_size=batch, patience=patience,
                                   validation_fraction=fraction, epoch_limit=limit)

    def validate(self) -> None:
        """Check the settings; ``"auto"`` ones are checked once :meth:`sized_for` (or
        :func:`fit_model`, which calls it) has chosen them.

        Raises
        ------
        ValueError
            The first setting outside its range, named with its value.

        Examples
        --------
        >>> TrainConfig(max_epochs=5).validate()
        >>> TrainConfig(learning_rate=0.0).validate()
        Traceback (most recent call last):
        ValueError: learning_rate must be > 0, got 0.0
        >>> TrainConfig(resume=True).validate()
        Traceback (most recent call last):
        ValueError: resume=True needs a checkpoint_dir to resume from
        """
        if any(v == AUTO for v in (self.max_epochs, self.batch_size, self.patience, self.validation_fraction)):
            self.sized_for(1).validate()  # the other settings, and that "auto" is spelled right
            return
        if self.max_epochs < 1:
            raise ValueError(f"max_epochs must be >= 1, got {self.max_epochs}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if not self.weight_decay >= 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}")
        if not 0 <= self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must be in [0, 1), got {self.validation_fraction}")
        if self.patience < 1:
            raise ValueError(f"patience must be >= 1, got {self.patience}")
        if self.epoch_limit is not None and self.epoch_limit < self.max_epochs:
            raise ValueError(f"epoch_limit must be None or >= max_epochs ({self.max_epochs}), got {self.epoch_limit}")
        if not 0 <= self.lr_drop < 1:
            raise ValueError(f"lr_drop must be in [0, 1) (the share of the steps at the lowered rate), "
                             f"got {self.lr_drop}")
        if not 0 < self.lr_drop_factor <= 1:
            raise ValueError(f"lr_drop_factor must be in (0, 1], got {self.lr_drop_factor}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.resume and self.checkpoint_dir is None:
            raise ValueError("resume=True needs a checkpoint_dir to resume from")
        if self.steps_per_call is not None and self.steps_per_call < 1:
            raise ValueError(f"steps_per_call must be >= 1 or None, got {self.steps_per_call}")
        validate_device_settings(self)


# "Still improving" (see still_improving): the last `patience` epochs (500 optimiser steps under
# "auto") lowered the monitored loss by more than this share of its final value. A loss that creeps
# down by 0.1 % an epoch at the end of a long run has converged for practical purposes (its last
# epoch is then often the best by chance); one that still fell by 5 % in the last 500 steps has not.
STILL_IMPROVING_SHARE = 0.05


def still_improving(history: pd.DataFrame, best_epoch: int, epochs_run: int, stopped_early: bool,
                    window: int) -> bool:
    """Whether a run ended while its loss was still falling appreciably, i.e. ran out of epochs
    rather than of progress: it did not stop early, its last epoch was its best, and the last
    ``window`` epochs (early stopping's patience) lowered the validation loss (the training loss
    without validation) by more than ``STILL_IMPROVING_SHARE`` (5 %) of its final value (a run
    shorter than ``window``: at its last epochs' pace, projected over ``window`` epochs).

    Parameters
    ----------
    history : pandas.DataFrame
        Per-epoch ``train_loss`` (and ``val_loss``), as :class:`TrainResult` holds it.
    best_epoch, epochs_run : int
        The restored epoch and the epochs trained.
    stopped_early : bool
        Whether early stopping ended training.
    window : int
        Epochs to look back (early stopping's patience).

    Returns
    -------
    bool

    Examples
    --------
    >>> import pandas as pd
    >>> creeping = pd.DataFrame({"val_loss": [1.0, 0.5, 0.3, 0.2, 0.1995, 0.199]})
    >>> still_improving(creeping, 6, 6, False, window=2), still_improving(creeping, 6, 6, False, window=3)
    (False, True)
    """
    if stopped_early or epochs_run < 1 or best_epoch < epochs_run:
        return False
    column = "val_loss" if "val_loss" in history and history["val_loss"].notna().any() else "train_loss"
    if column not in history:
        return True
    losses = history[column].dropna().to_numpy(dtype=float)
    if len(losses) < 2:
        return True
    window = max(1, window)
    k = min(window, len(losses) - 1)  # a run shorter than the window: its pace, projected over the window
    recent = (losses[-1 - k] - losses[-1]) * window / k
    return bool(recent > STILL_IMPROVING_SHARE * abs(losses[-1]))


def more_epochs_advice(max_epochs, epochs_run: int) -> str:
    """What to do about a run that was still improving, for the ``max_epochs`` it was given
    (``"auto"``: raise it above the budget "auto" chose, ``epochs_run``)."""
    if max_epochs == AUTO:
        return (f"max_epochs='auto' chose {epochs_run} epochs for this data; give more, e.g. "
                f"max_epochs={2 * epochs_run} (CLI: --epochs {2 * epochs_run})")
    return "raise max_epochs (CLI: --epochs), or use max_epochs='auto'"


@dataclasses.dataclass
class TrainResult:
    """What :func:`fit_model` reports about a training run.

    Attributes
    ----------
    history : pandas.DataFrame
        ``epoch``, ``train_loss`` (and ``val_loss``) per epoch.
    best_epoch : int
        The epoch whose weights were restored.
    epochs_run : int
        Epochs trained.
    stopped_early : bool
        Whether early stopping ended training.
    device : str
        Where the model was trained (and is left, for fast inference).
    global_rank : int
        In distributed training, this process's rank (only rank 0 writes files).

    Examples
    --------
    >>> import numpy as np
    >>> from aekit.models import AutoencoderConfig, DenseAutoencoder
    >>> from aekit.training import TrainConfig, fit_model
    >>> X = np.random.default_rng(0).random((200, 8), dtype=np.float32)
    >>> model = DenseAutoencoder(AutoencoderConfig(input_dim=8, latent_dim=2, hidden=(16,)))
    >>> result = fit_model(model, X, TrainConfig(max_epochs=3, batch_size=32, accelerator="cpu"))
    >>> result.epochs_run, list(result.history.columns)[:2]
    (3, ['epoch', 'train_loss'])
    """
    history: pd.DataFrame  # epoch, train_loss[, val_loss]
    best_epoch: int
    epochs_run: int
    stopped_early: bool
    device: str = "cpu"  # where the model was trained (and is left, for fast inference)
    global_rank: int = 0  # in distributed training, only rank 0 writes files


# What a model trains on: one array, or a tuple of arrays with the same rows
# (inputs and labels, series and lengths); ``model.loss`` gets the same shape.
# A BlockSource (data larger than memory) is read one block at a time.
# Scipy sparse matrices (or a tuple of them) are batched by SparseRowBatches:
# ``model.loss`` then gets (values, mask) per matrix.
TrainData = Union[np.ndarray, tuple[np.ndarray, ...], BlockSource]


def _arrays(data: TrainData) -> tuple[np.ndarray, ...]:
    return data if isinstance(data, tuple) else (data,)


def _take(data: TrainData, rows: np.ndarray) -> TrainData:
    taken = tuple(a[rows] for a in _arrays(data))
    return taken if isinstance(data, tuple) else taken[0]


def _is_sparse(data: TrainData) -> bool:
    return hasattr(_arrays(data)[0], "tocsr")


def _n_rows(data: TrainData) -> int:
    return len(data) if isinstance(data, BlockSource) else _arrays(data)[0].shape[0]


def _row_batches(data: TrainData, batch_size: int, shuffle: bool = False, seed: int = 0) -> TensorBatches:
    if _is_sparse(data):
        return SparseRowBatches(data, batch_size, shuffle=shuffle, seed=seed)
    return TensorBatches(_to_tensors(data), batch_size, shuffle=shuffle, seed=seed)


def _to_tensors(data: TrainData):
    tensors = tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in _arrays(data))
    return tensors if isinstance(data, tuple) else tensors[0]


def run_fingerprint(model: BaseAutoencoder, X: TrainData, cfg: TrainConfig) -> dict:
    """What a checkpoint must match to be resumed: the model, the data and the training settings."""
    settings = {k: getattr(cfg, k) for k in ("batch_size", "learning_rate", "weight_decay",
                                             "validation_fraction", "seed")}
    if cfg.lr_drop:  # only when set: checkpoints of runs without a drop keep their fingerprint
        settings.update(lr_drop=cfg.lr_drop, lr_drop_factor=cfg.lr_drop_factor)
    if isinstance(X, BlockSource):  # too large to hash: its file's path, size and time of change
        return json.loads(json.dumps({"family": model.family, "config": model.config.to_dict(),
                                      "data": X.fingerprint(), **settings}))
    digest = hashlib.blake2b(digest_size=16)
    for array in _arrays(X):
        parts = (array.data, array.indices, array.indptr) if hasattr(array, "indptr") else (array,)
        for part in parts:
            digest.update(np.ascontiguousarray(part).data)
    return json.loads(json.dumps({  # plain JSON types only, so weights_only loading accepts them
        "family": model.family, "config": model.config.to_dict(),
        "data_shape": [list(a.shape) for a in _arrays(X)] if isinstance(X, tuple) else list(X.shape),
        "data_blake2b": digest.hexdigest(), **settings}))


def split_validation(X: TrainData, fraction: float, seed: int) -> tuple[TrainData, TrainData | None]:
    """Hold out ``fraction`` of the rows (at least one, when fraction > 0 and n >= 10)."""
    train_rows, val_rows = validation_rows(_n_rows(X), fraction, seed)
    if val_rows is None:
        return X, None
    return _take(X, train_rows), _take(X, val_rows)


def validation_rows(n: int, fraction: float, seed: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(training rows, validation rows) of :func:`split_validation`, as indices; (None, None)
    when nothing is held out."""
    n_val = int(round(n * fraction))
    if fraction == 0 or n_val < 1 or n - n_val < 1 or n < 10:
        return None, None
    order = np.random.default_rng(seed).permutation(n)
    return order[n_val:], order[:n_val]


@contextmanager
def _quiet_lightning(verbose: int):
    """Hide Lightning's start-up chatter and CPU-only hints unless verbose >= 2."""
    loggers = [logging.getLogger(n) for n in ("lightning.pytorch", "lightning.fabric", "lightning")]
    levels = [lg.level for lg in loggers]
    with warnings.catch_warnings():
        if verbose < 2:
            for lg in loggers:
                lg.setLevel(logging.WARNING)
            warnings.filterwarnings("ignore", message=".*(num_workers|GPU available|TPU available"
                                    "|does not have many workers|LitLogger|litlogger|log_every_n_steps|exists and is not empty"
                                    "|no `val_dataloader`).*")  # no validation split: tiny data or fraction 0
            warnings.filterwarnings("ignore", message=".*LeafSpec.*")  # torch deprecation inside Lightning
        try:
            yield
        finally:
            for lg, level in zip(loggers, levels):
                lg.setLevel(level)


def _callbacks(cfg: TrainConfig, monitor: str, checkpoint_dir: Path | None) -> list[pl.Callback]:
    """Without a checkpoint directory the best weights stay in memory and no file is
    written each epoch (a measurable cost per epoch, see benchmarks/README.md)."""
    callbacks = [DivergenceGuard(), EarlyStopping(monitor=monitor, patience=cfg.patience, mode="min"),
                 BestWeights(monitor, in_memory=checkpoint_dir is None)]
    if cfg.epoch_limit is not None and cfg.epoch_limit > cfg.max_epochs:
        callbacks.append(SoftBudget(cfg.max_epochs, cfg.patience, still_improving))
    if checkpoint_dir is not None:
        callbacks.append(ModelCheckpoint(dirpath=checkpoint_dir, filename="best", monitor=monitor, mode="min",
                                         save_top_k=1, save_last=True, enable_version_counter=False))
    if cfg.verbose > 0:
        callbacks.append(EpochProgressBar())
    return callbacks


def fit_model(model: BaseAutoencoder, X: TrainData, cfg: TrainConfig,
              validation: TrainData | None = None) -> TrainResult:
    """Train ``model`` in place on the float32 array ``X`` (or a tuple of arrays
    with the same rows, passed to ``model.loss`` as a tuple of tensors);
    restore its best weights.

    ``"auto"`` settings in ``cfg`` are resolved with :meth:`TrainConfig.sized_for`.
    ``validation``, when given, is the data early stopping watches, used as
    is instead of a split of ``X`` (e.g. held-out ratings of the same rows).

    ``cfg.seed`` fixes the validation split, the batch order and torch's
    random numbers (noise) during training; the caller's global torch RNG
    state is left as it was.

    Parameters
    ----------
    model : aekit.models.BaseAutoencoder
        Any model with a ``loss(batch)``; trained in place.
    X : numpy.ndarray, tuple of arrays, BlockSource or scipy sparse matrix
        The training rows (float32).
    cfg : TrainConfig
        How to train.
    validation : same kind as ``X``, optional
        Data for early stopping instead of a split of ``X``.

    Returns
    -------
    TrainResult
        The per-epoch history, the best epoch, the epochs run.

    Raises
    ------
    aekit.exceptions.DataError
        Fewer rows than training needs.
    ValueError
        A setting of ``cfg`` outside its range.
    aekit.exceptions.TrainingDivergedError
        The loss became NaN or infinite.
    aekit.exceptions.CheckpointError
        ``resume`` from a checkpoint written for other data or settings.

    Examples
    --------
    >>> import numpy as np
    >>> from aekit.models import AutoencoderConfig, DenseAutoencoder
    >>> from aekit.training import TrainConfig, fit_model
    >>> X = np.random.default_rng(0).random((200, 8), dtype=np.float32)
    >>> model = DenseAutoencoder(AutoencoderConfig(input_dim=8, latent_dim=2, hidden=(16,)))
    >>> fit_model(model, X, TrainConfig(max_epochs=2, batch_size=32, accelerator="cpu")).best_epoch in (1, 2)
    True
    """
    if _n_rows(X) < MIN_TRAINING_ROWS:
        raise DataError(f"got {_n_rows(X)} sample(s) to train on; training needs at least {MIN_TRAINING_ROWS} "
                        "rows (samples), and many more to learn anything")
    cfg = cfg.sized_for(_n_rows(X))
    cfg.validate()
    with torch.random.fork_rng(), intra_op_threads(cfg.num_threads):
        torch.manual_seed(cfg.seed)
        return _fit(model, X, cfg, validation)


def _amortised(X: TrainData, cfg: TrainConfig) -> bool:
    """Several optimiser steps per Lightning step only where that is the same training:
    dense (or block) batches, a per-batch optimiser (Adam), and no limit on batches per epoch.
    Sparse batches, Rprop / L-BFGS (full-batch optimisers, L-BFGS with its closure) and
    limit_batches take one step per call."""
    return cfg.optimizer == "adam" and cfg.limit_batches is None and not _is_sparse(X)


def _batches(X: TrainData, cfg: TrainConfig, rows_per_call: int, validation: TrainData | None = None):
    """Training and validation batches (None when there is no validation split)."""
    if isinstance(X, BlockSource):
        if validation is not None:
            raise ValueError("validation= is not supported with block sources: the validation blocks "
                             "are held out of the source itself (validation_fraction)")
        train_blocks, val_blocks = split_validation_blocks(X.n_blocks, cfg.validation_fraction, cfg.seed)
        return (BlockBatches(X, train_blocks, rows_per_call, shuffle=True, seed=cfg.seed),
                BlockBatches(X, val_blocks, 4 * cfg.batch_size) if val_blocks else None)
    if validation is None and not _is_sparse(X):  # the split as row indices: no copy of either part
        tensors = _to_tensors(X)
        train_rows, val_rows = (None if r is None else torch.from_numpy(r)
                                for r in validation_rows(_n_rows(X), cfg.validation_fraction, cfg.seed))
        return (TensorBatches(tensors, rows_per_call, shuffle=True, seed=cfg.seed, rows=train_rows),
                None if val_rows is None else TensorBatches(tensors, 4 * cfg.batch_size, rows=val_rows))
    if validation is None:
        X_train, X_val = split_validation(X, cfg.validation_fraction, cfg.seed)
    else:
        X_train, X_val = X, validation
    # sparse rows are densified per batch (wide rows: a recommender's users or items), so validation
    # batches keep the training batch's size instead of four times it
    val_rows = rows_per_call if _is_sparse(X_train) else 4 * cfg.batch_size
    return (_row_batches(X_train, rows_per_call, shuffle=True, seed=cfg.seed),
            None if X_val is None else _row_batches(X_val, val_rows))


def split_validation_blocks(n_blocks: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Hold out ``fraction`` of the blocks (at least one, when fraction > 0 and there are 2 or more)."""
    n_val = max(1, int(round(n_blocks * fraction))) if fraction > 0 and n_blocks >= 2 else 0
    order = np.random.default_rng(seed).permutation(n_blocks)
    return sorted(order[n_val:].tolist()), sorted(order[:n_val].tolist())


def _fit(model: BaseAutoencoder, X: TrainData, cfg: TrainConfig, validation: TrainData | None) -> TrainResult:
    amortised = _amortised(X, cfg)
    rows_per_call = (steps_per_call(cfg) if amortised else 1) * cfg.batch_size
    train_batches, val_batches = _batches(X, cfg, rows_per_call, validation)
    monitor = "train_loss" if val_batches is None else "val_loss"
    history_csv = None
    if cfg.log_dir is not None:
        Path(cfg.log_dir).mkdir(parents=True, exist_ok=True)
        history_csv = Path(cfg.log_dir) / HISTORY_CSV
    fingerprint = run_fingerprint(model, X, cfg) if cfg.checkpoint_dir else None
    module = AutoencoderModule(model, cfg.learning_rate, cfg.weight_decay, fingerprint, history_csv,
                               step_rows=cfg.batch_size if amortised else None, compile_loss=cfg.compile,
                               optimizer=cfg.optimizer, plain_inner_steps=amortised and str(cfg.precision) == "32",
                               lr_drop=cfg.lr_drop, lr_drop_factor=cfg.lr_drop_factor)

    with _quiet_lightning(cfg.verbose):
        checkpoint_dir = Path(cfg.checkpoint_dir) if cfg.checkpoint_dir else None
        callbacks = [*_callbacks(cfg, monitor, checkpoint_dir), ShardBatches(train_batches)]
        trainer = pl.Trainer(
            max_epochs=cfg.epoch_limit or cfg.max_epochs, **trainer_device_options(cfg),
            callbacks=callbacks, plugins=[DurableCheckpointIO()],
            logger=False,  # the per-epoch history is written by the module (it survives resume)
            enable_progress_bar=cfg.verbose > 0, enable_model_summary=cfg.verbose > 1,
            num_sanity_val_steps=0, deterministic=False,
            limit_train_batches=cfg.limit_batches or 1.0, limit_val_batches=cfg.limit_batches or 1.0,
        )
        ckpt_path = _resume_path(checkpoint_dir) if cfg.resume else None
        restored = next(c for c in trainer.callbacks if isinstance(c, BestWeights))
        try:
            trainer.fit(module, train_batches, val_batches, ckpt_path=ckpt_path, weights_only=True)
        except TrainingDivergedError as err:
            if not restored.restore(trainer, module):
                raise  # diverged in its first epoch: nothing worth keeping
            warnings.warn(f"{err}. Stopped there and kept the weights of epoch {restored.best_epoch}, "
                          "the best before it diverged", TrainingDivergedWarning, stacklevel=4)
        best_epoch = restored.best_epoch or len(module.history)

    device = trainer.strategy.root_device
    model.to(device)  # Lightning hands the model back on the CPU; inference runs where it trained
    stopped = trainer.early_stopping_callback is not None and trainer.early_stopping_callback.stopped_epoch > 0
    return TrainResult(pd.DataFrame(module.history), best_epoch, len(module.history), stopped,
                       device=str(device), global_rank=trainer.global_rank)


def _resume_path(checkpoint_dir: Path) -> str | None:
    last = checkpoint_dir / LAST_CHECKPOINT
    return str(last) if last.exists() else None
