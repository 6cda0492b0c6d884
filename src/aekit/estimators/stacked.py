"""``aekit.StackedAutoencoder`` and its supervised forms: greedy layer-wise
pretraining of a stack of dense autoencoders, then fine-tuning end to end
(as a deep autoencoder, or through a softmax / linear head)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from aekit.data import feature_names_of
from aekit.data.tabular import fit_preprocessing
from aekit.estimators.base import (PREDICT_BATCH, SCALINGS, AutoencoderEstimator, keep_start_unless_beaten,
                                   weights_of)
from aekit.estimators.params import store_params
from aekit.estimators.sizing import AUTO, auto_stack_hidden
from aekit.exceptions import CheckpointError, DataError
from aekit.models import AutoencoderConfig, AutoencoderStack, StackedConfig
from aekit.training import TrainConfig, TrainResult, fit_model
from aekit.training.fit import validation_rows
from aekit._docs import fill_doc

# Options of the dense family that each layer takes, shared or per layer (``layer_params``).
LAYER_OPTIONS = ("activation", "loss", "tied", "noise", "noise_level", "sparsity", "sparsity_weight",
                 "sparsity_target", "contractive_weight")


@fill_doc
class _StackedEstimator(AutoencoderEstimator):
    """Fitting shared by the unsupervised and supervised stacks; subclasses
    say how ``y`` becomes training targets (``_targets``)."""

    family = "stacked"
    task: ClassVar[str | None] = None

    def __init__(self, hidden="auto", latent_dim=None, activation="relu", output_activation="auto",
                 loss="mse", tied=False, noise=None, noise_level=0.0, sparsity=None, sparsity_weight=1e-3,
                 sparsity_target=0.05, contractive_weight=0.0, layer_params=None, pretrain=True,
                 pretrain_epochs="auto", fine_tune=True, dropout=0.0, linear_path="auto", weight_decay=0.0,
                 scaling="auto", learning_rate=1e-3, batch_size="auto", max_epochs="auto",
                 validation_fraction="auto", patience="auto", random_state=None, verbose=0, checkpoint_dir=None,
                 resume=False, log_dir=None, accelerator="auto", devices=1, num_nodes=1, strategy="auto",
                 precision="32", num_threads=None):
        store_params(self, locals())

    # -- the network ----------------------------------------------------------------
    def layer_sizes(self, n_features: int | None = None) -> tuple[int, ...]:
        """Code sizes of the layers, bottom to top.

        ``hidden``, then ``latent_dim`` if set. "auto" values are chosen from the
        data in ``fit`` (see :mod:`aekit.estimators.sizing`): a fitted stack
        gives the sizes it chose; before ``fit``, ``hidden="auto"`` needs the
        input width ``n_features``.

        Parameters
        ----------
        n_features : int or None, default=None
            Width of the input, for ``hidden="auto"`` before ``fit``.

        Returns
        -------
        tuple of int
            One size per layer.

        Raises
        ------
        ValueError
            ``latent_dim="auto"``, or ``hidden="auto"`` without ``n_features``, before
            ``fit``; a size below 1.

        Examples
        --------
        >>> from aekit import StackedAutoencoder
        >>> StackedAutoencoder(hidden=(64, 32), latent_dim=8).layer_sizes()
        (64, 32, 8)
        >>> StackedAutoencoder().layer_sizes(n_features=4)   # hidden="auto" on a 4-column table
        (16, 8, 4)
        """
        model = getattr(self, "model_", None)
        if n_features is None and model is not None:
            return tuple(int(layer["latent_dim"]) for layer in model.config.layers)
        top = self.latent_dim
        if isinstance(top, str) and top == "auto":
            top = getattr(self, "_fit_latent", None) or getattr(self, "latent_dim_", None)
            if top is None:
                raise ValueError("latent_dim='auto' is chosen from the training data: fit first")
        sizes = self._hidden(n_features) + (() if top is None else (top,))
        if not sizes or any(int(s) < 1 for s in sizes):
            raise ValueError(f"layer sizes must be >= 1 and there must be at least one, got hidden={self.hidden}, "
                             f"latent_dim={self.latent_dim}")
        return tuple(int(s) for s in sizes)

    def _hidden(self, n_features: int | None) -> tuple[int, ...]:
        """``hidden`` as sizes: "auto" by :func:`~aekit.estimators.sizing.auto_stack_hidden`."""
        if isinstance(self.hidden, str):
            if self.hidden != AUTO:
                raise ValueError(f"hidden must be 'auto' or a sequence of layer sizes, got {self.hidden!r}")
            if n_features is None:
                raise ValueError("hidden='auto' is chosen from the input width: fit first, or give n_features")
            return auto_stack_hidden(n_features)
        return tuple(self.hidden)

    def _layer_options(self, n_layers: int) -> list[dict[str, Any]]:
        per_layer = list(self.layer_params) if self.layer_params is not None else [{}] * n_layers
        if len(per_layer) != n_layers:
            raise ValueError(f"layer_params has {len(per_layer)} entries, expected one per layer ({n_layers})")
        shared = {name: getattr(self, name) for name in LAYER_OPTIONS}
        for k, options in enumerate(per_layer):
            unknown = sorted(set(options) - set(LAYER_OPTIONS))
            if unknown:
                raise ValueError(f"layer_params[{k}] has unknown options {unknown}; expected some of {LAYER_OPTIONS}")
        return [{**shared, **options} for options in per_layer]

    def _model_config(self, n_features: int, scaling: str, n_outputs: int = 0) -> StackedConfig:
        sizes = (n_features, *self.layer_sizes(n_features))
        first_output = self.output_activation
        if first_output == "auto":
            first_output = "sigmoid" if scaling == "minmax" else "identity"
        options = self._layer_options(len(sizes) - 1)
        layers = []
        for k, o in enumerate(options):
            # Layer k reconstructs the codes of layer k-1: sigmoid codes get a sigmoid output.
            below = options[k - 1]["activation"] if k else None
            output = first_output if k == 0 else ("sigmoid" if below == "sigmoid" else "identity")
            layers.append(AutoencoderConfig(
                input_dim=sizes[k], latent_dim=sizes[k + 1], hidden=(), activation=o["activation"],
                latent_activation=o["activation"], output_activation=output,
                reconstruction_loss=o["loss"] if k == 0 else "mse", tied=o["tied"], noise=o["noise"],
                noise_level=o["noise_level"], sparsity=o["sparsity"], sparsity_weight=o["sparsity_weight"],
                sparsity_target=o["sparsity_target"], contractive_weight=o["contractive_weight"]).to_dict())
        return StackedConfig(input_dim=n_features, layers=tuple(layers), task=self.task, n_outputs=n_outputs,
                             dropout=self.dropout, linear_path=self._linear_path())

    def _linear_path(self) -> bool:
        """``linear_path`` resolved: "auto" is on for a supervised stack, off for the unsupervised one."""
        chosen = self.linear_path
        if isinstance(chosen, str) and chosen == AUTO:
            return self.task is not None
        if not isinstance(chosen, (bool, np.bool_)):
            raise ValueError(f"linear_path must be True, False or 'auto', got {chosen!r}")
        if chosen and self.task is None:
            raise ValueError(f"linear_path=True needs a supervised head: use StackedAutoencoderClassifier or "
                             f"StackedAutoencoderRegressor, not {type(self).__name__}")
        return bool(chosen)

    def _pretrain_epochs(self, n_layers: int) -> list[int | str]:
        """Epochs of each layer's pretraining; "auto" is sized by the shared rule of
        :meth:`aekit.training.TrainConfig.sized_for`, as every phase's other "auto" settings."""
        epochs = self.pretrain_epochs
        epochs = [epochs] * n_layers if np.isscalar(epochs) else list(epochs)
        if len(epochs) != n_layers or any(e != "auto" and (isinstance(e, str) or int(e) < 1) for e in epochs):
            raise ValueError(f"pretrain_epochs must be an int >= 1, 'auto', or one per layer ({n_layers}), got "
                             f"{self.pretrain_epochs!r}")
        return [e if e == "auto" else int(e) for e in epochs]

    # -- fitting ---------------------------------------------------------------------------
    def _targets(self, y, n_rows: int) -> tuple[np.ndarray | None, int]:
        """Training targets and the number of head outputs (unsupervised: none)."""
        return None, 0

    def fit(self, X, y=None):
        """Pretrain the layers greedily on ``X``, then fine-tune the whole stack.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            Training rows.
        y : array-like of shape (n_samples,) or None
            The targets of a classifier (any labels) or a regressor (numbers);
            ignored by the unsupervised :class:`StackedAutoencoder`.

        %(returns_self)s

        Raises
        ------
        ValueError
            A parameter outside its allowed values, or ``pretrain=False`` with
            ``fine_tune=False`` (nothing would be trained).
        aekit.exceptions.DataError
            Empty or non-numeric data, NaN values, or targets missing where needed.
        aekit.exceptions.CheckpointError
            With ``resume=True``: a phase's checkpoint no longer fits its settings or input.

        Examples
        --------
        %(fit_sae_classifier)s
        >>> clf.layer_sizes()
        (32, 16)
        """
        names = feature_names_of(X)
        if self.scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {self.scaling!r}")
        scaler, X = fit_preprocessing(X, self.scaling, type(self).__name__, self._unknown_policy())
        targets, n_outputs = self._targets(y, len(X))
        if not (self.pretrain or self.fine_tune):
            raise ValueError("pretrain=False and fine_tune=False would leave the stack untrained; "
                             "set at least one of them")
        train_cfg = self._train_config()
        train_cfg.validate()
        self._fit_latent = None if self.latent_dim is None else self._choose_latent_dim(X, X.shape[1], train_cfg.seed)
        try:
            model_cfg = self._model_config(X.shape[1], scaler.kind, n_outputs)
        finally:
            self._fit_latent = None
        model_cfg.validate()
        epochs = self._pretrain_epochs(len(model_cfg.layers))
        with torch.random.fork_rng():
            torch.manual_seed(train_cfg.seed)
            model = AutoencoderStack(model_cfg)
        pretrain_results = self._pretrain(model, X, train_cfg, epochs) if self.pretrain else []
        if self._has_fine_tune_phase():
            start = self._start_linear(model, X, targets, train_cfg)
            result = self._fine_tune(model, X, targets, train_cfg)
            if start is not None and _keep_start(model, start, X, targets, train_cfg):
                result = dataclasses.replace(result, best_epoch=0)
        else:
            result = pretrain_results[-1]

        self.scaler_, self.model_ = scaler, model.eval()
        self._remember_input(getattr(scaler, "n_features_in_", X.shape[1]), names)
        self.pretrain_history_ = [r.history for r in pretrain_results]
        sized = train_cfg.sized_for(len(X))
        self._remember_training(result, model_cfg.latent_dim, sized)
        self.training_settings_["pretrain_epochs"] = [sized.max_epochs if e == "auto" else e for e in epochs]
        self.training_settings_["hidden"] = list(self._hidden(X.shape[1]))
        self.training_settings_["validation_fraction"] = float(sized.validation_fraction)
        self._n_training_rows = len(X)
        if model_cfg.linear_path:
            self._warn_if_start_kept()
        return self

    def _start_linear(self, model: AutoencoderStack, X: np.ndarray, targets, cfg: TrainConfig) -> dict | None:
        """Set the linear path to the linear model of the training rows (validation rows left out) and
        the head to zero; return that start's weights (None: no linear path)."""
        if model.linear is None:
            return None
        train_rows, _ = validation_rows(len(X), cfg.sized_for(len(X)).validation_fraction, cfg.seed)
        rows = np.arange(len(X)) if train_rows is None else train_rows
        if len(rows) > LINEAR_START_ROWS:
            rows = np.random.default_rng(cfg.seed).choice(rows, LINEAR_START_ROWS, replace=False)
        weight, bias = _linear_model(X[rows], targets[rows], model.config.n_outputs, self.task, cfg.seed)
        model.init_linear_path(torch.as_tensor(weight, dtype=torch.float32), torch.as_tensor(bias, dtype=torch.float32))
        return weights_of(model)

    def _start_description(self) -> str:
        kind = "logistic regression" if self.task == "classify" else "ridge regression"
        return f"its linear start (a {kind} on the training rows)"

    def _has_fine_tune_phase(self) -> bool:
        # A supervised stack always trains its head; frozen features keep the layers fixed meanwhile.
        return self.fine_tune or self.task is not None

    def _phase_config(self, cfg: TrainConfig, phase: str, **changes) -> TrainConfig:
        """Each phase keeps its own checkpoints and loss log (a subfolder named after it)."""
        sub = {key: str(Path(getattr(cfg, key)) / phase) if getattr(cfg, key) is not None else None
               for key in ("checkpoint_dir", "log_dir")}
        return dataclasses.replace(cfg, **sub, **changes)

    def _pretrain(self, model: AutoencoderStack, X: np.ndarray, cfg: TrainConfig,
                  epochs: list[int]) -> list[TrainResult]:
        """Greedy layer-wise: layer k learns to reconstruct the codes of the frozen layers below."""
        results, codes = [], X
        for k, layer in enumerate(model.layers):
            layer_cfg = self._phase_config(cfg, f"pretrain-layer{k + 1}", max_epochs=epochs[k], seed=cfg.seed + k)
            results.append(_fit_phase(layer, codes, layer_cfg, f"the pretraining of layer {k + 1}"))
            codes = _encoded(layer, codes)
        return results

    def _fine_tune(self, model: AutoencoderStack, X: np.ndarray, targets, cfg: TrainConfig) -> TrainResult:
        data = X if targets is None else (X, targets)
        _check_fine_tuning_start(model, cfg)
        model.train()
        frozen = [] if self.fine_tune else list(model.layers.parameters())
        for p in frozen:
            p.requires_grad_(False)
        try:
            return _fit_phase(model, data, cfg, "fine-tuning")
        finally:
            for p in frozen:
                p.requires_grad_(True)

    # -- files -------------------------------------------------------------------------------
    def _fitted_state(self) -> dict[str, Any]:
        return {**super()._fitted_state(),
                "pretrain_history_": [h.to_dict(orient="list") for h in self.pretrain_history_]}

    def _restore(self, model, scaler, fitted: dict[str, Any]):
        super()._restore(model, scaler, fitted)
        self.pretrain_history_ = [pd.DataFrame(h) for h in fitted.get("pretrain_history_", [])]
        return self


