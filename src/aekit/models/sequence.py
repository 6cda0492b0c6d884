"""The sequence autoencoder family: LSTM / GRU / 1-D convolution /
self-attention encoders and matching decoders for multivariate series of
shape (B, T, C), of equal or varying length.

A batch is ``(x, lengths)``: ``x`` zero-padded to the longest series,
``lengths`` the number of real steps of each. Training minimises the mean
squared error over real steps only,

    mean_t,c (decode(encode(corrupt(x)))[t, c] - x[t, c])^2,

with optional denoising noise on the input (the target stays clean).
"""

from __future__ import annotations

import dataclasses

import torch

from aekit.data.noise import NOISE_KINDS, corrupt
from aekit.models.base import BaseAutoencoder, ModelConfig
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
