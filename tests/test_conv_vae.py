"""ConvAutoencoder and VAE estimators: image input, shapes, sampling, likelihoods,
model files and bad input, on real data (digits' 8x8 images)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors import safe_open
from sklearn.base import clone

from aekit import VAE, Autoencoder, ConvAutoencoder, load
from aekit.data import load_dataset
from aekit.exceptions import DataError, ModelFileError
from aekit.models import ConvAutoencoderConfig, ConvAutoencoderModel, VAEConfig, VAEModel
from aekit.io import write_model_file

CONV_FAST = dict(latent_dim=8, channels=(16, 32), batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def images(digits):
    """Digits as (N, 8, 8) images: train, test."""
    X_train, X_test, *_ = digits
    return X_train.reshape(-1, 8, 8), X_test.reshape(-1, 8, 8)


@pytest.fixture(scope="module")
def conv_ae(images):
    return ConvAutoencoder(**CONV_FAST, max_epochs=5).fit(images[0])


@pytest.fixture(scope="module")
def conv_vae(images):
    return VAE(architecture="conv", **CONV_FAST, max_epochs=5).fit(images[0])


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32), (1, 7, 7), (3, 5, 9)])
def test_conv_networks_round_trip_any_image_shape(shape):
    n = int(np.prod(shape))
    x = torch.rand(2, n)
    ae = ConvAutoencoderModel(ConvAutoencoderConfig(input_dim=n, image_shape=shape, channels=(4, 8)))
    vae = VAEModel(VAEConfig(input_dim=n, image_shape=shape, architecture="conv", channels=(4, 8), latent_dim=3))
    assert ae(x).shape == (2, n) and ae.encode(x).shape == (2, 32)
    assert vae(x).shape == (2, n) and vae.encode(x).shape == (2, 3)


def test_images_in_any_layout_give_the_same_codes(conv_ae, images):
    X = images[1][:20]
    codes = conv_ae.transform(X)
    assert np.array_equal(codes, conv_ae.transform(X[:, None]))  # (N, 1, H, W)
    flat = ConvAutoencoder(**CONV_FAST, max_epochs=5, image_shape=(8, 8))
    flat.fit(images[0].reshape(len(images[0]), -1))
    assert flat.image_shape_ == (1, 8, 8)
    assert np.array_equal(codes, flat.transform(X.reshape(20, -1)))  # same seed, same data
    assert conv_ae.reconstruct(X).shape == (20, 64)


def test_conv_autoencoder_beats_a_dense_one_of_similar_size():
    """On 28x28 MNIST digits, with about as many weights, convolutions reconstruct better."""
    data = load_dataset("mnist-5k").subsample(2000, 500, random_state=0)
    settings = dict(latent_dim=16, batch_size=64, learning_rate=3e-3, max_epochs=15, patience=15, random_state=0)
    conv = ConvAutoencoder(channels=(8, 16), image_shape=data.image_shape, **settings).fit(data.X_train)
    dense = Autoencoder(hidden=(16,), **settings).fit(data.X_train)
    n_conv, n_dense = (sum(p.numel() for p in m.model_.parameters()) for m in (conv, dense))
    assert 0.75 < n_conv / n_dense < 1.33, (n_conv, n_dense)
    conv_mse, dense_mse = conv.score_samples(data.X_test).mean(), dense.score_samples(data.X_test).mean()
    assert conv_mse < 0.9 * dense_mse, (conv_mse, dense_mse)


def test_vae_likelihood_is_above_the_elbo_and_rises_with_k(conv_vae, images):
    X = images[1][:100]
    elbo = conv_vae.elbo(X, n_samples=10).mean()
    ll_10, ll_300 = (conv_vae.log_likelihood(X, n_samples=k).mean() for k in (10, 300))
    assert elbo < ll_10 < ll_300
    assert np.allclose(conv_vae.score_samples(X), -conv_vae.elbo(X))


def test_sampling_and_codes_are_reproducible(conv_vae, images):
    a, b = conv_vae.sample(16, random_state=3), conv_vae.sample(16, random_state=3)
    assert np.array_equal(a, b) and not np.array_equal(a, conv_vae.sample(16, random_state=4))
    assert a.shape == (16, 64) and a.min() >= 0 and a.max() <= 1
    assert np.array_equal(conv_vae.transform(images[1]), conv_vae.transform(images[1]))
    refit = clone(conv_vae).fit(images[0])
    assert np.array_equal(refit.transform(images[1]), conv_vae.transform(images[1]))


def test_interpolation_runs_between_the_two_reconstructions(conv_vae, images):
    x1, x2 = images[1][0], images[1][1]
    path = conv_vae.interpolate(x1, x2, steps=6)
    assert path.shape == (6, 64)
    assert np.allclose(path[0], conv_vae.reconstruct(x1[None])[0], atol=1e-6)
    assert np.allclose(path[-1], conv_vae.reconstruct(x2[None])[0], atol=1e-6)


@pytest.mark.parametrize("fixture", ["conv_ae", "conv_vae"])
def test_save_load_gives_identical_outputs(fixture, request, images, tmp_path):
    model = request.getfixturevalue(fixture)
    same = load(model.save(tmp_path / "m.safetensors"))
    X = images[1]
    assert same.image_shape_ == model.image_shape_
    assert np.array_equal(same.transform(X), model.transform(X))
    assert np.array_equal(same.reconstruct(X), model.reconstruct(X))
    assert np.array_equal(same.score_samples(X), model.score_samples(X))
    if fixture == "conv_vae":
        assert np.array_equal(same.sample(8, random_state=1), model.sample(8, random_state=1))
        assert np.array_equal(same.log_likelihood(X[:5], 50), model.log_likelihood(X[:5], 50))


def test_dense_vae_on_flat_rows(digits):
    X_train, X_test, *_ = digits
    vae = VAE(latent_dim=4, hidden=(64,), max_epochs=3, random_state=0).fit(X_train)
    assert vae.image_shape_ is None and vae.transform(X_test).shape == (len(X_test), 4)
    gauss = VAE(latent_dim=4, hidden=(64,), likelihood="gaussian", gaussian_variance="learned",
                sigma=0.1, max_epochs=3, random_state=0).fit(X_train)
    assert np.isfinite(gauss.elbo(X_test)).all()


# -- bad input ----------------------------------------------------------------------------

def test_images_of_another_size_are_refused(conv_ae, conv_vae):
    for model in (conv_ae, conv_vae):
        with pytest.raises(DataError, match=r"images of shape \(1, 9, 9\).*fitted on images of shape \(1, 8, 8\)"):
            model.transform(np.zeros((2, 9, 9), dtype=np.float32))
        with pytest.raises(DataError, match=r"49 values per row, but image_shape \(1, 8, 8\) needs 64"):
            model.transform(np.zeros((2, 49), dtype=np.float32))


def test_flat_rows_that_do_not_match_image_shape_are_refused(images):
    X = images[0].reshape(len(images[0]), -1)
    with pytest.raises(DataError, match=r"64 values per row, but image_shape \(1, 7, 7\) needs 49"):
        ConvAutoencoder(image_shape=(7, 7), max_epochs=1).fit(X)
    with pytest.raises(DataError, match="needs images"):
        VAE(architecture="conv", max_epochs=1).fit(X)


def test_bernoulli_likelihood_refuses_data_outside_0_1(cancer, conv_vae, images):
    X_train, *_ = cancer
    with pytest.raises(DataError, match=r"likelihood='bernoulli' needs data in \[0, 1\]"):
        VAE(likelihood="bernoulli", max_epochs=1).fit(X_train)
    with pytest.raises(DataError, match=r"values in \[-2, .*\[0, 1\]"):
        conv_vae.elbo(images[1][:3] * 3 - 2)


def test_negative_beta_and_bad_settings_are_refused(images):
    with pytest.raises(ValueError, match="beta must be >= 0, got -1"):
        VAE(beta=-1.0, max_epochs=1).fit(images[0])
    with pytest.raises(ValueError, match="architecture must be one of"):
        VAE(architecture="rnn", max_epochs=1).fit(images[0])
    with pytest.raises(DataError, match="NaN"):
        ConvAutoencoder(max_epochs=1).fit(np.full((20, 8, 8), np.nan))


def test_a_model_file_with_a_tampered_image_shape_is_refused(conv_ae, tmp_path):
    path = conv_ae.save(tmp_path / "m.safetensors")
    with safe_open(str(path), framework="pt") as f:
        metadata, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    fitted = json.loads(metadata["fitted"])
    fitted["image_shape_"] = [1, 4, 16]  # same number of pixels, another layout
    write_model_file(path, {**metadata, "fitted": json.dumps(fitted)}, tensors)
    with pytest.raises(ModelFileError, match=r"image_shape_ \(1, 4, 16\) does not fit the model"):
        load(path)
