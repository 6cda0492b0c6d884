"""Figures for time series: originals beside reconstructions, and a long
series with its anomaly score and flagged segments shaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from aekit.data.series import flagged_segments
from aekit.viz.figures import save_figure
from aekit._docs import fill_doc


@fill_doc
def plot_series_rows(rows: dict[str, np.ndarray], series_shape: tuple[int, int], path, n: int = 4,
                     reference: str = "original", title: str = "Series and reconstructions") -> Path:
    """One panel per series (first ``n``): the ``reference`` row in black, every
    other row (model name -> flattened (n, T*C) or (n, T, C)) as a coloured
    line; multichannel series show their first channel.

    Parameters
    ----------
    rows : dict of str to array-like
        Name -> series, (n, T*C) or (n, T, C); one of them is ``reference``.
    series_shape : tuple (T, C)
        Steps and channels of a series.
    %(png_path)s
    n : int, default=4
        How many series (one panel each, 10 x 2.2 inches).
    reference : str, default="original"
        The row drawn in black.
    %(fig_title)s

    Returns
    -------
    %(png_written)s

    Examples
    --------
    >>> import numpy as np
    >>> from PIL import Image
    >>> t = np.linspace(0, 6.28, 50)
    >>> rows = {"original": np.sin(t + np.arange(3)[:, None]), "model": np.sin(t + np.arange(3)[:, None]) * 0.9}
    >>> Image.open(plot_series_rows(rows, (50, 1), "series.png", n=2)).size
    (1000, 440)
    """
    steps, channels = series_shape
    shaped = {name: np.asarray(X).reshape(len(X), steps, channels)[:n, :, 0] for name, X in rows.items()}
    count = min(n, len(shaped[reference]))
    fig = Figure(figsize=(10, 2.2 * count))
    axes = fig.subplots(count, 1, squeeze=False)[:, 0]
    for i, ax in enumerate(axes):
        for name, values in shaped.items():
            style = {"color": "black", "linewidth": 2.0} if name == reference else {"linewidth": 1.0}
            ax.plot(values[i], label=name, **style)
        ax.set_ylabel(f"series {i}")
    axes[0].legend(loc="upper right", fontsize="small", ncol=min(len(shaped), 4))
    axes[-1].set_xlabel("time step" + (" (channel 0)" if channels > 1 else ""))
    fig.suptitle(title)
    return save_figure(fig, path)


@fill_doc
def plot_series_anomalies(series, scores, threshold: float, segments, path, truth=None,
                          title: str = "Series, anomaly score and flagged segments") -> Path:
    """Top: the series (channel 0) with flagged segments shaded red and true
    anomalies (``truth``, per-step 0/1) marked green. Bottom: the score per
    step and the threshold.

    Parameters
    ----------
    %(long_series)s
    scores : array-like of shape (T,)
        The anomaly score per step.
    threshold : float
        The detector's cut-off.
    segments : list of (start, end)
        The flagged segments (end exclusive).
    %(png_path)s
    truth : array-like of shape (T,), optional
        1 where a step is a known anomaly.
    %(fig_title)s

    Returns
    -------
    %(png_written)s

    Examples
    --------
    >>> import numpy as np
    >>> from PIL import Image
    >>> series = np.sin(np.arange(300) / 8); series[150:160] += 2
    >>> scores = np.abs(np.diff(series, prepend=0))
    >>> Image.open(plot_series_anomalies(series, scores, 0.5, [(150, 161)], "flags.png")).size
    (1200, 500)
    """
    values = np.asarray(series, dtype=float)
    values = values[:, 0] if values.ndim == 2 else values
    fig = Figure(figsize=(12, 5))
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.plot(values, color="black", linewidth=0.8)
    bottom.plot(np.asarray(scores), color="tab:blue", linewidth=0.8, label="score")
    bottom.axhline(threshold, color="tab:red", linestyle="--", label=f"threshold {threshold:.3g}")
    for start, end in segments:
        for ax in (top, bottom):
            ax.axvspan(start, end, color="tab:red", alpha=0.25, linewidth=0)
    if truth is not None:
        for start, end in flagged_segments(truth):
            top.axvspan(start, end, ymin=0.0, ymax=0.06, color="tab:green", alpha=0.9, linewidth=0)
    top.set_ylabel("value")
    bottom.set_ylabel("score")
    bottom.set_xlabel("time step")
    bottom.legend(loc="upper right", fontsize="small")
    fig.suptitle(title + ("  (green: labelled anomalies)" if truth is not None else ""))
    return save_figure(fig, path)