def _fit_phase(model, data, cfg: TrainConfig, phase: str) -> TrainResult:
    """``fit_model`` for one phase; a checkpoint that cannot be resumed says which phase it belongs to."""
    try:
        return fit_model(model, data, cfg)
    except CheckpointError as err:
        raise CheckpointError(
            f"cannot resume {phase} from {cfg.checkpoint_dir}: {err} (a later phase's checkpoint no longer fits "
            "once the layers below it or the settings have changed)") from err


LINEAR_START_ROWS = 20_000  # rows the linear path's starting regression is fitted on, at most


def _linear_model(X: np.ndarray, targets: np.ndarray, n_outputs: int, task: str, seed: int):
    """Weight (n_outputs, n_features) and bias of scikit-learn's logistic regression (classes; logits)
    or ridge regression (standardised targets), at their default regularisation, fitted on ``X``."""
    from sklearn.linear_model import LogisticRegression, Ridge

    if task == "regress":
        ridge = Ridge().fit(X, targets)
        return np.asarray(ridge.coef_).reshape(n_outputs, -1), np.asarray(ridge.intercept_).reshape(n_outputs)
    weight, bias = np.zeros((n_outputs, X.shape[1])), np.zeros(n_outputs)
    present = np.unique(targets)
    if len(present) < 2:  # one class among the training rows: predict it
        bias[:] = -LOGIT_ABSENT
        bias[present] = 0.0
        return weight, bias
    logistic = LogisticRegression(max_iter=1000, random_state=seed).fit(X, targets)
    if len(present) == 2:  # one logit for the second class, against 0 for the first
        weight[present[1]], bias[present[1]] = logistic.coef_[0], logistic.intercept_[0]
        bias[np.setdiff1d(np.arange(n_outputs), present)] = min(0.0, bias[present[1]]) - LOGIT_ABSENT
        return weight, bias
    weight[present], bias[present] = logistic.coef_, logistic.intercept_
    bias[np.setdiff1d(np.arange(n_outputs), present)] = bias[present].min() - LOGIT_ABSENT
    return weight, bias


