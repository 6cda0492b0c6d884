"""Reading the user's own data: tables (CSV, Parquet, NumPy) and folders of images."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aekit.data.files import read_csv, read_parquet
from aekit.data.contract import DataContract, column_list, find_column
from aekit.data.validation import check_data, id_like_columns
from aekit.exceptions import DataError
from aekit.memory import check_fits_in_memory

__all__ = ["IMAGE_SUFFIXES", "TABLE_SUFFIXES", "ImageFolder", "Table", "iter_image_folder", "list_images", "load_any",
           "load_image_folder", "load_table", "read_image_folder", "save_image_folder", "save_table", "select_table"]

TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".npy", ".npz")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
IMAGE_MODES = {"L": 1, "RGB": 3}  # Pillow mode -> number of channels
MAX_LABEL_CLASSES = 50  # a label with more distinct values is taken as continuous (no classes)
MAX_LISTED_FILES = 20  # unreadable files named in one message


@dataclass(frozen=True)
class Table:
    """A table read by :func:`load_table`: the features, their names and the labels.

    Unpacks and indexes as ``(X, columns)``, the pair it always returned.

    Attributes
    ----------
    X : numpy.ndarray of shape (n_samples, n_features), float32, or pandas.DataFrame
        The feature columns only: never the label or a dropped column. A
        table with categorical columns (text, booleans) stays a DataFrame;
        estimators one-hot encode those columns.
    columns : list of str or None
        Names of the columns of ``X`` (None when the file has no header).
    y : numpy.ndarray of shape (n_samples,), int64, or None
        Class indices of the label (``label=`` column, or ``y`` in an .npz).
    classes : tuple of str or None
        ``classes[y[i]]`` is the label value of row ``i`` as written in the file.
    ids : pandas.DataFrame or None
        The id columns (``ids=``), one row per row of ``X``, to carry into outputs.
    contract : aekit.data.contract.DataContract
        The table's layout (features, their kinds, label, dropped and id
        columns), which a model trained on it stores and checks new files against.

    Examples
    --------
    >>> import pandas as pd
    >>> pd.DataFrame({"key": ["a", "b"], "x": [1.0, 2.0], "y": ["no", "yes"]}).to_csv("t.csv", index=False)
    >>> table = load_table("t.csv", label="y", ids="key")
    >>> X, columns = table
    >>> columns, table.y.tolist(), table.classes, table.ids["key"].tolist()
    (['x'], [0, 1], ('no', 'yes'), ['a', 'b'])
    """

    X: np.ndarray
    columns: list[str] | None
    y: np.ndarray | None = None
    classes: tuple[str, ...] | None = None
    ids: Any = None
    contract: Any = None

    def __iter__(self):
        return iter((self.X, self.columns))

    def __getitem__(self, index):
        return (self.X, self.columns)[index]

    def __len__(self) -> int:
        return 2

    def features(self):
        """``X`` as a DataFrame with its column names (so estimators check them), or ``X``.

        Returns
        -------
        pandas.DataFrame or numpy.ndarray
            ``X`` itself when it is already a DataFrame or has no column names.

        Examples
        --------
        >>> import numpy as np
        >>> Table(np.zeros((2, 2), np.float32), ["a", "b"]).features().columns.tolist()
        ['a', 'b']
        >>> type(Table(np.zeros((2, 2), np.float32), None).features()).__name__
        'ndarray'
        """
        if self.columns is None or not isinstance(self.X, np.ndarray):
            return self.X
        import pandas as pd

        return pd.DataFrame(self.X, columns=self.columns, copy=False)


def load_table(path: str | Path, label: str | int | None = None,
               drop: str | list[str] | tuple[str, ...] | None = None,
               ids: str | list[str] | tuple[str, ...] | None = None, contract=None) -> Table:
    """Read a table from .csv (.csv.gz), .parquet, .npy or .npz.

    Numeric tables come back as float32. A table with text, category or
    boolean columns keeps them: its ``X`` is then a DataFrame, which the
    estimators one-hot encode (categories learned in fit).

    A CSV's first line is taken as a header unless every field in it is a
    number (except the labels 0, 1, ..., n-1 that pandas writes by default,
    which are a header when there are 3 or more columns). An .npz must hold
    a single array or one named "X" (or "x"); an array named "y" beside it
    holds the labels.

    Parameters
    ----------
    path : str or Path
    label : str or int, optional
        The column holding the label (a name, or a 0-based position for files
        without a header). It is taken out of the features.
    drop : str or list of str, optional
        Columns to leave out (free text, ...); a string may list several,
        comma-separated.
    ids : str or list of str, optional
        Id columns: left out of the features like ``drop``, and kept in
        ``Table.ids`` so that outputs can carry them.
    contract : aekit.data.contract.DataContract, optional
        A model's contract (:func:`aekit.data.contract.contract_of`): its
        feature columns are then selected by name, in any order, or by
        position for a file without a header; its label and id columns are
        found too. ``label`` / ``drop`` / ``ids`` add to its own.

    Returns
    -------
    Table
        ``X`` (float32 features), ``columns``, ``y`` and ``classes``; unpacks
        as ``X, columns``.

    Warns
    -----
    UserWarning
        For an integer or text column whose values differ on every row (it
        looks like an id: pass it to ``drop``), for a column named like a
        label (``target``, ``label``, ``class``, ``y``) when no ``label`` is
        given, and for a label with too many distinct values to be classes.

    Raises
    ------
    DataError
        Missing file, unsupported extension, a table without data rows
        (a header only), unreadable or non-numeric content, NaN/inf (see :func:`aekit.data.check_data`), an unknown
        label or drop column; with a ``contract``, missing feature columns
        (see :meth:`~aekit.data.contract.DataContract.select`).

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from aekit.data import load_table
    >>> path = f"{tempfile.mkdtemp()}/patients.csv"
    >>> pd.DataFrame({"patient_id": [11, 12, 13, 14], "age": [50, 61, 47, 70],
    ...               "bmi": [22.1, 30.4, 27.5, 25.0],
    ...               "diagnosis": ["benign", "malignant", "benign", "benign"]}).to_csv(path, index=False)
    >>> table = load_table(path, label="diagnosis", drop="patient_id")
    >>> list(table.columns), table.y.tolist(), list(table.classes)
    (['age', 'bmi'], [0, 1, 0, 0], ['benign', 'malignant'])
    """
    path = Path(path)
    frame = read_frame(path, label)
    if contract is not None:
        return select_table(frame, path.name, contract, label, column_list(drop), column_list(ids))
    return _split_table(frame, path.name, label, column_list(drop), column_list(ids))


# Memory a whole read takes, in bytes of file: the DataFrame (a numeric CSV's text is about as
# large as its float64 values; a compressed file several times larger) and the float32 copy.
WHOLE_READ_FACTOR = {".csv": 2, ".csv.gz": 10, ".parquet": 4, ".npy": 2, ".npz": 10}


def read_frame(path: str | Path, label: str | int | None = None):
    """The table of a .csv (.csv.gz), .parquet, .npy or .npz file as a DataFrame, as stored
    (missing cells kept as NaN; the header rule of :func:`load_table`).

    Parameters
    ----------
    path : str or Path
    label : str or int, optional
        Only checked against an .npz's own labels (its array "y"): both is an error.

    Returns
    -------
    pandas.DataFrame
        At least one row; an .npz's labels ride along in ``frame.attrs["npz_labels"]``.

    Raises
    ------
    DataError
        Missing file, unsupported extension, unreadable content, or no data rows
        (a header only, blank lines): each entry point that reads a table refuses
        it here, naming the file, instead of deep in the fitting code. A file
        whose whole read would not fit in the memory available (estimated from
        its size) is refused before reading, naming the commands that stream.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    suffix = _table_suffix(path)
    check_fits_in_memory(path.stat().st_size * WHOLE_READ_FACTOR.get(suffix, 2), f"reading {path.name} whole",
                         "`aekit encode`, `reconstruct` and `detect score` stream CSV, .npy and .parquet files "
                         "in blocks: convert it, or split it")
    if suffix in (".csv", ".csv.gz"):
        frame = _read_csv(path)
    elif suffix == ".parquet":
        frame = read_parquet(path)
    else:
        frame = _numpy_frame(path, suffix, label)
    if len(frame) == 0:
        raise DataError(f"{path.name} has no data rows (columns {[str(c) for c in frame.columns][:10]}, "
                        "0 rows); expected a table with at least one row")
    return frame


