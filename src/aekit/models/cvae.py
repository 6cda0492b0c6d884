"""The conditional VAE (Sohn et al. 2015; Kingma et al. 2014, M2 without the
classifier): a VAE whose encoder and decoder both see the class label.

Batches are ``(x, one-hot label)``. The label joins the dense encoder's
input (the conv encoder's flattened features), the features again before the
posterior head, and the code before the decoder, so ``p(x | z, y)``
generates a chosen class: fix y, draw z ~ N(0, I). Seeing the label at its
input lets the encoder leave the class out of z, so the decoder must take it
from y (with the label only at the posterior head, samples of a class were
recognised as that class far less often).
Everything else (ELBO, warm-up, free bits, importance sampling) is the
shared machinery of :mod:`aekit.models.latent`, reached through its hooks.
"""

from __future__ import annotations

import dataclasses

import torch

from aekit.models.vae import VAEConfig, VAEModel
from aekit._docs import fill_doc


@dataclasses.dataclass(kw_only=True)
class ConditionalVAEConfig(VAEConfig):
    """:class:`VAEConfig` plus the number of classes the model is conditioned on.

    Attributes
    ----------
    n_classes : int
        The one-hot label's width (>= 1).

    Examples
    --------
    >>> ConditionalVAEConfig(input_dim=4, n_classes=0).validate()
    Traceback (most recent call last):
    ValueError: n_classes must be >= 1, got 0
    """

    n_classes: int

    def validate(self) -> None:
        super().validate()
        if self.n_classes < 1:
            raise ValueError(f"n_classes must be >= 1, got {self.n_classes}")


@fill_doc
class ConditionalVAEModel(VAEModel):
    """A dense or conv VAE conditioned on a one-hot class label in encoder and decoder.

    Batches are ``(x, one_hot_label)``.

    Parameters
    ----------
    config : ConditionalVAEConfig
        Its settings, validated on construction.

    Attributes
    ----------
    encoder, decoder, posterior, likelihood : torch.nn.Module
        As in :class:`VariationalAutoencoder`.

    Examples
    --------
    >>> import torch
    >>> cvae = ConditionalVAEModel(ConditionalVAEConfig(input_dim=4, latent_dim=2, hidden=(8,), n_classes=3))
    >>> labels = torch.eye(3)[[0, 2]]
    >>> cvae.sample(2, condition=(None, labels)).shape, cvae.encode((torch.rand(2, 4), labels)).shape
    (torch.Size([2, 4]), torch.Size([2, 2]))
    """

    family = "cvae"
    config_class = ConditionalVAEConfig

    @staticmethod
    def n_conditions_of(config: ConditionalVAEConfig) -> int:
        return config.n_classes

    def encoder_features(self, batch) -> torch.Tensor:
        x, label = batch
        if self.config.architecture == "dense":
            x = torch.cat([x, label], dim=1)
        return torch.cat([self.encoder(x), label], dim=1)

    def decoder_params(self, z: torch.Tensor, batch=None) -> torch.Tensor:
        """The likelihood's parameters for codes ``z`` and the batch's labels.

        Parameters
        ----------
        %(decoder_forward)s
        batch : tuple (x or None, one-hot labels)
            The labels to decode with.

        Returns
        -------
        torch.Tensor of shape (batch, input_dim)

        Raises
        ------
        ValueError
            No labels given.

        Examples
        --------
        >>> import torch
        >>> cvae = ConditionalVAEModel(ConditionalVAEConfig(input_dim=4, latent_dim=2, hidden=(8,), n_classes=3))
        >>> cvae.decoder_params(torch.zeros(2, 2), (None, torch.eye(3)[:2])).shape
        torch.Size([2, 4])
        >>> cvae.decoder_params(torch.zeros(2, 2))
        Traceback (most recent call last):
        ValueError: a conditional VAE decodes with a label: pass the batch (x or None, one-hot label)
        """
        if batch is None or batch[1] is None:
            raise ValueError("a conditional VAE decodes with a label: pass the batch (x or None, one-hot label)")
        return self.decoder(torch.cat([z, batch[1]], dim=1))
