"""How useful codes are: linear / k-NN probes, clustering, and the PCA baseline."""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import silhouette_score
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from aekit.evaluation.validation import as_matrix, as_vector, check_same_length
from aekit.exceptions import DataError

PROBE_KINDS = ("linear", "knn")
SILHOUETTE_MAX_SAMPLES = 2000
PROBE_C_GRID = (0.01, 0.1, 1.0)  # the linear probe's choices of C, chosen on validation codes
PROBE_VALIDATION_FRACTION = 0.2
PROBE_MAX_ITER = 5000


@dataclasses.dataclass
class LinearProbe:
    """A fitted linear probe and how its ``C`` was chosen.

    Attributes
    ----------
    pipeline : sklearn.pipeline.Pipeline
        StandardScaler + LogisticRegression, fitted on all training codes.
    C : float
        The inverse L2 strength it was fitted with.
    validation_scores : dict
        ``{C: accuracy}`` on the validation split, one entry per ``C`` tried
        (empty when ``C`` was given).
    n_iter : int
        lbfgs iterations of the final fit.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> probe = linear_probe(X[:1000], y[:1000], C=0.1)
    >>> probe.C, probe.validation_scores
    (0.1, {})
    """

    pipeline: Pipeline
    C: float
    validation_scores: dict
    n_iter: int

    def score(self, Z, y) -> float:
        """Accuracy of the probe on ``(Z, y)``.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_codes)
            Codes of the same width as the training codes.
        y : array-like of shape (n_samples,)
            Their labels.

        Returns
        -------
        float
            The fraction of rows classified right, in [0, 1].

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> X, y = load_digits(return_X_y=True)
        >>> bool(linear_probe(X[:1000], y[:1000], C=0.1).score(X[1000:], y[1000:]) > 0.9)
        True
        """
        return float(self.pipeline.score(Z, y))


def _logistic(C: float) -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=PROBE_MAX_ITER))


def linear_probe(Z_train, y_train, C="auto", random_state=0) -> LinearProbe:
    """Fit the linear probe: standardised codes, multinomial logistic regression (lbfgs).

    With ``C="auto"``, the inverse L2 strength is chosen from
    :data:`PROBE_C_GRID` by accuracy on a stratified validation split of
    :data:`PROBE_VALIDATION_FRACTION` of the *training* codes (never the test
    codes), and the probe is refitted on all of them with that ``C``. lbfgs
    runs up to :data:`PROBE_MAX_ITER` iterations. A fixed ``C=1`` (the probe
    before 2026-12) is nearly unregularised on 60,000 rows and stopped
    unconverged at 1,000 iterations on 784 standardised pixels; the
    regularisation the validation split picks converges in a few hundred.

    Parameters
    ----------
    Z_train : array-like of shape (n_samples, n_codes)
    y_train : array-like of shape (n_samples,)
    C : "auto" or float, default="auto"
        ``"auto"`` selects ``C`` on the validation split; a positive number fixes it.
    random_state : int, default=0
        Seed of the validation split.

    Returns
    -------
    LinearProbe
        The probe refitted on all training codes, its ``C``, the validation
        accuracy of every ``C`` tried and its lbfgs iterations.

    Raises
    ------
    aekit.exceptions.DataError
        Codes and labels of different lengths, NaN values, or ``C`` neither
        ``"auto"`` nor a positive number.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> probe = linear_probe(X[:1000], y[:1000])
    >>> probe.C in PROBE_C_GRID and probe.score(X[1000:], y[1000:]) > 0.9
    True
    """
    Z_train = as_matrix(Z_train, "Z_train")
    y_train = as_vector(y_train, "y_train")
    check_same_length(Z_train, y_train, "Z_train", "y_train")
    scores = {}
    if isinstance(C, str) and C == "auto":
        _, counts = np.unique(y_train, return_counts=True)
        splitter = StratifiedShuffleSplit if counts.min() >= 2 else ShuffleSplit
        fit_rows, valid_rows = next(splitter(n_splits=1, test_size=PROBE_VALIDATION_FRACTION,
                                             random_state=random_state).split(Z_train, y_train))
        for candidate in PROBE_C_GRID:
            fitted = _logistic(candidate).fit(Z_train[fit_rows], y_train[fit_rows])
            scores[candidate] = float(fitted.score(Z_train[valid_rows], y_train[valid_rows]))
        C = max(scores, key=scores.get)  # the first (strongest regularisation) of equal bests
    elif not (isinstance(C, (int, float)) and not isinstance(C, bool) and C > 0):
        raise DataError(f"C: expected 'auto' or a positive number, got {C!r}")
    pipeline = _logistic(float(C)).fit(Z_train, y_train)
    return LinearProbe(pipeline, float(C), scores, int(pipeline[-1].n_iter_.max()))