def select_table(frame, name: str, contract, label=None, drop: list[str] = (), ids: list[str] = ()) -> Table:
    """The model's columns of ``frame``, read as :func:`load_table` reads a file with ``contract``.

    Parameters
    ----------
    frame : pandas.DataFrame
        String column names for rows by name, integers for rows by position.
    name : str
        Where the rows came from, for messages.
    contract : aekit.data.contract.DataContract
        The model's contract (see :meth:`~aekit.data.contract.DataContract.select`).
    label, drop, ids : optional
        Columns named for these rows, added to the contract's own.

    Returns
    -------
    Table

    Raises
    ------
    DataError
        As :meth:`~aekit.data.contract.DataContract.select`, and for values that are not numbers,
        NaN or inf in numeric columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from aekit.data.contract import DataContract
    >>> contract = DataContract(("a", "b"), 2, ("number", "number"))
    >>> select_table(pd.DataFrame([{"b": 2.0, "a": 1.0}]), "records", contract).X.tolist()
    [[1.0, 2.0]]
    """
    npz_labels = frame.attrs.pop("npz_labels", None)
    chosen = contract.select(frame, name, label=None if label is None else str(label), drop=drop, ids=ids)
    values = chosen.label if chosen.label is not None else npz_labels
    y, classes = _labels(values, f"{name} label") if values is not None else (None, None)
    columns = list(contract.features) if contract.features is not None else None
    return Table(_feature_values(chosen.X, name), columns, y, classes, chosen.ids, contract)


