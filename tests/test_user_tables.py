"""Users' own tables: label and dropped columns never reach the model; columns are checked by name."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

import aekit
from aekit.cli import main
from aekit.data import load_any, load_table
from test_cli import run
from aekit.exceptions import DataError


@pytest.fixture(scope="module")
def cancer_csv(tmp_path_factory):
    """Breast cancer as a user would have it: features, a text diagnosis and a row id."""
    data = load_breast_cancer(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame.insert(0, "patient_id", np.arange(1000, 1000 + len(frame)))
    frame["diagnosis"] = np.where(data.target == 0, "malignant", "benign")
    path = tmp_path_factory.mktemp("tables") / "cancer.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.fixture(scope="module")
def cancer_run(cancer_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    with pytest.raises(SystemExit) as stop:
        main(["train", "--data", str(cancer_csv[0]), "--label", "diagnosis", "--drop", "patient_id",
              "--latent", "4", "--hidden", "16", "--epochs", "2", "--out", str(out), "--quiet"])
    assert not stop.value.code
    return out


def test_load_table_takes_out_label_and_dropped_columns(cancer_csv):
    path, frame = cancer_csv
    table = load_table(path, label="diagnosis", drop="patient_id")
    assert table.X.shape == (569, 30) and table.columns == list(frame.columns[1:-1])
    assert table.classes == ("benign", "malignant") and table.y.dtype == np.int64
    np.testing.assert_array_equal(np.asarray(table.classes)[table.y], frame["diagnosis"])
    X, columns = table  # still unpacks as it always did
    assert X is table.X and columns == table.columns


def test_unknown_label_or_drop_column_is_named(cancer_csv):
    with pytest.raises(DataError, match=r"no column \['nope'\]"):
        load_table(cancer_csv[0], drop="nope", label="diagnosis")


def test_id_like_column_warns_with_the_fix(cancer_csv):
    with pytest.warns(UserWarning, match="'patient_id'.*like an id.*--id patient_id.*--drop patient_id"):
        load_table(cancer_csv[0], label="diagnosis")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_table(cancer_csv[0], label="diagnosis", drop="patient_id")


def test_a_column_named_like_a_label_warns_when_no_label_is_given(tmp_path):
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame  # its class column is called "target"
    frame.to_csv(tmp_path / "wine.csv", index=False)
    with pytest.warns(UserWarning, match="'target' is named like a label.*--label target"):
        assert load_table(tmp_path / "wine.csv").X.shape == (178, 14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_table(tmp_path / "wine.csv", label="target").X.shape == (178, 13)


def test_npz_y_is_the_label(tmp_path):
    X = np.random.default_rng(0).normal(size=(30, 4)).astype(np.float32)
    y = np.repeat([3, 7, 9], 10)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    dataset = load_any(tmp_path / "d.npz")
    assert dataset.n_features == 4
    np.testing.assert_array_equal(np.array([3, 7, 9])[dataset.y_train], y)


def test_label_never_reaches_the_model(cancer_run, cancer_csv):
    model = aekit.load(cancer_run / "model.safetensors")
    assert model.n_features_in_ == 30 and model.model_.config.input_dim == 30
    assert list(model.feature_names_in_) == list(cancer_csv[1].columns[1:-1])


def test_encode_checks_columns_by_name(cancer_run, cancer_csv, tmp_path, capsys):
    path, frame = cancer_csv
    model_file = str(cancer_run / "model.safetensors")
    out = tmp_path / "codes.csv"
    code, _, err = run(["encode", model_file, "--data", str(path), "-o", str(out), "--label", "diagnosis",
                        "--drop", "patient_id"], capsys)
    assert code == 0, err
    expected = aekit.load(model_file).transform(frame.iloc[:, 1:-1].to_numpy())
    np.testing.assert_allclose(pd.read_csv(out).to_numpy(), expected, rtol=1e-5, atol=1e-5)

    features = frame.drop(columns=["patient_id", "diagnosis"])
    swapped = features[[features.columns[1], features.columns[0], *features.columns[2:]]]
    swapped.to_csv(tmp_path / "swapped.csv", index=False)  # the model's columns, in another order: taken by name
    code, _, err = run(["encode", model_file, "--data", str(tmp_path / "swapped.csv"), "-o", str(tmp_path / "s.csv")], capsys)
    assert code == 0, err
    np.testing.assert_allclose(pd.read_csv(tmp_path / "s.csv").to_numpy(), expected, rtol=1e-5, atol=1e-5)

    features.rename(columns={"mean radius": "radius"}).to_csv(tmp_path / "renamed.csv", index=False)
    code, _, err = run(["reconstruct", model_file, "--data", str(tmp_path / "renamed.csv"), "-o", str(out)], capsys)
    assert code == 1 and "lacks 1 of the model's 30 feature columns: ['mean radius']" in err
    assert "the model does not know: ['radius']" in err and len(err.strip().splitlines()) == 1

    # the model remembers its label and dropped columns: the training file needs no options
    code, _, err = run(["encode", model_file, "--data", str(path), "-o", str(tmp_path / "again.csv")], capsys)
    assert code == 0 and "ignored" not in err
    np.testing.assert_allclose(pd.read_csv(tmp_path / "again.csv").to_numpy(), expected, rtol=1e-5, atol=1e-5)


def test_reconstruct_keeps_the_column_names(cancer_run, cancer_csv, tmp_path, capsys):
    out = tmp_path / "rec.csv"
    code, _, err = run(["reconstruct", str(cancer_run / "model.safetensors"), "--data", str(cancer_csv[0]), "-o", str(out),
                        "--label", "diagnosis", "--drop", "patient_id"], capsys)
    assert code == 0, err
    assert list(pd.read_csv(out).columns) == list(cancer_csv[1].columns[1:-1])


def test_a_text_column_unique_per_row_warns_once_in_python_and_on_the_cli(tmp_path, capsys):
    """A name column (mtcars' car models) would be one-hot encoded into one column per row."""
    from aekit.data.tabular import IdLikeColumnWarning

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"car": [f"car {i}" for i in range(40)], "mpg": rng.normal(20, 5, 40),
                          "hp": rng.normal(150, 40, 40), "gear": rng.choice(["3", "4", "5"], 40)})
    with pytest.warns(IdLikeColumnWarning, match="'car' has a different value on each of the 40 training rows.*"
                                                 "--drop car.*--id car"):
        aekit.Autoencoder(max_epochs=1, hidden=4).fit(frame)
    with warnings.catch_warnings():  # 'gear' has few values: an ordinary category
        warnings.simplefilter("error", IdLikeColumnWarning)
        aekit.Autoencoder(max_epochs=1, hidden=4).fit(frame.drop(columns="car"))
    frame.to_csv(tmp_path / "cars.csv", index=False)
    code, _, err = run(["train", "--data", str(tmp_path / "cars.csv"), "--epochs", "1", "--hidden", "4",
                        "--out", str(tmp_path / "run"), "--quiet"], capsys)
    assert code == 0 and err.count("different value on") == 1 and "--drop car" in err


