"""Where and how training runs: devices, precision, threads, several optimiser
steps per Lightning step, inference on the model's device, portable files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors import safe_open

from aekit import Autoencoder, load
from aekit.models import AutoencoderConfig, DenseAutoencoder
from aekit.training import TrainConfig, fit_model

FAST = dict(latent_dim=8, hidden=(32,), max_epochs=4, batch_size=32, random_state=0)
NO_GPU = not torch.cuda.is_available()


def _trained_weights(X: np.ndarray, **cfg) -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    model = DenseAutoencoder(AutoencoderConfig(input_dim=X.shape[1], latent_dim=8, hidden=(32,)))
    fit_model(model, X, TrainConfig(max_epochs=3, batch_size=32, **cfg))
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_several_steps_per_lightning_step_train_exactly_like_one(digits):
    """Consecutive slices of one larger batch are the same batches in the same order."""
    X = digits[0]
    one = _trained_weights(X, steps_per_call=1)
    eight = _trained_weights(X, steps_per_call=8)
    assert all(torch.equal(one[k], eight[k]) for k in one)


def test_fit_model_still_takes_a_tuple_of_arrays_with_several_steps_per_call(digits):
    X, _, y, _ = digits
    model = DenseAutoencoder(AutoencoderConfig(input_dim=64, latent_dim=8, hidden=(32,)))
    model.loss = lambda batch: DenseAutoencoder.loss(model, batch[0])  # labels ride along
    result = fit_model(model, (X, y.astype(np.int64)), TrainConfig(max_epochs=3, batch_size=32,
                                                                   steps_per_call=4))
    assert result.history["val_loss"].iloc[-1] < result.history["val_loss"].iloc[0]


def test_num_threads_applies_while_training_and_is_restored(digits):
    seen = []
    model = DenseAutoencoder(AutoencoderConfig(input_dim=64, latent_dim=8, hidden=(32,)))
    original_loss = model.loss
    model.loss = lambda batch: (seen.append(torch.get_num_threads()), original_loss(batch))[1]
    before = torch.get_num_threads()
    fit_model(model, digits[0], TrainConfig(max_epochs=1, num_threads=1))
    assert set(seen) == {1}
    assert torch.get_num_threads() == before


def test_bf16_mixed_precision_trains_on_the_cpu(digits):
    X_train, X_test, *_ = digits
    ae = Autoencoder(precision="bf16-mixed", **FAST).fit(X_train)
    assert ae.history_["val_loss"].iloc[-1] < 0.7 * ae.history_["val_loss"].iloc[0]
    assert ae.transform(X_test).dtype == np.float32


@pytest.mark.parametrize("params, match", [
    ({"accelerator": "tpu"}, "accelerator must be one of"),
    ({"precision": "8"}, "precision must be one of"),
    ({"devices": 0}, "devices must be a positive integer"),
    ({"num_threads": 0}, "num_threads must be a positive integer"),
    ({"strategy": "fsdp-magic"}, "strategy must be one of"),
])
def test_bad_device_settings_give_one_clear_error(digits, params, match):
    with pytest.raises(ValueError, match=match):
        Autoencoder(**{**FAST, **params}).fit(digits[0])


@pytest.mark.skipif(not NO_GPU, reason="checks the message shown when there is no GPU")
def test_asking_for_a_gpu_without_one_says_so(digits):
    with pytest.raises(ValueError, match="no GPU is visible"):
        Autoencoder(accelerator="gpu", **FAST).fit(digits[0])
    with pytest.raises(ValueError, match="16-mixed' needs a GPU"):
        Autoencoder(precision="16-mixed", **FAST).fit(digits[0])


def test_device_settings_are_not_stored_in_model_files(digits, tmp_path):
    ae = Autoencoder(accelerator="cpu", num_threads=1, precision="bf16-mixed", **FAST).fit(digits[0])
    path = ae.save(tmp_path / "ae.safetensors")
    with safe_open(str(path), framework="pt") as f:
        params = json.loads(f.metadata()["params"])
    assert (params["accelerator"], params["num_threads"], params["precision"]) == ("auto", None, "32")
    assert np.array_equal(load(path).transform(digits[1]), ae.transform(digits[1]))


@pytest.mark.skipif(NO_GPU, reason="needs a CUDA GPU")
def test_gpu_training_infers_on_the_gpu_and_loads_on_the_cpu(digits, tmp_path):
    X_train, X_test, *_ = digits
    ae = Autoencoder(accelerator="gpu", **FAST).fit(X_train)
    assert next(ae.model_.parameters()).is_cuda
    codes = ae.transform(X_test)
    path = ae.save(tmp_path / "gpu.safetensors")
    reloaded = load(path)
    assert not next(reloaded.model_.parameters()).is_cuda
    np.testing.assert_allclose(reloaded.transform(X_test), codes, atol=1e-5)


def _cli(args, capsys):
    from aekit.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


def test_cli_train_takes_device_precision_and_thread_settings(tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = _cli(["train", "--data", "digits", "--latent", "4", "--hidden", "16", "--epochs", "2",
                         "--accelerator", "cpu", "--devices", "1", "--precision", "bf16-mixed",
                         "--num-threads", "1", "--out", str(out), "--quiet"], capsys)
    assert code == 0, err
    assert load(out / "model.safetensors").n_epochs_ == 2
    code, _, err = _cli(["train", "--data", "digits", "--devices", "two", "--out", str(out)], capsys)
    assert code != 0 and "--devices expects a positive integer" in err


def test_cli_compare_offers_the_device_settings(capsys):
    code, out, _ = _cli(["compare", "--help"], capsys)
    assert code == 0
    assert all(flag in out for flag in ("--accelerator", "--devices", "--num-nodes", "--strategy",
                                        "--precision", "--num-threads"))


def test_slices_before_the_last_skip_lightnings_backward_plumbing_in_32_bit(digits, monkeypatch):
    """In 32-bit precision on one process, Lightning's backward (precision plugin, hooks)
    runs once per Lightning step, on its last slice; the others are stepped plainly (the
    weights are the same as with one step per call: see above). Mixed precision keeps
    Lightning's path for every slice."""
    from aekit.training.module import AutoencoderModule

    calls = []
    original = AutoencoderModule.manual_backward
    monkeypatch.setattr(AutoencoderModule, "manual_backward",
                        lambda self, loss, *a, **k: (calls.append(1), original(self, loss, *a, **k))[1])
    X = digits[0][:1024]  # 32 batches of 32 rows: 4 Lightning steps of 8 slices per epoch
    _trained_weights(X, steps_per_call=8, validation_fraction=0.0)
    assert len(calls) == 3 * 4
    calls.clear()
    _trained_weights(X, steps_per_call=8, validation_fraction=0.0, precision="bf16-mixed")
    assert len(calls) == 3 * 32