def _split_table(frame, name: str, label: str | int | None, drop: list[str], ids: list[str] = ()) -> Table:
    """Take the label, dropped and id columns out of ``frame``; check what is left."""
    named = _has_names(frame)
    npz_labels = frame.attrs.pop("npz_labels", None)
    drop = [*drop, *ids]
    unknown = [c for c in drop if find_column(frame, c) is None]
    label_column = None if label is None else find_column(frame, label)
    if unknown or (label is not None and label_column is None):
        asked = unknown + ([str(label)] if label is not None and label_column is None else [])
        known = [str(c) for c in frame.columns] if named else f"positions 0..{frame.shape[1] - 1} (no header)"
        raise DataError(f"{name} has no column {asked}; its columns are {known}")
    y, classes = _labels(frame[label_column], f"{name} column {label_column!r}") if label_column is not None \
        else (_labels(npz_labels, f"{name} array 'y'") if npz_labels is not None else (None, None))
    features = frame.drop(columns=[find_column(frame, c) for c in drop]
                          + ([label_column] if label_column is not None else []))
    warn_suspect_columns(features, name, labelled=y is not None or not named)
    columns = [str(c) for c in features.columns] if named else None
    id_columns = [find_column(frame, c) for c in ids]
    id_frame = frame[id_columns].set_axis([str(c) for c in ids], axis=1).reset_index(drop=True) if ids else None
    X = _feature_values(features, name)
    kinds = _kinds(features) if named else None
    contract = DataContract(
        features=tuple(columns) if columns is not None else None, n_features=features.shape[1], kinds=kinds,
        label=None if label_column is None else str(label_column if named else _position(frame, label_column)),
        drop=tuple(str(c if named else _position(frame, find_column(frame, c))) for c in drop if c not in ids),
        ids=tuple(str(c if named else _position(frame, find_column(frame, c))) for c in ids),
        file_columns=tuple(str(c) for c in frame.columns))
    return Table(X, columns, y, classes, id_frame, contract)


def _position(frame, column) -> int:
    return list(frame.columns).index(column)


def _kinds(features) -> tuple[str, ...]:
    """Each column's kind: "number", "category" or "boolean" (as the one-hot preprocessing sees it)."""
    import pandas as pd

    from aekit.data.tabular import categorical_columns

    categorical = set(categorical_columns(features))
    return tuple("boolean" if pd.api.types.is_bool_dtype(features[c].dtype) else
                 "category" if str(c) in categorical else "number" for c in features.columns)


def _feature_values(features, name: str):
    """The features as float32, or, when some columns hold categories (text, booleans), as the
    DataFrame itself (named columns only), its numeric columns checked."""
    from aekit.data.tabular import categorical_columns

    categorical = categorical_columns(features)
    if not categorical or not _has_names(features):
        return check_data(features, name=name)
    numeric = [c for c in features.columns if c not in set(categorical)]
    _refuse_missing_categories(features, categorical, numeric, name)
    if numeric:
        check_data(features[numeric], name=name)  # NaN / inf reported here, with the file's name
    return features.reset_index(drop=True)


def _refuse_missing_categories(features, categorical: list, numeric: list, name: str) -> None:
    """Empty cells in category columns, refused when the file is read, every column with gaps named
    at once: the one-hot encoder refused them only when it met them, which for a row in the test
    split was after training."""
    blank = features[categorical].isna().sum()
    if not blank.any():
        return
    gaps = {str(c): int(n) for c, n in blank.items() if n}
    numbers = {str(c): int(n) for c, n in features[numeric].isna().sum().items() if n}
    raise DataError(f"{name} has empty cells in category columns {gaps}"
                    + (f" and in number columns {numbers}" if numbers else "")
                    + "; expected a value in every cell: fill them before fitting (in a category column, e.g. "
                    "with 'missing'), or impute them with aekit.AutoencoderImputer (`aekit complete` on the "
                    "command line)")


def _labels(values, what: str) -> tuple[np.ndarray | None, tuple[str, ...] | None]:
    """Class indices 0..k-1 and the class names, or (None, None) for a continuous target."""
    import pandas as pd

    series = pd.Series(np.asarray(values).ravel() if not isinstance(values, pd.Series) else values)
    if series.isna().any():
        raise DataError(f"{what} has {int(series.isna().sum())} missing labels; expected a label on every row")
    codes, uniques = pd.factorize(series, sort=True)
    if len(uniques) > MAX_LABEL_CLASSES and pd.api.types.is_float_dtype(series):
        warnings.warn(f"{what} has {len(uniques)} distinct values: taken as a continuous target, "
                      "kept out of the features but not used as classes (probes, colours)", stacklevel=3)
        return None, None
    return codes.astype(np.int64), tuple(str(u) for u in uniques)


def warn_suspect_columns(features, name: str, labelled: bool) -> None:
    """Warn of feature columns a user most likely did not mean as features: integers with a different
    value on every row (an id), and, in a table read without a label (``labelled`` False), a column
    named like one. ``name``: the file, as the warnings say it. Called where a table is split into its
    features (:func:`load_table`) and by ``aekit complete``, which reads its table whole."""
    _warn_id_like(features, name)
    if not labelled:
        _warn_label_like(features, name)


