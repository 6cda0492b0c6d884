"""Results tables: one row per model, one column per metric."""

from __future__ import annotations

import pandas as pd

from aekit.exceptions import DataError
from aekit.formatting import format_value  # noqa: F401  (public here too; light, for the CLI)


def results_table(rows: list[dict]) -> pd.DataFrame:
    """Build a table from one dict per model.

    Columns keep the order in which they first appear; a ``"model"`` column,
    if any, comes first. Metrics missing from a row are NaN.

    Parameters
    ----------
    rows : list of dict
        One dict per model: column name -> value.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    aekit.exceptions.DataError
        No rows, or a row that is not a dict.

    Examples
    --------
    >>> results_table([{"model": "pca", "mse": 0.02}, {"model": "ae", "mse": 0.01}]).shape
    (2, 2)
    """
    if not rows:
        raise DataError("rows: expected at least one dict of results, got none")
    bad = [type(row).__name__ for row in rows if not isinstance(row, dict)]
    if bad:
        raise DataError(f"rows: expected dicts, got {bad[0]}")
    columns = list(dict.fromkeys(key for row in rows for key in row))
    if "model" in columns:
        columns.remove("model")
        columns.insert(0, "model")
    return pd.DataFrame(rows, columns=columns)


def is_numeric_column(series: pd.Series) -> bool:
    """True for int/float columns (not bool)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def table_to_markdown(df: pd.DataFrame) -> str:
    """A GitHub markdown table, numbers right-aligned and formatted by ``format_value``.

    Hand-formatted, so it needs no ``tabulate``. A non-default index is
    kept as the first column.

    Parameters
    ----------
    df : pandas.DataFrame
        The table (e.g. from :func:`results_table`).

    Returns
    -------
    str
        The markdown lines, joined by newlines.

    Examples
    --------
    >>> print(table_to_markdown(results_table([{"model": "pca", "mse": 0.0213}, {"model": "ae", "mse": 0.0101}])))
    | model |    mse |
    | ----- | -----: |
    | pca   | 0.0213 |
    | ae    | 0.0101 |
    """
    if not isinstance(df.index, pd.RangeIndex):
        df = df.reset_index()
    numeric = [is_numeric_column(df[col]) for col in df.columns]
    header = [_markdown_cell(col) for col in df.columns]
    body = [
        [_markdown_cell(format_value(v) if num else v) for v, num in zip(row, numeric)]
        for row in df.itertuples(index=False)
    ]
    widths = [max(3, len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header)]

    def line(cells):
        padded = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)]
        return "| " + " | ".join(padded) + " |"

    rule = "| " + " | ".join(("-" * (w - 1) + ":") if num else "-" * w for w, num in zip(widths, numeric)) + " |"
    return "\n".join([line(header), rule, *(line(r) for r in body)])


def _markdown_cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")
