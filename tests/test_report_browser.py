"""The HTML report renders in a real browser: headless Chromium, offline.

Skipped when Chromium is missing, unless AEKIT_REQUIRE_BROWSER=1 (CI), in
which case a missing browser is a failure.
"""

import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from aekit.evaluation import code_quality, pca_baseline, reconstruction_metrics, results_table
from aekit.viz import plot_code_map, plot_loss_curves, plot_reconstructions, write_report
from aekit.viz import browser

pytestmark = pytest.mark.browser

DIGIT_SHAPE = (1, 8, 8)


@pytest.fixture(scope="module", autouse=True)
def require_chromium(chromium):
    """Every test here needs the browser (see conftest's ``chromium``)."""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A report on digits: PCA with 2 and 16 components, three real figures."""
    out = tmp_path_factory.mktemp("report")
    data = load_digits()
    X, y = data.data / 16.0, data.target
    X_train, y_train, X_test, y_test = X[:1200], y[:1200], X[1200:], y[1200:]
    rows = []
    for k in (2, 16):
        base = pca_baseline(X_train, X_test, n_components=k)
        rows.append({"model": f"pca-{k}", "latent": k,
                     **reconstruction_metrics(X_test, base["X_test_rec"], DIGIT_SHAPE),
                     **code_quality(base["Z_train"], y_train, base["Z_test"], y_test)})
    table = results_table(rows)
    history = pd.DataFrame({"epoch": range(1, 11), "train_loss": np.geomspace(1, 0.05, 10)})
    figures = [
        (plot_reconstructions(X_test, base["X_test_rec"], DIGIT_SHAPE, out / "rec.png"),
         "Reconstructions should keep each digit's strokes."),
        (plot_code_map(base["Z_test"], y_test, out / "map.png", method="pca"),
         "Digits of one class should sit together."),
        (plot_loss_curves(history, out / "loss.png"), "The loss should fall & level off <smoothly>."),
    ]
    meta = {"command": "pytest tests/test_report_browser.py", "seed": "0",
            "data": "digits (scikit-learn)", "versions": f"numpy {np.__version__}"}
    path = write_report(out / "report.html", title="Digits <PCA> report", table=table,
                        figures=figures, meta=meta, intro="PCA baselines on 8x8 digits.",
                        better={"latent": "min"})
    return path, table, figures


def test_report_is_self_contained(report):
    path, table, figures = report
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text)
    assert text.count('src="data:image/png;base64,') == len(figures)
    assert "Digits &lt;PCA&gt; report" in text and "&amp; level off &lt;smoothly&gt;" in text
    assert "Lower is better: latent, mse, mae." in text


def test_screenshot_is_produced(report, tmp_path):
    path, _, _ = report
    png = browser.screenshot(path, tmp_path / "shot.png", width=1280, height=2000)
    assert png.stat().st_size > 10_000
    with Image.open(png) as image:
        assert image.size == (1280, 2000)
        colours = image.convert("L").getextrema()
    assert colours[0] < 50 and colours[1] > 200  # dark text on a light page, not blank


def test_every_image_loads_and_table_has_one_row_per_model(report):
    path, table, figures = report
    widths = browser.image_load_report(path)
    assert len(widths) == len(figures)
    assert all(w > 0 for w in widths), widths
    assert widths == [1000, 800, 800]  # natural sizes of the three PNGs

    assert browser.count_result_rows(browser.dump_dom(path)) == len(table)


def test_image_check_detects_a_broken_image(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        "<img src='missing.png' alt='x'></body></html>", encoding="utf-8"
    )
    assert browser.image_load_report(page) == [0]
