"""``aekit datasets``, ``train``, ``encode``, ``reconstruct``, ``export`` and
``evaluate``: one model, from training to using and measuring it
(registered in :mod:`aekit.cli`; torch is imported inside the commands only).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Optional

import numpy as np
import typer

from aekit.cli._common import (ACCELERATOR, BATCH_HELP, DEVICES, EPOCHS_HELP, MODEL_HELP, NUM_NODES, NUM_THREADS,
                               PATIENCE_HELP, PRECISION, STRATEGY, auto_choices, command_line, console, data_file_option,
                               device_context, device_settings, drop_option, features, handle_unknown_option, id_option,
                               image_size_option, label_option, latent_option, load_data, old_argument, old_option,
                               out_option, parse_hidden, parse_latent, parse_size, parse_sizes, print_table,
                               remember_contract, renamed, skip_unreadable_option, warn_unused_options)
from aekit.cli._tables import format_option
from aekit.exceptions import DataError
from aekit.estimators.presets import PRESETS, make_estimator


def datasets(fmt: str = format_option()) -> None:
    """List the named datasets: what they are, whether they are here, how to get them."""
    import pandas as pd

    from aekit.data import list_datasets

    rows = [{"name": info.name, "samples": info.n_samples, "available": "yes" if info.available else "no",
             "source / how to get it": info.source if info.available else info.how_to_get}
            for info in list_datasets()]
    print_table(pd.DataFrame(rows), fmt, columns=None)


# -- training ---------------------------------------------------------------------

def train(
    model: str = typer.Option("ae", "--model", "-m", help=f"One of: {', '.join(PRESETS)}."),
    data: str = typer.Option("digits", "--data", "-d", help="Dataset name or a CSV/Parquet/NPY/NPZ file or image folder."),
    latent: str = latent_option(),
    hidden: Optional[str] = typer.Option(None, "--hidden", help="Hidden layer sizes, comma-separated (default: the "
                                         "model's own, as in Python: 256 for dense models, 64 for sequence models, "
                                         "auto for stacked ones)."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help=EPOCHS_HELP),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help=BATCH_HELP),
    learning_rate: float = typer.Option(1e-3, "--lr", help="Adam learning rate."),
    patience: Optional[int] = typer.Option(None, "--patience", help=PATIENCE_HELP),
    seed: int = typer.Option(0, "--seed"),
    image_size: Optional[str] = typer.Option(None, "--image-size", help="Resize images to WxH (image folders)."),
    out: Path = typer.Option(Path("runs/model"), "--out", "-o", help="Output directory."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run in --out."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    label: Optional[str] = label_option(),
    drop: Optional[str] = drop_option(),
    ids: Optional[str] = id_option(),
    skip_unreadable: bool = skip_unreadable_option(),
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
                                             "[0, 1]), gaussian, or auto [default: auto = bernoulli when every "
                                             "scaled training value lies in [0, 1] (images), else gaussian]."),
    channels: Optional[str] = typer.Option(None, "--channels", help="Conv channel widths, comma-separated, "
                                           "e.g. 32,64 (conv, conv-vae, ...)."),
    accelerator: str = ACCELERATOR, devices: str = DEVICES, num_nodes: int = NUM_NODES,
    strategy: str = STRATEGY, precision: str = PRECISION, num_threads: Optional[int] = NUM_THREADS,
) -> None:
    """Train an autoencoder; write the model file, the loss log and a reconstructions image."""
    from aekit.viz import plot_reconstructions

    hidden_sizes = parse_hidden(hidden) if hidden is not None else None
    latent = parse_latent(latent)
    chosen = {k: v for k, v in dict(
        noise_level=noise_level, sparsity_weight=sparsity_weight, sparsity_target=sparsity_target,
        contractive_weight=contractive_weight, weight_decay=weight_decay, tied=tied, activation=activation,
        validation_fraction=validation_fraction, handle_unknown=handle_unknown, beta=beta, likelihood=likelihood,
        channels=parse_sizes(channels, "--channels") if channels else None).items() if v is not None}
    extra = parse_settings(model, settings or [])
    check_named_options(model, chosen, extra)
    if model in PRESETS:
        from aekit.estimators.presets import estimator_class

        warn_unused_options(model, estimator_class(model), {
            "--epochs": ("max_epochs", epochs), "--batch-size": ("batch_size", batch_size),
            "--patience": ("patience", patience), "--resume": ("resume", resume)})
    from aekit.runs import data_record

    dataset = load_data(data, image_size, seed, label, drop, ids=ids, skip_unreadable=skip_unreadable)
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "evaluation", ignore_errors=True)  # it described the model this run replaces
    budget = {k: v for k, v in dict(max_epochs=epochs, batch_size=batch_size, patience=patience).items()
              if v is not None}  # unset: the model's own defaults ("auto")
    params = dict(
        latent_dim=latent, **({"hidden": hidden_sizes} if hidden_sizes else {}), **budget, learning_rate=learning_rate,
        random_state=seed, verbose=0 if quiet else 1,
        checkpoint_dir=str(out / "checkpoints"), resume=resume, log_dir=str(out), image_shape=dataset.image_shape,
        n_channels=dataset.series_shape[1] if dataset.series_shape else None,
        scaling="minmax" if dataset.image_shape is not None else "auto")  # image scaling for images only
    devices_used = device_settings(accelerator, devices, num_nodes, strategy, precision, num_threads)
    estimator = make_estimator(model, **{**params, **devices_used, **chosen, **extra})
    y_fit = y_test = None
    if task:
        estimator, y_fit, y_test = _supervised(estimator, task, dataset, label, (data, image_size, seed))
    elif getattr(estimator, "fits_on_labels", False):  # cvae; aae with a class-mixture prior
        y_fit = _class_names(dataset, dataset.y_train)  # `aekit generate --label coins` names a class as written
    with device_context(estimator, devices_used):
        estimator.fit(features(dataset.X_train, dataset.feature_names), y_fit)
    if getattr(estimator, "_global_rank", 0) != 0:
        return  # distributed training: rank 0 writes the model file and the run's outputs
    remember_contract(estimator, dataset)
    estimator.save(out / "model.safetensors")
    is_vae = hasattr(estimator, "elbo")  # a VAE's score_samples is -ELBO: report the ELBO itself
    test_mse = _test_mse(estimator, dataset.X_test) if len(dataset.X_test) and not is_vae else None
    test_labels = {"y": _class_names(dataset, dataset.y_test)} if getattr(estimator, "conditional", False) else {}
    test_elbo = float(np.mean(estimator.elbo(dataset.X_test, **test_labels))) if len(dataset.X_test) and is_vae else None
    run = {"model": model, "data": data, "latent": latent, "hidden": _hidden_used(estimator), "seed": seed,
           "image_size": image_size, "epochs_run": estimator.n_epochs_, "best_epoch": estimator.best_epoch_,
           "chosen": auto_choices(estimator),  # what "auto" picked: latent_dim, max_epochs, batch_size, patience
           "test_mse_scaled": test_mse, "test_elbo_nats": test_elbo, "label": label, "drop": drop, "ids": ids,
           "skip_unreadable": skip_unreadable,
           **data_record(data, len(dataset.X_train) + len(dataset.X_test), seed), "command": command_line()}
    if task and y_test is not None and len(dataset.X_test):
        run["task"], run["test_score"] = task, float(estimator.score(features(dataset.X_test, dataset.feature_names),
                                                                     y_test))
    (out / "run.json").write_text(json.dumps(run, indent=2))
    if dataset.image_shape is not None and len(dataset.X_test):
        sample = dataset.X_test[:10]
        sample_labels = {"y": test_labels["y"][:10]} if test_labels else {}
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
    if "test_score" in run:  # a supervised stack: its score on the test rows is the figure that matters
        metric = "accuracy" if run["task"] == "classify" else "R^2"
        measured = f"test {metric} {run['test_score']:.4f}"
    picked = auto_choices(estimator).get("likelihood")
    if picked and getattr(estimator, "likelihood", None) == "auto":  # say what "auto" picked (a VAE)
        measured = f"likelihood {picked} (auto: scaled data {'' if picked == 'bernoulli' else 'not '}all in [0, 1]), {measured}"
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


def _class_names(dataset, y):
    """Class indices as the classes' names where the data has names (a label column's values, class
    subfolders), so that a model trained on them knows its classes by name; else as they are."""
    if dataset.classes is None or y is None:
        return y
    return np.asarray(dataset.classes, dtype=object)[y]


def _supervised(estimator, task: str, dataset, label: Optional[str], source: tuple):
    """The supervised form of a stacked model, and its training and test targets: the --label
    column of a file (class names as written; numbers for regress), or a named dataset's labels."""
    from aekit.estimators.stacked import supervised_form

    supervised = supervised_form(estimator, task)
    if task == "regress" and label is not None:
        return (supervised, *_numeric_label(label, *source))
    if dataset.y_train is None:
        raise DataError(f"--task {task} needs labels, but {dataset.name} has none"
                         + ("" if label is not None else ": name the target column with --label"))
    return supervised, _class_names(dataset, dataset.y_train), _class_names(dataset, dataset.y_test)


