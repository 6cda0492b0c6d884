"""The CLI's defaults are the estimators' "auto" ones, and run.json says what "auto" picked."""

from __future__ import annotations

import inspect
import json

import pytest

import aekit
from aekit.cli import main
from aekit.cli.cluster import cluster
from aekit.cli.compare import compare, demo
from aekit.cli.detect import fit as detect_fit
from aekit.cli.train import train
from aekit.training import TrainConfig


def _default(command, name):
    return inspect.signature(command).parameters[name].default.default


@pytest.mark.parametrize("command", [train, detect_fit, compare, demo, cluster])
def test_cli_defaults_are_the_estimators(command):
    estimator = aekit.Autoencoder().get_params()
    names = inspect.signature(command).parameters
    if "latent" in names:
        assert _default(command, "latent") == estimator["latent_dim"] == "auto"
    for option, param in (("epochs", "max_epochs"), ("batch_size", "batch_size"), ("patience", "patience")):
        if option in names:  # unset: the estimator's own default, which is "auto"
            assert _default(command, option) is None and estimator[param] == "auto"


def test_train_records_what_auto_picked(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--model", "ae", "--data", "breast-cancer", "--hidden", "16", "--epochs", "2",
              "--out", str(tmp_path), "--quiet"])
    assert exit_info.value.code in (0, None), capsys.readouterr().err
    run = json.loads((tmp_path / "run.json").read_text())
    model = aekit.load(tmp_path / "model.safetensors")
    chosen = run["chosen"]
    assert chosen["latent_dim"] == model.latent_dim_ == model.model_.config.latent_dim
    assert 1 <= chosen["latent_dim"] <= 15  # a 30-column table: at most half its width
    rule = TrainConfig(batch_size="auto", patience="auto", validation_fraction="auto").sized_for(_train_rows(run))
    assert (chosen["max_epochs"], chosen["batch_size"], chosen["patience"]) == (2, rule.batch_size, rule.patience)


def _train_rows(run) -> int:
    from aekit.cli._common import load_data

    return len(load_data(run["data"], None, run["seed"], None, None).X_train)


def test_batch_size_zero_is_a_clear_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--data", "digits", "--batch-size", "0", "--out", "unused", "--quiet"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1 and "--batch-size must be a positive integer or 'auto', got 0" in err
    assert "Traceback" not in err and "ZeroDivision" not in err
