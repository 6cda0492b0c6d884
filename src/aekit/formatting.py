"""Numbers as short readable strings, for tables on the terminal and in reports.

A module of its own, with no dependencies, so that the command line can
print tables without importing the evaluation package (and torch).
"""

from __future__ import annotations

import math
import numbers

__all__ = ["format_value", "with_article"]


def format_value(value) -> str:
    """A number as a short readable string; other values via ``str``.

    Integers in full (with thousands separators), floats with 4 significant
    digits, very small or very large ones in scientific notation, NaN as "–".

    Parameters
    ----------
    value : object
        A number, None, or anything with ``str``.

    Returns
    -------
    str

    Examples
    --------
    >>> [format_value(v) for v in (12345, 0.012345, 123456.7, 2.5e-7, float("nan"), "ae")]
    ['12,345', '0.01235', '123,457', '2.500e-07', '–', 'ae']
    """
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "–"
        if x == 0 or 1e-3 <= abs(x) < 1e4:
            return f"{x:.4g}"
        if 1e4 <= abs(x) < 1e9:
            return f"{x:,.0f}"
        return f"{x:.3e}"
    return str(value)


def with_article(noun: str) -> str:
    """``noun`` after "a" or "an", by its first letter (class names in messages: "an Autoencoder").

    Parameters
    ----------
    noun : str
        A word, e.g. a class name.

    Returns
    -------
    str

    Examples
    --------
    >>> with_article("AnomalyDetector"), with_article("ImageCodec"), with_article("DeepClustering")
    ('an AnomalyDetector', 'an ImageCodec', 'a DeepClustering')
    """
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
