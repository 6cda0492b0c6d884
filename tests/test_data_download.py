"""fetch_file and the download path of load_dataset, against a local HTTP server (never the internet)."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from aekit.data import default_data_home, fetch_file, list_datasets, load_dataset
from aekit.data import registry
from aekit.exceptions import DataError, DatasetUnavailableError


class _Server:
    """A static file server on 127.0.0.1 that remembers which paths were asked for."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: list[str] = []
        handler = functools.partial(_QuietHandler, self.requests, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def put(self, name: str, content: bytes) -> str:
        """Serve ``content`` as ``name``; return its SHA-256."""
        (self.root / name).write_bytes(content)
        return hashlib.sha256(content).hexdigest()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, log: list[str], *args, **kwargs):
        self._log = log
        super().__init__(*args, **kwargs)

    def do_GET(self):
        self._log.append(self.path)
        super().do_GET()

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture()
def server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    srv = _Server(root)
    yield srv
    srv.close()


@pytest.fixture()
def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"  # nobody listens here any more


# --- fetch_file -------------------------------------------------------------------------------


def test_fetch_with_right_hash_downloads_once(server, tmp_path):
    content = b"some bytes of a dataset\n" * 1000
    sha = server.put("data.bin", content)
    home = tmp_path / "home"
    path = fetch_file(server.url + "data.bin", sha, data_home=home)
    assert path == home / "data.bin" and path.read_bytes() == content
    assert fetch_file(server.url + "data.bin", sha.upper(), data_home=home) == path
    assert server.requests == ["/data.bin"]  # the second call used the verified local copy


def test_a_download_is_made_durable(server, tmp_path, monkeypatch):
    """Item 3 of the reliability issue ("any cached data"): pooch renames the verified file into
    place; aekit then fsyncs the file and its folder."""
    import os

    import aekit.files

    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(aekit.files.os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")),
                                                             real_fsync(fd)))
    sha = server.put("cached.bin", b"rows\n" * 10)
    path = fetch_file(server.url + "cached.bin", sha, data_home=tmp_path / "home")
    assert synced == [str(path), str(path.parent)]


def test_fetch_with_custom_file_name(server, tmp_path):
    sha = server.put("x.gz", b"abc")
    path = fetch_file(server.url + "x.gz", sha, data_home=tmp_path / "home", fname="renamed.gz")
    assert path.name == "renamed.gz" and path.read_bytes() == b"abc"


def test_wrong_hash_is_refused_and_nothing_is_kept(server, tmp_path):
    good = server.put("data.bin", b"what the server really has")
    expected = hashlib.sha256(b"what we pinned").hexdigest()
    home = tmp_path / "home"
    url = server.url + "data.bin"
    with pytest.raises(DatasetUnavailableError) as info:
        fetch_file(url, expected, data_home=home)
    assert str(info.value) == (
        f"downloaded {url} but its SHA-256 is wrong: expected {expected}, got {good}; the file was deleted."
    )
    assert list(home.iterdir()) == []  # neither the file nor pooch's temporary file


def test_a_tampered_local_copy_is_downloaded_again(server, tmp_path):
    sha = server.put("data.bin", b"genuine")
    home = tmp_path / "home"
    home.mkdir()
    (home / "data.bin").write_bytes(b"tampered")
    path = fetch_file(server.url + "data.bin", sha, data_home=home)
    assert path.read_bytes() == b"genuine"


def test_missing_file_gives_one_line_with_http_status(server, tmp_path):
    url = server.url + "nope.gz"
    with pytest.raises(DatasetUnavailableError) as info:
        fetch_file(url, "0" * 64, data_home=tmp_path / "home")
    message = str(info.value)
    assert message.startswith(f"could not download {url}: HTTP 404")
    assert f"place the file at {tmp_path / 'home' / 'nope.gz'} or check your connection" in message
    assert "\n" not in message


def test_no_server_gives_one_line(closed_port_url, tmp_path):
    with pytest.raises(DatasetUnavailableError, match=r"could not download .*: .*; place the file at") as info:
        fetch_file(closed_port_url + "a.gz", "0" * 64, data_home=tmp_path)
    assert "\n" not in str(info.value) and "HTTPConnection(" not in str(info.value)


def test_bad_hash_argument(tmp_path):
    with pytest.raises(DataError, match="sha256 must be 64 hexadecimal digits; got 'md5:abc'"):
        fetch_file("http://127.0.0.1/x", "md5:abc", data_home=tmp_path)


def test_default_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "custom"))
    assert default_data_home() == tmp_path / "custom"
    monkeypatch.delenv("AEKIT_DATA")
    assert default_data_home().name == "aekit"


