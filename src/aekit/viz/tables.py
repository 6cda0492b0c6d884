"""Figures for tables: which columns each model reconstructs badly."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from aekit.exceptions import DataError
from aekit.viz.figures import new_figure, save_figure
from aekit._docs import fill_doc

MAX_FEATURES_SHOWN = 30


@fill_doc
def plot_feature_errors(errors: pd.DataFrame, path, title: str = "Reconstruction error per column (test rows)",
                        max_features: int = MAX_FEATURES_SHOWN) -> Path:
    """Horizontal grouped bars: one group per original column, one bar per model.

    Parameters
    ----------
    errors : pandas.DataFrame
        Index: the columns of the data; one column per model holding that
        column's mean squared reconstruction error (scaled units; a
        categorical column: the sum over its one-hot block).
    %(png_path)s
    %(fig_title)s
    max_features : int, default=30
        Only the columns with the largest error (mean over models) are shown
        when there are more; the title says so.

    Returns
    -------
    %(png_written)s

    Raises
    ------
    aekit.exceptions.DataError
        ``errors`` empty, not a DataFrame, or holding non-finite values.

    Examples
    --------
    >>> import pandas as pd
    >>> from PIL import Image
    >>> errors = pd.DataFrame({"pca": [0.2, 0.5, 0.1], "ae": [0.1, 0.3, 0.1]}, index=["age", "income", "height"])
    >>> Image.open(plot_feature_errors(errors, "columns.png")).size
    (900, 300)
    >>> plot_feature_errors(errors.iloc[:0], "columns.png")
    Traceback (most recent call last):
    aekit.exceptions.DataError: errors: expected a non-empty DataFrame (columns of the data x models)
    """
    if not isinstance(errors, pd.DataFrame) or errors.empty:
        raise DataError("errors: expected a non-empty DataFrame (columns of the data x models)")
    values = errors.apply(pd.to_numeric, errors="coerce")
    if not np.isfinite(values.to_numpy()).all():
        raise DataError("errors: expected finite numbers")
    order = values.mean(axis=1).sort_values(ascending=False).index
    if len(order) > max_features:
        title = f"{title}: the {max_features} worst of {len(order)} columns"
        order = order[:max_features]
    shown = values.loc[order[::-1]]  # the worst at the top
    n_features, n_models = shown.shape
    fig, ax = new_figure((9, max(3.0, 0.9 + n_features * (0.16 + 0.1 * n_models))), title)
    height = 0.8 / n_models
    colours = matplotlib.colormaps["tab10"].colors
    positions = np.arange(n_features)
    for i, model in enumerate(shown.columns):
        ax.barh(positions + (i - (n_models - 1) / 2) * height, shown[model].to_numpy(), height=height,
                color=colours[i % len(colours)], label=str(model))
    ax.set_yticks(positions, [str(name) for name in shown.index], fontsize=8)
    ax.set_xlabel("mean squared error (scaled units)")
    ax.margins(y=0.01)
    if n_models > 1:
        ax.legend(loc="lower right", fontsize=9, frameon=False)
    return save_figure(fig, path)