def _warn_id_like(frame, name: str) -> None:
    """Integer columns unique per row, like an id (text ones: the one-hot encoder warns, see
    :mod:`aekit.data.tabular`, in Python too)."""
    text = set(id_like_columns(frame, "text"))
    for column in id_like_columns(frame):
        if column not in text:
            warnings.warn(f"{name}: column {column!r} has a different value on every row, like an id; "
                          f"if it is one, name it with --id {column} (ids= in Python: left out of the features, "
                          f"copied to outputs) or leave it out with --drop {column}", stacklevel=5)


LABEL_LIKE_NAMES = frozenset({"target", "label", "labels", "class", "y"})


def _warn_label_like(frame, name: str) -> None:
    """A column named like a label (``target``, ``class``, ...) in a table read without one: it is
    a feature then, which a probe, a detector or a clustering would silently use."""
    for column in frame.columns:
        if str(column).strip().lower() in LABEL_LIKE_NAMES:
            warnings.warn(f"{name}: column {column!r} is named like a label but is used as a feature; if it is "
                          f"the label, name it with --label {column} (label= in Python: never a feature)",
                          stacklevel=5)


def save_table(path: str | Path, X: Any, columns: list[str] | None = None) -> Path:
    """Write ``X`` (2-D, or 1-D as one column) to .csv or .npy, chosen by extension.

    ``columns`` become the CSV header; without them the CSV has none. Parent
    folders are created.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.npy`` file name (written atomically).
    X : array-like of shape (n_rows, n_columns) or (n_rows,)
        The values.
    columns : list of str, optional
        The CSV header, one name per column.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    aekit.exceptions.DataError
        ``X`` is not 1-D or 2-D, ``columns`` do not match its width, or the
        extension is neither .csv nor .npy.

    Examples
    --------
    >>> import numpy as np
    >>> save_table("out/codes.csv", np.eye(2), columns=["z0", "z1"]).read_text().splitlines()
    ['z0,z1', '1.0,0.0', '0.0,1.0']
    >>> save_table("codes.txt", np.eye(2))
    Traceback (most recent call last):
    aekit.exceptions.DataError: cannot save codes.txt: expected a .csv or .npy file name, got .txt.
    """
    path = Path(path)
    array = np.asarray(X)
    array = array.reshape(-1, 1) if array.ndim == 1 else array
    if array.ndim != 2:
        raise DataError(f"save_table() expects a 1-D or 2-D array; got shape {array.shape}.")
    if columns is not None and len(columns) != array.shape[1]:
        raise DataError(f"save_table() got {len(columns)} column names for {array.shape[1]} columns.")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".npy"):
        raise DataError(f"cannot save {path.name}: expected a .csv or .npy file name, got {suffix or 'no extension'}.")
    from aekit.files import atomic_write

    with atomic_write(path, "wb" if suffix == ".npy" else "w") as f:
        if suffix == ".npy":
            np.save(f, array)
        else:
            import pandas as pd

            pd.DataFrame(array, columns=columns).to_csv(f, index=False, header=columns is not None)
    return path


@dataclass(frozen=True)
class ImageFolder:
    """The images of a folder, as :func:`read_image_folder` read them.

    Attributes
    ----------
    X : numpy.ndarray of shape (n_images, channels * height * width), float32 in [0, 1]
        Each row is one image flattened channel-first.
    image_shape : (channels, height, width)
    files : list of str
        Each row's file, relative to the folder (``class/name.png`` in class subfolders).
    y : numpy.ndarray of shape (n_images,), int64, or None
        Class index of each image: the position of its subfolder's name in ``classes``.
    classes : tuple of str or None
        The class subfolders' names, sorted (None for a flat folder).
    skipped : list of str
        Files that could not be read and were skipped (``skip_unreadable=True``).

    Examples
    --------
    >>> import numpy as np
    >>> names = ["cat/1.png", "cat/2.png", "dog/1.png"]
    >>> _ = save_image_folder("pets", np.random.default_rng(0).random((3, 16)), (1, 4, 4), names)
    >>> images = read_image_folder("pets")
    >>> images.X.shape, images.image_shape, images.classes, images.y.tolist()
    ((3, 16), (1, 4, 4), ('cat', 'dog'), [0, 0, 1])
    """

    X: np.ndarray
    image_shape: tuple[int, int, int]
    files: list[str]
    y: np.ndarray | None = None
    classes: tuple[str, ...] | None = None
    skipped: list[str] = field(default_factory=list)


