"""The interactive code map of the reports (aekit.viz.explorer): its payload, its size, and
(marker `browser`) that it draws, hovers and hides classes in headless Chromium."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from aekit.exceptions import DataError
from aekit.viz import browser, write_report
from aekit.viz.explorer import MAX_POINTS, build_explorer, code_map_figure, script, script_hash

MAX_REPORT_BYTES = 10_000_000  # the bound for a report with 5,000 points


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return X, y, PCA(8, random_state=0).fit_transform(X)


def _payload(page: str) -> dict:
    match = re.search(r'<script type="application/json" class="explorer-data">(.*?)</script>', page, re.DOTALL)
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def digits_report(digits, tmp_path_factory):
    """A report whose code map has two models, errors per model, flags and the digits as images."""
    X, y, Z = digits
    out = tmp_path_factory.mktemp("explorer")
    errors = np.mean((PCA(8, random_state=0).fit(X).inverse_transform(Z) - X) ** 2, axis=1)
    figure = code_map_figure({"pca-8": Z, "pca-2": Z[:, :2]}, out / "codes.png", colour_by=y, method="pca",
                             title="Digits in 2-D", caption="Codes of the digits.",
                             map_fields={"pca-8": {"reconstruction error": errors}},
                             flagged=errors > np.quantile(errors, 0.95), images=X, image_shape=(1, 8, 8))
    path = write_report(out / "report.html", title="Explorer", table=pd.DataFrame({"model": ["pca"]}),
                        figures=[figure], meta={"seed": "0"})
    return path, errors


def test_payload_has_every_point_with_its_fields(digits_report, digits):
    path, errors = digits_report
    X, y, Z = digits
    page = path.read_text(encoding="utf-8")
    payload = _payload(page)
    assert [m["name"] for m in payload["maps"]] == ["pca-8", "pca-2"] and payload["maps"][0]["dims"] == 8
    n = len(X)
    assert len(payload["c"]) == len(payload["rows"]) == n and payload["note"] is None
    assert all(len(m["x"]) == len(m["y"]) == n for m in payload["maps"])
    assert all(0 <= v <= 10_000 for m in payload["maps"] for v in m["x"] + m["y"])
    assert payload["groups"] == [str(d) for d in range(10)]
    assert [payload["groups"][c] for c in payload["c"][:20]] == [str(d) for d in y[:20]]
    shown = payload["maps"][0]["fields"]["reconstruction error"]
    np.testing.assert_allclose(shown, errors, rtol=1e-3)  # 4 significant digits
    assert sum(payload["flag"]["on"]) == int(np.sum(errors > np.quantile(errors, 0.95)))
    sheet = payload["images"]
    assert (sheet["w"], sheet["h"], sheet["cols"]) == (8, 8, 43)  # ceil(sqrt(1797)) thumbnails a row
    # the page allows exactly its own script, and loads nothing from the network
    assert f"script-src {script_hash()}" in page and page.count(script()) == 1
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)


def test_pca_maps_keep_their_aspect(digits):
    _, _, Z = digits
    explorer = build_explorer({"pca": (Z[:, :2], "PC")})
    x, y = np.array(explorer.payload["maps"][0]["x"]), np.array(explorer.payload["maps"][0]["y"])
    ratio = np.ptp(Z[:, 1]) / np.ptp(Z[:, 0])
    assert np.ptp(y) / np.ptp(x) == pytest.approx(ratio, rel=1e-3)
    assert max(np.ptp(x), np.ptp(y)) == 10_000


def test_many_rows_are_sampled_down_and_the_page_says_so(tmp_path):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(MAX_POINTS + 1000, 6))
    png, caption, explorer = code_map_figure({"ae": Z}, tmp_path / "m.png", colour_by=rng.normal(size=len(Z)),
                                             method="pca", title="t", caption="c", what="test rows")
    assert explorer.n_points == MAX_POINTS
    assert explorer.payload["note"].startswith(f"Showing a random sample of {MAX_POINTS:,} of the 6,000 test rows")
    rows = explorer.payload["rows"]
    assert len(set(rows)) == MAX_POINTS and max(rows) < len(Z)
    # continuous labels: a colour ramp, and the value itself in the tooltip
    assert explorer.payload["groups"] is None and explorer.payload["ramp"] is not None
    assert len(explorer.payload["fields"]["label"]) == MAX_POINTS
    # t-SNE embeds fewer rows (its cost grows fast)
    from aekit.viz.explorer import EMBED_POINTS, point_limit

    assert point_limit("tsne", {"ae": Z}) == EMBED_POINTS and point_limit("tsne", {"ae": Z[:, :2]}) == MAX_POINTS


def test_mnist_report_with_5000_points_and_images_stays_under_10_mb(tmp_path):
    """5,000 real 28x28 digits (mnist-5k), their codes, errors and thumbnails: the issue's size bound."""
    from aekit.data import load_dataset

    data = load_dataset("mnist-5k", random_state=0)
    X = np.vstack([data.X_train, data.X_test])[:MAX_POINTS]
    y = np.concatenate([data.y_train, data.y_test])[:MAX_POINTS]
    pca = PCA(16, random_state=0).fit(X)
    Z = pca.transform(X)
    errors = np.mean((pca.inverse_transform(Z) - X) ** 2, axis=1)
    figure = code_map_figure({"pca": Z}, tmp_path / "codes.png", colour_by=y, method="pca", title="mnist",
                             caption="c", map_fields={"pca": {"reconstruction error": errors}},
                             images=X, image_shape=data.image_shape)
    assert figure[2].n_points == MAX_POINTS and figure[2].payload["images"]["w"] == 28  # full-size thumbnails
    path = write_report(tmp_path / "report.html", title="mnist", table=pd.DataFrame({"model": ["pca"]}),
                        figures=[figure], meta={})
    assert 1_000_000 < path.stat().st_size < MAX_REPORT_BYTES


