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
from aekit._docs import fill_doc


@dataclasses.dataclass
class SequenceAutoencoderConfig(ModelConfig):
    """Everything that defines a sequence autoencoder.

    ``hidden`` are the recurrent sizes / convolution channels per layer; for
    "attention", ``hidden[0]`` is the model width and ``len(hidden)`` the
    number of layers (``n_heads`` must divide the width).

    Attributes
    ----------
    n_channels, latent_dim : int
        Values per time step, size of the code.
    encoder : str
        One of "lstm", "gru", "conv1d", "attention" (``aekit.nn.sequence.SEQUENCE_ENCODERS``).
    hidden : tuple of int
        Layer sizes (see above).
    kernel_size : int
        Odd width of the convolutions ("conv1d").
    n_heads : int
        Attention heads ("attention").
    activation : str
        Hidden activation.
    noise, noise_level : str or None, float
        Corruption of the inputs in training (a denoising sequence autoencoder).

    Examples
    --------
    >>> SequenceAutoencoderConfig(n_channels=3).input_dim
    3
    >>> SequenceAutoencoderConfig(n_channels=3, encoder="conv1d", kernel_size=4).validate()
    Traceback (most recent call last):
    ValueError: kernel_size must be odd and >= 1 (same-length convolutions), got 4
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


@fill_doc
class SequenceModel(BaseAutoencoder):
    """What sequence families share: masks, the encoder body, the decoder and
    per-step errors. Subclasses map the encoder features to a code.

    Parameters
    ----------
    config : SequenceAutoencoderConfig
        The settings, validated on construction.

    Attributes
    ----------
    encoder : SequenceEncoder
        Series -> one feature vector per series.
    decoder : SequenceDecoder
        Code -> series of the given lengths.

    Examples
    --------
    %(seq_model)s
    >>> isinstance(model, SequenceModel), model(x, lengths).shape
    (True, torch.Size([4, 10, 2]))
    """

    def __init__(self, config: SequenceAutoencoderConfig):
        super().__init__(config)
        c = config
        self.encoder = SequenceEncoder(c.encoder, c.n_channels, c.hidden, c.kernel_size, c.n_heads, c.activation)
        self.decoder = SequenceDecoder(c.encoder, c.latent_dim, c.hidden, c.n_channels, c.kernel_size,
                                       c.n_heads, c.activation)

    @staticmethod
    def mask_of(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """Which steps of ``x`` are real: a (B, T) bool mask.

        Parameters
        ----------
        %(series_batch)s

        Returns
        -------
        torch.Tensor of shape (B, T), bool

        Examples
        --------
        >>> import torch
        >>> SequenceModel.mask_of(torch.zeros(2, 4, 1), torch.tensor([4, 2])).int().tolist()
        [[1, 1, 1, 1], [1, 1, 0, 0]]
        """
        if lengths is None:
            return torch.ones(x.shape[:2], dtype=torch.bool, device=x.device)
        return length_mask(lengths, x.shape[1])

    def features(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """The encoder's features of each series (padding ignored).

        Parameters
        ----------
        %(series_batch)s

        Returns
        -------
        torch.Tensor of shape (B, feature_dim)

        Examples
        --------
        %(seq_model)s
        >>> padded = torch.cat([x[1:2, :7], torch.full((1, 3, 2), 99.0)], dim=1)   # junk after the end
        >>> torch.allclose(model.features(padded, lengths[1:2]), model.features(x[1:2, :7]), atol=1e-5)
        True
        """
        return self.encoder(x, self.mask_of(x, lengths))

    def decode(self, z: torch.Tensor, length: int = 1, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Series of ``length`` steps (or ``lengths`` per row, zero-padded) from codes.

        Parameters
        ----------
        z : torch.Tensor of shape (B, latent_dim)
            Codes.
        length : int, default=1
            Steps of every series (without ``lengths``).
        lengths : torch.Tensor of shape (B,), optional
            Steps of each series.

        Returns
        -------
        torch.Tensor of shape (B, T, C)

        Examples
        --------
        %(seq_model)s
        >>> model.decode(torch.zeros(2, 3), length=6).shape, model.decode(torch.zeros(2, 3), lengths=lengths[:2]).shape
        (torch.Size([2, 6, 2]), torch.Size([2, 10, 2]))
        """
        if lengths is None:
            lengths = torch.full((len(z),), length, dtype=torch.long, device=z.device)
        return self.decoder(z, length_mask(lengths, int(lengths.max())))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """The reconstruction of each series.

        Parameters
        ----------
        %(series_batch)s

        Returns
        -------
        torch.Tensor of shape (B, T, C)

        Examples
        --------
        %(seq_model)s
        >>> model(x, lengths).shape
        torch.Size([4, 10, 2])
        """
        return self.decoder(self.encode(x, lengths), self.mask_of(x, lengths))

    def corrupt_input(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` corrupted by the config's noise in training mode; ``x`` itself otherwise.

        Parameters
        ----------
        x : torch.Tensor of shape (B, T, C)
            Series.

        Returns
        -------
        torch.Tensor of shape (B, T, C)

        Examples
        --------
        >>> import torch
        >>> config = SequenceAutoencoderConfig(n_channels=1, encoder="gru", hidden=(4,), noise="masking", noise_level=1.0)
        >>> model = SequenceAutoencoderModel(config)
        >>> x = torch.ones(1, 5, 1)
        >>> float(model.train().corrupt_input(x).sum()), torch.equal(model.eval().corrupt_input(x), x)
        (0.0, True)
        """
        c = self.config
        return corrupt(x, c.noise, c.noise_level) if (self.training and c.noise) else x

    @torch.no_grad()
    def step_errors(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Squared reconstruction error per time step (mean over channels), (B, T); zero on padding.

        Parameters
        ----------
        %(series_batch)s

        Returns
        -------
        torch.Tensor of shape (B, T)

        Examples
        --------
        %(seq_model)s
        >>> errors = model.step_errors(x, lengths)
        >>> errors.shape, float(errors[3, 3:].abs().sum())   # zero after the 3 real steps
        (torch.Size([4, 10]), 0.0)
        """
        return step_squared_error(self(x, lengths), x, self.mask_of(x, lengths))

    @torch.no_grad()
    def reconstruction_error(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Mean squared error over each series' real steps and channels, (B,).

        Parameters
        ----------
        %(series_batch)s

        Returns
        -------
        torch.Tensor of shape (B,)

        Examples
        --------
        %(seq_model)s
        >>> torch.allclose(model.reconstruction_error(x, lengths)[3], model.step_errors(x, lengths)[3, :3].mean())
        True
        """
        return per_series_mean(self.step_errors(x, lengths), self.mask_of(x, lengths))


@fill_doc
class SequenceAutoencoderModel(SequenceModel):
    """A deterministic sequence autoencoder (see :class:`SequenceAutoencoderConfig`).

    A training batch is ``(x, lengths)``.

    Parameters
    ----------
    config : SequenceAutoencoderConfig
        Its settings, validated on construction.

    Attributes
    ----------
    encoder, decoder : torch.nn.Module
        As in :class:`SequenceModel`.
    to_code : torch.nn.Linear
        The encoder's features -> the code.

    Examples
    --------
    %(seq_model)s
    >>> model.encode(x, lengths).shape, sorted(model.loss((x, lengths)))
    (torch.Size([4, 3]), ['loss', 'reconstruction'])
    """

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
    the scaled series, one learned or fixed std per channel).

    Attributes
    ----------
    likelihood : str
        Must stay "gaussian".

    Examples
    --------
    >>> SequenceVAEConfig(n_channels=2, beta=0.5).beta
    0.5
    >>> SequenceVAEConfig(n_channels=2, likelihood="bernoulli").validate()
    Traceback (most recent call last):
    ValueError: a sequence VAE models standardised series: likelihood must be 'gaussian', got 'bernoulli'
    """

    likelihood: str = "gaussian"

    def validate(self) -> None:
        SequenceAutoencoderConfig.validate(self)
        VariationalConfig.validate(self)
        if self.likelihood != "gaussian":
            raise ValueError(f"a sequence VAE models standardised series: likelihood must be 'gaussian', "
                             f"got {self.likelihood!r}")


@fill_doc
class SequenceVAEModel(VariationalAutoencoder):
    """A VAE over series: q(z | x) from a sequence encoder, p(x | z) Gaussian per
    real step and channel from the matching decoder. A batch is ``(x, lengths)``.

    Parameters
    ----------
    config : SequenceVAEConfig
        Its settings, validated on construction.

    Attributes
    ----------
    encoder, decoder, posterior, likelihood : torch.nn.Module
        As in :class:`aekit.models.latent.VariationalAutoencoder`.

    Examples
    --------
    %(seq_vae_model)s
    >>> vae.encode(x, lengths).shape, vae(x, lengths).shape
    (torch.Size([4, 3]), torch.Size([4, 10, 2]))
    """

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
        """Step means (B, T, C); ``batch`` is ``(x, lengths)`` or a number of steps.

        Parameters
        ----------
        z : torch.Tensor of shape (B, latent_dim)
            Codes.
        batch : tuple (x, lengths), int or None
            The series' layout, or a number of steps (None: 1).

        Returns
        -------
        torch.Tensor of shape (B, T, C)

        Examples
        --------
        %(seq_vae_model)s
        >>> vae.decoder_params(torch.zeros(2, 3), 6).shape
        torch.Size([2, 6, 2])
        """
        if batch is None or isinstance(batch, int):
            steps = 1 if batch is None else batch
            return self.decoder(z, torch.ones(len(z), steps, dtype=torch.bool, device=z.device))
        return self.decoder(z, self._mask(batch))

    def log_px(self, params: torch.Tensor, batch) -> torch.Tensor:
        """Gaussian log-likelihood summed over real steps and channels, (B,).

        Parameters
        ----------
        params : torch.Tensor of shape (B, T, C)
            Step means.
        batch : tuple (x, lengths)
            The series.

        Returns
        -------
        torch.Tensor of shape (B,)
            In nats; padding adds nothing.

        Examples
        --------
        %(seq_vae_model)s
        >>> log_px = vae.log_px(x, (x, lengths))                 # means equal to the data
        >>> bool(log_px[3] > log_px[0])   # 3 real steps: fewer terms of the (negative) constant
        True
        """
        x, _ = batch
        log_var = (2 * self.likelihood.log_sigma).clamp(LOGVAR_MIN, LOGVAR_MAX)
        per_value = -0.5 * (LOG_2PI + log_var + (x - params).pow(2) / log_var.exp())
        return (per_value.sum(dim=-1) * self._mask(batch).to(x.dtype)).sum(dim=1)

    # the estimator's interface, shared with the deterministic model
    def encode(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Posterior means: deterministic codes.

        Parameters
        ----------
        %(series_batch)s

        Returns
        -------
        torch.Tensor of shape (B, latent_dim)

        Examples
        --------
        %(seq_vae_model)s
        >>> torch.equal(vae.encode(x, lengths), vae.encode(x, lengths))
        True
        """
        return self.posterior_params((x, self._lengths(x, lengths)))[0]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """The step means decoded from the posterior means.

        Parameters
        ----------
        %(series_batch)s

        Returns
        -------
        torch.Tensor of shape (B, T, C)

        Examples
        --------
        %(seq_vae_model)s
        >>> vae(x).shape
        torch.Size([4, 10, 2])
        """
        batch = (x, self._lengths(x, lengths))
        return self.decoder_params(self.encode(*batch), batch)

    def decode(self, z: torch.Tensor, length=1, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Step means of series decoded from codes.

        Parameters
        ----------
        z : torch.Tensor of shape (B, latent_dim)
            Codes.
        length : int or tuple, default=1
            Steps of every series (a batch ``(x, lengths)`` also works).
        lengths : torch.Tensor of shape (B,), optional
            Steps of each series.

        Returns
        -------
        torch.Tensor of shape (B, T, C)

        Examples
        --------
        %(seq_vae_model)s
        >>> vae.decode(torch.zeros(2, 3), length=5).shape
        torch.Size([2, 5, 2])
        """
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
        """-ELBO per series (nats, one posterior draw per call of a seeded generator).

        Parameters
        ----------
        %(series_batch)s

        Returns
        -------
        torch.Tensor of shape (B,)
            Higher for series the model explains worse (its anomaly score).

        Examples
        --------
        %(seq_vae_model)s
        >>> torch.equal(vae.negative_elbo(x, lengths), vae.negative_elbo(x, lengths))   # seeded
        True
        """
        generator = torch.Generator().manual_seed(0)
        return -self.elbo((x, self._lengths(x, lengths)), generator=generator)
