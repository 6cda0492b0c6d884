"""The sequence autoencoder family: LSTM / GRU / 1-D convolution /
self-attention encoders and matching decoders for multivariate series of
shape (B, T, C), of equal or varying length.

A batch is ``(x, lengths)``: ``x`` zero-padded to the longest series,
``lengths`` the number of real steps of each. Training minimises the mean
squared error over real steps only,

    mean_t,c (decode(encode(corrupt(x)))[t, c] - x[t, c])^2,

with optional denoising noise on the input (the target stays clean).

:class:`SequenceVAEModel` puts the same encoders and decoders around the
shared Gaussian-latent machinery of :mod:`aekit.models.latent`.
"""

from __future__ import annotations

import dataclasses

import torch

from aekit.data.noise import NOISE_KINDS, corrupt
from aekit.models.base import BaseAutoencoder, ModelConfig
from aekit.models.latent import LOG_2PI, LOGVAR_MAX, LOGVAR_MIN, VariationalAutoencoder, VariationalConfig
from aekit.nn import ACTIVATIONS
from aekit.nn.sequence import SEQUENCE_ENCODERS, SequenceDecoder, SequenceEncoder, length_mask


@dataclasses.dataclass
class SequenceAutoencoderConfig(ModelConfig):
    """Everything that defines a sequence autoencoder.

    ``hidden`` are the recurrent sizes / convolution channels per layer; for
    "attention", ``hidden[0]`` is the model width and ``len(hidden)`` the
    number of layers (``n_heads`` must divide the width).
    """

    n_channels: int
    latent_dim: int = 16
    encoder: str = "lstm"
    hidden: tuple[int, ...] = (64,)
    kernel_size: int = 5
    n_heads: int = 4
    activation: str = "relu"
    noise: str | None = None
    noise_level: float = 0.0

    @property
    def input_dim(self) -> int:
        """Values per time step (what the stored per-channel scaler expects)."""
        return self.n_channels

    def validate(self) -> None:
        if self.n_channels < 1 or self.latent_dim < 1 or not self.hidden or min(self.hidden) < 1:
            raise ValueError(f"sizes must be >= 1, got n_channels={self.n_channels}, hidden={self.hidden}, "
                             f"latent_dim={self.latent_dim}")
        if self.encoder not in SEQUENCE_ENCODERS:
            raise ValueError(f"encoder must be one of {SEQUENCE_ENCODERS}, got {self.encoder!r}")
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd and >= 1 (same-length convolutions), got {self.kernel_size}")
        if self.encoder == "attention" and (self.n_heads < 1 or self.hidden[0] % self.n_heads):
            raise ValueError(f"n_heads ({self.n_heads}) must divide the attention width hidden[0] ({self.hidden[0]})")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}")
        if self.noise is not None and self.noise not in NOISE_KINDS:
            raise ValueError(f"noise must be None or one of {NOISE_KINDS}, got {self.noise!r}")
        if not self.noise_level >= 0:
            raise ValueError(f"noise_level must be >= 0, got {self.noise_level}")


