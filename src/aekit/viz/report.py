"""One self-contained HTML report: results table, figures, and how it was made.

The file embeds its images as base64 data URIs and its CSS inline; it loads
nothing from the network, so it can be mailed, archived or opened offline. A
report runs no script, except one with an interactive code map
(:mod:`aekit.viz.explorer`), which carries that one script inline; its
Content-Security-Policy allows nothing else, and nothing from the network.
"""

from __future__ import annotations

import base64
import html
import math
import re
import struct
from pathlib import Path

import pandas as pd

from aekit.evaluation.tables import format_value, is_numeric_column
from aekit.exceptions import DataError
from aekit.viz.explorer import CSS as EXPLORER_CSS
from aekit.viz.explorer import script, script_hash

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Lower-case name parts that tell which direction of a metric is better.
_LOWER_IS_BETTER = {"mse", "mae", "rmse", "loss", "error", "err", "nll", "time", "seconds", "sec", "bpd"}
_HIGHER_IS_BETTER = {
    "psnr", "ssim", "acc", "accuracy", "probe", "knn", "auroc", "auc", "ap", "average_precision",
    "precision", "recall", "f1", "silhouette", "throughput", "ndcg", "hit", "hr", "elbo", "nmi", "ari",
}

_CSS = """
body { margin: 0; background: #fafafa; color: #1d1d1f;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 1.8em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.6em; border-bottom: 1px solid #e3e3e3; padding-bottom: 0.2em; }
p.intro { font-size: 1.05em; color: #333; max-width: 80ch; }
table { border-collapse: collapse; }
#results { font-size: 0.9em; min-width: 50%; }
div.table-wrap { overflow-x: auto; }
#results th, #results td { padding: 5px 10px; border-bottom: 1px solid #e6e6e6; }
#results thead th { vertical-align: bottom; }
#results thead th { border-bottom: 2px solid #999; text-align: left; background: #f3f4f6; }
#results tbody tr:nth-child(even) { background: #fafbfc; }
#results th.num, #results td.num { text-align: right; font-variant-numeric: tabular-nums; }
#results td.best { font-weight: 700; }
p.note { font-size: 0.88em; color: #555; margin-top: 0.5em; }
p.note.warn { color: #8a4b00; background: #fff7e6; border-left: 3px solid #e0a030; padding: 4px 8px; }
table.results:not(#results) { font-size: 0.85em; }
table.results:not(#results) th, table.results:not(#results) td { padding: 4px 10px;
  border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
table.results:not(#results) thead th { border-bottom: 2px solid #999; background: #f3f4f6; }
table.results:not(#results) td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0 0 2em; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #e3e3e3; }
figcaption { margin-top: 0.4em; color: #333; }
figcaption b { color: #1d1d1f; }
table.meta { font-size: 0.85em; color: #444; }
table.meta th { text-align: left; padding: 3px 16px 3px 0; font-weight: 600; vertical-align: top; }
table.meta td { padding: 3px 0; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  word-break: break-word; }
"""


def write_report(
    path,
    *,
    title: str,
    table: pd.DataFrame,
    figures: list[tuple[str, str]],
    meta: dict[str, str],
    intro: str = "",
    better: dict[str, str] | None = None,
    notes: list[str] | None = None,
    tables: list[tuple[str, pd.DataFrame, str]] | None = None,
) -> Path:
    """Write the report and return its path.

    Parameters
    ----------
    path : str or Path
        The ``.html`` file to write (parent folders are created).
    title : str
    table : pandas.DataFrame
        One row per model, one column per metric; shown first, as
        ``<table id="results">``. Numbers are right-aligned and the best
        value of each metric column is bold.
    figures : list of (png_path, caption) or (png_path, caption, CodeExplorer)
        Each PNG is embedded; the caption is one line saying what to look for.
        With a :class:`aekit.viz.explorer.CodeExplorer` (from
        :func:`aekit.viz.explorer.code_map_figure`), the figure is the
        interactive map, and the PNG is what prints.
    meta : dict of str to str
        How the numbers were made (command, seed, data, versions, ...);
        shown last, in a small table.
    intro : str, optional
        A short paragraph under the title.
    better : dict of column to "min", "max" or None, optional
        Which direction is better per column. Columns not given are guessed
        from their names (mse, loss, time → min; accuracy, psnr, ssim, auroc,
        throughput → max); columns with no direction (or given None: rows
        that are no rivals, such as the columns of one table) get no bold.
        The directions used are stated under the table.
    notes : list of str, optional
        Lines shown under the results table, highlighted (e.g. a model that
        stopped while still improving).
    tables : list of (heading, DataFrame, caption), optional
        More tables, each under its own heading after the results (e.g. the
        rows reconstructed worst).

    Returns
    -------
    Path
        The HTML file: one self-contained page (figures embedded, no
        scripts or fonts fetched).

    Raises
    ------
    aekit.exceptions.DataError
        ``table`` is not a DataFrame, or a figure is not a readable PNG.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"model": ["pca", "ae"], "mse": [0.021, 0.012]})
    >>> page = write_report("out/report.html", title="Digits", table=table, figures=[],
    ...                     meta={"seed": "0"}).read_text()
    >>> '<td class="num best">0.012' in page, "<script src" in page   # the best marked; nothing fetched
    (True, False)
    """
    if not isinstance(table, pd.DataFrame):
        raise DataError(f"table: expected a pandas DataFrame, got {type(table).__name__}")
    if not isinstance(table.index, pd.RangeIndex):
        table = table.reset_index()
    directions = _directions(table, better or {})
    live = any(len(entry) > 2 and entry[2] is not None for entry in figures)
    script_src = f"; script-src {script_hash()}" if live else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" '
        f"content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'{script_src}\">",
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}{EXPLORER_CSS if live else ''}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{_esc(title)}</h1>",
    ]
    if intro:
        parts.append(f'<p class="intro">{_esc(intro)}</p>')
    bold = any(_best_rows(table[c], d) for c, d in directions.items())
    parts += ["<h2>Results</h2>", _results_table(table, directions), _direction_note(directions, bold)]
    parts += [f'<p class="note warn">{_esc(note)}</p>' for note in notes or []]
    for heading, extra, caption in tables or []:
        parts += [f"<h2>{_esc(heading)}</h2>", _results_table(extra, {}, table_id=_slug(heading)),
                  f'<p class="note">{_esc(caption)}</p>' if caption else ""]
    if figures:
        parts.append("<h2>Figures</h2>")
        parts += [_figure(*entry) for entry in figures]
    if meta:
        parts += ["<h2>How these numbers were made</h2>", _meta_table(meta)]
    parts.append("</main>")
    if live:
        parts.append(f"<script>{script()}</script>")
    parts += ["</body>", "</html>", ""]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def guess_better(column: str) -> str | None:
    """"min", "max" or None for a metric name, from the words in it."""
    name = str(column).lower()
    if name in _HIGHER_IS_BETTER:
        return "max"
    words = set(re.split(r"[^a-z0-9]+", name))
    if words & _LOWER_IS_BETTER:
        return "min"
    if words & _HIGHER_IS_BETTER:
        return "max"
    return None


