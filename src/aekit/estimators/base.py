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
from aekit.exceptions import DataError, StillImprovingWarning
from aekit.models import MODEL_FAMILIES, BaseAutoencoder, ModelConfig
from aekit.training import TrainConfig, fit_model
from aekit.training.devices import DEVICE_PARAMS, model_device

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


class AutoencoderEstimator(TransformerMixin, BaseEstimator):
    """Base of aekit's estimators. Subclasses define ``family`` and
    ``_model_config(n_features, scaling)``; their ``__init__`` stores the
    parameters and does nothing else (scikit-learn convention)."""

    family: ClassVar[str]

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
            **{name: getattr(self, name, default) for name, default in DEVICE_PARAMS.items()})

    # -- fitting -------------------------------------------------------------
    def fit(self, X, y=None):
        """Fit the autoencoder on ``X`` (n_samples, n_features); ``y`` is ignored.

        ``X`` may also be larger than memory: a BlockSource
        (:func:`aekit.data.blocks.open_blocks` of a ``.npy`` or Parquet file)
        or a large ``np.memmap``, read one block at a time.
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
        model_cfg = self._model_config(n_features, scaler.kind)
        model_cfg.validate()

        with torch.random.fork_rng():  # seeded initial weights, global RNG untouched
            torch.manual_seed(train_cfg.seed)
            model = MODEL_FAMILIES[self.family](model_cfg)
        self._initialise(model, data, train_cfg)
        result = fit_model(model, data, train_cfg)
        if self._keep_start(model, data, train_cfg):
            result = dataclasses.replace(result, best_epoch=0)
        # Only a fit that finished replaces the fitted state: a crash leaves the old one intact.
        self.scaler_, self.model_ = scaler, model.eval()
        self._global_rank = result.global_rank  # distributed training: only rank 0 saves
        self._remember_input(getattr(scaler, "n_features_in_", n_features), names)
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch
        self.n_epochs_ = result.epochs_run
        self.stopped_early_ = result.stopped_early
        return self

    def _initialise(self, model: BaseAutoencoder, data, cfg: TrainConfig) -> None:
        """Set initial weights from the (scaled) training data before training; default: nothing."""

    def _keep_start(self, model: BaseAutoencoder, data, cfg: TrainConfig) -> bool:
        """After training: go back to the initial weights if they were better (then True); default: no."""
        return False

    def _warn_if_still_improving(self) -> None:
        """Training that ends on its best epoch had more to learn: say so."""
        if self.still_improving_:
            warnings.warn(StillImprovingWarning(
                f"{type(self).__name__} stopped at max_epochs={self.n_epochs_} while the loss was still "
                "improving (the last epoch was the best); the model is likely undertrained: "
                "raise max_epochs (CLI: --epochs) or use max_epochs='auto'"), stacklevel=3)

    @property
    def still_improving_(self) -> bool:
        """True when training ended on its best epoch (it ran out of epochs, not of progress)."""
        check_is_fitted(self, "model_")
        return not self.stopped_early_ and self.best_epoch_ >= self.n_epochs_ > 0

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

    @torch.inference_mode()
    def _batched(self, fn, X: np.ndarray | tuple[np.ndarray, ...]) -> np.ndarray:
        """``fn`` over ``X`` (or a tuple of aligned arrays, e.g. rows and one-hot labels)
        in large batches, on the device the model is on."""
        self.model_.eval()
        device = model_device(self.model_)
        parts = [fn(batch).cpu().numpy() for batch in tensor_batches(X, PREDICT_BATCH, device)]
        return np.concatenate(parts).astype(np.float32, copy=False)

    def _model_inputs(self, X) -> np.ndarray | tuple[np.ndarray, ...]:
        """``X`` checked and scaled: what the model trains on (``model.loss``'s batch, in full)."""
        return self.scaler_.transform(self._checked(X))

    def transform(self, X) -> np.ndarray:
        """Codes of ``X``, shape (n_samples, latent_dim). Deterministic: no noise."""
        X = self._checked(X)  # first: an unfitted model raises NotFittedError
        return self._batched(self.model_.encode, self.scaler_.transform(X))

    def inverse_transform(self, Z) -> np.ndarray:
        """Decode codes back to input space (in the units of the training data)."""
        check_is_fitted(self, "model_")
        Z = self._checked(Z, name="Z", n_features=self.model_.config.latent_dim)
        return self.scaler_.inverse_transform(self._batched(self.model_.decode, Z))

    def reconstruct(self, X) -> np.ndarray:
        """``inverse_transform(transform(X))`` in one pass."""
        X = self._checked(X)
        return self.scaler_.inverse_transform(self._batched(self.model_, self.scaler_.transform(X)))

    def score_samples(self, X) -> np.ndarray:
        """Per-sample reconstruction error: mean squared error over features,
        measured on the scaled data (so every feature counts alike)."""
        X = self._checked(X)
        return self._batched(self.model_.reconstruction_error, self.scaler_.transform(X))

    def column_errors(self, X) -> pd.DataFrame:
        """Squared reconstruction error of each ORIGINAL column, one row per sample.

        A categorical column's error is the sum over its one-hot block. Every
        error is divided by the width the model sees, so that each row sums to
        the mean squared error over features, i.e. :meth:`score_samples` for a
        model scored by its MSE (``Autoencoder`` with ``loss="mse"``).

        Returns
        -------
        pandas.DataFrame of shape (n_samples, n_features_in_)
            Columns named as in fit (``x0``, ``x1``, ... without names).
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
        check_is_fitted(self, "model_")
        return np.asarray([f"{type(self).__name__.lower()}{i}"
                           for i in range(self.model_.config.latent_dim)], dtype=object)

    # -- files -------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to one ``.safetensors`` file (see :mod:`aekit.io`)."""
        from aekit.io import save_estimator
        return save_estimator(self, path)

    def _fitted_state(self) -> dict[str, Any]:
        """Plain, JSON-able fitted attributes stored in model files."""
        return {"n_features_in_": self.n_features_in_, "best_epoch_": self.best_epoch_,
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
        if fitted.get("feature_names_in_"):
            self.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
        return self
