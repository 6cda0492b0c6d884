"""Tables with categorical columns: one-hot encoding learned in fit, stored in the model file,
an unseen-category policy, per-column errors and decoded reconstructions."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from safetensors import safe_open
from sklearn.base import clone
from sklearn.datasets import load_iris

import aekit
from aekit import Autoencoder
from aekit.data.tabular import TabularPreprocessor, UnknownCategoryWarning
from aekit.exceptions import DataError, ModelFileError
from aekit.io import write_model_file
from test_cli import run

SPECIES = np.array(["setosa", "versicolor", "virginica"])


def iris_table() -> tuple[pd.DataFrame, np.ndarray]:
    """Iris with its species as a text column, a boolean column, and the label kept apart."""
    data = load_iris(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame["species"] = SPECIES[data.target]  # a categorical column the model must learn back
    frame["long_petal"] = frame["petal length (cm)"] > 4.0
    return frame, data.target.to_numpy()


@pytest.fixture(scope="module")
def fitted():
    frame, _ = iris_table()
    ae = Autoencoder(latent_dim=3, hidden=(32,), max_epochs=60, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a short fit may still be improving
        ae.fit(frame)
    return ae, frame


def test_categories_are_one_hot_encoded_and_learned(fitted):
    ae, frame = fitted
    assert isinstance(ae.scaler_, TabularPreprocessor)
    assert ae.n_features_in_ == 6 and list(ae.feature_names_in_) == list(frame.columns)
    assert ae.scaler_.categories_ == {"species": list(SPECIES), "long_petal": ["False", "True"]}
    assert ae.model_.config.input_dim == 4 + 3 + 2  # numbers, then one block per categorical column


def test_reconstruct_decodes_categories(fitted):
    ae, frame = fitted
    rec = ae.reconstruct(frame)
    assert isinstance(rec, pd.DataFrame) and list(rec.columns) == list(frame.columns)
    assert rec["long_petal"].dtype == bool and set(rec["species"]) <= set(SPECIES)
    assert (rec["species"] == frame["species"]).mean() > 0.9  # chance is 1/3
    assert (rec["long_petal"] == frame["long_petal"]).mean() > 0.9
    numbers = frame.columns[:4]
    assert np.abs(rec[numbers].to_numpy() - frame[numbers].to_numpy()).mean() < 0.5  # cm
    decoded = ae.inverse_transform(ae.transform(frame))
    pd.testing.assert_frame_equal(decoded, rec, check_exact=False, atol=1e-4)


def test_column_errors_are_per_original_column_and_sum_to_the_score(fitted):
    ae, frame = fitted
    errors = ae.column_errors(frame)
    assert list(errors.columns) == list(frame.columns) and len(errors) == len(frame)
    np.testing.assert_allclose(errors.to_numpy().sum(axis=1), ae.score_samples(frame), rtol=1e-4, atol=1e-7)
    assert (errors.to_numpy() >= 0).all()


def test_one_hot_state_round_trips_through_the_model_file(fitted, tmp_path):
    ae, frame = fitted
    path = ae.save(tmp_path / "mixed.safetensors")
    with safe_open(str(path), framework="pt") as f:
        state = json.loads(f.metadata()["scaler"])
    assert state["kind"] == "tabular" and ["species", list(SPECIES)] in state["categories"]
    loaded = aekit.load(path)
    np.testing.assert_array_equal(loaded.transform(frame), ae.transform(frame))
    pd.testing.assert_frame_equal(loaded.reconstruct(frame), ae.reconstruct(frame))
    pd.testing.assert_frame_equal(loaded.column_errors(frame), ae.column_errors(frame))


def test_tampered_categories_are_refused(fitted, tmp_path):
    ae, _ = fitted
    path = ae.save(tmp_path / "mixed.safetensors")
    with safe_open(str(path), framework="pt") as f:
        metadata, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    state = json.loads(metadata["scaler"])
    state["categories"][0][1].append("orchid")  # one more category than the weights have inputs for
    write_model_file(path, {**metadata, "scaler": json.dumps(state)}, tensors)
    with pytest.raises(ModelFileError):
        aekit.load(path)


def test_unseen_category_follows_the_policy(fitted):
    ae, frame = fitted
    rows = frame.head(3).copy()
    rows.loc[0, "species"] = "orchid"
    with pytest.warns(UnknownCategoryWarning, match=r"'species': \['orchid'\]"):
        codes = ae.transform(rows)
    np.testing.assert_array_equal(codes[1:], ae.transform(frame.head(3))[1:])  # other rows unaffected
    ae.set_params(handle_unknown="error")
    try:
        with pytest.raises(DataError, match=r"not seen in fit: 'species': \['orchid'\]"):
            ae.transform(rows)
        ae.transform(frame.head(3))  # known categories pass
    finally:
        ae.set_params(handle_unknown="ignore")
    assert clone(ae.set_params(handle_unknown="error")).handle_unknown == "error"
    ae.set_params(handle_unknown="ignore")


def test_bad_categorical_input_gets_one_clear_error(fitted):
    ae, frame = fitted
    holes = frame.head(4).copy()
    holes["species"] = holes["species"].astype(object)
    holes.loc[1, "species"] = None
    with pytest.raises(DataError, match=r"missing values in categorical columns \{'species': 1\}"):
        ae.transform(holes)
    with pytest.raises(DataError, match="columns do not match"):
        ae.transform(frame[list(reversed(frame.columns))].head())
    with pytest.raises(ValueError, match="handle_unknown must be one of"):
        Autoencoder(handle_unknown="skip", max_epochs=1).fit(frame)


def test_cli_train_encode_reconstruct_with_a_text_column(tmp_path, capsys):
    frame, target = iris_table()
    frame = frame.drop(columns="long_petal")
    frame["label"] = np.where(target == 0, "small", "large")
    data = tmp_path / "flowers.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "run"
    code, _, err = run(["train", "--data", str(data), "--label", "label", "--latent", "2", "--hidden", "16",
                        "--epochs", "3", "--out", str(out), "--quiet"], capsys)
    assert code == 0, err
    model = aekit.load(out)
    assert "label" not in model.feature_names_in_ and model.n_features_in_ == 5  # the label never reaches it
    assert model.model_.config.input_dim == 4 + 3
    new = frame.drop(columns="label").head(4)
    new.loc[0, "species"] = "orchid"
    new_path = tmp_path / "new.csv"
    new.to_csv(new_path, index=False)
    code, _, err = run(["reconstruct", str(out), "--data", str(new_path), "-o", str(tmp_path / "rec.csv")], capsys)
    assert code == 0 and "not seen in fit" in err
    rec = pd.read_csv(tmp_path / "rec.csv")
    assert list(rec.columns) == list(new.columns) and set(rec["species"]) <= set(SPECIES)
    code, _, err = run(["encode", str(out), "--data", str(new_path), "-o", str(tmp_path / "codes.csv"),
                        "--handle-unknown", "error"], capsys)
    assert code != 0 and "orchid" in err and "Traceback" not in err
    code, _, _ = run(["evaluate", str(out), "--code-map", "pca"], capsys)
    assert code == 0 and (out / "evaluation" / "report.html").is_file()
    # train's "test MSE" is evaluate's: a category scored as the class it decodes to, not its probabilities
    evaluated = pd.read_csv(out / "evaluation" / "results.csv").set_index("model").loc["ae", "test_mse"]
    trained = json.loads((out / "run.json").read_text())["test_mse_scaled"]
    assert trained == pytest.approx(evaluated, rel=1e-4)
    code, _, err = run(["compare", "--data", str(data), "--label", "label", "--models", "pca,ae", "--latent", "2",
                        "--hidden", "8", "--epochs", "2", "--code-map", "pca", "--out", str(tmp_path / "cmp"), "-q"],
                       capsys)
    assert code == 0, err
    assert (tmp_path / "cmp" / "figures" / "feature_errors.png").is_file()


def test_cli_encodes_a_parquet_file_with_a_category_column(fitted, tmp_path, capsys):
    pytest.importorskip("pyarrow")
    ae, frame = fitted
    model = ae.save(tmp_path / "mixed.safetensors")
    rows = frame.head(5).copy()
    rows["species"] = rows["species"].astype("category")  # Parquet keeps the dtype
    rows.to_parquet(tmp_path / "rows.parquet")
    code, _, err = run(["encode", str(model), "--data", str(tmp_path / "rows.parquet"), "-o", str(tmp_path / "z.csv")], capsys)
    assert code == 0, err
    np.testing.assert_allclose(pd.read_csv(tmp_path / "z.csv").to_numpy(), ae.transform(frame.head(5)), rtol=1e-5)
