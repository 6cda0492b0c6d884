"""Run folders: image folders end to end, honest evaluation, run folder as the model, file modes."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits

import aekit
from aekit.cli import main
from test_cli import run


def _train(args):
    with pytest.raises(SystemExit) as stop:
        main(["train", "--latent", "4", "--hidden", "16", "--epochs", "2", "--quiet", *args])
    assert not stop.value.code


@pytest.fixture(scope="module")
def digit_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pngs")
    images = load_digits().images[:40]
    for i, image in enumerate(images):
        Image.fromarray((image * 255 / 16).astype(np.uint8)).save(folder / f"digit{i:02d}.png")
    return folder


def test_image_folder_encode_and_reconstruct(digit_folder, tmp_path, capsys):
    out = tmp_path / "run"
    _train(["--data", str(digit_folder), "--out", str(out)])
    code, _, err = run(["encode", str(out), "--data", str(digit_folder), "-o", str(tmp_path / "codes.csv")], capsys)
    assert code == 0, err  # the run folder stands for its model file
    model = aekit.load(out)
    X = np.stack([np.asarray(Image.open(digit_folder / f"digit{i:02d}.png"), dtype=np.float32).ravel() / 255
                  for i in range(40)])
    codes = pd.read_csv(tmp_path / "codes.csv")
    assert codes["file"].tolist() == [f"digit{i:02d}.png" for i in range(40)]  # rows joinable to their files
    np.testing.assert_allclose(codes.drop(columns="file").to_numpy(), model.transform(X), atol=1e-5)

    code, _, err = run(["reconstruct", str(out), "--data", str(digit_folder), "-o", str(tmp_path / "rec")], capsys)
    assert code == 0, err
    written = sorted(p.name for p in (tmp_path / "rec").iterdir())
    assert written == [f"digit{i:02d}.png" for i in range(40)]
    back = np.asarray(Image.open(tmp_path / "rec" / "digit07.png"), dtype=np.float32).ravel() / 255
    np.testing.assert_allclose(back, np.clip(model.reconstruct(X[7:8])[0], 0, 1), atol=1 / 255 + 1e-6)


def test_evaluate_uses_recorded_rows_and_refuses_changed_data(tmp_path, capsys, monkeypatch):
    data = load_digits()
    frame = pd.DataFrame(data.data / 16, columns=[f"p{i}" for i in range(64)]).assign(digit=data.target)[:300]
    monkeypatch.chdir(tmp_path)
    frame.to_csv("digits.csv", index=False)
    _train(["--data", "digits.csv", "--label", "digit", "--out", "run"])
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["data_path"] == str(tmp_path / "digits.csv") and len(record["test_indices"]) == 60

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the relative path in the command no longer resolves from here
    code, _, err = run(["evaluate", str(tmp_path / "run"), "--code-map", "pca"], capsys)
    assert code == 0, err
    assert (tmp_path / "run" / "evaluation" / "report.html").is_file()

    monkeypatch.chdir(tmp_path)
    _train(["--data", "digits.csv", "--label", "digit", "--out", "run", "--seed", "1"])
    assert not (tmp_path / "run" / "evaluation").exists()  # it described the replaced model

    frame.sample(frac=1, random_state=0).to_csv("digits.csv", index=False)
    code, _, err = run(["evaluate", "run"], capsys)
    assert code == 1 and "changed since this run was trained" in err


def test_model_file_mode_follows_umask(tmp_path, digits):
    model = aekit.Autoencoder(latent_dim=2, hidden=8, max_epochs=1, random_state=0).fit(digits[0][:50])
    old = os.umask(0o022)
    try:
        path = model.save(tmp_path / "m.safetensors")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_train_takes_model_parameters_and_set(tmp_path, capsys):
    out = tmp_path / "run"
    _train(["--data", "digits", "--model", "dae", "--noise-level", "0.1", "--weight-decay", "1e-4", "--tied",
            "--set", "sparsity=l1", "--set", "sparsity_weight=0.002", "--out", str(out)])
    model = aekit.load(out)
    assert (model.noise, model.noise_level, model.weight_decay, model.tied) == ("masking", 0.1, 1e-4, True)
    assert (model.sparsity, model.sparsity_weight) == ("l1", 0.002)
    code, _, err = run(["train", "--set", "nope=1", "--out", str(tmp_path / "x")], capsys)
    assert code == 2 and "--set expects KEY=VALUE" in err


def test_terminal_table_fits_80_columns_without_cutting_names(monkeypatch):
    from rich.console import Console

    import aekit.cli._common as cli

    monkeypatch.setattr(cli, "console", Console(width=80, record=True))
    row = {"model": "contractive-long-name", "test_mse": 0.0123456, "masked_mse": 0.0234, "ssim": 0.91,
           "linear_probe": 0.95, "knn": 0.96, "fit_seconds": 12.3}
    cli.print_table(pd.DataFrame([row]))
    text = cli.console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert all(name in text for name in row)
