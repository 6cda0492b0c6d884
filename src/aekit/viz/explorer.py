"""The interactive map of codes in the HTML reports: pan, zoom, hover, hide a class.

Every report with a code map (``aekit compare`` / ``evaluate`` / ``demo``,
``aekit detect report``, ``aekit cluster``) gets it from
:func:`code_map_figure`: one random sample of the rows is embedded in 2-D
once, drawn as the static PNG (kept for printing and for browsers without
scripts) and handed to the explorer, so both show the same points.

The explorer is about 380 lines of plain JavaScript on a ``<canvas>``
(``static/explorer.js``, shipped as package data, about 15 KB), inlined in the
report with the data as JSON and the images as one PNG sheet of thumbnails.
It was preferred to vendoring bokeh's or plotly's standalone bundles (BSD-3 /
MIT licensed, but 1.3 MB for bokeh 3.9.2's ``bokeh.min.js`` and 4.8 MB for
plotly 7.1.0's ``plotly.min.js``, measured in their wheels, for the same job):
the report stays small and loads nothing from the network. The page's
Content-Security-Policy allows exactly this script, by its SHA-256 hash.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import io
import json
import math
from importlib import resources

import numpy as np

from aekit.evaluation.validation import as_vector
from aekit.exceptions import DataError
from aekit.viz._images import display_range, image_rows, to_pixels
from aekit.viz.figures import embed_code_maps, label_colours, label_text, plot_point_maps

MAX_POINTS = 5000  # points in the explorer (and the PNG): keeps a report with images under 10 MB
EMBED_POINTS = 2000  # t-SNE and UMAP maps: their cost grows fast with the rows
THUMBNAIL_BYTES = 4_000_000  # raw pixel bytes of the thumbnail sheet; larger images are shrunk to fit
THUMBNAIL_PX = 96  # thumbnails are enlarged (nearest neighbour) to about this many CSS px
SPAN = 10_000  # coordinates travel as integers in [0, SPAN]
RAMP_STEPS = 64

CSS = """
.aekit-explorer.live .explorer-static { display: none; }
.explorer-app { font-size: 0.9em; }
.explorer-title { font-weight: 600; margin-bottom: 6px; }
.explorer-bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 6px; }
.explorer-bar button, .explorer-all { font: inherit; cursor: pointer; border: 1px solid #c8c8c8;
  background: #fff; border-radius: 4px; padding: 2px 10px; }
.explorer-bar button:hover, .explorer-all:hover { border-color: #888; }
.explorer-tab[aria-pressed="true"] { background: #1d1d1f; color: #fff; border-color: #1d1d1f; }
.explorer-hint { color: #777; font-size: 0.85em; margin-left: auto; }
.explorer-body { display: flex; gap: 14px; align-items: flex-start; }
.explorer-stage { position: relative; flex: 1 1 auto; min-width: 0; border: 1px solid #e3e3e3; }
.explorer-canvas { display: block; cursor: crosshair; touch-action: none; }
.explorer-canvas.dragging { cursor: grabbing; }
.explorer-axis { position: absolute; left: 6px; bottom: 3px; font-size: 0.75em; color: #888;
  pointer-events: none; }
.explorer-tip { position: absolute; z-index: 2; display: flex; gap: 8px; align-items: flex-start;
  background: #fff; border: 1px solid #bbb; border-radius: 4px; box-shadow: 0 2px 8px rgba(0,0,0,0.15);
  padding: 6px 8px; pointer-events: none; font-size: 0.85em; line-height: 1.35; white-space: nowrap; }
.explorer-tip[hidden] { display: none; }
.explorer-thumb { image-rendering: pixelated; border: 1px solid #ddd; }
.explorer-row { font-weight: 600; }
.explorer-key { color: #666; }
.explorer-current { font-weight: 600; }
.explorer-flagged { color: #d62728; font-weight: 600; }
.explorer-legend { flex: 0 0 230px; display: flex; flex-direction: column; gap: 1px; max-height: 560px;
  overflow-y: auto; }
.explorer-legend-title { font-weight: 600; margin-bottom: 2px; }
.explorer-item { display: flex; align-items: center; gap: 7px; font: inherit; cursor: pointer;
  border: none; background: none; padding: 1px 4px; text-align: left; border-radius: 3px; }
.explorer-item:hover { background: #f0f0f0; }
.explorer-item[aria-pressed="false"] { opacity: 0.35; text-decoration: line-through; }
.explorer-name { overflow-wrap: anywhere; }
.explorer-swatch { width: 11px; height: 11px; border-radius: 50%; flex: none; }
.explorer-ring { width: 9px; height: 9px; border: 2px solid #d62728; border-radius: 50%; flex: none; }
.explorer-count { color: #888; margin-left: auto; padding-left: 8px; font-variant-numeric: tabular-nums; }
.explorer-all { align-self: flex-start; margin-top: 6px; font-size: 0.85em; }
.explorer-ramp { height: 12px; border-radius: 2px; }
.explorer-ramp-ends { display: flex; justify-content: space-between; font-size: 0.8em; color: #555; }
.explorer-note { font-size: 0.88em; color: #8a4b00; background: #fff7e6; border-left: 3px solid #e0a030;
  padding: 4px 8px; margin: 0 0 6px; }
@media print {
  .aekit-explorer .explorer-app { display: none; }
  .aekit-explorer.live .explorer-static { display: block; }
}
"""


@dataclasses.dataclass(frozen=True)
class CodeExplorer:
    """The data of one interactive code map; :meth:`html` places it in a page.

    Attributes
    ----------
    payload : dict
        What ``explorer.js`` reads: points per map, colours, legend, tooltip
        fields, flags, the thumbnail sheet and the note on sampling.
    """

    payload: dict

    @property
    def n_points(self) -> int:
        """Points drawn on each map."""
        return len(self.payload["c"])

    def html(self, static_figure: str) -> str:
        """The explorer's ``<div>`` around ``static_figure`` (the PNG's ``<img>``, shown when printing).

        The page must also carry :data:`CSS` and :func:`script` once (see
        :func:`aekit.viz.write_report`).
        """
        data = json.dumps(self.payload, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
        return (f'<div class="aekit-explorer"><script type="application/json" class="explorer-data">{data}'
                f'</script><div class="explorer-static">{static_figure}</div></div>')


@functools.cache
def script() -> str:
    """The explorer's JavaScript (``aekit/viz/static/explorer.js``)."""
    return resources.files("aekit.viz").joinpath("static/explorer.js").read_text(encoding="utf-8")


def script_hash() -> str:
    """The CSP source that allows exactly :func:`script` inline: ``'sha256-...'``."""
    digest = hashlib.sha256(script().encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def point_limit(method: str, codes: dict) -> int:
    """Most rows on a code map: :data:`EMBED_POINTS` when t-SNE or UMAP must embed them, else
    :data:`MAX_POINTS`."""
    all_2d = all(np.ndim(Z) == 2 and np.shape(Z)[1] == 2 for Z in codes.values())
    return MAX_POINTS if method == "pca" or all_2d else EMBED_POINTS


def code_map_figure(codes: dict, png_path, *, title: str, caption: str, colour_by=None, colour_name: str = "label",
                    colours: dict | None = None, method: str = "tsne", random_state: int = 0,
                    fields: dict | None = None, map_fields: dict | None = None, flagged=None,
                    flag_name: str = "above the threshold", images=None, image_shape=None, rows=None,
                    row_name: str = "test row", what: str = "test rows") -> tuple[str, str, CodeExplorer]:
    """The code map of a report: the static PNG and the explorer, on the same sample of rows.

    Parameters
    ----------
    codes : dict of str to array-like of shape (n_samples, n_codes)
        Each model's codes of the same rows (one map per model; the explorer switches between them).
    png_path : str or Path
        The static PNG to write.
    colour_by : array-like of shape (n_samples,), optional
        What colours the dots (labels, clusters, normal / anomaly); a legend entry per value
        (continuous values or more than 20: a colour ramp).
    colour_name : str
        Its name in the legend and tooltip.
    colours : dict of label to colour, optional
        The legend's order and colours (any matplotlib colour), instead of tab10 / tab20.
    method : {"tsne", "umap", "pca"}
        How wider codes are drawn in 2-D (2-D codes are drawn as they are).
    random_state : int
        Seed of the sample and the embedding.
    title, caption : str
        The PNG's title and the figure's caption.
    fields : dict of str to array-like, optional
        More per-row values for the tooltip, the same on every map.
    map_fields : dict of str to dict of str to array-like, optional
        Per-row values of each map (model name -> field name -> values), e.g. reconstruction errors.
    flagged : array-like of bool, optional
        Rows to ring in red (a detector's rows above its threshold).
    flag_name : str
    images : array-like of shape (n_samples, c*h*w), optional
        The rows as images (with ``image_shape``), shown in the tooltip.
    image_shape : tuple (c, h, w), optional
    rows : array-like, optional
        Each row's number as shown (default: its position).
    row_name : str
        What a row is called in the tooltip ("test row 12").
    what : str
        What the rows are, for the note when a sample is drawn ("test rows").

    Returns
    -------
    (str, str, CodeExplorer)
        The PNG's path, the caption and the explorer: an entry of ``figures`` for
        :func:`aekit.viz.write_report`.

    Raises
    ------
    aekit.exceptions.DataError
        Codes, labels, fields, flags or images of other lengths, or codes with fewer than 2 columns.
    """
    n_rows = len(next(iter(codes.values()))) if codes else 0
    per_row = {**(fields or {}), **{k: v for f in (map_fields or {}).values() for k, v in f.items()},
               flag_name: flagged, "images": images, "rows": rows}
    for name, values in per_row.items():  # before the (slow) embedding
        if values is not None:
            _check_rows(values, name, n_rows)
    limit = point_limit(method, codes)
    keep, maps = embed_code_maps(codes, colour_by, method, limit, random_state)
    shown_colours = None if colour_by is None else as_vector(colour_by, colour_name)[keep]
    png = plot_point_maps(maps, shown_colours, png_path, title=title, legend_title=colour_name, colours=colours)
    note = None
    if len(keep) < n_rows:
        why = "t-SNE and UMAP of more rows are slow" if limit == EMBED_POINTS else "to keep the report small"
        note = (f"Showing a random sample of {len(keep):,} of the {n_rows:,} {what} (at most {limit:,}: {why}); "
                "the static map shows the same sample.")
    explorer = build_explorer(
        maps, title=title,
        colour_by=shown_colours, colour_name=colour_name, colours=colours,
        fields={k: _take(v, keep, k, n_rows) for k, v in (fields or {}).items()},
        map_fields={m: {k: _take(v, keep, k, n_rows) for k, v in f.items()} for m, f in (map_fields or {}).items()},
        flagged=None if flagged is None else _take(flagged, keep, flag_name, n_rows),
        flag_name=flag_name,
        images=None if images is None else _take(images, keep, "images", n_rows),
        image_shape=image_shape,
        rows=keep if rows is None else _take(rows, keep, "rows", n_rows), row_name=row_name, note=note)
    return str(png), caption, explorer


def build_explorer(maps: dict, *, colour_by=None, colour_name: str = "label", colours: dict | None = None,
                   fields: dict | None = None,
                   map_fields: dict | None = None, flagged=None, flag_name: str = "above the threshold",
                   images=None, image_shape=None, rows=None, row_name: str = "row",
                   note: str | None = None, title: str | None = None) -> CodeExplorer:
    """An explorer of points already in 2-D (no sampling; :func:`code_map_figure` samples and embeds).

    Parameters
    ----------
    maps : dict of str to (ndarray of shape (n, 2), str) or (ndarray, str, int)
        Each map's points, the name of its axes ("t-SNE", "PC", "z") and, optionally, the code
        size they were mapped from.
    colour_by, colour_name, colours, fields, map_fields, flagged, flag_name, images, image_shape, rows, row_name
        As in :func:`code_map_figure`, one value per point.
    note : str, optional
        A line shown above the map (e.g. that the points are a sample).
    title : str, optional
        The map's title.

    Returns
    -------
    CodeExplorer

    Raises
    ------
    aekit.exceptions.DataError
        No maps, points not of shape (n, 2), or per-point values of another length.

    Examples
    --------
    >>> import numpy as np
    >>> from aekit.viz.explorer import build_explorer
    >>> points = np.random.default_rng(0).normal(size=(50, 2))
    >>> explorer = build_explorer({"pca": (points, "PC")}, colour_by=np.arange(50) % 3)
    >>> explorer.n_points, explorer.payload["groups"]
    (50, ['0', '1', '2'])
    """
    if not maps:
        raise DataError("maps: expected at least one map of 2-D points, got none")
    n = None
    payload_maps = []
    for name, (points, axis, *dims) in maps.items():
        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] != 2 or (n is not None and len(points) != n):
            raise DataError(f"maps[{name!r}]: expected points of shape ({n if n is not None else 'n'}, 2), "
                            f"got {points.shape}")
        n = len(points)
        x, y = _to_span(points)
        extra = {k: _values(v, n, f"map_fields[{name!r}][{k!r}]") for k, v in (map_fields or {}).get(name, {}).items()}
        payload_maps.append({"name": str(name), "axis": axis, "dims": int(dims[0]) if dims else None,
                             "x": x, "y": y, "fields": extra})
    payload = {"maps": payload_maps, "title": title, "colour_by": colour_name, "row_name": row_name, "note": note,
               "rows": _values(np.arange(n) if rows is None else rows, n, "rows"),
               "fields": {k: _values(v, n, f"fields[{k!r}]") for k, v in (fields or {}).items()},
               "flag": None, "images": None, **_colours(colour_by, n, colour_name, colours)}
    if payload["ramp"] is not None:  # a ramp has no legend entries: show the value itself on hover
        payload["fields"] = {colour_name: _values(colour_by, n, colour_name), **payload["fields"]}
    if flagged is not None:
        on = as_vector(np.asarray(flagged).astype(bool), flag_name)
        _check_length(on, n, flag_name)
        payload["flag"] = {"name": flag_name, "on": on.astype(int).tolist()}
    if images is not None:
        payload["images"] = _thumbnail_sheet(images, image_shape, n)
    return CodeExplorer(payload)


def _check_rows(values, name: str, n_rows: int) -> np.ndarray:
    values = np.asarray(values)
    if len(values) != n_rows:
        raise DataError(f"{name}: expected {n_rows} values (one per row of the codes), got {len(values)}")
    return values


def _take(values, keep: np.ndarray, name: str, n_rows: int) -> np.ndarray:
    return _check_rows(values, name, n_rows)[keep]


def _check_length(values, n: int, name: str) -> None:
    if len(values) != n:
        raise DataError(f"{name}: expected {n} values (one per point), got {len(values)}")


def _to_span(points: np.ndarray) -> tuple[list[int], list[int]]:
    """Integers in [0, SPAN], both axes on one scale (a PCA map keeps its aspect), centred."""
    finite = np.where(np.isfinite(points), points, np.nan)
    low, high = np.nanmin(finite, axis=0), np.nanmax(finite, axis=0)
    if not np.all(np.isfinite(low)):
        raise DataError("maps: expected finite 2-D points, got NaN or infinite values only")
    scale = float(np.max(high - low)) or 1.0
    centred = (np.nan_to_num(finite, nan=0.0) - (low + high) / 2) / scale * SPAN + SPAN / 2
    spanned = np.clip(np.rint(centred), 0, SPAN).astype(int)
    return spanned[:, 0].tolist(), spanned[:, 1].tolist()


def _values(values, n: int, name: str) -> list:
    """Per-point values as JSON: numbers to 4 significant digits (NaN -> null), others as text."""
    values = np.asarray(values)
    if values.ndim != 1:
        raise DataError(f"{name}: expected one value per point (a 1-D array), got shape {values.shape}")
    _check_length(values, n, name)
    if np.issubdtype(values.dtype, np.integer) or values.dtype == bool:
        return values.astype(int).tolist()
    if np.issubdtype(values.dtype, np.floating):
        return [None if not math.isfinite(v) else (int(v) if v.is_integer() and abs(v) < 1e15 else float(f"{v:.4g}"))
                for v in values.astype(float).tolist()]
    return [label_text(v) for v in values]


def _colours(colour_by, n: int, name: str, chosen: dict | None = None) -> dict:
    """The palette, each point's colour index, and the legend (groups) or the ramp's ends."""
    if colour_by is None:
        return {"palette": ["#1f77b4"], "c": [0] * n, "groups": ["all rows"], "ramp": None}
    y = as_vector(colour_by, name)
    _check_length(y, n, name)
    classes, colours = label_colours(y, chosen)
    if colours is not None:
        index = {label_text(c): i for i, c in enumerate(classes)}
        return {"palette": [_hex(c) for c in colours], "c": [index[label_text(v)] for v in y],
                "groups": [label_text(c) for c in classes], "ramp": None}
    import matplotlib

    ramp = matplotlib.colormaps["viridis"]
    numeric = np.issubdtype(y.dtype, np.number)
    values = y.astype(float) if numeric else np.searchsorted(classes, y).astype(float)  # text: in sorted order
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    steps = np.rint((values - low) / ((high - low) or 1.0) * (RAMP_STEPS - 1))
    ends = (f"{low:.4g}", f"{high:.4g}") if numeric else (label_text(classes[0]), label_text(classes[-1]))
    return {"palette": [_hex(ramp(i / (RAMP_STEPS - 1))) for i in range(RAMP_STEPS)],
            "c": np.nan_to_num(steps, nan=0).astype(int).tolist(), "groups": None,
            "ramp": {"low": ends[0], "high": ends[1]}}


def _hex(colour) -> str:
    return "#" + "".join(f"{round(float(c) * 255):02x}" for c in colour[:3])


def _thumbnail_sheet(images, image_shape, n: int) -> dict:
    """All images in one PNG sheet (a grid, row-major in point order), shrunk by whole factors until
    their raw pixels fit :data:`THUMBNAIL_BYTES`."""
    from PIL import Image

    if image_shape is None:
        raise DataError("image_shape: expected (channels, height, width) with images, got None")
    X, shape = image_rows(images, image_shape, "images")
    _check_length(X, n, "images")
    pixels = to_pixels(X, shape, display_range(X))  # (n, h, w, c) in [0, 1]
    c, h, w = shape
    factor = max(1, math.ceil(math.sqrt(n * h * w * c / THUMBNAIL_BYTES)))
    if factor > 1:  # block means: a 64x64 RGB image becomes 16x16 for 5,000 points
        h, w = max(1, h // factor), max(1, w // factor)
        pixels = pixels[:, : h * factor, : w * factor].reshape(n, h, factor, w, factor, c).mean(axis=(2, 4))
    cols = max(1, math.ceil(math.sqrt(n)))
    sheet = np.zeros((math.ceil(n / cols) * h, cols * w, c), dtype=np.uint8)
    for i, image in enumerate(np.rint(pixels * 255).astype(np.uint8)):
        top, left = (i // cols) * h, (i % cols) * w
        sheet[top : top + h, left : left + w] = image
    buffer = io.BytesIO()
    Image.fromarray(sheet[:, :, 0] if c == 1 else sheet, "L" if c == 1 else "RGB").save(buffer, "PNG")
    return {"src": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"),
            "w": w, "h": h, "cols": cols, "scale": max(1, round(THUMBNAIL_PX / max(h, w)))}


__all__ = ["CSS", "CodeExplorer", "build_explorer", "code_map_figure", "point_limit", "script", "script_hash"]
