"""``aekit recommend``: train, evaluate and use recommenders (AutoRec,
Mult-VAE / Mult-DAE, EASE) on a ratings file or a named MovieLens set.

Rating models (AutoRec) are trained and evaluated on a random 90/10 split
of the ratings; top-N models (Mult-VAE, Mult-DAE, EASE) on the
strong-generalisation split (held-out users, 80/20 fold-in). torch and the
estimators are imported inside the commands only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from aekit.cli._common import (ACCELERATOR, DEVICES, NUM_NODES, NUM_THREADS, PRECISION, STRATEGY, Command, command_line,
                               console, data_file_option, device_context, device_settings, err_console, load_model_as,
                               old_argument, old_option, out_option, renamed, warn_unused_options)
from aekit.cli._tables import format_option, print_table
from aekit.exceptions import ModelFileError
from aekit.formatting import with_article

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Recommenders: AutoRec rating prediction, Mult-VAE / Mult-DAE / EASE top-N lists.")

# model name -> (estimator class name, its parameters)
MODELS = {
    "autorec": ("AutoRec", {"kind": "auto"}),  # I-AutoRec, or U-AutoRec for few items (AutoRec's kind)
    "u-autorec": ("AutoRec", {"kind": "user"}),
    "multvae": ("MultVAE", {}),
    "multdae": ("MultDAE", {}),
    "ease": ("EASE", {}),
}
RATING_MODELS = ("autorec", "u-autorec")
TOP_K = (10, 20, 50, 100)
# options shared by train and compare
DATA_OPTION = typer.Option("movielens-small", "--data", "-d",
                           help="movielens-small, ml-100k, ml-1m, or a CSV / Parquet ratings file.")
USER_COL_OPTION = typer.Option("user", "--user-col", help="The ratings file's user id column.")
ITEM_COL_OPTION = typer.Option("item", "--item-col", help="The ratings file's item id column.")
RATING_COL_OPTION = typer.Option("rating", "--rating-col", help="The ratings file's rating column.")
COLUMN_OPTIONS = {"user_col": "--user-col", "item_col": "--item-col", "rating_col": "--rating-col"}


def _columns(user_col: str, item_col: str, rating_col: str) -> dict:
    return {"user_col": user_col, "item_col": item_col, "rating_col": rating_col}


def _load(data: str, columns: dict):
    """The ratings of ``data`` (a named set, or a file whose columns the options name)."""
    from aekit.data.ratings import load_ratings, read_ratings_file

    source = data
    if Path(data).is_file():  # a user's file: its columns are checked here, against the options' names
        source = read_ratings_file(Path(data))
        check_columns(source, Path(data).name, {COLUMN_OPTIONS[k]: v for k, v in columns.items()})
    return load_ratings(source, user_col=columns["user_col"], item_col=columns["item_col"],
                        rating_col=columns["rating_col"])


def check_columns(frame, name: str, wanted: dict[str, str]) -> None:
    """Refuse a file without the columns that options (``{"--user-col": "user", ...}``) name."""
    from aekit.exceptions import DataError

    missing = {option: column for option, column in wanted.items() if column not in frame.columns}
    if missing:
        named = ", ".join(f"{column!r} ({option})" for option, column in missing.items())
        raise DataError(f"{name} has no column {named}; its columns are {list(frame.columns)[:10]}: "
                                 f"name yours with {' / '.join(missing)}")


def _split(run: dict):
    """The run's train / test parts, rebuilt from the data and the seed."""
    from aekit.evaluation.recsys import random_split, strong_generalization_split

    ratings = _load(run["data"], run["columns"])
    if run["model"] in RATING_MODELS:
        return random_split(ratings, 0.1, seed=run["seed"])
    threshold = run["params"].get("threshold", 3.5)
    positives = ratings.loc[ratings["rating"] >= threshold]
    return strong_generalization_split(positives, 0.1, 0.8, seed=run["seed"])


