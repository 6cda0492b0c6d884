"""The dense autoencoder family: plain, deep, tied, sparse (L1 / KL),
denoising (Gaussian / masking / salt-and-pepper) and contractive.

The options combine: a tied, denoising autoencoder with a KL sparsity
penalty is one config. Training minimises

    reconstruction(decode(encode(corrupt(x))), x)
    + sparsity_weight * sparsity(code)
    + contractive_weight * ||d code / d x||_F^2
"""

from __future__ import annotations

import dataclasses

import torch
from torch.func import jacrev, vmap

from aekit.data.noise import NOISE_KINDS, corrupt
from aekit.models.base import RECONSTRUCTION_LOSSES, BaseAutoencoder, ModelConfig, reconstruction_loss
from aekit.nn import ACTIVATIONS, MLPDecoder, MLPEncoder, TiedMLPDecoder, activation_slopes
from aekit._docs import fill_doc

SPARSITY_KINDS = ("l1", "kl")
WEIGHT_INITS = ("default", "glorot")


@dataclasses.dataclass
class AutoencoderConfig(ModelConfig):
    """Everything that defines a dense autoencoder.

    The fields mean what the :class:`aekit.Autoencoder` parameters of the
    same names mean; ``input_dim`` is the width of the (scaled) rows.
    ``latent_activation="auto"`` means sigmoid for KL sparsity (the code must
    be a firing rate in (0, 1)), ReLU for L1 sparsity and identity otherwise.

    Attributes
    ----------
    input_dim, latent_dim : int
        Widths of the rows and of the code.
    hidden : tuple of int
        The encoder's hidden layers (the decoder mirrors them).
    activation, latent_activation, output_activation : str
        Keys of ``aekit.nn.ACTIVATIONS`` ("auto" for the code: see above).
    reconstruction_loss : {"mse", "bce"}
        "bce" needs a sigmoid output.
    tied : bool
        The decoder reuses the encoder's weights, transposed.
    noise, noise_level : str or None, float
        Corruption of the inputs in training (a denoising autoencoder).
    sparsity, sparsity_weight, sparsity_target : str or None, float, float
        "l1" or "kl" sparsity of the code, its weight and target rate.
    contractive_weight : float
        Weight of the encoder's Jacobian norm (a contractive autoencoder).
    linear_path : bool
        A linear (PCA-initialised) encoder and decoder beside the networks.
    weight_init : {"default", "glorot"}
        The networks' starting weights: PyTorch's default (uniform within
        1/sqrt(fan_in)) or Glorot-uniform with zero biases (Keras's default,
        which DEC, IDEC and N2D were trained from).

    Examples
    --------
    >>> AutoencoderConfig(input_dim=10, sparsity="kl").resolved_latent_activation
    'sigmoid'
    >>> AutoencoderConfig(input_dim=10, reconstruction_loss="bce").validate()
    Traceback (most recent call last):
    ValueError: reconstruction_loss='bce' needs output_activation='sigmoid' (outputs in (0, 1)), got 'identity'
    """

    input_dim: int
    latent_dim: int = 32
    hidden: tuple[int, ...] = (256,)
    activation: str = "relu"
    latent_activation: str = "auto"
    output_activation: str = "identity"
    reconstruction_loss: str = "mse"
    tied: bool = False
    noise: str | None = None
    noise_level: float = 0.0
    sparsity: str | None = None
    sparsity_weight: float = 1e-3
    sparsity_target: float = 0.05
    contractive_weight: float = 0.0
    linear_path: bool = False
    weight_init: str = "default"

    def validate(self) -> None:
        if self.input_dim < 1 or self.latent_dim < 1 or any(h < 1 for h in self.hidden):
            raise ValueError(f"layer sizes must be >= 1, got input_dim={self.input_dim}, "
                             f"hidden={self.hidden}, latent_dim={self.latent_dim}")
        for name in ("activation", "output_activation"):
            if getattr(self, name) not in ACTIVATIONS:
                raise ValueError(f"{name} must be one of {sorted(ACTIVATIONS)}, got {getattr(self, name)!r}")
        if self.latent_activation not in (*ACTIVATIONS, "auto"):
            raise ValueError(f"latent_activation must be 'auto' or one of {sorted(ACTIVATIONS)}, "
                             f"got {self.latent_activation!r}")
        if self.reconstruction_loss not in RECONSTRUCTION_LOSSES:
            raise ValueError(f"reconstruction_loss must be one of {RECONSTRUCTION_LOSSES}, "
                             f"got {self.reconstruction_loss!r}")
        if self.reconstruction_loss == "bce" and self.output_activation != "sigmoid":
            raise ValueError("reconstruction_loss='bce' needs output_activation='sigmoid' "
                             f"(outputs in (0, 1)), got {self.output_activation!r}")
        if self.weight_init not in WEIGHT_INITS:
            raise ValueError(f"weight_init must be one of {WEIGHT_INITS}, got {self.weight_init!r}")
        if self.noise is not None and self.noise not in NOISE_KINDS:
            raise ValueError(f"noise must be None or one of {NOISE_KINDS}, got {self.noise!r}")
        if self.sparsity is not None and self.sparsity not in SPARSITY_KINDS:
            raise ValueError(f"sparsity must be None or one of {SPARSITY_KINDS}, got {self.sparsity!r}")
        if not 0.0 < self.sparsity_target < 1.0:
            raise ValueError(f"sparsity_target (rho) must be in (0, 1), got {self.sparsity_target}")
        for name in ("noise_level", "sparsity_weight", "contractive_weight"):
            if not getattr(self, name) >= 0:  # also refuses NaN
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.linear_path and (self.tied or self.output_activation != "identity"
                                 or self.resolved_latent_activation != "identity"):
            raise ValueError("linear_path=True adds a linear map to a linear code and a linear output: it needs "
                             "tied=False, output_activation='identity' and an identity code activation; got "
                             f"tied={self.tied}, output_activation={self.output_activation!r}, code activation "
                             f"{self.resolved_latent_activation!r}")

    @property
    def resolved_latent_activation(self) -> str:
        """The code's activation, with "auto" resolved (sigmoid for KL sparsity, ReLU for L1, else identity)."""
        if self.latent_activation != "auto":
            return self.latent_activation
        return {"kl": "sigmoid", "l1": "relu"}.get(self.sparsity, "identity")


