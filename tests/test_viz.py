"""Every figure writes a non-empty PNG of the documented pixel size."""

import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from aekit.exceptions import DataError
from aekit.viz import (
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

DIGIT_SHAPE = (1, 8, 8)
RGB_SHAPE = (3, 6, 6)


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return data.data[:300] / 16.0, data.target[:300]


@pytest.fixture(scope="module")
def rgb():
    rng = np.random.default_rng(0)
    return rng.uniform(size=(12, int(np.prod(RGB_SHAPE))))


def png_size(path):
    assert path.is_file() and path.stat().st_size > 1000
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


@pytest.mark.parametrize("which", ["digits", "rgb"])
def test_reconstructions_and_denoising(which, digits, rgb, tmp_path):
    X, shape = (digits[0], DIGIT_SHAPE) if which == "digits" else (rgb, RGB_SHAPE)
    rng = np.random.default_rng(0)
    X_rec = np.clip(X + rng.normal(0, 0.1, X.shape), 0, 1)

    path = plot_reconstructions(X, X_rec, shape, tmp_path / "rec.png", n=10)
    assert png_size(path) == (1000, 250)

    X_noisy = X + rng.normal(0, 0.4, X.shape)
    path = plot_denoising(X_noisy, X_rec, X, shape, tmp_path / "den.png", n=8)
    assert png_size(path) == (1000, 330)

    path = plot_samples(X, shape, tmp_path / "samples.png", n=64)
    assert png_size(path) == (800, 800)


def test_image_figures_accept_custom_size(digits, tmp_path):
    X, _ = digits
    path = plot_reconstructions(X, X, DIGIT_SHAPE, tmp_path / "rec.png", n=5, figsize=(6, 2))
    assert png_size(path) == (600, 200)


@pytest.mark.parametrize("method", ["tsne", "pca"])
def test_code_map(method, digits, tmp_path):
    X, y = digits
    Z = PCA(n_components=10, random_state=0).fit_transform(X)
    path = plot_code_map(Z, y, tmp_path / f"{method}.png", method=method, max_points=200)
    assert png_size(path) == (800, 600)


def test_code_map_umap_falls_back_or_works(digits, tmp_path):
    X, y = digits
    Z = PCA(n_components=5, random_state=0).fit_transform(X[:120])
    try:
        import umap  # noqa: F401
    except ImportError:
        with pytest.warns(UserWarning, match="umap-learn"):
            path = plot_code_map(Z, y[:120], tmp_path / "umap.png", method="umap")
    else:
        path = plot_code_map(Z, y[:120], tmp_path / "umap.png", method="umap")
    assert png_size(path) == (800, 600)


def test_code_map_umap_gives_torch_threads_back(monkeypatch):
    # numba's OpenMP launch (nearest-neighbour descent on large code sets) resets the runtime torch
    # shares to every core; a report's UMAP code map then left later fits in the process on every core.
    # A stand-in UMAP does what numba does, so the check runs without umap-learn and on any data size.
    import types

    import torch

    from aekit.viz.figures import embed_2d

    class ResettingUMAP:
        def __init__(self, **params):
            pass

        def fit_transform(self, Z):
            torch.set_num_threads(torch.get_num_threads() + 1)
            return Z[:, :2]

    monkeypatch.setitem(sys.modules, "umap", types.SimpleNamespace(UMAP=ResettingUMAP))
    before = torch.get_num_threads()
    points, axis = embed_2d(np.random.default_rng(0).normal(size=(50, 4)), "umap", 0)
    assert points.shape == (50, 2) and axis == "UMAP"
    assert torch.get_num_threads() == before


def test_code_map_two_columns_many_labels_and_no_labels(tmp_path):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(200, 2))
    assert png_size(plot_code_map(Z, rng.uniform(size=200), tmp_path / "c.png")) == (800, 600)
    assert png_size(plot_code_map(Z, None, tmp_path / "n.png")) == (800, 600)
    with pytest.raises(DataError):
        plot_code_map(Z[:, :1], None, tmp_path / "bad.png")


