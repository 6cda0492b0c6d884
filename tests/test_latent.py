"""The shared Gaussian-latent machinery (aekit.models.latent) on real data (digits)."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn

from aekit.models import VAEConfig, VAEModel, VariationalAutoencoder, VariationalConfig
from aekit.models.latent import (LOGVAR_MAX, LOGVAR_MIN, GaussianPosterior, gaussian_kl, kl_penalty,
                                 warmup_weight)
from aekit.nn import MLPDecoder, MLPEncoder
from aekit.training import TrainConfig, fit_model


@pytest.fixture(scope="module")
def trained_vae(digits):
    """A dense VAE (Bernoulli) trained briefly on digits, and digits' test rows."""
    X_train, X_test, *_ = digits
    torch.manual_seed(0)
    model = VAEModel(VAEConfig(input_dim=64, latent_dim=8, hidden=(64,)))
    # 30 epochs: after 8 the posterior was nearly collapsed (KL 0.55 nats), so the importance-sampled
    # bounds for k = 10 and 200 differed by less than their Monte Carlo noise
    fit_model(model, X_train, TrainConfig(max_epochs=30, batch_size=64, patience=30, seed=0))
    return model.eval(), torch.from_numpy(X_test[:200])


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_training_lowers_the_negative_elbo(digits, trained_vae):
    model, X = trained_vae
    untrained = VAEModel(model.config).eval()
    assert model.elbo(X, generator=seeded()).mean() > untrained.elbo(X, generator=seeded()).mean() + 10


def test_log_variance_is_clamped_so_huge_inputs_stay_finite():
    head = GaussianPosterior(4, 2)
    mean, log_var = head(torch.full((3, 4), 1e6))
    assert log_var.min() >= LOGVAR_MIN and log_var.max() <= LOGVAR_MAX
    assert torch.isfinite(gaussian_kl(mean.clamp(-1e3, 1e3), log_var)).all()


def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    zeros = torch.zeros(2, 3)
    assert torch.allclose(gaussian_kl(zeros, zeros), zeros)
    assert (gaussian_kl(torch.ones(2, 3), zeros) > 0).all()


def test_importance_sampled_likelihood_is_above_the_elbo_and_rises_with_k(trained_vae):
    model, X = trained_vae
    elbo = model.elbo(X, n_samples=20, generator=seeded()).mean()
    ll = {k: model.importance_log_likelihood(X, n_samples=k, generator=seeded(k)).mean() for k in (1, 10, 200)}
    assert abs(ll[1] - elbo) < 1.0  # k = 1 is a one-sample ELBO estimate
    assert elbo < ll[10] < ll[200]
    assert ll[200] - elbo > 0.1  # a real gap, not noise


def test_reconstruction_log_prob_is_the_elbo_without_its_kl(trained_vae):
    model, X = trained_vae
    mean, log_var = model.posterior_params(X)
    rec = model.reconstruction_log_prob(X, n_samples=5, generator=seeded(3))
    elbo = model.elbo(X, n_samples=5, generator=seeded(3))  # the same draws of z
    torch.testing.assert_close(rec - elbo, gaussian_kl(mean, log_var).sum(dim=1).detach())
    assert (rec < 0).all()  # a Bernoulli log-likelihood of non-binary pixels


def test_importance_sampling_in_chunks_gives_the_same_estimate(trained_vae):
    model, X = trained_vae
    whole = model.importance_log_likelihood(X[:20], n_samples=300, generator=seeded())
    chunked = model.importance_log_likelihood(X[:20], n_samples=300, generator=seeded(1), chunk=100)
    assert torch.allclose(whole, chunked, atol=0.5)


def test_importance_sampling_k_1000_on_many_rows_fits_in_memory(trained_vae):
    model, X = trained_vae
    ll = model.importance_log_likelihood(X, n_samples=1000, generator=seeded())
    assert ll.shape == (len(X),) and torch.isfinite(ll).all()


