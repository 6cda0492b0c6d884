"""Figures (PNG, via matplotlib's object API) and the self-contained HTML report.

Headless-Chromium helpers live in :mod:`aekit.viz.browser`.
"""

from aekit.viz.figures import (
    plot_code_map,
    plot_code_maps,
    plot_denoising,
    plot_image_rows,
    plot_latent_manifold,
    plot_loss_comparison,
    plot_loss_curves,
    plot_reconstructions,
    plot_samples,
    plot_score_histogram,
)
from aekit.viz.report import write_report
from aekit.viz.series import plot_series_anomalies, plot_series_rows
from aekit.viz.tables import plot_feature_errors

__all__ = [
    "plot_code_map",
    "plot_code_maps",
    "plot_denoising",
    "plot_image_rows",
    "plot_latent_manifold",
    "plot_loss_comparison",
    "plot_loss_curves",
    "plot_reconstructions",
    "plot_samples",
    "plot_score_histogram",
    "write_report",
    "plot_series_anomalies",
    "plot_series_rows",
    "plot_feature_errors",
]