def probe_accuracy(Z_train, y_train, Z_test, y_test, kind: str = "linear", random_state=0, C="auto") -> float:
    """Test accuracy of a simple classifier trained on codes.

    Parameters
    ----------
    Z_train, Z_test : array-like of shape (n_samples, n_codes)
    y_train, y_test : array-like of shape (n_samples,)
    kind : {"linear", "knn"}
        ``"linear"``: :func:`linear_probe` (StandardScaler + LogisticRegression,
        ``C`` chosen on a validation split of the training codes, run to
        convergence); ``"knn"``: StandardScaler + KNeighborsClassifier(5).
    random_state : int
        Seed of the linear probe's validation split.
    C : "auto" or float, default="auto"
        The linear probe's inverse regularisation strength (see :func:`linear_probe`).

    Returns
    -------
    float
        Accuracy on ``(Z_test, y_test)``, in [0, 1].

    Raises
    ------
    aekit.exceptions.DataError
        Codes and labels of different lengths, train and test codes of
        different widths, NaN values, or an unknown ``kind``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> X, y = load_digits(return_X_y=True)
    >>> Z = PCA(8, random_state=0).fit_transform(X)
    >>> bool(probe_accuracy(Z[:1400], y[:1400], Z[1400:], y[1400:]) > 0.8)
    True
    """
    Z_train, y_train, Z_test, y_test = _check_split(Z_train, y_train, Z_test, y_test)
    if kind == "linear":
        probe = linear_probe(Z_train, y_train, C, random_state).pipeline
    elif kind == "knn":
        probe = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=min(5, len(Z_train))))
        probe.fit(Z_train, y_train)
    else:
        raise DataError(f"kind: expected one of {PROBE_KINDS}, got {kind!r}")
    return float(probe.score(Z_test, y_test))


def code_quality(Z_train, y_train, Z_test, y_test, random_state=0) -> dict[str, float]:
    """Linear-probe and k-NN accuracy, and silhouette of the test codes by label.

    The silhouette is computed on a random subsample of at most
    2000 test codes; it is NaN when the labels do not form 2..n-1 groups.

    Parameters
    ----------
    Z_train, Z_test : array-like of shape (n_samples, n_codes)
        Codes of the training and test rows.
    y_train, y_test : array-like of shape (n_samples,)
        Their labels.
    random_state : int, default=0
        Seed of the probe and of the silhouette's subsample.

    Returns
    -------
    dict
        ``"linear_probe"``, ``"knn"``, ``"silhouette"``.

    Raises
    ------
    aekit.exceptions.DataError
        Codes and labels of different lengths, train and test codes of
        different widths, or NaN values.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> X, y = load_digits(return_X_y=True)
    >>> Z = PCA(8, random_state=0).fit_transform(X)
    >>> sorted(code_quality(Z[:1400], y[:1400], Z[1400:], y[1400:]))
    ['knn', 'linear_probe', 'silhouette']
    """
    Z_train, y_train, Z_test, y_test = _check_split(Z_train, y_train, Z_test, y_test)
    return {
        "linear_probe": probe_accuracy(Z_train, y_train, Z_test, y_test, "linear", random_state),
        "knn": probe_accuracy(Z_train, y_train, Z_test, y_test, "knn", random_state),
        "silhouette": _silhouette(Z_test, y_test, random_state),
    }


def _silhouette(Z: np.ndarray, y: np.ndarray, random_state) -> float:
    if len(Z) > SILHOUETTE_MAX_SAMPLES:
        keep = np.random.default_rng(random_state).choice(len(Z), SILHOUETTE_MAX_SAMPLES, replace=False)
        Z, y = Z[keep], y[keep]
    if not 2 <= len(np.unique(y)) <= len(Z) - 1:
        return float("nan")
    return float(silhouette_score(Z, y))


def pca_baseline(X_train, X_test, n_components: int, random_state=0) -> dict:
    """PCA with as many components as a model's code, for a fair comparison.

    Parameters
    ----------
    X_train, X_test : array-like of shape (n_samples, n_features)
        PCA is fitted on ``X_train``; both are encoded.
    n_components : int
        The code size to match, in [1, min(X_train.shape)].
    random_state : int, default=0
        Seed of PCA's randomised solver (used on large inputs).

    Returns
    -------
    dict
        ``"Z_train"``, ``"Z_test"`` (codes), ``"X_test_rec"`` (reconstruction
        of ``X_test``) and ``"model"`` (the fitted ``sklearn.decomposition.PCA``).

    Raises
    ------
    aekit.exceptions.DataError
        Train and test of different widths, or ``n_components`` out of range.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X = load_digits().data / 16
    >>> base = pca_baseline(X[:1000], X[1000:], n_components=8)
    >>> base["Z_test"].shape, bool(((base["X_test_rec"] - X[1000:]) ** 2).mean() < X[1000:].var())
    ((797, 8), True)
    >>> pca_baseline(X[:1000], X[1000:], n_components=100)
    Traceback (most recent call last):
    aekit.exceptions.DataError: n_components: expected an integer in [1, 64], got 100
    """
    X_train = as_matrix(X_train, "X_train")
    X_test = as_matrix(X_test, "X_test")
    if X_train.shape[1] != X_test.shape[1]:
        raise DataError(
            f"X_test: expected {X_train.shape[1]} features like X_train, got {X_test.shape[1]}"
        )
    limit = min(X_train.shape)
    if not 1 <= int(n_components) <= limit:
        raise DataError(f"n_components: expected an integer in [1, {limit}], got {n_components}")
    pca = PCA(n_components=int(n_components), random_state=random_state).fit(X_train)
    Z_test = pca.transform(X_test)
    return {
        "Z_train": pca.transform(X_train),
        "Z_test": Z_test,
        "X_test_rec": pca.inverse_transform(Z_test),
        "model": pca,
    }


def _check_split(Z_train, y_train, Z_test, y_test):
    Z_train = as_matrix(Z_train, "Z_train")
    Z_test = as_matrix(Z_test, "Z_test")
    y_train = as_vector(y_train, "y_train")
    y_test = as_vector(y_test, "y_test")
    check_same_length(Z_train, y_train, "Z_train", "y_train")
    check_same_length(Z_test, y_test, "Z_test", "y_test")
    if Z_train.shape[1] != Z_test.shape[1]:
        raise DataError(f"Z_test: expected {Z_train.shape[1]} code dimensions like Z_train, got {Z_test.shape[1]}")
    return Z_train, y_train, Z_test, y_test
