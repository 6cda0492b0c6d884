"""What ``aekit serve`` offers for each kind of model, and what each endpoint computes.

No web framework here: plain numpy and pandas over a loaded estimator, so the
answers are the estimator's own (arrays as numpy arrays, written as JSON by the app) (the app in :mod:`aekit.serve.app` validates
requests, calls these and turns their errors into 4xx answers).

=====================  =========================================================
model                  endpoints (beside ``GET /health`` and ``GET /model``)
=====================  =========================================================
encoders               ``POST /encode``, ``POST /reconstruct`` (every model with
                       ``transform`` and ``reconstruct``: dense, conv, stacked,
                       VAE, CVAE, AAE, mSDA, ...)
anomaly detectors      ``POST /score``
recommenders           ``POST /recommend`` (AutoRec, Mult-VAE / Mult-DAE, EASE)
generative models      ``POST /sample`` (VAE, CVAE, AAE; ``ae`` / ``conv``
                       through a Gaussian on their codes)
=====================  =========================================================

Rows come as ``data`` (arrays by position, images as nested arrays) or as
``records`` (by column name). Both go through the model's data contract
(:func:`aekit.data.loaders.select_table`), as a file read by ``aekit encode``
or ``aekit detect score`` does, so the column errors are the CLI's.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from aekit.exceptions import DataError

__all__ = ["ENDPOINTS", "Rows", "encode", "endpoints_of", "npy_rows", "recommend", "reconstruct", "rows_of", "sample",
           "score", "with_notes"]

# endpoint -> what it gives, for /model and the docs
ENDPOINTS = {
    "encode": "the codes of rows",
    "reconstruct": "the reconstructions of rows",
    "score": "anomaly scores, the threshold and the flags (and each feature's share on request)",
    "recommend": "the top-k items of a known user or of a new user's items (folded in)",
    "sample": "new samples drawn from the model",
}


def endpoints_of(estimator) -> tuple[str, ...]:
    """The POST endpoints that ``estimator`` serves, by what it can do.

    Parameters
    ----------
    estimator : estimator
        A fitted aekit estimator (as :func:`aekit.load` returns it).

    Returns
    -------
    tuple of str
        Keys of :data:`ENDPOINTS`; empty when the model offers none of them.

    Examples
    --------
    >>> from aekit import AnomalyDetector, Autoencoder, EASE, VAE
    >>> endpoints_of(Autoencoder()), endpoints_of(VAE()), endpoints_of(AnomalyDetector()), endpoints_of(EASE())
    (('encode', 'reconstruct', 'sample'), ('encode', 'reconstruct', 'sample'), ('score',), ('recommend',))
    """
    found = []
    if hasattr(estimator, "transform"):
        found.append("encode")
    if hasattr(estimator, "reconstruct"):
        found.append("reconstruct")
    if hasattr(estimator, "decision_function") and hasattr(estimator, "explain"):
        found.append("score")
    if hasattr(estimator, "recommend_batch"):
        found.append("recommend")
    if hasattr(estimator, "sample") and not getattr(estimator, "samples_fills", False):  # imputers draw fills
        found.append("sample")
    return tuple(found)


@dataclass(frozen=True)
class Rows:
    """The model's rows of one request.

    Attributes
    ----------
    X : numpy.ndarray or pandas.DataFrame
        What the estimator's methods take: the feature columns in the model's
        order (a DataFrame with the training names when the model knows them),
        or an array of images.
    ids : list of dict or None
        The model's id columns of each record, to carry into the answer.
    warnings : list of str
        What the contract noted (e.g. columns the model does not read).
    """

    X: Any
    ids: list[dict] | None = None
    warnings: tuple[str, ...] = ()


def rows_of(estimator, data=None, records=None, max_rows: int | None = None) -> Rows:
    """The rows of a request body (``data`` or ``records``), as the estimator takes them.

    Parameters
    ----------
    estimator : estimator
        The served model.
    data : list, optional
        Rows as arrays of numbers (by position), or images as nested arrays.
    records : list of dict, optional
        Rows by column name.
    max_rows : int, optional
        The most rows one request may carry.

    Returns
    -------
    Rows

    Raises
    ------
    aekit.exceptions.DataError
        Neither or both of ``data`` and ``records``, too many rows, arrays that
        are not rectangular arrays of numbers, records for a model that knows
        no column names, or the contract's column errors (missing columns,
        text where numbers belong, ...).
    """
    import pandas as pd

    from aekit.data import contract_of
    from aekit.data.loaders import select_table

    if (data is None) == (records is None):
        raise DataError('expected exactly one of "data" (rows as arrays) or "records" (rows by column name), '
                        f"got {'both' if data is not None else 'neither'}")
    given = data if data is not None else records
    if len(given) == 0:
        raise DataError(f'"{"data" if data is not None else "records"}" holds no rows; expected at least one')
    if max_rows is not None and len(given) > max_rows:
        raise RowLimitError(f"{len(given)} rows is over the limit of {max_rows} rows per request (--max-rows); "
                            "send them in several requests")
    contract = contract_of(estimator)
    if records is not None:
        if contract is None or contract.features is None:
            raise DataError(f'"records": this {type(estimator).__name__} was trained on columns without names; '
                            'send the rows as "data" (arrays of numbers, by position)')
        frame, name = pd.DataFrame.from_records(records), "records"
    else:
        array = _numbers(data)
        if contract is None or array.ndim != 2 or (array.shape[1] == contract.n_features and not contract.categories):
            return Rows(array)  # the features by position (images, series: checked by the estimator itself)
        frame, name = pd.DataFrame(array), "data"
    table, notes = with_notes(lambda: select_table(frame, name, contract))
    ids = None if table.ids is None else table.ids.to_dict(orient="records")
    return Rows(table.features(), ids, notes)


def with_notes(work: Callable[[], Any]) -> tuple[Any, tuple[str, ...]]:
    """``work()``, and the warnings it gave (each on one line), for the answer's ``"warnings"``.

    Examples
    --------
    >>> with_notes(lambda: warnings.warn("a category   not seen in fit") or 1)
    (1, ('a category not seen in fit',))
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = work()
    return value, tuple(" ".join(str(w.message).split()) for w in caught)