@pytest.mark.parametrize("shape", [DIGIT_SHAPE, RGB_SHAPE])
def test_latent_manifold(shape, tmp_path):
    d = int(np.prod(shape))
    projection = np.random.default_rng(0).normal(size=(2, d))

    def decode(codes):
        assert codes.shape == (15 * 15, 2)
        return 1 / (1 + np.exp(-codes @ projection))

    path = plot_latent_manifold(decode, shape, tmp_path / "manifold.png", n=15, lim=3.0)
    assert png_size(path) == (800, 800)


def test_latent_manifold_rejects_wrong_decoder_output(tmp_path):
    with pytest.raises(DataError):
        plot_latent_manifold(lambda z: np.zeros((len(z), 10)), DIGIT_SHAPE, tmp_path / "m.png")


def test_loss_curves_linear_and_log(tmp_path):
    epochs = np.arange(1, 21)
    flat = pd.DataFrame({"epoch": epochs, "train_loss": 1 / epochs + 0.5})
    assert png_size(plot_loss_curves(flat, tmp_path / "flat.png")) == (800, 500)
    steep = pd.DataFrame({"epoch": epochs, "train_loss": np.geomspace(10, 1e-3, 20),
                          "val_loss": np.geomspace(12, 2e-3, 20)})
    assert png_size(plot_loss_curves(steep, tmp_path / "steep.png")) == (800, 500)
    with pytest.raises(DataError):
        plot_loss_curves(pd.DataFrame({"epoch": epochs}), tmp_path / "bad.png")


def test_score_histogram(tmp_path):
    rng = np.random.default_rng(0)
    scores = np.r_[rng.normal(0, 1, 500), rng.normal(4, 1, 40)]
    labels = np.r_[np.zeros(500), np.ones(40)]
    path = plot_score_histogram(scores, tmp_path / "split.png", threshold=2.5, labels=labels)
    assert png_size(path) == (800, 500)
    assert png_size(plot_score_histogram(scores, tmp_path / "plain.png")) == (800, 500)


def test_mismatched_images_raise(digits, tmp_path):
    X, _ = digits
    with pytest.raises(DataError):
        plot_reconstructions(X, X[:, :60], DIGIT_SHAPE, tmp_path / "x.png")
    with pytest.raises(DataError):
        plot_samples(X, (2, 8, 4), tmp_path / "x.png")


def test_multi_model_figures_have_expected_sizes(tmp_path):
    data = load_digits()
    X, y = data.data[:200] / 16.0, data.target[:200]
    rows = {"original": X, "model a": X * 0.5, "model b": X[::-1]}
    path = plot_image_rows(rows, (1, 8, 8), tmp_path / "rows.png")
    with Image.open(path) as image:
        assert image.size == (1000, round(100 * (0.9 * 3 + 0.6)))
    codes = {"a": X[:, :4], "b": X[:, 4:10], "c": X[:, 10:12], "d": X[:, 12:20]}
    path = plot_code_maps(codes, y, tmp_path / "maps.png", method="pca", n_cols=3)
    with Image.open(path) as image:
        assert image.size == (round(100 * (4 * 3 + 1.2)), round(100 * (3.6 * 2 + 0.5)))
    histories = {"a": pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2]}),
                 "b": pd.DataFrame({"epoch": [1, 2], "train_loss": [1.0, 0.5]})}
    path = plot_loss_comparison(histories, tmp_path / "loss.png")
    with Image.open(path) as image:
        assert image.size == (800, 500)


def test_multi_model_figures_reject_bad_input(tmp_path):
    X = np.zeros((5, 64))
    with pytest.raises(DataError):
        plot_image_rows({"original": X}, (1, 8, 8), tmp_path / "r.png", reference="clean")
    with pytest.raises(DataError):
        plot_code_maps({"a": X[:, :3]}, np.zeros(4), tmp_path / "m.png", method="pca")
    with pytest.raises(DataError):
        plot_loss_comparison({"a": pd.DataFrame({"epoch": [1]})}, tmp_path / "l.png")
