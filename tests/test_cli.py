"""The aekit command: train, encode, reconstruct, datasets, evaluate; one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import aekit
from aekit.cli import main


def run(args, capsys):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--model", "dae", "--data", "digits", "--latent", "8", "--hidden", "32",
              "--epochs", "3", "--out", str(out), "--quiet"])
    assert exit_info.value.code in (0, None)
    return out


def test_train_writes_model_loss_log_and_reconstructions(trained_run):
    assert (trained_run / "model.safetensors").is_file()
    log = pd.read_csv(trained_run / "metrics.csv")
    assert log["train_loss"].notna().sum() == 3
    png = (trained_run / "reconstructions.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    run_info = json.loads((trained_run / "run.json").read_text())
    assert run_info["model"] == "dae" and run_info["epochs_run"] == 3
    assert aekit.load(trained_run / "model.safetensors").noise == "masking"


@pytest.mark.parametrize("command,suffix", [("encode", ".csv"), ("reconstruct", ".npy")])
def test_encode_and_reconstruct_files(trained_run, tmp_path, capsys, command, suffix, digits):
    X_test = digits[1][:20]
    source = tmp_path / "input.csv"
    pd.DataFrame(X_test).to_csv(source, index=False)
    target = tmp_path / f"out{suffix}"
    code, out, err = run([command, str(trained_run / "model.safetensors"), "--data", str(source), "-o", str(target)], capsys)
    assert code == 0, err
    model = aekit.load(trained_run / "model.safetensors")
    expected = model.transform(X_test) if command == "encode" else model.reconstruct(X_test)
    got = pd.read_csv(target).to_numpy() if suffix == ".csv" else np.load(target)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_datasets_lists_each_with_availability(capsys):
    code, out, _ = run(["datasets"], capsys)
    assert code == 0
    for name in ("digits", "mnist-5k", "fashion-mnist", "mnist", "breast-cancer"):
        assert name in out


def test_errors_are_one_line_with_nonzero_exit(tmp_path, capsys, trained_run):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,4\n")
    code, _, err = run(["encode", str(trained_run / "model.safetensors"), "--data", str(bad), "-o", str(tmp_path / "o.csv")],
                       capsys)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("aekit: error: ")
    assert "bad.csv has 2 columns; expected the model's 64 feature columns" in err


def test_unknown_dataset_is_one_line(capsys, tmp_path):
    code, _, err = run(["train", "--data", "no-such-data", "--out", str(tmp_path)], capsys)
    assert code == 1 and err.count("\n") == 1 and "no-such-data" in err


def test_debug_shows_the_traceback(tmp_path):
    pickle_file = tmp_path / "model.safetensors"
    pickle_file.write_bytes(b"\x80\x04not a model")
    result = subprocess.run([sys.executable, "-m", "aekit", "--debug", "encode", str(pickle_file),
                             "--data", str(pickle_file), "-o", str(tmp_path / "o.csv")], capture_output=True, text=True)
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "ModelFileError" in result.stderr
    quiet = subprocess.run([sys.executable, "-m", "aekit", "encode", str(pickle_file),
                            "--data", str(pickle_file), "-o", str(tmp_path / "o.csv")], capture_output=True, text=True)
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr
    assert quiet.stderr.strip().startswith("aekit: error:") and "pickle" in quiet.stderr


def test_every_command_has_help(capsys):
    for command in ("datasets", "train", "encode", "reconstruct", "compare", "evaluate", "demo"):
        code, out, _ = run([command, "--help"], capsys)
        assert code == 0 and "Usage" in out


def test_train_on_an_image_folder(tmp_path, capsys, digits):
    from PIL import Image

    folder = tmp_path / "images"
    folder.mkdir()
    for i, image in enumerate(digits[0][:40]):
        Image.fromarray((image.reshape(8, 8) * 255).astype("uint8")).resize((12, 12)).save(folder / f"{i:03}.png")
    out = tmp_path / "run"
    code, _, err = run(["train", "--data", str(folder), "--image-size", "10x10", "--latent", "4", "--hidden", "16",
                        "--epochs", "2", "--out", str(out), "--quiet"], capsys)
    assert code == 0, err
    assert aekit.load(out / "model.safetensors").n_features_in_ == 100
    assert (out / "reconstructions.png").is_file()


def test_a_colour_folder_stays_in_colour_through_train_evaluate_and_reconstruct(tmp_path, capsys, digits):
    # found on crops of sklearn's sample photos: colour read as gray, labels shown as 0/1, pixels as "worst columns"
    from PIL import Image

    folder = tmp_path / "tinted"
    for i, image in enumerate(digits[0][:40]):
        tint = "red" if i % 2 else "blue"
        rgb = np.zeros((8, 8, 3), dtype=np.uint8)
        rgb[..., 0 if tint == "red" else 2] = (image.reshape(8, 8) * 255).astype(np.uint8)
        (folder / tint).mkdir(parents=True, exist_ok=True)
        Image.fromarray(rgb).save(folder / tint / f"{i:03}.png")
    out = tmp_path / "run"
    code, _, err = run(["train", "--data", str(folder), "--latent", "4", "--hidden", "16", "--epochs", "2",
                        "--out", str(out), "--quiet"], capsys)
    assert code == 0, err
    assert aekit.load(out / "model.safetensors").n_features_in_ == 3 * 8 * 8
    code, _, err = run(["evaluate", str(out)], capsys)
    assert code == 0, err
    worst = pd.read_csv(out / "evaluation" / "worst_rows.csv")
    assert list(worst.columns) == ["file", "row", "error"] and worst["file"].str.match(r"(red|blue)/\d{3}\.png").all()
    html = (out / "evaluation" / "report.html").read_text()
    assert '"red"' in html and '"blue"' in html  # the code map's legend names the class folders
    assert "Images ae reconstructs worst" in html and "position in the folder&#x27;s sorted file list" in html
    assert " images of " in html and " rows of " not in html
    code, _, err = run(["reconstruct", str(out / "model.safetensors"), "--data", str(folder), "--out",
                        str(tmp_path / "rec")], capsys)
    assert code == 0, err
    with Image.open(tmp_path / "rec" / "red" / "001.png") as image:
        assert image.mode == "RGB" and image.size == (8, 8)


def test_bad_image_size_is_a_usage_error(tmp_path, capsys):
    code, _, err = run(["train", "--data", "digits", "--image-size", "ten", "--out", str(tmp_path)], capsys)
    assert code != 0 and "WIDTHxHEIGHT" in err


def test_compare_gathers_still_improving_warnings_into_one_note(monkeypatch, tmp_path, capsys):
    """demo and compare: one note naming every still-improving model; other warnings still shown."""
    import warnings
    from types import SimpleNamespace

    import pandas as pd

    import aekit.compare
    from aekit.exceptions import StillImprovingWarning

    seen = {}

    def fake_compare_models(*args, **kwargs):
        seen.update(kwargs)
        for _ in range(2):
            warnings.warn(StillImprovingWarning("Autoencoder stopped at max_epochs=30 while the loss was still improving"))
        warnings.warn(UserWarning("column 'id' looks like an identifier"))
        estimators = {"pca": object(), "ae": SimpleNamespace(still_improving_=True),
                      "dae": SimpleNamespace(still_improving_=True), "tied": SimpleNamespace(still_improving_=False)}
        table = pd.DataFrame({"model": list(estimators), "linear_probe": [0.887, 0.882, 0.9, 0.88]})
        return SimpleNamespace(table=table, report=tmp_path / "report.html", estimators=estimators)

    monkeypatch.setattr(aekit.compare, "compare_models", fake_compare_models)
    code, out, err = run(["demo", "--out", str(tmp_path), "--quiet"], capsys)
    assert code == 0
    assert "still improving" not in err
    assert err.count("looks like an identifier") == 1
    # the demo's budget is the estimators' "auto" one (no fixed 30 epochs any more)
    assert "2 model(s) were still improving when training stopped (ae, dae: the last of their epochs was the best)" \
        in " ".join(out.split())
    # the demo says plainly which codes lose to PCA's on the probe (mnist-5k: 1,000 test rows)
    assert ("linear probe vs PCA (0.887): ahead dae 0.900; behind ae 0.882, tied 0.880 (one split and seed: "
            "differences under 0.020 are within the noise of 1,000 test rows)") in " ".join(out.split())
    assert seen["training"] == {"num_threads": 1}  # the demo trains on one torch thread unless told otherwise
    run(["demo", "--out", str(tmp_path), "--quiet", "--num-threads", "2"], capsys)
    assert seen["training"] == {"num_threads": 2}


def test_compare_takes_id_columns(tmp_path, capsys):
    # the id warning says "CLI: --id customer_id", which compare refused; without it a unique text id was one-hot
    # encoded into one column per training row (test MSE near 0, found on AER CreditCard)
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame.drop(columns="target")
    frame.insert(0, "patient", [f"P{i:04d}" for i in range(len(frame))])
    path = tmp_path / "patients.csv"
    frame.to_csv(path, index=False)
    code, _, err = run(["compare", "--data", str(path), "--models", "pca,ae", "--epochs", "2", "--latent", "3",
                        "--id", "patient", "--out", str(tmp_path / "cmp"), "--quiet"], capsys)
    assert code == 0, err
    assert "patient" not in err  # no id warning and no unseen-category warning: it is not a feature
    assert "per-column" not in err and (tmp_path / "cmp" / "report.html").exists()


def test_the_command_puts_idle_openmp_threads_to_sleep_before_torch_loads():
    """libgomp reads OMP_WAIT_POLICY when torch loads it: the entry point must set it
    first, and leave a user's own setting alone."""
    script = ("import os, sys\nfrom aekit.cli import main\n"
              "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
              "print(os.environ.get('OMP_WAIT_POLICY'), 'torch' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["PASSIVE", "False"]
    out = subprocess.run([sys.executable, "-c", script], env={**env, "GOMP_SPINCOUNT": "300000"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["None", "False"]
