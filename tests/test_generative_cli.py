"""`aekit train --model conv|vae|conv-vae`, `aekit generate`, and the VAE rows
and figures of `aekit compare`, on digits."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import aekit
from aekit.cli import main
from aekit.compare import compare_models
from aekit.data import load_dataset
from test_cli import run  # the CLI run in-process: (exit code, stdout, stderr)


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("vae")
    args = ["train", "--model", "conv-vae", "--data", "digits", "--latent", "4", "--epochs", "2", "--out", str(out)]
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--quiet"])
    assert exit_info.value.code in (0, None)
    return out


def test_train_a_conv_vae_reports_the_test_elbo(vae_run):
    info = json.loads((vae_run / "run.json").read_text())
    assert info["test_elbo_nats"] < 0 and info["test_mse_scaled"] is None
    model = aekit.load(vae_run / "model.safetensors")
    assert type(model).__name__ == "VAE" and model.architecture == "conv" and model.image_shape_ == (1, 8, 8)


def test_generate_writes_a_grid_and_reproducible_samples(vae_run, tmp_path, capsys):
    model = str(vae_run / "model.safetensors")
    code, out, err = run(["generate", model, "-n", "16", "-o", str(tmp_path / "a.png"), "--seed", "3", "--npy"], capsys)
    assert code == 0, err
    with Image.open(tmp_path / "a.png") as image:
        assert image.size[0] > 100
    run(["generate", model, "-n", "16", "-o", str(tmp_path / "b.png"), "--seed", "3", "--npy"], capsys)
    a, b = np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy")
    assert a.shape == (16, 64) and np.array_equal(a, b)
    assert np.array_equal(a, aekit.load(model).sample(16, random_state=3))


def test_generate_refuses_a_model_that_cannot_sample(tmp_path, capsys, digits):
    path = aekit.MarginalizedDenoisingAutoencoder(n_layers=1).fit(digits[0]).save(tmp_path / "msda.safetensors")
    code, _, err = run(["generate", str(path), "-o", str(tmp_path / "x.png")], capsys)
    assert code == 1 and "cannot generate" in err and err.count("\n") == 1


def test_train_a_conv_autoencoder_from_the_cli(tmp_path, capsys):
    code, out, err = run(["train", "--model", "conv", "--data", "digits", "--latent", "8", "--epochs", "2",
                          "--out", str(tmp_path), "--quiet"], capsys)
    assert code == 0, err
    assert "test MSE" in out and (tmp_path / "reconstructions.png").is_file()
    assert aekit.load(tmp_path / "model.safetensors").image_shape_ == (1, 8, 8)


def test_compare_gives_vae_rows_sample_grids_and_a_2d_manifold(tmp_path):
    data = load_dataset("digits", random_state=0)
    result = compare_models(data, ["pca", "conv", "vae"], tmp_path, latent_dim=2, hidden=(64,), max_epochs=3,
                            seed=0, code_map_method="pca")
    table = pd.read_csv(tmp_path / "results.csv").set_index("model")
    assert np.isnan(table.loc["conv", "test_elbo"]) and table.loc["vae", "test_elbo"] < 0
    figures = tmp_path / "figures"
    assert (figures / "samples_vae.png").is_file()
    assert (figures / "samples_conv.png").is_file()  # a plain autoencoder samples too (a Gaussian on its codes)
    assert (figures / "manifold_vae.png").is_file() and (figures / "manifold_conv.png").is_file()
    assert "vae: new images decoded from random codes" in result.report.read_text()
