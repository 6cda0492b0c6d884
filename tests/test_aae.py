"""aekit.AdversarialAutoencoder on sklearn's digits: codes matched to the prior,
alternating phases with three optimisers, sampling, save/load, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import aekit
from aekit import AdversarialAutoencoder, Autoencoder
from aekit.exceptions import DataError
from aekit.models.aae import AdversarialAutoencoderModel

SMALL = dict(hidden=(64,), discriminator_hidden=(64, 64), batch_size=64, random_state=0)


def distance_from_standard_normal(Z: np.ndarray) -> float:
    """|mean| + |cov - I|_F of codes: 0 when they match N(0, I)'s first two moments."""
    return float(np.linalg.norm(Z.mean(axis=0)) + np.linalg.norm(np.cov(Z, rowvar=False) - np.eye(Z.shape[1])))


@pytest.fixture(scope="module")
def gaussian_aae(digits):
    return AdversarialAutoencoder(latent_dim=3, max_epochs=25, patience=25, **SMALL).fit(digits[0])


@pytest.fixture(scope="module")
def mixture_aae(digits):
    X_train, _, y_train, _ = digits
    return AdversarialAutoencoder(latent_dim=2, prior="mixture", max_epochs=2, **SMALL).fit(X_train, y_train)


def test_codes_approach_the_prior_mean_and_covariance(digits, gaussian_aae):
    X_train, X_test = digits[0], digits[1]
    Z = gaussian_aae.transform(X_test)
    assert np.abs(Z.mean(axis=0)).max() < 0.35
    cov = np.cov(Z, rowvar=False)
    assert np.all((np.diag(cov) > 0.5) & (np.diag(cov) < 2.0)), cov
    assert np.abs(cov - np.diag(np.diag(cov))).max() < 0.35, cov
    # the same autoencoder without the adversarial phases puts its codes anywhere
    plain = Autoencoder(latent_dim=3, hidden=(64,), batch_size=64, max_epochs=25, patience=25,
                        random_state=0).fit(X_train)
    assert distance_from_standard_normal(Z) < 0.5 * distance_from_standard_normal(plain.transform(X_test))


def test_three_phases_train_the_discriminator_and_lower_the_reconstruction_loss(gaussian_aae):
    history = gaussian_aae.history_
    assert history["train_loss"].iloc[-1] < 0.7 * history["train_loss"].iloc[0]
    torch.manual_seed(0)  # the weights the fit started from (random_state=0)
    untrained = AdversarialAutoencoderModel(gaussian_aae.model_.config)
    assert not torch.allclose(untrained.discriminator.linears[0].weight,
                              gaussian_aae.model_.discriminator.linears[0].weight)


def test_sampling_is_reproducible_with_a_seed(gaussian_aae):
    a, b = gaussian_aae.sample(6, random_state=4), gaussian_aae.sample(6, random_state=4)
    assert a.shape == (6, 64) and np.array_equal(a, b)
    assert not np.allclose(a, gaussian_aae.sample(6, random_state=5))


def test_mixture_prior_with_labels_samples_a_chosen_class(mixture_aae):
    assert mixture_aae.classes_.tolist() == list(range(10)) and mixture_aae.model_.config.n_components == 10
    # samples of class c decode codes drawn from component c
    torch.manual_seed(0)
    codes = mixture_aae.model_.sample_prior(500, torch.full((500,), 3))
    nearest = torch.cdist(codes, mixture_aae.model_.component_means()).argmin(dim=1)
    assert (nearest == 3).float().mean() > 0.95
    assert np.array_equal(mixture_aae.sample(4, y=3, random_state=0),
                          mixture_aae.inverse_transform(
                              mixture_aae.model_.sample_prior(4, torch.full((4,), 3),
                                                              torch.Generator().manual_seed(0)).numpy()))


@pytest.mark.parametrize("kind", ["gaussian_aae", "mixture_aae"])
def test_save_and_load_give_identical_outputs(kind, request, digits, tmp_path):
    model = request.getfixturevalue(kind)
    loaded = aekit.load(model.save(tmp_path / "aae.safetensors"))
    assert type(loaded) is AdversarialAutoencoder
    X_test = digits[1]
    assert np.array_equal(loaded.transform(X_test), model.transform(X_test))
    assert np.array_equal(loaded.sample(8, random_state=1), model.sample(8, random_state=1))


def test_bad_input_gets_one_clear_error(digits, gaussian_aae, mixture_aae):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match="mixture prior has 5 components but the labels have 10 classes"):
        AdversarialAutoencoder(prior="mixture", n_components=5, max_epochs=1).fit(X_train, y_train)
    with pytest.raises(ValueError, match="latent_dim must be >= 2"):
        AdversarialAutoencoder(prior="mixture", latent_dim=1, max_epochs=1).fit(X_train)
    with pytest.raises(DataError, match="fitted without class labels"):
        gaussian_aae.sample(3, y=1)
    with pytest.raises(DataError, match=r"labels \[10\] never seen in fit"):
        mixture_aae.sample(3, y=10)
    with pytest.raises(ValueError, match="prior must be one of"):
        AdversarialAutoencoder(prior="laplace", max_epochs=1).fit(X_train)


def test_train_and_generate_from_the_cli(tmp_path, capsys):
    from test_cli import run  # the CLI in-process: (exit code, stdout, stderr)

    code, out, err = run(["train", "--model", "aae-mixture", "--data", "digits", "--latent", "2", "--hidden", "32",
                          "--epochs", "1", "--out", str(tmp_path), "--quiet"], capsys)
    assert code == 0, err
    model = aekit.load(tmp_path / "model.safetensors")
    assert model.prior == "mixture" and model.classes_.tolist() == list(range(10))  # the data's labels were used
    code, out, err = run(["generate", str(tmp_path / "model.safetensors"), "-n", "6", "--label", "2",
                          "-o", str(tmp_path / "twos.png"), "--npy"], capsys)
    assert code == 0, err
    assert np.array_equal(np.load(tmp_path / "twos.npy"), model.sample(6, y=2, random_state=0))
