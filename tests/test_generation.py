"""Generation compared: a plain autoencoder's Gaussian-code sampler, the
Fréchet distance in a classifier's feature space, and the FD column and
side-by-side sample grid of `aekit compare`, on sklearn's digits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import aekit
from aekit import Autoencoder, ConvAutoencoder
from aekit.compare import compare_models
from aekit.data import load_dataset
from aekit.evaluation import SampleQualityScorer, frechet_distance
from aekit.exceptions import DataError


@pytest.fixture(scope="module")
def scorer(digits):
    X_train, _, y_train, _ = digits
    return SampleQualityScorer(max_iter=60, random_state=0).fit(X_train, y_train)


@pytest.fixture(scope="module")
def cnn_scorer(digits):
    X_train, _, y_train, _ = digits
    return SampleQualityScorer("cnn", channels=(16, 32), max_iter=15, random_state=0).fit(X_train, y_train)


@pytest.fixture(scope="module")
def ae(digits):
    return Autoencoder(latent_dim=6, hidden=(64,), max_epochs=20, batch_size=64, random_state=0).fit(digits[0])


def test_the_scorer_is_a_good_classifier_of_real_data(digits, scorer):
    _, X_test, _, y_test = digits
    assert scorer.accuracy(X_test, y_test) > 0.9
    assert scorer.features(X_test).shape == (len(X_test), 128)


def test_the_cnn_scorer_classifies_real_images_as_well_and_keeps_its_settings(digits, cnn_scorer, scorer):
    _, X_test, _, y_test = digits
    assert cnn_scorer.accuracy(X_test, y_test) > 0.9
    assert cnn_scorer.features(X_test).shape == (len(X_test), 128)
    assert set(cnn_scorer.per_class_accuracy(X_test, y_test)) == set(range(10))
    assert clone(cnn_scorer).get_params()["classifier"] == "cnn" and 1 <= cnn_scorer.n_epochs_ <= 15


@pytest.mark.parametrize("kind", ["scorer", "cnn_scorer"])
def test_frechet_distance_of_real_data_is_about_zero_and_grows_with_noise(digits, kind, request):
    _, X_test, _, _ = digits
    scorer = request.getfixturevalue(kind)
    assert scorer.frechet_distance(X_test, X_test) == pytest.approx(0.0, abs=1e-6)
    half_a, half_b = X_test[::2], X_test[1::2]
    rng = np.random.default_rng(0)
    distances = [scorer.frechet_distance(half_a, np.clip(half_b + rng.normal(0, s, half_b.shape), 0, 1))
                 for s in (0.0, 0.1, 0.2, 0.4)]
    assert distances == sorted(distances) and distances[-1] > 3 * distances[0], distances


def test_frechet_distance_matches_the_closed_form_for_gaussians():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(20000, 2)), rng.normal(size=(20000, 2)) * 2 + 1
    # N(0, I) vs N(1, 4I): |mu|^2 = 2, trace terms 2 + 8 - 2 * 2 * 2 = 2
    assert frechet_distance(a, b) == pytest.approx(4.0, rel=0.05)


def test_autoencoder_samples_from_a_gaussian_fitted_to_its_training_codes(digits, ae):
    X_train = digits[0]
    codes = ae.transform(X_train)
    assert np.allclose(ae.code_mean_, codes.mean(axis=0), atol=1e-4)
    assert np.allclose(ae.code_cov_, np.cov(codes, rowvar=False, bias=True), atol=1e-4)
    samples = ae.sample(300, random_state=0)
    assert samples.shape == (300, 64) and np.array_equal(samples, ae.sample(300, random_state=0))
    assert not np.allclose(samples, ae.sample(300, random_state=1))


def test_fitting_the_code_gaussian_beats_decoding_standard_normal_codes(digits, ae, scorer):
    _, X_test, _, _ = digits
    fitted = scorer.frechet_distance(X_test, ae.sample(len(X_test), random_state=0))
    naive = ae.inverse_transform(np.random.default_rng(0).normal(size=(len(X_test), 6)).astype(np.float32))
    assert fitted < 0.5 * scorer.frechet_distance(X_test, naive)


def test_save_and_load_keep_the_code_distribution(digits, ae, tmp_path):
    loaded = aekit.load(ae.save(tmp_path / "ae.safetensors"))
    assert np.array_equal(loaded.sample(20, random_state=3), ae.sample(20, random_state=3))
    conv = ConvAutoencoder(latent_dim=4, channels=(4, 8), max_epochs=1, random_state=0).fit(
        digits[0][:200].reshape(-1, 8, 8))
    again = aekit.load(conv.save(tmp_path / "conv.safetensors"))
    assert np.array_equal(again.sample(5, random_state=0), conv.sample(5, random_state=0))
    assert again.sample(5).shape == (5, 64)


def test_bad_input_gets_one_clear_error(digits, scorer, ae):
    _, X_test, _, y_test = digits
    with pytest.raises(DataError, match="expected rows of 64 features"):
        scorer.frechet_distance(X_test, X_test[:, :10])
    with pytest.raises(DataError, match="NaN"):
        scorer.frechet_distance(X_test, np.full_like(X_test, np.nan))
    with pytest.raises(DataError, match="same number of samples"):
        scorer.accuracy(X_test, y_test[:5])
    with pytest.raises(ValueError, match="n must be a positive integer"):
        ae.sample(0)
    with pytest.raises(ValueError, match="classifier must be one of"):
        SampleQualityScorer("svm").fit(X_test, y_test)
    with pytest.raises(DataError, match="needs image_shape"):
        SampleQualityScorer("cnn").fit(X_test[:, :60], y_test)


def test_compare_gives_every_sampler_a_frechet_distance_and_a_side_by_side_grid(tmp_path):
    data = load_dataset("digits", random_state=0)
    result = compare_models(data, ["pca", "ae", "cvae"], tmp_path, latent_dim=4, hidden=(32,), max_epochs=2,
                            code_map_method="pca")
    table = pd.read_csv(tmp_path / "results.csv").set_index("model")
    assert np.isnan(table.loc["pca", "sample_fd"]) and (table.loc[["ae", "cvae"], "sample_fd"] > 0).all()
    assert 0 <= table.loc["cvae", "sample_class_accuracy"] <= 1 and np.isnan(table.loc["ae", "sample_class_accuracy"])
    assert (tmp_path / "figures" / "samples_side_by_side.png").is_file()
    assert "Generation compared" in result.report.read_text()  # the grid, with its caption


def test_the_code_gaussian_is_fitted_on_a_seeded_sample_of_the_training_rows(digits, ae, scorer, monkeypatch):
    """Above CODE_MOMENT_ROWS training rows the Gaussian is fitted on that many, drawn at
    random (here 400 of 1347): the moments of exactly those codes, close to those of all
    codes, and samples as good as from the Gaussian of all codes."""
    from aekit.estimators import sampling

    X_train, X_test, _, _ = digits
    monkeypatch.setattr(sampling, "CODE_MOMENT_ROWS", 400)
    sub = clone(ae).fit(X_train)  # the same training (same seed) as the module's ae, which used every row
    picked = np.concatenate(list(sampling.moment_rows(np.arange(len(X_train)), seed=0)))
    assert len(np.unique(picked)) == 400
    codes = sub.transform(X_train)
    assert np.allclose(sub.code_mean_, codes[picked].mean(axis=0), atol=1e-4)
    assert np.allclose(sub.code_cov_, np.cov(codes[picked], rowvar=False, bias=True), atol=1e-4)
    assert not np.allclose(sub.code_mean_, ae.code_mean_, atol=1e-4)  # not all rows
    standard_error = codes.std(axis=0) / np.sqrt(400)
    assert np.all(np.abs(sub.code_mean_ - ae.code_mean_) < 4 * standard_error)
    assert np.linalg.norm(sub.code_cov_ - ae.code_cov_) < 0.25 * np.linalg.norm(ae.code_cov_)
    fd_sub = scorer.frechet_distance(X_test, sub.sample(len(X_test), random_state=0))
    fd_all = scorer.frechet_distance(X_test, ae.sample(len(X_test), random_state=0))
    assert fd_sub < 1.15 * fd_all, (fd_sub, fd_all)


def test_moment_rows_takes_every_blocks_share_of_data_larger_than_memory(tmp_path):
    from aekit.data.blocks import open_blocks
    from aekit.estimators.sampling import moment_rows

    path = tmp_path / "rows.npy"
    np.save(path, np.arange(5000, dtype=np.float32).reshape(-1, 1))
    blocks = list(moment_rows(open_blocks(path, block_rows=1000), seed=3, limit=500))
    assert [len(b) for b in blocks] == [100] * 5
    for i, block in enumerate(blocks):  # distinct rows of block i, in file order
        assert np.all(np.diff(block[:, 0]) > 0) and 1000 * i <= block[0, 0] and block[-1, 0] < 1000 * (i + 1)
    again = list(moment_rows(open_blocks(path, block_rows=1000), seed=3, limit=500))
    assert all(np.array_equal(a, b) for a, b in zip(blocks, again))
    assert len(list(moment_rows(np.ones((300, 2), np.float32), seed=0, limit=500))[0]) == 300  # fewer: all
