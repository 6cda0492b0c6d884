"""Gaussian latent variables: the machinery every VAE-like family shares.

What is here (written once, used by the dense and conv VAE, and meant for the
conditional, sequence and adversarial variants):

- :class:`GaussianPosterior`: a linear head from encoder features to the
  posterior mean and log-variance, the log-variance clamped to
  ``[LOGVAR_MIN, LOGVAR_MAX]`` so training cannot reach exp overflow / NaN.
- :func:`reparameterize`, :func:`gaussian_kl` (KL(q || N(0, I)) per latent
  unit), :func:`kl_penalty` (free bits), :func:`warmup_weight` (KL warm-up).
- Likelihoods p(x | z): :class:`BernoulliLikelihood` (decoder outputs
  logits) and :class:`GaussianLikelihood` (decoder outputs means; fixed or
  learned per-feature variance), each with ``log_prob(params, x)`` summed
  per sample and ``mean(params)``.
- :class:`VariationalConfig`: the latent / objective settings (keyword-only
  fields, so a family's config can subclass it and add required fields).
- :class:`VariationalAutoencoder`: the family base, with ``loss`` (the
  beta-weighted negative ELBO with warm-up and free bits), ``elbo`` and
  ``reconstruction_log_prob`` (An & Cho 2015) per sample, ``importance_log_likelihood`` (Burda et al. 2016, batched so
  k = 1000 fits in memory), ``sample`` and ``interpolate``.

Building a new VAE variant
--------------------------
1. Config: ``@dataclass(kw_only=True) class MyConfig(VariationalConfig)``
   adding the architecture fields (and ``input_dim`` or the like).
2. Model: subclass :class:`VariationalAutoencoder`, set ``family`` and
   ``config_class``, build an encoder (batch -> features of size F) and a
   decoder (z -> likelihood parameters), then hand them over::

       class MyVAE(VariationalAutoencoder):
           family = "my-vae"
           config_class = MyConfig

           def __init__(self, config):
               encoder = MLPEncoder(config.input_dim, (256,), 256, "relu", "relu")
               decoder = MLPDecoder(config.latent_dim, (256,), config.input_dim)
               super().__init__(config, encoder, decoder, encoder_dim=256,
                                n_outputs=config.input_dim)

3. Anything that is not "one tensor x in, x out" overrides the hooks, not
   the objective: ``data_of(batch)`` (the observed x, default: the batch or
   its first tensor), ``encoder_features(batch)`` (default ``encoder(x)``),
   ``decoder_params(z, batch)`` (default ``decoder(z)``) and
   ``log_px(params, batch)`` (default: the likelihood on ``data_of``).
   A conditional VAE concatenates the label in the two encoder/decoder hooks;
   a sequence VAE masks padded steps in ``log_px``. ``loss``, ``elbo``,
   ``importance_log_likelihood``, ``sample`` and ``interpolate`` then work
   unchanged (the importance sampler repeats every tensor of the batch k
   times, so conditions and lengths follow their rows).
4. Register the class in ``aekit.models.MODEL_FAMILIES``; an estimator can
   subclass ``aekit.estimators.vae.VAE`` or reuse its methods.

Warm-up needs the epoch: the training module calls ``model.set_epoch(e)``
at the start of each training epoch. In eval mode (validation) the loss uses
the full ``beta`` and no free bits, so ``val_loss`` is comparable across
epochs and early stopping is not fooled by the warm-up ramp.
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import nn
from torch.nn import functional as F

from aekit.models.base import BaseAutoencoder, ModelConfig
from aekit._docs import fill_doc

LOGVAR_MIN, LOGVAR_MAX = -10.0, 10.0
LOG_2PI = math.log(2 * math.pi)
LIKELIHOODS = ("bernoulli", "gaussian")
GAUSSIAN_VARIANCES = ("fixed", "learned")
# Decoded samples held in memory at once by the importance sampler
# (rows x samples); 16k x 784 floats is about 50 MB.
IS_SAMPLES_PER_CHUNK = 16_384


# -- the posterior and the prior ------------------------------------------------------

class GaussianPosterior(nn.Module):
    """``features -> (mean, log_var)`` of a diagonal Gaussian q(z | x)."""

    def __init__(self, in_features: int, latent_dim: int):
        super().__init__()
        self.mean = nn.Linear(in_features, latent_dim)
        self.log_var = nn.Linear(in_features, latent_dim)

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.mean(h), self.log_var(h).clamp(LOGVAR_MIN, LOGVAR_MAX)


def reparameterize(mean: torch.Tensor, log_var: torch.Tensor,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """z = mean + sigma * eps with eps ~ N(0, I): differentiable in mean and log_var."""
    eps = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
    return mean + torch.exp(0.5 * log_var) * eps


def gaussian_kl(mean: torch.Tensor, log_var: torch.Tensor, prior_mean: torch.Tensor | None = None,
                prior_log_var: torch.Tensor | None = None) -> torch.Tensor:
    """KL(N(mean, exp(log_var)) || prior) per sample and latent unit, shape (n, d): the prior
    N(0, 1), or the diagonal Gaussian N(prior_mean, exp(prior_log_var)) (a learned prior, as the
    VAEAC's p(z | x_o, b))."""
    if prior_mean is None:
        return 0.5 * (mean.pow(2) + log_var.exp() - 1.0 - log_var)
    return 0.5 * (prior_log_var - log_var + (log_var.exp() + (mean - prior_mean).pow(2)) / prior_log_var.exp() - 1.0)


def diagonal_gaussian_log_prob(z: torch.Tensor, mean: torch.Tensor | float = 0.0,
                               log_var: torch.Tensor | float = 0.0) -> torch.Tensor:
    """log N(z; mean, exp(log_var)) summed over the last axis."""
    log_var = torch.as_tensor(log_var, dtype=z.dtype)
    return -0.5 * (LOG_2PI + log_var + (z - mean).pow(2) / log_var.exp()).sum(-1)


def kl_penalty(kl: torch.Tensor, free_bits: float) -> torch.Tensor:
    """The KL term to minimise, per sample, shape (n,).

    With ``free_bits = lambda > 0`` (Kingma et al. 2016) each latent unit's
    KL, averaged over the batch, counts as at least lambda nats: units below
    that pay a constant and get no gradient pushing them to the prior, so
    they are not switched off early (posterior collapse). The per-sample value
    returned spreads that batch-level penalty evenly over the rows.
    """
    if free_bits <= 0:
        return kl.sum(dim=1)
    per_unit = kl.mean(dim=0).clamp(min=free_bits)
    return per_unit.sum().expand(kl.shape[0])


def warmup_weight(epoch: int, warmup_epochs: int) -> float:
    """Weight of the KL term at ``epoch`` (0-based): rises linearly 1/W, 2/W, ..., 1 over W epochs."""
    if warmup_epochs <= 0:
        return 1.0
    return min(1.0, (epoch + 1) / warmup_epochs)


# -- likelihoods p(x | z) ---------------------------------------------------------------

def _sum_per_sample(values: torch.Tensor) -> torch.Tensor:
    return values.reshape(values.shape[0], -1).sum(dim=1)


class BernoulliLikelihood(nn.Module):
    """Pixels in [0, 1] as Bernoulli probabilities; the decoder outputs logits."""

    def log_prob(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return -_sum_per_sample(F.binary_cross_entropy_with_logits(logits, x, reduction="none"))

    def mean(self, logits: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(logits)


class GaussianLikelihood(nn.Module):
    """x ~ N(decoder output, sigma^2) per feature.

    ``learned=False`` keeps sigma fixed at ``sigma``; ``learned=True`` learns
    one log-sigma per feature (starting at ``log(sigma)``), clamped like the
    posterior's log-variance.
    """

    def __init__(self, n_features: int, sigma: float = 1.0, learned: bool = False):
        super().__init__()
        log_sigma = torch.full((n_features,), math.log(sigma))
        if learned:
            self.log_sigma = nn.Parameter(log_sigma)
        else:
            self.register_buffer("log_sigma", log_sigma)

    def log_prob(self, mean: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        log_var = (2 * self.log_sigma).clamp(LOGVAR_MIN, LOGVAR_MAX)
        return _sum_per_sample(-0.5 * (LOG_2PI + log_var + (x - mean).pow(2) / log_var.exp()))

    def mean(self, mean: torch.Tensor) -> torch.Tensor:
        return mean


def make_likelihood(kind: str, n_features: int, sigma: float = 1.0, learned: bool = False) -> nn.Module:
    if kind == "bernoulli":
        return BernoulliLikelihood()
    if kind == "gaussian":
        return GaussianLikelihood(n_features, sigma, learned)
    raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {kind!r}")


# -- config and the family base -----------------------------------------------------------

@dataclasses.dataclass(kw_only=True)
class VariationalConfig(ModelConfig):
    """The latent variable and the objective.

    ``beta`` weighs the KL term (1: the VAE's ELBO; > 1: beta-VAE);
    ``warmup_epochs`` ramps that weight up linearly from 1/W to 1 over the
    first W epochs; ``free_bits`` is the minimum KL per latent unit (nats)
    charged in training. ``likelihood`` is "bernoulli" (data in [0, 1]) or
    "gaussian" with ``gaussian_variance`` "fixed" (std ``sigma``) or
    "learned" (one per feature, starting at ``sigma``).

    Attributes
    ----------
    latent_dim : int
        Size of z.
    likelihood : {"bernoulli", "gaussian"}
        p(x | z).
    gaussian_variance : {"fixed", "learned"}
        For the Gaussian likelihood.
    sigma : float
        The Gaussian's std (> 0).
    beta : float
        Weight of the KL term (>= 0).
    warmup_epochs : int
        Epochs of the linear KL warm-up.
    free_bits : float
        Minimum KL per unit charged in training (nats).

    Examples
    --------
    >>> from aekit.models import VAEConfig
    >>> VAEConfig(input_dim=4, beta=4.0).beta
    4.0
    >>> VAEConfig(input_dim=4, sigma=0.0).validate()
    Traceback (most recent call last):
    ValueError: sigma (the Gaussian likelihood's std) must be > 0, got 0.0
    """

    latent_dim: int = 16
    likelihood: str = "bernoulli"
    gaussian_variance: str = "fixed"
    sigma: float = 1.0
    beta: float = 1.0
    warmup_epochs: int = 0
    free_bits: float = 0.0

    def validate(self) -> None:
        if self.latent_dim < 1:
            raise ValueError(f"latent_dim must be >= 1, got {self.latent_dim}")
        if self.likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {self.likelihood!r}")
        if self.gaussian_variance not in GAUSSIAN_VARIANCES:
            raise ValueError(f"gaussian_variance must be one of {GAUSSIAN_VARIANCES}, "
                             f"got {self.gaussian_variance!r}")
        if not self.sigma > 0:
            raise ValueError(f"sigma (the Gaussian likelihood's std) must be > 0, got {self.sigma}")
        for name in ("beta", "free_bits"):
            if not getattr(self, name) >= 0:  # also refuses NaN
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.warmup_epochs < 0:
            raise ValueError(f"warmup_epochs must be >= 0, got {self.warmup_epochs}")


def repeat_rows(batch, k: int):
    """Each row of ``batch`` (a tensor or a tuple of aligned tensors) k times, sample-major:
    rows ``[x0, x1, ..., x0, x1, ...]`` so that a (k, n, ...) view splits the copies."""
    if isinstance(batch, (tuple, list)):
        return type(batch)(repeat_rows(t, k) for t in batch)
    return batch.repeat(k, *([1] * (batch.dim() - 1)))


@fill_doc
class VariationalAutoencoder(BaseAutoencoder):
    """Base of every VAE family: a Gaussian posterior, a standard normal prior
    and a likelihood, around any encoder and decoder (see the module docstring).

    Parameters
    ----------
    config : VariationalConfig
        The family's config, validated on construction.
    encoder : torch.nn.Module
        Data (or what :meth:`encoder_features` gives it) -> features of width ``encoder_dim``.
    decoder : torch.nn.Module
        z -> the likelihood's parameters (``n_outputs`` wide).
    encoder_dim, n_outputs : int
        Widths of the encoder's features and of the decoder's output.

    Attributes
    ----------
    encoder, decoder : torch.nn.Module
        As given.
    posterior : GaussianPosterior
        Features -> (mean, log variance) of q(z | x).
    likelihood : torch.nn.Module
        p(x | z).
    epoch : int
        The epoch training is in (for the KL warm-up).

    Examples
    --------
    %(vae_model)s
    >>> isinstance(vae, VariationalAutoencoder), vae.encode(x).shape, vae(x).shape
    (True, torch.Size([5, 2]), torch.Size([5, 4]))
    """

    config_class = VariationalConfig

    def __init__(self, config: VariationalConfig, encoder: nn.Module, decoder: nn.Module,
                 encoder_dim: int, n_outputs: int):
        super().__init__(config)
        self.encoder = encoder
        self.decoder = decoder
        self.posterior = GaussianPosterior(encoder_dim, config.latent_dim)
        self.likelihood = make_likelihood(config.likelihood, n_outputs, config.sigma,
                                          config.gaussian_variance == "learned")
        self.epoch = 0

    # -- hooks a variant may override ----------------------------------------------------
    def data_of(self, batch) -> torch.Tensor:
        """The rows of a batch (its first tensor when it holds conditions too).

        Parameters
        ----------
        %(vae_batch)s

        Returns
        -------
        torch.Tensor

        Examples
        --------
        %(vae_model)s
        >>> vae.data_of((x, torch.zeros(5))) is x
        True
        """
        return batch[0] if isinstance(batch, (tuple, list)) else batch

    def encoder_features(self, batch) -> torch.Tensor:
        """What the posterior reads: the encoder's features of the batch.

        Parameters
        ----------
        %(vae_batch)s

        Returns
        -------
        torch.Tensor of shape (n, encoder_dim)

        Examples
        --------
        %(vae_model)s
        >>> vae.encoder_features(x).shape
        torch.Size([5, 8])
        """
        return self.encoder(self.data_of(batch))

    def decoder_params(self, z: torch.Tensor, batch=None) -> torch.Tensor:
        """The likelihood's parameters for codes ``z`` (logits for Bernoulli, means for Gaussian).

        Parameters
        ----------
        %(z_batch)s
        batch : optional
            The batch the codes came from (a conditional variant reads its conditions).

        Returns
        -------
        torch.Tensor of shape (batch, n_outputs)

        Examples
        --------
        %(vae_model)s
        >>> torch.allclose(vae.decode(torch.zeros(1, 2)), torch.sigmoid(vae.decoder_params(torch.zeros(1, 2))))
        True
        """
        return self.decoder(z)

    def log_px(self, params: torch.Tensor, batch) -> torch.Tensor:
        """log p(x | z) per sample, shape (n,).

        Parameters
        ----------
        params : torch.Tensor of shape (n, n_outputs)
            What :meth:`decoder_params` gave.
        %(vae_batch)s

        Returns
        -------
        torch.Tensor of shape (n,)
            In nats.

        Examples
        --------
        %(vae_model)s
        >>> certain = torch.where(x > 0.5, 20.0, -20.0)   # logits sure of the rounded pixels
        >>> bool((vae.log_px(certain, x.round()) > -1e-6).all())
        True
        """
        return self.likelihood.log_prob(params, self.data_of(batch))

    # -- the model ---------------------------------------------------------------------------
    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def posterior_params(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z | x): its mean and log variance.

        Parameters
        ----------
        %(vae_batch)s

        Returns
        -------
        mean, log_var : torch.Tensor of shape (n, latent_dim)

        Examples
        --------
        %(vae_model)s
        >>> mean, log_var = vae.posterior_params(x)
        >>> torch.equal(mean, vae.encode(x)), log_var.shape
        (True, torch.Size([5, 2]))
        """
        return self.posterior(self.encoder_features(batch))

    def encode(self, x) -> torch.Tensor:
        """The posterior mean: deterministic codes.

        Parameters
        ----------
        x : torch.Tensor or tuple of tensors
            Rows (a conditional variant: rows and conditions).

        Returns
        -------
        torch.Tensor of shape (n, latent_dim)

        Examples
        --------
        %(vae_model)s
        >>> torch.equal(vae.encode(x), vae.encode(x))   # no sampling
        True
        """
        return self.posterior_params(x)[0]

    def decode(self, z: torch.Tensor, batch=None) -> torch.Tensor:
        """The likelihood's mean given z (probabilities for Bernoulli).

        Parameters
        ----------
        %(z_batch)s
        batch : optional
            Conditions for a conditional variant.

        Returns
        -------
        torch.Tensor of shape (batch, n_outputs)

        Examples
        --------
        %(vae_model)s
        >>> probabilities = vae.decode(torch.randn(3, 2))
        >>> bool(((probabilities > 0) & (probabilities < 1)).all())
        True
        """
        return self.likelihood.mean(self.decoder_params(z, batch))

    def forward(self, x) -> torch.Tensor:
        return self.decode(self.encode(x), x)

    def kl_weight(self) -> float:
        """beta, ramped up over the warm-up epochs while training.

        Returns
        -------
        float
            ``beta * min(1, (epoch + 1) / warmup_epochs)`` in training, ``beta`` in eval mode.

        Examples
        --------
        >>> from aekit.models import VAEConfig, VAEModel
        >>> vae = VAEModel(VAEConfig(input_dim=4, latent_dim=2, beta=2.0, warmup_epochs=4))
        >>> vae.set_epoch(0); vae.kl_weight(), vae.eval().kl_weight()
        (0.5, 2.0)
        """
        ramp = warmup_weight(self.epoch, self.config.warmup_epochs) if self.training else 1.0
        return self.config.beta * ramp

    def loss(self, batch) -> dict[str, torch.Tensor]:
        """Negative ELBO with beta, warm-up and (in training) free bits; batch means.

        Parameters
        ----------
        %(vae_batch)s

        Returns
        -------
        dict of str to torch.Tensor
            ``"loss"``, ``"reconstruction"`` (-log p(x | z)) and ``"kl"`` (nats).

        Examples
        --------
        %(vae_model)s
        >>> terms = vae.eval().loss(x)
        >>> sorted(terms), bool(terms["kl"] >= 0)
        (['kl', 'loss', 'reconstruction'], True)
        """
        mean, log_var = self.posterior_params(batch)
        z = reparameterize(mean, log_var)
        reconstruction = -self.log_px(self.decoder_params(z, batch), batch)
        kl = gaussian_kl(mean, log_var)
        free_bits = self.config.free_bits if self.training else 0.0
        penalty = kl_penalty(kl, free_bits)
        return {"loss": (reconstruction + self.kl_weight() * penalty).mean(),
                "reconstruction": reconstruction.mean(), "kl": kl.sum(dim=1).mean()}

    @torch.no_grad()
    def elbo(self, batch, n_samples: int = 1, generator: torch.Generator | None = None) -> torch.Tensor:
        """The ELBO per sample (nats), shape (n,): E_q[log p(x|z)] (``n_samples``
        Monte-Carlo draws) minus the analytic KL. No beta, no free bits.

        Parameters
        ----------
        %(vae_batch)s
        n_samples : int, default=1
            Draws z ~ q(z | x).
        %(draws_generator)s

        Returns
        -------
        torch.Tensor of shape (n,)

        Examples
        --------
        %(vae_model)s
        >>> elbo = vae.elbo(x, n_samples=10)
        >>> bool((elbo <= vae.reconstruction_log_prob(x, n_samples=10) + 1).all())   # minus a KL >= 0
        True
        """
        mean, log_var = self.posterior_params(batch)
        return self._expected_log_px(mean, log_var, batch, n_samples, generator) - gaussian_kl(mean, log_var).sum(dim=1)

    @torch.no_grad()
    def reconstruction_log_prob(self, batch, n_samples: int = 1,
                                generator: torch.Generator | None = None) -> torch.Tensor:
        """E_q[log p(x | z)] per sample (nats), shape (n,), from ``n_samples`` draws
        z ~ q(z | x): minus An & Cho's (2015) anomaly score, the "reconstruction
        probability" (the ELBO without its KL term).

        Parameters
        ----------
        %(vae_batch)s
        n_samples : int, default=1
            Draws z ~ q(z | x).
        %(draws_generator)s

        Returns
        -------
        torch.Tensor of shape (n,)

        Examples
        --------
        %(vae_model)s
        >>> one = vae.reconstruction_log_prob(x, 5, torch.Generator().manual_seed(0))
        >>> torch.equal(one, vae.reconstruction_log_prob(x, 5, torch.Generator().manual_seed(0)))
        True
        """
        mean, log_var = self.posterior_params(batch)
        return self._expected_log_px(mean, log_var, batch, n_samples, generator)

    def _expected_log_px(self, mean, log_var, batch, n_samples, generator) -> torch.Tensor:
        return torch.stack([self.log_px(self.decoder_params(reparameterize(mean, log_var, generator), batch),
                                        batch) for _ in range(n_samples)]).mean(dim=0)

    @torch.no_grad()
    def importance_log_likelihood(self, batch, n_samples: int = 1000,
                                  generator: torch.Generator | None = None,
                                  chunk: int = IS_SAMPLES_PER_CHUNK) -> torch.Tensor:
        """log p(x) per sample by importance sampling with q(z|x) as proposal
        (Burda et al. 2016): log mean_k p(x, z_k) / q(z_k | x), z_k ~ q(z | x).

        Samples are drawn ``max(1, chunk // n)`` at a time and combined with a
        running logsumexp, so memory does not grow with ``n_samples``.

        Parameters
        ----------
        %(vae_batch)s
        n_samples : int, default=1000
            Importance samples per row.
        %(draws_generator)s
        chunk : int
            Rows times draws evaluated at once.

        Returns
        -------
        torch.Tensor of shape (n,)
            In nats; at least the ELBO in expectation.

        Examples
        --------
        %(vae_model)s
        >>> log_px = vae.importance_log_likelihood(x, n_samples=200)
        >>> bool((log_px >= vae.elbo(x, n_samples=200) - 0.05).all())   # a tighter bound than the ELBO
        True
        """
        mean, log_var = self.posterior_params(batch)
        n = mean.shape[0]
        per_draw = max(1, chunk // n)
        total = torch.full((n,), -math.inf, dtype=mean.dtype)
        done = 0
        while done < n_samples:
            k = min(per_draw, n_samples - done)
            z = reparameterize(mean.repeat(k, 1), log_var.repeat(k, 1), generator)  # (k*n, d)
            log_w = (self.log_px(self.decoder_params(z, repeat_rows(batch, k)), repeat_rows(batch, k))
                     + diagonal_gaussian_log_prob(z)
                     - diagonal_gaussian_log_prob(z, mean.repeat(k, 1), log_var.repeat(k, 1)))
            total = torch.logaddexp(total, torch.logsumexp(log_w.view(k, n), dim=0))
            done += k
        return total - math.log(n_samples)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, condition=None) -> torch.Tensor:
        """Means of p(x | z) for n draws z ~ N(0, I) (``condition``: the batch a
        conditional variant decodes with).

        Parameters
        ----------
        n : int
            How many samples.
        %(draws_generator)s
        condition : optional
            Conditions of a conditional variant, one per sample.

        Returns
        -------
        torch.Tensor of shape (n, n_outputs)

        Examples
        --------
        %(vae_model)s
        >>> vae.sample(3).shape, torch.equal(vae.sample(3, torch.Generator().manual_seed(1)),
        ...                                  vae.sample(3, torch.Generator().manual_seed(1)))
        (torch.Size([3, 4]), True)
        """
        z = torch.randn((n, self.config.latent_dim), generator=generator)
        return self.decode(z, condition)

    @torch.no_grad()
    def interpolate(self, x1, x2, steps: int) -> torch.Tensor:
        """Decode ``steps`` codes on the straight line between the posterior means of x1 and x2
        (a conditional variant decodes them all with x1's condition).

        Parameters
        ----------
        x1, x2 : torch.Tensor of shape (1, input_dim), or tuples
            The two ends (one row each).
        steps : int
            Points on the line, ends included.

        Returns
        -------
        torch.Tensor of shape (steps, n_outputs)

        Examples
        --------
        %(vae_model)s
        >>> path = vae.interpolate(x[:1], x[1:2], steps=5)
        >>> path.shape, torch.allclose(path[0], vae(x[:1])[0]), torch.allclose(path[-1], vae(x[1:2])[0])
        (torch.Size([5, 4]), True, True)
        """
        z1, z2 = self.encode(x1), self.encode(x2)  # (1, d) each
        t = torch.linspace(0.0, 1.0, steps, dtype=z1.dtype).unsqueeze(1)
        return self.decode((1 - t) * z1 + t * z2, repeat_rows(x1, steps))  # a condition follows x1
