"""``aekit complete``: fill the empty cells of a table, or the holes of images.

Tables: ``aekit complete --data table.csv --out filled.csv`` reads a CSV
(first line: the header; empty fields and ``NA`` are missing), fits an
:class:`aekit.AutoencoderImputer` on it and writes the table with every gap
filled; ``--label``, ``--id`` and ``--drop`` columns are no features and are
carried through untouched, in their place.
Images: ``aekit complete --data FOLDER --masks FOLDER --out FOLDER`` fits
an :class:`aekit.ImageCompleter` (the masked autoencoder, or ``--model vaeac``;
or loads a saved one with ``--model FILE``) and writes each image with its
hole filled; a mask is an image of the same name and size whose white pixels
mark the hole. With ``--model vaeac --n-imputations K`` it writes K folders
(OUT_1 ... OUT_K) of plausible fills.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import typer

from aekit.cli._common import (NUM_THREADS, command_line, console, drop_option, id_option, label_option,
                               load_model_as, old_option, renamed)


def complete(
    data: Optional[Path] = typer.Option(None, "--data", "-d", help="A CSV table with empty cells (or NA) to fill, "
                                        "or a folder of .png/.jpg images with holes (with --masks). (required)"),
    images: Optional[Path] = old_option("--images"),
    masks: Optional[Path] = typer.Option(None, "--masks", help="With an image folder: a folder of masks, one per "
                                         "image (same file name and size), white where the image is missing."),
    out: Path = typer.Option(..., "--out", "-o", help="The filled table (CSV), or a folder for the filled images."),
    label: Optional[str] = label_option(),
    ids: Optional[str] = id_option(),
    drop: Optional[str] = drop_option(),
    indicator: bool = typer.Option(False, "--indicator", help="Add a 0/1 was-missing column per column with gaps."),
    n_imputations: int = typer.Option(1, "--n-imputations", min=1, help="Write K plausible completions "
                                      "(OUT_1.csv ... OUT_K.csv, or the folders OUT_1 ... OUT_K with images and "
                                      "--model vaeac): multiple imputation."),
    model: str = typer.Option("auto", "--model", "-m", help="Tables: auto, dae, miwae or not-miwae, or a saved "
                              "AutoencoderImputer (--save). Images: auto or masked-ae (one fill per hole), vaeac "
                              "(several plausible fills), or a saved ImageCompleter. A saved model (.safetensors) "
                              "is used instead of training one."),
    missing: str = typer.Option("mcar", "--missing", help="Tables: mcar (also MAR) or mnar (values missing "
                                "because of their value; uses not-MIWAE)."),
    self_masking: str = typer.Option("auto", "--self-masking", help="Tables with --missing mnar: which values are "
                                     "the ones left blank, high, low, or auto (read per column from the data)."),
    fill_range: str = typer.Option("auto", "--fill-range", help="Tables: where a number column's fills may lie: "
                                   "sign (at 0 or above in a column observed only there; at 0 or below likewise), "
                                   "observed (between its lowest and highest observed value), none (anywhere), "
                                   "or auto (sign; none with --missing mnar)."),
    epochs: str = typer.Option("auto", "--epochs", help="Training epochs, or auto."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    save: Optional[Path] = typer.Option(None, "--save", help="Also save the fitted model (.safetensors)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Also write an HTML report (one self-contained "
                                          "file): a table's per-column error on hidden observed cells against the "
                                          "column mean or most frequent category, where the gaps are and filled "
                                          "rows; an image folder's holes and fills, and fills of hidden blocks "
                                          "beside their originals."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    num_threads: Optional[int] = NUM_THREADS,
) -> None:
    """Fill missing cells of a table (--data TABLE.csv) or holes in images (--data FOLDER --masks FOLDER)."""
    from aekit._threads import intra_op_threads

    data = renamed(data, images, "--images", "--data")
    max_epochs = epochs if epochs == "auto" else int(epochs)
    with intra_op_threads(num_threads):
        _complete(data, masks, out, label, ids, drop, indicator, n_imputations, model, missing, max_epochs, seed,
                  save, self_masking, report, verbose=0 if quiet else 1, fill_range=fill_range)


def _complete(data, masks, out, label, ids, drop, indicator, n_imputations, model, missing, max_epochs, seed, save,
              self_masking, report, verbose, fill_range="auto"):
    if report is not None and report.suffix.lower() not in (".html", ".htm"):
        raise typer.BadParameter(f"--report expects an .html file to write, got {str(report)!r}")
    if not data.is_dir():
        carried = ",".join(c for c in (ids, drop) if c)
        if fill_range not in FILL_RANGES:
            raise typer.BadParameter(f"--fill-range expects one of {', '.join(FILL_RANGES)}, got {fill_range!r}")
        _complete_table(data, out, label, carried, indicator, n_imputations, model, missing, max_epochs, seed, save,
                        self_masking, report, verbose, FILL_RANGES[fill_range])
    else:
        if masks is None:
            raise typer.BadParameter("an image folder needs --masks FOLDER (white where the image is missing)")
        _complete_images(data, masks, out, model, max_epochs, seed, save, report, verbose, n_imputations)


def _complete_table(path, out, label, drop, indicator, n_imputations, model, missing, max_epochs, seed, save,
                    self_masking, report, verbose, fill_range="auto"):
    import pandas as pd

    from aekit import AutoencoderImputer
    from aekit.data.loaders import read_frame, warn_suspect_columns
    from aekit.exceptions import DataError

    table = read_frame(path)  # one DataError for a missing, unreadable or empty file; NaN cells kept
    carried = [c.strip() for c in (drop or "").split(",") if c.strip()] + ([label] if label else [])
    unknown = [c for c in carried if c not in table.columns]
    if unknown:
        raise DataError(f"{path.name} has no column {unknown}; its columns are {list(table.columns)}")
    features = table.drop(columns=carried)
    if model in TABLE_MODELS:
        warn_suspect_columns(features, path.name, labelled=label is not None)  # as every other command reads a table
        imputer = AutoencoderImputer(model=model, missing=missing, self_masking=self_masking, fill_range=fill_range,
                                     add_indicator=indicator,
                                     keep_empty_features=True, max_epochs=max_epochs, random_state=seed,
                                     verbose=verbose)
        if verbose:
            console.print(f"fitting {imputer.family} on {len(features)} rows x {features.shape[1]} columns")
        imputer.fit(features)
    else:  # a saved imputer (--save) fills the table as it is, untrained again
        imputer = _saved_imputer(model)
        if fill_range != "auto":  # read when filling: a saved imputer takes it as it is
            imputer.set_params(fill_range=fill_range)
        known = [str(c) for c in getattr(imputer, "feature_names_in_", [])]
        absent = [c for c in known if c not in features.columns]
        if not known or absent:
            raise DataError(f"{path.name} lacks the columns {absent} that {model} was fitted on" if absent else
                            f"{model} was fitted without column names: it cannot take the columns of {path.name}")
        features = features[known]  # its columns by name, in any order; the others are carried untouched
    gaps = int(features.isna().sum().sum())
    fills = [imputer.transform(features)] if n_imputations == 1 else imputer.sample(features, n_imputations)
    names = list(imputer.get_feature_names_out())
    written = []
    for i, filled in enumerate(fills, start=1):
        frame = filled if isinstance(filled, pd.DataFrame) else pd.DataFrame(filled, columns=names)
        result = table.copy()
        for column in frame.columns:
            result[column] = frame[column].to_numpy()
        _write_whole_numbers(result, imputer.scaler_.integers_)
        for column in frame.columns.difference(features.columns):  # the was-missing indicators: 0 / 1, not 0.0 / 1.0
            result[column] = result[column].astype(np.int8)
        target = out if n_imputations == 1 else out.with_name(f"{out.stem}_{i}{out.suffix or '.csv'}")
        target.parent.mkdir(parents=True, exist_ok=True)
        result.to_csv(target, index=False)
        written.append(str(target))
    if save is not None:
        imputer.save(save)
    errors = imputer.hidden_cell_errors(features)
    _print_column_errors(errors)
    if report is not None:
        from aekit.viz.completion_report import table_completion_report

        first = fills[0] if isinstance(fills[0], pd.DataFrame) else pd.DataFrame(fills[0], columns=names)
        written.append(str(table_completion_report(
            report, errors, features, first[features.columns], name=path.name, model=imputer.family,
            meta={"command": command_line(), "data": str(path), "model": imputer.family, "seed": str(seed),
                  "rows x columns": f"{len(features)} x {features.shape[1]}"})))
    console.print(f"filled {gaps} missing cells of {path.name} ({len(table)} rows) with {imputer.family}; "
                  f"wrote {', '.join(written)}")


TABLE_MODELS = ("auto", "dae", "miwae", "not-miwae")
FILL_RANGES = {"auto": "auto", "sign": "sign", "observed": "observed", "none": None}  # --fill-range: AutoencoderImputer's fill_range


def _saved_imputer(model: str):
    """The AutoencoderImputer of the file ``model`` (written by --save), or one message saying what --model takes."""
    from aekit import AutoencoderImputer
    from aekit.exceptions import DataError

    if not Path(model).is_file():
        raise DataError(f"--model for a table expects one of {', '.join(TABLE_MODELS)} or a saved AutoencoderImputer "
                        f"file (--save); got {model!r}, which is neither")
    return load_model_as(model, AutoencoderImputer, "an AutoencoderImputer",
                         "write one with `aekit complete --data TABLE --save FILE`")


def _write_whole_numbers(result, integer_columns) -> None:
    """Integer columns (their fills are rounded) as integers, so an observed ``54`` is written ``54``, not
    ``54.0``: a CSV column with empty cells is read as floats."""
    for column in integer_columns:
        values = result[column].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isfinite(values).all() and np.array_equal(values, np.round(values)):
            result[column] = result[column].astype("Int64")


def _print_column_errors(errors) -> None:
    """Per column: how well the model fills cells it can be checked on (observed ones, hidden)."""
    from rich.table import Table

    table = Table(title="error on hidden observed cells (20% of them, standardised units)")
    for name in ("column", "hidden cells", "RMSE / error rate", "column mean / mode"):
        table.add_column(name)
    for column, row in errors.iterrows():
        numeric = row["rmse"] == row["rmse"]
        value, baseline = (row["rmse"], row["baseline_rmse"]) if numeric else (row["error_rate"],
                                                                             row["baseline_error_rate"])
        hidden = int(row["hidden_cells"])
        table.add_row(str(column), str(hidden), *((f"{value:.3f}", f"{baseline:.3f}") if hidden else ("-", "-")))
    console.print(table)


IMAGE_MODELS = ("auto", "masked-ae", "vaeac")  # --model names that train; anything else is a saved file


def _complete_images(folder, masks, out, model, max_epochs, seed, save, report, verbose, n_imputations=1):
    from aekit import ImageCompleter
    from aekit.estimators.image_completer import check_samples_fit
    from aekit.data.loaders import MixedSizesError, read_image_folder, save_image_folder
    from aekit.exceptions import DataError

    completer = None
    if model not in IMAGE_MODELS:
        completer = load_model_as(model, ImageCompleter, "an ImageCompleter",
                                  "write one with `aekit complete --data FOLDER --masks FOLDER --save FILE`")
    family = "vaeac" if (completer.model_.family if completer is not None else model) == "vaeac" else "masked-ae"
    if n_imputations > 1 and family != "vaeac":
        raise typer.BadParameter(f"--n-imputations {n_imputations} needs several plausible fills: use --model vaeac "
                                 "(the masked autoencoder gives one fill per hole)")
    # colour stays colour (a folder of gray images reads as gray); a saved model reads as it was fitted
    mode = "auto" if completer is None else ("L" if completer.image_shape_[0] == 1 else "RGB")
    # files relative to their folder: class subfolders may hold files of the same name (cat/1.png, dog/1.png)
    try:
        read, read_masks = read_image_folder(folder, mode=mode), read_image_folder(masks, mode="L")
    except MixedSizesError as err:  # there is no --image-size here: a fill goes back into its own image
        raise err.with_hint("images and masks must all have one size (the folder's); resize them first, or "
                            "complete each size as its own folder") from None
    X, shape, names = read.X, read.image_shape, read.files
    M, mask_shape, mask_names = read_masks.X, read_masks.image_shape, read_masks.files
    if [_without_suffix(n) for n in names] != [_without_suffix(n) for n in mask_names] or mask_shape[1:] != shape[1:]:
        raise DataError(f"{masks} must hold one mask per image of {folder}, same names and size; got "
                        f"{len(mask_names)} masks of {_size(mask_shape)} for {len(names)} images of {_size(shape)}")
    images = X.reshape(len(X), *shape)
    hole = np.repeat(M.reshape(len(M), *mask_shape) > 0.5, shape[0], axis=1)  # one mask for every channel
    if n_imputations > 1:  # K fills of every image held at once: refused now, not after the fit
        check_samples_fit(images.size, n_imputations, "--n-imputations")
    if completer is None:
        completer = ImageCompleter(model=family, max_epochs=max_epochs, random_state=seed, verbose=verbose)
        if verbose:
            console.print(f"fitting ImageCompleter (model={family}) on {len(images)} images (holes left out)")
        completer.fit(np.where(hole, np.nan, images))
    fills = completer.complete(images, hole)[None] if n_imputations == 1 else completer.sample(
        images, hole, n_imputations)
    # a gray image in a colour folder gets a gray fill, not a tint of the colour images
    gray = ((images[:, 0] == images[:, 1]) & (images[:, 1] == images[:, 2])).all(axis=(1, 2)) if shape[0] == 3 \
        else np.zeros(len(images), dtype=bool)
    for i, filled in enumerate(fills):
        filled[gray] = np.where(hole[gray], filled[gray].mean(axis=1, keepdims=True), filled[gray])
        target = out if n_imputations == 1 else out.with_name(f"{out.name}_{i + 1}")
        save_image_folder(target, filled.reshape(len(filled), -1), shape, names)
    filled = fills[0]
    if save is not None:
        completer.save(save)
    written = str(out) if n_imputations == 1 else f"{out.name}_1 ... {out.name}_{n_imputations} in {out.parent}"
    if report is not None:
        from aekit.viz.completion_report import image_completion_report

        written += ", " + str(image_completion_report(
            report, completer, images, hole, filled, name=folder.name, seed=seed,
            fills=fills if n_imputations > 1 else None,
            meta={"command": command_line(), "data": str(folder), "masks": str(masks), "seed": str(seed),
                  "images": f"{len(images)} of {_size(shape)}, {'gray' if shape[0] == 1 else 'colour'}"}))
    console.print(f"filled {int(hole[:, 0].sum())} missing pixels in {len(images)} images; wrote {written}")


def _size(shape) -> str:
    """``(3, 32, 48)`` -> ``48x32`` (width x height, as --image-size writes it)."""
    return f"{shape[2]}x{shape[1]}"


def _without_suffix(name: str) -> str:
    """``cat/1.jpg`` -> ``cat/1``: an image and its mask may differ in format."""
    return str(Path(name).with_suffix(""))