@fill_doc
class DenseAutoencoder(BaseAutoencoder):
    """A fully connected autoencoder with optional sparse, denoising,
    contractive and tied-weight behaviour (see :class:`AutoencoderConfig`).

    Parameters
    ----------
    config : AutoencoderConfig
        Its settings, validated on construction.

    Attributes
    ----------
    %(model_attributes)s
    linear_encoder, linear_decoder, network_share : torch.nn.Module, torch.nn.Module, torch.nn.Parameter
        With ``linear_path=True`` only: the linear path and the networks'
        share of the code and the output (starting at 0).

    Raises
    ------
    ValueError
        A config that :meth:`AutoencoderConfig.validate` refuses.

    Examples
    --------
    %(dense_model)s
    >>> model.family, model.encode(torch.zeros(5, 4)).shape
    ('autoencoder', torch.Size([5, 2]))
    """

    family = "autoencoder"
    config_class = AutoencoderConfig

    def __init__(self, config: AutoencoderConfig):
        super().__init__(config)
        self.encoder, self.decoder = self.build_networks(config)
        if getattr(config, "weight_init", "default") == "glorot":
            glorot_init(self.encoder, self.decoder)
        if self._has_linear_path():
            self._add_linear_path(config)

    # -- the linear path ------------------------------------------------------------
    # code = a * encoder(x) + A x + c,  output = b * decoder(code) + B code: a PCA-like linear
    # autoencoder beside the nonlinear one, whose share starts at a = b = 0. With A, B set to
    # PCA's (init_linear_path), training starts from PCA's solution and the networks come in
    # only as fast as they help (Adam moves a and b by about the learning rate per step).
    def _has_linear_path(self) -> bool:
        return bool(getattr(self.config, "linear_path", False))

    def _add_linear_path(self, c: AutoencoderConfig) -> None:
        self.linear_encoder = torch.nn.Linear(c.input_dim, c.latent_dim)
        self.linear_decoder = torch.nn.Linear(c.latent_dim, c.input_dim)
        self.network_share = torch.nn.Parameter(torch.zeros(2))  # (encoder, decoder)

    @torch.no_grad()
    def init_linear_path(self, components: torch.Tensor, mean: torch.Tensor,
                         scale: torch.Tensor | None = None) -> None:
        """Set the linear path to PCA's. Code units beyond the k components start at zero.

        Parameters
        ----------
        components : torch.Tensor of shape (k, input_dim)
            Orthonormal rows (PCA's ``components_``).
        mean : torch.Tensor of shape (input_dim,)
            The rows' mean (PCA's ``mean_``).
        scale : torch.Tensor of shape (k,), optional
            Each code unit is divided by its scale and the decoder multiplies it
            back (the reconstruction is PCA's either way): with the components'
            standard deviations (``sqrt(explained_variance_)``) the codes are
            whitened, of mean 0 and unit variance on the rows PCA saw.

        Examples
        --------
        >>> import torch
        >>> from sklearn.decomposition import PCA
        >>> x = torch.randn(50, 4)
        >>> model = DenseAutoencoder(AutoencoderConfig(input_dim=4, latent_dim=2, hidden=(8,), linear_path=True))
        >>> pca = PCA(2).fit(x.numpy())
        >>> model.init_linear_path(torch.tensor(pca.components_), torch.tensor(pca.mean_))
        >>> torch.allclose(model(x), torch.tensor(pca.inverse_transform(pca.transform(x.numpy()))), atol=1e-5)
        True
        """
        k = min(len(components), self.config.latent_dim)
        units = torch.ones(self.config.latent_dim, dtype=components.dtype)
        if scale is not None:
            units[:k] = scale[:k]
        weight = torch.zeros_like(self.linear_encoder.weight)
        weight[:k] = components[:k]
        self.linear_encoder.weight.copy_(weight / units[:, None])
        self.linear_encoder.bias.copy_(-(weight @ mean) / units)
        self.linear_decoder.weight.copy_(weight.T * units[None, :])
        self.linear_decoder.bias.copy_(mean)

    def linear_path_parameters(self) -> list[torch.nn.Parameter]:
        """The linear path's parameters (none without one): for families that train parts apart.

        Returns
        -------
        list of torch.nn.Parameter
            The linear encoder's and decoder's weights and biases and the
            networks' shares; empty without a linear path.

        Examples
        --------
        >>> with_path = DenseAutoencoder(AutoencoderConfig(input_dim=4, latent_dim=2, hidden=(8,), linear_path=True))
        >>> len(with_path.linear_path_parameters()), DenseAutoencoder(AutoencoderConfig(4, 2)).linear_path_parameters()
        (5, [])
        """
        if not self._has_linear_path():
            return []
        return [*self.linear_encoder.parameters(), *self.linear_decoder.parameters(), self.network_share]

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        if not self._has_linear_path():
            return self.encoder(x)
        return self.network_share[0] * self.encoder(x) + self.linear_encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if not self._has_linear_path():
            return self.decoder(z)
        return self.network_share[1] * self.decoder(z) + self.linear_decoder(z)

    def build_networks(self, c: AutoencoderConfig) -> tuple[torch.nn.Module, torch.nn.Module]:
        """The encoder and decoder; other architectures (conv) override this and keep the loss.

        Parameters
        ----------
        c : AutoencoderConfig
            The settings.

        Returns
        -------
        encoder, decoder : torch.nn.Module
            An MLP encoder and an MLP decoder (tied to the encoder with ``tied=True``).

        Examples
        --------
        %(dense_model)s
        >>> encoder, decoder = model.build_networks(AutoencoderConfig(input_dim=4, latent_dim=2, tied=True))
        >>> type(encoder).__name__, type(decoder).__name__
        ('MLPEncoder', 'TiedMLPDecoder')
        """
        encoder = MLPEncoder(c.input_dim, c.hidden, c.latent_dim, c.activation, c.resolved_latent_activation)
        if c.tied:
            return encoder, TiedMLPDecoder(encoder, c.activation, c.output_activation)
        return encoder, MLPDecoder(c.latent_dim, c.hidden, c.input_dim, c.activation, c.output_activation)

    _validating = False  # set by validation_loss: corrupt the inputs in eval mode too

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        c = self.config
        x_in = corrupt(x, c.noise, c.noise_level) if ((self.training or self._validating) and c.noise) else x
        code = self.encode(x_in)
        recon = reconstruction_loss(self.decode(code), x, c.reconstruction_loss).mean()
        terms = {"reconstruction": recon}
        if c.sparsity is not None:
            terms["sparsity"] = c.sparsity_weight * self.sparsity_penalty(code)
        if c.contractive_weight > 0:
            terms["contractive"] = c.contractive_weight * self.jacobian_norm(x_in).mean()
        terms["loss"] = sum(terms.values())
        return terms

    def validation_loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """A denoising model is validated on what it is trained for: reconstructing held-out rows
        from corrupted copies (the same corruption every epoch: training fixes the seeds). Its
        error on clean inputs, which it never sees in training, swung by 5 to 10 percent from epoch to
        epoch on MNIST-5k and ended training at a lucky minimum. Without noise: :meth:`loss`.

        %(validation_loss)s

        Examples
        --------
        >>> import torch
        >>> model = DenseAutoencoder(AutoencoderConfig(input_dim=4, latent_dim=2, noise="masking", noise_level=0.5))
        >>> x = torch.rand(8, 4)
        >>> _ = torch.manual_seed(0)
        >>> bool(model.eval().validation_loss(x)["loss"] != model.loss(x)["loss"])   # corrupted vs clean
        True
        """
        self._validating = True
        try:
            return self.loss(x)
        finally:
            self._validating = False

    def sparsity_penalty(self, code: torch.Tensor) -> torch.Tensor:
        """L1: mean |code|. KL: sum over units of KL(rho || mean activation).

        Parameters
        ----------
        code : torch.Tensor of shape (batch, latent_dim)
            The codes of a batch.

        Returns
        -------
        torch.Tensor
            A scalar (0 when every unit fires at the target rate, for KL).

        Examples
        --------
        >>> import torch
        >>> model = DenseAutoencoder(AutoencoderConfig(input_dim=4, latent_dim=2, sparsity="kl", sparsity_target=0.1))
        >>> float(model.sparsity_penalty(torch.full((8, 2), 0.1))), bool(model.sparsity_penalty(torch.full((8, 2), 0.5)) > 0)
        (0.0, True)
        """
        if self.config.sparsity == "l1":
            return code.abs().mean()
        rho = self.config.sparsity_target
        rho_hat = code.mean(dim=0).clamp(1e-6, 1 - 1e-6)
        kl = rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))
        return kl.sum()

    def jacobian_norm(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample squared Frobenius norm of the encoder's Jacobian d code / d x.

        For the common encoder (one hidden layer, a linear code, no linear
        path) it is computed in closed form: with ``d`` the slopes of the
        hidden activation at ``x``, ``J = W2 diag(d) W1`` and
        ``||J||^2 = d^T ((W1 W1^T) * (W2^T W2)) d``, a (hidden x hidden)
        matrix shared by the batch, about 30 times cheaper than the
        ``latent_dim`` backward passes of automatic differentiation, which
        every other encoder uses. Both give the same numbers (to float
        rounding; ``tests/test_models.py`` checks values and gradients).

        Parameters
        ----------
        %(x_batch)s

        Returns
        -------
        torch.Tensor of shape (batch,)

        Examples
        --------
        >>> import torch
        >>> model = DenseAutoencoder(AutoencoderConfig(input_dim=3, latent_dim=2, hidden=(), activation="identity"))
        >>> W = model.encoder.linears[0].weight            # a linear encoder: the Jacobian is W
        >>> torch.allclose(model.jacobian_norm(torch.randn(5, 3)), (W ** 2).sum().expand(5))
        True
        """
        if self._closed_form_jacobian():
            return self._one_layer_jacobian_norm(x)
        return self._autograd_jacobian_norm(x)

    def _closed_form_jacobian(self) -> bool:
        encoder = self.encoder
        return (not self._has_linear_path() and isinstance(encoder, MLPEncoder) and len(encoder.linears) == 2
                and isinstance(encoder.activations[1], torch.nn.Identity))

    def _one_layer_jacobian_norm(self, x: torch.Tensor) -> torch.Tensor:
        first, second = self.encoder.linears
        slopes = activation_slopes(self.encoder.activations[0], first(x))  # (n, hidden)
        W1, W2 = first.weight, second.weight  # (hidden, input), (latent, hidden)
        K = (W1 @ W1.T) * (W2.T @ W2)  # (hidden, hidden)
        return ((slopes @ K) * slopes).sum(dim=1)

    def _autograd_jacobian_norm(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`jacobian_norm` by automatic differentiation, for any encoder (one backward pass per code unit)."""
        def encode_one(sample: torch.Tensor) -> torch.Tensor:
            return self.encode(sample.unsqueeze(0)).squeeze(0)

        jacobians = vmap(jacrev(encode_one))(x)  # (n, latent_dim, input_dim)
        return jacobians.pow(2).sum(dim=(1, 2))


@torch.no_grad()
def glorot_init(*networks: torch.nn.Module) -> None:
    """Glorot-uniform weights and zero biases for every fully connected layer of ``networks``.

    Parameters
    ----------
    *networks : torch.nn.Module
        Modules whose ``torch.nn.Linear`` layers are reset in place.

    Examples
    --------
    >>> layer = torch.nn.Linear(300, 100)
    >>> glorot_init(layer)
    >>> bool(layer.weight.abs().max() <= (6 / 400) ** 0.5), bool(layer.bias.abs().max() == 0)
    (True, True)
    """
    for network in networks:
        for layer in network.modules():
            if isinstance(layer, torch.nn.Linear):
                torch.nn.init.xavier_uniform_(layer.weight)
                if layer.bias is not None:
                    torch.nn.init.zeros_(layer.bias)
