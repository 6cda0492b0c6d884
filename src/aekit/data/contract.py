"""A model's data contract: which columns of a file it reads, and how.

A model trained on a table remembers the table's layout: its feature columns
(names, in the model's order, and their kinds: number, category, boolean),
the label column, the columns left out (``drop``) and the id columns (carried
to outputs so that codes and scores can be joined back to their rows), and
every column of the training file in order (for files without a header).

:meth:`DataContract.select` is the one place where every entry point
(``encode``, ``reconstruct``, ``detect score``, ``evaluate``, ``serve``)
picks the model's columns out of a new file:

- a file with a header: the features are taken by name, in any order; extra
  columns are ignored (named in an :class:`IgnoredColumnsWarning`); missing
  features are refused in one :class:`~aekit.exceptions.DataError` naming
  them (and the columns the model does not know, often the same ones renamed);
- a file without a header: by position, laid out as the training file, or
  holding the feature columns only.

The contract is stored as JSON in the model file's metadata (key
``data_contract``); models written before it existed get one derived from
their fitted column names (:func:`contract_of`).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from aekit.data.validation import is_str_list, short_list
from aekit.exceptions import DataError

__all__ = ["KINDS", "DataContract", "IgnoredColumnsWarning", "Selection", "attach_contract", "column_list",
           "contract_of", "find_column", "with_categories"]

KINDS = ("number", "category", "boolean")


class IgnoredColumnsWarning(UserWarning):
    """A file has columns the model does not read (neither features, label, dropped nor ids)."""


@dataclass(frozen=True)
class Selection:
    """The model's columns of one file (or chunk), as :meth:`DataContract.select` found them.

    Attributes
    ----------
    X : pandas.DataFrame
        The feature columns in the model's order: named as in training when
        the model knows names, else numbered 0..n-1.
    ids : pandas.DataFrame or None
        The id columns found in the file (None when there are none).
    label : numpy.ndarray or None
        The label column's values, when the file has it.
    ignored : list of str
        Columns of the file that the model does not read.
    """

    X: Any
    ids: Any = None
    label: np.ndarray | None = None
    ignored: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DataContract:
    """What a model reads from a table, and what it carries through.

    Parameters
    ----------
    features : tuple of str or None
        The feature columns, in the model's order (None: the model knows no
        names and reads columns by position).
    n_features : int
        Number of feature columns (before one-hot encoding).
    kinds : tuple of str or None
        Kind of each feature: "number", "category" or "boolean".
    label : str or None
        The label column (a 0-based position, as text, for a file without a header).
    drop : tuple of str
        Columns left out of the features.
    ids : tuple of str
        Columns left out of the features and copied into outputs.
    file_columns : tuple of str or None
        Every column of the training file, in order (positions "0", "1", ...
        for a file without a header).
    categories : dict of str to list of str
        The categories of each categorical feature, as learned in fit.
    normal : str or None
        The label of the rows a detector was fitted on (``aekit detect fit
        --normal``); None when it was fitted on every row.

    Attributes
    ----------
    positions : list of int or None
        Positions of the features in the training file (None when its layout
        is unknown).

    Raises
    ------
    aekit.exceptions.DataError
        Feature names or kinds that do not match ``n_features``, a kind
        outside "number" / "category" / "boolean", or a named column that is
        not among ``file_columns``.

    Examples
    --------
    >>> import pandas as pd
    >>> contract = DataContract(features=("a", "b"), n_features=2, kinds=("number", "number"),
    ...                         ids=("key",), file_columns=("key", "a", "b"))
    >>> frame = pd.DataFrame({"b": [2.0], "extra": [0], "a": [1.0], "key": ["r1"]})
    >>> import warnings; warnings.simplefilter("ignore")
    >>> chosen = contract.select(frame, "new.csv")
    >>> list(chosen.X.columns), list(chosen.ids["key"]), chosen.ignored
    (['a', 'b'], ['r1'], ['extra'])
    """

    features: tuple[str, ...] | None
    n_features: int
    kinds: tuple[str, ...] | None = None
    label: str | None = None
    drop: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    file_columns: tuple[str, ...] | None = None
    categories: dict[str, list[str]] = field(default_factory=dict)
    normal: str | None = None

    def __post_init__(self) -> None:
        if self.features is not None and len(self.features) != self.n_features:
            raise DataError(f"data contract: {len(self.features)} feature names for n_features={self.n_features}")
        if self.kinds is not None and (len(self.kinds) != self.n_features or not set(self.kinds) <= set(KINDS)):
            raise DataError(f"data contract: expected {self.n_features} kinds from {KINDS}, got {list(self.kinds)}")
        if self.file_columns is not None:
            taken = [c for c in (*self.drop, *self.ids, *([self.label] if self.label is not None else []))]
            outside = [c for c in taken + list(self.features or ()) if c not in set(self.file_columns)]
            if outside:
                raise DataError(f"data contract: columns {outside} are not among the file's columns")

    # -- what the model reads ------------------------------------------------------------
    @property
    def positions(self) -> list[int] | None:
        """Positions of the features in the training file (None when its layout is unknown)."""
        if self.file_columns is None:
            return None
        left_out = {*self.drop, *self.ids, *([self.label] if self.label is not None else [])}
        kept = [i for i, c in enumerate(self.file_columns) if c not in left_out]
        return kept if len(kept) == self.n_features else None

    def select(self, frame, name: str = "input", *, label: str | None = None, drop=(), ids=()) -> Selection:
        """The model's columns of ``frame`` (a whole file read by pandas, or one chunk of it).

        Parameters
        ----------
        frame : pandas.DataFrame or numpy.ndarray
            String column names for a file with a header, integers otherwise.
        name : str
            The file's name, for messages.
        label, drop, ids : optional
            Columns named on the command line for this file (added to the
            contract's own; a missing one is an error).

        Returns
        -------
        Selection
            ``X`` (the features, in the model's order), ``ids``, ``label`` and
            ``ignored`` (the columns nobody reads).

        Raises
        ------
        aekit.exceptions.DataError
            Features missing from the file (named, with the file's columns the
            model does not know), a column named in ``label`` / ``drop`` /
            ``ids`` that the file lacks, a file without a header with neither
            the training file's number of columns nor the features' number, or
            text in a column the model reads as numbers.

        Examples
        --------
        >>> import pandas as pd
        >>> contract = DataContract(("a", "b"), 2)
        >>> list(contract.select(pd.DataFrame({"b": [2.0], "a": [1.0]})).X.columns)
        ['a', 'b']
        >>> contract.select(pd.DataFrame({"a": [1.0]}), "new.csv")
        Traceback (most recent call last):
        aekit.exceptions.DataError: new.csv lacks 1 of the model's 2 feature columns: ['b']...
        """
        import pandas as pd

        if not hasattr(frame, "columns"):
            frame = pd.DataFrame(np.asarray(frame))
        asked = {"label": [label] if label is not None else [], "drop": column_list(drop), "ids": column_list(ids)}
        named = len(frame.columns) > 0 and all(isinstance(c, str) for c in frame.columns)
        if named and self.features is not None:
            return self._by_name(frame, name, asked)
        return self._by_position(frame, name, asked, named)

    def _by_name(self, frame, name: str, asked: dict[str, list[str]]) -> Selection:
        columns = [str(c) for c in frame.columns]
        unknown = [c for c in sum(asked.values(), []) if c not in set(columns)]
        if unknown:
            raise DataError(f"{name} has no column {unknown} (named by --label / --drop / --id); "
                            f"its columns are {short_list(columns)}")
        missing = [c for c in self.features if c not in set(columns)]
        label = asked["label"][0] if asked["label"] else self.label
        ids = [c for c in dict.fromkeys([*self.ids, *asked["ids"]]) if c in set(columns)]
        known = {*self.features, *self.drop, *asked["drop"], *ids, *([label] if label else [])}
        extra = [c for c in columns if c not in known]
        if missing:
            hint = f"; columns it has that the model does not know: {short_list(extra)}" if extra else ""
            raise DataError(f"{name} lacks {len(missing)} of the model's {self.n_features} feature columns: "
                            f"{short_list(missing)}{hint}; expected every column the model was trained on "
                            "(in any order)")
        if extra:
            warnings.warn(IgnoredColumnsWarning(f"{name}: columns the model does not read are ignored: "
                                                f"{short_list(extra)}"), stacklevel=3)
        X = self._typed(frame[list(self.features)].reset_index(drop=True), name)
        return Selection(X, frame[ids].reset_index(drop=True) if ids else None,
                         frame[label].to_numpy() if label is not None and label in set(columns) else None, extra)

    def _by_position(self, frame, name: str, asked: dict[str, list[str]], named: bool) -> Selection:
        """Columns by position: as laid out in the training file, or the features only."""
        width = frame.shape[1]
        if any(asked.values()):  # columns named for this file: taken out first, the rest are the features
            return self._after_taking_out(frame, name, asked, named)
        layout = self.positions
        if self.file_columns is not None and width == len(self.file_columns) and layout is not None:
            id_positions = [self.file_columns.index(c) for c in self.ids]
            label = self.file_columns.index(self.label) if self.label is not None else None
            X = frame.iloc[:, layout]
            ids = frame.iloc[:, id_positions].set_axis(list(self.ids), axis=1) if id_positions else None
            return Selection(self._named(X, name), None if ids is None else ids.reset_index(drop=True),
                             frame.iloc[:, label].to_numpy() if label is not None else None)
        if width == self.n_features:
            return Selection(self._named(frame, name))
        laid_out = (f"{len(self.file_columns)} columns laid out as the training file's, or "
                    if self.file_columns is not None and layout is not None
                    and len(self.file_columns) != self.n_features else "")
        raise DataError(f"{name} has {width} columns{' and no header' if not named else ''}; expected "
                        f"{laid_out}the model's {self.n_features} feature columns"
                        + ("" if named else " (a file without a header is matched by position)"))

    def _after_taking_out(self, frame, name: str, asked: dict[str, list[str]], named: bool) -> Selection:
        found = {key: [find_column(frame, c) for c in values] for key, values in asked.items()}
        unknown = [c for key in asked for c, f in zip(asked[key], found[key]) if f is None]
        if unknown:
            known = [str(c) for c in frame.columns] if named else f"positions 0..{frame.shape[1] - 1} (no header)"
            raise DataError(f"{name} has no column {unknown}; its columns are {known}")
        out = [*found["label"], *found["drop"], *found["ids"]]
        rest = frame.drop(columns=out)
        if rest.shape[1] != self.n_features:
            raise DataError(f"{name} has {rest.shape[1]} columns besides the label / dropped / id columns; "
                            f"the model reads {self.n_features}")
        ids = frame[found["ids"]].reset_index(drop=True) if found["ids"] else None
        return Selection(self._named(rest, name), ids,
                         frame[found["label"][0]].to_numpy() if found["label"] else None)

    def _named(self, X, name: str):
        """Positional features, renamed as in training when the model knows names (then type-checked)."""
        X = X.reset_index(drop=True)
        if self.features is None:
            return X.set_axis(range(X.shape[1]), axis=1)
        return self._typed(X.set_axis(list(self.features), axis=1), name)

    def _typed(self, X, name: str):
        """Refuse text in a column the model reads as numbers (one error naming every such column);
        a categorical column that pandas read as numbers (a chunk or file where every value looks
        like one) gets its categories back as the text learned in fit."""
        import pandas as pd

        if self.kinds is None:
            return X
        wrong = {}
        for column, kind in zip(self.features, self.kinds):
            values = X[column]
            if kind == "category" and pd.api.types.is_numeric_dtype(values.dtype):
                X = X.assign(**{column: self._as_categories(column, values)})
            if kind == "number" and not pd.api.types.is_numeric_dtype(values.dtype):
                text = values[pd.to_numeric(values, errors="coerce").isna() & values.notna()]
                if len(text):
                    wrong[column] = str(text.iloc[0])
                else:
                    X = X.assign(**{column: pd.to_numeric(values)})
        if wrong:
            described = ", ".join(f"{c!r} (e.g. {v!r})" for c, v in list(wrong.items())[:5])
            raise DataError(f"{name}: columns the model reads as numbers hold text: {described}; "
                            "expected numbers, as in training")
        return X

    def _as_categories(self, column: str, values):
        """Numbers read from a categorical column, as the category text learned in fit that reads as the
        same number ("1" for 1 and 1.0, "007" for 7), else as text (an unknown category)."""
        learned = {}
        for text in self.categories.get(column, ()):
            try:
                learned.setdefault(float(text), text)
            except ValueError:
                pass
        return values.astype(object).map(lambda v: v if v != v else learned.get(float(v), str(v)))

    # -- the model file ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The contract as plain JSON types (stored in the model file's metadata).

        Returns
        -------
        dict
            One key per field; tuples become lists.

        Examples
        --------
        >>> state = DataContract(("a", "b"), 2, ids=("key",), file_columns=("key", "a", "b")).to_dict()
        >>> state["features"], state["ids"], DataContract.from_dict(state).ids
        (['a', 'b'], ['key'], ('key',))
        """
        return {"features": None if self.features is None else list(self.features), "n_features": self.n_features,
                "kinds": None if self.kinds is None else list(self.kinds), "label": self.label,
                "drop": list(self.drop), "ids": list(self.ids),
                "file_columns": None if self.file_columns is None else list(self.file_columns),
                "categories": {c: list(v) for c, v in self.categories.items()}, "normal": self.normal}

    def to_json(self) -> str:
        """:meth:`to_dict` as one JSON text.

        Returns
        -------
        str
            JSON that :meth:`from_json` reads back.

        Examples
        --------
        >>> contract = DataContract(("a",), 1, kinds=("category",), categories={"a": ["x", "y"]})
        >>> DataContract.from_json(contract.to_json()) == contract
        True
        """
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, state: Any) -> DataContract:
        """Rebuild a contract from :meth:`to_dict` output, checking every field.

        Parameters
        ----------
        state : dict
            What :meth:`to_dict` gave (read back from a model file).

        Returns
        -------
        DataContract

        Raises
        ------
        aekit.exceptions.DataError
            ``state`` is not a dict, lacks a field, or holds a field of the
            wrong type (a tampered or truncated model file).

        Examples
        --------
        >>> DataContract.from_dict({"features": None, "n_features": 3}).n_features
        3
        >>> DataContract.from_dict({"features": None})
        Traceback (most recent call last):
        aekit.exceptions.DataError: data contract lacks the field 'n_features'
        """
        if not isinstance(state, dict):
            raise DataError(f"data contract must be a JSON object, got {type(state).__name__}")
        try:
            n_features = state["n_features"]
            if not isinstance(n_features, int) or n_features < 1:
                raise DataError(f"data contract: n_features must be a positive integer, got {n_features!r}")
            label, normal = state.get("label"), state.get("normal")
            for name, value in (("label", label), ("normal", normal)):
                if value is not None and not isinstance(value, str):
                    raise DataError(f"data contract: {name} must be a string, got {value!r}")
            categories = state.get("categories") or {}
            if not isinstance(categories, dict) or not all(is_str_list(v) for v in categories.values()):
                raise DataError("data contract: categories must map columns to lists of strings")
            return cls(features=_optional_tuple(state, "features"), n_features=n_features,
                       kinds=_optional_tuple(state, "kinds"), label=label,
                       drop=_optional_tuple(state, "drop") or (), ids=_optional_tuple(state, "ids") or (),
                       file_columns=_optional_tuple(state, "file_columns"),
                       categories={str(c): list(v) for c, v in categories.items()}, normal=normal)
        except KeyError as err:
            raise DataError(f"data contract lacks the field {err}") from None

    @classmethod
    def from_json(cls, text: str) -> DataContract:
        """Rebuild a contract from :meth:`to_json` output.

        Parameters
        ----------
        text : str
            JSON text.

        Returns
        -------
        DataContract

        Raises
        ------
        aekit.exceptions.DataError
            Not valid JSON, or a field :meth:`from_dict` refuses.

        Examples
        --------
        >>> DataContract.from_json('{"features": ["a"], "n_features": 1}').features
        ('a',)
        >>> DataContract.from_json("{")
        Traceback (most recent call last):
        aekit.exceptions.DataError: data contract is not valid JSON (...)
        """
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as err:
            raise DataError(f"data contract is not valid JSON ({err})") from None

    def describe(self) -> str:
        """One line: what the model reads and carries.

        Returns
        -------
        str
            The feature columns (or "by position"), the label, ids and dropped columns.

        Examples
        --------
        >>> DataContract(("a", "b"), 2, label="y", ids=("key",)).describe()
        "2 feature columns (['a', 'b']), label 'y', ids ['key']"
        """
        parts = [f"{self.n_features} feature columns"
                 + (f" ({short_list(list(self.features))})" if self.features is not None else " (by position)")]
        if self.label is not None:
            parts.append(f"label {self.label!r}")
        if self.ids:
            parts.append(f"ids {list(self.ids)}")
        if self.drop:
            parts.append(f"dropped {list(self.drop)}")
        return ", ".join(parts)


def contract_of(model) -> DataContract | None:
    """The data contract of a fitted estimator (or detector), or None for models of arrays.

    A model saved with a contract (trained by ``aekit train`` / ``aekit
    detect fit`` on a table) returns it; any other model fitted on a table
    returns one derived from its column names (``feature_names_in_``) and
    its one-hot categories; a model of plain arrays with a known width, one
    that reads columns by position.

    Parameters
    ----------
    model : estimator
        A fitted aekit estimator or detector (or anything with
        ``n_features_in_``).

    Returns
    -------
    DataContract or None
        None when the model's input width is unknown (not fitted, or a model
        of ratings).

    Examples
    --------
    >>> import pandas as pd
    >>> from aekit import Autoencoder
    >>> frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0] * 5, "b": [1.0, 0.0, 1.0, 3.0] * 5})
    >>> model = Autoencoder(latent_dim=1, hidden=(4,), max_epochs=1, random_state=0).fit(frame)
    >>> contract_of(model).features, contract_of(Autoencoder())
    (('a', 'b'), None)
    """
    stored = getattr(model, "data_contract_", None)
    if stored is not None:
        return stored
    n_features = getattr(model, "n_features_in_", None)
    if not isinstance(n_features, (int, np.integer)):
        return None
    names = getattr(model, "feature_names_in_", None)
    names = tuple(str(c) for c in names) if names is not None else None
    return replace(DataContract(names, int(n_features)), **_categorical_state(model, names))


def attach_contract(model, contract: DataContract | None):
    """Let a fitted ``model`` remember ``contract`` (a :class:`~aekit.data.Table`'s, with the
    categories the model learned); its model file then stores it. Returns ``model``.

    Nothing is attached when ``contract`` is None or describes another number of columns
    than the model reads (e.g. a sequence model's channels).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from aekit import Autoencoder
    >>> frame = pd.DataFrame({"key": range(30), "a": np.arange(30.0), "b": np.arange(30.0) % 7})
    >>> contract = DataContract(("a", "b"), 2, ("number", "number"), ids=("key",), file_columns=("key", "a", "b"))
    >>> model = Autoencoder(latent_dim=1, hidden=(4,), max_epochs=1, random_state=0).fit(frame[["a", "b"]])
    >>> attach_contract(model, contract).data_contract_.ids
    ('key',)
    """
    if contract is not None and getattr(model, "n_features_in_", None) == contract.n_features:
        model.data_contract_ = with_categories(contract, model)
    return model


def with_categories(contract: DataContract, model) -> DataContract:
    """``contract`` with the kinds and categories ``model`` learned (its one-hot preprocessing)."""
    return replace(contract, **_categorical_state(model, contract.features, contract.kinds))


def _categorical_state(model, names, kinds=None) -> dict[str, Any]:
    inner = next((getattr(model, a) for a in ("estimator_", "encoder_") if hasattr(model, a)), model)  # wrappers
    scaler = getattr(inner, "scaler_", None)
    categories = getattr(scaler, "categories_", None)
    if names is None:
        return {}
    if not isinstance(categories, dict):
        return {"kinds": kinds or ("number",) * len(names)}
    booleans = set(getattr(scaler, "booleans_", ()))
    kinds = tuple("boolean" if c in booleans else "category" if c in categories else "number" for c in names)
    return {"kinds": kinds, "categories": {c: list(v) for c, v in categories.items()}}


def find_column(frame, wanted: str | int):
    """The frame's column called ``wanted``; for a frame without names, a 0-based position."""
    if all(isinstance(c, str) for c in frame.columns):
        return wanted if wanted in frame.columns else None
    text = str(wanted).strip()
    return frame.columns[int(text)] if text.isdigit() and int(text) < frame.shape[1] else None


def column_list(value) -> list[str]:
    """Column names given as a list, or as one comma-separated string."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(item).strip() for item in items if str(item).strip()]


def _optional_tuple(state: dict[str, Any], key: str) -> tuple[str, ...] | None:
    value = state.get(key)
    if value is None:
        return None
    if not is_str_list(value):
        raise DataError(f"data contract: {key} must be a list of strings, got {value!r:.80}")
    return tuple(value)
