"""What every ``aekit`` command shares: the console, the reusable options and
loading a dataset or a user file.

Start-up must stay fast: at module level import only typer, rich and numpy;
the data loaders are imported inside :func:`load_data`.
"""

from __future__ import annotations

import dataclasses
import shlex
import sys
import warnings
from typing import Optional

import numpy as np
import typer
from rich.console import Console
from typer.core import TyperCommand

# soft_wrap: a message is never cut into lines at the terminal width (80 columns when
# output goes to a file or a pipe), so a long path stays on one line for scripts and logs.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

MODEL_HELP = "A .safetensors model file or a run folder written by `aekit train`."
INPUT_HELP = "CSV/Parquet/NPY/NPZ table, or a folder of images."


# -- options ------------------------------------------------------------------------

def label_option():
    """``--label COLUMN``: reuse in every command that reads a table (``label: Optional[str] = label_option()``)."""
    return typer.Option(None, "--label", help="Column holding the label (used for probes and colours, "
                        "never as a feature); a 0-based position for files without a header.")


def drop_option():
    """``--drop COL[,COL]``: reuse in every command that reads a table."""
    return typer.Option(None, "--drop", help="Columns to leave out (free text, ...), comma-separated; "
                        "name id columns with --id instead, to carry them into outputs.")


def id_option():
    """``--id COL[,COL]``: id columns, kept out of the features and copied into every output."""
    return typer.Option(None, "--id", help="Id columns, comma-separated: never features; the model remembers "
                        "them and encode / reconstruct / detect score copy them into their outputs.")


def skip_unreadable_option():
    """``--skip-unreadable``: an image folder's unreadable files are skipped (counted), not an error."""
    return typer.Option(False, "--skip-unreadable", help="Skip image files that cannot be read (their number "
                        "is printed) instead of refusing the folder.")


def handle_unknown_option(default: Optional[str] = None):
    """``--handle-unknown ignore|error``: a category of a table column not seen in training."""
    return typer.Option(default, "--handle-unknown", help="A category not seen in training: 'ignore' encodes "
                        "it as all zeros with a warning, 'error' refuses it" + ("" if default else
                        " (default: the model's, ignore)") + ".")


def image_size_option():
    """``--image-size WxH`` of the commands that apply a model to images."""
    return typer.Option(None, "--image-size", help="Resize images to WxH (as in training).")


# -- one vocabulary: the output is --out/-o, the input data --data/-d, in every command ------------
# Renamed spellings stay for a release as hidden aliases that print a deprecation note
# (tests/test_cli_vocabulary.py walks the command tree and fails on two spellings of one concept).

def out_option(help: str):
    """``--out/-o PATH``: what a command writes (a file or a folder); required unless an old spelling is given."""
    return typer.Option(None, "--out", "-o", help=help + " (required)")


def data_file_option(help: str = INPUT_HELP):
    """``--data/-d PATH``: the input data of a command that applies a model; required unless given positionally."""
    return typer.Option(None, "--data", "-d", help=help + " (required)")


def old_option(spelling: str):
    """A hidden option under the old ``spelling`` of a renamed option."""
    return typer.Option(None, spelling, hidden=True)


def old_argument():
    """A hidden, optional positional argument: the old place of what is now an option."""
    return typer.Argument(None, hidden=True, show_default=False)


