"""The scikit-learn side shared by every autoencoder estimator.

A subclass names its model family and says how its parameters make a model
config; fitting, scaling, encoding, scoring and saving live here once.
"""

from __future__ import annotations

import dataclasses
import numbers
import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from aekit.data import Scaler, check_data, feature_names_of
from aekit.data.blocks import fit_scaler_by_blocks, is_block_source, open_blocks
from aekit.data.tabular import TabularPreprocessor, fit_preprocessing
from aekit.data.validation import column_mismatch
from aekit.estimators.sizing import AUTO_LATENT_MAX, resolve_latent_dim
from aekit.exceptions import DataError, StartKeptWarning, StillImprovingWarning
from aekit.models import MODEL_FAMILIES, BaseAutoencoder, ModelConfig
from aekit.training import TrainConfig, fit_model
from aekit.training.fit import STILL_IMPROVING_SHARE, more_epochs_advice, still_improving
from aekit.training.devices import device_settings, model_device
from aekit._docs import fill_doc

SCALINGS = ("auto", "minmax", "standard", "none")
PREDICT_BATCH = 16384


def hidden_sizes(hidden) -> tuple[int, ...]:
    """``hidden`` as a tuple of layer sizes: ``64`` means ``(64,)``, ``()`` no hidden layer."""
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        return (int(hidden),)
    try:
        sizes = tuple(hidden)
    except TypeError:
        raise ValueError(f"hidden must be an int or a sequence of ints (layer sizes), got {hidden!r}") from None
    if not all(isinstance(h, numbers.Integral) and not isinstance(h, bool) and h > 0 for h in sizes):
        raise ValueError(f"hidden must hold positive ints (layer sizes), got {hidden!r}")
    return tuple(int(h) for h in sizes)


def seed_from(random_state) -> int:
    """The int seed training uses: an int as given, else one drawn from
    ``check_random_state(random_state)`` (None: a fresh one each fit)."""
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(2**31 - 1))


def tensor_batches(data: np.ndarray | tuple[np.ndarray, ...], size: int, device=None):
    """Consecutive ``size``-row batches of an array, as tensors, or of a tuple of
    aligned arrays, as tuples of tensors."""
    arrays = data if isinstance(data, tuple) else (data,)
    for i in range(0, len(arrays[0]), size):
        batch = tuple(torch.from_numpy(a[i:i + size]).to(device) for a in arrays)
        yield batch if isinstance(data, tuple) else batch[0]