LOGIT_ABSENT = 10.0  # a class missing from the training rows starts this far below the others


@torch.no_grad()
def _keep_start(model: AutoencoderStack, start: dict, X: np.ndarray, targets, cfg: TrainConfig) -> bool:
    """Go back to the linear start when fine-tuning did not lower the supervised loss on the
    validation rows (those early stopping watched) below the start's; True when it went back."""
    _, rows = validation_rows(len(X), cfg.sized_for(len(X)).validation_fraction, cfg.seed)
    if rows is None:
        return False
    batch = (torch.from_numpy(np.asarray(X[rows], dtype=np.float32)), torch.from_numpy(targets[rows]))
    return keep_start_unless_beaten(model, start, lambda trained: float(trained.loss(batch)["loss"]))


FINE_TUNING_START = "fine-tune-start.json"  # beside fine-tuning's checkpoints: the weights it started from


def _check_fine_tuning_start(model: AutoencoderStack, cfg: TrainConfig) -> None:
    """Fine-tuning resumes only from the pretrained weights it started from: its checkpoint
    holds every layer, so resuming it after the pretraining changed would silently undo that."""
    if cfg.checkpoint_dir is None:
        return
    import hashlib
    import json

    from aekit.files import atomic_write
    from aekit.training.fit import LAST_CHECKPOINT

    digest = hashlib.blake2b(digest_size=16)
    for tensor in model.state_dict().values():
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    folder = Path(cfg.checkpoint_dir)
    marker = folder / FINE_TUNING_START
    if cfg.resume and (folder / LAST_CHECKPOINT).exists() and marker.exists():
        if json.loads(marker.read_text()).get("weights_blake2b") != digest.hexdigest():
            raise CheckpointError(
                f"cannot resume fine-tuning from {folder}: it started from other pretrained weights (the "
                "pretraining has changed since, e.g. more pretrain_epochs); use a new checkpoint directory, "
                "or resume=False to start over")
        return
    with atomic_write(marker, "w") as f:
        f.write(json.dumps({"weights_blake2b": digest.hexdigest()}))


