"""A learned image codec: Ballé et al.'s factorized prior (2017) and scale
hyperprior (2018).

The analysis transform ``g_a`` (stride-2 5x5 convolutions with GDN) maps an
image to latents y; coding rounds them to integer symbols, which an entropy
coder writes with the probabilities of an entropy model; the synthesis
transform ``g_s`` (transposed convolutions with inverse GDN) rebuilds the
image from them. Training uses "mixed quantisation" (Minnen & Singh 2020):
the rate is the likelihood of the latents plus uniform noise (a smooth
stand-in for rounding), while the synthesis is trained on the rounded
latents it will decode, with the gradient passed straight through the
rounding. (Noise in the synthesis too, as in Ballé et al., trains the decoder
on inputs it never sees; at low rates, where most latents round to 0, that
cost about 0.5 dB at 0.3 bpp on Fashion-MNIST.) It minimises, per image,

    rate + lmbda * 255^2 * MSE

with the rate in bits per pixel, -log2 of the latents' likelihoods over the
number of pixels (so lmbda follows CompressAI's ladder: 0.0018 .. 0.18).

``entropy_model="factorized"``: one learned density per channel of y.
``"positional"``: one learned density per channel *and position* of y, for
images of one fixed size (the training size): the latents at an image's
border and at its centre get their own tables, as each component of a PCA
codec does.
``"hyperprior"``: y is Gaussian with a scale per value, predicted by a
hyper-synthesis ``h_s`` from side information z = ``h_a(|y|)``, itself coded
with a factorized density.

Images of any size are padded (edge values repeated) to a multiple of g_a's
stride and cropped back after synthesis; the hyperprior's h_a and h_s work on
y of any size (z is y's size over 4, rounded up; h_s's output is cut back to
y's size), so no image is padded for them. Rows are flat
(C*H*W) in training, like every aekit model; coding takes (N, C, H, W).
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import nn
from torch.nn import functional as F

from aekit.models.base import BaseAutoencoder, ModelConfig
from aekit.nn.entropy import FactorizedDensity, GaussianConditional
from aekit.nn.gdn import GDN
from aekit._docs import fill_doc

ENTROPY_MODELS = ("factorized", "hyperprior", "positional")
# CompressAI's MSE ladder (qualities 1-8): one model per value
LAMBDA_LADDER = (0.0018, 0.0035, 0.0067, 0.0130, 0.0250, 0.0483, 0.0932, 0.1800)
HYPER_DOWNSAMPLINGS = 2


@dataclasses.dataclass
class ImageCodecConfig(ModelConfig):
    """What an :class:`ImageCodecModel` is.

    ``image_shape`` (C, H, W) is the training images' shape (coding takes any
    H and W with C channels); ``filters`` the hidden channels of the
    transforms, ``latent_channels`` the channels of y, ``downsamplings`` the
    number of stride-2 stages of g_a (y is 2**downsamplings times smaller
    per side); ``max_symbol`` bounds the coded symbols; ``n_scales`` is the
    number of Gaussian scales the hyperprior's coder knows.

    Attributes
    ----------
    input_dim : int
        C * H * W of the training images.
    image_shape : tuple (C, H, W)
        The training images' shape.
    entropy_model : {"factorized", "hyperprior", "positional"}
        The prior of y (Ballé et al. 2017, or 2018 with a hyperprior z; or
        one factorized density per channel and position of y at the
        training size).
    filters, latent_channels, downsamplings, hyper_filters : int
        The transforms' sizes (see above).
    lmbda : float
        Weight of the distortion in rate + lmbda * 255^2 * MSE.
    max_symbol, n_scales : int
        The coder's symbol bound and scale table size.

    Examples
    --------
    >>> config = ImageCodecConfig(input_dim=784, image_shape=(1, 28, 28), latent_channels=8)
    >>> config.stride, config.latent_size(28, 28), config.latent_dim
    (4, (7, 7), 392)
    >>> ImageCodecConfig(input_dim=100, image_shape=(1, 28, 28)).validate()
    Traceback (most recent call last):
    ValueError: image_shape (1, 28, 28) has 784 values, but input_dim is 100
    """

    input_dim: int
    image_shape: tuple[int, ...]
    entropy_model: str = "factorized"
    filters: int = 64
    latent_channels: int = 96
    downsamplings: int = 2
    hyper_filters: int = 64
    lmbda: float = 0.013
    max_symbol: int = 63
    n_scales: int = 64

    def validate(self) -> None:
        if self.entropy_model not in ENTROPY_MODELS:
            raise ValueError(f"entropy_model must be one of {ENTROPY_MODELS}, got {self.entropy_model!r}")
        if self.image_shape is None or len(self.image_shape) != 3 or min(self.image_shape) < 1:
            raise ValueError(f"image_shape must be (channels, height, width), got {self.image_shape}")
        if math.prod(self.image_shape) != self.input_dim:
            raise ValueError(f"image_shape {tuple(self.image_shape)} has {math.prod(self.image_shape)} values, "
                             f"but input_dim is {self.input_dim}")
        for name in ("filters", "latent_channels", "downsamplings", "hyper_filters", "max_symbol"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 2 <= self.n_scales <= 1024:
            raise ValueError(f"n_scales must be in [2, 1024], got {self.n_scales}")
        if not self.lmbda > 0:
            raise ValueError(f"lmbda must be > 0 (the weight of the distortion), got {self.lmbda}")

    @property
    def hyperprior(self) -> bool:
        """Whether the entropy model has a hyperprior (``entropy_model="hyperprior"``)."""
        return self.entropy_model == "hyperprior"

    @property
    def positional(self) -> bool:
        """Whether y has a density per channel and position (``entropy_model="positional"``):
        coding then takes the training size only."""
        return self.entropy_model == "positional"

    @property
    def density_channels(self) -> int:
        """Densities of the factorized prior: of z's channels (hyperprior), of y's channels, or of
        y's values at the training size (positional)."""
        if self.hyperprior:
            return self.hyper_filters
        return self.latent_dim if self.positional else self.latent_channels

    @property
    def stride(self) -> int:
        """Images are padded to a multiple of this on each side (the hyperprior's z is not: its
        transforms work on y of any size, see ``hyper_size``)."""
        return 2 ** self.downsamplings

    def latent_size(self, height: int, width: int) -> tuple[int, int]:
        """(h, w) of y for an image of height x width.

        Parameters
        ----------
        height, width : int
            The image's size (any; padded to a multiple of ``stride``).

        Returns
        -------
        tuple of int

        Examples
        --------
        >>> ImageCodecConfig(input_dim=64, image_shape=(1, 8, 8)).latent_size(30, 17)
        (8, 5)
        """
        return -(-height // self.stride), -(-width // self.stride)

    def hyper_size(self, height: int, width: int) -> tuple[int, int]:
        """(h, w) of the hyperprior's z for an image of height x width: y's size over 4, rounded up.

        Parameters
        ----------
        height, width : int
            The image's size (any).

        Returns
        -------
        tuple of int

        Examples
        --------
        >>> ImageCodecConfig(input_dim=784, image_shape=(1, 28, 28)).hyper_size(28, 28)   # y is 7 x 7
        (2, 2)
        """
        scale = 2 ** HYPER_DOWNSAMPLINGS
        h, w = self.latent_size(height, width)
        return -(-h // scale), -(-w // scale)

    @property
    def latent_dim(self) -> int:
        """Values of y for one training image (the length of ``transform``'s rows)."""
        return self.latent_channels * math.prod(self.latent_size(*self.image_shape[1:]))


def _down(c_in: int, c_out: int, kernel: int = 5) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel, stride=2, padding=kernel // 2)


def _up(c_in: int, c_out: int, kernel: int = 5) -> nn.ConvTranspose2d:
    return nn.ConvTranspose2d(c_in, c_out, kernel, stride=2, padding=kernel // 2, output_padding=1)


def _transforms(c: ImageCodecConfig) -> tuple[nn.Sequential, nn.Sequential]:
    """g_a (image -> y) and g_s (y -> image): conv + GDN stages, mirrored."""
    widths = [c.image_shape[0], *[c.filters] * (c.downsamplings - 1), c.latent_channels]
    analysis: list[nn.Module] = []
    synthesis: list[nn.Module] = []
    for i, (c_in, c_out) in enumerate(zip(widths, widths[1:])):
        last = i == len(widths) - 2
        analysis += [_down(c_in, c_out), *([] if last else [GDN(c_out)])]
        synthesis = [_up(c_out, c_in), *([] if i == 0 else [GDN(c_in, inverse=True)]), *synthesis]
    return nn.Sequential(*analysis), nn.Sequential(*synthesis)


def _hyper_transforms(c: ImageCodecConfig) -> tuple[nn.Sequential, nn.Sequential]:
    """h_a (|y| -> z) and h_s (z -> scales of y), as in Ballé et al. 2018."""
    m, n = c.latent_channels, c.hyper_filters
    h_a = nn.Sequential(nn.Conv2d(m, n, 3, padding=1), nn.ReLU(), _down(n, n), nn.ReLU(), _down(n, n))
    h_s = nn.Sequential(_up(n, n), nn.ReLU(), _up(n, n), nn.ReLU(), nn.Conv2d(n, m, 3, padding=1), nn.ReLU())
    return h_a, h_s


@fill_doc
class ImageCodecModel(BaseAutoencoder):
    """Analysis / synthesis transforms and an entropy model, trained on rate + lmbda * distortion.

    Parameters
    ----------
    config : ImageCodecConfig
        Its settings, validated on construction.

    Attributes
    ----------
    g_a, g_s : torch.nn.Sequential
        The analysis (image -> y) and synthesis (y -> image) transforms.
    h_a, h_s : torch.nn.Sequential
        With the hyperprior: y -> z and z -> the scales of y.
    density : FactorizedDensity
        The prior of y (or of z with the hyperprior).
    gaussian : GaussianConditional
        With the hyperprior: y's conditional Gaussian.

    Examples
    --------
    %(codec_model)s
    >>> terms = codec.loss(images.flatten(1))
    >>> sorted(terms), bool(terms["bpp"] > 0)
    (['bpp', 'loss', 'mse'], True)
    """

    family = "codec"
    config_class = ImageCodecConfig

    def __init__(self, config: ImageCodecConfig):
        super().__init__(config)
        self.g_a, self.g_s = _transforms(config)
        if config.hyperprior:
            self.h_a, self.h_s = _hyper_transforms(config)
            self.gaussian = GaussianConditional(config.n_scales, config.max_symbol)
        self.density = FactorizedDensity(config.density_channels, max_symbol=config.max_symbol)

    # -- transforms on (N, C, H, W) images of any size --------------------------------------
    def analyse(self, images: torch.Tensor) -> torch.Tensor:
        """Latents y of images (N, C, H, W), padded to a multiple of ``config.stride``.

        Parameters
        ----------
        images : torch.Tensor of shape (N, C, H, W)
            Any H and W.

        Returns
        -------
        torch.Tensor of shape (N, latent_channels, h, w)
            ``(h, w) = config.latent_size(H, W)``.

        Examples
        --------
        %(codec_model)s
        >>> codec.config.stride, codec.analyse(torch.rand(1, 1, 30, 17)).shape   # padded to 32 x 20
        (4, torch.Size([1, 3, 8, 5]))
        """
        pad = self.config.stride
        h, w = images.shape[-2:]
        padded = F.pad(images, (0, -w % pad, 0, -h % pad), mode="replicate")
        return self.g_a(padded)

    def synthesise(self, y: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """Images (N, C, *size) from latents (unclipped values).

        Parameters
        ----------
        y : torch.Tensor of shape (N, latent_channels, h, w)
            Latents.
        size : (height, width)
            The images' size (the padding is cut off).

        Returns
        -------
        torch.Tensor of shape (N, C, height, width)

        Examples
        --------
        %(codec_model)s
        >>> codec.synthesise(codec.analyse(torch.rand(1, 1, 30, 17)), (30, 17)).shape
        torch.Size([1, 1, 30, 17])
        """
        return self.g_s(y)[..., :size[0], :size[1]]

    def hyper_analyse(self, y: torch.Tensor) -> torch.Tensor:
        """The hyper-latents z of y (from |y|), with the hyperprior only.

        Parameters
        ----------
        y : torch.Tensor of shape (N, latent_channels, h, w)
            Latents.

        Returns
        -------
        torch.Tensor of shape (N, hyper_filters, ceil(h / 4), ceil(w / 4))
            Any h and w: the convolutions' zero padding stands in for y's missing border.

        Examples
        --------
        %(codec_model)s
        >>> codec.hyper_analyse(codec.analyse(images)).shape
        torch.Size([2, 4, 1, 1])
        """
        return self.h_a(y.abs())

    def hyper_scales(self, z: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """The scales (>= 0) of y's Gaussian, from the hyper-latents z.

        Parameters
        ----------
        z : torch.Tensor of shape (N, hyper_filters, ceil(h / 4), ceil(w / 4))
            Hyper-latents.
        size : (h, w)
            y's size: h_s gives 4 times z's, cut to this.

        Returns
        -------
        torch.Tensor of shape (N, latent_channels, h, w)

        Examples
        --------
        %(codec_model)s
        >>> y = codec.analyse(images)
        >>> scales = codec.hyper_scales(codec.hyper_analyse(y), y.shape[-2:])
        >>> scales.shape, bool((scales >= 0).all())
        (torch.Size([2, 3, 2, 2]), True)
        """
        return self.h_s(z)[..., :size[0], :size[1]]

    def symbols(self, latents: torch.Tensor) -> torch.Tensor:
        """Latents rounded and clipped to the coder's range, as int32.

        Parameters
        ----------
        latents : torch.Tensor
            y (or z).

        Returns
        -------
        torch.Tensor of int32, the same shape

        Examples
        --------
        %(codec_model)s
        >>> codec.symbols(torch.tensor([0.4, -1.6, 500.0])).tolist()
        [0, -2, 63]
        """
        m = self.config.max_symbol
        return torch.round(latents).clamp(-m, m).to(torch.int32)

    @torch.no_grad()
    def update_tables(self) -> None:
        """Fill the integer frequency tables the coder uses (call after training).

        Examples
        --------
        %(codec_model)s
        >>> codec.update_tables()
        >>> int(codec.density.table.sum(dim=-1).min()) > 0   # every channel has a non-empty table
        True
        """
        self.density.update_table()

    # -- the flat-row interface every aekit model has (training shape) -----------------------
    def _images(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(-1, *self.config.image_shape)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Coded symbols of y (as floats), flat: (N, latent_dim).

        Parameters
        ----------
        x : torch.Tensor of shape (N, C * H * W)
            Flat training-shape images.

        Returns
        -------
        torch.Tensor of shape (N, latent_dim)
            Whole numbers.

        Examples
        --------
        %(codec_model)s
        >>> codes = codec.encode(images.flatten(1))
        >>> codes.shape, torch.equal(codes, codes.round())
        (torch.Size([2, 12]), True)
        """
        return self.symbols(self.analyse(self._images(x))).float().flatten(1)

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        c, h, w = self.config.image_shape
        y = codes.view(len(codes), self.config.latent_channels, *self.config.latent_size(h, w))
        return self.synthesise(y, (h, w)).clamp(0, 1).flatten(1)

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        images = self._images(x)
        n_pixels = images.shape[-2] * images.shape[-1]
        y = self.analyse(images)
        y_noisy = y + torch.rand_like(y) - 0.5  # the rate's stand-in for rounding
        y_rounded = y + (torch.round(y) - y).detach()  # what the synthesis decodes; gradient straight through
        if self.config.hyperprior:
            z = self.hyper_analyse(y)
            z_noisy = z + torch.rand_like(z) - 0.5
            bits = _bits(self.density.likelihood(z_noisy)) + _bits(
                self.gaussian.likelihood(y_noisy, self.hyper_scales(z_noisy, y.shape[-2:])))
        elif self.config.positional:  # every value of y its own density: y as (N, C*h*w, 1, 1)
            bits = _bits(self.density.likelihood(y_noisy.reshape(len(y), -1, 1, 1)))
        else:
            bits = _bits(self.density.likelihood(y_noisy))
        bpp = bits / n_pixels
        mse = F.mse_loss(self.synthesise(y_rounded, images.shape[-2:]), images, reduction="none").flatten(1).mean(1)
        loss = bpp + self.config.lmbda * 255.0 ** 2 * mse
        return {"loss": loss.mean(), "bpp": bpp.mean().detach(), "mse": mse.mean().detach()}

    @torch.no_grad()
    def reconstruction_error(self, x: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(self(x), x, reduction="none").mean(dim=1)


def _bits(likelihood: torch.Tensor) -> torch.Tensor:
    """-log2 of the likelihoods, summed per image."""
    return -torch.log2(likelihood).flatten(1).sum(1)


def model_hash(model: ImageCodecModel, size: int = 4) -> bytes:
    """A short hash of the model's config and weights (tables included): what a stream names."""
    import hashlib
    import json

    digest = hashlib.blake2b(digest_size=size)
    digest.update(json.dumps(model.config.to_dict(), sort_keys=True).encode())
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.digest()