def test_kl_warmup_scales_the_kl_term_linearly_then_holds(trained_vae):
    model, X = trained_vae
    assert [warmup_weight(e, 4) for e in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    warm = VAEModel(dataclasses.replace(model.config, warmup_epochs=4, beta=2.0))
    warm.load_state_dict(model.state_dict())
    warm.train()
    for epoch, weight in [(0, 0.5), (1, 1.0), (5, 2.0)]:
        warm.set_epoch(epoch)
        torch.manual_seed(0)
        terms = warm.loss(X)
        assert torch.allclose(terms["loss"], terms["reconstruction"] + weight * terms["kl"], rtol=1e-5)
    warm.eval()  # validation: full beta, whatever the epoch
    warm.set_epoch(0)
    torch.manual_seed(0)
    terms = warm.loss(X)
    assert torch.allclose(terms["loss"], terms["reconstruction"] + 2.0 * terms["kl"], rtol=1e-5)


def test_free_bits_charge_at_least_lambda_per_unit_and_stop_the_gradient_below_it():
    kl = torch.tensor([[0.1, 2.0], [0.3, 4.0]], requires_grad=True)
    penalty = kl_penalty(kl, free_bits=0.5)
    assert torch.allclose(penalty, torch.tensor([0.5 + 3.0, 0.5 + 3.0]))
    penalty.mean().backward()
    assert (kl.grad[:, 0] == 0).all() and (kl.grad[:, 1] > 0).all()
    assert torch.equal(kl_penalty(kl.detach(), 0.0), torch.tensor([2.1, 4.3]))


def test_free_bits_keep_more_latent_units_active(digits):
    """With a strong KL (beta 4) units collapse to the prior; free bits keep them informative."""
    X_train, X_test, *_ = digits
    active = {}
    for free_bits in (0.0, 1.0):
        torch.manual_seed(0)
        model = VAEModel(VAEConfig(input_dim=64, latent_dim=8, hidden=(64,), beta=4.0, free_bits=free_bits))
        fit_model(model, X_train, TrainConfig(max_epochs=4, batch_size=64, learning_rate=3e-3, patience=4,
                                               seed=0))
        mean, log_var = model.eval().posterior_params(torch.from_numpy(X_test))
        active[free_bits] = int((gaussian_kl(mean, log_var).mean(dim=0) > 0.1).sum())
    assert active[1.0] > active[0.0], active


def test_gaussian_likelihood_fixed_or_learned_variance():
    fixed = VAEModel(VAEConfig(input_dim=5, latent_dim=2, likelihood="gaussian", sigma=0.5))
    learned = VAEModel(VAEConfig(input_dim=5, latent_dim=2, likelihood="gaussian", gaussian_variance="learned"))
    assert "likelihood.log_sigma" in dict(fixed.named_buffers())
    assert "likelihood.log_sigma" in dict(learned.named_parameters())
    x = torch.zeros(1, 5)
    # log N(0; 0, 0.25) summed over 5 features
    expected = 5 * (-0.5 * torch.log(torch.tensor(2 * torch.pi * 0.25)))
    assert torch.allclose(fixed.likelihood.log_prob(x, x), expected.reshape(1))


def test_sampling_is_reproducible_with_a_generator(trained_vae):
    model, _ = trained_vae
    a, b = model.sample(5, generator=seeded(3)), model.sample(5, generator=seeded(3))
    assert torch.equal(a, b) and not torch.equal(a, model.sample(5, generator=seeded(4)))
    assert a.shape == (5, 64) and ((a >= 0) & (a <= 1)).all()


def test_interpolation_starts_and_ends_at_the_reconstructions(trained_vae):
    model, X = trained_vae
    path = model.interpolate(X[:1], X[1:2], steps=7)
    assert path.shape == (7, 64)
    assert torch.allclose(path[0], model(X[:1])[0]) and torch.allclose(path[-1], model(X[1:2])[0])


@dataclasses.dataclass(kw_only=True)
class _TinyConditionalConfig(VariationalConfig):
    input_dim: int
    n_classes: int


class _TinyConditionalVAE(VariationalAutoencoder):
    """What a conditional variant looks like on this base: batches are (x, one-hot y)."""

    family = "test-cvae"
    config_class = _TinyConditionalConfig

    def __init__(self, config):
        encoder = MLPEncoder(config.input_dim + config.n_classes, (), 32, "relu", "relu")
        decoder = MLPDecoder(config.latent_dim + config.n_classes, (32,), config.input_dim)
        super().__init__(config, encoder, decoder, encoder_dim=32, n_outputs=config.input_dim)

    def encoder_features(self, batch):
        return self.encoder(torch.cat(batch, dim=1))

    def decoder_params(self, z, batch=None):
        return self.decoder(torch.cat([z, batch[1]], dim=1))


def test_a_conditional_variant_trains_and_scores_through_the_hooks(digits):
    X_train, X_test, y_train, y_test = digits
    onehot = nn.functional.one_hot
    config = _TinyConditionalConfig(input_dim=64, n_classes=10, latent_dim=4)
    torch.manual_seed(0)
    model = _TinyConditionalVAE(config)
    data = (X_train, onehot(torch.from_numpy(y_train), 10).float().numpy())
    fit_model(model, data, TrainConfig(max_epochs=2, batch_size=128, patience=2, seed=0))
    batch = (torch.from_numpy(X_test[:50]), onehot(torch.from_numpy(y_test[:50]), 10).float())
    model.eval()
    elbo = model.elbo(batch, n_samples=5, generator=seeded()).mean()
    ll = model.importance_log_likelihood(batch, n_samples=100, generator=seeded(), chunk=64)
    assert ll.shape == (50,) and ll.mean() > elbo
    sevens = model.sample(3, generator=seeded(), condition=(None, batch[1][:1].repeat(3, 1)))
    assert sevens.shape == (3, 64)