def read_image_folder(path: str | Path, size: tuple[int, int] | None = None, mode: str = "auto",
                      skip_unreadable: bool = False) -> ImageFolder:
    """Read the .png/.jpg/.jpeg images of a folder: directly in it, or in class subfolders.

    A folder whose images sit in subfolders (``folder/cat/1.png``,
    ``folder/dog/7.png``: the layout torchvision's ``ImageFolder`` and Keras'
    ``image_dataset_from_directory`` read) gives one class per subfolder,
    named after it; images further down a class folder belong to it.

    Parameters
    ----------
    path : str or Path
    size : (width, height), optional
        Resize every image to this size; required when sizes differ.
    mode : {"auto", "L", "RGB"}, default="auto"
        Grayscale (one channel), colour (three), or ``"auto"``: colour when
        any image of the folder has a pixel whose red, green and blue differ,
        else grayscale (a gray folder reads as it does with ``"L"``, exactly).
    skip_unreadable : bool, default=False
        Skip files that cannot be read as images (listed in ``skipped``, with
        a warning) instead of refusing the folder.

    Returns
    -------
    ImageFolder

    Raises
    ------
    DataError
        No such folder, no images, images both directly in the folder and in
        subfolders, unreadable files (all of them named at once) unless
        ``skip_unreadable``, or images of different sizes without ``size``.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from PIL import Image
    >>> root = Path(tempfile.mkdtemp())
    >>> for name in ("cat", "dog"):
    ...     (root / name).mkdir()
    ...     Image.fromarray(np.zeros((4, 4), np.uint8)).save(root / name / "a.png")
    >>> images = read_image_folder(root)
    >>> images.files, images.classes, images.y.tolist()
    (['cat/a.png', 'dog/a.png'], ('cat', 'dog'), [0, 1])
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataError(f"no such folder: {folder}")
    if mode not in (*IMAGE_MODES, "auto"):
        raise DataError(f"image mode must be one of {', '.join(IMAGE_MODES)} or auto; got {mode!r}.")
    if size is not None:
        size = _checked_size(size)
    files, classes = _image_files(folder)
    images, unreadable = [], {}
    for file in files:
        try:
            images.append(_read_image(file, "RGB" if mode == "auto" else mode, size))
        except DataError as err:
            unreadable[file] = str(err)
    names = [f.relative_to(folder).as_posix() for f in files]
    skipped = [f.relative_to(folder).as_posix() for f in unreadable]
    if unreadable and not skip_unreadable:
        listed = "; ".join(f"{f.relative_to(folder).as_posix()} ({why.split(': ', 1)[-1]})"
                           for f, why in list(unreadable.items())[:MAX_LISTED_FILES])
        more = f"; and {len(unreadable) - MAX_LISTED_FILES} more" if len(unreadable) > MAX_LISTED_FILES else ""
        raise DataError(f"{len(unreadable)} of {len(files)} files in {folder} cannot be read as images: "
                        f"{listed}{more}. Fix or remove them, or skip them with --skip-unreadable "
                        "(skip_unreadable=True)")
    if skipped:
        warnings.warn(f"skipped {len(skipped)} unreadable file(s) of {len(files)} in {folder}: "
                      f"{', '.join(skipped[:MAX_LISTED_FILES])}{' ...' if len(skipped) > MAX_LISTED_FILES else ''}",
                      stacklevel=2)
    kept = [f for f in files if f not in unreadable]
    if not kept:
        raise DataError(f"none of the {len(files)} files in {folder} could be read as an image")
    _check_same_size([f.relative_to(folder).as_posix() for f in kept], images)
    X, image_shape = _pixel_rows(images, mode)
    return ImageFolder(X, image_shape, [n for n in names if n not in set(skipped)],
                       _class_indices(folder, kept, classes), classes, skipped)


def iter_image_folder(path: str | Path, chunk_size: int, mode: str, size: tuple[int, int] | None = None
                      ) -> Iterator[ImageFolder]:
    """The images of a folder (as :func:`read_image_folder` finds them) in chunks of at most
    ``chunk_size``, so that a folder larger than memory can be scored.

    Parameters
    ----------
    path : str or Path
        The folder: images directly in it, or in class subfolders.
    chunk_size : int
        Images per chunk.
    mode : {"L", "RGB"}
        Grayscale or colour; fixed for every chunk ("auto" could read one chunk gray, the next colour).
    size : (width, height), optional
        Resize every image to this size.

    Yields
    ------
    ImageFolder
        One chunk: its rows, files (relative to the folder), class indices and the whole folder's classes.

    Raises
    ------
    aekit.exceptions.DataError
        As :func:`read_image_folder`; an unreadable file or a size that differs from the first image's
        is refused when its chunk is read.

    Examples
    --------
    >>> import numpy as np
    >>> _ = save_image_folder("many", np.zeros((5, 4)), (1, 2, 2), [f"c{i % 2}/{i}.png" for i in range(5)])
    >>> [(chunk.X.shape, chunk.files) for chunk in iter_image_folder("many", 2, "L")]  # doctest: +NORMALIZE_WHITESPACE
    [((2, 4), ['c0/0.png', 'c0/2.png']), ((2, 4), ['c0/4.png', 'c1/1.png']), ((1, 4), ['c1/3.png'])]
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataError(f"no such folder: {folder}")
    if mode not in IMAGE_MODES:
        raise DataError(f"image mode must be one of {', '.join(IMAGE_MODES)}; got {mode!r}.")
    files, classes = _image_files(folder)
    first = None
    for start in range(0, len(files), chunk_size):
        part = files[start:start + chunk_size]
        images = [_read_image(f, mode, size) for f in part]
        first = images[0] if first is None else first
        _check_same_size([f.relative_to(folder).as_posix() for f in [files[0], *part]], [first, *images])
        X, image_shape = _pixel_rows(images, mode)
        yield ImageFolder(X, image_shape, [f.relative_to(folder).as_posix() for f in part],
                          _class_indices(folder, part, classes), classes, [])