def weights_of(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A copy of ``model``'s weights (its state dict, detached and cloned), to load back later."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def keep_start_unless_beaten(model: torch.nn.Module, start: dict[str, torch.Tensor], validation_loss) -> bool:
    """Load the ``start`` weights back into the trained ``model`` unless the trained weights have a lower
    ``validation_loss(model)`` (a float, the model in eval mode); True when the start was kept."""
    trained = weights_of(model)
    losses = []
    for state in (start, trained):
        model.load_state_dict(state)
        losses.append(validation_loss(model.eval()))
    if losses[0] <= losses[1]:
        model.load_state_dict(start)
        return True
    model.load_state_dict(trained)
    return False


def finite_result(values: np.ndarray, who: str) -> np.ndarray:
    """``values`` (one row per sample), or a DataError naming the rows whose result overflowed:
    finite inputs far outside the range seen in fit (1e30, say) overflow float32 in the network."""
    bad = ~np.isfinite(values.reshape(len(values), -1)).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise DataError(f"{who}: the result is NaN or inf for {len(rows)} row(s) (rows {rows[:5].tolist()}"
                        f"{' ...' if len(rows) > 5 else ''}): their values, or the range seen in fit, are too large "
                        "for float32 arithmetic; check or clip them")
    return values


@fill_doc
class AutoencoderEstimator(TransformerMixin, BaseEstimator):
    """Base of aekit's autoencoder estimators: fit, transform, reconstruct, score, save.

    Subclasses define ``family`` and ``_model_config(n_features, scaling)``;
    their ``__init__`` stores the parameters and does nothing else
    (scikit-learn convention). Every method below is shared by
    :class:`~aekit.estimators.autoencoder.Autoencoder`, the convolutional,
    variational, stacked and sequence estimators.

    Attributes
    ----------
    model_ : aekit.models.BaseAutoencoder
        The trained torch module (after ``fit``).
    scaler_ : aekit.data.Scaler
        The scaling fitted on the training data.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : numpy.ndarray
        Column names seen in ``fit`` (only when fitted on a DataFrame).
    history_ : pandas.DataFrame
        Per-epoch ``train_loss`` (and ``val_loss``).
    best_epoch_ : int
        Epoch whose weights were kept.
    n_epochs_ : int
        Epochs trained.
    stopped_early_ : bool
        Whether early stopping ended training.

    Raises
    ------
    ValueError
        From ``fit``, for a parameter outside its allowed values.

    Examples
    --------
        %(fit_ae)s
    >>> ae.transform(data.X_test).shape
    (360, 8)
    """

    family: ClassVar[str]
    auto_latent_max: ClassVar[int] = AUTO_LATENT_MAX  # the largest code latent_dim="auto" picks

    # -- what subclasses provide -------------------------------------------
    def _model_config(self, n_features: int, scaling: str) -> ModelConfig:
        raise NotImplementedError

    def _check_scaled(self, X_scaled: np.ndarray, name: str) -> np.ndarray:
        """Refuse scaled data the model cannot take (a Bernoulli VAE needs [0, 1]); default: all."""
        return X_scaled

    def _train_config(self) -> TrainConfig:
        seed = seed_from(self.random_state)
        return TrainConfig(
            max_epochs=self.max_epochs, batch_size=self.batch_size, learning_rate=self.learning_rate,
            weight_decay=self.weight_decay, validation_fraction=self.validation_fraction,
            patience=self.patience, seed=seed, verbose=self.verbose,
            checkpoint_dir=self.checkpoint_dir, resume=self.resume, log_dir=self.log_dir,
            **device_settings(self))

    # -- fitting -------------------------------------------------------------
    def fit(self, X, y=None):
        """Fit the autoencoder on ``X``; ``y`` is ignored.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), DataFrame, or BlockSource
            Training rows. ``X`` may also be larger than memory: a BlockSource
            (:func:`aekit.data.blocks.open_blocks` of a ``.npy`` or Parquet file)
            or a large ``np.memmap``, read one block at a time.
        %(y_ignored)s

        %(returns_self)s

        Raises
        ------
        ValueError
            ``scaling`` or another parameter outside its allowed values.
        aekit.exceptions.DataError
            ``X`` is empty, not numeric, or holds NaN or infinite values.
        aekit.exceptions.TrainingDivergedError
            The loss became NaN or infinite (the previous fit, if any, is kept).

        Warns
        -----
        aekit.exceptions.StillImprovingWarning
            Training ended on its best epoch: the model is likely undertrained.

        Examples
        --------
        %(fit_ae)s
        >>> ae.n_epochs_
        2
        """
        if self.scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {self.scaling!r}")
        if is_block_source(X):
            source = open_blocks(X)
            self._train_config().sized_for(len(source)).validate()  # before a pass over data larger than memory
            self._fit_blocks(source)
        else:
            names = feature_names_of(X)
            scaler, X_scaled = fit_preprocessing(X, self.scaling, type(self).__name__, self._unknown_policy(),
                                                  copy=False)  # training only reads X_scaled
            self._fit_scaled(self._check_scaled(X_scaled, "X"), scaler, X_scaled.shape[1], names)
        self._warn_if_still_improving()
        return self

    def _fit_blocks(self, source):
        """Fit on data read block by block: scaling fitted in one pass, then trained on scaled blocks."""
        scaler = fit_scaler_by_blocks(source, self.scaling)
        names = np.asarray(source.columns, dtype=object) if source.columns else None
        scaled = source.map(lambda block: self._check_scaled(scaler.transform(block), "X"))
        return self._fit_scaled(scaled, scaler, source.n_features, names)

    def _unknown_policy(self) -> str:
        """What to do with a category not seen in fit (``handle_unknown``; "ignore" for estimators without it)."""
        return getattr(self, "handle_unknown", "ignore")

    def _fit_scaled(self, data, scaler: Scaler, n_features: int, names):
        train_cfg = self._train_config().sized_for(len(data[0]) if isinstance(data, tuple) else len(data))
        train_cfg.validate()
        self._fit_latent = self._choose_latent_dim(data, n_features, train_cfg.seed)
        try:
            model_cfg = self._model_config(n_features, scaler.kind)
        finally:
            self._fit_latent = None
        model_cfg.validate()

        with torch.random.fork_rng():  # seeded initial weights, global RNG untouched
            torch.manual_seed(train_cfg.seed)
            model = MODEL_FAMILIES[self.family](model_cfg)
        self._initialise(model, data, train_cfg)
        result = fit_model(model, data, train_cfg)
        self._n_training_rows = len(data[0]) if isinstance(data, tuple) else len(data)
        if self._keep_start(model, data, train_cfg):
            result = dataclasses.replace(result, best_epoch=0)
        # Only a fit that finished replaces the fitted state: a crash leaves the old one intact.
        self.scaler_, self.model_ = scaler, model.eval()
        self._global_rank = result.global_rank  # distributed training: only rank 0 saves
        self._remember_input(getattr(scaler, "n_features_in_", n_features), names)
        self._remember_training(result, getattr(model_cfg, "latent_dim", None), train_cfg)
        return self

    def _choose_latent_dim(self, data, n_features: int, seed: int) -> int:
        """``latent_dim`` as an int for this fit (see :mod:`aekit.estimators.sizing`), from the
        scaled training rows (the first array of a tuple; the first block of a block source)."""
        if not hasattr(self, "latent_dim"):  # a family without a code size parameter (the image codec)
            return None
        rows = data[0] if isinstance(data, tuple) else data
        if is_block_source(rows):
            rows = rows.read(0)
        return resolve_latent_dim(self.latent_dim, rows, n_features, type(self).__name__, seed,
                                  self.auto_latent_max)

    def _code_size(self, n_features: int) -> int:
        """The code size a model config gets: the one chosen for the fit in progress, else
        ``latent_dim`` (an "auto" one by the input width alone)."""
        chosen = getattr(self, "_fit_latent", None)
        if chosen is not None:
            return chosen
        return resolve_latent_dim(self.latent_dim, None, n_features, type(self).__name__,
                                  maximum=self.auto_latent_max)

    def _remember_training(self, result, latent_dim: int, cfg: TrainConfig) -> None:
        """The fitted attributes of a finished training run, with what the "auto" settings chose."""
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch
        self.n_epochs_ = result.epochs_run
        self.stopped_early_ = result.stopped_early
        self.training_settings_ = {"max_epochs": int(cfg.max_epochs), "batch_size": int(cfg.batch_size),
                                   "patience": int(cfg.patience)}
        if cfg.epoch_limit is not None:  # an "auto" budget: how far a run still improving could go on
            self.training_settings_["epoch_limit"] = int(cfg.epoch_limit)
        if latent_dim is not None:
            self.latent_dim_ = int(latent_dim)
            self.training_settings_ = {"latent_dim": int(latent_dim), **self.training_settings_}

    def _initialise(self, model: BaseAutoencoder, data, cfg: TrainConfig) -> None:
        """Set initial weights from the (scaled) training data before training; default: nothing."""

    def _keep_start(self, model: BaseAutoencoder, data, cfg: TrainConfig) -> bool:
        """After training: go back to the initial weights if they were better (then True); default: no."""
        return False

    def _warn_if_still_improving(self) -> None:
        """Training that ran out of epochs while its loss still fell appreciably had more to learn: say
        so; and say when training never beat its starting point (best epoch 0)."""
        if self.still_improving_:
            warnings.warn(StillImprovingWarning(
                f"{type(self).__name__} stopped at max_epochs={self.n_epochs_} while the loss was still "
                f"improving (its last epoch was its best, and its last epochs lowered the loss by more than "
                f"{STILL_IMPROVING_SHARE:.0%}); the model is likely undertrained: "
                f"{more_epochs_advice(getattr(self, 'max_epochs', None), self.n_epochs_)}"), stacklevel=3)
        self._warn_if_start_kept()

    def _warn_if_start_kept(self) -> None:
        """Say when training never beat its starting point (best epoch 0): the model is that start."""
        if self.best_epoch_ == 0 and self.n_epochs_ > 0:
            cause = (f"on {getattr(self, '_n_training_rows', 'these')} training rows the network did not generalise "
                     "better than its start; more rows would help" if self.stopped_early_ else
                     f"{self.n_epochs_} epoch(s) were too few to move past it: raise max_epochs")
            warnings.warn(StartKeptWarning(
                f"{type(self).__name__}: in {self.n_epochs_} epoch(s) training never beat {self._start_description()} "
                f"on the validation rows, so the fitted model is that start (best_epoch_=0); {cause}"), stacklevel=4)

    def _start_description(self) -> str:
        """What the weights of epoch 0 are (for the best-epoch-0 warning)."""
        return "its initial weights"

    @property
    def still_improving_(self) -> bool:
        """True when training ran out of epochs, not of progress: it ended on its best epoch and
        its last ``patience`` epochs still lowered the validation loss by more than 5 % of its value
        (:func:`aekit.training.fit.still_improving`)."""
        check_is_fitted(self, "model_")
        window = getattr(self, "training_settings_", {}).get("patience", 1)
        return still_improving(self.history_, self.best_epoch_, self.n_epochs_, self.stopped_early_, window)

    def _remember_input(self, n_features: int, names) -> None:
        """``n_features_in_``, and ``feature_names_in_`` when fitted on a DataFrame."""
        self.n_features_in_ = n_features
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    # -- using a fitted model --------------------------------------------------
    def _checked(self, X, name: str = "X", n_features: int | None = None) -> np.ndarray:
        """``X`` checked for ``scaler_.transform`` (a table with categories stays a DataFrame)."""
        check_is_fitted(self, "model_")
        if n_features is None:
            n_features = self.n_features_in_
            self._check_feature_names(X)
            if self._has_categories():
                self.scaler_.handle_unknown = self._unknown_policy()  # set_params after fit applies
                return self.scaler_.checked_frame(X)
        return check_data(X, name=name, n_features=n_features, estimator_name=type(self).__name__)

    def _check_feature_names(self, X) -> None:
        """A DataFrame must bring the columns seen in fit, in the same order."""
        fitted, given = getattr(self, "feature_names_in_", None), feature_names_of(X)
        if fitted is None or given is None:
            return
        detail = column_mismatch(given, fitted)
        if detail:
            raise DataError(f"X's columns do not match the {len(fitted)} columns {type(self).__name__} "
                            f"was fitted on: {detail}; pass the columns seen in fit, in that order")

    def _unscaled(self, values: np.ndarray) -> np.ndarray:
        """``values`` back in the training data's units, checked: a finite result in scaled units
        can still overflow float32 there (inputs near 3e38 with a scale of the same size)."""
        result = self.scaler_.inverse_transform(values)
        if isinstance(result, np.ndarray):
            return finite_result(result, type(self).__name__)
        finite_result(result.select_dtypes("number").to_numpy(), type(self).__name__)  # a table: its numbers
        return result

    @torch.inference_mode()
    def _batched(self, fn, X: np.ndarray | tuple[np.ndarray, ...]) -> np.ndarray:
        """``fn`` over ``X`` (or a tuple of aligned arrays, e.g. rows and one-hot labels)
        in large batches, on the device the model is on."""
        self.model_.eval()
        device = model_device(self.model_)
        parts = [fn(batch).cpu().numpy() for batch in tensor_batches(X, PREDICT_BATCH, device)]
        return finite_result(np.concatenate(parts).astype(np.float32, copy=False), type(self).__name__)

    def _model_inputs(self, X) -> np.ndarray | tuple[np.ndarray, ...]:
        """``X`` checked and scaled: what the model trains on (``model.loss``'s batch, in full)."""
        return self.scaler_.transform(self._checked(X))

    def transform(self, X) -> np.ndarray:
        """Codes of ``X``; deterministic (no noise).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            Rows with the features (and column names, for a DataFrame) seen in ``fit``.

        Returns
        -------
        numpy.ndarray of shape (n_samples, latent_dim), float32
            The codes.

        Raises
        ------
        %(not_fitted)s
        %(bad_rows)s

        Examples
        --------
        %(fit_ae)s
        >>> ae.transform(data.X_test).shape
        (360, 8)
        """
        X = self._checked(X)  # first: an unfitted model raises NotFittedError
        return self._batched(self.model_.encode, self.scaler_.transform(X))

    def inverse_transform(self, Z) -> np.ndarray:
        """Decode codes back to input space, in the units of the training data.

        Parameters
        ----------
        Z : array-like of shape (n_samples, latent_dim)
            Codes, e.g. from :meth:`transform`.

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_features_in_)
            The decoded rows.

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.DataError
            ``Z`` does not have ``latent_dim`` columns, or holds NaN values.

        Examples
        --------
        %(fit_ae)s
        >>> ae.inverse_transform(ae.transform(data.X_test)).shape
        (360, 64)
        """
        check_is_fitted(self, "model_")
        Z = self._checked(Z, name="Z", n_features=self.model_.config.latent_dim)
        return self._unscaled(self._batched(self.model_.decode, Z))

    def reconstruct(self, X) -> np.ndarray:
        """Reconstruct ``X``: ``inverse_transform(transform(X))`` in one pass.

        Parameters
        ----------
        %(X_as_transform)s

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_features_in_)
            The reconstructions, in the units of the training data.

        Raises
        ------
        %(not_fitted)s
        %(bad_as_transform)s

        Examples
        --------
        %(fit_ae)s
        >>> ae.reconstruct(data.X_test).shape
        (360, 64)
        """
        X = self._checked(X)
        return self._unscaled(self._batched(self.model_, self.scaler_.transform(X)))

    def score_samples(self, X) -> np.ndarray:
        """Per-sample reconstruction error.

        The mean squared error over features, measured on the scaled data (so
        every feature counts alike); higher means worse reconstructed.

        Parameters
        ----------
        %(X_as_transform)s

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            One error per row.

        Raises
        ------
        %(not_fitted)s
        %(bad_as_transform)s

        Examples
        --------
        %(fit_ae)s
        >>> errors = ae.score_samples(data.X_test)
        >>> errors.shape, bool((errors >= 0).all())
        ((360,), True)
        """
        X = self._checked(X)
        return self._batched(self.model_.reconstruction_error, self.scaler_.transform(X))

    def column_errors(self, X) -> pd.DataFrame:
        """Squared reconstruction error of each ORIGINAL column, one row per sample.

        A categorical column's error is the sum over its one-hot block. Every
        error is divided by the width the model sees, so that each row sums to
        the mean squared error over features, i.e. :meth:`score_samples` for a
        model scored by its MSE (``Autoencoder`` with ``loss="mse"``).

        Parameters
        ----------
        %(X_as_transform)s

        Returns
        -------
        pandas.DataFrame of shape (n_samples, n_features_in_)
            Columns named as in fit (``x0``, ``x1``, ... without names).

        Raises
        ------
        %(not_fitted)s
        %(bad_as_transform)s

        Examples
        --------
        %(fit_ae)s
        >>> errors = ae.column_errors(data.X_test)
        >>> errors.shape, bool(abs(errors.sum(axis=1) - ae.score_samples(data.X_test)).max() < 1e-5)
        ((360, 64), True)
        """
        X_scaled = self.scaler_.transform(self._checked(X))
        squared = np.square(self._batched(self.model_, X_scaled) - X_scaled) / np.float32(X_scaled.shape[1])
        index = X.index if hasattr(X, "index") and len(getattr(X, "index", ())) == len(X_scaled) else None
        return pd.DataFrame({name: squared[:, part].sum(axis=1) for name, part in self._column_slices().items()},
                            index=index)

    def _column_slices(self) -> dict[str, slice]:
        """Which of the model's inputs each original column became."""
        if self._has_categories():
            return self.scaler_.column_slices()
        names = getattr(self, "feature_names_in_", None)
        names = list(names) if names is not None else [f"x{i}" for i in range(self.n_features_in_)]
        return {name: slice(i, i + 1) for i, name in enumerate(names)}

    def _has_categories(self) -> bool:
        return isinstance(getattr(self, "scaler_", None), TabularPreprocessor)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the code columns, for scikit-learn's ``set_output`` and pipelines.

        Parameters
        ----------
        input_features : None
            Ignored (scikit-learn convention).

        Returns
        -------
        numpy.ndarray of str, shape (latent_dim,)
            ``autoencoder0``, ``autoencoder1``, ... (the class name, lower case).

        Raises
        ------
        %(not_fitted)s

        Examples
        --------
        %(fit_ae)s
        >>> list(ae.get_feature_names_out()[:2])
        ['autoencoder0', 'autoencoder1']
        """
        check_is_fitted(self, "model_")
        return np.asarray([f"{type(self).__name__.lower()}{i}"
                           for i in range(self.model_.config.latent_dim)], dtype=object)

    # -- files -------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to one ``.safetensors`` file (see :mod:`aekit.io`).

        Parameters
        ----------
        path : str or pathlib.Path
            The file to write (its folder is created).

        Returns
        -------
        pathlib.Path
            The file written; :func:`aekit.load` reads it back.

        Raises
        ------
        %(not_fitted)s

        Examples
        --------
        %(fit_ae)s
        >>> import tempfile
        >>> from aekit import load
        >>> path = ae.save(f"{tempfile.mkdtemp()}/ae.safetensors")
        >>> bool((load(path).transform(data.X_test) == ae.transform(data.X_test)).all())
        True
        """
        from aekit.io import save_estimator
        return save_estimator(self, path)

    def _fitted_state(self) -> dict[str, Any]:
        """Plain, JSON-able fitted attributes stored in model files."""
        return {"n_features_in_": self.n_features_in_, "best_epoch_": self.best_epoch_,
                "training_settings_": getattr(self, "training_settings_", None),
                "n_epochs_": self.n_epochs_, "stopped_early_": self.stopped_early_,
                "history_": self.history_.to_dict(orient="list"),
                "feature_names_in_": list(getattr(self, "feature_names_in_", [])) or None}

    def _restore(self, model: BaseAutoencoder, scaler: Scaler, fitted: dict[str, Any]):
        self.model_ = model.eval()
        self.scaler_ = scaler
        self.n_features_in_ = int(fitted["n_features_in_"])
        self.best_epoch_ = int(fitted["best_epoch_"])
        self.n_epochs_ = int(fitted["n_epochs_"])
        self.stopped_early_ = bool(fitted["stopped_early_"])
        self.history_ = pd.DataFrame(fitted["history_"])
        if hasattr(model.config, "latent_dim"):
            self.latent_dim_ = int(model.config.latent_dim)
        if fitted.get("training_settings_"):
            self.training_settings_ = dict(fitted["training_settings_"])
        if fitted.get("feature_names_in_"):
            self.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
        return self
