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


def load_data(name_or_path: str, image_size: Optional[str] = None, seed: int = 0):
    """A registry dataset by name, or a user file / image folder split 80/20 at random."""
    import dataclasses

    from aekit.data import DATASET_NAMES, load_any

    options = {"random_state": seed} if name_or_path in DATASET_NAMES else {}
    dataset = load_any(name_or_path, image_size=parse_size(image_size), **options)
    if dataset.X_test is not None:
        return dataset
    order = np.random.default_rng(seed).permutation(len(dataset.X_train))
    n_test = len(order) // 5
    X = dataset.X_train
    return dataclasses.replace(dataset, X_train=X[order[n_test:]], X_test=X[order[:n_test]])


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


# -- training ---------------------------------------------------------------------

@app.command()
def train(
    model: str = typer.Option("ae", "--model", "-m", help=f"One of: {', '.join(PRESETS)}."),
    data: str = typer.Option("digits", "--data", "-d", help="Dataset name or a CSV/Parquet/NPY/NPZ file or image folder."),
    latent: int = typer.Option(32, "--latent", help="Code size."),
    hidden: str = typer.Option("256", "--hidden", help="Hidden layer sizes, comma-separated."),
    epochs: int = typer.Option(50, "--epochs", help="Maximum number of epochs."),
    batch_size: int = typer.Option(128, "--batch-size"),
    learning_rate: float = typer.Option(1e-3, "--lr", help="Adam learning rate."),
    patience: int = typer.Option(5, "--patience", help="Early-stopping patience (epochs)."),
    seed: int = typer.Option(0, "--seed"),
    image_size: Optional[str] = typer.Option(None, "--image-size", help="Resize images to WxH (image folders)."),
    out: Path = typer.Option(Path("runs/model"), "--out", "-o", help="Output directory."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run in --out."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    task: Optional[str] = typer.Option(None, "--task", help="classify or regress: fine-tune a stacked model "
                                       "(stacked, sda) on the data's labels, with a softmax / linear head."),
) -> None:
    """Train an autoencoder; write the model file, the loss log and a reconstructions image."""
    from aekit.viz import plot_reconstructions

    hidden_sizes = _parse_hidden(hidden)
    dataset = load_data(data, image_size, seed)
    out.mkdir(parents=True, exist_ok=True)
    estimator = make_estimator(
        model, latent_dim=latent, hidden=hidden_sizes, max_epochs=epochs, batch_size=batch_size,
        learning_rate=learning_rate, patience=patience, random_state=seed, verbose=0 if quiet else 1,
        checkpoint_dir=str(out / "checkpoints"), resume=resume, log_dir=str(out), image_shape=dataset.image_shape,
        n_channels=dataset.series_shape[1] if dataset.series_shape else None)
    if task:
        estimator, y_train = _supervised(estimator, task, dataset)
    estimator.fit(dataset.X_train, y_train if task else None)
    estimator.save(out / "model.safetensors")
    is_vae = hasattr(estimator, "elbo")  # a VAE's score_samples is -ELBO: report the ELBO itself
    test_mse = float(np.mean(estimator.score_samples(dataset.X_test))) if len(dataset.X_test) and not is_vae else None
    test_elbo = float(np.mean(estimator.elbo(dataset.X_test))) if len(dataset.X_test) and is_vae else None
    run = {"model": model, "data": data, "latent": latent, "hidden": list(hidden_sizes), "seed": seed,
           "image_size": image_size, "epochs_run": estimator.n_epochs_, "best_epoch": estimator.best_epoch_,
           "test_mse_scaled": test_mse, "test_elbo_nats": test_elbo, "command": "aekit " + shlex.join(sys.argv[1:])}
    if task and dataset.y_test is not None and len(dataset.X_test):
        run["task"], run["test_score"] = task, float(estimator.score(dataset.X_test, dataset.y_test))
    (out / "run.json").write_text(json.dumps(run, indent=2))
    if dataset.image_shape is not None and len(dataset.X_test):
        sample = dataset.X_test[:10]
        plot_reconstructions(sample, estimator.reconstruct(sample), dataset.image_shape,
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


def _supervised(estimator, task: str, dataset):
    """The supervised form of a stacked model, and the labels it trains on."""
    from aekit.estimators.stacked import supervised_form

    if dataset.y_train is None:
        raise ValueError(f"--task {task} needs labels, but {dataset.name} has none")
    return supervised_form(estimator, task), dataset.y_train


# -- using a model -------------------------------------------------------------------

def _apply_model(model_path: Path, input_path: Path, output: Path, method: str) -> None:
    from aekit.data import load_table, save_table
    from aekit.io import load

    estimator = load(model_path)
    X, columns = load_table(input_path)
    if method == "transform":
        result, names = estimator.transform(X), list(estimator.get_feature_names_out())
    else:
        result, names = estimator.reconstruct(X), columns or [f"x{i}" for i in range(X.shape[1])]
    save_table(output, result, columns=names)
    console.print(f"wrote {result.shape[0]} rows x {result.shape[1]} columns to {output}")


@app.command()
def encode(model: Path = typer.Argument(..., help="A .safetensors model file."),
           input: Path = typer.Argument(..., help="CSV/Parquet/NPY/NPZ input."),
           output: Path = typer.Option(..., "--output", "-o", help="Output .csv or .npy.")) -> None:
    """Write the codes of INPUT's rows."""
    _apply_model(model, input, output, "transform")


@app.command()
def reconstruct(model: Path = typer.Argument(..., help="A .safetensors model file."),
                input: Path = typer.Argument(..., help="CSV/Parquet/NPY/NPZ input."),
                output: Path = typer.Option(..., "--output", "-o", help="Output .csv or .npy.")) -> None:
    """Write the reconstructions of INPUT's rows."""
    _apply_model(model, input, output, "reconstruct")


# -- comparison, evaluation, demo ---------------------------------------------------

def _run_compare(data: str, models: str, latent: int, hidden: str, epochs: int, seed: int, out: Path,
                 code_map: str, quiet: bool, n_train: Optional[int] = None) -> None:
    from aekit.compare import compare_models

    dataset = load_data(data, None, seed)
    if n_train:
        dataset = dataset.subsample(n_train, max(1, n_train // 4), random_state=seed)
    names = [m.strip() for m in models.split(",") if m.strip()]
    result = compare_models(
        dataset, names, out, latent_dim=latent, hidden=_parse_hidden(hidden), max_epochs=epochs, seed=seed,
        command="aekit " + shlex.join(sys.argv[1:]), code_map_method=code_map,
        on_model=None if quiet else (lambda name: console.print(f"[bold]training {name}[/] ...")))
    _print_table(result.table)
    console.print(f"wrote {out}/results.csv, {out}/results.md, {out}/figures/ and [bold]{result.report}[/]")


TERMINAL_COLUMNS = ("model", "test_mse", "masked_mse", "ssim", "linear_probe", "knn", "fit_seconds")


def _print_table(table) -> None:
    """The key columns on the terminal; every column is in results.csv / .md and the report."""
    from aekit.evaluation import format_value

    columns = [c for c in TERMINAL_COLUMNS if c in table.columns]
    shown = Table(*columns)
    for _, row in table[columns].iterrows():
        shown.add_row(*[format_value(v) for v in row])
    console.print(shown)


def _parse_hidden(hidden: str) -> tuple[int, ...]:
    try:
        return tuple(int(h) for h in hidden.split(",") if h.strip())
    except ValueError:
        raise typer.BadParameter(f"--hidden expects comma-separated integers, got {hidden!r}") from None


@app.command()
def compare(
    data: str = typer.Option("digits", "--data", "-d", help="Dataset name or a file / image folder."),
    models: str = typer.Option("pca,ae,dae,sparse,contractive", "--models",
                               help=f"Comma-separated, from: {', '.join(model_names())}."),
    latent: int = typer.Option(32, "--latent", help="Code size (and PCA components)."),
    hidden: str = typer.Option("256", "--hidden", help="Hidden layer sizes, comma-separated."),
    epochs: int = typer.Option(30, "--epochs", help="Maximum epochs per model."),
    seed: int = typer.Option(0, "--seed"),
    n_train: Optional[int] = typer.Option(None, "--n-train", help="Use a random subset of this many training rows."),
    code_map: str = typer.Option("tsne", "--code-map", help="2-D map of codes: tsne, umap or pca."),
    out: Path = typer.Option(Path("runs/compare"), "--out", "-o", help="Output directory."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Train several models on one split and seed; write results.csv/.md, figures and report.html."""
    _run_compare(data, models, latent, hidden, epochs, seed, out, code_map, quiet, n_train)


@app.command()
def evaluate(
    run_dir: Path = typer.Argument(..., help="A directory written by `aekit train`."),
    code_map: str = typer.Option("tsne", "--code-map", help="2-D map of codes: tsne, umap or pca."),
) -> None:
    """Measure a trained model beside PCA; write results and report.html into RUN_DIR/evaluation."""
    from aekit.compare import evaluate_fitted
    from aekit.io import load

    run_file = run_dir / "run.json"
    if not run_file.is_file():
        raise FileNotFoundError(f"{run_dir} is not a run directory: expected {run_file} (written by `aekit train`)")
    run = json.loads(run_file.read_text())
    estimator = load(run_dir / "model.safetensors")
    dataset = load_data(run["data"], run.get("image_size"), run.get("seed", 0))
    if len(dataset.X_test) == 0:
        raise ValueError(f"{run['data']} has too few rows for a test split (need at least 5); nothing to evaluate on")
    result = evaluate_fitted(run["model"], estimator, dataset, run_dir / "evaluation", seed=run.get("seed", 0),
                             command="aekit " + shlex.join(sys.argv[1:]), code_map_method=code_map)
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


def main(argv: Optional[list[str]] = None) -> None:
    """Console entry point: one clear line on error, the traceback only with --debug.

    Typer handles usage errors and ``--help`` itself (and exits); any other
    exception a command raises is turned into one line here.
    """
    args = sys.argv[1:] if argv is None else argv
    try:
        app(args=args, prog_name="aekit")
    except KeyboardInterrupt:
        print("aekit: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as err:  # noqa: BLE001 - the CLI's one place that turns errors into a line
        if "--debug" in args:
            raise
        print(f"aekit: error: {_one_line(err)}", file=sys.stderr)
        sys.exit(1)