@torch.no_grad()
def _encoded(layer: torch.nn.Module, X: np.ndarray) -> np.ndarray:
    """Clean (uncorrupted) codes of a trained layer, computed in batches."""
    was_training = layer.training
    layer.eval()
    parts = [layer.encode(torch.from_numpy(X[i:i + PREDICT_BATCH])).numpy() for i in range(0, len(X), PREDICT_BATCH)]
    layer.train(was_training)
    return np.concatenate(parts)


@fill_doc
class StackedAutoencoder(_StackedEstimator):
    """A stack of dense autoencoders, pretrained greedily layer by layer and
    optionally fine-tuned end to end as a deep autoencoder.

    Layer k (k >= 2) learns to reconstruct the codes of layers 1..k-1, which
    stay frozen while it trains; a denoising layer corrupts its own input
    (Vincent et al. 2010, stacked denoising autoencoders). ``transform``
    gives the top codes; the unrolled stack (encoders, then the decoders in
    reverse) reconstructs the input.

    Parameters
    ----------
    hidden : tuple of int or "auto", default="auto"
        Code size of each layer, bottom to top. "auto": the papers'
        (500, 250, 100), each layer capped at 4, 2 and 1 times the input
        width (a 4-column table gets (16, 8, 4); inputs of 500 features or
        more keep (500, 250, 100)); ``training_settings_["hidden"]`` records
        the choice. See :mod:`aekit.estimators.sizing`.
    latent_dim : int, "auto" or None, default=None
        If set, one more layer of this size on top of ``hidden``; "auto" as
        for :class:`aekit.Autoencoder` (the CLI's default).
    activation : str, default="relu"
        Activation of every layer's codes (``"sigmoid"`` as in the papers).
    output_activation : {"auto", "sigmoid", "identity"}, default="auto"
        Output of the first layer's decoder: sigmoid for data scaled to [0, 1].
    loss : {"mse", "bce"}, default="mse"
        Reconstruction loss of the first layer (upper layers use MSE).
    tied, noise, noise_level, sparsity, sparsity_weight, sparsity_target, contractive_weight
        Dense-family options of every layer, as in :class:`aekit.Autoencoder`.
    layer_params : list of dict or None, default=None
        One dict per layer overriding the shared options above for that layer,
        e.g. ``[{"noise": "masking", "noise_level": 0.3}, {}, {"sparsity": "l1"}]``.
    pretrain : bool, default=True
        Greedy layer-wise pretraining; ``False`` trains the same network from
        random initialisation.
    pretrain_epochs : int, "auto" or tuple of them, default="auto"
        Pretraining epochs, for every layer or one per layer. "auto": the
        step-based rule every family shares (``max_epochs="auto"`` of
        :class:`aekit.Autoencoder`: about 4,000 optimiser steps, 50 to 500
        epochs, with early stopping).
    fine_tune : bool, default=True
        Train the whole stack end to end after pretraining (for this
        unsupervised class: as a deep autoencoder).
    dropout : float, default=0.0
        Dropout on every layer's codes during fine-tuning (a regulariser of
        the end-to-end phase; pretraining, ``transform`` and ``predict``
        never drop).
    linear_path : bool or "auto", default="auto"
        The supervised forms only: a linear map from the input straight to
        the outputs, added to the head's. Before fine-tuning it is set to
        scikit-learn's ``LogisticRegression`` (classifier) or ``Ridge``
        (regressor, standardised targets) of the training rows (validation
        rows left out; at most 20,000 rows) and the head to zero, so
        fine-tuning starts *as* that linear model and brings the stack in as
        far as it lowers the loss; the start is kept when fine-tuning never
        lowers the validation loss below it (``best_epoch_ == 0``, with a
        ``StartKeptWarning``). On a small table whose pretrained codes carry
        little (150 skulls, 4 measurements, 5 classes) the classifier thus
        falls back to the logistic regression it contains instead of chance.
        "auto": on for the classifier and the regressor; the unsupervised
        stack has no head and refuses ``True``.
    max_epochs : int or "auto", default="auto"
        Epochs of the fine-tuning phase ("auto": as for :class:`aekit.Autoencoder`).
    weight_decay, scaling, learning_rate, batch_size, validation_fraction, patience,
    random_state, verbose, checkpoint_dir, resume, log_dir, accelerator, devices, num_nodes, strategy, precision, num_threads
        As in :class:`aekit.Autoencoder` (``validation_fraction="auto"``: a
        fifth of a table under 1,000 rows, else a tenth; the fraction used is
        ``training_settings_["validation_fraction"]``); every phase uses early stopping.
        Each pretrained layer keeps its checkpoints and log in a subfolder
        ``pretrain-layer<k>`` of ``checkpoint_dir`` / ``log_dir``, fine-tuning
        in ``checkpoint_dir`` / ``log_dir`` itself. ``resume=True`` after an
        interruption keeps the finished phases (their best weights are read
        back), continues the interrupted one from its last epoch and runs
        the rest: the same model as an uninterrupted fit. A phase whose
        checkpoint was written with other settings or from other input (a
        layer's codes, or fine-tuning's pretrained start, changed because a
        lower phase trained further) is refused with a ``CheckpointError``
        naming that phase.

    Attributes
    ----------
    model_ : aekit.models.AutoencoderStack
    scaler_ : aekit.data.Scaler or aekit.data.tabular.TabularPreprocessor
    n_features_in_ : int
    pretrain_history_ : list of pandas.DataFrame
        Per-epoch losses of each layer's pretraining.
    history_ : pandas.DataFrame
        Per-epoch losses of the last phase (fine-tuning, or the top layer's
        pretraining when ``fine_tune=False``).
    best_epoch_, n_epochs_ : int
    stopped_early_ : bool

    Raises
    ------
    %(fit_errors)s
    aekit.exceptions.CheckpointError
        From ``fit`` with ``resume=True``: a phase's checkpoint no longer fits its settings or input.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from aekit import StackedAutoencoder
    >>> X = load_digits().data / 16
    >>> sae = StackedAutoencoder(hidden=(32, 8), noise="masking", noise_level=0.2,
    ...                          pretrain_epochs=2, max_epochs=2, random_state=0).fit(X)
    >>> sae.transform(X[:3]).shape
    (3, 8)
    """