class Command(TyperCommand):
    """A command whose usage line leaves out hidden arguments (the old places of renamed ones);
    register a command that has one with ``app.command(cls=Command)``."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if not getattr(param, "hidden", False):
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces


def renamed(value, old_value, old: str, new: str, default=None):
    """The value of option ``new``, or of its deprecated spelling ``old`` with a note on stderr
    (``default`` when neither is given).

    Raises :class:`typer.BadParameter` (a usage error, exit code 2) when both are given, or neither and there is no default.
    """
    if old_value is not None:
        if value is not None:
            raise typer.BadParameter(f"{old} and {new} give the same thing; give {new} only")
        warnings.warn(f"{old} is deprecated and will be removed in a future release; use {new}", FutureWarning,
                      stacklevel=2)
        return old_value
    if value is None and default is None:
        raise typer.BadParameter(f"{new} is required")
    return default if value is None else value


def warn_unused_options(model: str, cls, given: dict[str, tuple[str, object]]) -> None:
    """Warn (one line on stderr) about training options that ``--model`` has no use for, instead of
    ignoring them silently: a closed-form model (EASE, mSDA) has no epochs and no checkpoints.

    ``given`` maps an option's spelling to (the estimator parameter it sets, its value); an option
    left unset (None or False) is not named.
    """
    accepted = set(cls._get_param_names())
    unused = [option for option, (param, value) in given.items() if value not in (None, False)
              and param not in accepted]
    if not unused:
        return
    why = ("it is solved in closed form, with no epochs and no checkpoints" if "max_epochs" not in accepted
           else f"{cls.__name__} has no parameter for {'it' if len(unused) == 1 else 'them'}")
    resumed = ("; there is nothing to resume: the model is fitted from the start (the same model)"
               if "--resume" in unused else "")
    warnings.warn(f"{', '.join(unused)} {'does' if len(unused) == 1 else 'do'} not apply to --model {model} "
                  f"({cls.__name__}): {why}, so {'it is' if len(unused) == 1 else 'they are'} ignored{resumed}",
                  UserWarning, stacklevel=2)


def command_line() -> str:
    """The command as typed (``aekit`` and its arguments, shell-quoted), for a report's or run's record."""
    return "aekit " + shlex.join(sys.argv[1:])


def load_model_as(path, kind: type, expected: str, how: str):
    """The estimator saved in ``path``, checked to be a ``kind`` before a command uses it.

    A file holding another estimator (a detector given to ``recommend``, an autoencoder to
    ``decompress``) gets one :class:`~aekit.exceptions.ModelFileError` that says what it holds, what
    was ``expected`` ("an anomaly detector") and ``how`` to write one, the same for every command.
    """
    from aekit.exceptions import ModelFileError
    from aekit.formatting import with_article
    from aekit.io import load

    estimator = load(path)
    if not isinstance(estimator, kind):
        raise ModelFileError(f"{path} holds {with_article(type(estimator).__name__)}, not {expected}; {how}")
    return estimator


def required(value, name: str):
    """``value`` of a parameter that has no click-level default because of an old spelling; a usage error if None."""
    return renamed(value, None, "", name)


# Where training runs (devices, distributed, precision): shared by `train` and `compare`;
# the values go to the estimators as they are.
ACCELERATOR = typer.Option("auto", "--accelerator", help="auto (a GPU when there is one), cpu or gpu.")
DEVICES = typer.Option("1", "--devices", help="Devices per node (GPUs, or CPU processes); >1 trains with DDP.")
NUM_NODES = typer.Option(1, "--num-nodes", help="Machines for distributed training (torchrun / SLURM).")
STRATEGY = typer.Option("auto", "--strategy", help="auto or ddp (torchrun or SLURM start the processes).")
PRECISION = typer.Option("32", "--precision", help="32, bf16-mixed or 16-mixed (GPU only).")
NUM_THREADS = typer.Option(None, "--num-threads", help="torch threads while training (default: torch's).")


def device_settings(accelerator: str, devices: str, num_nodes: int, strategy: str, precision: str,
                    num_threads: Optional[int]) -> dict:
    """The estimator parameters of the device options, ``--devices`` checked."""
    if not (devices == "auto" or devices.isdigit()):
        raise typer.BadParameter(f"--devices expects a positive integer or 'auto', got {devices!r}")
    return {"accelerator": accelerator, "devices": devices if devices == "auto" else int(devices),
            "num_nodes": num_nodes, "strategy": strategy, "precision": precision, "num_threads": num_threads}


def device_context(estimator, settings: dict):
    """The device options around a fit, for models that take them as parameters and for those that do not.

    ``--num-threads`` holds for every model: the returned context sets torch's
    threads around the fit. The other device options reach only the estimators
    that take them; for any other, a setting away from its default gets a
    warning instead of being dropped in silence.
    """
    import warnings

    from aekit._threads import intra_op_threads
    from aekit.training.devices import DEVICE_PARAMS

    accepted = set(estimator.get_params())
    for key, value in settings.items():
        if key != "num_threads" and key not in accepted and value != DEVICE_PARAMS.get(key, value):
            warnings.warn(f"--{key.replace('_', '-')} {value} is not taken by {type(estimator).__name__}: it trains "
                          f"with {key}={DEVICE_PARAMS[key]!r}", stacklevel=2)
    return intra_op_threads(settings.get("num_threads"))


# -- parsing ------------------------------------------------------------------------

def parse_size(text: Optional[str]) -> Optional[tuple[int, int]]:
    """'28x28' or '28,28' -> (28, 28)."""
    if not text:
        return None
    parts = text.lower().replace(",", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise typer.BadParameter(f"expected WIDTHxHEIGHT such as 28x28, got {text!r}")
    return int(parts[0]), int(parts[1])


# The estimators' own "auto" defaults (aekit.estimators.sizing, aekit.training.TrainConfig.sized_for),
# spelled out once for every command's help.
LATENT_HELP = ("Code size, or auto: the fewest principal components explaining 90% of the scaled training "
               "data's variance, at most half the columns and 32 (VAEs 16, adversarial 8).")
EPOCHS_HELP = ("Maximum number of epochs; default auto: enough for about 4000 optimiser steps, 50 to 500, "
               "with early stopping; a run still improving by over 5% then goes on, up to 3 times that.")
BATCH_HELP = "Rows per optimiser step; default auto: training rows / 20, in 16..128."
PATIENCE_HELP = "Early-stopping patience in epochs; default auto: 500 optimiser steps, at least 5 epochs."


def latent_option():
    """``--latent``: default "auto", the estimators' own default."""
    return typer.Option("auto", "--latent", help=LATENT_HELP)