def _directions(table: pd.DataFrame, better: dict[str, str]) -> dict[str, str]:
    unknown = set(better) - set(table.columns)
    if unknown:
        raise DataError(f"better: expected names of table columns, got {sorted(unknown)}")
    bad = {k: v for k, v in better.items() if v not in ("min", "max", None)}
    if bad:
        raise DataError(f"better: expected 'min', 'max' or None per column, got {bad}")
    directions = {}
    for column in table.columns:
        if not is_numeric_column(table[column]):
            continue
        direction = better[column] if column in better else guess_better(column)
        if direction:
            directions[column] = direction
    return directions


def _best_rows(series: pd.Series, direction: str) -> set[int]:
    values = pd.to_numeric(series, errors="coerce")
    finite = values[values.map(lambda v: math.isfinite(v) if pd.notna(v) else False)]
    if finite.nunique() < 2:  # nothing to single out
        return set()
    best = finite.min() if direction == "min" else finite.max()
    return {i for i, v in enumerate(values) if v == best}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "table"


def _results_table(table: pd.DataFrame, directions: dict[str, str], table_id: str = "results") -> str:
    numeric = {c: is_numeric_column(table[c]) for c in table.columns}
    best = {c: _best_rows(table[c], d) for c, d in directions.items()}
    head = "".join(
        f'<th scope="col"{_num_class(numeric[c])}>{_breakable(c)}</th>' for c in table.columns
    )
    rows = []
    for i, row in enumerate(table.itertuples(index=False)):
        cells = []
        for column, value in zip(table.columns, row):
            classes = (["num"] if numeric[column] else []) + (["best"] if i in best.get(column, ()) else [])
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{_esc(format_value(value))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="table-wrap"><table id="{_esc(table_id)}" class="results">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table></div>"
    )


def _breakable(name) -> str:
    """A column name that may wrap after its underscores, so wide tables fit."""
    return _esc(name).replace("_", "_<wbr>")


def _num_class(is_numeric: bool) -> str:
    return ' class="num"' if is_numeric else ""


def _direction_note(directions: dict[str, str], bold: bool = True) -> str:
    """Which way is better per column; the sentence on bold only where some value is bold (one row, or
    all rows equal, single out none)."""
    if not directions:
        return ""
    lower = [c for c, d in directions.items() if d == "min"]
    higher = [c for c, d in directions.items() if d == "max"]
    sentences = ["Bold marks the best value in each column."] if bold else []
    if lower:
        sentences.append("Lower is better: " + ", ".join(map(str, lower)) + ".")
    if higher:
        sentences.append("Higher is better: " + ", ".join(map(str, higher)) + ".")
    return f'<p class="note">{_esc(" ".join(sentences))}</p>'


def _figure(png_path, caption: str, explorer=None) -> str:
    data = _read_png(png_path)
    width, height = struct.unpack(">II", data[16:24])
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    image = f'<img src="{uri}" alt="{_esc(caption)}" width="{width}" height="{height}">'
    return (
        f"<figure>{explorer.html(image) if explorer is not None else image}"
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _read_png(png_path) -> bytes:
    path = Path(png_path)
    if not path.is_file():
        raise DataError(f"figures: expected an existing PNG file, got {str(path)!r} (not found)")
    data = path.read_bytes()
    if not data.startswith(PNG_SIGNATURE) or len(data) < 24:
        raise DataError(f"figures: expected a PNG file, got {str(path)!r} (not a PNG)")
    return data


def _meta_table(meta: dict[str, str]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{_esc(key)}</th><td>{_esc(value)}</td></tr>' for key, value in meta.items()
    )
    return f'<table class="meta">{rows}</table>'


def _esc(value) -> str:
    return html.escape(str(value), quote=True)