def _check_y(y, n_rows: int, estimator: str) -> np.ndarray:
    if y is None:
        raise ValueError(f"{estimator} requires y to be passed, but the target y is None")
    y = np.asarray(y)
    if len(y) != n_rows:
        raise DataError(f"y has {len(y)} rows, but X has {n_rows}; expected one target per row of X")
    if y.size == 0:
        raise DataError("y is empty; expected one target per row of X")
    if pd.isna(y).any():
        raise DataError(f"y contains NaN or missing values in {int(pd.isna(y).sum())} rows; "
                        "expected a target for every row")
    return y


@fill_doc
class StackedAutoencoderClassifier(ClassifierMixin, _StackedEstimator):
    """A stacked autoencoder with a softmax head: greedy layer-wise
    pretraining, then supervised fine-tuning of the whole network
    (Vincent et al. 2010). Labels may be any values (strings too);
    ``predict`` returns them as given.

    The parameters are those of :class:`StackedAutoencoder`; three of them
    act differently here.

    Parameters
    ----------
    %(supervised_stack)s

    Attributes
    ----------
    classes_ : numpy.ndarray
        The labels seen in ``fit``, sorted. The other fitted attributes are
        those of :class:`StackedAutoencoder`.

    Raises
    ------
    %(fit_errors)s
    aekit.exceptions.CheckpointError
        From ``fit`` with ``resume=True``: a phase's checkpoint no longer fits its settings or input.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from aekit import StackedAutoencoderClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = StackedAutoencoderClassifier(hidden=(32, 16), pretrain_epochs=2, max_epochs=10,
    ...                                    random_state=0).fit(X / 16, y)
    >>> clf.predict(X[:2] / 16).shape
    (2,)
    >>> bool(clf.score(X / 16, y) > 0.7)   # far above chance (0.1) after a few epochs
    True
    """

    task = "classify"

    def _targets(self, y, n_rows: int):
        y = _check_y(y, n_rows, type(self).__name__)
        if y.ndim != 1 and not (y.ndim == 2 and y.shape[1] == 1):
            raise DataError(f"y must be one label per row (1-D), got shape {y.shape}")
        y = column_or_1d(y, warn=True)  # a column vector is accepted with scikit-learn's warning
        check_classification_targets(y)
        classes, codes = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise DataError(f"y has only one class ({classes[0]}); a classifier needs at least 2 classes")
        self.classes_ = classes
        return codes.astype(np.int64), len(classes)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        %(X_features)s

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_classes)
            Each row sums to 1.

        Raises
        ------
        %(not_fitted)s
        %(bad_rows)s

        Examples
        --------
        %(fit_sae_classifier)s
        >>> clf.predict_proba(data.X_test).shape
        (360, 10)
        """
        X = self._checked(X)  # first: unfitted means NotFittedError
        X = self.scaler_.transform(X)
        return self._batched(lambda x: torch.softmax(self.model_.predict_head(x), dim=1), X)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample, as the labels were given to ``fit``.

        Parameters
        ----------
        %(X_features)s

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            Labels from ``classes_``.

        Raises
        ------
        %(not_fitted)s
        %(bad_rows)s

        Examples
        --------
        %(fit_sae_classifier)s
        >>> set(clf.predict(data.X_test)) <= set(clf.classes_)
        True
        """
        proba = self.predict_proba(X)  # first: unfitted means NotFittedError
        return self.classes_[np.argmax(proba, axis=1)]

    def _fitted_state(self) -> dict[str, Any]:
        return {**super()._fitted_state(), "classes_": self.classes_.tolist()}

    def _restore(self, model, scaler, fitted: dict[str, Any]):
        super()._restore(model, scaler, fitted)
        self.classes_ = np.asarray(fitted["classes_"])
        if len(self.classes_) != model.config.n_outputs:
            raise ValueError(f"{len(self.classes_)} classes stored for a head with {model.config.n_outputs} outputs")
        return self


