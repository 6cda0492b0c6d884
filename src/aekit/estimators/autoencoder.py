"""``aekit.Autoencoder``: the dense autoencoder family behind a
scikit-learn transformer."""

from __future__ import annotations

import numpy as np
import torch

from aekit.estimators.base import AutoencoderEstimator, hidden_sizes, keep_start_unless_beaten, weights_of
from aekit.estimators.params import store_params
from aekit.estimators.sampling import GaussianCodeSampler
from aekit.models import AutoencoderConfig
from aekit.models.base import RECONSTRUCTION_LOSSES
from aekit._docs import fill_doc

PCA_ROWS = 20_000  # rows the linear path's PCA initialisation is fitted on


@fill_doc
class Autoencoder(GaussianCodeSampler, AutoencoderEstimator):
    """A fully connected autoencoder: plain, deep, tied, sparse, denoising or contractive.

    Parameters
    ----------
    latent_dim : int or "auto", default="auto"
        Size of the code. "auto": the fewest principal components that
        explain 90 % of the variance of the scaled training data, at most
        half the input width and at most 32 (iris 2, wine 6, breast-cancer
        7, 8x8 digits 21, Fashion-MNIST 32; see
        :mod:`aekit.estimators.sizing`); the choice is ``latent_dim_``. An
        int as wide as the input or wider warns (``WideCodeWarning``): such
        a code can learn the identity map.
    hidden : int or tuple of int, default=(256,)
        Hidden layer sizes of the encoder (``64`` means ``(64,)``); the decoder mirrors them.
    activation : str, default="relu"
        Hidden-layer activation (relu, elu, gelu, tanh, sigmoid, leaky_relu).
    latent_activation : str, default="auto"
        Activation of the code: sigmoid for KL sparsity, relu for L1, else identity.
    output_activation : {"auto", "sigmoid", "identity"}, default="auto"
        "auto" is sigmoid when the data are scaled to [0, 1] (images), identity otherwise.
    loss : {"mse", "bce"}, default="mse"
        Reconstruction loss; "bce" needs outputs in (0, 1).
    tied : bool, default=False
        Decoder reuses the encoder's weights, transposed.
    noise : {None, "gaussian", "masking", "salt_pepper"}, default=None
        Corruption applied to inputs while training (denoising autoencoder).
        The target is always the clean input.
    noise_level : float, default=0.0
        Gaussian sigma, or the masking / salt-and-pepper probability.
    sparsity : {None, "l1", "kl"}, default=None
        L1 penalty on code activations, or KL divergence of the mean
        activation from ``sparsity_target``.
    sparsity_weight : float, default=1e-3
        Weight of the sparsity penalty (beta for KL).
    sparsity_target : float, default=0.05
        Target mean activation rho for KL sparsity.
    contractive_weight : float, default=0.0
        Weight of the squared Frobenius norm of the encoder Jacobian.
    weight_decay : float, default=0.0
        L2 weight decay.
    weight_init : {"default", "glorot"}, default="default"
        Starting weights of the networks: PyTorch's default, or
        Glorot-uniform with zero biases (Keras's default, which the deep
        clustering papers DEC, IDEC and N2D trained from).
    linear_path : bool or "auto", default="auto"
        Add a linear encoder and decoder beside the networks (code =
        network(x) + A x, output = network(code) + B code), set to PCA's
        solution on the training data before training, with the networks'
        last layers starting at zero: training starts where PCA ends and
        adds what is nonlinear, so on small tables the default does not
        end worse than PCA. "auto": on when the code and the output are
        linear and the decoder is not tied (tables; not images, whose
        output is a sigmoid).
    scaling : {"auto", "minmax", "standard", "none"}, default="auto"
        Fitted on the training data and stored with the model. "auto" scales
        image-like data (values in [0, 1] or integers 0..255) to [0, 1] with
        one global min/max, and standardises tables column by column.
        Categorical columns (string, category or boolean columns of a
        DataFrame) are one-hot encoded instead (scikit-learn's OneHotEncoder),
        their categories stored in the model file.
    handle_unknown : {"ignore", "error"}, default="ignore"
        A category not seen in fit: "ignore" encodes it as all zeros (no
        category) and warns (``UnknownCategoryWarning``); "error" raises a
        DataError naming the column and values.
    learning_rate : float, default=1e-3
        Adam's learning rate.
    batch_size : int or "auto", default="auto"
        "auto": training rows / 20, clipped to [16, 128], so that a small
        table still gets many optimiser steps per epoch.
    max_epochs : int or "auto", default="auto"
        "auto": enough epochs for 4000 optimiser steps, at least 50 and at
        most 500 (a 400-row table: about 190 epochs; Fashion-MNIST: 50).
        When training ends on its best epoch with the validation loss still
        falling appreciably (its last ``patience`` epochs brought more than 1 %
        of the run's whole decrease) a ``StillImprovingWarning`` says the
        model is likely undertrained; when training never beats its PCA start
        on the validation rows (``best_epoch_ == 0``, common on tables of a
        few dozen rows) a ``StartKeptWarning`` says the model is that PCA.
    validation_fraction : float or "auto", default="auto"
        Rows held out for early stopping (0 to train on everything).
        "auto": 0.2 for fewer than 1000 rows (so that early stopping, and
        the choice between the trained model and its PCA start, watch enough
        rows), else 0.1.
    patience : int or "auto", default="auto"
        Epochs without improvement of the validation loss before stopping
        ("auto": 500 optimiser steps, at least 5 epochs). The best epoch's
        weights are restored.
    random_state : int or None
        Seed for initialisation, the validation split, shuffling and noise.
    verbose : int, default=0
        0 silent, 1 progress bar, 2 also Lightning's own messages.
    checkpoint_dir : str or None
        Where to keep checkpoints (``last.ckpt``, ``best.ckpt``); needed for ``resume``.
    resume : bool, default=False
        Continue an interrupted fit from ``checkpoint_dir/last.ckpt``.
    log_dir : str or None
        Write per-epoch losses to ``log_dir/metrics.csv``.
    accelerator : {"auto", "cpu", "gpu"}, default="auto"
        Where to train; "auto" picks a GPU when there is one. Codes, scores
        and reconstructions are computed where the model was trained.
    devices : int or "auto", default=1
        Devices (GPUs, or CPU processes) per node; more than one trains with DDP.
    num_nodes : int, default=1
        Machines for distributed training (started by torchrun or SLURM).
    strategy : {"auto", "ddp"}, default="auto"
        Lightning's distribution strategy. ``batch_size`` is the global batch,
        split evenly over the processes.
    precision : {"32", "bf16-mixed", "16-mixed"}, default="32"
        Training precision ("16-mixed" needs a GPU).
    num_threads : int or None, default=None
        torch's intra-op threads while training (None: torch's setting).

    Attributes
    ----------
    model_ : DenseAutoencoder
        The trained torch module.
    scaler_ : aekit.data.Scaler or aekit.data.tabular.TabularPreprocessor
        The scaling (and, for a table with categorical columns, the one-hot
        encoding) fitted on the training data.
    n_features_in_ : int
    history_ : pandas.DataFrame
        Per-epoch ``train_loss``, and ``val_loss`` when there was a
        validation split (``validation_fraction > 0`` and at least 10 rows).
    best_epoch_, n_epochs_ : int
    stopped_early_ : bool
    latent_dim_ : int
        The code size used (``latent_dim``, or what "auto" chose).
    training_settings_ : dict
        What the "auto" settings chose: ``latent_dim``, ``max_epochs``,
        ``batch_size``, ``patience`` (and with ``max_epochs="auto"``,
        ``epoch_limit``: how far a run still improving at its budget may go on).
    still_improving_ : bool
        Training ended on its best epoch (more epochs would likely help).
    code_mean_, code_cov_ : ndarray
        Mean and full covariance of the training codes (of at most 10,000
        training rows drawn at random, seeded by ``random_state``):
        ``sample(n)`` decodes codes drawn from this Gaussian (stored in the
        model file).

    Raises
    ------
    %(fit_errors)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from aekit import Autoencoder
    >>> X = load_digits().data / 16
    >>> ae = Autoencoder(latent_dim=8, noise="masking", noise_level=0.2,
    ...                  max_epochs=20, random_state=0).fit(X)
    >>> ae.transform(X[:3]).shape
    (3, 8)
    >>> mean_only = ((X - X.mean(axis=0)) ** 2).mean()       # error of predicting the mean image
    >>> bool(ae.score_samples(X).mean() < 0.5 * mean_only)  # 8 numbers keep most of 64 pixels' variance
    True
    >>> Autoencoder(max_epochs=1, random_state=0).fit(X).latent_dim_  # "auto" on 64 pixels
    21
    """

    family = "autoencoder"
    weight_init = "default"  # what subclasses without the parameter (conv, AAE) build with

    def __init__(self, latent_dim="auto", hidden=(256,), activation="relu", latent_activation="auto",
                 output_activation="auto", loss="mse", tied=False, noise=None, noise_level=0.0,
                 sparsity=None, sparsity_weight=1e-3, sparsity_target=0.05, contractive_weight=0.0,
                 weight_decay=0.0, weight_init="default", linear_path="auto", scaling="auto", handle_unknown="ignore", learning_rate=1e-3, batch_size="auto", max_epochs="auto",
                 validation_fraction="auto", patience="auto", random_state=None, verbose=0,
                 checkpoint_dir=None, resume=False, log_dir=None, accelerator="auto", devices=1,
                 num_nodes=1, strategy="auto", precision="32", num_threads=None):
        store_params(self, locals())

    def _model_config(self, n_features: int, scaling: str) -> AutoencoderConfig:
        output_activation = self.output_activation
        if output_activation == "auto":
            output_activation = "sigmoid" if scaling == "minmax" else "identity"
        self._check_loss(output_activation, scaling)
        return AutoencoderConfig(
            input_dim=n_features, latent_dim=self._code_size(n_features), hidden=hidden_sizes(self.hidden),
            activation=self.activation, latent_activation=self.latent_activation,
            output_activation=output_activation, reconstruction_loss=self.loss, tied=self.tied,
            noise=self.noise, noise_level=self.noise_level, sparsity=self.sparsity,
            sparsity_weight=self.sparsity_weight, sparsity_target=self.sparsity_target,
            contractive_weight=self.contractive_weight, weight_init=self.weight_init,
            linear_path=self._linear_path(output_activation))

    def _linear_path(self, output_activation: str) -> bool:
        """``linear_path`` resolved: "auto" is on for a dense model with a linear code and output."""
        chosen = getattr(self, "linear_path", False)  # subclasses without the parameter: off
        if chosen != "auto":
            if not isinstance(chosen, (bool, np.bool_)):
                raise ValueError(f"linear_path must be True, False or 'auto', got {chosen!r}")
            return bool(chosen)
        linear_code = self.latent_activation in ("auto", "identity") and self.sparsity is None
        return (self.family == "autoencoder" and output_activation == "identity" and linear_code
                and not self.tied)

    def _initialise(self, model, data, cfg) -> None:
        """The linear path starts as PCA of the training rows (at most 20,000 of them)."""
        if not model._has_linear_path() or not isinstance(data, np.ndarray):
            return
        from sklearn.decomposition import PCA

        rows = data if len(data) <= PCA_ROWS else data[np.random.default_rng(cfg.seed).choice(
            len(data), PCA_ROWS, replace=False)]
        pca = PCA(min(model.config.latent_dim, *rows.shape), random_state=cfg.seed).fit(rows)
        scale = self._linear_path_scale(pca)
        model.init_linear_path(torch.as_tensor(pca.components_, dtype=torch.float32),
                               torch.as_tensor(pca.mean_, dtype=torch.float32),
                               None if scale is None else torch.as_tensor(scale, dtype=torch.float32))
        self._start_state = weights_of(model)

    def _linear_path_scale(self, pca) -> np.ndarray | None:
        """The scale of each PCA code unit of the linear path's start (None: PCA's own units)."""
        return None

    def _start_description(self) -> str:
        return f"its PCA start (PCA with {self.latent_dim_} components)"

    def _keep_start(self, model, data, cfg) -> bool:
        """The PCA start is a candidate too: kept when training did not beat it on the validation rows."""
        start, self._start_state = getattr(self, "_start_state", None), None
        if start is None:
            return False
        from aekit.training.fit import validation_rows

        _, rows = validation_rows(len(data), cfg.validation_fraction, cfg.seed)
        if rows is None:
            return False
        X_val = data[rows]  # the rows early stopping watched
        return keep_start_unless_beaten(model, start, lambda trained: _mean_error(trained, X_val))

    def _check_loss(self, output_activation: str, scaling: str) -> None:
        if self.loss not in RECONSTRUCTION_LOSSES:
            raise ValueError(f"loss must be one of {RECONSTRUCTION_LOSSES}, got {self.loss!r}")
        if self.loss == "bce" and output_activation != "sigmoid":
            raise ValueError(f"loss='bce' needs outputs in (0, 1), i.e. output_activation='sigmoid' (the 'auto' "
                             f"choice for data scaled to [0, 1] such as images); got output_activation="
                             f"{output_activation!r} with scaling={scaling!r}")


@torch.inference_mode()
def _mean_error(model, X: np.ndarray) -> float:
    """Mean reconstruction error of ``model`` on the rows of ``X``, in large batches."""
    from aekit.estimators.base import PREDICT_BATCH
    from aekit.training.devices import model_device

    device = model_device(model)
    total = sum(float(model.reconstruction_error(torch.from_numpy(X[i:i + PREDICT_BATCH]).to(device)).sum())
                for i in range(0, len(X), PREDICT_BATCH))
    return total / len(X)
