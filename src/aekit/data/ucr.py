"""Time-series data bundled in the aeon wheel (optional extra ``aekit[series]``):
UCR / UEA classification sets with their official train/test split, and two
long series from the TSAD anomaly benchmarks with per-step anomaly labels.

Files are read from aeon's package folder (``aeon/datasets/data``) with
aeon's own ``.ts`` reader, never downloaded.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np

from aekit.exceptions import DataError, DatasetUnavailableError

HOW_TO_GET = "it comes with aeon: pip install 'aekit[series]' (or pip install aeon)"

# registry name -> (folder in aeon/datasets/data, file stem, description)
CLASSIFICATION_SETS = {
    "gunpoint": ("GunPoint", "GunPoint", "UCR GunPoint: hand motion, 150 steps, 2 classes", "50 + 150"),
    "italy-power-demand": ("ItalyPowerDemand", "ItalyPowerDemand",
                           "UCR ItalyPowerDemand: daily power demand, 24 steps, 2 classes", "67 + 1,029"),
    "arrowhead": ("ArrowHead", "ArrowHead", "UCR ArrowHead: arrowhead outlines, 251 steps, 3 classes", "36 + 175"),
    "osuleaf": ("OSULeaf", "OSULeaf", "UCR OSULeaf: leaf outlines, 427 steps, 6 classes", "200 + 242"),
    "basic-motions": ("BasicMotions", "BasicMotions",
                      "UEA BasicMotions: 6-channel accelerometer/gyroscope, 100 steps, 4 classes", "40 + 40"),
    "japanese-vowels": ("JapaneseVowels", "JapaneseVowels_eq",
                        "UEA JapaneseVowels: 12 channels, 7-29 steps (aeon's equal-length "
                        "version, 25 steps; load_series_dataset(..., equal_length=False) keeps the lengths), 9 speakers", "270 + 370"),
}

# registry name -> (folder, description); the long series with anomaly labels
ANOMALY_SERIES = {
    "kdd-tsad-135": ("KDD-TSAD_135", "TSAD (KDD cup 2021) 135 InternalBleeding16: one channel, "
                                     "normal train part then a test part with one anomaly"),
    "daphnet-s06r02e0": ("Daphnet_S06R02E0", "Daphnet freezing of gait S06R02E0: 9 accelerometer channels "
                                             "(this excerpt has no labelled anomaly)"),
}


def aeon_data_dir() -> Path | None:
    """aeon's bundled data folder, located without importing aeon."""
    spec = importlib.util.find_spec("aeon")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
    return folder if folder.is_dir() else None


def _folder(name: str, sub: str) -> Path:
    base = aeon_data_dir()
    if base is None or not (base / sub).is_dir():
        raise DatasetUnavailableError(f"{name} is not available: {HOW_TO_GET}.")
    return base / sub


def is_available(name: str) -> bool:
    sub = CLASSIFICATION_SETS[name][0] if name in CLASSIFICATION_SETS else ANOMALY_SERIES[name][0]
    base = aeon_data_dir()
    return base is not None and (base / sub).is_dir()


@dataclasses.dataclass
class SeriesSplit:
    """A classification set: lists of (L_i, C) float32 series and int64 labels, per split.

    Attributes
    ----------
    train, test : list of numpy.ndarray
        The series of each split, each of shape (steps, channels).
    y_train, y_test : numpy.ndarray of int64
        Class codes of the series.
    classes : numpy.ndarray
        The label values, for the codes.
    source : str
        Where the data came from.

    Examples
    --------
    >>> from aekit.data import load_series_dataset
    >>> split = load_series_dataset("gunpoint")
    >>> len(split.train), split.train[0].shape
    (50, (150, 1))
    """

    train: list[np.ndarray]
    y_train: np.ndarray
    test: list[np.ndarray]
    y_test: np.ndarray
    classes: np.ndarray
    source: str


