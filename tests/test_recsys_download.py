"""ml-100k / ml-1m: download with a pinned SHA-256, against a local HTTP server (never the internet)."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest
from test_data_download import server  # noqa: F401  (the local file server fixture)

from aekit.data import list_datasets, load_dataset, ratings
from aekit.data.ratings import load_ratings
from aekit.exceptions import DatasetUnavailableError


def _zip(member: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, text)
    return buffer.getvalue()


@pytest.fixture()
def served_ml(server, monkeypatch):  # noqa: F811
    """ml-100k (tab-separated) and ml-1m ("::"-separated) archives served locally, hashes pinned to them."""
    files = {"ml-100k": _zip("ml-100k/u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n"),
             "ml-1m": _zip("ml-1m/ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n")}
    for name, content in files.items():
        sha = server.put(f"{name}.zip", content)
        source = dataclasses.replace(ratings.MOVIELENS[name], url=f"{server.url}{name}.zip", sha256=sha)
        monkeypatch.setitem(ratings.MOVIELENS, name, source)
    return server


def test_movielens_downloads_once_and_reads(served_ml, tmp_path):
    got = load_ratings("ml-100k", data_home=tmp_path)
    assert got.values.tolist() == [[196, 242, 3, 881250949], [186, 302, 3, 891717742], [22, 377, 1, 878887116]]
    assert load_ratings("ml-1m", data_home=tmp_path)["item"].tolist() == [1193, 661]
    load_ratings("ml-100k", data_home=tmp_path)
    assert served_ml.requests.count("/ml-100k.zip") == 1  # the second load used the verified file
    infos = {info.name: info for info in list_datasets(data_home=tmp_path)}
    assert infos["ml-100k"].available and infos["ml-1m"].available
    assert load_dataset("ml-1m", data_home=tmp_path).X_train.shape == (2, 3)


def test_movielens_wrong_hash_is_refused_and_not_kept(served_ml, tmp_path, monkeypatch):
    bad = dataclasses.replace(ratings.MOVIELENS["ml-100k"], sha256="0" * 64)
    monkeypatch.setitem(ratings.MOVIELENS, "ml-100k", bad)
    with pytest.raises(DatasetUnavailableError, match="SHA-256 is wrong"):
        load_ratings("ml-100k", data_home=tmp_path)
    assert not (tmp_path / "ml-100k.zip").exists()


def test_movielens_offline_says_how_to_get_it(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="ml-1m is not available offline"):
        load_ratings("ml-1m", data_home=tmp_path, download=False)
