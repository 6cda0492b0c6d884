"""Model files: identical outputs after reload, and refusal of anything else."""

from __future__ import annotations

import json
import pickle
import struct

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.torch import save_file

import aekit
from aekit import Autoencoder
from aekit.exceptions import ModelFileError
from aekit.io import write_model_file


@pytest.fixture(scope="module")
def fitted(digits):
    X_train, *_ = digits
    return Autoencoder(latent_dim=8, hidden=(32,), noise="masking", noise_level=0.2, tied=True,
                       max_epochs=5, random_state=0).fit(X_train)


@pytest.fixture
def model_file(fitted, tmp_path):
    return fitted.save(tmp_path / "ae.safetensors")


def test_reload_gives_identical_outputs(fitted, model_file, digits):
    X_test = digits[1]
    same = aekit.load(model_file)
    assert type(same) is Autoencoder
    assert same.get_params() == fitted.get_params()
    np.testing.assert_array_equal(same.transform(X_test), fitted.transform(X_test))
    np.testing.assert_array_equal(same.reconstruct(X_test), fitted.reconstruct(X_test))
    np.testing.assert_array_equal(same.score_samples(X_test), fitted.score_samples(X_test))
    assert same.best_epoch_ == fitted.best_epoch_
    assert same.history_.equals(fitted.history_)


def test_file_metadata_holds_config_family_version_and_scaler(model_file):
    with safe_open(str(model_file), framework="pt") as f:
        meta = f.metadata()
    assert meta["family"] == "autoencoder"
    assert meta["aekit_version"] == aekit.__version__
    assert json.loads(meta["config"])["tied"] is True
    assert json.loads(meta["scaler"])["kind"] == "minmax"


def test_pickle_file_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(ModelFileError, match="not a readable .safetensors model file"):
        aekit.load(path)
    assert not marker.exists()


def test_truncated_file_is_refused(model_file):
    data = model_file.read_bytes()
    model_file.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated"):
        aekit.load(model_file)


def _rewrite_metadata(path, **changes):
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    meta.update(changes)
    write_model_file(path, meta, tensors)


def test_metadata_edited_to_a_wrong_shape_is_refused(model_file):
    with safe_open(str(model_file), framework="pt") as f:
        config = json.loads(f.metadata()["config"])
    config["latent_dim"] = 12
    _rewrite_metadata(model_file, config=json.dumps(config))
    with pytest.raises(ModelFileError, match=r"do not match the model config .*expected float32\[12\], got float32\[8\]"):
        aekit.load(model_file)


@pytest.mark.parametrize("field,value,match", [
    ("config", "{not json", "not valid JSON"),
    ("family", "no-such-family", "unknown model family"),
    ("format", "something-else", "not an aekit model"),
    ("scaler", json.dumps({"kind": "minmax", "min": 0.0, "max": 1.0, "n_features": 3}), "scaler expects 3"),
    ("fitted", json.dumps({"n_features_in_": 64}), "do not fit together"),
    ("fitted", json.dumps({"n_features_in_": 10, "best_epoch_": 1}), "fitted state 10"),
    ("fitted", "[]", "must be a JSON object"),
    ("params", "[]", "must be a JSON object"),
    ("params", json.dumps({"latent_dim": 8, "no_such_param": 1}), "do not fit together"),
    ("config", "[]", "must be a JSON object"),
])
def test_tampered_metadata_is_refused(model_file, field, value, match):
    _rewrite_metadata(model_file, **{field: value})
    with pytest.raises(ModelFileError, match=match):
        aekit.load(model_file)


def test_plain_safetensors_file_is_not_a_model(tmp_path):
    import torch

    path = tmp_path / "weights.safetensors"
    save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(ModelFileError, match="not an aekit model"):
        aekit.load(path)


def test_header_claiming_huge_size_is_refused(tmp_path):
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", 10**12) + b"{}")
    with pytest.raises(ModelFileError):
        aekit.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        aekit.load(tmp_path / "nope.safetensors")


def test_save_before_fit_is_refused(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        Autoencoder().save(tmp_path / "x.safetensors")


def test_machine_local_training_settings_are_not_saved(digits, tmp_path):
    ae = Autoencoder(latent_dim=4, hidden=(16,), max_epochs=2, random_state=np.random.RandomState(0),
                     checkpoint_dir=str(tmp_path / "ck"), log_dir=str(tmp_path / "log"), verbose=1)
    path = ae.fit(digits[0]).save(tmp_path / "m.safetensors")
    params = aekit.load(path).get_params()
    assert params["checkpoint_dir"] is None and params["log_dir"] is None
    assert params["resume"] is False and params["verbose"] == 0 and params["random_state"] is None
