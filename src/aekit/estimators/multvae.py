"""Mult-VAE and Mult-DAE: top-N recommendation from implicit feedback."""

from __future__ import annotations

import math

import numpy as np

from aekit.estimators.params import store_params
from aekit.estimators.recommender import TrainedRecommender
from aekit.models.multvae import MultVAE as MultVAEModel
from aekit.models.multvae import MultVAEConfig
from aekit.training import TrainConfig, fit_model

FOLD_IN_FRACTION = 0.8  # of a validation user's items given as input; the rest are the targets


class MultVAE(TrainedRecommender):
    """Mult-VAE (Liang et al., WWW 2018): a variational autoencoder with a
    multinomial likelihood over items, for implicit feedback.

    Ratings >= ``threshold`` become interactions (value 1). A user never
    seen in training is ranked by folding in their history (no retraining).

    Parameters
    ----------
    hidden : tuple of int, default=(600,)
    latent_dim : int, default=200
    input_dropout : float, default=0.5
    anneal_cap : float, default=0.2
        Largest beta of the KL term; beta grows linearly from 0.
    anneal_steps : int or None, default=None
        Training steps over which beta reaches the cap (None: all the steps
        ``max_epochs`` allow).
    l2 : float, default=0.0
        (l2 / 2) * ||W||^2 added to each batch's loss.
    learning_rate, max_epochs, batch_size, patience : training settings
        Adam; defaults 1e-3, 100, 128, 20 (chosen on movielens-small; the
        recommender benchmarks rest on them). Each of max_epochs,
        batch_size and patience may be "auto": the step-based rule every
        family shares (:meth:`aekit.training.TrainConfig.sized_for`, counted
        in training users), for ratings sets unlike movielens-small.
    validation_fraction : float, default=0.1
        Fraction of users held out for model selection: 80% of each one's
        items are the input, and the NDCG@100 of the other 20% is watched
        (early stopping after ``patience`` epochs without a better one; the
        best epoch's weights are kept), as Liang et al. select models.
    threshold : float, default=3.5
        Ratings at or above it count as interactions (ignored when
        ``rating_col`` is None: every row is an interaction).
    user_col, item_col, rating_col, duplicates, random_state, verbose, checkpoint_dir, resume, log_dir,
    accelerator, devices, num_nodes, strategy, precision, num_threads
        As in :class:`aekit.AutoRec`.

    Attributes
    ----------
    model_ : aekit.models.MultVAE
    user_ids_, item_ids_ : numpy.ndarray
    history_ : pandas.DataFrame

    Raises
    ------
    aekit.exceptions.DataError
        From ``fit``: ratings that are not numbers, NaN, outside
        ``rating_scale``, or repeated with ``duplicates="error"``; from the
        ranking methods: an unknown user with no history.

    Examples
    --------
    >>> from aekit import MultVAE
    >>> vae = MultVAE(max_epochs=20).fit("movielens-small")      # doctest: +SKIP
    >>> vae.recommend([31, 1029, 1061], n=10)                    # doctest: +SKIP
    """

    family = MultVAEModel.family
    variational = True

    def __init__(self, hidden: tuple[int, ...] = (600,), latent_dim: int = 200, input_dropout: float = 0.5,
                 anneal_cap: float = 0.2, anneal_steps: int | None = None, l2: float = 0.0,
                 learning_rate: float = 1e-3, max_epochs: int = 100, batch_size: int = 128,
                 validation_fraction: float = 0.1, patience: int = 20, threshold: float = 3.5,
                 user_col: str = "user", item_col: str = "item", rating_col: str | None = "rating",
                 duplicates: str = "last", random_state: int | None = None, verbose: int = 0,
                 checkpoint_dir: str | None = None, resume: bool = False, log_dir: str | None = None,
                 accelerator: str = "auto", devices: int | str = 1, num_nodes: int = 1, strategy: str = "auto",
                 precision: str = "32", num_threads: int | None = None):
        store_params(self, locals())

    def _fit_matrix(self, matrix):
        import torch

        seed = self._seed()
        train, validation = _hold_out_users(matrix, self.validation_fraction, seed)
        train_cfg = TrainConfig(max_epochs=self.max_epochs, batch_size=self.batch_size,
                                learning_rate=self.learning_rate, validation_fraction=0.0,
                                patience=self.patience, seed=seed, verbose=self.verbose,
                                **self._training_files()).sized_for(train.shape[0])
        steps = train_cfg.max_epochs * max(1, math.ceil(train.shape[0] / train_cfg.batch_size))
        n_users, n_items = matrix.shape
        config = MultVAEConfig(n_users=n_users, n_items=n_items, n_interactions=matrix.nnz, input_dim=n_items,
                               hidden=tuple(int(h) for h in np.atleast_1d(self.hidden)), latent_dim=self.latent_dim,
                               variational=self.variational, input_dropout=self.input_dropout,
                               anneal_cap=self.anneal_cap if self.variational else 0.0,
                               anneal_steps=self.anneal_steps or steps, l2=self.l2)
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            model = MultVAEModel(config)
        self._keep_training(fit_model(model, train, train_cfg, validation=validation))
        return model

    def _score_rows(self, X, user_rows: np.ndarray) -> np.ndarray:
        return self._forward_dense(X)


