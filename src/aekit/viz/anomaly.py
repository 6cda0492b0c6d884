"""Figures for anomaly detectors: ROC and precision-recall curves, and where
in a sample its score comes from (feature shares, or heat maps over images)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aekit.evaluation.validation import as_matrix, as_vector, check_same_length
from aekit.viz._images import display_range, image_rows
from aekit.viz.figures import DPI, save_figure


def plot_roc_pr(y_true, scores: dict, path, title: str = "Detection quality", figsize=(11, 5)) -> Path:
    """ROC (left) and precision-recall (right) curves, one line per entry of
    ``scores`` (name -> scores, higher = more anomalous); ``y_true`` 1 = anomaly."""
    from matplotlib.figure import Figure
    from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve

    y_true = as_vector(y_true, "y_true")
    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    fig.suptitle(title, fontsize=12)
    roc_ax, pr_ax = fig.subplots(1, 2)
    for name, values in scores.items():
        values = as_vector(np.asarray(values, dtype=float), f"scores[{name!r}]")
        check_same_length(y_true, values, "y_true", f"scores[{name!r}]")
        fpr, tpr, _ = roc_curve(y_true, values)
        precision, recall, _ = precision_recall_curve(y_true, values)
        roc_ax.plot(fpr, tpr, label=f"{name} (AUROC {auc(fpr, tpr):.3f})")
        pr_ax.plot(recall, precision, label=f"{name} (AP {average_precision_score(y_true, values):.3f})")
    roc_ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance")
    pr_ax.axhline(float(np.mean(y_true)), color="grey", linestyle=":", label="chance")
    for ax, (x, y) in ((roc_ax, ("false positive rate", "true positive rate")), (pr_ax, ("recall", "precision"))):
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=9)
    return save_figure(fig, path)


def plot_explanations(X, shares, path, image_shape=None, names=None, row_labels=None,
                      title: str = "Where the anomaly score comes from", n_features: int = 10) -> Path:
    """For each row of ``X``: with ``image_shape``, the image and a heat map of
    each pixel's share of the score beside it; for tables, a bar chart of the
    ``n_features`` largest shares."""
    from matplotlib.figure import Figure

    X, shares = as_matrix(X, "X"), as_matrix(shares, "shares")
    n = len(X)
    labels = row_labels or [f"row {i}" for i in range(n)]
    if image_shape is not None:
        images, shape = image_rows(X, image_shape, "X")
        heat = shares.reshape(n, *shape).sum(axis=1)
        low, high = display_range(images)
        fig = Figure(figsize=(2.0 * n, 4.4), dpi=DPI, layout="constrained")
        fig.suptitle(title, fontsize=12)
        axes = fig.subplots(2, n, squeeze=False)
        for i in range(n):
            picture = images[i].reshape(shape).transpose(1, 2, 0)
            axes[0, i].imshow(picture.squeeze(-1) if shape[0] == 1 else picture, cmap="gray", vmin=low, vmax=high)
            axes[0, i].set_title(labels[i], fontsize=9)
            axes[1, i].imshow(heat[i], cmap="hot")
            for ax in axes[:, i]:
                ax.set_axis_off()
        return save_figure(fig, path)
    names = names or [f"x{j}" for j in range(X.shape[1])]
    fig = Figure(figsize=(11, 1.6 * n + 0.8), dpi=DPI, layout="constrained")
    fig.suptitle(title, fontsize=12)
    axes = fig.subplots(n, 1, squeeze=False)[:, 0]
    for ax, row, label in zip(axes, shares, labels):
        top = np.argsort(-row)[:n_features]
        ax.barh([names[j] for j in top][::-1], row[top][::-1], color="tab:red")
        ax.set_title(label, fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
    axes[-1].set_xlabel("share of the anomaly score")
    return save_figure(fig, path)
