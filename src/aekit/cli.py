"""The ``aekit`` command.

Every command has ``--help``; errors print one line to stderr and exit
non-zero (``aekit --debug ...`` shows the traceback instead).

Start-up must stay fast (``aekit --help`` well under a second): at module
level import only typer, rich, numpy and ``aekit.estimators.presets``; import
torch, Lightning, estimators, models, compare and viz inside the commands.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from aekit.estimators.presets import PRESETS, make_estimator, model_names

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Autoencoders of every kind: train, use and inspect them.")
console = Console()


def _print_version(value: bool) -> None:
    if value:
        from aekit._version import __version__

        console.print(f"aekit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
          version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print the aekit version and exit.")) -> None:
    """aekit: train, use and inspect autoencoders."""


# -- data -----------------------------------------------------------------------

def parse_size(text: Optional[str]) -> Optional[tuple[int, int]]:
    """'28x28' or '28,28' -> (28, 28)."""
    if not text:
        return None
    parts = text.lower().replace(",", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise typer.BadParameter(f"expected WIDTHxHEIGHT such as 28x28, got {text!r}")
    return int(parts[0]), int(parts[1])


def label_option():
    """``--label COLUMN``: reuse in every command that reads a table (``label: Optional[str] = label_option()``)."""
    return typer.Option(None, "--label", help="Column holding the label (used for probes and colours, "
                        "never as a feature); a 0-based position for files without a header.")


def drop_option():
    """``--drop COL[,COL]``: reuse in every command that reads a table."""
    return typer.Option(None, "--drop", help="Columns to leave out (ids, free text), comma-separated.")


def handle_unknown_option(default: Optional[str] = None):
    """``--handle-unknown ignore|error``: a category of a table column not seen in training."""
    return typer.Option(default, "--handle-unknown", help="A category not seen in training: 'ignore' encodes "
                        "it as all zeros with a warning, 'error' refuses it" + ("" if default else
                        " [default: the model's, ignore]") + ".")


def load_data(name_or_path: str, image_size: Optional[str] = None, seed: int = 0,
              label: Optional[str] = None, drop: Optional[str] = None, test_rows: Optional[list[int]] = None,
              whole: bool = False):
    """A registry dataset by name, or a user file / image folder split 80/20 at random
    (``whole=True``: not split, every row in ``X_train``).

    ``label`` / ``drop`` name a table's label column and columns to leave out
    (see :func:`aekit.data.load_table`); an .npz's ``y`` array is the label.
    ``test_rows`` (user data only) fixes the test rows, as recorded in run.json.
    """
    import dataclasses

    from aekit.data import DATASET_NAMES, load_any
    from aekit.runs import split_rows

    options = {"random_state": seed} if name_or_path in DATASET_NAMES else {"label": label, "drop": drop}
    dataset = load_any(name_or_path, image_size=parse_size(image_size), **options)
    if dataset.X_test is not None or whole:
        return dataset
    n = len(dataset.X_train)
    train_rows, test_idx = split_rows(n, seed)
    if test_rows is not None:
        test_idx = np.asarray(test_rows, dtype=np.int64)
        train_rows = np.setdiff1d(np.arange(n), test_idx)
    from aekit.data.tabular import take_rows

    X, y = dataset.X_train, dataset.y_train
    return dataclasses.replace(dataset, X_train=take_rows(X, train_rows), X_test=take_rows(X, test_idx),
                               y_train=None if y is None else y[train_rows],
                               y_test=None if y is None else y[test_idx])


def features(X, feature_names):
    """``X`` as a DataFrame when its columns have names, so the model stores and checks them."""
    if feature_names is None or not isinstance(X, np.ndarray):
        return X
    import pandas as pd

    return pd.DataFrame(X, columns=list(feature_names), copy=False)


@app.command()
def datasets() -> None:
    """List the named datasets: what they are, whether they are here, how to get them."""
    from aekit.data import list_datasets

    table = Table("name", "samples", "available")
    table.add_column("source / how to get it", overflow="fold")  # fold long URLs, never cut them
    for info in list_datasets():
        where = info.source if info.available else info.how_to_get
        table.add_row(info.name, info.n_samples, "yes" if info.available else "no", where)
    console.print(table)


# -- where training runs (devices, distributed, precision) ---------------------------
# Shared by `train` and `compare`; the values go to the estimators as they are.

ACCELERATOR = typer.Option("auto", "--accelerator", help="auto (a GPU when there is one), cpu or gpu.")
DEVICES = typer.Option("1", "--devices", help="Devices per node (GPUs, or CPU processes); >1 trains with DDP.")
NUM_NODES = typer.Option(1, "--num-nodes", help="Machines for distributed training (torchrun / SLURM).")
STRATEGY = typer.Option("auto", "--strategy", help="auto or ddp (torchrun or SLURM start the processes).")
PRECISION = typer.Option("32", "--precision", help="32, bf16-mixed or 16-mixed (GPU only).")
NUM_THREADS = typer.Option(None, "--num-threads", help="torch threads while training (default: torch's).")


def device_settings(accelerator: str, devices: str, num_nodes: int, strategy: str, precision: str,
                    num_threads: Optional[int]) -> dict:
    if not (devices == "auto" or devices.isdigit()):
        raise typer.BadParameter(f"--devices expects a positive integer or 'auto', got {devices!r}")
    return {"accelerator": accelerator, "devices": devices if devices == "auto" else int(devices),
            "num_nodes": num_nodes, "strategy": strategy, "precision": precision, "num_threads": num_threads}


# -- training ---------------------------------------------------------------------

@app.command()
def train(
    model: str = typer.Option("ae", "--model", "-m", help=f"One of: {', '.join(PRESETS)}."),
    data: str = typer.Option("digits", "--data", "-d", help="Dataset name or a CSV/Parquet/NPY/NPZ file or image folder."),
    latent: int = typer.Option(32, "--latent", help="Code size."),
    hidden: str = typer.Option("256", "--hidden", help="Hidden layer sizes, comma-separated."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Maximum number of epochs [default: the "
                                         "model's; ae: auto, enough for 4000 optimiser steps, 50 to 500]."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="[default: the model's; ae: auto, "
                                             "rows/20 in 16..128]"),
    learning_rate: float = typer.Option(1e-3, "--lr", help="Adam learning rate."),
    patience: Optional[int] = typer.Option(None, "--patience", help="Early-stopping patience in epochs "
                                           "[default: the model's; ae: auto, 500 optimiser steps, at least 5]."),
    seed: int = typer.Option(0, "--seed"),
    image_size: Optional[str] = typer.Option(None, "--image-size", help="Resize images to WxH (image folders)."),
    out: Path = typer.Option(Path("runs/model"), "--out", "-o", help="Output directory."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run in --out."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    label: Optional[str] = label_option(),
    drop: Optional[str] = drop_option(),
    noise_level: Optional[float] = typer.Option(None, "--noise-level", help="Corruption level (denoising models)."),
    sparsity_weight: Optional[float] = typer.Option(None, "--sparsity-weight"),
    sparsity_target: Optional[float] = typer.Option(None, "--sparsity-target", help="Target activation (KL)."),
    contractive_weight: Optional[float] = typer.Option(None, "--contractive-weight"),
    weight_decay: Optional[float] = typer.Option(None, "--weight-decay"),
    tied: Optional[bool] = typer.Option(None, "--tied/--untied", help="Decoder reuses the encoder's weights."),
    activation: Optional[str] = typer.Option(None, "--activation", help="relu, elu, gelu, tanh, sigmoid, ..."),
    validation_fraction: Optional[float] = typer.Option(None, "--validation-fraction"),
    handle_unknown: Optional[str] = handle_unknown_option(),
    settings: Optional[list[str]] = typer.Option(None, "--set", help="Any other estimator parameter, "
                                                 "KEY=VALUE (VALUE as JSON, else text); repeatable."),
    task: Optional[str] = typer.Option(None, "--task", help="classify or regress: fine-tune a stacked model "
                                       "(stacked, sda) on the data's labels, with a softmax / linear head."),
    beta: Optional[float] = typer.Option(None, "--beta", help="Weight of the KL term (VAEs; > 1: beta-VAE)."),
    likelihood: Optional[str] = typer.Option(None, "--likelihood", help="p(x|z) of a VAE: bernoulli (data in "
                                             "[0, 1]) or gaussian."),
    channels: Optional[str] = typer.Option(None, "--channels", help="Conv channel widths, comma-separated, "
                                           "e.g. 32,64 (conv, conv-vae, ...)."),
    accelerator: str = ACCELERATOR, devices: str = DEVICES, num_nodes: int = NUM_NODES,
    strategy: str = STRATEGY, precision: str = PRECISION, num_threads: Optional[int] = NUM_THREADS,
) -> None:
    """Train an autoencoder; write the model file, the loss log and a reconstructions image."""
    from aekit.viz import plot_reconstructions

    hidden_sizes = _parse_hidden(hidden)
    chosen = {k: v for k, v in dict(
        noise_level=noise_level, sparsity_weight=sparsity_weight, sparsity_target=sparsity_target,
        contractive_weight=contractive_weight, weight_decay=weight_decay, tied=tied, activation=activation,
        validation_fraction=validation_fraction, handle_unknown=handle_unknown, beta=beta, likelihood=likelihood,
        channels=_parse_sizes(channels, "--channels") if channels else None).items() if v is not None}
    extra = parse_settings(model, settings or [])
    check_named_options(model, chosen, extra)
    from aekit.runs import data_record

    dataset = load_data(data, image_size, seed, label, drop)
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "evaluation", ignore_errors=True)  # it described the model this run replaces
    budget = {k: v for k, v in dict(max_epochs=epochs, batch_size=batch_size, patience=patience).items()
              if v is not None}  # unset: the model's own defaults ("auto" for Autoencoder)
    params = dict(
        latent_dim=latent, hidden=hidden_sizes, **budget, learning_rate=learning_rate,
        random_state=seed, verbose=0 if quiet else 1,
        checkpoint_dir=str(out / "checkpoints"), resume=resume, log_dir=str(out), image_shape=dataset.image_shape,
        n_channels=dataset.series_shape[1] if dataset.series_shape else None,
        scaling="minmax" if dataset.image_shape is not None else "auto",  # image scaling for images only
        **device_settings(accelerator, devices, num_nodes, strategy, precision, num_threads))
    estimator = make_estimator(model, **{**params, **chosen, **extra})
    y_fit = y_test = None
    if task:
        estimator, y_fit, y_test = _supervised(estimator, task, dataset, label, (data, image_size, seed))
    elif getattr(estimator, "fits_on_labels", False):  # cvae; aae with a class-mixture prior
        y_fit = dataset.y_train
    estimator.fit(features(dataset.X_train, dataset.feature_names), y_fit)
    if getattr(estimator, "_global_rank", 0) != 0:
        return  # distributed training: rank 0 writes the model file and the run's outputs
    estimator.save(out / "model.safetensors")
    is_vae = hasattr(estimator, "elbo")  # a VAE's score_samples is -ELBO: report the ELBO itself
    test_mse = float(np.mean(estimator.score_samples(dataset.X_test))) if len(dataset.X_test) and not is_vae else None
    test_labels = {"y": dataset.y_test} if getattr(estimator, "conditional", False) else {}  # cvae
    test_elbo = float(np.mean(estimator.elbo(dataset.X_test, **test_labels))) if len(dataset.X_test) and is_vae else None
    run = {"model": model, "data": data, "latent": latent, "hidden": list(hidden_sizes), "seed": seed,
           "image_size": image_size, "epochs_run": estimator.n_epochs_, "best_epoch": estimator.best_epoch_,
           "test_mse_scaled": test_mse, "test_elbo_nats": test_elbo, "label": label, "drop": drop,
           **data_record(data, len(dataset.X_train) + len(dataset.X_test), seed), "command": "aekit " + shlex.join(sys.argv[1:])}
    if task and y_test is not None and len(dataset.X_test):
        run["task"], run["test_score"] = task, float(estimator.score(features(dataset.X_test, dataset.feature_names),
                                                                     y_test))
    (out / "run.json").write_text(json.dumps(run, indent=2))
    if dataset.image_shape is not None and len(dataset.X_test):
        sample = dataset.X_test[:10]
        sample_labels = {"y": dataset.y_test[:10]} if test_labels else {}
        plot_reconstructions(sample, estimator.reconstruct(sample, **sample_labels), dataset.image_shape,
                             out / "reconstructions.png", title=f"{model}: originals (top) and reconstructions")
    if dataset.series_shape is not None and len(dataset.X_test):
        from aekit.viz import plot_series_rows

        sample = dataset.X_test[:4]
        plot_series_rows({"original": sample, model: estimator.reconstruct(sample)}, dataset.series_shape,
                         out / "reconstructions.png", title=f"{model}: test series and reconstructions")
    measured = f"test MSE {test_mse:.5f} (scaled units)" if test_mse is not None else "no test rows to measure"
    if test_elbo is not None:
        measured = f"test ELBO {test_elbo:.2f} nats per sample"
    console.print(f"trained {model} on {dataset.name}: {estimator.n_epochs_} epochs (best {estimator.best_epoch_}), "
                  f"{measured}; wrote {out}/model.safetensors")


def parse_settings(model: str, settings: list[str]) -> dict:
    """``--set key=value`` pairs, checked against the parameters of ``model``'s estimator."""
    from aekit.estimators.presets import estimator_class

    accepted = set(estimator_class(model)._get_param_names())
    parsed = {}
    for item in settings:
        key, sep, text = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in accepted:
            raise typer.BadParameter(f"--set expects KEY=VALUE with KEY one of {sorted(accepted)}; got {item!r}")
        try:
            parsed[key] = json.loads(text)
        except json.JSONDecodeError:
            parsed[key] = text
    return parsed


