"""Tables on stdout, for people and for scripts: ``--format table|csv|json``.

Every command that prints a table calls :func:`print_table`. ``csv`` and
``json`` write every column with its raw values (``json``: one object per
row). ``table`` writes an aligned table when it fits the width, and never
cuts a name or a value: a table too wide for the console (the terminal's
width; 80 characters, or ``COLUMNS``, when stdout is a file or a pipe) is
printed transposed (one line per column, one column per row) when it has few
rows, else in long form (one block per row, one ``column  value`` line per
column).
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

FORMATS = ("table", "csv", "json")
MAX_TRANSPOSED_ROWS = 6  # more rows than this print in long form when too wide


def format_option():
    """``--format table|csv|json`` for every command that prints a table."""
    return typer.Option("table", "--format", callback=check_format, help="table (for people; transposed or one "
                        "block per row when too wide), csv or json (for scripts: every column, raw values).")


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format expects one of {', '.join(FORMATS)}, got {fmt!r}")
    return fmt


def print_table(table, fmt: str = "table", *, columns=None, console=None, title: Optional[str] = None) -> None:
    """Print ``table`` (a DataFrame) to stdout as ``fmt``.

    ``columns``: the columns ``table`` format shows (csv and json always
    write every column); the first one labels each row in the transposed and
    long forms.
    """
    check_format(fmt)
    if fmt == "csv":
        sys.stdout.write(table.to_csv(index=False))
        return
    if fmt == "json":
        sys.stdout.write(table.to_json(orient="records", indent=2) + "\n")
        return
    from rich.console import Console

    console = console or Console()
    shown = table[[c for c in (columns or table.columns) if c in table.columns]]
    for line in render_table(shown, console.width, title):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def render_table(table, width: int, title: Optional[str] = None) -> list[str]:
    """The lines of ``table`` as text no wider than ``width`` where it can be (see the module doc)."""
    from aekit.formatting import format_value

    names = [str(c) for c in table.columns]
    cells = [[format_value(v) for v in table[c]] for c in table.columns]
    lines = [title] if title else []
    if _width(names, cells) <= width or len(names) == 1:
        return lines + _aligned([names] + [list(row) for row in zip(*cells)])
    labels = cells[0]
    transposed = [[names[0], *labels]] + [[name, *values] for name, values in zip(names[1:], cells[1:])]
    if len(labels) <= MAX_TRANSPOSED_ROWS and _width([r[0] for r in transposed],
                                                     [list(col) for col in zip(*transposed)][1:]) <= width:
        return lines + _aligned(transposed)
    name_width = max(len(n) for n in names[1:])
    for i, label in enumerate(labels):
        lines.extend([""] if i else [])  # a blank line between blocks
        lines.append(f"{names[0]}: {label}")
        lines.extend(f"  {name.ljust(name_width)}  {values[i]}" for name, values in zip(names[1:], cells[1:]))
    return lines


def _width(names: list[str], cells: list[list[str]]) -> int:
    """Characters an aligned table of these columns takes (two spaces between columns)."""
    return sum(max([len(n), *(len(v) for v in values)]) for n, values in zip(names, cells)) + 2 * (len(names) - 1)


def _aligned(rows: list[list[str]]) -> list[str]:
    """Rows of cells as aligned lines: the first column to the left, the others to the right,
    a rule under the header."""
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    def line(row):
        return "  ".join(cell.ljust(w) if j == 0 else cell.rjust(w) for j, (cell, w) in enumerate(zip(row, widths)))
    return [line(rows[0]), "  ".join("-" * w for w in widths)] + [line(row) for row in rows[1:]]