def _load_recommender(model: Path, ratings: bool = False):
    """The recommender in ``model`` (with ``ratings``: one that predicts ratings), or a ModelFileError."""
    from aekit.estimators.recommender import RecommenderEstimator

    estimator = load_model_as(model, RecommenderEstimator, "a recommender", "write one with `aekit recommend train`")
    if ratings and not hasattr(estimator, "predict"):
        kind = with_article(type(estimator).__name__)
        raise ModelFileError(f"{model} holds {kind}, which ranks items but does not predict "
                             "ratings; use `aekit recommend top`")
    return estimator


def _estimator(model: str, epochs: Optional[int], seed: int, verbose: int, checkpoint_dir: Optional[Path] = None,
               resume: bool = False, devices: Optional[dict] = None):
    import aekit.estimators as estimators

    if model not in MODELS:
        raise typer.BadParameter(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    name, params = MODELS[model]
    cls = getattr(estimators, name)
    warn_unused_options(model, cls, {"--epochs": ("max_epochs", epochs), "--resume": ("resume", resume)})
    accepted = set(cls._get_param_names())
    extra = {"max_epochs": epochs, "random_state": seed, "verbose": verbose,
             "checkpoint_dir": None if checkpoint_dir is None else str(checkpoint_dir), "resume": resume}
    extra.update(devices or {})  # where to train: taken by the gradient-trained models, not by EASE
    params = {**params, **{k: v for k, v in extra.items() if k in accepted and v is not None}}
    return cls(**params)


@app.command()
def train(
    model: str = typer.Option("autorec", "--model", "-m", help=f"One of: {', '.join(MODELS)}."),
    data: str = DATA_OPTION,
    user_col: str = USER_COL_OPTION,
    item_col: str = ITEM_COL_OPTION,
    rating_col: str = RATING_COL_OPTION,
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Maximum epochs (default: the model's)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the split and the model."),
    out: Path = typer.Option(Path("runs/recommend"), "--out", "-o", help="Output directory."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run in --out (AutoRec, "
                                "Mult-VAE / Mult-DAE: their checkpoints are kept in OUT/checkpoints; EASE, "
                                "solved in closed form, has none: it is fitted again, with a warning)."),
    accelerator: str = ACCELERATOR, devices: str = DEVICES, num_nodes: int = NUM_NODES,
    strategy: str = STRATEGY, precision: str = PRECISION, num_threads: Optional[int] = NUM_THREADS,
) -> None:
    """Fit on the training part of the split; write model.safetensors and run.json.

    Models trained by gradient steps (AutoRec, Mult-VAE, Mult-DAE) also write metrics.csv, their per-epoch
    losses; EASE, solved in closed form, has no epochs and writes none.
    """
    devices_used = device_settings(accelerator, devices, num_nodes, strategy, precision, num_threads)
    estimator = _estimator(model, epochs, seed, verbose=0 if quiet else 1, checkpoint_dir=out / "checkpoints",
                           resume=resume, devices=devices_used)
    columns = _columns(user_col, item_col, rating_col)  # the split renames them to user, item, rating
    run = {"model": model, "data": data, "columns": columns, "seed": seed, "params": estimator.get_params()}
    split = _split(run)
    train_part = split[0] if model in RATING_MODELS else split.train
    with device_context(estimator, devices_used):
        estimator.fit(train_part)
    out.mkdir(parents=True, exist_ok=True)
    estimator.save(out / "model.safetensors")
    if hasattr(estimator, "history_"):
        estimator.history_.to_csv(out / "metrics.csv", index=False)
    run["command"] = command_line()
    (out / "run.json").write_text(json.dumps(run, indent=2, default=str))
    console.print(f"trained {model} on {len(train_part):,} {data} ratings; wrote {out / 'model.safetensors'}")


@app.command()
def evaluate(run_dir: Path = typer.Argument(..., help="A directory written by `aekit recommend train`."),
             fmt: str = format_option()) -> None:
    """Metrics on the run's test part (beside the popularity baseline for top-N) and report.html."""
    import pandas as pd

    from aekit.runs import read_run

    run = read_run(run_dir, "aekit recommend train", keys=("model", "data", "columns", "seed", "params"))
    estimator = _load_recommender(run_dir / "model.safetensors")
    table = pd.DataFrame(_metrics(run, estimator))
    out = run_dir / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "results.csv", index=False)
    report = _report(run, estimator, table, out)
    print_table(table, fmt, console=console)
    if fmt == "table":
        console.print(f"wrote [bold]{report}[/]")


def _metrics(run: dict, estimator) -> list[dict]:
    from aekit.evaluation.recsys import evaluate_popularity, evaluate_ratings, evaluate_topn

    split = _split(run)
    if run["model"] in RATING_MODELS:
        return [{"model": run["model"], **evaluate_ratings(estimator, split[1])}]
    ks = tuple(k for k in TOP_K if k <= estimator.n_items_)
    return [{"model": run["model"], **evaluate_topn(estimator, split, ks)},
            {"model": "popularity", **evaluate_popularity(split, ks)}]


def _report(run: dict, estimator, table, out: Path) -> Path:
    from aekit.viz import plot_loss_curves, write_report

    figures = []
    if getattr(estimator, "history_", None) is not None and len(estimator.history_):
        path = plot_loss_curves(estimator.history_, out / "learning_curves.png",
                                title=f"{run['model']}: loss per epoch")
        figures.append((str(path), "<b>Learning curves.</b> Training loss and validation loss (held-out "
                                   "ratings for AutoRec; held-out items of held-out users for Mult-VAE/DAE)."))
    meta = {"data": run["data"], "model": run["model"], "seed": str(run["seed"]),
            "params": json.dumps(run["params"], default=str), "trained with": run.get("command", "")}
    return write_report(out / "report.html", title=f"aekit recommend: {run['model']} on {run['data']}",
                        table=table, figures=figures, meta=meta,
                        intro="Rating models: RMSE / MAE on a random 10% of the ratings. Top-N models: "
                              "strong generalisation (10% of users held out, 80% of each one's items folded "
                              "in, the other 20% to find).")


@app.command(cls=Command)
def predict(
    model: Path = typer.Argument(..., help="A .safetensors AutoRec model file."),
    data: Optional[Path] = data_file_option("CSV / Parquet with user and item columns."),
    out: Optional[Path] = out_option("CSV to write: the pairs and a prediction column."),
    user_col: str = USER_COL_OPTION,
    item_col: str = ITEM_COL_OPTION,
    old_pairs: Optional[Path] = old_argument(),
    old_output: Optional[Path] = old_option("--output"),
) -> None:
    """Predict the ratings of (user, item) pairs; cold-start pairs are counted."""
    pairs = renamed(data, old_pairs, "the positional PAIRS", "--data")
    output = renamed(out, old_output, "--output", "--out")
    from aekit.data.ratings import read_ratings_file

    estimator = _load_recommender(model, ratings=True)
    frame = read_ratings_file(pairs)
    check_columns(frame, pairs.name, {"--user-col": user_col, "--item-col": item_col})
    frame["prediction"] = estimator.predict(frame[user_col].to_numpy(), frame[item_col].to_numpy())
    n_cold = int(estimator.cold_start_mask(frame[user_col].to_numpy(), frame[item_col].to_numpy()).sum())
    output.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(output, index=False)
    console.print(f"wrote {len(frame):,} predictions to {output} ({n_cold:,} cold-start pairs: "
                  f"{estimator.cold_start})")


@app.command()
def top(
    model: Path = typer.Argument(..., help="A .safetensors recommender model file."),
    user: Optional[str] = typer.Option(None, "--user", help="A user id seen in training."),
    history: Optional[str] = typer.Option(None, "--history", help="Comma-separated item ids of a new user (fold-in)."),
    n_items: int = typer.Option(10, "-n", help="How many items."),
    include_seen: bool = typer.Option(False, "--include-seen", help="Keep items the user already has."),
    fmt: str = format_option(),
) -> None:
    """Print the top-N items for a known user or for a new user's history."""
    import pandas as pd

    from aekit.estimators.recommender import known_history, listed, typed_ids

    if (user is None) == (history is None):
        raise typer.BadParameter("give exactly one of --user or --history")
    estimator = _load_recommender(model)
    if user is not None:
        query = typed_ids([user], estimator.user_ids_, "--user", "user")[0]
    else:
        items = typed_ids([h.strip() for h in history.split(",") if h.strip()], estimator.item_ids_, "--history",
                          "item")
        query, unknown = known_history(estimator, items, "--history")
        if unknown:
            err_console.print(f"note: --history items unknown to the model are left out: "
                              f"{listed(unknown)}", style="yellow", highlight=False)
    ranked = estimator.recommend(query, n=n_items, exclude_seen=not include_seen)
    print_table(pd.DataFrame({"rank": range(1, len(ranked) + 1), "item": [str(i) for i in ranked]}), fmt,
                console=console)


# -- compare: every recommender and its baseline on one split --------------------------------------


@app.command()
def compare(
    data: str = DATA_OPTION,
    models: str = typer.Option(",".join(MODELS), "--models", help=f"Comma-separated, from: {', '.join(MODELS)}."),
    user_col: str = USER_COL_OPTION,
    item_col: str = ITEM_COL_OPTION,
    rating_col: str = RATING_COL_OPTION,
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Maximum epochs (default: each model's)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the splits and the models."),
    out: Path = typer.Option(Path("runs/recommend-compare"), "--out", "-o", help="Output directory."),
    fmt: str = format_option(),
) -> None:
    """Fit the recommenders on one split each and compare them with their baselines.

    Rating models (AutoRec) beside the baseline mu + b_u + b_i on a random 90/10 split
    of the ratings; top-N models beside popularity on the strong-generalisation split.
    Writes results.csv, the learning curves and report.html.
    """
    import time

    import pandas as pd

    chosen = [m.strip() for m in models.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in MODELS]
    if unknown or not chosen:
        raise typer.BadParameter(f"unknown model(s) {unknown or chosen}; expected some of {', '.join(MODELS)}")
    columns = _columns(user_col, item_col, rating_col)
    out.mkdir(parents=True, exist_ok=True)
    rows, figures = [], []
    for model in chosen:
        estimator = _estimator(model, epochs, seed, verbose=0)
        run = {"model": model, "data": data, "columns": columns, "seed": seed, "params": estimator.get_params()}
        split = _split(run)
        start = time.perf_counter()
        estimator.fit(split[0] if model in RATING_MODELS else split.train)
        seconds = time.perf_counter() - start
        results = _metrics(run, estimator)
        if model in RATING_MODELS:
            results.append(_baseline_row(estimator, split[1]))
        results[0]["fit_seconds"] = seconds
        done = {row["model"] for row in rows}
        rows += [row for row in results if row["model"] not in done]  # one row per baseline
        figures += _curve(model, estimator, out)
    table = pd.DataFrame(rows)
    table.to_csv(out / "results.csv", index=False)
    from aekit.viz import write_report

    meta = {"data": data, "models": ", ".join(chosen), "seed": str(seed),
            "command": command_line()}
    report = write_report(out / "report.html", title=f"aekit recommend compare on {data}", table=table,
                          figures=figures, meta=meta,
                          intro="Rating models: RMSE / MAE on a random 10% of the ratings, beside the "
                                "baseline mu + b_u + b_i. Top-N models: strong generalisation (10% of users "
                                "held out, 80% of each one's items folded in, the other 20% to find), beside "
                                "popularity. Higher is better for recall, NDCG, precision and coverage.")
    print_table(table, fmt, console=console, columns=[
        c for c in ("model", "rmse", "mae", "recall@20", "recall@50", "ndcg@100", "fit_seconds") if c in table.columns])
    if fmt == "table":
        console.print(f"wrote [bold]{report}[/]")


def _baseline_row(estimator, test) -> dict:
    from aekit.evaluation.recsys import rating_metrics

    predicted = estimator.predict_baseline(test["user"].to_numpy(), test["item"].to_numpy())
    return {"model": "baseline (mu + b_u + b_i)", **rating_metrics(test["rating"], predicted), "n_test": len(test)}


def _curve(model: str, estimator, out: Path) -> list[tuple[str, str]]:
    from aekit.viz import plot_loss_curves

    if getattr(estimator, "history_", None) is None or not len(estimator.history_):
        return []
    path = plot_loss_curves(estimator.history_, out / f"learning_curves_{model}.png", title=f"{model}: loss per epoch")
    return [(str(path), f"<b>{model}.</b> Training loss and validation loss per epoch.")]
