"""Where training runs: accelerator, devices, nodes, strategy, precision and threads.

Everything here is passed on to Lightning's Trainer, which does the work
(device placement, mixed precision, DDP started by torchrun or SLURM); this
module only checks the settings early, with messages that say what to do.
"""

from __future__ import annotations

import math

import torch

# Estimator parameters that say where and how to train, with their defaults.
# They reach TrainConfig as they are; an estimator that does not take one of
# them trains with the default. They belong to the machine, not the model:
# model files store the defaults (a GPU-trained model refits on a CPU).
DEVICE_PARAMS = {"accelerator": "auto", "devices": 1, "num_nodes": 1, "strategy": "auto",
                 "precision": "32", "num_threads": None}


def device_settings(estimator) -> dict:
    """The estimator's device parameters (:data:`DEVICE_PARAMS`) for a TrainConfig, each default where it
    takes none.

    Examples
    --------
    >>> from aekit.training.devices import device_settings
    >>> class Bare: num_threads = 2
    >>> device_settings(Bare())["num_threads"], device_settings(Bare())["accelerator"]
    (2, 'auto')
    """
    return {name: getattr(estimator, name, default) for name, default in DEVICE_PARAMS.items()}


ACCELERATORS = ("auto", "cpu", "gpu", "cuda", "mps")
PRECISIONS = ("32", "bf16-mixed", "16-mixed")
STRATEGIES = ("auto", "ddp", "ddp_find_unused_parameters_true")
# Rows one Lightning step covers when steps_per_call is left to aekit: large
# enough that Lightning's per-step cost (about half a millisecond) is spread
# over many optimiser steps, small enough to be a view of the shuffled epoch.
ROWS_PER_CALL = 4096
MAX_STEPS_PER_CALL = 16


def validate_device_settings(cfg) -> None:
    """Refuse settings Lightning would only reject later, or that cannot run here."""
    if cfg.accelerator not in ACCELERATORS:
        raise ValueError(f"accelerator must be one of {ACCELERATORS}, got {cfg.accelerator!r}")
    if cfg.accelerator in ("gpu", "cuda") and not torch.cuda.is_available():
        raise ValueError(f"accelerator={cfg.accelerator!r} but no GPU is visible to torch "
                         "(torch.cuda.is_available() is False); use accelerator='auto' or 'cpu'")
    if str(cfg.precision) not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {cfg.precision!r}")
    if str(cfg.precision) == "16-mixed" and not _uses_gpu(cfg.accelerator):
        raise ValueError("precision='16-mixed' needs a GPU; on the CPU use 'bf16-mixed' or '32'")
    if cfg.strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {cfg.strategy!r}")
    if not (cfg.devices == "auto" or (isinstance(cfg.devices, int) and cfg.devices >= 1)):
        raise ValueError(f"devices must be a positive integer or 'auto', got {cfg.devices!r}")
    if not (isinstance(cfg.num_nodes, int) and cfg.num_nodes >= 1):
        raise ValueError(f"num_nodes must be a positive integer, got {cfg.num_nodes!r}")
    if cfg.num_threads is not None and not (isinstance(cfg.num_threads, int) and cfg.num_threads >= 1):
        raise ValueError(f"num_threads must be a positive integer or None, got {cfg.num_threads!r}")


def _uses_gpu(accelerator: str) -> bool:
    return accelerator in ("gpu", "cuda") or (accelerator == "auto" and torch.cuda.is_available())


def is_distributed(cfg) -> bool:
    """More than one training process (several devices or nodes, or a DDP strategy)."""
    return cfg.num_nodes > 1 or cfg.devices not in (1, "1") or cfg.strategy.startswith("ddp")


def trainer_device_options(cfg) -> dict:
    """The Trainer arguments that say where and how to run."""
    return {"accelerator": cfg.accelerator, "devices": cfg.devices, "num_nodes": cfg.num_nodes,
            "strategy": cfg.strategy, "precision": str(cfg.precision)}


def steps_per_call(cfg) -> int:
    """Optimiser steps per Lightning step: as set, or enough to cover ROWS_PER_CALL rows.

    Distributed training takes one step per call: DDP synchronises gradients
    once per forward of the wrapped module.
    """
    if is_distributed(cfg):
        return 1
    if cfg.steps_per_call is not None:
        return cfg.steps_per_call
    return max(1, min(MAX_STEPS_PER_CALL, math.ceil(ROWS_PER_CALL / cfg.batch_size)))


def model_device(model: torch.nn.Module) -> torch.device:
    """The device a model's weights are on (the CPU for a model without any)."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")
