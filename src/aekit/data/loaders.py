"""Reading the user's own data: tables (CSV, Parquet, NumPy) and folders of images."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from aekit.data.validation import check_data
from aekit.exceptions import DataError

__all__ = ["IMAGE_SUFFIXES", "TABLE_SUFFIXES", "load_any", "load_image_folder", "load_table", "save_table"]

TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".npy", ".npz")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
IMAGE_MODES = {"L": 1, "RGB": 3}  # Pillow mode -> number of channels


def load_table(path: str | Path) -> tuple[np.ndarray, list[str] | None]:
    """Read a numeric table from .csv (.csv.gz), .parquet, .npy or .npz.

    A CSV's first line is taken as a header unless every field in it is a
    number (except the labels 0, 1, ..., n-1 that pandas writes by default,
    which are a header when there are 3 or more columns). An .npz must hold a single array or one named "X" (or "x").

    Returns
    -------
    X : numpy.ndarray of shape (n_samples, n_features), float32
    columns : list of str, or None when the file has no column names

    Raises
    ------
    DataError
        Missing file, unsupported extension, unreadable or non-numeric
        content, NaN/inf (see :func:`aekit.data.check_data`).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    suffix = _table_suffix(path)
    if suffix in (".csv", ".csv.gz"):
        frame = _read_csv(path)
    elif suffix == ".parquet":
        frame = _read_parquet(path)
    else:
        return check_data(_read_numpy(path, suffix), name=path.name), None
    columns = [str(c) for c in frame.columns] if _has_names(frame) else None
    return check_data(frame, name=path.name), columns


def save_table(path: str | Path, X: Any, columns: list[str] | None = None) -> Path:
    """Write ``X`` (2-D, or 1-D as one column) to .csv or .npy, chosen by extension.

    ``columns`` become the CSV header; without them the CSV has none. Parent
    folders are created. Returns the path written.
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
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npy":
        np.save(path, array)
    else:
        import pandas as pd

        pd.DataFrame(array, columns=columns).to_csv(path, index=False, header=columns is not None)
    return path


def load_image_folder(
    path: str | Path,
    size: tuple[int, int] | None = None,
    mode: str = "L",
) -> tuple[np.ndarray, tuple[int, int, int]]:
    """Read every .png/.jpg/.jpeg file directly in a folder (sorted by name).

    Parameters
    ----------
    path : str or Path
        The folder (sub-folders are not searched).
    size : (width, height), optional
        Resize every image to this size; required when sizes differ.
    mode : {"L", "RGB"}, default="L"
        Grayscale or colour.

    Returns
    -------
    X : numpy.ndarray of shape (n_images, channels * height * width), float32 in [0, 1]
        Each row is one image flattened channel-first, so
        ``X.reshape(-1, *image_shape)`` gives (n, c, h, w).
    image_shape : (channels, height, width)
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataError(f"no such folder: {folder}")
    if mode not in IMAGE_MODES:
        raise DataError(f"image mode must be one of {', '.join(IMAGE_MODES)}; got {mode!r}.")
    if size is not None:
        size = _checked_size(size)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"found no .png/.jpg/.jpeg files in {folder}")
    images = [_read_image(f, mode, size) for f in files]
    _check_same_size(files, images)
    stacked = np.stack(images).reshape(len(images), *images[0].shape[:2], IMAGE_MODES[mode])
    channels_first = stacked.transpose(0, 3, 1, 2)
    X = np.ascontiguousarray(channels_first.reshape(len(images), -1), dtype=np.float32) / np.float32(255)
    return X, channels_first.shape[1:]


def load_any(
    path_or_name: str | Path,
    *,
    image_size: tuple[int, int] | None = None,
    image_mode: str = "L",
    **dataset_options: Any,
):
    """Load what the CLI's ``--data`` names: a folder of images, a table file, or a dataset name.

    Folders and files give a :class:`~aekit.data.registry.Dataset` whose
    ``X_train`` holds every row in file order and whose test part is None;
    any other string is looked up with :func:`aekit.data.load_dataset`,
    which receives ``dataset_options`` (data_home, download, test_size,
    random_state).
    """
    from aekit.data.registry import DATASET_NAMES, Dataset, load_dataset

    path = Path(path_or_name)
    if path.is_dir():
        X, image_shape = load_image_folder(path, size=image_size, mode=image_mode)
        source = f"{len(X)} images in {path}"
        return Dataset(path.name or str(path), X, None, None, None, image_shape, source)
    if path.is_file():
        X, columns = load_table(path)
        names = tuple(columns) if columns is not None else None
        return Dataset(path.name, X, None, None, None, None, f"table {path}", feature_names=names)
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
        fields = [str(v).strip() for v in first_row.iloc[0]]
        # pandas writes default column labels 0, 1, ..., n-1 as a header: with 3 or more
        # columns that is taken as a header too (a data row of exactly 0, 1, 2, ... is unlikely).
        is_default_labels = len(fields) >= 3 and fields == [str(i) for i in range(len(fields))]
        has_header = is_default_labels or not all(_is_number(v) for v in fields)
        return pd.read_csv(path, header=0 if has_header else None)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path.name} is empty; expected a CSV table of numbers.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise DataError(f"could not read {path.name} as CSV: {' '.join(str(exc).split())}") from None


def _is_number(text: Any) -> bool:
    if not isinstance(text, str):  # a missing field reads as NaN: not a name, so data
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_parquet(path: Path):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(
            f"reading {path.name} needs pyarrow, which is not installed; install aekit[parquet] "
            "(pip install 'aekit[parquet]')."
        ) from None
    try:
        return pq.read_table(path).to_pandas()
    except Exception as exc:  # pyarrow raises its own ArrowInvalid, OSError, ...
        raise DataError(f"could not read {path.name} as Parquet: {' '.join(str(exc).split())}") from None


def _read_numpy(path: Path, suffix: str) -> np.ndarray:
    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"could not read {path.name}: {exc} (aekit never loads pickled objects)") from None
    except (OSError, EOFError) as exc:
        raise DataError(f"could not read {path.name} as {suffix}: {exc}") from None
    if suffix == ".npy":
        return loaded
    with loaded:
        return _pick_npz_array(path, loaded)


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
        raise DataError(f"cannot read image {path.name}: {' '.join(str(exc).split())}") from None


def _check_same_size(files: list[Path], images: list[np.ndarray]) -> None:
    first_h, first_w = images[0].shape[:2]
    for path, image in zip(files[1:], images[1:]):
        height, width = image.shape[:2]
        if (height, width) != (first_h, first_w):
            raise DataError(
                f"images have different sizes: {files[0].name} is {first_w}x{first_h}, {path.name} is "
                f"{width}x{height}; pass size=(w, h) / --image-size to resize them."
            )