def test_large_colour_images_are_shrunk_to_the_thumbnail_budget(monkeypatch):
    from aekit.viz import explorer as module

    rng = np.random.default_rng(0)
    images = rng.random((300, 3 * 64 * 64))
    monkeypatch.setattr(module, "THUMBNAIL_BYTES", 300 * 3 * 16 * 16)  # as 5,000 such images meet the real one
    explorer = build_explorer({"m": (rng.normal(size=(300, 2)), "z")}, images=images, image_shape=(3, 64, 64))
    sheet = explorer.payload["images"]
    assert (sheet["w"], sheet["h"]) == (16, 16) and sheet["scale"] == 6  # 64 / 4, shown at 96 px
    with Image.open(io.BytesIO(base64.b64decode(sheet["src"].split(",", 1)[1]))) as image:
        assert image.mode == "RGB" and image.size == (18 * 16, 17 * 16)  # 18 a row, 17 rows
        first = np.asarray(image)[:16, :16].astype(float) / 255
    block = images[0].reshape(3, 64, 64).transpose(1, 2, 0).reshape(16, 4, 16, 4, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(first, block, atol=1 / 255)  # each thumbnail pixel is its block's mean


def test_bad_inputs_are_refused_with_what_was_expected(tmp_path):
    points = np.zeros((10, 2))
    with pytest.raises(DataError, match="expected at least one map"):
        build_explorer({})
    with pytest.raises(DataError, match=r"expected points of shape \(n, 2\), got \(10, 3\)"):
        build_explorer({"a": (np.zeros((10, 3)), "z")})
    with pytest.raises(DataError, match="expected 10 values .* got 9"):
        build_explorer({"a": (points, "z")}, colour_by=np.zeros(9))
    with pytest.raises(DataError, match="expected 10 values .* got 4"):
        build_explorer({"a": (points, "z")}, fields={"error": np.zeros(4)})
    with pytest.raises(DataError, match="image_shape: expected"):
        build_explorer({"a": (points, "z")}, images=np.zeros((10, 4)))
    with pytest.raises(DataError, match=r"above the threshold: expected 20 values \(one per row of the codes\)"):
        code_map_figure({"a": np.zeros((20, 3))}, tmp_path / "x.png", method="pca", title="t", caption="c", flagged=np.ones(3))


def test_missing_values_travel_as_null():
    explorer = build_explorer({"a": (np.arange(6.0).reshape(3, 2), "z")},
                              fields={"error": np.array([0.5, np.nan, np.inf]), "id": np.array(["a", "b", "c"])})
    assert explorer.payload["fields"] == {"error": [0.5, None, None], "id": ["a", "b", "c"]}
    assert "NaN" not in explorer.html("<img>")


# ---------------------------------------------------------------- in Chromium

@pytest.mark.browser
def test_explorer_draws_every_point_and_a_hover_shows_the_image(chromium, digits_report, digits):
    path, _ = digits_report
    X, y, _ = digits
    report = browser.explorer_report(path)
    assert report["errors"] == []  # no console error, nothing blocked by the page's policy
    assert report["explorers"] == 1 and report["points"] == report["plotted"] == len(X)
    assert report["tip_visible"] and report["tip_image"], report
    assert f"label: {y[0]}" in report["tip_text"] and "reconstruction error (pca-8): " in report["tip_text"]
    assert report["plotted_without_first"] == len(X) - np.sum(y == 0)  # the legend hid class 0


@pytest.mark.browser
def test_hover_screenshot_shows_the_map_and_the_tooltip(chromium, digits_report, tmp_path):
    path, _ = digits_report
    shot = browser.screenshot(path, tmp_path / "hover.png", width=1100, height=700, hover=True)
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    colourful = np.abs(pixels - pixels.mean(axis=2, keepdims=True)).sum(axis=2) > 60
    assert colourful[60:600, :].mean() > 0.005  # coloured dots drawn where the map is
    static = np.asarray(Image.open(path.parent / "codes.png").convert("RGB"))
    assert static.shape[0] > 300  # the PNG for printing is still written


@pytest.mark.browser
def test_a_table_without_labels_or_images_still_explores(chromium, tmp_path):
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(300, 4))
    score = np.linalg.norm(Z, axis=1)
    figure = code_map_figure({"ae": Z}, tmp_path / "codes.png", method="pca", title="rows", caption="c",
                             fields={"anomaly score": score}, flagged=score > 3, flag_name="above the threshold")
    path = write_report(tmp_path / "report.html", title="t", table=pd.DataFrame({"a": [1]}), figures=[figure],
                        meta={})
    report = browser.explorer_report(path)
    assert report["errors"] == [] and report["plotted"] == 300 and report["tip_visible"]
    assert "anomaly score: " in report["tip_text"] and not report["tip_image"]


def test_text_cannot_break_out_of_the_page():
    label = '</script><script>alert("x")</script>'
    explorer = build_explorer({"a": (np.arange(4.0).reshape(2, 2), "z")}, colour_by=np.array([label, "ok"]))
    page = explorer.html("<img>")
    assert "</script><script>" not in page and page.count("</script>") == 1
    assert _payload(page)["groups"] == sorted([label, "ok"])