class MultDAE(MultVAE):
    """Mult-DAE (Liang et al., WWW 2018): the same network as :class:`MultVAE`
    with a deterministic code, no KL term, and L2 weight decay instead.

    Parameters are those of :class:`MultVAE` (``anneal_cap`` and
    ``anneal_steps`` are ignored) with other defaults: no hidden layer
    (``hidden=()``, the [I -> code -> I] network of Liang et al.'s Mult-DAE
    code), a code of ``latent_dim=400`` units, ``l2=0.005`` (a quarter of the
    paper's lambda = 0.01 on ||W||^2) and at most ``max_epochs=200``. Chosen
    on validation users of movielens-small (never test users): NDCG@100
    1.77 x popularity, against 1.62 x with ``l2=0.02`` (the default until
    2026-12-07), 1.68 x with a code of 600 and 1.44 x for the 600-200-600
    network with a code of 200 (the
    [recommendation benchmark](../../benchmarks/recsys.md) lists what was tried).

    Parameters
    ----------
    hidden : tuple of int, default=()
        Hidden layers between the input and the code (none: I -> code -> I).
    latent_dim : int, default=400
        Size of the code.
    l2 : float, default=0.005
        L2 weight decay, (l2 / 2) * ||W||^2 per batch (0.02 would be the
        paper's lambda = 0.01 on ||W||^2; 0.005 won on validation users).
    max_epochs : int, default=200
        At most this many epochs (early stopping on validation NDCG@100).

    Attributes
    ----------
    model_, user_ids_, item_ids_, n_users_, n_items_
        As :class:`MultVAE`.

    Raises
    ------
    aekit.exceptions.DataError
        As :class:`MultVAE`.

    Examples
    --------
    >>> from aekit import MultDAE
    >>> dae = MultDAE(max_epochs=20).fit("movielens-small")      # doctest: +SKIP
    """

    variational = False

    def __init__(self, hidden: tuple[int, ...] = (), latent_dim: int = 400, input_dropout: float = 0.5,
                 anneal_cap: float = 0.2, anneal_steps: int | None = None, l2: float = 0.005,
                 learning_rate: float = 1e-3, max_epochs: int = 200, batch_size: int = 128,
                 validation_fraction: float = 0.1, patience: int = 20, threshold: float = 3.5,
                 user_col: str = "user", item_col: str = "item", rating_col: str | None = "rating",
                 duplicates: str = "last", random_state: int | None = None, verbose: int = 0,
                 checkpoint_dir: str | None = None, resume: bool = False, log_dir: str | None = None,
                 accelerator: str = "auto", devices: int | str = 1, num_nodes: int = 1, strategy: str = "auto",
                 precision: str = "32", num_threads: int | None = None):
        super().__init__(hidden, latent_dim, input_dropout, anneal_cap, anneal_steps, l2, learning_rate,
                         max_epochs, batch_size, validation_fraction, patience, threshold, user_col, item_col,
                         rating_col, duplicates, random_state, verbose, checkpoint_dir, resume, log_dir,
                         accelerator, devices, num_nodes, strategy, precision, num_threads)


def _hold_out_users(matrix, fraction: float, seed: int):
    """Rows for training and, for held-out users, (80% of their items, the other 20%)."""
    from aekit.evaluation.recsys import split_rows_items

    if not 0 <= fraction < 1:
        raise ValueError(f"validation_fraction must be in [0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    n_val = int(round(matrix.shape[0] * fraction))
    if n_val < 1 or matrix.shape[0] - n_val < 1:
        return matrix, None
    order = rng.permutation(matrix.shape[0])
    held = matrix[np.sort(order[:n_val])]
    held = held[np.diff(held.indptr) >= 2]  # a user needs an input and a target
    if held.shape[0] == 0:
        return matrix, None
    return matrix[np.sort(order[n_val:])], split_rows_items(held, FOLD_IN_FRACTION, rng)
