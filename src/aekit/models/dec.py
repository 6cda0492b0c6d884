"""Deep Embedded Clustering (Xie et al. 2016) and Improved DEC (Guo et al. 2017).

A :class:`DECModel` puts learnable cluster centres beside a pretrained
autoencoder of any family (dense, convolutional, sequence). Each sample's
code ``z_i`` is softly assigned to centre ``mu_j`` by a Student's t kernel,

    q_ij = (1 + |z_i - mu_j|^2 / alpha)^(-(alpha + 1) / 2) / sum_j' (...),

and the clustering loss is ``KL(P || Q)`` against a sharpened target

    p_ij = (q_ij^2 / f_j) / sum_j' (q_ij'^2 / f_j'),   f_j = sum_i q_ij,

which the caller computes over the WHOLE data set every few iterations
(:func:`target_distribution`) and passes in beside each batch. DEC trains
the encoder and the centres on the clustering loss alone; IDEC
(``keep_reconstruction``) keeps the autoencoder's own reconstruction loss
beside it: ``loss = reconstruction + gamma * KL(P || Q)``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import torch
from torch import nn

from aekit.models.base import BaseAutoencoder, ModelConfig
from aekit._docs import fill_doc


def soft_assignment(z: torch.Tensor, centers: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    """Student's t soft assignment ``q`` of codes ``z`` (n, d) to ``centers`` (k, d): (n, k), rows sum to 1."""
    squared = torch.cdist(z, centers).square()
    kernel = (1.0 + squared / alpha).pow(-(alpha + 1.0) / 2.0)
    return kernel / kernel.sum(dim=1, keepdim=True)


def target_distribution(q: torch.Tensor) -> torch.Tensor:
    """DEC's auxiliary target ``p`` from soft assignments ``q`` (n, k) of the whole data set."""
    weight = q.square() / q.sum(dim=0)
    return weight / weight.sum(dim=1, keepdim=True)