@fill_doc
class StackedAutoencoderRegressor(RegressorMixin, _StackedEstimator):
    """A stacked autoencoder with a linear head: greedy layer-wise
    pretraining, then supervised fine-tuning on the mean squared error of
    the (standardised) targets.

    The parameters are those of :class:`StackedAutoencoder`; three of them
    act differently here.

    Parameters
    ----------
    %(supervised_stack)s

    Attributes
    ----------
    y_mean_, y_scale_ : numpy.ndarray
        Statistics the targets were standardised with. The other fitted
        attributes are those of :class:`StackedAutoencoder`.

    Raises
    ------
    %(fit_errors)s
    aekit.exceptions.CheckpointError
        From ``fit`` with ``resume=True``: a phase's checkpoint no longer fits its settings or input.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from aekit import StackedAutoencoderRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = StackedAutoencoderRegressor(hidden=(16, 8), pretrain_epochs=2, max_epochs=3,
    ...                                   random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> bool(reg.score(X, y) > 0)   # R^2 above that of predicting the mean
    True
    """

    task = "regress"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n, n_targets) gets one output per target
        return tags

    def _targets(self, y, n_rows: int):
        y = _check_y(y, n_rows, type(self).__name__)
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise DataError(f"y must be numbers for regression, got dtype {y.dtype}") from None
        if not np.isfinite(y).all():
            raise DataError("y contains infinity; expected finite targets")
        self._y_is_1d = y.ndim == 1
        y2 = y.reshape(len(y), -1)
        self.y_mean_, self.y_scale_ = y2.mean(axis=0), np.where(y2.std(axis=0) > 0, y2.std(axis=0), 1.0)
        return ((y2 - self.y_mean_) / self.y_scale_).astype(np.float32), y2.shape[1]

    def predict(self, X) -> np.ndarray:
        """Predicted targets, in the units of the ``y`` given to ``fit``.

        Parameters
        ----------
        %(X_features)s

        Returns
        -------
        numpy.ndarray of shape (n_samples,) or (n_samples, n_targets)
            Shaped as ``y`` was (one target: 1-d).

        Raises
        ------
        %(not_fitted)s
        %(bad_rows)s

        Examples
        --------
        >>> from sklearn.datasets import load_diabetes
        >>> from aekit import StackedAutoencoderRegressor
        >>> X, y = load_diabetes(return_X_y=True)
        >>> reg = StackedAutoencoderRegressor(hidden=(16, 8), pretrain_epochs=1, max_epochs=2,
        ...                                   random_state=0).fit(X, y)
        >>> reg.predict(X[:3]).shape
        (3,)
        """
        X = self._checked(X)
        scaled = self._batched(self.model_.predict_head, self.scaler_.transform(X)).astype(np.float64)
        y = scaled * self.y_scale_ + self.y_mean_
        return y.ravel() if self._y_is_1d else y

    def _fitted_state(self) -> dict[str, Any]:
        return {**super()._fitted_state(), "y_mean_": self.y_mean_.tolist(), "y_scale_": self.y_scale_.tolist(),
                "y_is_1d": self._y_is_1d}

    def _restore(self, model, scaler, fitted: dict[str, Any]):
        super()._restore(model, scaler, fitted)
        self.y_mean_ = np.asarray(fitted["y_mean_"], dtype=np.float64)
        self.y_scale_ = np.asarray(fitted["y_scale_"], dtype=np.float64)
        self._y_is_1d = bool(fitted["y_is_1d"])
        if self.y_mean_.shape != (model.config.n_outputs,) or self.y_scale_.shape != self.y_mean_.shape:
            raise ValueError(f"target statistics of shape {self.y_mean_.shape} for a head with "
                             f"{model.config.n_outputs} outputs")
        return self


SUPERVISED = {"classify": StackedAutoencoderClassifier, "regress": StackedAutoencoderRegressor}


def supervised_form(estimator: _StackedEstimator, task: str) -> _StackedEstimator:
    """The classifier or regressor with ``estimator``'s parameters (for ``--task``)."""
    if task not in SUPERVISED:
        raise ValueError(f"task must be one of {sorted(SUPERVISED)}, got {task!r}")
    if not isinstance(estimator, _StackedEstimator):
        raise ValueError(f"--task {task} needs a stacked model (stacked, sda), got {type(estimator).__name__}")
    return SUPERVISED[task](**estimator.get_params(deep=False))