def _pixel_rows(images: list[np.ndarray], mode: str) -> tuple[np.ndarray, tuple[int, int, int]]:
    """8-bit images read in ``mode`` as float32 rows in [0, 1], channel-first, and their (c, h, w)."""
    stacked = np.stack(images).reshape(len(images), *images[0].shape[:2], IMAGE_MODES.get(mode, 3))
    if mode == "auto" and _is_gray(stacked):
        stacked = stacked[..., :1]  # Pillow's RGB -> L of equal channels is that channel, exactly
    channels_first = stacked.transpose(0, 3, 1, 2)
    X = np.ascontiguousarray(channels_first.reshape(len(images), -1), dtype=np.float32) / np.float32(255)
    return X, channels_first.shape[1:]


def _class_indices(folder: Path, files: list[Path], classes: tuple[str, ...] | None) -> np.ndarray | None:
    """Each file's class: the position of its class subfolder in ``classes`` (None for a flat folder)."""
    if classes is None:
        return None
    index = {name: i for i, name in enumerate(classes)}
    return np.asarray([index[f.relative_to(folder).parts[0]] for f in files], dtype=np.int64)


def load_image_folder(
    path: str | Path,
    size: tuple[int, int] | None = None,
    mode: str = "auto",
) -> tuple[np.ndarray, tuple[int, int, int]]:
    """``(X, image_shape)`` of the images of a folder (see :func:`read_image_folder`,
    which also gives the files, the classes of class subfolders and the skipped files).

    Parameters
    ----------
    path : str or Path
        The folder: images directly in it, or in class subfolders.
    size : (width, height), optional
        Resize every image to this size; required when sizes differ.
    mode : {"auto", "L", "RGB"}, default="auto"
        Grayscale, colour, or colour only when the folder has any (see :func:`read_image_folder`).

    Returns
    -------
    X : numpy.ndarray of shape (n_images, channels * height * width), float32 in [0, 1]
        Each row is one image flattened channel-first, so
        ``X.reshape(-1, *image_shape)`` gives (n, c, h, w).
    image_shape : (channels, height, width)

    Raises
    ------
    aekit.exceptions.DataError
        As :func:`read_image_folder`: no images, unreadable files, or sizes
        that differ without ``size``.

    Examples
    --------
    >>> import numpy as np
    >>> _ = save_image_folder("faces", np.full((2, 12), 0.5), (1, 3, 4), ["a.png", "b.png"])
    >>> X, shape = load_image_folder("faces", size=(2, 2))
    >>> X.shape, shape, round(float(X.mean()), 2)
    ((2, 4), (1, 2, 2), 0.5)
    """
    images = read_image_folder(path, size=size, mode=mode)
    return images.X, images.image_shape


def list_images(folder: str | Path) -> list[Path]:
    """The image files of ``folder`` (directly in it, or in class subfolders), in the order of
    the rows of :func:`read_image_folder`.

    Parameters
    ----------
    folder : str or Path
        A folder of .png/.jpg/.jpeg files, or of class subfolders of them.

    Returns
    -------
    list of Path

    Raises
    ------
    aekit.exceptions.DataError
        No image in the folder, or images both in it and in subfolders.

    Examples
    --------
    >>> import numpy as np
    >>> _ = save_image_folder("shots", np.zeros((2, 4)), (1, 2, 2), ["b.jpg", "a.jpg"])
    >>> [f.name for f in list_images("shots")]
    ['a.png', 'b.png']
    """
    return _image_files(Path(folder))[0]


def _image_files(folder: Path) -> tuple[list[Path], tuple[str, ...] | None]:
    """(the image files, the class subfolders' names or None for a flat folder)."""
    def is_image(p: Path) -> bool:
        return p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")

    direct = sorted(p for p in folder.iterdir() if is_image(p))
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    in_classes = {d.name: sorted(p for p in d.rglob("*") if is_image(p)) for d in subfolders}
    in_classes = {name: files for name, files in in_classes.items() if files}
    if direct and in_classes:
        raise DataError(f"{folder} has images both directly in it ({direct[0].name}, ...) and in subfolders "
                        f"({', '.join(in_classes)}); expected one or the other: images, or one subfolder per class")
    if in_classes:
        return [f for files in in_classes.values() for f in files], tuple(in_classes)
    if not direct:
        raise DataError(f"found no .png/.jpg/.jpeg files in {folder} (nor in class subfolders)")
    return direct, None