class RowLimitError(DataError):
    """A request with more rows than ``--max-rows`` allows (answered with 413)."""


def npy_rows(body: bytes) -> np.ndarray:
    """The rows of a body sent as one NumPy ``.npy`` array (``np.save``), as float32.

    Raises
    ------
    aekit.exceptions.DataError
        The bytes are not an ``.npy`` array, hold pickled objects, or are not a 2-D (or, for
        images, 3-D / 4-D) array of numbers.

    Examples
    --------
    >>> import io
    >>> out = io.BytesIO(); np.save(out, np.eye(2))
    >>> npy_rows(out.getvalue()).dtype
    dtype('float32')
    """
    import io

    expected = "application/x-npy body: expected the bytes of one .npy array of numbers (np.save), got"
    if not body.startswith(b"\x93NUMPY"):
        raise DataError(f"{expected} {len(body)} bytes that do not start as an .npy file does")
    try:
        array = np.load(io.BytesIO(body), allow_pickle=False)
    except ValueError as err:  # an array of Python objects (it would need pickle), or a damaged header
        why = "an array of Python objects" if "pickle" in str(err) else f"bytes np.load cannot read ({err})"
        raise DataError(f"{expected} {why}") from None
    except (OSError, EOFError):
        raise DataError(f"{expected} {len(body)} bytes, fewer than its header announces") from None
    return _numbers(array)