# --- load_dataset with downloads ---------------------------------------------------------------


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def _serve_fake_idx(server, n_train=30, n_test=10, size=28) -> dict[str, str]:
    """Serve four small IDX files in the MNIST layout; return their hashes."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, size, size)),
        "train-labels-idx1-ubyte.gz": np.arange(n_train) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, size, size)),
        "t10k-labels-idx1-ubyte.gz": np.arange(n_test) % 10,
    }
    arrays["train-images-idx3-ubyte.gz"][0] = 255  # a white first image
    return {name: server.put(name, _idx(array)) for name, array in arrays.items()}


def test_mnist_download_then_offline(server, tmp_path, monkeypatch):
    hashes = _serve_fake_idx(server)
    monkeypatch.setattr(registry, "MNIST_BASE_URL", server.url)
    monkeypatch.setattr(registry, "MNIST_SHA256", hashes)
    home = tmp_path / "home"

    data = load_dataset("mnist", data_home=home)
    assert data.X_train.shape == (30, 784) and data.X_test.shape == (10, 784) and data.image_shape == (1, 28, 28)
    assert data.X_train.dtype == np.float32 and (data.X_train[0] == 1.0).all() and data.X_train.min() >= 0
    assert data.y_train[:12].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert server.url in data.source and "SHA-256 verified" in data.source
    assert sorted(p.name for p in (home / "mnist").iterdir()) == sorted(hashes)
    assert {i.name: i.available for i in list_datasets(data_home=home)}["mnist"]

    offline = load_dataset("mnist", data_home=home, download=False)
    np.testing.assert_array_equal(offline.X_test, data.X_test)
    assert len(server.requests) == 4  # nothing fetched twice


def test_mnist_download_url_from_environment(server, tmp_path, monkeypatch):
    hashes = _serve_fake_idx(server, n_train=10, n_test=5, size=4)
    monkeypatch.setenv("AEKIT_MNIST_URL", server.url.rstrip("/"))
    monkeypatch.setattr(registry, "MNIST_SHA256", hashes)
    data = load_dataset("mnist", data_home=tmp_path)
    assert data.image_shape == (1, 4, 4) and data.X_train.shape == (10, 16)


def test_mnist_with_a_tampered_file_offline(server, tmp_path, monkeypatch):
    hashes = _serve_fake_idx(server, n_train=10, n_test=5, size=4)
    monkeypatch.setattr(registry, "MNIST_BASE_URL", server.url)
    monkeypatch.setattr(registry, "MNIST_SHA256", hashes)
    load_dataset("mnist", data_home=tmp_path)
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"changed")
    with pytest.raises(DatasetUnavailableError, match="t10k-labels-idx1-ubyte.gz has SHA-256 .*, expected .*; delete it and"):
        load_dataset("mnist", data_home=tmp_path, download=False)


def test_mnist_download_failure_says_how_to_get_it(closed_port_url, tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "MNIST_BASE_URL", closed_port_url)
    with pytest.raises(DatasetUnavailableError, match=f"could not download {closed_port_url}train-images-idx3-ubyte.gz"):
        load_dataset("mnist", data_home=tmp_path)


def test_mnist_served_with_wrong_content_is_refused(server, tmp_path, monkeypatch):
    _serve_fake_idx(server, n_train=10, n_test=5, size=4)
    monkeypatch.setattr(registry, "MNIST_BASE_URL", server.url)  # the real pinned hashes stay
    with pytest.raises(DatasetUnavailableError, match="SHA-256 is wrong: expected 440fcabf"):
        load_dataset("mnist", data_home=tmp_path)
    assert not any((tmp_path / "mnist").iterdir())


def test_fashion_mnist_downloads_when_not_installed(server, tmp_path, monkeypatch):
    hashes = _serve_fake_idx(server, n_train=20, n_test=10)
    monkeypatch.setattr(registry, "_FASHION", dataclasses.replace(registry._FASHION, local_dirs=(tmp_path / "no-debian",)))
    monkeypatch.setenv("AEKIT_FASHION_MNIST_URL", server.url)
    monkeypatch.setattr(registry, "FASHION_MNIST_SHA256", hashes)
    home = tmp_path / "home"
    assert not {i.name: i.available for i in list_datasets(data_home=home)}["fashion-mnist"]
    with pytest.raises(DatasetUnavailableError, match="apt-get install dataset-fashion-mnist"):
        load_dataset("fashion-mnist", data_home=home, download=False)
    data = load_dataset("fashion-mnist", data_home=home)
    assert data.X_train.shape == (20, 784) and data.X_test.shape == (10, 784)
    assert (home / "fashion-mnist" / "train-images-idx3-ubyte.gz").is_file()
