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