def _numbers(data: list) -> np.ndarray:
    """``data`` as a float32 array, or one error saying what was expected."""
    try:
        array = np.asarray(data, dtype=np.float32)
    except (ValueError, TypeError) as err:
        ragged = "inhomogeneous" in str(err) or "sequence" in str(err)
        got = "rows of unequal lengths" if ragged else "values that are not numbers"
        raise DataError(f'"data": expected a rectangular array of numbers (rows of equal length; images as '
                        f'nested arrays), got {got}; send rows with text or categories as "records"') from None
    if array.ndim < 2:
        raise DataError(f'"data": expected a list of rows (a 2-D array; images 3-D or 4-D), got '
                        f"{'a number' if array.ndim == 0 else f'a flat list of {array.size} numbers'}; "
                        "send one row as [[...]]")
    return array


def _labels(estimator, labels) -> dict:
    """``{"y": labels}`` for a conditional model (CVAE), else nothing (labels then refused)."""
    if labels is None:
        return {}
    if not getattr(estimator, "conditional", False):
        raise DataError(f'"labels": this {type(estimator).__name__} is not conditioned on class labels; '
                        "leave them out")
    return {"y": np.asarray(labels)}


def _plain(values) -> np.ndarray | list:
    """An estimator's output for an answer: an array as a C-ordered array (the app writes it
    as JSON, without a list of Python floats in between), a DataFrame as one record per row."""
    if hasattr(values, "to_dict"):
        return values.to_dict(orient="records")
    return np.ascontiguousarray(values)


# -- the endpoints ------------------------------------------------------------------

def encode(estimator, rows: Rows, labels=None) -> dict:
    """``{"codes": [[...], ...]}``: ``estimator.transform`` of the rows."""
    return {"codes": _plain(estimator.transform(rows.X, **_labels(estimator, labels)))}


def reconstruct(estimator, rows: Rows, labels=None) -> dict:
    """``{"reconstructions": [...]}``: ``estimator.reconstruct`` of the rows (a table with
    categories: one record per row, categories as text)."""
    return {"reconstructions": _plain(estimator.reconstruct(rows.X, **_labels(estimator, labels)))}


def score(detector, rows: Rows, explain: bool = False) -> dict:
    """``{"scores", "threshold", "is_anomaly"}`` of an anomaly detector, and with ``explain``
    each feature's share of each score (``{"feature": share, ...}`` per row)."""
    scores = detector.decision_function(rows.X)
    answer = {"scores": _plain(scores), "threshold": float(detector.threshold_),
              "is_anomaly": _plain(scores > detector.threshold_)}
    if explain:
        names = detector.feature_names_
        answer["explanation"] = [dict(zip(names, row)) for row in detector.explain(rows.X).tolist()]
    return answer


def recommend(recommender, user=None, items=None, k: int = 10, exclude_seen: bool = True) -> dict:
    """``{"items", "scores"}``: the top ``k`` items of a known ``user``, or of a new user whose
    ``items`` are folded in (``"unknown_items"``: the ones the model does not know, left out)."""
    from aekit.estimators.recommender import known_history, typed_ids

    if (user is None) == (items is None):
        raise DataError('expected exactly one of "user" (a user id seen in training) or "items" (the item ids of '
                        f"a new user), got {'both' if user is not None else 'neither'}")
    unknown = []
    if user is not None:
        query = typed_ids([user], recommender.user_ids_, '"user"', "user")[0]
    else:
        if not items:
            raise DataError('"items" is empty; expected the item ids of a new user')
        query, unknown = known_history(recommender, typed_ids(items, recommender.item_ids_, '"items"', "item"),
                                       '"items"')
    top, scores = recommender.recommend_batch([query], n=k, exclude_seen=exclude_seen, return_scores=True)
    answer = {"items": top[0].tolist(), "scores": scores[0].astype(float).tolist()}
    if unknown:
        answer["unknown_items"] = unknown
    return answer


def sample(model, n: int = 1, label=None, seed: int = 0) -> dict:
    """``{"samples": [[...], ...]}``: ``n`` draws from ``model`` with ``seed`` (and, for a model
    trained with labels, of class ``label``), as ``aekit generate`` draws them."""
    from aekit.estimators.labels import class_of

    by_class = {} if label is None else {"y": class_of(model, label, '"label"')}
    return {"samples": _plain(model.sample(n, random_state=seed, **by_class))}
