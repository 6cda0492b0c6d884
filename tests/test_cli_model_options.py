"""aekit train --beta / --likelihood / --channels: mapped onto the estimators' parameters,
refused (one line) for models without them, consistent with --set."""

from __future__ import annotations

import pytest

import aekit
from test_cli import run

SMALL = ["--data", "digits", "--latent", "4", "--hidden", "32", "--epochs", "1", "--quiet"]


def _train(args, tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = run(["train", *SMALL, *args, "--out", str(out)], capsys)
    assert code == 0, err
    return aekit.load(out)


def test_beta_and_likelihood_reach_the_vae(tmp_path, capsys):
    vae = _train(["--model", "beta-vae", "--beta", "1.5", "--likelihood", "gaussian"], tmp_path, capsys)
    assert (vae.beta, vae.likelihood, vae.warmup_epochs) == (1.5, "gaussian", 5)  # the preset's warm-up stays
    assert (vae.model_.config.beta, vae.model_.config.likelihood) == (1.5, "gaussian")
    assert type(vae.model_.likelihood).__name__ == "GaussianLikelihood"


def test_channels_set_the_conv_widths(tmp_path, capsys):
    conv = _train(["--model", "conv", "--channels", "8,16"], tmp_path, capsys)
    assert tuple(conv.channels) == (8, 16)
    widths = [m.out_channels for m in conv.model_.modules() if type(m).__name__ == "Conv2d"]
    assert widths[:2] == [8, 16]


@pytest.mark.parametrize("args, message", [
    (["--model", "ae", "--beta", "2"], "--beta does not apply to --model ae (Autoencoder)"),
    (["--model", "ae", "--channels", "8,16"], "--channels does not apply to --model ae"),
    (["--model", "conv", "--likelihood", "gaussian"], "--likelihood does not apply to --model conv"),
    (["--model", "vae", "--beta", "2", "--set", "beta=3"], "--beta and --set beta=... both set 'beta'"),
    (["--model", "conv", "--channels", "8,x"], "--channels expects comma-separated integers"),
])
def test_options_a_model_does_not_take_are_refused(args, message, tmp_path, capsys):
    code, _, err = run(["train", *SMALL, *args, "--out", str(tmp_path / "x")], capsys)
    assert code == 2 and message in " ".join(err.replace("│", " ").split())
    assert not (tmp_path / "x" / "model.safetensors").exists()


def test_a_bad_likelihood_gets_one_line(tmp_path, capsys):
    code, _, err = run(["train", *SMALL, "--model", "vae", "--likelihood", "poisson", "--out", str(tmp_path / "x")],
                       capsys)
    assert code == 1 and "likelihood must be one of" in err and len(err.strip().splitlines()) == 1


def test_vae_on_a_numeric_table_picks_gaussian_and_says_so(tmp_path, capsys):
    """`aekit train --model vae` on a table works without --likelihood: "auto" picks Gaussian, says so
    in its summary line and records it in run.json."""
    import json

    from sklearn.datasets import load_wine

    wine = load_wine(as_frame=True).frame
    wine.to_csv(tmp_path / "wine.csv", index=False)
    out = tmp_path / "run"
    code, stdout, err = run(["train", "--model", "vae", "--data", str(tmp_path / "wine.csv"), "--label", "target",
                             "--hidden", "16", "--epochs", "3", "--quiet", "--out", str(out)], capsys)
    assert code == 0, err
    assert "likelihood gaussian (auto: scaled data not all in [0, 1])" in " ".join(stdout.split())
    assert json.loads((out / "run.json").read_text())["chosen"]["likelihood"] == "gaussian"
    assert aekit.load(out).likelihood_ == "gaussian"