def parse_latent(text: str) -> int | str:
    """``--latent auto`` -> "auto", ``--latent 8`` -> 8."""
    if str(text).strip().lower() == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise typer.BadParameter(f"--latent expects a positive integer or auto, got {text!r}")
    return value


def auto_choices(estimator) -> dict:
    """What the "auto" settings chose for a fitted estimator (code size and budget), for run.json."""
    return dict(getattr(estimator, "training_settings_", None) or {})


def parse_hidden(hidden: str) -> tuple[int, ...]:
    """``--hidden 256,128`` -> (256, 128)."""
    return parse_sizes(hidden, "--hidden")


def parse_sizes(text: str, option: str) -> tuple[int, ...]:
    """'256,128' -> (256, 128): layer sizes or channel widths."""
    try:
        return tuple(int(h) for h in text.split(",") if h.strip())
    except ValueError:
        raise typer.BadParameter(f"{option} expects comma-separated integers, got {text!r}") from None


# -- data -----------------------------------------------------------------------------

def load_data(name_or_path: str, image_size: Optional[str] = None, seed: int = 0,
              label: Optional[str] = None, drop: Optional[str] = None, test_rows: Optional[list[int]] = None,
              whole: bool = False, ids: Optional[str] = None, skip_unreadable: bool = False, contract=None):
    """A registry dataset by name, or a user file / image folder split 80/20 at random
    (``whole=True``: not split, every row in ``X_train``).

    ``label`` / ``drop`` / ``ids`` name a table's label column, columns to
    leave out and id columns (see :func:`aekit.data.load_table`); an .npz's
    ``y`` array is the label. ``contract``: a model's data contract, whose
    columns are then selected by name. ``skip_unreadable``: an image folder's
    unreadable files are skipped (their number is printed).
    ``test_rows`` (user data only) fixes the test rows, as recorded in run.json.
    """
    from aekit.data import DATASET_NAMES, load_any
    from aekit.exceptions import DataError
    from aekit.runs import split_rows

    options = {"random_state": seed} if name_or_path in DATASET_NAMES else {
        "label": label, "drop": drop, "ids": ids, "skip_unreadable": skip_unreadable, "contract": contract}
    dataset = load_any(name_or_path, image_size=parse_size(image_size), **options)
    if dataset.X_test is not None or whole:
        return dataset
    n = len(dataset.X_train)
    train_rows, test_idx = split_rows(n, seed)
    if test_rows is not None:
        test_idx = np.asarray(test_rows, dtype=np.int64)
        if len(test_idx) and (test_idx.min() < 0 or test_idx.max() >= n):  # found by tests/test_fuzz.py
            raise DataError(f"{name_or_path} has {n} rows, but the run's test rows go up to row {test_idx.max()}: "
                            "it is not the data the run was trained on; restore that data or retrain")
        train_rows = np.setdiff1d(np.arange(n), test_idx)
    from aekit.data.tabular import take_rows

    X, y = dataset.X_train, dataset.y_train
    return dataclasses.replace(dataset, X_train=take_rows(X, train_rows), X_test=take_rows(X, test_idx),
                               y_train=None if y is None else y[train_rows],
                               y_test=None if y is None else y[test_idx])


