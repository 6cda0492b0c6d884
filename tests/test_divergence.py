"""Divergence: a run that blows up stops with a message naming the epoch and the fix,
and keeps its best weights (every gradient-trained family, the three-network
adversarial ones too); one that blows up in its first epoch is an error; a single
row is not enough to train."""

from __future__ import annotations

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_breast_cancer

import aekit.training.fit as fit_module
from aekit.exceptions import DataError, TrainingDivergedError, TrainingDivergedWarning
from test_cli import run
from test_model_file_integrity import torch_model
from zoo import CLOSED_FORM, ZOO, data_of, make

GRADIENT_TRAINED = [name for name in ZOO if name not in CLOSED_FORM]
pytestmark = pytest.mark.filterwarnings("ignore::aekit.exceptions.StillImprovingWarning")


class Sabotage(pl.Callback):
    """Sends every weight to NaN as epoch ``at`` (1-based) starts: as a learning rate that blew up would."""

    def __init__(self, at: int):
        self.at = at

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if trainer.current_epoch + 1 == self.at:
            with torch.no_grad():
                for p in pl_module.parameters():
                    p.fill_(float("nan"))


@pytest.fixture
def sabotage_at(monkeypatch):
    def install(epoch: int):
        real = fit_module._callbacks
        monkeypatch.setattr(fit_module, "_callbacks", lambda *a: [*real(*a), Sabotage(epoch)])
    return install


def _with_epochs(estimator, epochs: int):
    if "encoder_params" in estimator.get_params():  # deep clustering: its encoder trains
        return estimator.set_params(encoder_params={**estimator.encoder_params, "max_epochs": epochs})
    keys = [k for k in ("max_epochs", "epochs") if k in estimator.get_params()]
    return estimator.set_params(**{keys[0]: epochs})


@pytest.mark.parametrize("name", GRADIENT_TRAINED)
def test_divergence_stops_names_the_epoch_and_keeps_the_best_weights(name, sabotage_at):
    sabotage_at(3)
    args = data_of(name)[1]
    with pytest.warns(TrainingDivergedWarning, match=r"diverged at epoch 3: .*learning_rate.*kept the weights of epoch [12]"):
        estimator = _with_epochs(make(name), 4).fit(*args)
    weights = torch_model(estimator).state_dict().values()
    assert all(torch.isfinite(w).all() for w in weights if w.is_floating_point())


def test_kept_weights_equal_a_run_that_stopped_before_diverging(sabotage_at):
    X = data_of("ae")[1][0]
    clean = _with_epochs(make("ae"), 2).fit(X)
    sabotage_at(3)
    with pytest.warns(TrainingDivergedWarning):
        kept = _with_epochs(make("ae"), 6).fit(X)
    for (name, a), b in zip(clean.model_.state_dict().items(), kept.model_.state_dict().values()):
        assert torch.equal(a, b), name
    np.testing.assert_array_equal(clean.transform(X), kept.transform(X))


def test_divergence_in_the_first_epoch_is_an_error(sabotage_at):
    sabotage_at(1)
    with pytest.raises(TrainingDivergedError, match="diverged at epoch 1: .*lower learning_rate"):
        make("vae").fit(data_of("vae")[1][0])


def test_cli_train_with_a_learning_rate_of_100_stops_with_the_fix(tmp_path, capsys):
    data = load_breast_cancer(as_frame=True).frame.drop(columns="target")
    data.to_csv(tmp_path / "cancer.csv", index=False)
    code, out, err = run(["train", "--data", str(tmp_path / "cancer.csv"), "--lr", "100", "--epochs", "30",
                          "--hidden", "32", "-q", "--out", str(tmp_path / "run")], capsys)
    assert code != 0
    message = (out + err).strip()
    assert "diverged at epoch 1" in message and "--lr" in message and "e.g. 10" in message, message
    assert "Traceback" not in message and len(message.splitlines()) == 1, message
    assert not (tmp_path / "run" / "model.safetensors").exists()


@pytest.mark.parametrize("name", ["ae", "vae", "lstm-ae", "aae", "stacked", "autorec"])
def test_one_row_is_not_enough_to_train(name):
    kind, args = data_of(name)
    args = (args[0].iloc[:1],) if kind == "ratings" else tuple(a[:1] for a in args)
    with pytest.raises(DataError, match="1 sample"):
        make(name).fit(*args)


def test_cli_train_on_a_single_row_csv_fails(tmp_path, capsys):
    pd.DataFrame([[1.0, 2.0, 3.0]], columns=list("abc")).to_csv(tmp_path / "one.csv", index=False)
    code, out, err = run(["train", "--data", str(tmp_path / "one.csv"), "-q", "--out", str(tmp_path / "run")], capsys)
    assert code != 0 and "1 sample" in out + err
    assert "Traceback" not in out + err
