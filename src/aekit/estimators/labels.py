"""Class labels for estimators that condition on them (the conditional VAE,
the adversarial autoencoder's class-mixture prior).

:class:`ClassLabelsMixin` checks ``y`` in ``fit``, keeps the sorted class
list as ``classes_`` (stored in the model file), one-hot encodes labels with
scikit-learn's ``OneHotEncoder`` and hands ``(rows, one-hot)`` to training.
Every later label is checked against ``classes_``: a label never seen in fit,
or labels missing where the model needs them, is one clear error. Put it
first in the bases.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.validation import check_is_fitted

from aekit._docs import fill_doc
from aekit.exceptions import DataError


def check_labels(y, n_rows: int, owner: str) -> np.ndarray:
    """``y`` as a 1-D array of ``n_rows`` labels without missing values, or one clear error."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1 or len(y) != n_rows:
        raise DataError(f"{owner} expected y as {n_rows} class labels (one per row of X), got an array of "
                        f"shape {y.shape}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise DataError(f"{owner} got labels with NaN or inf; every row needs a class label")
    if y.dtype == object and any(v is None for v in y):
        raise DataError(f"{owner} got labels with missing values (None); every row needs a class label")
    return y


def class_of(estimator, label, field: str = "label"):
    """The class of ``estimator`` that ``label`` names: labels often arrive as text (a command
    line) or as JSON, while the classes may be numbers.

    Parameters
    ----------
    estimator : estimator
        A fitted estimator with ``classes_`` (trained with class labels).
    label : str, int or float
        The class as given.
    field : str, default="label"
        Where it came from, for messages (``"--label"``).

    Returns
    -------
    object
        The matching element of ``estimator.classes_``.

    Raises
    ------
    aekit.exceptions.DataError
        The estimator has no classes, or ``label`` is not one of them.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> class_of(SimpleNamespace(classes_=np.array([0, 1, 2])), "2", "--label")
    2
    """
    classes = getattr(estimator, "classes_", None)
    if classes is None:
        raise DataError(f"{field} {label}: this {type(estimator).__name__} was not trained with class labels, "
                         "so it cannot generate a chosen class (train cvae or aae-mixture with labels)")
    named = [c for c in classes.tolist() if str(c) == str(label)]
    if not named:
        raise DataError(f"{field} {label} is not one of the model's classes {classes.tolist()}")
    return named[0]


@fill_doc
class ClassLabelsMixin:
    """Fit with class labels; ``classes_`` and one-hot encoding for every later call.

    ``fits_on_labels`` tells callers (the CLI, ``aekit compare``) to pass the
    data's labels to ``fit``; ``conditional`` that every method reading data
    (transform, reconstruct, elbo, ...) takes them too.
    """

    fits_on_labels = True
    conditional = False

    def _needs_labels(self, y) -> bool:
        """Whether this fit conditions on ``y`` (a model may use labels only in some settings)."""
        return True

    def fit(self, X, y=None):
        """Fit on rows and their class labels (the model is conditioned on them).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or images
            As the estimator's own ``fit`` takes them.
        y : array-like of shape (n_samples,)
            One class label per row (numbers or strings); ``classes_`` keeps
            their sorted set.

        %(returns_self)s

        Raises
        ------
        aekit.exceptions.DataError
            ``y`` missing, of another length than ``X``, or with missing
            values (NaN, None); and what the estimator's own ``fit`` refuses.

        Examples
        --------
        %(fit_cvae)s
        >>> cvae.classes_.tolist() == list(range(10)), cvae.n_classes_
        (True, 10)
        >>> cvae.fit(data.X_train)
        Traceback (most recent call last):
        aekit.exceptions.DataError: ConditionalVAE is conditioned on class labels: call fit(X, y) ...
        """
        owner = type(self).__name__
        self._fit_classes, self._fit_onehot = None, None
        if self._needs_labels(y):
            if y is None:
                raise DataError(f"{owner} is conditioned on class labels: call fit(X, y) with one label per "
                                "row (CLI: --label COLUMN)")
            y = check_labels(y, len(X), owner)
            self._fit_classes = np.unique(y)
            self._fit_onehot = _encoder(self._fit_classes).transform(y.reshape(-1, 1))
        super().fit(X, y)
        self.classes_ = self._fit_classes
        return self

    @property
    def n_classes_(self) -> int:
        """Number of classes seen in ``fit`` (0 for a model fitted without labels)."""
        check_is_fitted(self, "model_")
        return 0 if self.classes_ is None else len(self.classes_)

    def _fit_scaled(self, data, scaler, n_features, names):
        if self._fit_onehot is not None:
            data = (data, self._fit_onehot)
        return super()._fit_scaled(data, scaler, n_features, names)

    def onehot(self, y, n_rows: int, what: str = "this") -> np.ndarray:
        """One-hot rows of ``y``: one label for all ``n_rows`` rows, or one label per row.

        Parameters
        ----------
        y : label or array-like of shape (n_rows,)
            Labels among ``classes_``.
        n_rows : int
            How many rows the labels go with.
        what : str, default="this"
            The calling method's name, for messages.

        Returns
        -------
        numpy.ndarray of shape (n_rows, n_classes_), float32

        Raises
        ------
        %(not_fitted)s
        aekit.exceptions.DataError
            Labels missing (the model is conditioned on them), given to a
            model fitted without them, of another length, or never seen in ``fit``.

        Examples
        --------
        %(fit_cvae)s
        >>> cvae.onehot(3, n_rows=2).argmax(axis=1).tolist()
        [3, 3]
        >>> cvae.onehot([1, 42], n_rows=2)
        Traceback (most recent call last):
        aekit.exceptions.DataError: ConditionalVAE got labels [42] never seen in fit; ...
        """
        check_is_fitted(self, "model_")
        owner = type(self).__name__
        if self.classes_ is None:
            raise DataError(f"{owner} was fitted without class labels, so {what} takes none (y=None)")
        if y is None:
            raise DataError(f"{owner} is conditioned on class labels: {what} needs y, one of the "
                            f"{len(self.classes_)} classes {_short(self.classes_)} (or one per row)")
        if np.ndim(y) == 0:
            y = np.full(n_rows, y, dtype=np.asarray(y).dtype)
        y = check_labels(y, n_rows, owner)
        unknown = np.unique(y[~np.isin(y, self.classes_)])
        if len(unknown):
            raise DataError(f"{owner} got labels {_short(unknown)} never seen in fit; expected one of the "
                            f"{len(self.classes_)} classes {_short(self.classes_)}")
        return _encoder(self.classes_).transform(y.reshape(-1, 1))

    def _fitted_state(self) -> dict[str, Any]:
        classes = None if self.classes_ is None else self.classes_.tolist()
        return {**super()._fitted_state(), "classes_": classes}

    def _restore(self, model, scaler, fitted: dict[str, Any]):
        classes = fitted.get("classes_")
        self.classes_ = None if classes is None else np.asarray(classes)
        stored, expected = 0 if classes is None else len(classes), getattr(model.config, "n_classes", 0)
        if stored != expected:
            raise ValueError(f"the stored class list has {stored} classes but the model was built for {expected}")
        return super()._restore(model, scaler, fitted)


def _encoder(classes: np.ndarray) -> OneHotEncoder:
    return OneHotEncoder(categories=[classes], sparse_output=False, dtype=np.float32).fit(classes.reshape(-1, 1))


def _short(values) -> str:
    values = list(np.asarray(values).tolist())
    return str(values) if len(values) <= 12 else f"[{', '.join(map(str, values[:12]))}, ...]"