def check_named_options(model: str, chosen: dict, settings: dict) -> None:
    """The named model options (``--beta``, ``--channels``, ...) must be parameters of
    ``model``'s estimator, as ``--set`` keys are, and not also given with ``--set``."""
    from aekit.estimators.presets import estimator_class

    cls = estimator_class(model)
    accepted = set(cls._get_param_names())
    for key in chosen:
        option = "--" + key.replace("_", "-")
        if key not in accepted:
            raise typer.BadParameter(f"{option} does not apply to --model {model} ({cls.__name__}), which has no "
                                     f"parameter {key!r}; its parameters are {sorted(accepted)}")
        if key in settings:
            raise typer.BadParameter(f"{option} and --set {key}=... both set {key!r}; give it once")


def _supervised(estimator, task: str, dataset, label: Optional[str], source: tuple):
    """The supervised form of a stacked model, and its training and test targets: the --label
    column of a file (class names as written; numbers for regress), or a named dataset's labels."""
    from aekit.estimators.stacked import supervised_form

    supervised = supervised_form(estimator, task)
    if task == "regress" and label is not None:
        return (supervised, *_numeric_label(label, *source))
    if dataset.y_train is None:
        raise ValueError(f"--task {task} needs labels, but {dataset.name} has none"
                         + ("" if label is not None else ": name the target column with --label"))
    if dataset.classes is None:
        return supervised, dataset.y_train, dataset.y_test
    classes = np.asarray(dataset.classes, dtype=object)
    return supervised, classes[dataset.y_train], None if dataset.y_test is None else classes[dataset.y_test]


