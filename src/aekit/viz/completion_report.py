"""The report page of a completion (``aekit complete --report``).

A table's report says how well each column is filled, measured where it can
be: on observed cells hidden from the model, against the simplest fill (the
column's mean or most frequent category); it shows where the gaps are and
some filled rows. An image folder's report shows the images with their holes
and filled, then hides a block of observed pixels in some images, fills it
and puts the fill beside the original, against the folder's mean image.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from aekit.viz.figures import new_figure, plot_image_rows, save_figure
from aekit.viz.report import write_report

HOLE_COLOUR = (0.85, 0.15, 0.15)  # red: a hole drawn in an image
SHOWN = 10  # images a strip
CHECKED = 200  # images whose observed block is hidden and filled for the check
FILLS_SHOWN = 8  # of K plausible fills (--n-imputations K), the rows shown
EXAMPLE_ROWS = 10  # filled rows shown in a table's report
GAP_MAP_BANDS = 250  # lines of the gap map at most: a longer table is drawn in bands of rows


def table_completion_report(path, errors: pd.DataFrame, original: pd.DataFrame, filled: pd.DataFrame, *,
                            name: str, model: str, meta: dict) -> Path:
    """Write the report of a completed table to ``path`` (one self-contained ``.html``) and return it.

    Parameters
    ----------
    path : str or Path
        The ``.html`` file.
    errors : pandas.DataFrame
        :meth:`aekit.AutoencoderImputer.hidden_cell_errors` of the table's feature columns.
    original, filled : pandas.DataFrame
        The feature columns before and after completion (same rows and columns).
    name, model : str
        The data's name (file) and the model that filled it, for the title and the first lines.
    meta : dict
        How it was made (command, seed, ...), shown last.
    """
    gaps = original.isna()
    table = _column_table(errors, gaps)
    with tempfile.TemporaryDirectory() as folder:  # the PNGs are embedded in the page
        figures = [(str(_plot_against_baseline(table, Path(folder) / "errors.png")),
                    "Each column's error on hidden observed cells over the simplest fill's on the same cells "
                    "(its mean, or its most frequent category): left of the line the model knows more about the "
                    "column than its average; at or right of it, its fills are no better than that."),
                   (str(_plot_gaps(gaps, Path(folder) / "gaps.png")),
                    "Where the gaps are (dark: missing), rows down, columns across, every row of the table (a long "
                    "table in bands of rows, dark where any row of the band has a gap): a block or a stripe means "
                    "values missing together, which the fills of those rows cannot check against each other.")]
        intro = (f"{int(gaps.to_numpy().sum()):,} missing cells in {len(original):,} rows x {original.shape[1]} columns "
                 f"of {name}, filled by {model}. The errors are measured on observed cells hidden from the model "
                 "(a fifth of them) and filled: they stand for the truly missing cells if those are missing at "
                 "random; values missing because of their value (--missing mnar) are harder than this shows.")
        return write_report(path, title=f"Completion of {name}", table=table, figures=figures, meta=meta,
                            intro=intro, better={"error": None, "baseline error": None, "error / baseline": None},
                            tables=[("Filled rows", _example_rows(original, filled, gaps),
                                     f"The first {EXAMPLE_ROWS} rows with a gap (row: the position among the data rows, from "
                                     "0); a filled cell is marked *.")])


def _column_table(errors: pd.DataFrame, gaps: pd.DataFrame) -> pd.DataFrame:
    numeric = errors["rmse"].notna()
    error = errors["rmse"].where(numeric, errors["error_rate"])
    baseline = errors["baseline_rmse"].where(numeric, errors["baseline_error_rate"])
    return pd.DataFrame({
        "column": errors.index.astype(str),
        "measure": np.where(numeric, "RMSE (standardised)", "share wrong"),
        "missing cells": [int(gaps[c].sum()) if c in gaps else 0 for c in errors.index],
        "hidden cells": errors["hidden_cells"].astype(int).to_numpy(),
        "error": error.to_numpy(),
        "baseline error": baseline.to_numpy(),
        "error / baseline": (error / baseline.where(baseline > 0)).to_numpy(),
    })


def _plot_against_baseline(table: pd.DataFrame, path) -> Path:
    shown = table[table["hidden cells"] > 0].iloc[::-1]  # the first column at the top
    ratio = shown["error / baseline"].fillna(1.0).to_numpy()
    fig, ax = new_figure((9, max(2.5, 0.9 + 0.28 * len(shown))), "Error on hidden cells / the simplest fill's")
    ax.barh(np.arange(len(shown)), ratio, color=np.where(ratio < 1, "#4c78a8", "#e45756"))
    ax.axvline(1.0, color="#333", linestyle="--", linewidth=1)
    ax.set_yticks(np.arange(len(shown)), [str(c) for c in shown["column"]], fontsize=9)
    ax.set_xlabel("error / (column mean or most frequent category)'s error")
    ax.margins(y=0.02)
    return save_figure(fig, path)


def gap_bands(gaps: pd.DataFrame, max_bands: int = GAP_MAP_BANDS) -> tuple[np.ndarray, int]:
    """Whether each band of consecutive rows has a gap, per column, and the rows a band holds.

    A figure a few hundred pixels high cannot show every row of a long table: drawn row by row, the
    rows between two pixel lines vanish, and with them many isolated gaps. A band is dark where any of
    its rows is missing, so every gap shows.

    >>> bands, rows = gap_bands(pd.DataFrame({"a": [False] * 9 + [True], "b": [False] * 10}), max_bands=4)
    >>> rows, bands.astype(int).tolist()
    (3, [[0, 0], [0, 0], [0, 0], [1, 0]])
    """
    rows_per_band = max(1, -(-len(gaps) // max_bands))
    starts = np.arange(0, len(gaps), rows_per_band)
    return np.logical_or.reduceat(gaps.to_numpy(dtype=bool), starts, axis=0), rows_per_band


def _plot_gaps(gaps: pd.DataFrame, path) -> Path:
    bands, rows_per_band = gap_bands(gaps)
    fig, ax = new_figure((9, 4), f"Missing cells: {len(gaps):,} rows" + (
        f", a line per {rows_per_band} rows (dark: any of them missing)" if rows_per_band > 1 else ""))
    ax.imshow(bands.astype(float), aspect="auto", cmap="Greys", vmin=0, vmax=1, interpolation="nearest",
              extent=(-0.5, gaps.shape[1] - 0.5, len(gaps), 0))
    ax.set_xticks(np.arange(gaps.shape[1]), [str(c) for c in gaps.columns], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("row")
    return save_figure(fig, path)


def _example_rows(original: pd.DataFrame, filled: pd.DataFrame, gaps: pd.DataFrame) -> pd.DataFrame:
    rows = np.nonzero(gaps.any(axis=1).to_numpy())[0][:EXAMPLE_ROWS]
    shown = filled.iloc[rows].astype(object).copy()
    for column in shown.columns:
        values = filled[column].iloc[rows]
        text = values.map(_as_written)
        shown[column] = np.where(gaps[column].iloc[rows], text + " *", text)
    shown.insert(0, "row", rows)
    return shown.reset_index(drop=True)


def _as_written(value) -> str:
    """A cell as a CSV shows it: a whole number without a fraction or separators, others to 6 digits."""
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"
    return str(value)


def image_completion_report(path, completer, images: np.ndarray, holes: np.ndarray, filled: np.ndarray, *,
                            name: str, meta: dict, seed: int = 0, fills: np.ndarray | None = None) -> Path:
    """Write the report of a completed image folder to ``path`` and return it.

    Parameters
    ----------
    path : str or Path
        The ``.html`` file.
    completer : ImageCompleter
        Fitted; used again to fill the check's blocks.
    images, holes, filled : numpy.ndarray of shape (N, C, H, W)
        The images (values in the holes are ignored), True where missing, and the completed images.
    name : str
        The folder's name, for the title.
    meta : dict
        How it was made, shown last.
    seed : int
        Which images are checked and where their blocks are.
    fills : numpy.ndarray of shape (K, N, C, H, W) or None
        K plausible fills (``ImageCompleter.sample``, ``--n-imputations K``): with K > 1 a figure
        shows the first images' fills under each other (at most ``FILLS_SHOWN``) and their spread.
    """
    rng = np.random.default_rng(seed)
    checked = np.sort(rng.permutation(len(images))[:CHECKED])
    block = _observed_blocks(holes[checked], rng)
    refilled = completer.complete(images[checked], holes[checked] | block)
    seen = (~holes).sum(axis=0)  # a pixel in every image's hole takes the mean of all observed pixels
    mean_image = np.where(holes, 0, images).sum(axis=0) / np.maximum(seen, 1)
    mean_image = np.where(seen > 0, mean_image, mean_image[seen > 0].mean() if seen.any() else 0.0)
    table = pd.DataFrame([_block_scores("ImageCompleter", refilled, images[checked], block),
                          _block_scores("mean image", np.broadcast_to(mean_image, refilled.shape),
                                        images[checked], block)])
    shown, size = slice(0, SHOWN), images.shape[2:]
    with tempfile.TemporaryDirectory() as folder:
        strips = [(_strips({"with hole": _painted(images[shown], holes[shown]), "filled": _rgb(filled[shown])}, size,
                           Path(folder) / "filled.png", "The images and their fills"),
                   f"The first {min(SHOWN, len(images))} images of {name}: the hole in red, then filled (the "
                   "observed pixels are kept as they are). There is no original under a hole: the check below "
                   "measures fills where there is one."),
                  (_strips({"block hidden": _painted(images[checked][shown], (holes[checked] | block)[shown]),
                            "filled": _rgb(refilled[shown]), "original": _rgb(images[checked][shown])}, size,
                           Path(folder) / "check.png", "A block of observed pixels hidden and filled"),
                   "The check: a square block of observed pixels hidden (red, with the image's own hole), "
                   "filled, and the original under it.")]
        intro = (f"{int(holes[:, 0].sum()):,} missing pixels in {len(images):,} images of {name}, filled by "
                 f"ImageCompleter. To measure the fills, a square block of observed pixels (half the image's side) "
                 f"was hidden in {len(checked)} images and filled; the table scores those pixels only, against "
                 f"the folder's mean image (PSNR over the whole image, pixels in [0, 1]).")
        if fills is not None and len(fills) > 1:
            holed = np.nonzero(holes.any(axis=(1, 2, 3)))[0][:SHOWN]  # images with a hole: fills to compare
            strips.insert(1, _spread_strip(images[holed], holes[holed], fills[:, holed], size, Path(folder)))
            spread = float(fills.std(axis=0)[holes].mean()) if holes.any() else 0.0
            intro += (f" {len(fills)} plausible fills were drawn (--n-imputations {len(fills)}; the first is "
                      f"shown above and in the check); their spread, the standard deviation over the fills "
                      f"averaged over the missing pixels, is {spread:.3f}.")
        return write_report(path, title=f"Completion of {name}", table=table, figures=strips, meta=meta,
                            intro=intro, better={"masked-pixel MSE": "min", "PSNR": "max"})


def _spread_strip(images: np.ndarray, holes: np.ndarray, fills: np.ndarray, size, folder: Path) -> tuple[str, str]:
    """(figure, caption): the images with their holes, then each of the K fills (at most
    ``FILLS_SHOWN``), then their spread per pixel (the standard deviation over all K, white at
    the largest among these images)."""
    spread = fills.std(axis=0).max(axis=1, keepdims=True)  # (n, 1, h, w): the widest channel
    spread = spread / max(float(spread.max()), 1e-12)
    rows = {"with hole": _painted(images, holes),
            **{f"fill {k + 1}": _rgb(fill) for k, fill in enumerate(fills[:FILLS_SHOWN])},
            f"spread of {len(fills)}": _rgb(spread)}
    shown = "" if len(fills) <= FILLS_SHOWN else f" (the first {FILLS_SHOWN} of {len(fills)})"
    return (_strips(rows, size, folder / "fills.png", f"{len(fills)} plausible fills"),
            f"The first {len(images)} images with a hole: in red, then the plausible fills{shown} under each other "
            f"(each a code drawn from the VAEAC's prior; the observed pixels are the same in every fill), and "
            f"their spread: the standard deviation over the {len(fills)} fills per pixel, white where it is "
            f"largest among these images, black where the fills agree.")


def _observed_blocks(holes: np.ndarray, rng, tries: int = 10) -> np.ndarray:
    """Per image, a square of side half the shorter edge, minus the image's own hole: at the first of
    ``tries`` random places where at least half of it is observed (else where most of it is)."""
    n, c, h, w = holes.shape
    side = max(1, min(h, w) // 2)
    block = np.zeros_like(holes)
    for i in range(n):
        places = np.stack([rng.integers(0, h - side + 1, tries), rng.integers(0, w - side + 1, tries)], axis=1)
        observed = np.array([(~holes[i, 0, t:t + side, s:s + side]).sum() for t, s in places])
        enough = np.nonzero(observed * 2 >= side * side)[0]
        top, left = places[enough[0] if len(enough) else np.argmax(observed)]
        block[i, :, top:top + side, left:left + side] = True
    return block & ~holes


def _block_scores(method: str, fill: np.ndarray, original: np.ndarray, block: np.ndarray) -> dict:
    image_mse = np.mean((np.where(block, fill, original) - original) ** 2, axis=(1, 2, 3))
    return {"method": method, "hidden pixels": int(block[:, 0].sum()),
            "masked-pixel MSE": float(np.mean((fill - original)[block] ** 2)),
            "PSNR": float(np.mean(10 * np.log10(1 / np.maximum(image_mse, 1e-10))))}


def _rgb(images: np.ndarray) -> np.ndarray:
    """(n, c, h, w) -> rows of RGB images, (n, 3*h*w), clipped to [0, 1]."""
    images = np.clip(images, 0.0, 1.0)
    if images.shape[1] == 1:
        images = np.repeat(images, 3, axis=1)
    return images.reshape(len(images), -1)


def _painted(images: np.ndarray, holes: np.ndarray) -> np.ndarray:
    rgb = _rgb(images).reshape(len(images), 3, *images.shape[2:])
    hole = holes[:, :1].repeat(3, axis=1)
    colour = np.asarray(HOLE_COLOUR, dtype=rgb.dtype)[None, :, None, None]
    return np.where(hole, colour, rgb).reshape(len(images), -1)


def _strips(rows: dict, size: tuple[int, int], path: Path, title: str) -> str:
    """Labelled rows of RGB images of ``size`` (h, w), as one PNG."""
    return str(plot_image_rows(rows, (3, *size), path, n=SHOWN, title=title))
