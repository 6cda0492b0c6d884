"""Each option of the dense autoencoder does what it claims, on real data (digits)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from aekit import Autoencoder
from aekit.data import corrupt_array
from aekit.models import AutoencoderConfig, DenseAutoencoder

FAST = dict(latent_dim=16, hidden=(64,), max_epochs=40, batch_size=64, patience=40, random_state=0)


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_loss_goes_down(digits):
    X_train, *_ = digits
    ae = Autoencoder(**{**FAST, "max_epochs": 10}).fit(X_train)
    losses = ae.history_["train_loss"].to_numpy()
    assert losses[-1] < 0.5 * losses[0]
    assert (ae.history_["val_loss"].to_numpy() > 0).all()


def test_kl_sparsity_brings_mean_activation_near_rho(digits):
    X_train, X_test, *_ = digits
    rho = 0.05
    sparse = Autoencoder(**FAST, sparsity="kl", sparsity_target=rho, sparsity_weight=0.5).fit(X_train)
    plain = Autoencoder(**FAST, latent_activation="sigmoid").fit(X_train)
    sparse_mean = sparse.transform(X_test).mean()
    assert abs(sparse_mean - rho) < 0.03, sparse_mean
    assert plain.transform(X_test).mean() > 3 * sparse_mean


def test_l1_sparsity_zeroes_more_code_units(digits):
    X_train, X_test, *_ = digits
    l1 = Autoencoder(**FAST, sparsity="l1", sparsity_weight=0.05).fit(X_train)
    relu = Autoencoder(**FAST, latent_activation="relu").fit(X_train)
    assert (l1.transform(X_test) == 0).mean() > (relu.transform(X_test) == 0).mean() + 0.1


@pytest.mark.parametrize("kind,level", [("masking", 0.4), ("gaussian", 0.3), ("salt_pepper", 0.2)])
def test_denoising_beats_plain_on_corrupted_inputs(digits, kind, level):
    X_train, X_test, *_ = digits
    dae = Autoencoder(**FAST, noise=kind, noise_level=level).fit(X_train)
    plain = Autoencoder(**FAST).fit(X_train)
    X_noisy = corrupt_array(X_test, kind, level, random_state=1)

    def error(model):
        return float(np.mean((model.reconstruct(X_noisy) - X_test) ** 2))

    assert error(dae) < 0.9 * error(plain), (error(dae), error(plain))


def test_contractive_penalty_lowers_jacobian_norm(digits):
    X_train, X_test, *_ = digits
    cae = Autoencoder(**FAST, contractive_weight=0.05).fit(X_train)
    plain = Autoencoder(**FAST).fit(X_train)
    x = torch.from_numpy(X_test[:200])

    def mean_jacobian_norm(model):
        return float(model.model_.jacobian_norm(x).mean().detach())

    assert mean_jacobian_norm(cae) < 0.5 * mean_jacobian_norm(plain)


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu", "elu", "sigmoid", "leaky_relu"])
@pytest.mark.parametrize("hidden, sparsity", [((4,), None), ((4, 3), None), ((4,), "kl")])
def test_jacobian_norm_matches_autograd(activation, hidden, sparsity):
    """The closed form (one hidden layer, linear code) and the autograd path (deeper encoders, a
    sigmoid code) against the Jacobian itself: the same values and the same weight gradients."""
    torch.manual_seed(0)
    model = DenseAutoencoder(AutoencoderConfig(input_dim=5, latent_dim=3, hidden=hidden, activation=activation,
                                               sparsity=sparsity))
    assert model._closed_form_jacobian() == (hidden == (4,) and sparsity is None)
    x = torch.randn(6, 5)
    weight = model.encoder.linears[0].weight
    norm = model.jacobian_norm(x)
    expected = torch.stack([torch.autograd.functional.jacobian(model.encode, x[i:i + 1], create_graph=True)
                            .pow(2).sum() for i in range(len(x))])
    torch.testing.assert_close(norm, expected)
    torch.testing.assert_close(torch.autograd.grad(norm.sum(), weight)[0],
                               torch.autograd.grad(expected.sum(), weight)[0])
    with torch.no_grad():  # a validation loss: no graph, same numbers
        torch.testing.assert_close(model.jacobian_norm(x), expected.detach())


def test_contractive_loss_has_gradients():
    model = DenseAutoencoder(AutoencoderConfig(input_dim=6, latent_dim=2, hidden=(4,), contractive_weight=1.0))
    model.loss(torch.rand(8, 6))["contractive"].backward()
    assert model.encoder.linears[0].weight.grad.abs().sum() > 0


def test_tied_weights_remove_decoder_weight_matrices():
    cfg = dict(input_dim=64, latent_dim=8, hidden=(32, 16))
    untied = DenseAutoencoder(AutoencoderConfig(**cfg))
    tied = DenseAutoencoder(AutoencoderConfig(**cfg, tied=True))
    decoder_weights = 64 * 32 + 32 * 16 + 16 * 8
    assert n_params(untied) - n_params(tied) == decoder_weights
    # the decoder really uses the encoder's weights, transposed
    first = tied.encoder.linears[0]
    assert tied.decoder.linears[-1].source[0] is first


def test_tied_autoencoder_trains(digits):
    X_train, X_test, *_ = digits
    ae = Autoencoder(**FAST, tied=True).fit(X_train)
    assert ae.history_["train_loss"].iloc[-1] < 0.5 * ae.history_["train_loss"].iloc[0]


def test_weight_decay_shrinks_weights(digits):
    X_train, *_ = digits
    free = Autoencoder(**{**FAST, "max_epochs": 15}).fit(X_train)
    decayed = Autoencoder(**{**FAST, "max_epochs": 15}, weight_decay=0.05).fit(X_train)

    def weight_norm(model):
        return sum(float(p.detach().pow(2).sum()) for n, p in model.model_.named_parameters() if "weight" in n)

    assert weight_norm(decayed) < 0.7 * weight_norm(free)


def test_denoising_corrupts_only_while_training():
    model = DenseAutoencoder(AutoencoderConfig(input_dim=10, latent_dim=2, hidden=(), noise="masking",
                                               noise_level=0.9))
    x = torch.rand(4, 10)
    model.eval()
    assert torch.equal(model.loss(x)["loss"], model.loss(x)["loss"])
    model.train()
    torch.manual_seed(0)
    a = model.loss(x)["loss"]
    torch.manual_seed(1)
    assert not torch.equal(a, model.loss(x)["loss"])


@pytest.mark.parametrize("bad,match", [
    (dict(noise="blur"), "noise must be"),
    (dict(sparsity="l2"), "sparsity must be"),
    (dict(sparsity_target=1.5), "sparsity_target"),
    (dict(reconstruction_loss="bce"), "needs output_activation='sigmoid'"),
    (dict(activation="swish"), "activation must be"),
    (dict(latent_dim=0), "layer sizes"),
    (dict(noise_level=float("nan")), "noise_level"),
    (dict(weight_init="he"), "weight_init must be one of"),
])
def test_bad_config_is_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        DenseAutoencoder(AutoencoderConfig(input_dim=10, **bad))


def test_denoising_validation_uses_the_same_corruption_every_epoch():
    """Early stopping watches a denoising model's denoising loss on held-out rows, with the same
    corruption every epoch (whatever the training stream's state, which it leaves untouched)."""
    from aekit.training.module import AutoencoderModule

    model = DenseAutoencoder(AutoencoderConfig(input_dim=10, latent_dim=2, hidden=(), noise="masking",
                                               noise_level=0.5)).eval()
    module = AutoencoderModule(model)
    x = torch.rand(64, 10)

    def validation_loss() -> float:
        module.validation_step(x, 0)
        return module._epoch_mean("val")

    torch.manual_seed(0)
    first = validation_loss()
    torch.manual_seed(1)
    state = torch.get_rng_state()
    assert validation_loss() == first
    assert torch.equal(torch.get_rng_state(), state)
    assert abs(first - float(model.loss(x)["loss"])) > 1e-3  # corrupted inputs, not the clean ones


def test_glorot_init_sets_glorot_weights_and_zero_biases():
    config = AutoencoderConfig(input_dim=784, latent_dim=10, hidden=(500, 2000))
    glorot = DenseAutoencoder(dataclasses.replace(config, weight_init="glorot"))
    torch.manual_seed(0)
    default = DenseAutoencoder(config)
    layers = [m for m in glorot.modules() if isinstance(m, torch.nn.Linear)]
    assert len(layers) == 6  # 784-500-2000-10 and back
    for layer in layers:
        fan_out, fan_in = layer.weight.shape
        bound = (6 / (fan_in + fan_out)) ** 0.5
        assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.95 * bound
        assert layer.bias.abs().max() == 0
    # PyTorch's default is narrower than Glorot's on the code layer (2000 -> 10): 1/sqrt(2000) against sqrt(6/2010)
    widths = [float(m.weight.abs().max()) for m in default.modules() if isinstance(m, torch.nn.Linear)]
    assert widths[2] < 0.5 * float(layers[2].weight.abs().max())


def test_estimator_passes_weight_init_to_its_model(digits):
    X_train, *_ = digits
    ae = Autoencoder(**{**FAST, "max_epochs": 2, "weight_init": "glorot"}).fit(X_train[:200])
    assert ae.model_.config.weight_init == "glorot"
    assert Autoencoder(**{**FAST, "max_epochs": 1}).fit(X_train[:200]).model_.config.weight_init == "default"