def save_image_folder(folder: str | Path, X: Any, image_shape: tuple[int, int, int], names: list[str]) -> Path:
    """Write each row of ``X`` (values in [0, 1], channel-first as read) as a PNG named ``names[i]``
    (a relative path such as ``cat/1.jpg`` keeps its subfolder; the suffix becomes .png).

    Parameters
    ----------
    folder : str or Path
        Where to write (created with its parents).
    X : array-like of shape (n_images, channels * height * width)
        Pixel values, clipped to [0, 1] and rounded to 8 bits.
    image_shape : (channels, height, width)
        1 channel gives grayscale PNGs, 3 colour ones.
    names : list of str
        One file name per row (as :func:`read_image_folder` gives them in ``files``).

    Returns
    -------
    Path
        ``folder``.

    Examples
    --------
    >>> import numpy as np
    >>> folder = save_image_folder("grey", np.linspace(0, 1, 8).reshape(2, 4), (1, 2, 2), ["x.jpg", "y.jpg"])
    >>> [round(float(v), 2) for v in read_image_folder(folder).X[1]]  # 8-bit PNGs: within 1/255
    [0.57, 0.71, 0.86, 1.0]
    """
    from PIL import Image

    folder = Path(folder)
    channels, height, width = image_shape
    pixels = np.clip(np.asarray(X, dtype=np.float32), 0, 1).reshape(len(X), channels, height, width)
    pixels = np.round(pixels.transpose(0, 2, 3, 1) * 255).astype(np.uint8)
    folder.mkdir(parents=True, exist_ok=True)
    for image, name in zip(pixels, names):
        target = folder / Path(name).with_suffix(".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image[..., 0] if channels == 1 else image).save(target)
    return folder


def load_any(
    path_or_name: str | Path,
    *,
    image_size: tuple[int, int] | None = None,
    image_mode: str = "auto",
    label: str | int | None = None,
    drop: str | list[str] | None = None,
    ids: str | list[str] | None = None,
    skip_unreadable: bool = False,
    contract=None,
    **dataset_options: Any,
):
    """Load what the CLI's ``--data`` names: a folder of images, a table file, or a dataset name.

    Folders and files give a :class:`~aekit.data.registry.Dataset` whose
    ``X_train`` holds every row in file order and whose test part is None;
    for a table, ``label`` / ``drop`` / ``ids`` / ``contract`` are passed to :func:`load_table`,
    the labels become ``y_train`` and the table's layout ``contract``; a folder
    is read by :func:`read_image_folder` (class subfolders become ``y_train``
    and ``classes``; ``skip_unreadable`` as there);
    any other string is looked up with :func:`aekit.data.load_dataset`,
    which receives ``dataset_options`` (data_home, download, test_size,
    random_state).

    Parameters
    ----------
    path_or_name : str or Path
        A folder of images, a table file (.csv, .csv.gz, .parquet, .npy, .npz)
        or a dataset name (:func:`aekit.data.list_datasets`).
    image_size : (width, height), optional
        For a folder: resize every image.
    image_mode : {"auto", "L", "RGB"}, default="auto"
        For a folder: grayscale, colour, or colour only when the folder has any
        (see :func:`read_image_folder`).
    label, drop, ids : optional
        For a table: the label column, columns to leave out, id columns.
    skip_unreadable : bool, default=False
        For a folder: skip files that cannot be read instead of refusing them.
    contract : DataContract, optional
        For a table: select a model's columns by name.
    **dataset_options
        For a dataset name: passed to :func:`aekit.data.load_dataset`.

    Returns
    -------
    Dataset

    Raises
    ------
    aekit.exceptions.DataError
        Neither a file, a folder nor a known dataset name; ``label`` / ``drop``
        / ``ids`` given for something that is not a table file.

    Examples
    --------
    >>> import numpy as np
    >>> np.save("rows.npy", np.ones((5, 3)))
    >>> load_any("rows.npy").X_train.shape, load_any("digits").name
    ((5, 3), 'digits')
    >>> load_any("no-such-thing")
    Traceback (most recent call last):
    aekit.exceptions.DataError: no such file, folder or dataset: no-such-thing; expected a path or one of ...
    """
    from aekit.data.registry import DATASET_NAMES, Dataset, load_dataset

    path = Path(path_or_name)
    if path.is_dir():
        images = read_image_folder(path, size=image_size, mode=image_mode, skip_unreadable=skip_unreadable)
        kinds = f" in {len(images.classes)} class folders" if images.classes is not None else ""
        source = f"{len(images.X)} images{kinds} in {path}"
        return Dataset(path.name or str(path), images.X, images.y, None, None, images.image_shape, source,
                       classes=images.classes)
    if path.is_file():
        table = load_table(path, label=label, drop=drop, ids=ids, contract=contract)
        names = tuple(table.columns) if table.columns is not None else None
        return Dataset(path.name, table.X, table.y, None, None, None, f"table {path}", feature_names=names,
                       classes=table.classes, contract=table.contract)
    if label is not None or drop or ids:
        raise DataError(f"label / drop / id columns apply to table files; {path_or_name} is not a file")
    name = str(path_or_name).strip().lower().replace("_", "-")
    if name not in DATASET_NAMES:
        raise DataError(
            f"no such file, folder or dataset: {path_or_name}; expected a path or one of {', '.join(DATASET_NAMES)}."
        )
    return load_dataset(name, **dataset_options)


def _table_suffix(path: Path) -> str:
    name = path.name.lower()
    suffix = next((s for s in TABLE_SUFFIXES if name.endswith(s)), None)
    if suffix is None:
        raise DataError(
            f"unsupported file type {path.suffix or '(none)'} for {path.name}; "
            f"expected one of {', '.join(TABLE_SUFFIXES)}."
        )
    return suffix


def _read_csv(path: Path):
    import pandas as pd

    try:
        first_row = pd.read_csv(path, header=None, nrows=1, dtype=str)
        return read_csv(path, header=0 if is_header(first_row.iloc[0]) else None)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name} is empty; expected a CSV table of numbers.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise DataError(f"could not read {path.name} as CSV: {' '.join(str(exc).split())}") from None


