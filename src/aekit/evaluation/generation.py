"""How good are generated samples? Two numbers that work offline.

Inception weights cannot be downloaded here, so the feature space of the
Fréchet distance (Heusel et al. 2017's FID, with another network) is the
last hidden layer of a classifier trained on the real training data: a
scikit-learn ``MLPClassifier`` (``classifier="mlp"``, any rows), or for
images a small CNN (``classifier="cnn"``: strided conv blocks, then the same
dense layers; trained by :func:`aekit.training.fit_model`), which classifies
real images better, so its accuracy on class-conditional samples (does a
sample asked for as class c look like a c?) is not capped as low. That
accuracy cannot exceed the classifier's own accuracy on real images: report
the two side by side.

Numbers from different classifiers are not comparable: compare models with
one fitted :class:`SampleQualityScorer` and the same number of samples (the
distance's estimate is biased upwards for few samples).

>>> from sklearn.datasets import load_digits
>>> from aekit.evaluation import SampleQualityScorer
>>> digits = load_digits()
>>> X, y = digits.data / 16, digits.target
>>> scorer = SampleQualityScorer(max_iter=50, random_state=0).fit(X[:1000], y[:1000])
>>> bool(scorer.frechet_distance(X[1000:1400], X[1400:]) < scorer.frechet_distance(X[1000:1400], X[1400:] * 0.3))
True
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.utils.validation import check_is_fitted

from aekit.evaluation.validation import as_matrix, as_vector, check_same_length
from aekit.exceptions import DataError
from aekit._docs import fill_doc


def frechet_distance(features_a, features_b) -> float:
    """Fréchet distance between Gaussians fitted to two sets of feature rows.

    ``|mu_a - mu_b|^2 + Tr(C_a + C_b - 2 (C_a C_b)^(1/2))``; 0 for identical sets.

    Parameters
    ----------
    features_a, features_b : array-like of shape (n_a, d) and (n_b, d)
        Two sets of feature rows of the same width, at least 2 rows each.

    Returns
    -------
    float
        The distance (>= 0).

    Raises
    ------
    aekit.exceptions.DataError
        Sets of different widths, fewer than 2 rows, or NaN values.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(500, 3))
    >>> round(frechet_distance(a, a), 6), frechet_distance(a, a + 1.0) > 2.9
    (0.0, True)
    """
    a, b = as_matrix(features_a, "features_a"), as_matrix(features_b, "features_b")
    if a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise DataError(f"expected two sets of at least 2 rows with the same number of features, got "
                        f"shapes {a.shape} and {b.shape}")
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    distance = np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * _trace_sqrt_product(cov_a, cov_b)
    return float(max(distance, 0.0))


def _trace_sqrt_product(cov_a: np.ndarray, cov_b: np.ndarray) -> float:
    """Tr((C_a C_b)^(1/2)) = Tr((S C_b S)^(1/2)) with S = C_a^(1/2): a symmetric eigenproblem,
    so singular covariances (dead ReLU units) give no complex round-off."""
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    return float(np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ cov_b @ root_a), 0, None)).sum())


class MLPFeatures:
    """scikit-learn's ``MLPClassifier`` on flat rows; its last hidden layer (ReLU) is the feature space.

    One of the classifiers of :class:`SampleQualityScorer` (``classifier="mlp"``);
    :class:`aekit.evaluation._classifier.CNNFeatures` is the other. Both have
    ``fit(X, y)``, ``features(X)``, ``predict(X)``, ``classes_`` and ``n_epochs_``.

    Parameters
    ----------
    hidden : tuple of int
        Hidden layer sizes; the last one is the feature space.
    max_iter : int
        Training epochs (early stopping on 10% of the rows from 100 rows on).
    random_state : int or None

    Attributes
    ----------
    model_ : sklearn.neural_network.MLPClassifier
    classes_ : ndarray
    n_epochs_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.random.default_rng(0).random((60, 4)), np.arange(60) % 2
    >>> MLPFeatures((8,), 5, 0).fit(X, y).features(X).shape
    (60, 8)
    """

    def __init__(self, hidden, max_iter: int, random_state):
        self.model_ = MLPClassifier(hidden_layer_sizes=tuple(hidden), max_iter=max_iter, random_state=random_state)

    def fit(self, X: np.ndarray, y: np.ndarray) -> MLPFeatures:
        """Train on rows ``X`` and labels ``y``; return self."""
        self.model_.set_params(early_stopping=len(X) >= 100)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # few epochs on purpose
            self.model_.fit(X, y)
        self.classes_ = self.model_.classes_
        self.n_epochs_ = int(self.model_.n_iter_)
        return self

    def features(self, X: np.ndarray) -> np.ndarray:
        """The last hidden layer's activations, shape (n, hidden[-1])."""
        h = X
        for weights, bias in zip(self.model_.coefs_[:-1], self.model_.intercepts_[:-1]):
            h = np.maximum(h @ weights + bias, 0.0)
        return h

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The predicted class of each row."""
        return self.model_.predict(X)


def _mlp(scorer: SampleQualityScorer) -> MLPFeatures:
    return MLPFeatures(scorer.hidden, scorer.max_iter, scorer.random_state)


def _cnn(scorer: SampleQualityScorer):
    from aekit.evaluation._classifier import CNNFeatures  # torch, only when asked for

    return CNNFeatures(scorer.channels, scorer.hidden, scorer.image_shape, scorer.max_iter, scorer.random_state)


# classifier name -> maker of an unfitted classifier with fit / features / predict
CLASSIFIERS = {"mlp": _mlp, "cnn": _cnn}


@fill_doc
class SampleQualityScorer(BaseEstimator):
    """A classifier of the real data whose hidden features measure generated samples.

    Parameters
    ----------
    classifier : {"mlp", "cnn"}, default="mlp"
        ``"mlp"``: scikit-learn's ``MLPClassifier`` on the flat rows. ``"cnn"``:
        conv blocks (``channels``, stride 2, batch norm) on the rows viewed as
        images of ``image_shape``, then the dense layers ``hidden``; stronger on
        images.
    hidden : tuple of int, default=(256, 128)
        Hidden dense layers; the last one is the feature space.
    channels : tuple of int, default=(32, 64)
        ``"cnn"`` only: the output channels of each conv block.
    image_shape : tuple (channels, height, width) or None, default=None
        ``"cnn"`` only: how a row is an image; None: one channel, square.
    max_iter : int, default=30
        Training epochs (early stopping on 10% of the rows may stop it sooner).
    random_state : int or None, default=0

    Attributes
    ----------
    classifier_ : MLPFeatures or aekit.evaluation._classifier.CNNFeatures
        The fitted classifier: ``features(X)`` and ``predict(X)``.
    classes_ : ndarray
    n_features_in_ : int
    n_epochs_ : int
        Epochs the classifier trained for.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> digits = load_digits()
    >>> X, y = digits.data / 16, digits.target
    >>> cnn = SampleQualityScorer("cnn", channels=(16, 32), max_iter=15).fit(X[:1200], y[:1200])
    >>> bool(cnn.accuracy(X[1200:], y[1200:]) > 0.85)
    True
    """

    def __init__(self, classifier: str = "mlp", hidden=(256, 128), channels=(32, 64), image_shape=None,
                 max_iter: int = 30, random_state=0):
        self.classifier = classifier
        self.hidden = hidden
        self.channels = channels
        self.image_shape = image_shape
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y) -> SampleQualityScorer:
        """Train the classifier on real rows (flat images, in the units samples will come in).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Real rows.
        y : array-like of shape (n_samples,)
            Their classes.

        Returns
        -------
        SampleQualityScorer
            ``self``, fitted.

        Raises
        ------
        ValueError
            An unknown ``classifier``.
        aekit.exceptions.DataError
            NaN values, or labels of another length than the rows.

        Examples
        --------
        %(fit_scorer)s
        >>> scorer.n_features_in_
        64
        """
        if self.classifier not in CLASSIFIERS:
            raise ValueError(f"classifier must be one of {tuple(CLASSIFIERS)}, got {self.classifier!r}")
        X, y = as_matrix(X, "X"), as_vector(y, "y")
        check_same_length(X, y, "X", "y")
        self.n_features_in_ = X.shape[1]
        self.classifier_ = CLASSIFIERS[self.classifier](self).fit(X, y)
        self.classes_ = self.classifier_.classes_
        self.n_epochs_ = self.classifier_.n_epochs_
        return self

    def _rows(self, X, name: str) -> np.ndarray:
        check_is_fitted(self, "classifier_")
        X = as_matrix(X, name)
        if X.shape[1] != self.n_features_in_:
            raise DataError(f"{name}: expected rows of {self.n_features_in_} features (as in fit), "
                            f"got {X.shape[1]}")
        return X

    def features(self, X) -> np.ndarray:
        """The last hidden layer's activations (ReLU): the space the Fréchet distance is measured in.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in the units of the training rows.

        Returns
        -------
        numpy.ndarray of shape (n_samples, hidden[-1])
            The features.

        Raises
        ------
        %(not_fitted)s
        %(bad_scorer_input)s

        Examples
        --------
        %(fit_scorer)s
        >>> scorer.features(X[:3] / 16).shape
        (3, 64)
        """
        return self.classifier_.features(self._rows(X, "X"))

    def accuracy(self, X, y) -> float:
        """Share of rows ``X`` the classifier puts in class ``y``.

        On real data it is the classifier's test accuracy (a ceiling for
        samples); on class-conditional samples, how recognisable the classes
        asked for are.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows (real or generated), in the units of the training rows.
        y : array-like of shape (n_samples,)
            The class each row is meant to be.

        Returns
        -------
        float
            In [0, 1].

        Raises
        ------
        %(not_fitted)s
        %(bad_scorer_input)s

        Examples
        --------
        %(fit_scorer)s
        >>> bool(scorer.accuracy(X[1200:] / 16, y[1200:]) > 0.8)
        True
        """
        X, y = self._rows(X, "X"), as_vector(y, "y")
        check_same_length(X, y, "X", "y")
        return float(np.mean(self.classifier_.predict(X) == y))

    def per_class_accuracy(self, X, y) -> dict:
        """:meth:`accuracy` for each class in ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows (real or generated), in the units of the training rows.
        y : array-like of shape (n_samples,)
            The class each row is meant to be.

        Returns
        -------
        dict
            Class -> share of its rows put in that class.

        Raises
        ------
        %(not_fitted)s
        %(bad_scorer_input)s

        Examples
        --------
        %(fit_scorer)s
        >>> sorted(scorer.per_class_accuracy(X[1200:] / 16, y[1200:]))[:3]
        [0, 1, 2]
        """
        X, y = self._rows(X, "X"), as_vector(y, "y")
        check_same_length(X, y, "X", "y")
        predicted = self.classifier_.predict(X)
        return {c.item() if hasattr(c, "item") else c: float(np.mean(predicted[y == c] == c)) for c in np.unique(y)}

    def frechet_distance(self, X_real, X_generated) -> float:
        """Fréchet distance between real and generated rows in the classifier's feature space.

        Compare models only with one scorer and equal sample counts.

        Parameters
        ----------
        X_real : array-like of shape (n_real, n_features)
            Real rows (e.g. the test set).
        X_generated : array-like of shape (n_generated, n_features)
            Generated rows.

        Returns
        -------
        float
            Lower is better; 0 for identical sets.

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.DataError
            Rows of another width than in ``fit``, NaN values, or fewer than 2 rows.

        Examples
        --------
        %(fit_scorer)s
        >>> scorer.frechet_distance(X[1200:1500] / 16, X[1500:] / 16) < scorer.frechet_distance(X[1200:1500] / 16, X[1500:] / 32)
        True
        """
        real, generated = self._rows(X_real, "X_real"), self._rows(X_generated, "X_generated")
        return frechet_distance(self.features(real), self.features(generated))