def _hidden_used(estimator):
    """The hidden layers the model was built with, for run.json: the sizes, or None where it has none."""
    settings = getattr(estimator, "training_settings_", None) or {}
    hidden = settings.get("hidden", estimator.get_params().get("hidden"))  # stacked: its "auto" resolved
    return list(hidden) if isinstance(hidden, (tuple, list)) else hidden


def _numeric_label(label: str, data: str, image_size: Optional[str], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A regression target: the --label column's values in the train / test rows of the same split.

    The label loader keeps a continuous label out of the classes, so the column is read
    with the features here (every column, the same rows) and taken out by name or position.
    """
    full = load_data(data, image_size, seed)
    names = [str(c) for c in full.feature_names] if full.feature_names is not None else None
    if names is not None and label not in names or names is None and not label.isdigit():
        raise DataError(f"{data} has no column {label!r} to regress on; its columns are {names}")

    def column(X) -> np.ndarray:
        if hasattr(X, "columns"):
            values = X[label]
        else:
            values = np.asarray(X)[:, names.index(label) if names is not None else int(label)]
        try:
            return np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError(f"--task regress needs a numeric --label column; {label!r} holds text") from None

    return column(full.X_train), column(full.X_test)


# -- using a model -------------------------------------------------------------------

STREAMED_INPUTS = (".npy", ".parquet")  # read in blocks of about 64 MB (aekit.estimators.blocks)
CSV_INPUTS = (".csv", ".csv.gz")  # read in chunks of rows (pandas' chunked reader)
CHUNK_ROWS = 10_000  # rows of a CSV read, applied and written at a time


def _apply_model(model_path: Path, input_path: Path, output: Path, method: str,
                 label: Optional[str] = None, drop: Optional[str] = None, image_size: Optional[str] = None,
                 handle_unknown: Optional[str] = None, ids: Optional[str] = None,
                 skip_unreadable: bool = False) -> None:
    from aekit.data import contract_of
    from aekit.io import load

    estimator = load(model_path)
    if handle_unknown is not None and "handle_unknown" in estimator.get_params():
        estimator.set_params(handle_unknown=handle_unknown)
    if input_path.is_dir():
        _apply_to_images(estimator, input_path, output, method, image_size, skip_unreadable)
        return
    contract = contract_of(estimator)
    if input_path.name.lower().endswith(CSV_INPUTS) and contract is not None:  # possibly larger than memory
        _apply_by_chunks(estimator, contract, input_path, output, method, dict(label=label, drop=drop, ids=ids),
                         CHUNK_ROWS)
        return
    if (input_path.suffix.lower() in STREAMED_INPUTS and label is None and drop is None and ids is None
            and _streamable(estimator, contract, input_path)):  # possibly larger than memory: block by block
        from aekit.estimators.blocks import apply_by_blocks

        n_rows, width = apply_by_blocks(estimator, input_path, method, output)
        console.print(f"wrote {n_rows} rows x {width} columns to {output}")
        return
    from aekit.data import load_table

    table = load_table(input_path, label=label, drop=drop, ids=ids, contract=contract)  # the model's columns
    write_rows(output, *_applied(estimator, table, method), table.ids)


def _applied(estimator, table, method: str) -> tuple:
    """The codes (``transform``) or reconstructions of a table's rows, and their column names."""
    if method == "transform":
        return estimator.transform(table.features()), list(estimator.get_feature_names_out())
    return estimator.reconstruct(table.features()), table.columns or [f"x{i}" for i in range(table.X.shape[1])]


def _apply_by_chunks(estimator, contract, input_path: Path, output: Path, method: str, named: dict,
                     chunk_rows: int = CHUNK_ROWS) -> None:
    """Apply the model to a CSV chunk by chunk, writing each result as it comes: memory
    holds one chunk, whatever the file's size. Columns are chosen as for a whole read;
    warnings (ignored columns, ...) are given for the first chunk only."""
    import warnings

    from aekit.data.contract import column_list
    from aekit.data.loaders import select_table
    from aekit.detection.streaming import iter_chunks

    if output.suffix.lower() not in (".csv", ".npy", ".parquet"):
        raise DataError(f"cannot save {output.name}: expected a .csv, .npy or .parquet file name, "
                        f"got {output.suffix or 'no extension'}")
    rows, columns = 0, None
    with _ChunkWriter(output) as writer:
        for number, chunk in enumerate(iter_chunks(input_path, chunk_rows)):
            name = input_path.name if number == 0 else f"{input_path.name} (its rows from {rows} on, numbered from 0)"
            with warnings.catch_warnings():
                if number:
                    warnings.simplefilter("ignore")
                table = select_table(chunk, name, contract, named["label"], column_list(named["drop"]),
                                     column_list(named["ids"]))
            result, columns = _applied(estimator, table, method)
            writer.write(result, columns, table.ids)
            rows += len(chunk)
        if rows == 0:
            raise DataError(f"{input_path.name} has no data rows; expected a table with at least one row")
    console.print(f"wrote {rows} rows x {len(columns)} columns to {output}{writer.note}")


class _ChunkWriter:
    """Results written chunk by chunk, the file appearing whole at the end: a .csv by pandas
    (id columns first, categories as text, as :func:`write_rows`), a .npy or .parquet through
    :class:`aekit.data.blocks.BlockWriter` (numbers only)."""

    def __init__(self, output: Path):
        self.output, self.note, self._writer = output, "", None

    def __enter__(self) -> "_ChunkWriter":
        if self.output.suffix.lower() == ".csv":
            from aekit.files import atomic_write

            self._writer = atomic_write(self.output, "w")
            self._file, self._first = self._writer.__enter__(), True
        return self

    def write(self, result, names: list[str], ids) -> None:
        if self.output.suffix.lower() == ".csv":
            _framed(result, names, ids).to_csv(self._file, header=self._first, index=False)
            self._first = False
            if ids is not None:
                self.note = f" ({', '.join(map(str, ids.columns))} first)"
            return
        from pandas.api.types import is_numeric_dtype

        if self._writer is None:
            from aekit.data.blocks import BlockWriter

            self._writer = BlockWriter(self.output, None, names)
            self._writer.__enter__()
        if hasattr(result, "dtypes") and not all(map(is_numeric_dtype, result.dtypes)):
            raise DataError(f"{self.output.name} holds numbers only, and these reconstructions hold categories "
                            f"(text): write a .csv")
        self._writer.write(np.asarray(result))
        if ids is not None:
            self.note = f" (without the id columns {list(ids.columns)}: it holds numbers only; write a .csv for them)"

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._writer is not None:
            self._writer.__exit__(exc_type, exc, tb)


def _framed(result, names: list[str], ids=None):
    """The result as a DataFrame with the id columns first."""
    import pandas as pd

    frame = result if isinstance(result, pd.DataFrame) else pd.DataFrame(np.asarray(result), columns=names)
    if ids is None:
        return frame
    return pd.concat([ids.reset_index(drop=True), frame.reset_index(drop=True)], axis=1)


def write_rows(output: Path, result, names: list[str], ids=None) -> None:
    """Write one output row per input row; in a .csv, the id columns (or image files) come first."""
    from aekit.data import save_table

    note = ""
    if output.suffix.lower() != ".csv":  # .npy: numbers only (save_table names what else it accepts)
        save_table(output, result, columns=names)
        if ids is not None:
            note = f" (without the id columns {list(ids.columns)}: a .npy holds numbers only; write a .csv for them)"
    else:
        if ids is not None:
            note = f" ({', '.join(map(str, ids.columns))} first)"
        output.parent.mkdir(parents=True, exist_ok=True)
        _framed(result, names, ids).to_csv(output, index=False)
    console.print(f"wrote {len(result)} rows x {np.shape(result)[1]} columns to {output}{note}")


def _streamable(estimator, contract, input_path: Path) -> bool:
    """A file is read block by block only when its columns are the model's, in order, with
    nothing else (otherwise it is loaded whole and its columns selected by the model's data
    contract). A model with categorical columns always reads the whole table (blocks are numeric)."""
    if getattr(estimator, "_has_categories", lambda: False)() or contract is None:
        return contract is None
    from aekit.data.blocks import open_blocks

    source = open_blocks(input_path)
    if contract.features is None or not source.columns:
        return source.n_features == contract.n_features
    return list(source.columns) == list(contract.features)


def _apply_to_images(estimator, folder: Path, output: Path, method: str, image_size: Optional[str],
                     skip_unreadable: bool = False) -> None:
    """Codes of a folder's images as a table (one row per file, its path and class first), or
    reconstructions as images (in the same subfolders)."""
    import pandas as pd

    from aekit.data import read_image_folder, save_image_folder
    from aekit.data.loaders import image_mode_for

    shape = getattr(estimator, "image_shape_", None)  # an image model reads its own channels; others as trained
    images = read_image_folder(folder, size=parse_size(image_size), mode=image_mode_for(shape and shape[0]),
                               skip_unreadable=skip_unreadable)
    X = images.X
    files = pd.DataFrame({"file": images.files})
    if images.classes is not None:
        files["class"] = np.asarray(images.classes, dtype=object)[images.y]
    if method == "transform":
        write_rows(output, estimator.transform(X), list(estimator.get_feature_names_out()), files)
    elif output.suffix:
        write_rows(output, estimator.reconstruct(X), [f"x{i}" for i in range(X.shape[1])], files)
    else:
        save_image_folder(output, estimator.reconstruct(X), images.image_shape, images.files)
        console.print(f"wrote {len(X)} reconstructed images to {output}/")


def encode(model: Path = typer.Argument(..., help=MODEL_HELP),
           data: Optional[Path] = data_file_option(),
           out: Optional[Path] = out_option("Output .csv or .npy."),
           label: Optional[str] = label_option(), drop: Optional[str] = drop_option(),
           image_size: Optional[str] = image_size_option(),
           handle_unknown: Optional[str] = handle_unknown_option(), ids: Optional[str] = id_option(),
           skip_unreadable: bool = skip_unreadable_option(),
           old_input: Optional[Path] = old_argument(), old_output: Optional[Path] = old_option("--output")) -> None:
    """Write the codes of the rows of --data, its id columns (or image files) first.

    The model's columns are taken by name, in any order (other columns are
    ignored); a file without a header is matched by position."""
    _apply_model(model, renamed(data, old_input, "the positional INPUT", "--data"),
                 renamed(out, old_output, "--output", "--out"), "transform", label, drop, image_size, handle_unknown,
                 ids, skip_unreadable)


def reconstruct(model: Path = typer.Argument(..., help=MODEL_HELP),
                data: Optional[Path] = data_file_option(),
                out: Optional[Path] = out_option("Output .csv or .npy; for images also a folder (PNGs)."),
                label: Optional[str] = label_option(), drop: Optional[str] = drop_option(),
                image_size: Optional[str] = image_size_option(),
                handle_unknown: Optional[str] = handle_unknown_option(), ids: Optional[str] = id_option(),
                skip_unreadable: bool = skip_unreadable_option(),
                old_input: Optional[Path] = old_argument(),
                old_output: Optional[Path] = old_option("--output")) -> None:
    """Write the reconstructions of the rows of --data, its id columns first; a table's categorical
    columns come back as categories. Columns are taken by name as for `encode`."""
    _apply_model(model, renamed(data, old_input, "the positional INPUT", "--data"),
                 renamed(out, old_output, "--output", "--out"), "reconstruct", label, drop, image_size,
                 handle_unknown, ids, skip_unreadable)


# -- export ----------------------------------------------------------------------------

def export(model: Path = typer.Argument(..., help="A .safetensors model file."),
           out: Optional[Path] = out_option("The ONNX file to write."),
           part: str = typer.Option("encoder", "--part",
                                    help="encoder (transform), decoder (inverse_transform), "
                                         "autoencoder (reconstruct) or scores (score_samples)."),
           old_onnx: Optional[Path] = old_option("--onnx")) -> None:
    """Export a model to ONNX, fitted input scaling included (it takes the same raw rows)."""
    from aekit.export import export_onnx
    from aekit.io import load

    written = export_onnx(load(model), renamed(out, old_onnx, "--onnx", "--out"), part)
    console.print(f"wrote the {part} of {model} to {written} (input 'input', output 'output')")


def _test_ids(run: dict, contract):
    """The id columns of the run's test rows (None without ids), for the report's worst rows;
    for an image folder, the test images' files."""
    if not run.get("data_path") or run.get("test_indices") is None:
        return None
    if Path(run["data_path"]).is_dir() and not run.get("skip_unreadable"):  # skipped files would shift the rows
        import pandas as pd

        from aekit.data import list_images

        folder = Path(run["data_path"])
        files = [f.relative_to(folder).as_posix() for f in list_images(folder)]
        return pd.DataFrame({"file": np.asarray(files, dtype=object)[run["test_indices"]]})
    if contract is None or not contract.ids:
        return None
    from aekit.data import load_table

    ids = load_table(run["data_path"], contract=contract).ids
    return None if ids is None else ids.iloc[run["test_indices"]].reset_index(drop=True)


def _test_mse(estimator, X_test) -> float:
    """Mean squared test error in scaled units, as `aekit evaluate` and `aekit compare` measure it: of the
    rows the user gets back. A table's category counts as the one class it is decoded to (the model's own
    ``score_samples`` scores its class probabilities, a smaller figure); without categories the two agree."""
    scaler = estimator.scaler_
    if not getattr(scaler, "categorical_", None):
        return float(np.mean(estimator.score_samples(X_test)))
    return float(np.mean((scaler.transform(estimator.reconstruct(X_test)) - scaler.transform(X_test)) ** 2))


def evaluate(
    run_dir: Path = typer.Argument(..., help="A directory written by `aekit train` (its data must be unchanged)."),
    code_map: str = typer.Option("tsne", "--code-map", help="2-D map of codes: tsne, umap or pca."),
    fmt: str = format_option(),
) -> None:
    """Measure a trained model beside PCA; write results and report.html into RUN_DIR/evaluation."""
    from aekit.compare import evaluate_fitted
    from aekit.data import contract_of
    from aekit.io import load

    from aekit.runs import check_unchanged, read_run

    run = read_run(run_dir, "aekit train")
    estimator = load(run_dir / "model.safetensors")
    check_unchanged(run)
    contract = contract_of(estimator) if getattr(estimator, "data_contract_", None) is not None else None
    dataset = load_data(run.get("data_path") or run["data"], run.get("image_size"), run.get("seed", 0),
                        None if contract else run.get("label"), None if contract else run.get("drop"),
                        run.get("test_indices"), contract=contract, skip_unreadable=run.get("skip_unreadable", False))
    if len(dataset.X_test) == 0:
        raise DataError(f"{run['data']} has too few rows for a test split (need at least 5); nothing to evaluate on")
    result = evaluate_fitted(run["model"], estimator, dataset, run_dir / "evaluation", seed=run.get("seed", 0),
                             command=command_line(), code_map_method=code_map,
                             test_rows=run.get("test_indices"), test_ids=_test_ids(run, contract))
    print_table(result.table, fmt)
    if fmt == "table":
        console.print(f"wrote [bold]{result.report}[/]")