def remember_contract(estimator, dataset) -> None:
    """Let ``estimator`` store the layout of the user table it was fitted on (its columns, their
    kinds and categories, the label, dropped and id columns) in its model file."""
    from aekit.data.contract import attach_contract

    attach_contract(estimator, getattr(dataset, "contract", None))


def features(X, feature_names):
    """``X`` as a DataFrame when its columns have names, so the model stores and checks them."""
    if feature_names is None or not isinstance(X, np.ndarray):
        return X
    import pandas as pd

    return pd.DataFrame(X, columns=list(feature_names), copy=False)


# -- the results table on the terminal ------------------------------------------------

TERMINAL_COLUMNS = ("model", "test_mse", "masked_mse", "ssim", "linear_probe", "knn", "fit_seconds", "sample_fd")


def print_table(table, fmt: str = "table", columns=TERMINAL_COLUMNS) -> None:
    """A results table on stdout as ``fmt`` (``--format``): for ``table``, the key ``columns``,
    transposed or one block per row when too wide (never cut); csv / json: every column.
    Every column is also in results.csv / .md and the report."""
    from aekit.cli._tables import print_table as print_any_table

    print_any_table(table, fmt, columns=columns, console=console)


# -- messages name the options, not the Python parameters they set --------------------------

# A library message names the parameter (``max_epochs must be >= 1``); on the command line the
# user typed the option (``--epochs``). Names without an underscore are only replaced at the
# start of a message, where they cannot be an ordinary word.
OPTION_NAMES = {
    "latent_dim": "--latent", "max_epochs": "--epochs", "batch_size": "--batch-size", "learning_rate": "--lr",
    "validation_fraction": "--validation-fraction", "handle_unknown": "--handle-unknown",
    "noise_level": "--noise-level", "weight_decay": "--weight-decay", "sparsity_weight": "--sparsity-weight",
    "sparsity_target": "--sparsity-target", "contractive_weight": "--contractive-weight",
    "user_col": "--user-col", "item_col": "--item-col", "rating_col": "--rating-col",
    "threshold_k": "--threshold-k", "skip_unreadable": "--skip-unreadable", "image_size": "--image-size",
    "num_threads": "--num-threads", "num_nodes": "--num-nodes",
    "contamination": "--contamination", "patience": "--patience", "threshold": "--threshold", "k": "--threshold-k",
    "score": "--score", "activation": "--activation", "likelihood": "--likelihood", "beta": "--beta",
}


def with_option_names(text: str) -> str:
    """``text`` (a message) with each Python parameter it names replaced by its option, unless the
    message names that option already (e.g. "max_epochs must be >= 1" -> "--epochs must be >= 1")."""
    import re

    for name, option in OPTION_NAMES.items():
        if option in text:
            continue
        pattern = rf"(?<![\w\-.'\"]){name}(?![\w'\"])" if "_" in name else rf"^{name}(?=[:= ])"
        text = re.sub(pattern, option, text)
    return text
