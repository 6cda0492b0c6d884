"""``aekit detect``: fit an anomaly detector, score files with it.

Registered in :mod:`aekit.cli` as a sub-command; like the rest of the CLI it
imports torch and the estimators only inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import typer
from aekit.cli._common import (EPOCHS_HELP, NUM_THREADS, Command, auto_choices, command_line, console,
                               data_file_option, drop_option, err_console, features, handle_unknown_option, id_option,
                               latent_option, load_data, load_model_as, old_argument, old_option, out_option,
                               parse_hidden, parse_latent, remember_contract, renamed, skip_unreadable_option)
from aekit.cli._tables import format_option, print_table
from aekit.exceptions import DataError
from aekit.estimators.presets import PRESETS

detect_app = typer.Typer(no_args_is_help=True, help="Anomaly detection by reconstruction error.")
SHOWN_FLAGGED = 20  # flagged rows listed on the terminal with their top features
# each listed feature's part of the row's reconstruction error (the latent part of a sum score has no features)
TOP_FEATURES_TITLE = "top features (% of the reconstruction error)"


def label_option():
    """``--label COLUMN`` of the detect commands: the ground truth, never a feature."""
    return typer.Option(None, "--label", help="Column holding the label: left out of the features; the truth "
                        "for --normal and the report's curves. A 0-based position for files without a header.")


def normal_rows(y, classes, normal: str, data: str) -> np.ndarray:
    """Boolean mask of the rows whose label is ``normal`` (a class name as written in the file,
    or a named dataset's integer label)."""
    if y is None:
        raise typer.BadParameter(f"--normal needs labels, but {data} has none: name the label column with --label")
    if classes is not None:
        if normal not in classes:
            raise typer.BadParameter(f"--normal {normal!r} is not a label of {data}; its labels are {list(classes)}")
        return np.asarray(y) == classes.index(normal)
    try:
        code = int(normal)
    except ValueError:
        raise typer.BadParameter(f"--normal expects one of {data}'s labels {np.unique(y).tolist()}, "
                                 f"got {normal!r}") from None
    if not (np.asarray(y) == code).any():
        raise typer.BadParameter(f"no rows of {data} have label {code}; its labels are {np.unique(y).tolist()}")
    return np.asarray(y) == code


def parse_threshold(text: Optional[str]):
    """None, a rule name, or a number."""
    if text is None or text in ("auto", "contamination", "iqr"):
        return text
    try:
        return float(text)
    except ValueError:
        raise typer.BadParameter(f"expected auto, contamination, iqr or a number, got {text!r}") from None


@detect_app.command("fit")
def fit(
    data: str = typer.Option(..., "--data", "-d", help="Normal data: a dataset name or a CSV/Parquet/NPY file."),
    model: str = typer.Option("ae", "--model", "-m", help=f"One of: {', '.join(PRESETS)}."),
    threshold: Optional[str] = typer.Option(None, "--threshold",
                                            help="auto (median + k*MAD), contamination, iqr or a number."),
    contamination: Optional[float] = typer.Option(None, "--contamination",
                                                  help="Expected anomaly share of the data (0-0.5]."),
    threshold_k: Optional[float] = typer.Option(None, "--threshold-k", help="Width of the auto / iqr rule."),
    score: str = typer.Option("auto", "--score", help="auto (standardized_mse+latent; mse for series models), mse, "
                                    "mae, standardized_mse (each feature's error over its training mean), latent "
                                    "(Mahalanobis distance of the code) or parts joined by '+', e.g. "
                                    "mse+latent (or elbo, reconstruction_probability for VAEs)."),
    latent: str = latent_option(),
    hidden: str = typer.Option("256", "--hidden", help="Hidden layer sizes, comma-separated."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help=EPOCHS_HELP),
    seed: int = typer.Option(0, "--seed"),
    out: Path = typer.Option(Path("detector.safetensors"), "--out", "-o", help="Model file to write."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    label: Optional[str] = label_option(),
    drop: Optional[str] = drop_option(),
    normal: Optional[str] = typer.Option(None, "--normal", help="Fit only on the rows whose label (--label, "
                                         "or a named dataset's) is this value."),
    ids: Optional[str] = id_option(),
    handle_unknown: Optional[str] = handle_unknown_option(),
    skip_unreadable: bool = skip_unreadable_option(),
    num_threads: Optional[int] = NUM_THREADS,
) -> None:
    """Fit a detector on (mostly) normal data and write its model file.

    Every row of a file is used (a named dataset: its training part); the
    --label column is never a feature. Text columns are one-hot encoded as
    by `aekit train`; the model file remembers the table's columns, so
    `detect score` takes them by name.
    """
    from aekit import AnomalyDetector
    from aekit.data.tabular import take_rows

    dataset = load_data(data, seed=seed, label=label, drop=drop, whole=True, ids=ids, skip_unreadable=skip_unreadable)
    X = dataset.X_train
    if normal is not None:
        X = take_rows(X, np.flatnonzero(normal_rows(dataset.y_train, dataset.classes, normal, data)))
    X = features(X, dataset.feature_names)
    detector = AnomalyDetector(model, threshold=parse_threshold(threshold), contamination=contamination,
                               score=score, threshold_k=threshold_k, latent_dim=parse_latent(latent),
                               hidden=parse_hidden(hidden), max_epochs=epochs or "auto", random_state=seed,
                               verbose=0 if quiet else 1,
                               **({"handle_unknown": handle_unknown} if handle_unknown is not None else {}))
    from aekit._threads import intra_op_threads

    with intra_op_threads(num_threads):
        detector.fit(X)
    remember_contract(detector, dataset)
    if normal is not None and getattr(detector, "data_contract_", None) is not None:
        from dataclasses import replace

        detector.data_contract_ = replace(detector.data_contract_, normal=normal)  # for `detect report`
    detector.save(out)
    chosen = auto_choices(detector.estimator_)
    if score == "auto":
        chosen["score"] = detector.score_
    if chosen:
        console.print("chose " + ", ".join(f"{k} {v}" for k, v in chosen.items()))
    rows = "images" if dataset.image_shape is not None else "rows"
    console.print(f"fitted {model} on {len(X)} {rows} of {dataset.name}: threshold {detector.threshold_:.6g} "
                  f"({detector.threshold_rule_}), {detector.labels_.mean():.1%} of training {rows} flagged; wrote {out}")


@detect_app.command("score", cls=Command)
def score(
    model: Path = typer.Argument(..., help="A detector file written by `aekit detect fit`."),
    data: Optional[Path] = data_file_option("CSV, CSV.GZ, Parquet or NPY file, or a folder of images (the size "
                                            "the detector was fitted on); read in chunks."),
    out: Optional[Path] = out_option("Output CSV: row, score, label, top_features (name=percent of the row's "
                                                  "reconstruction error; ...)."),
    chunk_size: int = typer.Option(10_000, "--chunk-size", min=1, help="Rows scored at a time."),
    top: int = typer.Option(3, "--top", min=0, help="Top features listed per row."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    label: Optional[str] = label_option(),
    drop: Optional[str] = drop_option(),
    ids: Optional[str] = id_option(),
    fmt: str = format_option(),
    old_input: Optional[Path] = old_argument(),
    old_output: Optional[Path] = old_option("--output"),
) -> None:
    """Score every row of --data, streaming it in chunks at constant memory.

    The detector's columns are taken by name, in any order (others are
    ignored; a file without a header: by position). The id columns come
    first in the output; the label column is copied as true_label, beside
    the detector's label. Rows with missing values are not scored: their
    score and label are left empty and their row numbers are reported.
    An image folder gives one row per image: its file first, and its class
    subfolder as true_label.
    """
    import pandas as pd

    from aekit.data.loaders import list_images
    from aekit.detection.streaming import count_rows
    from aekit.estimators import AnomalyDetector
    from aekit.files import atomic_write

    detector = load_model_as(model, AnomalyDetector, "an anomaly detector", "write one with `aekit detect fit`")
    input = renamed(data, old_input, "the positional INPUT", "--data")
    output = renamed(out, old_output, "--output", "--out")
    if input.is_dir():
        if label or drop or ids:
            raise typer.BadParameter("--label / --drop / --id apply to table files; an image folder's rows are its "
                                     "files (the file column) and its class subfolders the true labels")
        files = list_images(input)
        total, chunks = len(files), _image_chunks(detector, input, chunk_size, _image_mode(detector, input, files[0]))
    else:
        total, chunks = count_rows(input), _table_chunks(detector, input, chunk_size, label, drop, ids)
    tally = {"rows": 0, "flagged": 0, "nan_rows": [], "shown": []}
    # the output appears whole, fsynced, or not at all (aekit.files.atomic_write)
    with _progress(quiet) as progress, atomic_write(output, "w") as written:
        task = progress.add_task(f"scoring {input.name}", total=total)
        for number, (X, chunk_ids, true_label) in enumerate(chunks):
            frame = _score_chunk(detector, X, tally, top, chunk_ids)
            if chunk_ids is not None:
                frame = pd.concat([chunk_ids, frame], axis=1)
            if true_label is not None:
                frame["true_label"] = true_label
            frame.to_csv(written, header=number == 0, index=False)
            progress.advance(task, len(frame))
        if tally["rows"] == 0:
            raise DataError(f"{input} has no data rows; expected at least one row to score")
    _print_summary(detector, tally, output, fmt)


def _table_chunks(detector, input: Path, chunk_size: int, label, drop, ids):
    """(the detector's columns, the id columns, the labels) of each chunk of a table file."""
    import warnings

    from aekit.data import contract_of
    from aekit.data.contract import IgnoredColumnsWarning
    from aekit.detection.streaming import iter_chunks

    contract = contract_of(detector)
    for number, chunk in enumerate(iter_chunks(input, chunk_size)):
        with warnings.catch_warnings():
            if number:  # ignored columns are named once, for the first chunk
                warnings.simplefilter("ignore", IgnoredColumnsWarning)
            chosen = contract.select(chunk, input.name, label=label, drop=drop, ids=ids)
        yield chosen.X, chosen.ids, chosen.label


def _image_chunks(detector, folder: Path, chunk_size: int, mode: str):
    """(pixels, the file column, the class subfolder or None) of each chunk of an image folder, read in
    ``mode`` (gray or colour, as the detector's row length says: :func:`_image_mode`)."""
    import pandas as pd

    from aekit.data.loaders import iter_image_folder

    for chunk in iter_image_folder(folder, chunk_size, mode):
        classes = None if chunk.y is None else np.asarray(chunk.classes, dtype=object)[chunk.y]
        yield chunk.X, pd.DataFrame({"file": chunk.files}), classes


def _image_mode(detector, folder: Path, first: Path) -> str:
    """"L" or "RGB": the one whose pixel count is the detector's row length, judged on ``folder``'s first image."""
    from PIL import Image

    with Image.open(first) as image:
        width, height = image.size
    for mode, channels in (("L", 1), ("RGB", 3)):
        if channels * width * height == detector.n_features_in_:
            return mode
    raise DataError(f"the detector takes rows of {detector.n_features_in_} values; the images of {folder} are "
                    f"{width}x{height} ({first.name}: {width * height} gray or {3 * width * height} colour values). "
                    "Score images of the size it was fitted on")


def _progress(quiet: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=err_console, disable=quiet, transient=True)


def _chunk_matrix(detector, X):
    """The detector's columns of a chunk as it takes them: a table with categories stays a
    DataFrame; numbers become a float matrix (NaN kept)."""
    from aekit.data import check_data

    if detector.estimator_._has_categories():
        return X
    return check_data(X, name="input", n_features=detector.n_features_in_,
                      estimator_name="the detector", allow_nan=True)


def _score_chunk(detector, chunk, tally: dict, top: int, ids=None):
    import pandas as pd

    from aekit.data.tabular import take_rows

    X = _chunk_matrix(detector, chunk)
    rows = tally["rows"] + np.arange(len(X))
    complete = ~(X.isna().to_numpy() if hasattr(X, "isna") else np.isnan(X)).any(axis=1)
    scores = np.full(len(X), np.nan)
    labels = pd.array([pd.NA] * len(X), dtype="Int64")
    tops = [""] * len(X)
    if complete.any():
        kept = take_rows(X, np.flatnonzero(complete))
        scores[complete] = detector.decision_function(kept)
        labels[complete] = (scores[complete] > detector.threshold_).astype(int)
        if top and detector.explained_score_ is not None:
            for i, features in zip(np.flatnonzero(complete), detector.top_features(kept, n=top, relative=True)):
                tops[i] = ";".join(f"{name}={100 * share:.3g}%" for name, share in features)
    flagged = np.flatnonzero(complete & (scores > detector.threshold_))
    tally["rows"] += len(X)
    tally["flagged"] += len(flagged)
    tally["nan_rows"].extend(rows[~complete].tolist())
    room = SHOWN_FLAGGED - len(tally["shown"])
    tally["shown"].extend({**({str(c): ids[c].iloc[i] for c in ids.columns} if ids is not None else {}),
                           "row": int(rows[i]), "score": float(scores[i]),
                           TOP_FEATURES_TITLE: tops[i]} for i in flagged[:max(room, 0)])
    return pd.DataFrame({"row": rows, "score": scores, "label": labels, "top_features": tops})


def _print_summary(detector, tally: dict, output: Path, fmt: str = "table") -> None:
    import pandas as pd

    if tally["shown"] or fmt != "table":
        shown = pd.DataFrame(tally["shown"], columns=None if tally["shown"] else ["row", "score"])
        if fmt == "table":
            shown["row"] = shown["row"].astype(str)  # an identifier: no thousands separator
        print_table(shown, fmt, console=console, title="flagged rows" if fmt == "table" else None)
    scored = tally["rows"] - len(tally["nan_rows"])
    (console if fmt == "table" else err_console).print(f"scored {scored} of {tally['rows']} rows: {tally['flagged']} flagged above threshold "
                  f"{detector.threshold_:.6g}; wrote {output}")
    if tally["nan_rows"]:
        shown = ", ".join(map(str, tally["nan_rows"][:10])) + (" ..." if len(tally["nan_rows"]) > 10 else "")
        err_console.print(f"[yellow]not scored: {len(tally['nan_rows'])} rows with missing values "
                          f"(rows {shown}); their score and label are empty[/]")


@detect_app.command("report")
def report(
    model: Path = typer.Argument(..., help="A detector file written by `aekit detect fit`."),
    data: str = typer.Option(..., "--data", "-d", help="A labelled dataset name (digits, breast-cancer, ...), "
                             "or a table file with a label column (the detector's, or --label)."),
    normal: Optional[str] = typer.Option(None, "--normal", help="The label of normal samples; every other label is "
                                         "an anomaly (default: the --normal the detector was fitted with)."),
    seed: int = typer.Option(0, "--seed"),
    out: Path = typer.Option(Path("runs/detect-report"), "--out", "-o", help="Output directory."),
    label: Optional[str] = label_option(),
    drop: Optional[str] = drop_option(),
    code_map: str = typer.Option("tsne", "--code-map", help="2-D map of codes in the report: tsne, umap or pca."),
    as_saved: bool = typer.Option(False, "--as-saved", help="Score the saved detector as it was fitted, for data it "
                                  "has never seen; by default its settings are fitted again on the same rows as the "
                                  "baselines, since `detect fit` on this file has seen every test row."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Score a labelled test set; write report.html with IsolationForest and PCA beside the detector.

    A file is split 80/20 at random (--seed) as `aekit train` splits it; the
    baselines fit on the normal rows of the 80%, and so does a fresh detector
    with the saved one's settings (unless --as-saved); every method is scored
    on the 20%, with the --label column as the truth (--normal: the label of
    the normal rows, by default the one `detect fit --normal` stored). No method has then seen
    a test row: a detector from `detect fit` on the same file has seen all of
    them, which would flatter it against the baselines.
    """

    from aekit.data.tabular import take_rows
    from aekit.data import contract_of
    from aekit.estimators import AnomalyDetector
    from aekit.viz.detect_report import detector_report
    from aekit.viz.figures import CODE_MAP_METHODS

    if code_map not in CODE_MAP_METHODS:
        raise typer.BadParameter(f"--code-map expects one of {', '.join(CODE_MAP_METHODS)}, got {code_map!r}")
    detector = load_model_as(model, AnomalyDetector, "an anomaly detector", "write one with `aekit detect fit`")
    contract = contract_of(detector) if getattr(detector, "data_contract_", None) is not None else None
    normal = normal if normal is not None else getattr(contract, "normal", None)
    if normal is None:  # before the data are read
        raise typer.BadParameter(f"--normal is needed: the label of the normal rows of {data}; {model} records "
                                 "none (`detect fit --normal` on a table file stores it)")
    dataset = load_data(data, seed=seed, label=label, drop=drop, contract=contract)  # the detector's columns
    X_train = take_rows(dataset.X_train, np.flatnonzero(normal_rows(dataset.y_train, dataset.classes, normal, data)))
    anomalous = ~normal_rows(dataset.y_test, dataset.classes, normal, data)
    X_test = features(dataset.X_test, dataset.feature_names)
    if not as_saved:
        from sklearn.base import clone

        detector = clone(detector).set_params(verbose=0 if quiet else 1)
        detector.fit(features(X_train, dataset.feature_names))
        console.print(f"fitted {detector.model} again on the {len(X_train)} normal rows of the 80% the baselines "
                      "fit on (--as-saved scores the saved detector instead)")
    path = detector_report(detector, X_test, anomalous.astype(int), out, X_train=X_train,
                           image_shape=dataset.image_shape, name=detector.model, seed=seed,
                           command=command_line(), code_map=code_map)
    console.print(f"wrote [bold]{path}[/]")
