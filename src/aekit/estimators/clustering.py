"""``aekit.DeepClustering``: clusters found in an autoencoder's codes.

An autoencoder of any family (dense, convolutional, sequence; by preset name
or as an estimator) is fitted on the data, then the codes are clustered:

- ``"kmeans"``: k-means on the codes;
- ``"gmm"``: a Gaussian mixture (full covariances) on the codes, the likeliest of several starts;
- ``"n2d"``: N2D (McConville et al. 2020): UMAP of the codes to
  ``n_clusters`` dimensions, then a Gaussian mixture there (needs the
  ``umap`` extra: ``pip install 'aekit[umap]'``);
- ``"dec"``: DEC (Xie et al. 2016): k-means centres in code space, then the
  encoder and the centres trained together on ``KL(P || Q)``, ``Q`` the
  Student's t soft assignment, ``P`` its sharpened target recomputed over the
  whole data set every ``update_interval`` iterations, until fewer than
  ``tol`` of the labels change between two updates;
- ``"idec"``: IDEC (Guo et al. 2017): DEC with the autoencoder's
  reconstruction loss kept beside the clustering loss (weight ``gamma``).

The model and the clustering (labels, centres, mixture) are saved in one
model file; :func:`aekit.load` gives the same labels back.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import numbers
import warnings
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.utils.validation import check_is_fitted

from aekit.estimators.base import AutoencoderEstimator, seed_from
from aekit.estimators.presets import make_estimator
from aekit.evaluation.clustering import NO_STRUCTURE_SILHOUETTE
from aekit.exceptions import DataError, MissingDependencyError, WeakClusterStructureWarning
from aekit.models.dec import DECConfig, DECModel, kl_divergence, soft_assignment, target_distribution
from aekit.training import fit_model
from aekit._threads import intra_op_threads
from aekit._docs import fill_doc

METHODS = ("kmeans", "gmm", "n2d", "dec", "idec")
AUTO_CRITERIA = ("silhouette", "bic")
# What the encoder gets unless encoder_params say otherwise (where it takes them): the
# architecture of DEC, IDEC and N2D (d-500-500-2000-10); its training budget stays the family's "auto".
# The code is "auto" (aekit.estimators.sizing) with DEC's 10 as its largest size: 10 on images and
# wide tables as in the papers, narrower on narrow tables (iris: 2), where a 10-wide code would be
# wider than the input and could learn the identity map.
# Below DEC_MIN_ROWS rows the encoder keeps its preset's own (smaller) hidden layers: DEC's 3.3 M
# weights (784 inputs) would be thousands per row, and pretraining them took minutes on a 300-row table
# for no better clusters; the papers' smallest data sets have about 7,000 rows (USPS, pendigits, HAR).
ENCODER_DEFAULTS = {"latent_dim": "auto", "hidden": (500, 500, 2000)}
DEC_MIN_ROWS = 1000
CLUSTER_CODE_MAX = 10
AUTO_SAMPLE = 5000  # n_clusters="auto" scores each k on at most this many codes
MIXTURE_STATE = ("weights_", "means_", "covariances_", "precisions_cholesky_")


@fill_doc
class DeepClustering(ClusterMixin, BaseEstimator):
    """Clustering in the code space of an autoencoder (k-means, GMM, N2D, DEC, IDEC).

    Parameters
    ----------
    n_clusters : int or "auto"
        Number of clusters. ``"auto"`` picks it on the codes, from 2 to
        ``max_clusters``, by ``auto_criterion``; the scores are kept in
        ``n_clusters_scores_``.
    method : {"kmeans", "gmm", "n2d", "dec", "idec"}, default="kmeans"
        How the codes are clustered (see the module docstring).
    encoder : str or AutoencoderEstimator, default="ae"
        The autoencoder: a preset name (``"ae"``, ``"dae"``, ``"conv"``,
        ``"lstm-ae"``, ...; see :mod:`aekit.estimators.presets`) or an
        estimator. An unfitted estimator is cloned and fitted on ``X``; a
        fitted one is copied and used as is (no pretraining).
    encoder_params : dict or None, default=None
        Parameters for a preset encoder, over ``latent_dim="auto",
        hidden=(500, 500, 2000)`` (DEC's architecture, d-500-500-2000-10;
        below 1,000 rows the preset's own hidden layers, ``(256,)`` for
        ``"ae"``, which pretrain in seconds instead of minutes):
        "auto" is the code size rule of :mod:`aekit.estimators.sizing` with
        DEC's 10 as its largest size (10 on images, 2 on iris's 4 columns);
        the training budget is the family's default (``"auto"``).
    n_init : int, default=20
        Starts of k-means (whose best start gives DEC's centres) and of the
        Gaussian mixtures (``"gmm"``, ``"n2d"``: the likelier of a mixture
        started from the best k-means and one with ``n_init`` starts of its
        own; a single start often merges two groups and splits another).
    max_clusters : int, default=20
        Largest number of clusters ``"auto"`` tries.
    auto_criterion : {"silhouette", "bic"}, default="silhouette"
        How ``"auto"`` scores a number of clusters: the silhouette of
        k-means on the codes (highest wins; it needs no assumption on the
        clusters' shape), or the BIC of a full-covariance Gaussian mixture
        (lowest wins; it keeps adding components where the clusters of the
        codes are not Gaussian, so it tends to pick too many). With the
        silhouette, a best score of 0.25 or less (no substantial structure,
        on Kaufman and Rousseeuw's scale) gives a
        :class:`~aekit.exceptions.WeakClusterStructureWarning`: the number
        picked is then a guess. Measured on sets with known classes
        (``benchmarks/clustering_auto_k.py``), neither criterion finds the
        10 classes of digits or MNIST-5k.
    update_interval : int, default=140
        DEC / IDEC: training iterations between two updates of the target
        distribution (140 in both papers).
    tol : float, default=0.001
        DEC / IDEC: stop when the share of labels that changed between two
        updates falls below ``tol`` (0.1% in both papers).
    max_iter : int, default=20000
        DEC / IDEC: most training iterations.
    batch_size : int, default=256
        DEC / IDEC: rows per iteration.
    learning_rate : float, default=1e-3
        DEC / IDEC: Adam's step size while fine-tuning (IDEC's setting, Guo et al. 2017).
    alpha : float, default=1.0
        DEC / IDEC: degrees of freedom of the Student's t kernel.
    gamma : float, default=0.1
        IDEC: weight of the clustering loss beside the reconstruction loss.
    umap_neighbors : int, default=20
        N2D: UMAP's ``n_neighbors``.
    umap_min_dist : float, default=0.0
        N2D: UMAP's ``min_dist``.
    random_state : int, RandomState or None, default=None
        Seed of everything random (the encoder's training unless its
        parameters set one, k-means, mixtures, UMAP, DEC's batches).

    Attributes
    ----------
    labels_ : numpy.ndarray of shape (n_samples,)
        Cluster of each training sample.
    cluster_centers_ : numpy.ndarray of shape (n_clusters_, latent_dim)
        Centres in code space (N2D: the mean code of each cluster).
    n_clusters_ : int
        The number of clusters used.
    n_clusters_scores_ : pandas.DataFrame or None
        With ``n_clusters="auto"``: ``k`` and its ``score`` for every k tried.
    encoder_ : AutoencoderEstimator
        The fitted autoencoder (after DEC / IDEC: fine-tuned, its model a
        :class:`aekit.models.DECModel`).
    mixture_ : sklearn.mixture.GaussianMixture
        ``"gmm"`` and ``"n2d"``: the fitted mixture.
    clustering_history_ : pandas.DataFrame or None
        DEC / IDEC: one row per target update: ``iteration``, ``changed``
        (share of labels changed since the last update), ``kl_start``
        (``KL(P || Q)`` just after the update) and ``kl_end`` (the same
        ``P`` against ``Q`` at the next update: it falls as training fits Q to P);
        the last row is the final check (no update: NaN losses).
    n_iter_ : int
        DEC / IDEC: training iterations run (0 otherwise).
    converged_ : bool
        DEC / IDEC: whether the ``tol`` rule stopped training (not ``max_iter``).
    n_features_in_ : int

    Raises
    ------
    DataError
        In ``fit``, for data with fewer than 2 rows, fewer rows than
        ``n_clusters``, or NaN / infinite values.
    MissingDependencyError
        For ``method="n2d"`` without umap-learn installed.

    Examples
    --------
    %(fit_clustering)s
    >>> dc.labels_.shape, dc.cluster_centers_.shape, sorted(set(dc.predict(X[:50]).tolist())) <= [0, 1, 2]
    ((300,), (3, 4), True)
    """

    def __init__(self, n_clusters, method="kmeans", encoder="ae", encoder_params=None, n_init=20,
                 max_clusters=20, auto_criterion="silhouette", update_interval=140, tol=1e-3, max_iter=20000,
                 batch_size=256, learning_rate=1e-3, alpha=1.0, gamma=0.1, umap_neighbors=20, umap_min_dist=0.0,
                 random_state=None):
        self.n_clusters = n_clusters
        self.method = method
        self.encoder = encoder
        self.encoder_params = encoder_params
        self.n_init = n_init
        self.max_clusters = max_clusters
        self.auto_criterion = auto_criterion
        self.update_interval = update_interval
        self.tol = tol
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.alpha = alpha
        self.gamma = gamma
        self.umap_neighbors = umap_neighbors
        self.umap_min_dist = umap_min_dist
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------------
    def fit(self, X, y=None) -> DeepClustering:
        """Fit the autoencoder on ``X`` (unless it came fitted), then cluster its codes; ``y`` is ignored.

        Parameters
        ----------
        %(X_encoder)s
        y : None
            Ignored (the clustering is unsupervised).

        Returns
        -------
        DeepClustering
            ``self``: ``labels_``, ``cluster_centers_``, ``encoder_``.

        Raises
        ------
        ValueError
            A parameter outside its allowed values.
        aekit.exceptions.MissingDependencyError
            ``method="n2d"`` without umap-learn (``pip install 'aekit[umap]'``).
        %(bad_encoder_input)s

        Examples
        --------
        %(fit_clustering)s
        >>> dc.labels_.shape
        (300,)
        """
        self._check_params(X)
        if self.method == "n2d":
            _umap_module()  # before the long part: say at once that the extra is missing
        seed = seed_from(self.random_state)
        encoder = self._fitted_encoder(X, seed)
        codes = encoder.transform(X)
        self.n_clusters_scores_ = None
        k = self.n_clusters
        if k == "auto":
            k, self.n_clusters_scores_ = self._pick_n_clusters(codes, seed)
        self.n_clusters_, self.seed_ = int(k), seed
        self.n_iter_, self.converged_, self.clustering_history_ = 0, False, None
        if self.method == "gmm":
            self.mixture_ = self._mixture(codes, seed)
            self.cluster_centers_ = self.mixture_.means_.astype(np.float32)
            self.labels_ = self.mixture_.predict(codes)
        elif self.method == "n2d":
            self.codes_ = codes  # UMAP is refitted on them after loading (it is not stored)
            embedding = self._umap().embedding_
            self.mixture_ = self._mixture(embedding, seed)
            self.labels_ = self.mixture_.predict(embedding)
            self.cluster_centers_ = _cluster_means(codes, self.labels_, self.n_clusters_)
        else:
            kmeans = KMeans(self.n_clusters_, n_init=self.n_init, random_state=seed).fit(codes)
            self.cluster_centers_, self.labels_ = kmeans.cluster_centers_.astype(np.float32), kmeans.labels_
        if self.method in ("dec", "idec"):
            encoder = self._fine_tune(encoder, X, kmeans.cluster_centers_, seed)
            self.cluster_centers_ = encoder.model_.centers.detach().cpu().numpy().copy()
        self.labels_ = np.asarray(self.labels_, dtype=np.int64)
        self.encoder_ = encoder
        self.n_features_in_ = encoder.n_features_in_
        return self

    def _check_params(self, X) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if self.auto_criterion not in AUTO_CRITERIA:
            raise ValueError(f"auto_criterion must be one of {AUTO_CRITERIA}, got {self.auto_criterion!r}")
        k = self.n_clusters
        if k != "auto" and not (isinstance(k, numbers.Integral) and not isinstance(k, bool) and k >= 2):
            raise ValueError(f"n_clusters must be an int >= 2 or 'auto', got {k!r}")
        try:
            n = len(X)
        except TypeError:
            raise DataError(f"X must be an array of samples, got {type(X).__name__}") from None
        if n < 2:
            raise DataError(f"X has {n} row(s); clustering needs at least 2 (expected n_samples >= 2)")
        if k != "auto" and k > n:
            raise DataError(f"n_clusters={k} is larger than the {n} rows of X; expected n_clusters <= {n}")

    def _fitted_encoder(self, X, seed: int) -> AutoencoderEstimator:
        """A copy of a fitted ``encoder`` as is; otherwise a new one, fitted on ``X``."""
        if isinstance(self.encoder, str):
            encoder = preset_encoder(self.encoder, self.encoder_params, seed, n_rows=len(X))
        elif hasattr(self.encoder, "model_"):
            return copy.deepcopy(self.encoder)  # fine-tuning must not change the caller's model
        elif hasattr(self.encoder, "transform") and hasattr(self.encoder, "fit"):
            encoder = clone(self.encoder)
            if encoder.get_params().get("random_state", 0) is None:
                encoder.set_params(random_state=seed)
        else:
            raise ValueError(f"encoder must be a preset name or an aekit autoencoder estimator, got {self.encoder!r}")
        return encoder.fit(X)

    def _pick_n_clusters(self, codes: np.ndarray, seed: int) -> tuple[int, pd.DataFrame]:
        """The number of clusters by ``auto_criterion`` on (a sample of) the codes, and every k's score."""
        rows = np.random.default_rng(seed).permutation(len(codes))[:AUTO_SAMPLE]
        sample = codes[rows]
        scores = []
        for k in range(2, min(self.max_clusters, len(sample) - 1) + 1):
            if self.auto_criterion == "silhouette":
                labels = KMeans(k, n_init=4, random_state=seed).fit_predict(sample)
                scores.append(silhouette_score(sample, labels) if len(set(labels)) > 1 else -1.0)
            else:
                scores.append(GaussianMixture(k, covariance_type="full", random_state=seed).fit(sample).bic(sample))
        if not scores:
            raise DataError(f"n_clusters='auto' needs at least 4 rows to compare numbers of clusters, got {len(codes)}")
        table = pd.DataFrame({"k": range(2, 2 + len(scores)), "score": np.asarray(scores, dtype=float)})
        best = table["score"].idxmax() if self.auto_criterion == "silhouette" else table["score"].idxmin()
        k, score = int(table["k"][best]), float(table["score"][best])
        if self.auto_criterion == "silhouette" and score <= NO_STRUCTURE_SILHOUETTE:
            warnings.warn(f"n_clusters='auto' found no substantial cluster structure in the codes: the best "
                          f"silhouette is {score:.2f} (at k={k}), at or below the 0.25 where Kaufman and Rousseeuw "
                          f"put 'no substantial structure', so k={k} is a guess, not a finding. Pass the number of "
                          "groups you expect as n_clusters (--k), and look at n_clusters_scores_ (the report's "
                          "curve)", WeakClusterStructureWarning, stacklevel=3)
        return k, table

    def _mixture(self, points: np.ndarray, seed: int) -> GaussianMixture:
        """The most likely of two full-covariance mixtures: one started from the best of ``n_init``
        k-means runs, one with ``n_init`` starts of its own (each from one k-means run).

        Either alone often ends in a local optimum that merges two groups and splits another;
        the likelihood (unsupervised, comparable on the same points) picks between them.
        """
        start = KMeans(self.n_clusters_, n_init=self.n_init, random_state=seed).fit(points)
        candidates = [GaussianMixture(self.n_clusters_, covariance_type="full", random_state=seed,
                                      means_init=start.cluster_centers_).fit(points),
                      GaussianMixture(self.n_clusters_, covariance_type="full", random_state=seed,
                                      n_init=self.n_init).fit(points)]
        return max(candidates, key=lambda mixture: mixture.lower_bound_)

    def _umap(self):
        """N2D's UMAP, fitted on the training codes (once; again after loading, from the same seed)."""
        if getattr(self, "umap_", None) is None:
            umap = _umap_module()
            with intra_op_threads(None):  # UMAP's numba code resets torch's OpenMP threads to every core
                self.umap_ = umap.UMAP(n_components=self.n_clusters_, n_neighbors=self.umap_neighbors,
                                       min_dist=self.umap_min_dist, random_state=self.seed_).fit(self.codes_)
        return self.umap_

    # -- DEC and IDEC ------------------------------------------------------------------
    def _fine_tune(self, encoder: AutoencoderEstimator, X, centers: np.ndarray, seed: int):
        """Train encoder and centres on KL(P || Q), P updated over all of ``X`` every ``update_interval`` iterations."""
        inner = encoder.model_
        model = DECModel(DECConfig(autoencoder_family=inner.family, autoencoder_config=inner.config.to_dict(),
                                   n_clusters=self.n_clusters_, alpha=self.alpha,
                                   keep_reconstruction=self.method == "idec", gamma=self.gamma))
        model.autoencoder.load_state_dict(inner.state_dict())
        with torch.no_grad():
            model.centers.copy_(torch.from_numpy(np.asarray(centers, dtype=np.float32)))
        model.to(next(inner.parameters()).device)
        encoder.model_ = model
        inputs = encoder._model_inputs(X)
        arrays = inputs if isinstance(inputs, tuple) else (inputs,)
        n_rows = len(arrays[0])
        steps_per_epoch = math.ceil(n_rows / self.batch_size)
        epochs = max(1, math.ceil(self.update_interval / steps_per_epoch))
        limit = self.update_interval if steps_per_epoch > self.update_interval else None
        per_round = epochs * min(steps_per_epoch, self.update_interval)
        base = dataclasses.replace(encoder._train_config(), max_epochs=epochs, batch_size=self.batch_size,
                                   learning_rate=self.learning_rate, weight_decay=0.0, validation_fraction=0.0,
                                   patience=epochs + 1, limit_batches=limit, verbose=0, checkpoint_dir=None,
                                   resume=False, log_dir=None)
        history, labels, target = [], None, None
        while True:
            q = self._soft_codes(encoder.transform(X), model.centers)
            if target is not None:
                history[-1]["kl_end"] = float(kl_divergence(target, q).mean())
            new_labels = q.argmax(dim=1).numpy()
            changed = 1.0 if labels is None else float(np.mean(new_labels != labels))
            labels = new_labels
            self.converged_ = bool(history) and changed < self.tol
            if self.converged_ or self.n_iter_ >= self.max_iter:
                history.append({"iteration": self.n_iter_, "changed": changed, "kl_start": np.nan, "kl_end": np.nan})
                break
            target = target_distribution(q)
            history.append({"iteration": self.n_iter_, "changed": changed,
                            "kl_start": float(kl_divergence(target, q).mean()), "kl_end": np.nan})
            round_cfg = dataclasses.replace(base, seed=seed + len(history))
            fit_model(model.train(), (*arrays, target.numpy().astype(np.float32)), round_cfg)
            model.eval()
            self.n_iter_ += per_round
        self.labels_ = labels
        self.clustering_history_ = pd.DataFrame(history, columns=["iteration", "changed", "kl_start", "kl_end"])
        return encoder

    def _soft_codes(self, codes: np.ndarray, centers, dtype=torch.float32) -> torch.Tensor:
        centers = torch.as_tensor(centers).detach().cpu().to(dtype)
        return soft_assignment(torch.from_numpy(np.asarray(codes)).to(dtype), centers, self.alpha)

    # -- using a fitted clustering ------------------------------------------------------
    def transform(self, X) -> np.ndarray:
        """Codes of ``X`` (the encoder's).

        Parameters
        ----------
        %(X_encoder)s

        Returns
        -------
        numpy.ndarray of shape (n_samples, latent_dim)
            The codes.

        Raises
        ------
        %(not_fitted)s
        %(bad_encoder_input)s

        Examples
        --------
        %(fit_clustering)s
        >>> dc.transform(X[:5]).shape
        (5, 4)
        """
        check_is_fitted(self, "labels_")
        return self.encoder_.transform(X)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the code columns :meth:`transform` gives: the encoder's (``autoencoder0``, ...).

        Parameters
        ----------
        input_features : None
            Not used; there for scikit-learn's ``set_output`` and pipelines.

        Returns
        -------
        numpy.ndarray of str, shape (latent_dim,)

        Raises
        ------
        %(not_fitted)s

        Examples
        --------
        %(fit_clustering)s
        >>> list(dc.get_feature_names_out())
        ['autoencoder0', 'autoencoder1', 'autoencoder2', 'autoencoder3']
        """
        check_is_fitted(self, "labels_")
        return self.encoder_.get_feature_names_out()

    def predict_proba(self, X) -> np.ndarray:
        """Soft assignment of each sample to each cluster.

        k-means, DEC, IDEC: the Student's t kernel of the distances to the
        centres (DEC's ``q``); GMM and N2D: the mixture's posterior.

        Parameters
        ----------
        %(X_encoder)s

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_clusters_)
            Rows summing to 1.

        Raises
        ------
        %(not_fitted)s
        %(bad_encoder_input)s

        Examples
        --------
        %(fit_clustering)s
        >>> dc.predict_proba(X[:5]).shape
        (5, 3)
        """
        codes = self.transform(X)
        if self.method == "gmm":
            return self.mixture_.predict_proba(codes)
        if self.method == "n2d":
            umap = self._umap()
            with intra_op_threads(None):
                return self.mixture_.predict_proba(umap.transform(codes))
        # float64: codes of rows far outside the training data (1e30) square to inf in float32,
        # and their soft assignment would be 0 / 0
        return self._soft_codes(codes, self.cluster_centers_, torch.float64).numpy()

    def predict(self, X) -> np.ndarray:
        """Cluster of each sample (the most likely one under :meth:`predict_proba`).

        Parameters
        ----------
        %(X_encoder)s

        Returns
        -------
        numpy.ndarray of int, shape (n_samples,)
            Cluster indices.

        Raises
        ------
        %(not_fitted)s
        %(bad_encoder_input)s

        Examples
        --------
        %(fit_clustering)s
        >>> set(dc.predict(X[:50]).tolist()) <= {0, 1, 2}
        True
        """
        return self.predict_proba(X).argmax(axis=1)

    def score_samples(self, X) -> np.ndarray:
        """Confidence of each sample's assignment: its largest soft-assignment probability.

        Parameters
        ----------
        %(X_encoder)s

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            In (0, 1].

        Raises
        ------
        %(not_fitted)s
        %(bad_encoder_input)s

        Examples
        --------
        %(fit_clustering)s
        >>> bool((dc.score_samples(X[:5]) <= 1).all())
        True
        """
        return self.predict_proba(X).max(axis=1)

    # -- files -------------------------------------------------------------------------
    def save(self, path):
        """Write the encoder and the clustering to one ``.safetensors`` file (see :mod:`aekit.io`).

        Parameters
        ----------
        %(path_out)s

        Returns
        -------
        pathlib.Path
            The file written; :func:`aekit.load` gives back the same labels and predictions.

        Raises
        ------
        %(not_fitted)s

        Examples
        --------
        %(fit_clustering)s
        >>> import tempfile
        >>> from aekit import load
        >>> same = load(dc.save(f"{tempfile.mkdtemp()}/clusters.safetensors"))
        >>> bool((same.predict(X) == dc.predict(X)).all())
        True
        """
        from aekit.io import save_estimator

        check_is_fitted(self, "labels_")
        return save_estimator(self.encoder_, path, wrapper=self)

    def _saved_params(self) -> dict[str, Any]:
        params = self.get_params(deep=False)
        if not isinstance(params["encoder"], str):
            params["encoder"] = None  # an estimator object: given back as the loaded encoder's clone
        return params

    def _fitted_state(self) -> dict[str, Any]:
        history, scores = self.clustering_history_, self.n_clusters_scores_
        return {"n_clusters_": self.n_clusters_, "seed_": self.seed_, "n_iter_": self.n_iter_,
                "converged_": self.converged_, "n_features_in_": self.n_features_in_,
                "clustering_history_": None if history is None else history.to_dict(orient="list"),
                "n_clusters_scores_": None if scores is None else scores.to_dict(orient="list")}

    def _fitted_tensors(self) -> dict[str, torch.Tensor]:
        tensors = {"labels_": torch.from_numpy(self.labels_),
                   "cluster_centers_": torch.from_numpy(np.asarray(self.cluster_centers_, dtype=np.float32))}
        if hasattr(self, "mixture_"):
            tensors.update({f"mixture.{name}": torch.from_numpy(np.asarray(getattr(self.mixture_, name)))
                            for name in MIXTURE_STATE})
        if self.method == "n2d":
            tensors["codes_"] = torch.from_numpy(np.asarray(self.codes_, dtype=np.float32))
        return tensors

    def _restore_wrapped(self, encoder, fitted: dict[str, Any], tensors: dict[str, torch.Tensor]):
        self.encoder_ = encoder
        if self.encoder is None:
            self.encoder = clone(encoder)
        for name in ("n_clusters_", "seed_", "n_iter_", "n_features_in_"):
            setattr(self, name, int(fitted[name]))
        self.converged_ = bool(fitted["converged_"])
        self.clustering_history_ = _frame(fitted["clustering_history_"])
        self.n_clusters_scores_ = _frame(fitted["n_clusters_scores_"])
        self.labels_ = tensors["labels_"].numpy().astype(np.int64)
        self.cluster_centers_ = tensors["cluster_centers_"].numpy()
        if "mixture.means_" in tensors:
            self.mixture_ = GaussianMixture(self.n_clusters_, covariance_type="full")
            for name in MIXTURE_STATE:
                setattr(self.mixture_, name, tensors[f"mixture.{name}"].numpy())
            self.mixture_.n_features_in_ = self.mixture_.means_.shape[1]
            self.mixture_.converged_, self.mixture_.n_iter_, self.mixture_.lower_bound_ = True, 0, np.nan
        if "codes_" in tensors:
            self.codes_ = tensors["codes_"].numpy()
        return self


def preset_encoder(name: str = "ae", params: dict | None = None, seed: int = 0,
                   n_rows: int | None = None) -> AutoencoderEstimator:
    """The unfitted autoencoder :class:`DeepClustering` pretrains for a preset ``encoder`` name.

    DEC's architecture (``hidden=(500, 500, 2000)``) for ``n_rows`` of at least 1,000 (or not
    given), the preset's own hidden layers below that, and a code of ``latent_dim="auto"`` capped
    at DEC's 10, under ``params``; fit it once and pass it, fitted, to several ``DeepClustering``.

    Parameters
    ----------
    name : str, default="ae"
        A preset of :mod:`aekit.estimators.presets`.
    params : dict or None
        Parameters over the defaults (as ``encoder_params``).
    seed : int, default=0
        The encoder's ``random_state`` unless ``params`` sets one.
    n_rows : int or None, default=None
        Rows it will be fitted on: fewer than 1,000 keep the preset's hidden layers
        (``(256,)`` for ``"ae"``), which pretrain in seconds instead of minutes.

    Returns
    -------
    AutoencoderEstimator
        Unfitted.

    Examples
    --------
    >>> from aekit.estimators.clustering import preset_encoder
    >>> preset_encoder("ae", {"max_epochs": 5}).get_params()["hidden"]
    (500, 500, 2000)
    >>> preset_encoder("ae", n_rows=300).get_params()["hidden"]
    (256,)
    """
    defaults = dict(ENCODER_DEFAULTS)
    if n_rows is not None and n_rows < DEC_MIN_ROWS:
        del defaults["hidden"]
    encoder = make_estimator(name, **{**defaults, "random_state": seed, **(params or {})})
    if hasattr(encoder, "auto_latent_max"):  # "auto" picks at most DEC's 10 here
        encoder.auto_latent_max = min(encoder.auto_latent_max, CLUSTER_CODE_MAX)
    return encoder


def _cluster_means(codes: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Mean code of each cluster (zeros for an empty one)."""
    return np.stack([codes[labels == j].mean(axis=0) if np.any(labels == j) else np.zeros(codes.shape[1])
                     for j in range(k)]).astype(np.float32)


def _frame(columns: dict | None) -> pd.DataFrame | None:
    return None if columns is None else pd.DataFrame(columns)


def _umap_module():
    try:
        import umap
    except ImportError:
        raise MissingDependencyError("method='n2d' needs umap-learn, which is not installed: "
                                     "pip install 'aekit[umap]' (or pip install umap-learn)") from None
    return umap