def test_csv_missing_words_are_missing_in_numbers_and_categories_in_text(tmp_path):
    """A category named "None" (or "NA", "null") survives; "NA" in a numeric column is missing."""
    from aekit.data.files import read_csv

    rows = [("None", 10, "NA"), ("attached", "NA", "EU"), ("None", 12, "n/a"), ("", 14, "EU"), ("detached", "n/a", "null")]
    path = tmp_path / "houses.csv"
    path.write_text("garage,area,region\n" + "".join(f"{g},{a},{r}\n" for g, a, r in rows * 6))
    frame = read_csv(path)
    assert set(frame["garage"].dropna()) == {"None", "attached", "detached"} and frame["garage"].isna().sum() == 6
    assert set(frame["region"]) == {"NA", "EU", "n/a", "null"}
    assert pd.api.types.is_numeric_dtype(frame["area"]) and frame["area"].isna().sum() == 12
    # through load_table and a model: "None" is one of the categories the model file keeps
    complete = tmp_path / "complete.csv"
    complete.write_text("garage,area\n" + "".join(f"{g},{a}\n" for g, a in [("None", 10), ("attached", 11)] * 15))
    model = aekit.Autoencoder(max_epochs=1, hidden=4).fit(load_table(complete).X)
    assert model.scaler_.categories_ == {"garage": ["None", "attached"]}
