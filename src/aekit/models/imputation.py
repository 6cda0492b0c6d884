"""Autoencoders that fill in missing cells of a table.

Every model here takes a batch ``(x, observed)``: ``x`` is the encoded row
(numeric columns standardised, then one one-hot block per categorical
column) with 0 in missing cells, ``observed`` is 1 where a cell was seen.
Losses only ever look at observed cells. The three families:

- :class:`MaskedDenoisingImputer` (``"masked-dae"``, the default): MIDAS /
  ReMasker-like. In training, a further ``mask_rate`` of the observed columns
  is hidden; the network sees the rest and the mask, and is scored on the
  observed cells, the hidden ones weighted ``emphasis``; ``n_members``
  such networks side by side, their predictions averaged (a deep ensemble).
  Assumes values are missing at random (MCAR / MAR): what is missing looks
  like what is seen.
- :class:`MIWAEImputer` (``"miwae"``, Mattei & Frellsen 2019): a deep latent
  variable model trained on the importance-weighted bound of the observed
  entries, ``log 1/K sum_k p(x_o | z_k) p(z_k) / q(z_k | x_o)``; fills are
  self-normalised importance-sampling means. Assumes MAR (ignorable
  missingness: the mask says nothing about the missing values).
- :class:`NotMIWAEImputer` (``"not-miwae"``, Ipsen et al. 2021): MIWAE plus a
  model of the mask, ``p(s_j = missing | x_j) = sigmoid(w_j (x_j - b_j))``
  (logistic self-masking of each numeric column), so that values missing
  *because* of their value (MNAR: high incomes left blank) are pulled the
  right way. The bound adds ``log p(s | x_o, x_m)`` with ``x_m`` drawn from
  the decoder. Categorical columns are taken as missing at random.

The output layer is shared (:class:`TableHead`): numeric columns get a mean
(and, for the latent-variable models, a Gaussian scale), each categorical
block a softmax.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from aekit.models.base import BaseAutoencoder, ModelConfig
from aekit.models.latent import (LOG_2PI, GaussianPosterior, diagonal_gaussian_log_prob, gaussian_kl,
                                 reparameterize)
from aekit.nn import ACTIVATIONS, MLPDecoder, MLPEncoder
from aekit.nn.layers import make_activation
from aekit.nn.conv import ConvDecoder, ConvEncoder, ConvFeatures, check_image_shape

VALIDATION_SEED = 27  # the hidden cells of the masked DAE's validation loss
MIN_SCALE = 1e-2  # floor of a numeric column's Gaussian scale (standardised units)


@dataclasses.dataclass
class ImputerConfig(ModelConfig):
    """What every table imputer shares.

    ``input_dim`` is the encoded width: ``n_numeric`` standardised columns,
    then one one-hot block of each size in ``category_sizes``.
    """

    input_dim: int
    n_numeric: int = 0
    category_sizes: tuple[int, ...] = ()
    latent_dim: int = 16
    hidden: tuple[int, ...] = (128, 128)
    activation: str = "relu"

    def validate(self) -> None:
        if self.input_dim < 1 or self.latent_dim < 1 or not self.hidden or any(h < 1 for h in self.hidden):
            raise ValueError(f"layer sizes must be >= 1 with at least one hidden layer, got input_dim="
                             f"{self.input_dim}, hidden={self.hidden}, latent_dim={self.latent_dim}")
        if any(s < 1 for s in self.category_sizes) or self.n_numeric < 0 or \
                self.n_numeric + sum(self.category_sizes) != self.input_dim:
            raise ValueError(f"n_numeric={self.n_numeric} plus category_sizes={self.category_sizes} must "
                             f"add up to input_dim={self.input_dim}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}")

    @property
    def n_columns(self) -> int:
        """Original columns: the numeric ones and one per categorical block."""
        return self.n_numeric + len(self.category_sizes)


@dataclasses.dataclass
class MaskedDAEConfig(ImputerConfig):
    """``mask_rate``: share of the observed columns hidden in each training batch;
    ``emphasis``: weight of the hidden cells in the loss (the rest: ``1 - emphasis``);
    ``linear_skip``: a linear map from the input (values and mask) added to the output, so
    that the linear regressions ICE fits are one layer away and the network adds the rest;
    ``n_members``: independent networks (own weights, own hidden cells each step) trained side
    by side, their predictions averaged (a deep ensemble: less variance on small tables)."""

    mask_rate: float = 0.25
    emphasis: float = 0.75
    linear_skip: bool = True
    n_members: int = 1

    def validate(self) -> None:
        super().validate()
        if not 0 < self.mask_rate < 1:
            raise ValueError(f"mask_rate must be in (0, 1), got {self.mask_rate}")
        if self.n_members < 1:
            raise ValueError(f"n_members must be >= 1, got {self.n_members}")
        if not 0 <= self.emphasis <= 1:
            raise ValueError(f"emphasis must be in [0, 1], got {self.emphasis}")


@dataclasses.dataclass
class MIWAEConfig(ImputerConfig):
    """``n_samples``: importance samples K of the training bound."""

    n_samples: int = 20

    def validate(self) -> None:
        super().validate()
        if self.n_samples < 1:
            raise ValueError(f"n_samples must be >= 1, got {self.n_samples}")


@dataclasses.dataclass
class NotMIWAEConfig(MIWAEConfig):
    """MIWAE plus a logistic self-masking model of each numeric column's mask.

    ``mask_directions``: the start of each numeric column's mask weight (+1: high values
    missing, -1: low ones; see :func:`aekit.data.missing.self_masking_directions`); empty: 0."""

    mask_directions: tuple[float, ...] = ()

    def validate(self) -> None:
        super().validate()
        if self.mask_directions and len(self.mask_directions) != self.n_numeric:
            raise ValueError(f"mask_directions must have one value per numeric column ({self.n_numeric}), "
                             f"got {len(self.mask_directions)}")


class TableHead(nn.Module):
    """Decoder outputs -> per-cell predictions and log-likelihoods of a mixed table.

    The decoder emits ``n_numeric`` means (and, with ``scales``, as many raw
    scales) followed by the logits of each categorical block.
    """

    def __init__(self, n_numeric: int, category_sizes: tuple[int, ...], scales: bool):
        super().__init__()
        self.n_numeric, self.category_sizes, self.scales = n_numeric, tuple(category_sizes), scales
        self.n_outputs = n_numeric * (2 if scales else 1) + sum(category_sizes)

    def split(self, out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, list[torch.Tensor]]:
        """(numeric means, numeric scales or None, list of category logits)."""
        k = self.n_numeric
        mean = out[..., :k]
        scale = F.softplus(out[..., k:2 * k]) + MIN_SCALE if self.scales else None
        start = 2 * k if self.scales else k
        logits = []
        for size in self.category_sizes:
            logits.append(out[..., start:start + size])
            start += size
        return mean, scale, logits

    def prediction(self, out: torch.Tensor) -> torch.Tensor:
        """The expected encoded row: numeric means, then each block's probabilities."""
        mean, _, logits = self.split(out)
        return torch.cat([mean, *(lg.softmax(-1) for lg in logits)], dim=-1)

    def cell_errors(self, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Per original column: squared error (numeric) or cross-entropy (categorical), (..., n_columns)."""
        mean, _, logits = self.split(out)
        parts = [(mean - x[..., :self.n_numeric]).pow(2)]
        parts += [-(lg.log_softmax(-1) * block).sum(-1, keepdim=True)
                  for lg, block in zip(logits, self._blocks(x))]
        return torch.cat(parts, dim=-1)

    def cell_log_probs(self, out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Per original column: Gaussian (numeric) or categorical log-likelihood, (..., n_columns)."""
        mean, scale, logits = self.split(out)
        z = (x[..., :self.n_numeric] - mean) / scale
        parts = [-0.5 * (z.pow(2) + math.log(2 * math.pi)) - scale.log()]
        parts += [(lg.log_softmax(-1) * block).sum(-1, keepdim=True) for lg, block in zip(logits, self._blocks(x))]
        return torch.cat(parts, dim=-1)

    def draw(self, out: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """One encoded row drawn from p(x | decoder output): Gaussian numbers, one-hot categories."""
        mean, scale, logits = self.split(out)
        eps = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
        parts = [mean + (scale if scale is not None else 0.0) * eps]
        for lg in logits:
            flat = lg.reshape(-1, lg.shape[-1]).softmax(-1)
            picked = torch.multinomial(flat, 1, generator=generator).reshape(lg.shape[:-1])
            parts.append(F.one_hot(picked, lg.shape[-1]).to(lg.dtype))
        return torch.cat(parts, dim=-1)

    def _blocks(self, x: torch.Tensor) -> list[torch.Tensor]:
        blocks, start = [], self.n_numeric
        for size in self.category_sizes:
            blocks.append(x[..., start:start + size])
            start += size
        return blocks


class TableImputer(BaseAutoencoder):
    """Base of the table imputers: the column layout, column masks and the fill rule.

    Subclasses build ``encoder``, ``decoder`` and ``head`` and define
    ``loss((x, observed))`` and ``predict(x, observed, generator)`` (the
    expected encoded row given the observed cells).
    """

    config_class = ImputerConfig

    def __init__(self, config: ImputerConfig, scales: bool):
        """The output side every imputer shares: ``head`` (Gaussian ``scales`` or not) and the
        decoder from the code to it; subclasses add the encoder."""
        super().__init__(config)
        c = config
        self.head = TableHead(c.n_numeric, c.category_sizes, scales=scales)
        self.decoder = self.build_decoder(c)
        sizes = [1] * config.n_numeric + list(config.category_sizes)
        column = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes, dtype=torch.long))
        self.register_buffer("column_of", column, persistent=False)  # encoded col -> original col

    def build_decoder(self, c: ImputerConfig) -> nn.Module:
        """Code -> the head's outputs (an MLP mirroring ``hidden``)."""
        return MLPDecoder(c.latent_dim, c.hidden, self.head.n_outputs, c.activation, "identity")

    def column_mask(self, observed: torch.Tensor) -> torch.Tensor:
        """(n, n_columns) 1 where an original column was observed (a block counts once)."""
        first = torch.cat([torch.ones(1, dtype=torch.bool, device=observed.device),
                           self.column_of[1:] != self.column_of[:-1]])
        return observed[..., first]

    def cells(self, column_values: torch.Tensor) -> torch.Tensor:
        """Per-column values spread over the encoded cells (a block repeats its column's)."""
        return column_values[..., self.column_of]

    def network_input(self, x: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
        return torch.cat([x * observed, observed], dim=-1)

    def predict(self, x: torch.Tensor, observed: torch.Tensor,
                generator: torch.Generator | None = None, k: int = 100) -> torch.Tensor:
        """The expected encoded row given the observed cells; ``k``: the samples behind it
        (the latent-variable models' importance samples; a deterministic model ignores it)."""
        raise NotImplementedError

    def impute(self, x: torch.Tensor, observed: torch.Tensor,
               generator: torch.Generator | None = None, k: int = 100) -> torch.Tensor:
        """Observed cells as given, missing ones predicted (encoded units)."""
        return torch.where(observed > 0, x, self.predict(x, observed, generator, k))

    def draw(self, x: torch.Tensor, observed: torch.Tensor,
             generator: torch.Generator | None = None, k: int = 100) -> torch.Tensor:
        """One plausible completion (multiple imputation); default: the prediction."""
        return self.impute(x, observed, generator, k)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(self.network_input(x, torch.ones_like(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.impute(x, torch.ones_like(x))

    @torch.no_grad()
    def reconstruction_error(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("imputers are scored on hidden observed cells: see AutoencoderImputer.score")


class MaskedDenoisingImputer(TableImputer):
    """Masked denoising autoencoder: hide observed cells, rebuild them (see the module doc)."""

    family = "masked-dae"
    config_class = MaskedDAEConfig

    def __init__(self, config: MaskedDAEConfig):
        super().__init__(config, scales=False)
        c = config
        self.encoder = self.build_encoder(c)
        self.skip = self.build_skip(c)
        # members past the first (their own weights); the first is encoder / decoder / skip above,
        # so a one-member model keeps the parameter names of files written before ensembles
        self.extra_members = nn.ModuleList(
            nn.ModuleDict({"encoder": self.build_encoder(c), "decoder": self.build_decoder(c),
                           **({"skip": self.build_skip(c)} if c.linear_skip else {})})
            for _ in range(c.n_members - 1))

    def build_skip(self, c: MaskedDAEConfig) -> nn.Module | None:
        """(values, mask) -> the head's outputs, linearly (``linear_skip``), or None."""
        return nn.Linear(2 * c.input_dim, self.head.n_outputs) if c.linear_skip else None

    def build_encoder(self, c: MaskedDAEConfig) -> nn.Module:
        """(values, mask) -> code."""
        return MLPEncoder(2 * c.input_dim, c.hidden, c.latent_dim, c.activation, c.activation)

    def hide(self, seen: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """Which observed columns to hide this step: each with probability ``mask_rate``."""
        draws = torch.rand(seen.shape, device=seen.device, generator=generator)
        return seen * (draws < self.config.mask_rate)

    def outputs(self, x: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
        """The first member's head outputs."""
        inputs = self.network_input(x, observed)
        out = self.decoder(self.encoder(inputs))
        return out if self.skip is None else out + self.skip(inputs)

    def member_output(self, i: int, x: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
        """Member ``i``'s head outputs (member 0: :meth:`outputs`)."""
        if i == 0:
            return self.outputs(x, observed)
        member, inputs = self.extra_members[i - 1], self.network_input(x, observed)
        out = member["decoder"](member["encoder"](inputs))
        return out + member["skip"](inputs) if "skip" in member else out

    def predict(self, x, observed, generator=None, k=100):
        """The members' mean prediction (numbers; category probabilities)."""
        return torch.stack([self.head.prediction(self.member_output(i, x, observed))
                            for i in range(self.config.n_members)]).mean(0)

    def draw(self, x, observed, generator=None, k=100):
        """One plausible completion: predicted with a further random share (``mask_rate``) of the
        observed cells hidden, as MIDAS draws with dropout (observed cells stay as given)."""
        seen = self.column_mask(observed)
        kept = self.cells(seen - self.hide(seen, generator))
        return torch.where(observed > 0, x, self.predict(x, kept, generator))

    def loss(self, batch) -> dict[str, torch.Tensor]:
        """The members' mean loss; in training each member hides cells of its own."""
        x, observed = batch
        seen = self.column_mask(observed)
        # validation hides the same cells every epoch, so early stopping compares like with like
        generator = None if self.training else torch.Generator(seen.device).manual_seed(VALIDATION_SEED)
        terms = {"hidden": 0.0, "kept": 0.0}
        for i in range(self.config.n_members):
            hidden = self.hide(seen, generator)
            kept = seen - hidden
            errors = self.head.cell_errors(self.member_output(i, x, self.cells(kept)), x)
            terms["hidden"] = terms["hidden"] + (errors * hidden).sum() / hidden.sum().clamp_min(1)
            terms["kept"] = terms["kept"] + (errors * kept).sum() / kept.sum().clamp_min(1)
        terms = {name: value / self.config.n_members for name, value in terms.items()}
        w = self.config.emphasis
        terms["loss"] = w * terms["hidden"] + (1 - w) * terms["kept"]
        return terms


class MIWAEImputer(TableImputer):
    """MIWAE: a VAE of the observed entries, trained on the importance-weighted bound."""

    family = "miwae"
    config_class = MIWAEConfig

    def __init__(self, config: MIWAEConfig):
        super().__init__(config, scales=True)
        c = config
        self.encoder = MLPEncoder(2 * c.input_dim, c.hidden[:-1], c.hidden[-1], c.activation, c.activation)
        self.posterior = GaussianPosterior(c.hidden[-1], c.latent_dim)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.posterior(self.encoder(self.network_input(x, torch.ones_like(x))))[0]

    def log_weights(self, x, observed, k: int, generator=None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(log importance weights (k, n), decoder outputs (k, n, .), completed rows (k, n, input_dim))."""
        mean, log_var = self.posterior(self.encoder(self.network_input(x, observed)))
        eps = torch.randn((k, *mean.shape), generator=generator, dtype=mean.dtype, device=mean.device)
        z = mean + torch.exp(0.5 * log_var) * eps
        out = self.decoder(z)
        seen = self.column_mask(observed)
        log_px = (self.head.cell_log_probs(out, x) * seen).sum(-1)
        log_w = log_px + diagonal_gaussian_log_prob(z) - diagonal_gaussian_log_prob(z, mean, log_var)
        completed, log_ps = self.completed_rows(out, x, observed, generator)
        return log_w + log_ps, out, completed

    def completed_rows(self, out, x, observed, generator=None) -> tuple[torch.Tensor, torch.Tensor]:
        """(what each importance sample says the row is, log p(mask | row) per sample).

        MIWAE: the decoder's expected row; the mask is ignored (missing at random)."""
        return self.head.prediction(out), torch.zeros(out.shape[:-1], dtype=out.dtype, device=out.device)

    def loss(self, batch) -> dict[str, torch.Tensor]:
        x, observed = batch
        k = self.config.n_samples
        log_w, _, _ = self.log_weights(x, observed, k)
        bound = torch.logsumexp(log_w, dim=0) - math.log(k)
        n_seen = self.column_mask(observed).sum().clamp_min(1)
        return {"loss": -bound.sum() / n_seen}  # per observed cell, comparable across tables

    def predict(self, x, observed, generator=None, k: int = 100):
        """Self-normalised importance sampling: the weighted mean of the samples' completions."""
        log_w, _, completed = self.log_weights(x, observed, k, generator)
        return (log_w.softmax(dim=0).unsqueeze(-1) * completed).sum(0)

    def draw(self, x, observed, generator=None, k: int = 100):
        """Sampling importance resampling: a latent sample picked by its weight, then x_m ~ p(x_m | z)."""
        log_w, out, _ = self.log_weights(x, observed, k, generator)
        picked = torch.multinomial(log_w.T.softmax(-1), 1, generator=generator).squeeze(-1)
        chosen = out[picked, torch.arange(out.shape[1], device=out.device)]
        return torch.where(observed > 0, x, self.head.draw(chosen, generator))


class NotMIWAEImputer(MIWAEImputer):
    """not-MIWAE: MIWAE with a logistic self-masking model of the mask (values missing not at random)."""

    family = "not-miwae"
    config_class = NotMIWAEConfig

    def __init__(self, config: NotMIWAEConfig):
        super().__init__(config)
        # a zero start is a saddle point (no direction, no gradient toward one): start from the data's
        start = torch.tensor(config.mask_directions, dtype=torch.float32) if config.mask_directions else None
        self.mask_weight = nn.Parameter(torch.zeros(config.n_numeric) if start is None else start)
        self.mask_bias = nn.Parameter(torch.zeros(config.n_numeric))

    def completed_rows(self, out, x, observed, generator=None):
        """Missing numbers drawn from p(x | z) (reparameterised, as in the paper), and
        log p(s | x) = sum_j log Bernoulli(s_j; sigmoid(w_j (x_j - b_j)))."""
        k = self.config.n_numeric
        mean, scale, _ = self.head.split(out)
        eps = torch.randn(mean.shape, generator=generator, dtype=mean.dtype, device=mean.device)
        numbers = torch.where(observed[..., :k] > 0, x[..., :k], mean + scale * eps)
        logits = self.mask_weight * (numbers - self.mask_bias)  # logit of P(missing)
        missing = (1.0 - observed[..., :k]).expand_as(logits)
        log_ps = -F.binary_cross_entropy_with_logits(logits, missing, reduction="none").sum(-1)
        return torch.cat([numbers, self.head.prediction(out)[..., k:]], dim=-1), log_ps


# -- images ----------------------------------------------------------------------------------------

@dataclasses.dataclass
class ImageImputerConfig(ImputerConfig):
    """What both image models share (:class:`ConvImputerConfig`, :class:`VAEACConfig`): images of
    ``image_shape`` (C, H, W) seen with their mask (2C channels) by stride-2 conv blocks with
    ``channels``, a transposed-conv decoder from a code of ``latent_dim``, and beside it, when
    ``local_channels`` > 0, a full-resolution path of 3x3 convolutions, the middle ones dilated by
    ``local_dilations`` (no bottleneck: what the pixels around a hole say, as the top skip
    connection of a U-Net), summed before the output activation. Training hides random blocks (a
    rectangle with sides from a quarter to three quarters of the image's, or one half of it) or,
    for the other ``1 - block_share`` of the images, random pixels at a rate drawn from [0.2, 0.9]."""

    hidden: tuple[int, ...] = (1,)  # not used: the conv layers are ``channels``
    latent_dim: int = 64
    image_shape: tuple[int, ...] = (1, 28, 28)
    channels: tuple[int, ...] = (32, 64)
    output_activation: str = "sigmoid"
    block_share: float = 0.6
    local_channels: int = 32
    local_dilations: tuple[int, ...] = (1,)  # the estimator's default is (2, 4); (1,) reads older files

    def validate(self) -> None:
        super().validate()
        check_image_shape(self.image_shape, self.input_dim, self.channels)
        if self.local_channels < 0:
            raise ValueError(f"local_channels must be >= 0, got {self.local_channels}")
        if any(d < 1 for d in self.local_dilations):
            raise ValueError(f"local_dilations must be >= 1, got {self.local_dilations}")
        if not 0 <= self.block_share <= 1:
            raise ValueError(f"block_share must be in [0, 1], got {self.block_share}")
        if self.output_activation not in ACTIVATIONS:
            raise ValueError(f"output_activation must be one of {sorted(ACTIVATIONS)}, "
                             f"got {self.output_activation!r}")


@dataclasses.dataclass
class ConvImputerConfig(ImageImputerConfig, MaskedDAEConfig):
    """The masked denoising autoencoder on images: :class:`ImageImputerConfig`'s fields, and of
    :class:`MaskedDAEConfig`'s, ``emphasis`` (the hidden pixels' weight in the loss); ``mask_rate``
    is unused (the image holes replace it), ``linear_skip`` must be False and ``n_members`` 1."""

    linear_skip: bool = False

    def validate(self) -> None:
        super().validate()
        if self.linear_skip:
            raise ValueError("linear_skip does not apply to the convolutional imputer")
        if self.n_members != 1:
            raise ValueError(f"the convolutional imputer has one member, got n_members={self.n_members}")


def local_path(c: ImageImputerConfig) -> nn.Module | None:
    """(values, mask) -> image, at full resolution: 3x3 convolutions with ``c.local_channels``, the
    middle ones dilated by ``c.local_dilations`` (None when ``local_channels`` is 0)."""
    channels, height, width = c.image_shape
    k = c.local_channels
    if not k:
        return None
    middle = [layer for d in c.local_dilations for layer in (nn.Conv2d(k, k, 3, padding=d, dilation=d), nn.ReLU())]
    return nn.Sequential(
        nn.Unflatten(1, (2 * channels, height, width)), nn.Conv2d(2 * channels, k, 3, padding=1), nn.ReLU(),
        *middle, nn.Conv2d(k, channels, 3, padding=1), nn.Flatten())


def random_image_holes(n: int, image_shape, block_share: float, device,
                       generator: torch.Generator | None) -> torch.Tensor:
    """(n, C*H*W) float, 1 on a random hole per image: a rectangle (sides from a quarter to three
    quarters of the image's, anywhere inside it) for ``0.7 * block_share`` of the images, one half
    (top, bottom, left or right) for ``0.3 * block_share``, else random pixels at a rate from [0.2, 0.9]."""
    channels, height, width = image_shape
    kw = dict(device=device, generator=generator)
    rows = torch.arange(height, device=device).view(1, -1, 1)
    cols = torch.arange(width, device=device).view(1, 1, -1)
    h = (height * (0.25 + 0.5 * torch.rand(n, **kw))).long().clamp_min(1).view(-1, 1, 1)
    w = (width * (0.25 + 0.5 * torch.rand(n, **kw))).long().clamp_min(1).view(-1, 1, 1)
    top = (torch.rand(n, 1, 1, **kw) * (height - h + 1)).long()
    left = (torch.rand(n, 1, 1, **kw) * (width - w + 1)).long()
    block = (rows >= top) & (rows < top + h) & (cols >= left) & (cols < left + w)
    side = torch.randint(0, 4, (n, 1, 1), **kw)
    half = torch.where(side == 0, rows < height // 2, torch.where(side == 1, rows >= height // 2,
                       torch.where(side == 2, cols < width // 2, cols >= width // 2)))
    rate = 0.2 + 0.7 * torch.rand(n, 1, 1, **kw)
    pixels = torch.rand(n, height, width, **kw) < rate
    kind = torch.rand(n, 1, 1, **kw)
    hidden = torch.where(kind < block_share * 0.7, block, torch.where(kind < block_share, half, pixels))
    return hidden.unsqueeze(1).expand(n, channels, height, width).reshape(n, -1).float()


class ConvMaskedImputer(MaskedDenoisingImputer):
    """The masked denoising autoencoder with conv networks and block / pixel masks (image holes)."""

    family = "masked-conv"
    config_class = ConvImputerConfig

    def build_encoder(self, c: ConvImputerConfig) -> nn.Module:
        channels, height, width = c.image_shape
        return ConvEncoder((2 * channels, height, width), c.channels, c.latent_dim, c.activation, c.activation)

    def __init__(self, config: ConvImputerConfig):
        super().__init__(config)
        self.local = local_path(config)
        self.output_activation = make_activation(config.output_activation)

    def build_decoder(self, c: ConvImputerConfig) -> nn.Module:
        return ConvDecoder(c.latent_dim, tuple(c.image_shape), c.channels, c.activation, "identity")

    def outputs(self, x: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
        inputs = self.network_input(x, observed)
        out = self.decoder(self.encoder(inputs))
        return self.output_activation(out if self.local is None else out + self.local(inputs))

    def hide(self, seen: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        return seen * random_image_holes(seen.shape[0], self.config.image_shape, self.config.block_share,
                                         seen.device, generator)


@dataclasses.dataclass
class VAEACConfig(ImageImputerConfig):
    """VAEAC on images (Ivanov, Figurnov & Vetrov 2019, "Variational Autoencoder with Arbitrary
    Conditioning"): the image fields and training holes of :class:`ImageImputerConfig`, ``latent_dim`` the size of z, ``pixel_scale`` the fixed standard deviation
    of each pixel's Gaussian p(x_b | z, x_o, b) (in the model's units: [0, 1] after min-max scaling;
    in benchmarks/completion_vaeac_smoke.py's reduced run, 0.1 filled with MSE 0.076 where a variant
    with per-pixel scales predicted by the decoder, not kept, gave 0.119: the predicted scales
    widened on hard pixels instead of fitting them), and the prior network's regularisation
    of the paper: ``prior_mean_scale`` (sigma_mu: a N(0, sigma_mu^2) penalty on the prior means) and
    ``prior_scale_weight`` (sigma_sigma: a weight on ``log s - s`` of the prior scales s), which keep
    the prior from drifting where nothing pulls it."""

    latent_dim: int = 16
    pixel_scale: float = 0.1
    prior_mean_scale: float = 1e4
    prior_scale_weight: float = 1e-4

    # the masked autoencoder's fields, unused here, that VAEAC files written before 7 Dec 2026 hold
    UNUSED_FIELDS: ClassVar[tuple[str, ...]] = ("mask_rate", "emphasis", "linear_skip", "n_members")

    @classmethod
    def from_dict(cls, data: dict) -> VAEACConfig:
        """As :meth:`ModelConfig.from_dict`; the fields in ``UNUSED_FIELDS`` (older files) are dropped."""
        return super().from_dict({k: v for k, v in data.items() if k not in cls.UNUSED_FIELDS})

    def validate(self) -> None:
        super().validate()
        if self.pixel_scale <= 0 or self.prior_mean_scale <= 0 or self.prior_scale_weight < 0:
            raise ValueError(f"pixel_scale and prior_mean_scale must be > 0 and prior_scale_weight >= 0, got "
                             f"{self.pixel_scale}, {self.prior_mean_scale} and {self.prior_scale_weight}")


class VAEACImputer(TableImputer):
    """VAEAC for image holes: several plausible fills of one hole.

    - proposal q(z | x, b): conv features of the whole image and the mask (training only);
    - prior p(z | x_o, b): conv features of the observed pixels and the mask;
    - decoder p(x_b | z, x_o, b): a transposed-conv decoder of z plus the full-resolution local
      path on the observed pixels and the mask (:func:`local_path`, the skip from the observed
      part), summed into a sigmoid / identity mean; each pixel Gaussian with the fixed scale
      ``pixel_scale``.

    Loss per image (per pixel): ``-log p(hidden pixels | z ~ q) + KL(q || p)`` minus the prior's
    regularisation. Holes in training: :func:`random_image_holes`. :meth:`predict` decodes the
    prior's mean (deterministic); :meth:`draw` decodes z drawn from the prior.
    """

    family = "vaeac"
    config_class = VAEACConfig

    def __init__(self, config: VAEACConfig):
        super().__init__(config, scales=False)
        c = config
        channels, height, width = c.image_shape
        self.proposal_features = ConvFeatures((2 * channels, height, width), c.channels, c.activation)
        self.proposal = GaussianPosterior(self.proposal_features.out_features, c.latent_dim)
        self.prior_features = ConvFeatures((2 * channels, height, width), c.channels, c.activation)
        self.prior = GaussianPosterior(self.prior_features.out_features, c.latent_dim)
        self.local = local_path(c)
        self.output_activation = make_activation(c.output_activation)

    def build_decoder(self, c: VAEACConfig) -> nn.Module:
        return ConvDecoder(c.latent_dim, tuple(c.image_shape), c.channels, c.activation, "identity")

    def prior_of(self, x: torch.Tensor, observed: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, log-variance) of p(z | x_o, b)."""
        return self.prior(self.prior_features(self.network_input(x, observed)))

    def mean_of(self, z: torch.Tensor, x: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
        """The decoder's mean image given z and the observed pixels."""
        out = self.decoder(z)
        return self.output_activation(out if self.local is None else out + self.local(self.network_input(x, observed)))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.prior_of(x, torch.ones_like(x))[0]

    def loss(self, batch) -> dict[str, torch.Tensor]:
        x, seen = batch
        # validation hides the same pixels and draws the same noise every epoch (like with like)
        generator = None if self.training else torch.Generator(seen.device).manual_seed(VALIDATION_SEED)
        hidden = seen * random_image_holes(seen.shape[0], self.config.image_shape, self.config.block_share,
                                           seen.device, generator)
        kept = seen - hidden
        # the proposal sees every pixel there is (the hidden ones too) and which ones are hidden
        q_mean, q_log_var = self.proposal(self.proposal_features(torch.cat([x * seen, kept], dim=-1)))
        p_mean, p_log_var = self.prior_of(x, kept)
        z = reparameterize(q_mean, q_log_var, generator)
        c = self.config
        mean = self.mean_of(z, x, kept)
        log_px = -0.5 * (LOG_2PI + ((x - mean) / c.pixel_scale).pow(2)) - math.log(c.pixel_scale)
        reconstruction = -(log_px * hidden).sum(-1)
        kl = gaussian_kl(q_mean, q_log_var, p_mean, p_log_var).sum(-1)
        p_scale = torch.exp(0.5 * p_log_var)
        regulariser = (p_mean.pow(2).sum(-1) / (2 * c.prior_mean_scale ** 2)
                       - c.prior_scale_weight * (p_scale.log() - p_scale).sum(-1))
        n_pixels = x.shape[-1]
        terms = {"reconstruction": reconstruction.mean() / n_pixels, "kl": kl.mean() / n_pixels}
        terms["loss"] = terms["reconstruction"] + terms["kl"] + regulariser.mean() / n_pixels
        terms["hidden_mse"] = ((x - mean).pow(2) * hidden).sum() / hidden.sum().clamp_min(1)
        return terms

    def predict(self, x, observed, generator=None, k=100):
        """The decoder's mean at the prior's mean z (one deterministic pass)."""
        return self.mean_of(self.prior_of(x, observed)[0], x, observed)

    def draw(self, x, observed, generator=None, k=100):
        """One plausible fill: z drawn from the prior, decoded to its mean; observed pixels as given."""
        z = reparameterize(*self.prior_of(x, observed), generator)
        return torch.where(observed > 0, x, self.mean_of(z, x, observed))
