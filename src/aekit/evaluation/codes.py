"""How useful codes are: linear / k-NN probes, clustering, and the PCA baseline."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import silhouette_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from aekit.evaluation.validation import as_matrix, as_vector, check_same_length
from aekit.exceptions import DataError

PROBE_KINDS = ("linear", "knn")
SILHOUETTE_MAX_SAMPLES = 2000


def probe_accuracy(Z_train, y_train, Z_test, y_test, kind: str = "linear", random_state=0) -> float:
    """Test accuracy of a simple classifier trained on codes.

    Parameters
    ----------
    Z_train, Z_test : array-like of shape (n_samples, n_codes)
    y_train, y_test : array-like of shape (n_samples,)
    kind : {"linear", "knn"}
        ``"linear"``: StandardScaler + LogisticRegression(max_iter=1000);
        ``"knn"``: StandardScaler + KNeighborsClassifier(5).
    random_state : int
        Seed of the logistic regression.

    Returns
    -------
    float
        Accuracy on ``(Z_test, y_test)``, in [0, 1].

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
    >>> bool(probe_accuracy(Z[:1400], y[:1400], Z[1400:], y[1400:]) > 0.8)
    True
    """
    Z_train, y_train, Z_test, y_test = _check_split(Z_train, y_train, Z_test, y_test)
    if kind == "linear":
        classifier = LogisticRegression(max_iter=1000, random_state=random_state)
    elif kind == "knn":
        classifier = KNeighborsClassifier(n_neighbors=min(5, len(Z_train)))
    else:
        raise DataError(f"kind: expected one of {PROBE_KINDS}, got {kind!r}")
    probe = make_pipeline(StandardScaler(), classifier).fit(Z_train, y_train)
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