def kl_divergence(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """``KL(P || Q)`` per sample, shape (n,)."""
    eps = torch.finfo(q.dtype).tiny
    return (p * (torch.log(p.clamp_min(eps)) - torch.log(q.clamp_min(eps)))).sum(dim=1)


@fill_doc
@dataclasses.dataclass
class DECConfig(ModelConfig):
    """A DEC / IDEC model: the wrapped autoencoder (its family and config) and the clustering settings.

    Attributes the wrapped config has (``input_dim``, ``latent_dim``,
    ``image_shape``, ...) read through, so a DEC model stands wherever its
    autoencoder did.

    Attributes
    ----------
    autoencoder_family : str
        The wrapped family (a key of ``aekit.models.MODEL_FAMILIES``, not "dec").
    autoencoder_config : dict
        Its config, as ``to_dict`` gives it.
    n_clusters : int
        Number of centres.
    alpha : float
        Degrees of freedom of the Student's t kernel (1 in both papers).
    keep_reconstruction : bool
        IDEC: the autoencoder's loss stays beside the clustering loss.
    gamma : float
        IDEC's weight of the clustering loss.

    Examples
    --------
    %(dec_model)s
    >>> config.latent_dim, config.input_dim         # read through from the autoencoder's config
    (2, 4)
    >>> DECConfig(autoencoder_family="dec").validate()
    Traceback (most recent call last):
    ValueError: autoencoder_family must be an autoencoder family other than 'dec', ...
    """

    autoencoder_family: str = "autoencoder"  # the dense family
    autoencoder_config: dict[str, Any] = dataclasses.field(default_factory=dict)
    n_clusters: int = 10
    alpha: float = 1.0  # degrees of freedom of the Student's t kernel (1 in both papers)
    keep_reconstruction: bool = False  # IDEC: the autoencoder's loss stays beside the clustering loss
    gamma: float = 0.1  # IDEC's weight of the clustering loss (0.1 in Guo et al.)

    def autoencoder(self) -> ModelConfig:
        """The wrapped autoencoder's config object.

        Returns
        -------
        ModelConfig
            Rebuilt from ``autoencoder_config`` (and validated).

        Examples
        --------
        %(dec_model)s
        >>> type(config.autoencoder()).__name__, config.autoencoder().hidden
        ('AutoencoderConfig', (8,))
        """
        return DECModel.families[self.autoencoder_family].config_class.from_dict(self.autoencoder_config)

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("autoencoder_family", "autoencoder_config"):
            raise AttributeError(name)
        return getattr(self.autoencoder(), name)

    def validate(self) -> None:
        families = DECModel.families
        if self.autoencoder_family not in families or self.autoencoder_family == DECModel.family:
            raise ValueError(f"autoencoder_family must be an autoencoder family other than "
                             f"{DECModel.family!r}, one of {sorted(families)}; got {self.autoencoder_family!r}")
        if self.n_clusters < 1:
            raise ValueError(f"n_clusters must be >= 1, got {self.n_clusters}")
        if not self.alpha > 0:
            raise ValueError(f"alpha must be > 0, got {self.alpha}")
        if not self.gamma > 0:
            raise ValueError(f"gamma must be > 0, got {self.gamma}")
        self.autoencoder()  # the wrapped config must be valid too


@fill_doc
class DECModel(BaseAutoencoder):
    """An autoencoder of any family plus ``n_clusters`` learnable centres in its code space.

    ``loss(batch)`` takes the autoencoder's own batch (a tensor, or a tuple
    such as series and lengths) with the target distribution's rows as its
    last element. Everything else (``encode``, ``decode``, reconstruction
    errors, ...) is the wrapped autoencoder's.

    Parameters
    ----------
    config : DECConfig
        Its settings, validated on construction.

    Attributes
    ----------
    autoencoder : BaseAutoencoder
        The wrapped model.
    centers : torch.nn.Parameter of shape (n_clusters, latent_dim)
        The cluster centres in code space.

    Examples
    --------
    %(dec_model)s
    >>> x = torch.randn(5, 4)
    >>> torch.equal(dec.encode(x), dec.autoencoder.encode(x)), dec.soft_assignment(x).shape
    (True, torch.Size([5, 3]))
    """

    family = "dec"
    config_class = DECConfig
    # every family by name: aekit.models.MODEL_FAMILIES, set by aekit.models when it builds the registry
    # (the registry imports this module, so this module does not import the registry)
    families: ClassVar[dict[str, type[BaseAutoencoder]]] = {}

    def __init__(self, config: DECConfig):
        super().__init__(config)
        self.autoencoder = self.families[config.autoencoder_family](config.autoencoder())
        self.centers = nn.Parameter(torch.zeros(config.n_clusters, config.latent_dim))

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)  # parameters, buffers, sub-modules
        except AttributeError:
            inner = self.__dict__.get("_modules", {}).get("autoencoder")
            if inner is None:
                raise
            return getattr(inner, name)  # e.g. a sequence model's step_errors

    def encode(self, *inputs) -> torch.Tensor:
        return self.autoencoder.encode(*inputs)

    def decode(self, *inputs) -> torch.Tensor:
        return self.autoencoder.decode(*inputs)

    def forward(self, *inputs) -> torch.Tensor:
        return self.autoencoder(*inputs)

    def reconstruction_error(self, *inputs) -> torch.Tensor:
        return self.autoencoder.reconstruction_error(*inputs)

    def set_epoch(self, epoch: int) -> None:
        self.autoencoder.set_epoch(epoch)

    def soft_assignment(self, *inputs) -> torch.Tensor:
        """``q`` of the samples of a batch (the autoencoder's inputs), shape (n, n_clusters).

        Parameters
        ----------
        *inputs : torch.Tensor
            What the wrapped autoencoder's ``encode`` takes.

        Returns
        -------
        torch.Tensor of shape (n, n_clusters)
            Student's t similarities to the centres; each row sums to 1.

        Examples
        --------
        %(dec_model)s
        >>> q = dec.soft_assignment(torch.randn(5, 4))
        >>> torch.allclose(q.sum(dim=1), torch.ones(5))
        True
        """
        return soft_assignment(self.encode(*inputs), self.centers, self.config.alpha)

    def loss(self, batch) -> dict[str, torch.Tensor]:
        *inputs, p = batch
        clustering = kl_divergence(p, self.soft_assignment(*inputs)).mean()
        if not self.config.keep_reconstruction:
            return {"loss": clustering, "clustering": clustering}
        reconstruction = self.autoencoder.loss(inputs[0] if len(inputs) == 1 else tuple(inputs))["loss"]
        return {"loss": reconstruction + self.config.gamma * clustering, "clustering": clustering,
                "reconstruction": reconstruction}
