"""Figures of what an autoencoder learned, each written to one PNG.

Every function builds a ``matplotlib.figure.Figure`` (no global pyplot
state), saves it at dpi 100 with ``bbox_inches=None`` so the pixel size is
exactly ``figsize * 100``, and returns the path as a ``Path``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Callable

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from aekit.evaluation.validation import as_matrix, as_vector, check_image_shape, check_same_length
from aekit.exceptions import DataError
from aekit.viz._images import display_range, grid_rows, image_rows, mosaic, row_centers, show, to_pixels
from aekit._docs import fill_doc

DPI = 100
CODE_MAP_METHODS = ("tsne", "umap", "pca")
MAX_LEGEND_CLASSES = 20


# ---------------------------------------------------------------- images


@fill_doc
def plot_reconstructions(
    X, X_rec, image_shape, path, n: int = 10,
    title: str = "Originals (top) and their reconstructions (bottom)", figsize=(10, 2.5),
) -> Path:
    """Two rows of images: the first ``n`` originals above, their reconstructions below.

    ``image_shape`` is (c, h, w) with c = 1 (gray) or 3 (RGB). Both rows share
    the originals' value range. Default size: figsize (10, 2.5) → 1000x250 px.

    Parameters
    ----------
    X, X_rec : array-like of shape (n_samples, c * h * w) or images
        Originals and their reconstructions.
    image_shape : tuple (c, h, w)
        How a row is an image.
    %(png_path)s
    n : int, default=10
        How many images.
    %(fig_title)s
    figsize : tuple of float, default=(10, 2.5)
        Inches (100 px each).

    Returns
    -------
    %(png_written)s

    Raises
    ------
    aekit.exceptions.DataError
        Rows that are not images of ``image_shape``, or ``X`` and ``X_rec``
        of different shapes.

    Examples
    --------
    >>> import tempfile
    >>> from aekit.data import load_dataset
    >>> from aekit.viz import plot_reconstructions
    >>> X = load_dataset("digits").X_test
    >>> plot_reconstructions(X, 1 - X, (1, 8, 8), f"{tempfile.mkdtemp()}/rec.png").suffix
    '.png'
    """
    X, shape = image_rows(X, image_shape, "X")
    X_rec, _ = image_rows(X_rec, image_shape, "X_rec")
    _check_same_shape(X, X_rec, "X", "X_rec")
    n = min(n, len(X))
    return _labelled_rows([X[:n], X_rec[:n]], ["original", "reconstruction"], shape, path, title, figsize)


@fill_doc
def plot_denoising(
    X_noisy, X_denoised, X_clean, image_shape, path, n: int = 10,
    title: str = "Denoising: corrupted input, model output, clean target", figsize=(10, 3.3),
) -> Path:
    """Three rows: corrupted / denoised / clean, for the first ``n`` images.

    All rows share the clean images' value range (noise beyond it is clipped).
    Default size: figsize (10, 3.3) → 1000x330 px.

    Parameters
    ----------
    X_noisy, X_denoised, X_clean : array-like of shape (n_samples, c * h * w) or images
        The corrupted inputs, the model's outputs and the clean targets.
    image_shape : tuple (c, h, w)
        How a row is an image.
    %(png_path)s
    n : int, default=10
        How many images.
    %(fig_title)s
    figsize : tuple of float, default=(10, 3.3)
        Inches (100 px each).

    Returns
    -------
    %(png_written)s

    Raises
    ------
    aekit.exceptions.DataError
        Rows that are not images of ``image_shape``, or the three of different shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from PIL import Image
    >>> from aekit.data import corrupt_array, load_dataset
    >>> X = load_dataset("digits").X_test[:10]
    >>> Image.open(plot_denoising(corrupt_array(X, "masking", 0.5, random_state=0), X, X, (1, 8, 8),
    ...                           "denoise.png")).size
    (1000, 330)
    """
    X_noisy, shape = image_rows(X_noisy, image_shape, "X_noisy")
    X_denoised, _ = image_rows(X_denoised, image_shape, "X_denoised")
    X_clean, _ = image_rows(X_clean, image_shape, "X_clean")
    _check_same_shape(X_clean, X_noisy, "X_clean", "X_noisy")
    _check_same_shape(X_clean, X_denoised, "X_clean", "X_denoised")
    n = min(n, len(X_clean))
    rows = [X_noisy[:n], X_denoised[:n], X_clean[:n]]
    return _labelled_rows(rows, ["corrupted", "denoised", "clean"], shape, path, title, figsize, reference=2)


@fill_doc
def plot_samples(
    X_samples, image_shape, path, n: int = 64, title: str = "Generated samples", figsize=(8, 8),
) -> Path:
    """A square-ish grid of the first ``n`` samples. Default: (8, 8) → 800x800 px.

    Parameters
    ----------
    X_samples : array-like of shape (n_samples, c * h * w) or images
        Generated images (e.g. a VAE's ``sample``).
    image_shape : tuple (c, h, w)
        How a row is an image.
    %(png_path)s
    n : int, default=64
        How many samples (the grid is ceil(sqrt(n)) wide).
    %(fig_title)s
    figsize : tuple of float, default=(8, 8)
        Inches (100 px each).

    Returns
    -------
    %(png_written)s

    Raises
    ------
    aekit.exceptions.DataError
        Rows that are not images of ``image_shape``.

    Examples
    --------
    >>> from PIL import Image
    >>> from aekit.data import load_dataset
    >>> X = load_dataset("digits").X_test
    >>> Image.open(plot_samples(X, (1, 8, 8), "samples.png", n=16, figsize=(4, 4))).size
    (400, 400)
    """
    X, shape = image_rows(X_samples, image_shape, "X_samples")
    images = to_pixels(X[:n], shape, display_range(X[:n]))
    fig, ax = new_figure(figsize, title)
    show(ax, mosaic(grid_rows(images, math.ceil(math.sqrt(len(images))))))
    ax.set_axis_off()
    return save_figure(fig, path)


@fill_doc
def plot_latent_manifold(
    decode_fn: Callable[[np.ndarray], np.ndarray], image_shape, path, n: int = 15, lim: float = 3.0,
    title: str = "Decoded images over a grid of 2-D codes", figsize=(8, 8),
) -> Path:
    """Decode an n x n grid over [-lim, lim]^2 and tile the images at their codes.

    ``decode_fn`` takes an (m, 2) float array and returns (m, c*h*w). The
    axes show the code values (z1 right, z2 up). Default: (8, 8) → 800x800 px.

    Parameters
    ----------
    decode_fn : callable
        Codes (m, 2) -> images (m, c*h*w), e.g. a 2-D VAE's ``decode``.
    image_shape : tuple (c, h, w)
        How a decoded row is an image.
    %(png_path)s
    n : int, default=15
        Grid points per axis (at least 2).
    lim : float, default=3.0
        The grid spans [-lim, lim] on both axes (> 0).
    %(fig_title)s
    figsize : tuple of float, default=(8, 8)
        Inches (100 px each).

    Returns
    -------
    %(png_written)s

    Raises
    ------
    aekit.exceptions.DataError
        ``n`` below 2 or ``lim`` not positive, or ``decode_fn`` returning
        another number of rows or rows that are not images.

    Examples
    --------
    >>> import numpy as np
    >>> from PIL import Image
    >>> def decode(z):   # a stand-in decoder: a bright pixel where the code points
    ...     return np.stack([np.outer(np.exp(-(np.arange(8) - 3.5 - a) ** 2), np.exp(-(np.arange(8) - 3.5 - b) ** 2))
    ...                      .ravel() for a, b in z])
    >>> Image.open(plot_latent_manifold(decode, (1, 8, 8), "manifold.png", n=5, figsize=(3, 3))).size
    (300, 300)
    >>> plot_latent_manifold(decode, (1, 8, 8), "manifold.png", n=1)
    Traceback (most recent call last):
    aekit.exceptions.DataError: n, lim: expected n >= 2 and lim > 0, got n=1, lim=3.0
    """
    if n < 2 or lim <= 0:
        raise DataError(f"n, lim: expected n >= 2 and lim > 0, got n={n}, lim={lim}")
    z1 = np.linspace(-lim, lim, n)
    z2 = np.linspace(lim, -lim, n)  # top row = largest z2, so "up" means up
    codes = np.array([[a, b] for b in z2 for a in z1], dtype=np.float32)
    decoded, shape = image_rows(decode_fn(codes), image_shape, "decode_fn(codes)")
    if len(decoded) != len(codes):
        raise DataError(f"decode_fn: expected {len(codes)} decoded rows, got {len(decoded)}")
    images = to_pixels(decoded, shape, display_range(decoded))
    half_step = lim / (n - 1)
    fig, ax = new_figure(figsize, title)
    extent = (-lim - half_step, lim + half_step, -lim - half_step, lim + half_step)
    show(ax, mosaic(grid_rows(images, n)), extent=extent)
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    return save_figure(fig, path)


@fill_doc
def plot_image_rows(
    rows: dict, image_shape, path, n: int = 10, title: str = "Images", reference: str | None = None,
    figsize=None, equal_rows: bool = True,
) -> Path:
    """One labelled row of images per entry of ``rows`` (label -> (m, c*h*w) array).

    Used to put several models' reconstructions under the same originals.
    All rows share the value range of ``rows[reference]`` (default: the
    first). Default size: 10 inches wide, 0.9 inch a row plus 0.6 for the
    title, at dpi 100 (e.g. 4 rows → 1000x420 px).

    Parameters
    ----------
    rows : dict of str to array-like of shape (m, c * h * w)
        Row label -> images, in the order drawn.
    image_shape : tuple (c, h, w)
        How a row is an image.
    %(png_path)s
    n : int, default=10
        Most images a row.
    %(fig_title)s
    reference : str or None
        The row whose value range every row shares (None: the first).
    figsize : tuple of float or None
        Inches; None sizes it by the number of rows.
    equal_rows : bool, default=True
        Every row shows as many images as the shortest (the same originals
        under each other); False: each row up to ``n`` of its own, a shorter
        row left blank at its end (groups of different sizes).

    Returns
    -------
    %(png_written)s

    Raises
    ------
    aekit.exceptions.DataError
        No rows, rows that are not images of ``image_shape``, or an unknown ``reference``.

    Examples
    --------
    >>> from PIL import Image
    >>> from aekit.data import load_dataset
    >>> X = load_dataset("digits").X_test
    >>> rows = {"original": X, "blurred": (X + X[:, ::-1]) / 2, "inverted": 1 - X, "dark": X / 2}
    >>> Image.open(plot_image_rows(rows, (1, 8, 8), "rows.png")).size
    (1000, 420)
    """
    if not rows:
        raise DataError("rows: expected at least one row of images, got none")
    checked = {label: image_rows(X, image_shape, f"rows[{label!r}]")[0] for label, X in rows.items()}
    shape = check_image_shape(image_shape, next(iter(checked.values())).shape[1])
    if equal_rows:
        n = min([n, *(len(X) for X in checked.values())])
    labels = list(checked)
    if reference is not None and reference not in checked:
        raise DataError(f"reference: expected one of the row labels {labels}, got {reference!r}")
    reference_index = labels.index(reference) if reference is not None else 0
    size = figsize or (10, 0.9 * len(labels) + 0.6)
    return _labelled_rows([checked[k][:n] for k in labels], labels, shape, path, title, size, reference_index)


def _labelled_rows(rows, labels, shape, path, title, figsize, reference: int = 0) -> Path:
    value_range = display_range(rows[reference])
    canvas = mosaic([to_pixels(r, shape, value_range) for r in rows])
    fig, ax = new_figure(figsize, title)
    show(ax, canvas)
    ax.set_xticks([])
    ax.set_yticks(row_centers(len(rows), shape[1]), labels=labels, fontsize=11)
    ax.tick_params(left=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return save_figure(fig, path)


# ---------------------------------------------------------------- codes


@fill_doc
def plot_code_map(
    Z, y, path, method: str = "tsne", max_points: int = 2000, random_state=0,
    title: str | None = None, figsize=(8, 6), legend_title: str = "label",
) -> Path:
    """A 2-D map of codes, one dot per sample, coloured by label.

    Codes with exactly 2 columns are drawn as they are; otherwise a random
    subsample of at most ``max_points`` is embedded with t-SNE (scikit-learn),
    UMAP (if umap-learn is installed; else t-SNE with a warning) or PCA.
    Up to 20 distinct labels get a legend, more (or float labels) a colorbar;
    ``y=None`` draws one colour. Default: (8, 6) → 800x600 px.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_codes)
        Codes, at least 2 columns.
    y : array-like of shape (n_samples,) or None
        Labels for the colours.
    %(png_path)s
    method : {"tsne", "umap", "pca"}, default="tsne"
        The 2-D embedding of wider codes.
    max_points : int, default=2000
        Most samples drawn (a random subsample).
    random_state : int, default=0
        Seed of the subsample and the embedding.
    title : str or None
        The figure's title (None: says what is drawn).
    figsize : tuple of float, default=(8, 6)
        Inches (100 px each).
    legend_title : str, default="label"
        What the colours are (the legend's or colorbar's title), e.g. ``"cluster"``.

    Returns
    -------
    %(png_written)s

    Raises
    ------
    aekit.exceptions.DataError
        Codes with fewer than 2 columns, an unknown method, or labels of
        another length.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import load_digits
    >>> from aekit.viz import plot_code_map
    >>> X, y = load_digits(return_X_y=True)
    >>> plot_code_map(X[:300], y[:300], f"{tempfile.mkdtemp()}/codes.png", method="pca").suffix
    '.png'
    """
    Z = as_matrix(Z, "Z")
    if Z.shape[1] < 2:
        raise DataError(f"Z: expected at least 2 code dimensions for a 2-D map, got {Z.shape[1]}")
    if method not in CODE_MAP_METHODS:
        raise DataError(f"method: expected one of {CODE_MAP_METHODS}, got {method!r}")
    if y is not None:
        y = as_vector(y, "y")
        check_same_length(Z, y, "Z", "y")
    rng = np.random.default_rng(random_state)
    if len(Z) > max_points:
        keep = np.sort(rng.choice(len(Z), max_points, replace=False))
        Z, y = Z[keep], (None if y is None else y[keep])
    points, axis_name = embed_2d(Z, method, random_state)
    fig, ax = new_figure(figsize, title or f"Codes ({Z.shape[1]}-D, {len(Z)} points) by {axis_name}, coloured by label")
    _scatter_by_label(fig, ax, points, y, legend_title=legend_title)
    ax.set_xlabel(f"{axis_name} 1")
    ax.set_ylabel(f"{axis_name} 2")
    return save_figure(fig, path)


@fill_doc
def plot_code_maps(
    codes: dict, y, path, method: str = "tsne", max_points: int = 1000, random_state=0,
    title: str = "Test codes in 2-D, coloured by label", n_cols: int = 3,
) -> Path:
    """Small multiples: one 2-D map per model (name -> codes), same points and colours.

    The same random subsample of at most ``max_points`` rows is used for
    every model. Size: 4 x 3.6 inches a panel (+ a legend column) at dpi 100.

    Parameters
    ----------
    codes : dict of str to array-like of shape (n_samples, n_codes)
        Model name -> its codes of the same samples.
    y : array-like of shape (n_samples,) or None
        Labels for the colours.
    %(png_path)s
    method : {"tsne", "umap", "pca"}, default="tsne"
        The 2-D embedding of codes wider than 2.
    max_points : int, default=1000
        Most samples drawn (one random subsample for all panels).
    random_state : int, default=0
        Seed of the subsample and the embeddings.
    %(fig_title)s
    n_cols : int, default=3
        Panels per row.

    Returns
    -------
    %(png_written)s

    Raises
    ------
    aekit.exceptions.DataError
        No codes, an unknown method, or codes and labels of different lengths.

    Examples
    --------
    >>> from PIL import Image
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> codes = {"first two": X[:, :2], "all four": X}
    >>> Image.open(plot_code_maps(codes, y, "maps.png", method="pca")).size
    (920, 410)
    """
    keep, maps = embed_code_maps(codes, y, method, max_points, random_state)
    return plot_point_maps(maps, None if y is None else np.asarray(y)[keep], path, title=title, n_cols=n_cols)


def embed_code_maps(codes: dict, y, method: str, max_points: int, random_state=0
                    ) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, str, int]]]:
    """One random subsample of at most ``max_points`` rows, embedded in 2-D for every model.

    Parameters
    ----------
    codes : dict of str to array-like of shape (n_samples, n_codes)
        Each model's codes of the same rows.
    y : array-like of shape (n_samples,) or None
        Labels, checked for their length only.
    method : {"tsne", "umap", "pca"}
    max_points : int
        Most rows kept.
    random_state : int

    Returns
    -------
    keep : ndarray of int
        The kept rows, in ascending order.
    maps : dict of str to (ndarray of shape (len(keep), 2), str, int)
        Each model's 2-D points, the name of their axes ("t-SNE", "PC", "z", ...) and its
        code size.

    Raises
    ------
    aekit.exceptions.DataError
        No codes, an unknown method, or codes and labels of different lengths.
    """
    if not codes:
        raise DataError("codes: expected at least one model's codes, got none")
    if method not in CODE_MAP_METHODS:
        raise DataError(f"method: expected one of {CODE_MAP_METHODS}, got {method!r}")
    checked = {name: as_matrix(Z, f"codes[{name!r}]") for name, Z in codes.items()}
    first = next(iter(checked.values()))
    for name, Z in checked.items():
        check_same_length(first, Z, "the first codes", f"codes[{name!r}]")
    if y is not None:
        check_same_length(first, as_vector(y, "y"), "codes", "y")
    keep = np.arange(len(first))
    if len(first) > max_points:
        keep = np.sort(np.random.default_rng(random_state).choice(len(first), max_points, replace=False))
    return keep, {name: (*embed_2d(Z[keep], method, random_state), Z.shape[1]) for name, Z in checked.items()}


def plot_point_maps(maps: dict, y, path, title: str = "Test codes in 2-D, coloured by label", n_cols: int = 3,
                    legend_title: str = "label", colours: dict | None = None) -> Path:
    """Small multiples of 2-D points already embedded (name -> (points, axis name, code size), as
    :func:`embed_code_maps` gives them), coloured by ``y``."""
    y = None if y is None else as_vector(y, "y")
    n_cols = min(n_cols, len(maps))
    n_rows = math.ceil(len(maps) / n_cols)
    fig = Figure(figsize=(4 * n_cols + 1.2, 3.6 * n_rows + 0.5), dpi=DPI, layout="constrained")
    fig.suptitle(title, fontsize=13)
    for i, (name, (points, axis_name, n_codes)) in enumerate(maps.items()):
        ax = fig.add_subplot(n_rows, n_cols, i + 1)
        _scatter_by_label(fig, ax, points, y, legend=(i == n_cols - 1 or len(maps) == 1),
                          legend_title=legend_title, colours=colours)
        ax.set_title(f"{name} ({n_codes}-D, {axis_name})", fontsize=11)
        ax.set_xticks([])
        ax.set_yticks([])
    return save_figure(fig, path)


def embed_2d(Z: np.ndarray, method: str, random_state) -> tuple[np.ndarray, str]:
    """Project codes to 2-D; return the points and the axis name to show (1-D codes: the code
    across, a seeded random jitter up, so that dots do not hide each other)."""
    if Z.shape[1] == 1:
        spread = float(Z.std()) or 1.0
        jitter = np.random.default_rng(random_state).uniform(-0.25, 0.25, len(Z)) * spread
        return np.column_stack([Z[:, 0], jitter]), "z"
    if Z.shape[1] == 2:
        return Z, "z"
    if method == "umap":
        try:
            import umap  # optional extra: pip install 'aekit[umap]'
        except ImportError:
            warnings.warn("umap-learn is not installed; using t-SNE instead", stacklevel=3)
            method = "tsne"
        else:
            from aekit._threads import intra_op_threads

            with intra_op_threads(None):  # numba resets torch's OpenMP threads to every core; give them back
                return umap.UMAP(n_components=2, random_state=random_state).fit_transform(Z), "UMAP"
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=random_state).fit_transform(Z), "PC"
    from sklearn.manifold import TSNE

    perplexity = float(min(30.0, max(1.0, (len(Z) - 1) / 3)))
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=random_state)
    return tsne.fit_transform(Z), "t-SNE"


def label_colours(y: np.ndarray, colours: dict | None = None) -> tuple[np.ndarray, list | None]:
    """The distinct labels of ``y`` and one colour each (tab10, or tab20 past 10), or ``None``
    when the labels are continuous or too many for a legend (they get the viridis ramp).
    ``colours`` (label -> colour) sets both the order and the colours instead."""
    if colours:
        unknown = sorted(set(map(str, np.unique(y))) - set(map(str, colours)))
        if unknown:
            raise DataError(f"colours: expected a colour for every label, got none for {unknown}")
        return np.asarray(list(colours)), [matplotlib.colors.to_rgb(c) for c in colours.values()]
    classes = np.unique(y)
    continuous = np.issubdtype(y.dtype, np.floating) and not np.all(np.mod(classes, 1) == 0)
    if continuous or len(classes) > MAX_LEGEND_CLASSES:
        return classes, None
    palette = "tab10" if len(classes) <= 10 else "tab20"
    return classes, list(matplotlib.colormaps[palette].colors[: len(classes)])


def _scatter_by_label(fig, ax, points: np.ndarray, y, legend: bool = True, legend_title: str = "label",
                      colours: dict | None = None) -> None:
    style = {"s": 10 if len(points) <= 2000 else 5, "alpha": 0.8, "linewidths": 0}
    if y is None:
        ax.scatter(points[:, 0], points[:, 1], **style)
        return
    classes, colours = label_colours(y, colours)
    if colours is None:
        values = y if np.issubdtype(y.dtype, np.number) else np.searchsorted(classes, y)
        dots = ax.scatter(points[:, 0], points[:, 1], c=values, cmap="viridis", **style)
        fig.colorbar(dots, ax=ax, label=legend_title)
        return
    for label, colour in zip(classes, colours):
        mask = y == label
        ax.scatter(points[mask, 0], points[mask, 1], color=colour, label=label_text(label), **style)
    if legend:
        ax.legend(title=legend_title, loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=2, frameon=False)


def label_text(label) -> str:
    if isinstance(label, (float, np.floating)) and float(label).is_integer():
        return str(int(label))
    return str(label)


# ---------------------------------------------------------------- training and scores


@fill_doc
def plot_loss_curves(history: pd.DataFrame, path, title: str = "Loss per epoch", figsize=(8, 5)) -> Path:
    """Training (and validation, if present) loss against epoch.

    ``history`` needs columns "epoch" and "train_loss"; "val_loss" is
    optional. The y axis is logarithmic when the losses span more than two
    decades. Default: (8, 5) → 800x500 px.

    Parameters
    ----------
    history : pandas.DataFrame
        A fitted estimator's ``history_``.
    %(png_path)s
    %(fig_title)s
    figsize : tuple of float, default=(8, 5)
        Inches (100 px each).

    Returns
    -------
    %(png_written)s

    Raises
    ------
    aekit.exceptions.DataError
        No "epoch" or "train_loss" column, or no rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from PIL import Image
    >>> history = pd.DataFrame({"epoch": [0, 1, 2], "train_loss": [1.0, 0.5, 0.4], "val_loss": [1.1, 0.6, 0.5]})
    >>> Image.open(plot_loss_curves(history, "loss.png")).size
    (800, 500)
    >>> plot_loss_curves(history[["epoch"]], "loss.png")
    Traceback (most recent call last):
    aekit.exceptions.DataError: history: expected columns 'epoch' and 'train_loss', missing ['train_loss']
    """
    missing = {"epoch", "train_loss"} - set(history.columns)
    if missing:
        raise DataError(f"history: expected columns 'epoch' and 'train_loss', missing {sorted(missing)}")
    if len(history) == 0:
        raise DataError("history: expected at least one epoch, got an empty table")
    fig, ax = new_figure(figsize, title)
    curves = [c for c in ("train_loss", "val_loss") if c in history.columns]
    for column in curves:
        rows = history[["epoch", column]].dropna()
        ax.plot(rows["epoch"], rows[column], marker="o" if len(rows) <= 30 else None,
                markersize=3, label=column.replace("_", " "))
    losses = history[curves].to_numpy(dtype=float)
    losses = losses[np.isfinite(losses)]
    if losses.size and losses.min() > 0 and losses.max() / losses.min() > 100:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return save_figure(fig, path)


@fill_doc
def plot_loss_comparison(
    histories: dict, path, title: str = "Validation loss per epoch", figsize=(8, 5),
) -> Path:
    """One curve per model (name -> history with "epoch" and "val_loss" or
    "train_loss"): validation loss where recorded, else training loss (dashed).
    Log y axis when the losses span more than two decades. Default 800x500 px.

    Parameters
    ----------
    histories : dict of str to pandas.DataFrame
        Model name -> its ``history_``.
    %(png_path)s
    %(fig_title)s
    figsize : tuple of float, default=(8, 5)
        Inches (100 px each).

    Returns
    -------
    %(png_written)s

    Raises
    ------
    aekit.exceptions.DataError
        No histories, or one without "epoch" and a loss column.

    Examples
    --------
    >>> import pandas as pd
    >>> from PIL import Image
    >>> pca = pd.DataFrame({"epoch": [0, 1], "train_loss": [0.5, 0.5]})
    >>> ae = pd.DataFrame({"epoch": [0, 1, 2], "train_loss": [0.9, 0.4, 0.3], "val_loss": [1.0, 0.5, 0.4]})
    >>> Image.open(plot_loss_comparison({"pca": pca, "ae": ae}, "compare.png", figsize=(6, 4))).size
    (600, 400)
    """
    if not histories:
        raise DataError("histories: expected at least one model's history, got none")
    fig, ax = new_figure(figsize, title)
    finite = []
    for name, history in histories.items():
        column = "val_loss" if "val_loss" in history.columns and history["val_loss"].notna().any() else "train_loss"
        if column not in history.columns or "epoch" not in history.columns:
            raise DataError(f"histories[{name!r}]: expected columns 'epoch' and 'train_loss' or 'val_loss'")
        rows = history[["epoch", column]].dropna()
        ax.plot(rows["epoch"], rows[column], linestyle="-" if column == "val_loss" else "--",
                label=name if column == "val_loss" else f"{name} (train)")
        finite.extend(v for v in rows[column].to_numpy(dtype=float) if np.isfinite(v))
    if finite and min(finite) > 0 and max(finite) / min(finite) > 100:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9)
    return save_figure(fig, path)


@fill_doc
def plot_score_histogram(
    scores, path, threshold: float | None = None, labels=None,
    title: str = "Anomaly scores", figsize=(8, 5),
) -> Path:
    """Histogram of anomaly scores, split into normal (0) and anomaly (1) when
    ``labels`` is given, with a dashed vertical line at ``threshold``.

    Default: (8, 5) → 800x500 px.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Anomaly scores, higher = more anomalous.
    %(png_path)s
    threshold : float or None
        Where the detector cuts (a dashed line).
    labels : array-like of shape (n_samples,) or None
        1 for known anomalies, 0 for normal samples: two histograms.
    %(fig_title)s
    figsize : tuple of float, default=(8, 5)
        Inches (100 px each).

    Returns
    -------
    %(png_written)s

    Raises
    ------
    aekit.exceptions.DataError
        Scores with NaN or inf, or labels of another length.

    Examples
    --------
    >>> import numpy as np
    >>> from PIL import Image
    >>> scores = np.r_[np.random.default_rng(0).normal(1, 0.2, 200), [3.0, 3.5]]
    >>> Image.open(plot_score_histogram(scores, "scores.png", threshold=2.0, labels=scores > 2)).size
    (800, 500)
    >>> plot_score_histogram([1.0, np.nan], "scores.png")
    Traceback (most recent call last):
    aekit.exceptions.DataError: scores: expected finite values, got NaN/inf
    """
    scores = as_vector(np.asarray(scores, dtype=float), "scores")
    if not np.isfinite(scores).all():
        raise DataError("scores: expected finite values, got NaN/inf")
    edges = np.histogram_bin_edges(scores, bins=min(60, max(10, int(np.sqrt(len(scores))))))
    fig, ax = new_figure(figsize, title)
    if labels is None:
        ax.hist(scores, bins=edges, color="tab:blue", alpha=0.8, label="all samples")
    else:
        labels = as_vector(labels, "labels")
        check_same_length(scores, labels, "scores", "labels")
        for value, name, colour in ((0, "normal", "tab:blue"), (1, "anomaly", "tab:red")):
            part = scores[labels == value]
            ax.hist(part, bins=edges, color=colour, alpha=0.6, label=f"{name} (n={len(part)})")
    if threshold is not None:
        ax.axvline(float(threshold), color="black", linestyle="--", linewidth=1.5,
                   label=f"threshold = {float(threshold):.4g}")
    ax.set_xlabel("anomaly score (higher = more anomalous)")
    ax.set_ylabel("samples")
    ax.legend()
    return save_figure(fig, path)


# ---------------------------------------------------------------- helpers


def new_figure(figsize, title: str):
    """A matplotlib Figure (no pyplot state) with one titled axes: ``(fig, ax)``."""
    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=12)
    return fig, ax


def save_figure(fig: Figure, path) -> Path:
    """Write ``fig`` as a PNG at ``path`` (its folder created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, format="png", bbox_inches=None)
    return path


def _check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise DataError(f"{name_b}: expected the shape of {name_a} {a.shape}, got {b.shape}")