def _numeric_label(label: str, data: str, image_size: Optional[str], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A regression target: the --label column's values in the train / test rows of the same split.

    The label loader keeps a continuous label out of the classes, so the column is read
    with the features here (every column, the same rows) and taken out by name or position.
    """
    full = load_data(data, image_size, seed)
    names = [str(c) for c in full.feature_names] if full.feature_names is not None else None
    if names is not None and label not in names or names is None and not label.isdigit():
        raise ValueError(f"{data} has no column {label!r} to regress on; its columns are {names}")

    def column(X) -> np.ndarray:
        if hasattr(X, "columns"):
            values = X[label]
        else:
            values = np.asarray(X)[:, names.index(label) if names is not None else int(label)]
        try:
            return np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"--task regress needs a numeric --label column; {label!r} holds text") from None

    return column(full.X_train), column(full.X_test)


# -- using a model -------------------------------------------------------------------

STREAMED_INPUTS = (".npy", ".parquet")


def _apply_model(model_path: Path, input_path: Path, output: Path, method: str,
                 label: Optional[str] = None, drop: Optional[str] = None, image_size: Optional[str] = None,
                 handle_unknown: Optional[str] = None) -> None:
    from aekit.io import load

    estimator = load(model_path)
    if handle_unknown is not None and "handle_unknown" in estimator.get_params():
        estimator.set_params(handle_unknown=handle_unknown)
    if input_path.is_dir():
        _apply_to_images(estimator, input_path, output, method, image_size)
        return
    if (input_path.suffix.lower() in STREAMED_INPUTS and label is None and drop is None
            and _streamable(estimator, input_path)):  # possibly larger than memory: block by block
        from aekit.estimators.blocks import apply_by_blocks

        n_rows, width = apply_by_blocks(estimator, input_path, method, output)
        console.print(f"wrote {n_rows} rows x {width} columns to {output}")
        return
    from aekit.data import load_table, save_table

    table = load_table(input_path, label=label, drop=drop)
    X = table.features()  # named columns are checked against the model's, as in Python
    if method == "transform":
        result, names = estimator.transform(X), list(estimator.get_feature_names_out())
    else:
        fitted = getattr(estimator, "feature_names_in_", None)
        names = list(fitted) if fitted is not None else table.columns or [f"x{i}" for i in range(table.X.shape[1])]
        result = estimator.reconstruct(X)
    save_table(output, result, columns=names)
    console.print(f"wrote {result.shape[0]} rows x {result.shape[1]} columns to {output}")


def _streamable(estimator, input_path: Path) -> bool:
    """A Parquet file is read block by block only when its columns are the model's (in order);
    otherwise it is loaded whole, so that the mismatch is reported as in Python. A model with
    categorical columns always reads the whole table (blocks are numeric)."""
    if getattr(estimator, "_has_categories", lambda: False)():
        return False
    fitted = getattr(estimator, "feature_names_in_", None)
    if input_path.suffix.lower() != ".parquet" or fitted is None:
        return True
    from aekit.data.blocks import open_blocks

    return list(open_blocks(input_path).columns or []) == [str(c) for c in fitted]


def _apply_to_images(estimator, folder: Path, output: Path, method: str, image_size: Optional[str]) -> None:
    """Codes of a folder's images as a table (one row per file), or reconstructions as images."""
    from aekit.data import list_images, load_image_folder, save_image_folder, save_table

    X, image_shape = load_image_folder(folder, size=parse_size(image_size))
    names = [p.name for p in list_images(folder)]
    if method == "transform":
        save_table(output, estimator.transform(X), columns=list(estimator.get_feature_names_out()))
        console.print(f"wrote the codes of {len(X)} images to {output} (rows in file-name order)")
    elif output.suffix:
        save_table(output, estimator.reconstruct(X))
        console.print(f"wrote {len(X)} reconstructed images as rows to {output}")
    else:
        save_image_folder(output, estimator.reconstruct(X), image_shape, names)
        console.print(f"wrote {len(X)} reconstructed images to {output}/")


MODEL_HELP = "A .safetensors model file or a run folder written by `aekit train`."
INPUT_HELP = "CSV/Parquet/NPY/NPZ table, or a folder of images."


def image_size_option():
    return typer.Option(None, "--image-size", help="Resize images to WxH (as in training).")


@app.command()
def encode(model: Path = typer.Argument(..., help=MODEL_HELP),
           input: Path = typer.Argument(..., help=INPUT_HELP),
           output: Path = typer.Option(..., "--output", "-o", help="Output .csv or .npy."),
           label: Optional[str] = label_option(), drop: Optional[str] = drop_option(),
           image_size: Optional[str] = image_size_option(),
           handle_unknown: Optional[str] = handle_unknown_option()) -> None:
    """Write the codes of INPUT's rows (its columns must be the model's, in the same order)."""
    _apply_model(model, input, output, "transform", label, drop, image_size, handle_unknown)


@app.command()
def reconstruct(model: Path = typer.Argument(..., help=MODEL_HELP),
                input: Path = typer.Argument(..., help=INPUT_HELP),
                output: Path = typer.Option(..., "--output", "-o",
                                            help="Output .csv or .npy; for images also a folder (PNGs)."),
                label: Optional[str] = label_option(), drop: Optional[str] = drop_option(),
                image_size: Optional[str] = image_size_option(),
                handle_unknown: Optional[str] = handle_unknown_option()) -> None:
    """Write the reconstructions of INPUT's rows (its columns must be the model's, in the same order);
    a table's categorical columns come back as categories."""
    _apply_model(model, input, output, "reconstruct", label, drop, image_size, handle_unknown)


# -- export ----------------------------------------------------------------------------

@app.command()
def export(model: Path = typer.Argument(..., help="A .safetensors model file."),
           onnx: Path = typer.Option(..., "--onnx", help="The ONNX file to write."),
           part: str = typer.Option("encoder", "--part",
                                    help="encoder (transform), decoder (inverse_transform), "
                                         "autoencoder (reconstruct) or scores (score_samples).")) -> None:
    """Export a model to ONNX, fitted input scaling included (it takes the same raw rows)."""
    from aekit.export import export_onnx
    from aekit.io import load

    written = export_onnx(load(model), onnx, part)
    console.print(f"wrote the {part} of {model} to {written} (input 'input', output 'output')")


# -- comparison, evaluation, demo ---------------------------------------------------

def _run_compare(data: str, models: str, latent: int, hidden: str, epochs: Optional[int], seed: int, out: Path,
                 code_map: str, quiet: bool, n_train: Optional[int] = None,
                 label: Optional[str] = None, drop: Optional[str] = None, training: Optional[dict] = None) -> None:
    import warnings

    from aekit.compare import compare_models
    from aekit.exceptions import StillImprovingWarning

    dataset = load_data(data, None, seed, label, drop)
    if n_train:
        dataset = dataset.subsample(n_train, max(1, n_train // 4), random_state=seed)
    names = [m.strip() for m in models.split(",") if m.strip()]
    with warnings.catch_warnings():  # one line for all such models below, not one warning each
        warnings.simplefilter("ignore", StillImprovingWarning)
        result = compare_models(
            dataset, names, out, latent_dim=latent, hidden=_parse_hidden(hidden), max_epochs=epochs or "auto",
            seed=seed, command="aekit " + shlex.join(sys.argv[1:]), code_map_method=code_map, training=training,
            on_model=None if quiet else (lambda name: console.print(f"[bold]training {name}[/] ...")))
    _print_table(result.table)
    console.print(f"wrote {out}/results.csv, {out}/results.md, {out}/figures/ and [bold]{result.report}[/]")
    still = [name for name, est in result.estimators.items() if getattr(est, "still_improving_", False)]
    if still:
        console.print(f"note: {len(still)} model(s) were still improving when training stopped ({', '.join(still)}: "
                      f"the last of {epochs or 'their'} epochs was the best); more epochs should help "
                      "(--epochs N, or no --epochs for each model's 'auto' budget).")


TERMINAL_COLUMNS = ("model", "test_mse", "masked_mse", "ssim", "linear_probe", "knn", "fit_seconds", "sample_fd")


def _print_table(table) -> None:
    """The key columns on the terminal; every column is in results.csv / .md and the report."""
    from aekit.evaluation import format_value

    cells = {c: [format_value(v) for v in table[c]] for c in TERMINAL_COLUMNS if c in table.columns}
    columns = _columns_that_fit(cells, console.width)
    shown = Table(padding=(0, 1), collapse_padding=True)
    for name in columns:  # a column is never narrower than its name: values fold, names are never cut
        shown.add_column(name, min_width=len(name), overflow="fold")
    for values in zip(*(cells[c] for c in columns)):
        shown.add_row(*values)
    console.print(shown)
    if len(columns) < len(cells):
        console.print(f"(not shown for the terminal's width: {', '.join(c for c in cells if c not in columns)}; "
                      "every column is in results.csv and the report)")


def _columns_that_fit(cells: dict[str, list[str]], width: int) -> list[str]:
    """The leading columns whose names and values fit ``width`` characters
    (each column: its widest cell, a space either side and a border); the
    first column is always kept."""
    columns = list(cells)
    needed = {c: max([len(c), *(len(v) for v in values)]) + 3 for c, values in cells.items()}
    while len(columns) > 1 and 1 + sum(needed[c] for c in columns) > width:
        columns.pop()
    return columns


def _parse_hidden(hidden: str) -> tuple[int, ...]:
    return _parse_sizes(hidden, "--hidden")


def _parse_sizes(text: str, option: str) -> tuple[int, ...]:
    """'256,128' -> (256, 128): layer sizes or channel widths."""
    try:
        return tuple(int(h) for h in text.split(",") if h.strip())
    except ValueError:
        raise typer.BadParameter(f"{option} expects comma-separated integers, got {text!r}") from None


@app.command()
def compare(
    data: str = typer.Option("digits", "--data", "-d", help="Dataset name or a file / image folder."),
    models: str = typer.Option("pca,ae,dae,sparse,contractive", "--models",
                               help=f"Comma-separated, from: {', '.join(model_names())}."),
    latent: int = typer.Option(32, "--latent", help="Code size (and PCA components)."),
    hidden: str = typer.Option("256", "--hidden", help="Hidden layer sizes, comma-separated."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Maximum epochs per model [default: 'auto', "
                                         "sized in optimiser steps for the data]."),
    seed: int = typer.Option(0, "--seed"),
    n_train: Optional[int] = typer.Option(None, "--n-train", help="Use a random subset of this many training rows."),
    code_map: str = typer.Option("tsne", "--code-map", help="2-D map of codes: tsne, umap or pca."),
    out: Path = typer.Option(Path("runs/compare"), "--out", "-o", help="Output directory."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    label: Optional[str] = label_option(),
    drop: Optional[str] = drop_option(),
    accelerator: str = ACCELERATOR, devices: str = DEVICES, num_nodes: int = NUM_NODES,
    strategy: str = STRATEGY, precision: str = PRECISION, num_threads: Optional[int] = NUM_THREADS,
) -> None:
    """Train several models on one split and seed; write results.csv/.md, figures and report.html."""
    _run_compare(data, models, latent, hidden, epochs, seed, out, code_map, quiet, n_train, label, drop,
                 device_settings(accelerator, devices, num_nodes, strategy, precision, num_threads))


@app.command()
def evaluate(
    run_dir: Path = typer.Argument(..., help="A directory written by `aekit train` (its data must be unchanged)."),
    code_map: str = typer.Option("tsne", "--code-map", help="2-D map of codes: tsne, umap or pca."),
) -> None:
    """Measure a trained model beside PCA; write results and report.html into RUN_DIR/evaluation."""
    from aekit.compare import evaluate_fitted
    from aekit.io import load

    run_file = run_dir / "run.json"
    if not run_file.is_file():
        raise FileNotFoundError(f"{run_dir} is not a run directory: expected {run_file} (written by `aekit train`)")
    from aekit.runs import check_unchanged

    run = json.loads(run_file.read_text())
    estimator = load(run_dir / "model.safetensors")
    check_unchanged(run)
    dataset = load_data(run.get("data_path") or run["data"], run.get("image_size"), run.get("seed", 0),
                        run.get("label"), run.get("drop"), run.get("test_indices"))
    if len(dataset.X_test) == 0:
        raise ValueError(f"{run['data']} has too few rows for a test split (need at least 5); nothing to evaluate on")
    result = evaluate_fitted(run["model"], estimator, dataset, run_dir / "evaluation", seed=run.get("seed", 0),
                             command="aekit " + shlex.join(sys.argv[1:]), code_map_method=code_map,
                             test_rows=run.get("test_indices"))
    _print_table(result.table)
    console.print(f"wrote [bold]{result.report}[/]")


DEMO_MODELS = "pca,ae,tied,dae,sparse,sparse-l1,contractive"


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", "-o", help="Output directory."),
    data: str = typer.Option("mnist-5k", "--data", help="Embedded dataset to use."),
    epochs: int = typer.Option(30, "--epochs"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """The main job on embedded data: every dense autoencoder against PCA, with a report."""
    console.print(f"aekit demo: {DEMO_MODELS} on {data}, code size 32, seed 0")
    _run_compare(data, DEMO_MODELS, 32, "256", epochs, 0, out, "tsne", quiet)


# -- anomaly detection (aekit/cli_detect.py) ---------------------------------------------
from aekit.cli_detect import detect_app  # noqa: E402

app.add_typer(detect_app, name="detect")

# -- generation (issue 7) ----------------------------------------------------------------

from aekit.cli_generate import generate  # noqa: E402

app.command()(generate)

# -- sub-apps (each in its own module) ------------------------------------------------

from aekit.cli_recommend import app as recommend_app  # noqa: E402  (typer and rich only)
app.add_typer(recommend_app, name="recommend")


# -- entry point ----------------------------------------------------------------------

def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) < 500 else text[:497] + "..."


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings (an id-like column, training still improving, ...) as one line each."""
    print(f"aekit: warning: {_one_line(message)}", file=sys.stderr)


def main(argv: Optional[list[str]] = None) -> None:
    """Console entry point: one clear line on error, the traceback only with --debug.

    Typer handles usage errors and ``--help`` itself (and exits); any other
    exception a command raises is turned into one line here.
    """
    args = sys.argv[1:] if argv is None else argv
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            app(args=args, prog_name="aekit")
    except KeyboardInterrupt:
        print("aekit: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as err:  # noqa: BLE001 - the CLI's one place that turns errors into a line
        if "--debug" in args:
            raise
        print(f"aekit: error: {_one_line(err)}", file=sys.stderr)
        sys.exit(1)
