"""Named model settings used by the CLI (``--model``) and ``aekit compare``.

Each name maps to an estimator class and its parameters; the caller adds
the shared ones (latent size, epochs, seed), and ``make_estimator`` passes
on only those the estimator accepts. ``pca`` is the linear baseline, not an
autoencoder, and is handled by the comparison code.

A new family registers here with one ``Preset`` line per named setting. The
estimator is named as ``"module:Class"`` inside ``aekit.estimators`` and
imported only when a model is built, so listing the names stays cheap
(``aekit --help`` must not import torch).
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any


@dataclasses.dataclass(frozen=True)
class Preset:
    description: str
    estimator: str  # "module:Class" inside aekit.estimators
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


AE = "autoencoder:Autoencoder"
PRESETS: dict[str, Preset] = {
    "ae": Preset("plain autoencoder", AE),
    "tied": Preset("autoencoder with tied weights", AE, {"tied": True}),
    "dae": Preset("denoising autoencoder (30% masking noise)", AE, {"noise": "masking", "noise_level": 0.3}),
    "dae-gaussian": Preset("denoising autoencoder (Gaussian noise, sigma 0.2)", AE,
                           {"noise": "gaussian", "noise_level": 0.2}),
    "sparse": Preset("sparse autoencoder (KL, rho 0.1)", AE,
                     {"sparsity": "kl", "sparsity_weight": 0.01, "sparsity_target": 0.1}),
    "sparse-l1": Preset("sparse autoencoder (L1 on codes)", AE, {"sparsity": "l1", "sparsity_weight": 1e-3}),
    "contractive": Preset("contractive autoencoder", AE, {"contractive_weight": 1e-4}),
}
CONV, VAE = "conv:ConvAutoencoder", "vae:VAE"
PRESETS["conv"] = Preset("convolutional autoencoder (conv 32-64, stride 2)", CONV)
PRESETS["vae"] = Preset("variational autoencoder (dense; Bernoulli likelihood for data in [0, 1], else Gaussian)", VAE)
PRESETS["beta-vae"] = Preset("beta-VAE (dense, beta 4, KL warm-up 5 epochs)", VAE, {"beta": 4.0, "warmup_epochs": 5})
PRESETS["conv-vae"] = Preset("variational autoencoder (convolutional)", VAE, {"architecture": "conv"})
SEQ = "sequence:SequenceAutoencoder"
PRESETS["lstm-ae"] = Preset("sequence autoencoder, LSTM encoder and decoder (time series)", SEQ, {"encoder": "lstm"})
PRESETS["conv1d-ae"] = Preset("sequence autoencoder, 1-D convolutions (time series)", SEQ, {"encoder": "conv1d"})
PRESETS["seq-vae"] = Preset("sequence VAE, GRU encoder and decoder (time series)", "sequence:SequenceVAE", {"encoder": "gru"})
PRESETS["attention-ae"] = Preset("sequence autoencoder, self-attention (time series)", SEQ, {"encoder": "attention"})
STACKED, MSDA = "stacked:StackedAutoencoder", "msda:MarginalizedDenoisingAutoencoder"
PRESETS["stacked"] = Preset("stacked autoencoders: greedy layer-wise pretraining, then fine-tuning", STACKED)
PRESETS["sda"] = Preset("stacked denoising autoencoders (SdA, 25% masking per layer)", STACKED,
                        {"noise": "masking", "noise_level": 0.25})
PRESETS["msda"] = Preset("marginalized stacked denoising autoencoder (closed form, 3 layers, p=0.5)", MSDA)
PRESETS["cvae"] = Preset("conditional VAE (dense; class labels into encoder and decoder; needs labels)",
                         "cvae:ConditionalVAE")
AAE = "aae:AdversarialAutoencoder"
PRESETS["aae"] = Preset("adversarial autoencoder (dense; codes matched to N(0, I) by a discriminator)", AAE)
PRESETS["aae-mixture"] = Preset("adversarial autoencoder, mixture-of-Gaussians prior, one component per class "
                                "when labels are given", AAE, {"prior": "mixture"})
CODEC = "codec:ImageCodec"
PRESETS["codec"] = Preset("learned image codec, factorized prior (GDN; rate + lambda MSE; compress to bytes)", CODEC)
PRESETS["codec-hyperprior"] = Preset("learned image codec, scale hyperprior (Balle 2018)", CODEC,
                                     {"entropy_model": "hyperprior"})
PRESETS["codec-positional"] = Preset("learned image codec, a density per latent channel and position "
                                     "(images of one size)", CODEC, {"entropy_model": "positional"})
VAEGAN = "vaegan:VAEGAN"
PRESETS["vae-gan"] = Preset("VAE-GAN (dense; VAE + discriminator on the data, reconstruction in its features)", VAEGAN)
PRESETS["conv-vae-gan"] = Preset("VAE-GAN (convolutional encoder, decoder and discriminator)", VAEGAN,
                                 {"architecture": "conv"})
BASELINES = {"pca": "PCA with the same number of components"}


# Recommenders read ratings tables, not feature arrays: `aekit recommend train|compare` trains them.
RECOMMENDER_MODELS = ("autorec", "u-autorec", "multvae", "multdae", "ease")


def recommender_hint(name: str) -> str:
    """Where a recommender's name belongs, for the error of `aekit train` / `aekit compare`."""
    if name.strip().lower() not in RECOMMENDER_MODELS:
        return ""
    return f"; {name} is a recommender (it reads ratings): train it with `aekit recommend train --model {name}`"


def model_names() -> list[str]:
    """Every model name ``aekit train`` and ``aekit compare`` take: the baselines, then the presets.

    Returns
    -------
    list of str
        ``"pca"`` first, then the keys of ``PRESETS`` in their order.

    Examples
    --------
    >>> from aekit.estimators.presets import model_names
    >>> model_names()[:3]
    ['pca', 'ae', 'tied']
    """
    return [*BASELINES, *PRESETS]


def estimator_class(name: str) -> type:
    """The estimator class behind preset ``name`` (imported on demand)."""
    if name not in PRESETS:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(PRESETS)}{recommender_hint(name)}")
    module, cls = PRESETS[name].estimator.split(":")
    return getattr(importlib.import_module(f"aekit.estimators.{module}"), cls)


def make_estimator(name: str, **shared: Any):
    """Build the estimator for preset ``name`` with the shared parameters it accepts.

    Shared settings a family has no use for (``hidden`` for a convolutional
    model, say) are dropped; the preset's own parameters win over shared ones
    only where the caller did not set them.

    Parameters
    ----------
    name : str
        A preset name (``"ae"``, ``"dae"``, ``"conv"``, ``"vae"``, ``"lstm-ae"``, ...:
        :func:`model_names` without ``"pca"``).
    **shared : Any
        Parameters for the estimator (``latent_dim``, ``max_epochs``,
        ``random_state``, ...); those it does not have are ignored.

    Returns
    -------
    estimator
        An unfitted estimator.

    Raises
    ------
    ValueError
        An unknown name (a recommender's name says to use ``aekit recommend train``).

    Examples
    --------
    >>> from aekit.estimators.presets import make_estimator
    >>> dae = make_estimator("dae", latent_dim=8, channels=(16,))   # channels: not a dense parameter, dropped
    >>> type(dae).__name__, dae.noise, dae.latent_dim
    ('Autoencoder', 'masking', 8)
    """
    cls = estimator_class(name)
    accepted = set(cls._get_param_names())
    params = {**PRESETS[name].params, **{k: v for k, v in shared.items() if k in accepted}}
    return cls(**params)
