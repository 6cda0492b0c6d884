"""load_table / save_table / load_image_folder / load_any on files written here."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_breast_cancer, load_digits

from aekit.data import Dataset, load_any, load_image_folder, load_table, save_table
from aekit.exceptions import DataError


@pytest.fixture(scope="module")
def cancer_frame():
    return load_breast_cancer(as_frame=True).data


# --- tables ----------------------------------------------------------------------------------


def test_csv_with_header_round_trips(tmp_path, cancer_frame):
    path = save_table(tmp_path / "out" / "cancer.csv", cancer_frame.to_numpy(), list(cancer_frame.columns))
    X, columns = load_table(path)
    assert columns == list(cancer_frame.columns)
    assert X.shape == (569, 30) and X.dtype == np.float32
    np.testing.assert_allclose(X, cancer_frame.to_numpy(), rtol=1e-6)


def test_csv_without_header_has_no_column_names(tmp_path):
    X = np.arange(12, dtype=np.float32).reshape(4, 3) / 7
    path = save_table(tmp_path / "plain.csv", X)
    assert path.read_text().splitlines()[0].startswith("0.0,")
    loaded, columns = load_table(path)
    assert columns is None
    np.testing.assert_allclose(loaded, X, rtol=1e-6)


def test_csv_with_text_columns_keeps_them_as_categories(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("age,city,height\n30,Oslo,1.8\n41,Rome,1.7\n")
    table = load_table(path)
    assert list(table.X.columns) == ["age", "city", "height"] and list(table.X["city"]) == ["Oslo", "Rome"]
    assert table.features() is table.X
    holes = tmp_path / "holes.csv"
    holes.write_text("age,city,height\n30,Oslo,\n41,Rome,1.7\n")
    # named, not numbered: a position among the numeric columns (1 here) is not the file's (2)
    with pytest.raises(DataError, match=r"holes.csv contains NaN .*columns \['height'\]\).*`aekit complete`"):
        load_table(holes)
    # an empty category cell is refused as the file is read, with every column's gaps: the encoder
    # refused it only when it met it, after training when the row fell in the test split
    holes.write_text("age,city,height\n30,,\n41,Rome,1.7\n52,Oslo,1.6\n")
    with pytest.raises(DataError, match=r"holes.csv has empty cells in category columns \{'city': 1\} and in number "
                       r"columns \{'height': 1\}; .*`aekit complete`"):
        load_table(holes)


def test_csv_with_missing_values_names_file_rows_and_columns(tmp_path):
    path = tmp_path / "holes.csv"
    path.write_text("a,b\n1,2\n3,\n5,6\n")
    with pytest.raises(DataError, match=r"holes.csv contains NaN or infinity in 1 cells \(rows \[1\], columns \['b'\]\)"):
        load_table(path)


def test_empty_csv(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataError, match="empty.csv is empty"):
        load_table(path)


def test_parquet_round_trip(tmp_path, cancer_frame):
    pytest.importorskip("pyarrow")
    path = tmp_path / "cancer.parquet"
    cancer_frame.to_parquet(path)
    X, columns = load_table(path)
    assert columns == list(cancer_frame.columns)
    np.testing.assert_allclose(X, cancer_frame.to_numpy(), rtol=1e-6)


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # makes the import fail
    with pytest.raises(DataError, match=r"needs pyarrow.*install aekit\[parquet\]"):
        load_table(path)


def test_broken_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="could not read broken.parquet as Parquet"):
        load_table(path)


def test_npy_and_npz(tmp_path):
    X = load_digits().data[:50]
    np.save(tmp_path / "a.npy", X)
    np.savez(tmp_path / "one.npz", X)
    np.savez(tmp_path / "named.npz", X=X, y=np.arange(50))
    np.savez(tmp_path / "lower.npz", x=X, labels=np.arange(50))
    for name in ["a.npy", "one.npz", "named.npz", "lower.npz"]:
        loaded, columns = load_table(tmp_path / name)
        assert columns is None
        np.testing.assert_array_equal(loaded, X.astype(np.float32))


def test_npz_with_several_unnamed_arrays_lists_keys(tmp_path):
    np.savez(tmp_path / "many.npz", train=np.ones((2, 2)), test=np.ones((2, 2)))
    with pytest.raises(DataError, match=r"many.npz holds arrays \['train', 'test'\]; expected a single array or one named 'X'"):
        load_table(tmp_path / "many.npz")


def test_pickled_npy_is_refused(tmp_path):
    np.save(tmp_path / "objects.npy", np.array([[{"a": 1}]], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="never loads pickled objects"):
        load_table(tmp_path / "objects.npy")


def test_missing_file_and_unknown_extension(tmp_path):
    with pytest.raises(DataError, match="no such file: .*nothing.csv"):
        load_table(tmp_path / "nothing.csv")
    (tmp_path / "data.xlsx").write_bytes(b"x")
    with pytest.raises(DataError, match=r"unsupported file type .xlsx for data.xlsx; expected one of .csv, .csv.gz, .parquet, .npy, .npz"):
        load_table(tmp_path / "data.xlsx")


def test_save_table_one_column_and_errors(tmp_path):
    path = save_table(tmp_path / "scores.npy", np.arange(3.0))
    assert np.load(path).shape == (3, 1)
    with pytest.raises(DataError, match="expected a .csv or .npy file name, got .txt"):
        save_table(tmp_path / "scores.txt", np.ones((2, 2)))
    with pytest.raises(DataError, match="got 1 column names for 2 columns"):
        save_table(tmp_path / "x.csv", np.ones((2, 2)), ["a"])
    with pytest.raises(DataError, match="1-D or 2-D array; got shape"):
        save_table(tmp_path / "x.csv", np.ones((2, 2, 2)))


# --- image folders ----------------------------------------------------------------------------


def _write_digits(folder, n=6, size=(8, 8), suffix=".png"):
    folder.mkdir(parents=True, exist_ok=True)
    digits = (load_digits().images[:n] * 255 / 16).round().astype(np.uint8)
    for i, image in enumerate(digits):
        Image.fromarray(image).resize(size).save(folder / f"img{i:02d}{suffix}")
    return digits


def test_grayscale_folder(tmp_path):
    digits = _write_digits(tmp_path / "digits")
    (tmp_path / "digits" / "notes.txt").write_text("not an image")
    X, shape = load_image_folder(tmp_path / "digits")
    assert shape == (1, 8, 8) and X.shape == (6, 64) and X.dtype == np.float32
    np.testing.assert_allclose(X, digits.reshape(6, -1) / 255.0, atol=1e-6)  # sorted by file name


def test_rgb_folder_is_flattened_channel_first(tmp_path):
    folder = tmp_path / "rgb"
    folder.mkdir()
    image = np.zeros((4, 5, 3), dtype=np.uint8)
    image[..., 0], image[..., 2] = 255, 51  # red everywhere, a little blue
    Image.fromarray(image).save(folder / "a.PNG")
    X, shape = load_image_folder(folder, mode="RGB")
    assert shape == (3, 4, 5)
    restored = X.reshape(-1, *shape)
    np.testing.assert_allclose(restored[0, 0], 1.0)
    np.testing.assert_allclose(restored[0, 1], 0.0)
    np.testing.assert_allclose(restored[0, 2], 0.2)


def test_auto_mode_reads_colour_only_where_the_folder_has_colour(tmp_path):
    # a colour photo folder used to come back gray, silently (found on crops of sklearn's sample photos)
    photos = tmp_path / "photos"
    (photos / "a").mkdir(parents=True)
    (photos / "b").mkdir()
    gray = np.full((6, 7), 90, dtype=np.uint8)
    Image.fromarray(gray).save(photos / "a" / "gray.png")
    coloured = np.zeros((6, 7, 3), dtype=np.uint8)
    coloured[..., 0], coloured[2, 3, 1] = 200, 10  # one class of colour images is enough
    Image.fromarray(coloured).save(photos / "b" / "red.png")
    X, shape = load_image_folder(photos)
    assert shape == (3, 6, 7)
    np.testing.assert_array_equal(X.reshape(-1, *shape)[0], np.float32(90) / np.float32(255))  # the gray image: three equal channels
    assert load_any(photos).image_shape == (3, 6, 7)
    # a gray folder, even saved as RGB files, reads exactly as mode="L" reads it
    (photos / "b" / "red.png").unlink()
    rgb_saved_gray = np.repeat(load_digits().images[0].astype(np.uint8)[..., None] * 15, 3, axis=2)
    Image.fromarray(rgb_saved_gray).resize((7, 6)).save(photos / "b" / "gray_rgb.png")
    X_auto, shape_auto = load_image_folder(photos)
    X_gray, shape_gray = load_image_folder(photos, mode="L")
    assert shape_auto == shape_gray == (1, 6, 7)
    np.testing.assert_array_equal(X_auto, X_gray)


def test_jpeg_with_upper_case_extension(tmp_path):
    _write_digits(tmp_path / "jpg", n=2, size=(16, 16), suffix=".JPG")
    X, shape = load_image_folder(tmp_path / "jpg")
    assert X.shape == (2, 256) and shape == (1, 16, 16) and 0 <= X.min() and X.max() <= 1


def test_mixed_sizes_need_size_and_resize_works(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    Image.new("L", (28, 28), 0).save(folder / "a.png")
    Image.new("L", (32, 30), 255).save(folder / "b.png")
    with pytest.raises(DataError) as info:
        load_image_folder(folder)
    assert str(info.value) == (
        "images have different sizes: a.png is 28x28, b.png is 32x30; "
        "pass size=(w, h) / --image-size to resize them."
    )
    X, shape = load_image_folder(folder, size=(10, 6))
    assert shape == (1, 6, 10) and X.shape == (2, 60)
    np.testing.assert_allclose(X[0], 0.0)
    np.testing.assert_allclose(X[1], 1.0)


def test_image_folder_errors(tmp_path):
    with pytest.raises(DataError, match="no such folder"):
        load_image_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"found no .png/.jpg/.jpeg files in .*empty"):
        load_image_folder(tmp_path / "empty")
    _write_digits(tmp_path / "bad", n=2)
    (tmp_path / "bad" / "zz_broken.png").write_bytes(b"definitely not a png")
    with pytest.raises(DataError, match=r"1 of 3 files in .*bad cannot be read as images: zz_broken.png \(cannot identify"):
        load_image_folder(tmp_path / "bad")
    with pytest.raises(DataError, match="image mode must be one of L, RGB or auto; got 'CMYK'"):
        load_image_folder(tmp_path / "bad", mode="CMYK")
    with pytest.raises(DataError, match="image size must be"):
        load_image_folder(tmp_path / "bad", size=(0, 5))


# --- load_any --------------------------------------------------------------------------------


def test_load_any_dispatches_on_folder_file_and_name(tmp_path, cancer_frame):
    _write_digits(tmp_path / "imgs")
    images = load_any(tmp_path / "imgs")
    assert isinstance(images, Dataset) and images.kind == "image" and images.X_test is None
    assert images.X_train.shape == (6, 64)

    save_table(tmp_path / "t.csv", cancer_frame.to_numpy(), list(cancer_frame.columns))
    table = load_any(str(tmp_path / "t.csv"))
    assert table.kind == "table" and table.feature_names == tuple(cancer_frame.columns)
    assert table.X_train.shape == (569, 30)

    digits = load_any("digits", test_size=0.5)
    assert digits.name == "digits" and len(digits.X_test) in (898, 899)


def test_load_any_unknown(tmp_path):
    with pytest.raises(DataError, match="no such file, folder or dataset: .*nope.csv; expected a path or one of digits"):
        load_any(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="no such file, folder or dataset: cifar"):
        load_any("cifar")


def test_csv_with_pandas_default_header_is_read_as_header(tmp_path):
    import pandas as pd

    from aekit.data import load_table

    path = tmp_path / "frame.csv"
    pd.DataFrame(np.arange(12.0).reshape(3, 4)).to_csv(path, index=False)  # header line "0,1,2,3"
    X, columns = load_table(path)
    assert X.shape == (3, 4) and columns == ["0", "1", "2", "3"]
    binary = tmp_path / "binary.csv"
    binary.write_text("0,1\n1,0\n1,1\n")  # two columns: the first line is data
    assert load_table(binary)[0].shape == (3, 2)