def step_squared_error(x_hat: torch.Tensor, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Squared error per time step, averaged over channels, zero on padding: (B, T)."""
    return (x_hat - x).pow(2).mean(dim=-1) * mask.to(x.dtype)


def per_series_mean(step_values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of (B, T) values over each series' real steps: (B,)."""
    return step_values.sum(dim=1) / mask.sum(dim=1).clamp(min=1).to(step_values.dtype)


class SequenceModel(BaseAutoencoder):
    """What sequence families share: masks, the encoder body, the decoder and
    per-step errors. Subclasses map the encoder features to a code."""

    def __init__(self, config: SequenceAutoencoderConfig):
        super().__init__(config)
        c = config
        self.encoder = SequenceEncoder(c.encoder, c.n_channels, c.hidden, c.kernel_size, c.n_heads, c.activation)
        self.decoder = SequenceDecoder(c.encoder, c.latent_dim, c.hidden, c.n_channels, c.kernel_size,
                                       c.n_heads, c.activation)

    @staticmethod
    def mask_of(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        if lengths is None:
            return torch.ones(x.shape[:2], dtype=torch.bool, device=x.device)
        return length_mask(lengths, x.shape[1])

    def features(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.encoder(x, self.mask_of(x, lengths))

    def decode(self, z: torch.Tensor, length: int = 1, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Series of ``length`` steps (or ``lengths`` per row, zero-padded) from codes."""
        if lengths is None:
            lengths = torch.full((len(z),), length, dtype=torch.long, device=z.device)
        return self.decoder(z, length_mask(lengths, int(lengths.max())))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.decoder(self.encode(x, lengths), self.mask_of(x, lengths))

    def corrupt_input(self, x: torch.Tensor) -> torch.Tensor:
        c = self.config
        return corrupt(x, c.noise, c.noise_level) if (self.training and c.noise) else x

    @torch.no_grad()
    def step_errors(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Squared reconstruction error per time step (mean over channels), (B, T); zero on padding."""
        return step_squared_error(self(x, lengths), x, self.mask_of(x, lengths))

    @torch.no_grad()
    def reconstruction_error(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Mean squared error over each series' real steps and channels, (B,)."""
        return per_series_mean(self.step_errors(x, lengths), self.mask_of(x, lengths))


class SequenceAutoencoderModel(SequenceModel):
    """A deterministic sequence autoencoder (see :class:`SequenceAutoencoderConfig`)."""

    family = "sequence"
    config_class = SequenceAutoencoderConfig

    def __init__(self, config: SequenceAutoencoderConfig):
        super().__init__(config)
        self.to_code = torch.nn.Linear(self.encoder.feature_dim, config.latent_dim)

    def encode(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.to_code(self.features(x, lengths))

    def loss(self, batch) -> dict[str, torch.Tensor]:
        x, lengths = batch
        mask = self.mask_of(x, lengths)
        x_hat = self.decoder(self.encode(self.corrupt_input(x), lengths), mask)
        recon = per_series_mean(step_squared_error(x_hat, x, mask), mask).mean()
        return {"reconstruction": recon, "loss": recon}


# -- the sequence VAE: the shared Gaussian-latent machinery around the same encoders ----------

@dataclasses.dataclass(kw_only=True)
class SequenceVAEConfig(VariationalConfig, SequenceAutoencoderConfig):
    """A :class:`SequenceAutoencoderConfig` plus the latent / objective settings
    of :class:`aekit.models.latent.VariationalConfig` (Gaussian likelihood on
    the scaled series, one learned or fixed std per channel)."""

    likelihood: str = "gaussian"

    def validate(self) -> None:
        SequenceAutoencoderConfig.validate(self)
        VariationalConfig.validate(self)
        if self.likelihood != "gaussian":
            raise ValueError(f"a sequence VAE models standardised series: likelihood must be 'gaussian', "
                             f"got {self.likelihood!r}")


class SequenceVAEModel(VariationalAutoencoder):
    """A VAE over series: q(z | x) from a sequence encoder, p(x | z) Gaussian per
    real step and channel from the matching decoder. A batch is ``(x, lengths)``."""

    family = "sequence-vae"
    config_class = SequenceVAEConfig

    def __init__(self, config: SequenceVAEConfig):
        c = config
        encoder = SequenceEncoder(c.encoder, c.n_channels, c.hidden, c.kernel_size, c.n_heads, c.activation)
        decoder = SequenceDecoder(c.encoder, c.latent_dim, c.hidden, c.n_channels, c.kernel_size, c.n_heads,
                                  c.activation)
        super().__init__(config, encoder, decoder, encoder_dim=encoder.feature_dim, n_outputs=c.n_channels)

    mask_of = staticmethod(SequenceModel.mask_of)

    def _mask(self, batch) -> torch.Tensor:
        x, lengths = batch
        return self.mask_of(x, lengths)

    def encoder_features(self, batch) -> torch.Tensor:
        x, lengths = batch
        return self.encoder(self.corrupt_input(x) if self.training else x, self._mask(batch))

    corrupt_input = SequenceModel.corrupt_input

    def decoder_params(self, z: torch.Tensor, batch=None) -> torch.Tensor:
        """Step means (B, T, C); ``batch`` is ``(x, lengths)`` or a number of steps."""
        if batch is None or isinstance(batch, int):
            steps = 1 if batch is None else batch
            return self.decoder(z, torch.ones(len(z), steps, dtype=torch.bool, device=z.device))
        return self.decoder(z, self._mask(batch))

    def log_px(self, params: torch.Tensor, batch) -> torch.Tensor:
        """Gaussian log-likelihood summed over real steps and channels, (B,)."""
        x, _ = batch
        log_var = (2 * self.likelihood.log_sigma).clamp(LOGVAR_MIN, LOGVAR_MAX)
        per_value = -0.5 * (LOG_2PI + log_var + (x - params).pow(2) / log_var.exp())
        return (per_value.sum(dim=-1) * self._mask(batch).to(x.dtype)).sum(dim=1)

    # the estimator's interface, shared with the deterministic model
    def encode(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Posterior means: deterministic codes."""
        return self.posterior_params((x, self._lengths(x, lengths)))[0]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        batch = (x, self._lengths(x, lengths))
        return self.decoder_params(self.encode(*batch), batch)

    def decode(self, z: torch.Tensor, length=1, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if isinstance(length, tuple):  # the base class passes a batch
            return self.decoder_params(z, length)
        if lengths is None:
            return self.decoder_params(z, int(length))
        return self.decoder(z, length_mask(lengths, int(lengths.max())))

    @staticmethod
    def _lengths(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        return torch.full((len(x),), x.shape[1], dtype=torch.long) if lengths is None else lengths

    step_errors = SequenceModel.step_errors
    reconstruction_error = SequenceModel.reconstruction_error

    @torch.no_grad()
    def negative_elbo(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """-ELBO per series (nats, one posterior draw per call of a seeded generator)."""
        generator = torch.Generator().manual_seed(0)
        return -self.elbo((x, self._lengths(x, lengths)), generator=generator)