def test_cli_device_options_hold_for_families_without_device_parameters(tmp_path, monkeypatch, capsys):
    # the closed-form mSDA takes no num_threads / precision parameters: --num-threads used to be dropped
    # in silence for such families (2 threads on a loaded 2-core machine, 25 times the CPU), --precision too
    from aekit.cli import main
    from aekit.estimators.msda import MarginalizedDenoisingAutoencoder as MSDA

    seen, original_fit = [], MSDA.fit

    def recording_fit(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return original_fit(self, *args, **kwargs)

    monkeypatch.setattr(MSDA, "fit", recording_fit)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with pytest.raises(SystemExit) as stop:
            main(["train", "--model", "msda", "--data", "digits", "--quiet",
                  "--num-threads", "1", "--precision", "bf16-mixed", "--out", str(tmp_path / "run")])
        assert not stop.value.code, capsys.readouterr().err
        assert seen == [1] and torch.get_num_threads() == 2  # applied around the fit, then restored
    finally:
        torch.set_num_threads(before)
    assert ("--precision bf16-mixed is not taken by MarginalizedDenoisingAutoencoder: it trains with "
            "precision='32'") in capsys.readouterr().err


def _gradient_trained_estimators():
    import aekit
    from sklearn.base import BaseEstimator

    closed_form = {"EASE", "MarginalizedDenoisingAutoencoder"}
    wrappers = {"AnomalyDetector", "SeriesAnomalyDetector", "DeepClustering"}  # they pass settings to their model
    return sorted(name for name in dir(aekit) if isinstance(getattr(aekit, name), type)
                  and issubclass(getattr(aekit, name), BaseEstimator) and name not in closed_form | wrappers)


@pytest.mark.parametrize("name", _gradient_trained_estimators())
def test_every_gradient_trained_estimator_takes_the_device_parameters(name):
    # they were set by getattr with a default: the Python API could not train a VAE in bf16 or on the CPU
    # of a GPU machine, while `aekit train` could
    import aekit
    from aekit.training.devices import DEVICE_PARAMS

    params = getattr(aekit, name)().get_params()
    assert {key: params.get(key, "missing") for key in DEVICE_PARAMS} == DEVICE_PARAMS


def test_device_parameters_reach_the_training_of_a_vae_and_a_recommender(digits):
    from aekit import VAE, MultVAE

    with pytest.raises(ValueError, match="accelerator must be one of"):
        VAE(accelerator="tpu", **FAST).fit(digits[0])
    rng = np.random.default_rng(0)
    ratings = pd.DataFrame({"user": rng.integers(0, 60, 900), "item": rng.integers(0, 40, 900),
                            "rating": rng.integers(1, 6, 900)})
    with pytest.raises(ValueError, match="precision must be one of"):
        MultVAE(precision="8", max_epochs=1).fit(ratings)
    vae = VAE(num_threads=1, precision="bf16-mixed", **FAST).fit(digits[0])
    assert vae.history_["val_loss"].iloc[-1] < vae.history_["val_loss"].iloc[0]


@pytest.mark.parametrize("command", [["cluster", "--k", "2", "--method", "kmeans"], ["complete"],
                                     ["detect", "fit", "--threshold", "auto"]])
def test_every_training_command_takes_num_threads(command, tmp_path, monkeypatch, capsys):
    # aekit cluster, complete and detect fit had no --num-threads (a busy 2-core machine: 4-8x the CPU)
    import numpy as np
    import pandas as pd

    from sklearn.datasets import load_digits

    import aekit._threads as threads
    from aekit.cli import main

    seen = []
    original = threads.intra_op_threads

    def recording(n):
        seen.append(n)
        return original(n)

    monkeypatch.setattr(threads, "intra_op_threads", recording)
    X = load_digits().data[:120, ::8] / 16
    if command == ["complete"]:
        X[::7, 1] = np.nan
    pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])]).to_csv(tmp_path / "t.csv", index=False)
    out = ["--out", str(tmp_path / ("o.csv" if command == ["complete"] else "o"))]
    with pytest.raises(SystemExit) as stop:
        main([*command, "--data", str(tmp_path / "t.csv"), "--epochs", "1", "--num-threads", "1", *out])
    assert not stop.value.code, capsys.readouterr().err
    assert 1 in seen
    if command[0] == "cluster":  # "auto" gives these 8 columns a 1-D code: its map is the code and a jitter
        assert '"dims":1,' in (tmp_path / "o" / "report.html").read_text()  # it used to fail: "expected 2-D codes"