def is_header(first_row) -> bool:
    """Whether a CSV's first row (its fields as text, NaN where empty) is a header: unless every
    field is a number. pandas writes default column labels 0, 1, ..., n-1 as a header: with 3 or
    more columns that is taken as a header too (a data row of exactly 0, 1, 2, ... is unlikely)."""
    fields = [str(v).strip() for v in first_row]
    is_default_labels = len(fields) >= 3 and fields == [str(i) for i in range(len(fields))]
    return is_default_labels or not all(is_number(v) for v in first_row)


def is_number(text: Any) -> bool:
    """Whether a field of a file's first row reads as a number (so that row is data, not a header)."""
    if not isinstance(text, str):  # a missing field reads as NaN: not a name, so data
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numpy_frame(path: Path, suffix: str, label):
    """A headerless frame of an .npy / .npz file; an .npz's "y" rides along in ``attrs``."""
    import pandas as pd

    array, labels = _read_numpy(path, suffix)
    if labels is not None and label is not None:
        raise DataError(f"{path.name} holds labels in its array 'y' and a label column was named too; "
                        "use one or the other")
    frame = pd.DataFrame(check_data(array, name=path.name), copy=False)
    if labels is not None:
        if np.shape(labels) != (len(frame),):
            raise DataError(f"{path.name}: array 'y' has shape {np.shape(labels)}; "
                            f"expected ({len(frame)},), one label per row of X")
        frame.attrs["npz_labels"] = labels
    return frame


def _read_numpy(path: Path, suffix: str) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"could not read {path.name}: {exc} (aekit never loads pickled objects)") from None
    except (OSError, EOFError) as exc:
        raise DataError(f"could not read {path.name} as {suffix}: {exc}") from None
    if suffix == ".npy":
        return loaded, None
    with loaded:
        labels = _npz_array(path, loaded, "y") if "y" in loaded.files and len(loaded.files) > 1 else None
        return _pick_npz_array(path, loaded), labels


def _pick_npz_array(path: Path, archive) -> np.ndarray:
    keys = list(archive.files)
    if len(keys) == 1:
        key = keys[0]
    elif "X" in keys or "x" in keys:
        key = "X" if "X" in keys else "x"
    else:
        raise DataError(
            f"{path.name} holds arrays {keys}; expected a single array or one named 'X' or 'x'."
        )
    return _npz_array(path, archive, key)


def _npz_array(path: Path, archive, key: str) -> np.ndarray:
    try:
        return archive[key]
    except ValueError as exc:
        raise DataError(
            f"could not read array {key!r} of {path.name}: {exc} (aekit never loads pickled objects)"
        ) from None


def _has_names(frame) -> bool:
    # A CSV read without a header gets integer column labels 0..n-1.
    return all(isinstance(c, str) for c in frame.columns)


def _checked_size(size: Any) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in size)
    except (TypeError, ValueError):
        raise DataError(f"image size must be (width, height); got {size!r}.") from None
    if width < 1 or height < 1:
        raise DataError(f"image size must be positive (width, height); got {size!r}.")
    return width, height


def _read_image(path: Path, mode: str, size: tuple[int, int] | None) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image = image.convert(mode)
            if size is not None and image.size != size:
                image = image.resize(size, Image.Resampling.BILINEAR)
            return np.asarray(image, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        reason = " ".join(str(exc).replace(f"'{path}'", "").replace(str(path), "").split())
        raise DataError(f"cannot read image {path.name}: {reason}") from None


def image_mode_for(channels: int | None) -> str:
    """The read mode that gives images of ``channels`` channels ("L" for 1, "RGB" for 3), else "auto".

    Examples
    --------
    >>> image_mode_for(1), image_mode_for(3), image_mode_for(None)
    ('L', 'RGB', 'auto')
    """
    return {count: mode for mode, count in IMAGE_MODES.items()}.get(channels, "auto")


def _is_gray(stacked: np.ndarray) -> bool:
    """Whether every pixel of (n, h, w, 3) images has equal red, green and blue."""
    return bool(np.array_equal(stacked[..., 0], stacked[..., 1]) and np.array_equal(stacked[..., 1], stacked[..., 2]))


class MixedSizesError(DataError):
    """Images of one folder with different sizes; ``with_hint`` tells a command without
    ``--image-size`` to say its own remedy."""

    def __init__(self, first: str, other: str, hint: str = "pass size=(w, h) / --image-size to resize them."):
        self.first, self.other, self.hint = first, other, hint
        super().__init__(f"images have different sizes: {first}, {other}; {hint}")

    def __reduce__(self):
        return type(self), (self.first, self.other, self.hint)

    def with_hint(self, hint: str) -> MixedSizesError:
        return MixedSizesError(self.first, self.other, hint)


def _check_same_size(files: list[str], images: list[np.ndarray]) -> None:
    first_h, first_w = images[0].shape[:2]
    for path, image in zip(files[1:], images[1:]):
        height, width = image.shape[:2]
        if (height, width) != (first_h, first_w):
            raise MixedSizesError(f"{files[0]} is {first_w}x{first_h}", f"{path} is {width}x{height}")