def load_series_dataset(name: str, equal_length: bool = True) -> SeriesSplit:
    """Read a classification set bundled with aeon (``pip install 'aekit[series]'``).

    Parameters
    ----------
    name : str
        ``"gunpoint"``, ``"italy-power-demand"``, ``"arrowhead"``, ``"osuleaf"``,
        ``"basic-motions"`` or ``"japanese-vowels"``.
    equal_length : bool, default=True
        False gives the original variable-length JapaneseVowels (7 to 29 steps).

    Returns
    -------
    SeriesSplit
        The official train and test splits.

    Raises
    ------
    aekit.exceptions.DatasetUnavailableError
        aeon is not installed (the message says how to get it).
    KeyError
        An unknown name.

    Examples
    --------
    >>> from aekit.data import load_series_dataset
    >>> vowels = load_series_dataset("japanese-vowels", equal_length=False)
    >>> vowels.train[0].shape[1]
    12
    """
    from aeon.datasets import load_from_ts_file

    sub, stem = CLASSIFICATION_SETS[name][:2]
    if not equal_length:
        stem = stem.removesuffix("_eq")
    folder = _folder(name, sub)
    parts = {}
    for split in ("TRAIN", "TEST"):
        X, y = load_from_ts_file(str(folder / f"{stem}_{split}.ts"))
        parts[split] = ([np.asarray(s, dtype=np.float32).T for s in X], np.asarray(y))
    classes = np.unique(np.concatenate([parts["TRAIN"][1], parts["TEST"][1]]))
    codes = {split: np.searchsorted(classes, y).astype(np.int64) for split, (_, y) in parts.items()}
    source = f"aeon's bundled copy ({folder}), official train/test split"
    return SeriesSplit(parts["TRAIN"][0], codes["TRAIN"], parts["TEST"][0], codes["TEST"], classes, source)


@dataclasses.dataclass
class LongSeries:
    """One long series with per-step anomaly labels and where its normal training part ends.

    Attributes
    ----------
    name : str
        The series' name.
    values : numpy.ndarray of shape (T, C)
        The series.
    is_anomaly : numpy.ndarray of shape (T,)
        1 where a step is labelled anomalous.
    train_end : int
        Steps ``[0, train_end)`` are the normal training part.
    channels : tuple of str
        The channels' names.
    source : str
        Where the data came from.

    Examples
    --------
    >>> from aekit.data import read_anomaly_series
    >>> long = read_anomaly_series("kdd-tsad-135")
    >>> long.values.shape, long.train_end
    ((8701, 1), 1200)
    """

    name: str
    values: np.ndarray
    is_anomaly: np.ndarray
    train_end: int
    channels: tuple[str, ...]
    source: str


def read_anomaly_series(name: str) -> LongSeries:
    """Read a long series with anomaly labels bundled with aeon (see ``ANOMALY_SERIES``).

    Parameters
    ----------
    name : str
        ``"kdd-tsad-135"`` or ``"daphnet-s06r02e0"``.

    Returns
    -------
    LongSeries
        The series, its labels and its training part.

    Raises
    ------
    aekit.exceptions.DataError
        An unknown name.
    aekit.exceptions.DatasetUnavailableError
        aeon is not installed.

    Examples
    --------
    >>> from aekit.data import read_anomaly_series
    >>> long = read_anomaly_series("kdd-tsad-135")
    >>> int(long.is_anomaly.sum()) > 0
    True
    """
    import pandas as pd

    if name not in ANOMALY_SERIES:
        raise DataError(f"unknown anomaly series {name!r}; expected one of {sorted(ANOMALY_SERIES)}")
    folder = _folder(name, ANOMALY_SERIES[name][0])
    files = sorted(folder.glob("*.csv"))
    train = [f for f in files if f.stem.endswith("_TRAIN")]
    test = [f for f in files if not f.stem.endswith("_TRAIN")]
    frames = [pd.read_csv(f) for f in train + test]
    train_end = len(frames[0]) if train else 0
    table = pd.concat(frames, ignore_index=True)
    channels = [c for c in table.columns if c not in ("timestamp", "is_anomaly")]
    if not train:  # one file: the stretch before the first anomaly is the normal training part
        labels = table["is_anomaly"].to_numpy()
        train_end = int(np.argmax(labels > 0)) if labels.any() else len(labels) // 2
    return LongSeries(name, table[channels].to_numpy(np.float32), table["is_anomaly"].to_numpy().astype(np.int64),
                      train_end, tuple(channels), f"aeon's bundled copy ({folder})")
