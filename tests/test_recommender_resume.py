"""Checkpoint and resume for the recommenders trained by gradient steps (AutoRec, Mult-VAE,
Mult-DAE), through the training layer every family shares; the SIGKILL version of these
tests is tests/test_kill_resume.py (slow)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_estimator import Crash, crash_at_epoch
from zoo import data_of, make

from aekit import load
from aekit.exceptions import CheckpointError

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
EPOCHS = 6


def _weights(estimator) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy() for k, v in estimator.model_.state_dict().items()}


@pytest.mark.parametrize("name", ["autorec", "multvae", "multdae"])
def test_resume_after_a_crash_equals_an_uninterrupted_fit_bitwise(name, tmp_path, monkeypatch):
    import aekit.training.fit as fit

    ratings = data_of(name)[1][0]
    params = dict(max_epochs=EPOCHS, patience=EPOCHS + 1)
    straight = make(name).set_params(**params).fit(ratings)
    make_callbacks = fit._callbacks
    monkeypatch.setattr(fit, "_callbacks", lambda *a: [*make_callbacks(*a), crash_at_epoch(3)])
    with pytest.raises(Crash):
        make(name).set_params(**params, checkpoint_dir=str(tmp_path), log_dir=str(tmp_path)).fit(ratings)
    monkeypatch.setattr(fit, "_callbacks", make_callbacks)
    assert (tmp_path / "last.ckpt").exists()
    resumed = make(name).set_params(**params, checkpoint_dir=str(tmp_path), log_dir=str(tmp_path),
                                    resume=True).fit(ratings)
    assert resumed.n_epochs_ == EPOCHS  # the epochs before the crash are in the history too
    got, want = _weights(resumed), _weights(straight)
    assert got.keys() == want.keys()
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=f"{name}: {key}")
    user = resumed.user_ids_[0]
    assert resumed.recommend(user, n=3).tolist() == straight.recommend(user, n=3).tolist()


def test_resume_refuses_a_checkpoint_of_other_ratings(tmp_path):
    ratings = data_of("autorec")[1][0]
    make("autorec").set_params(max_epochs=2, checkpoint_dir=str(tmp_path)).fit(ratings)
    with pytest.raises(CheckpointError, match="different run"):
        make("autorec").set_params(max_epochs=4, checkpoint_dir=str(tmp_path), resume=True).fit(ratings.iloc[:-5])


def test_cli_recommend_train_keeps_checkpoints_and_resumes(tmp_path):
    from test_fuzz import cli

    data = tmp_path / "ratings.csv"
    data_of("multdae")[1][0].to_csv(data, index=False)
    args = ["recommend", "train", "--model", "multdae", "--data", data, "--epochs", 3, "-q", "--out", tmp_path / "run"]
    assert cli(args)[0] == 0
    assert (tmp_path / "run" / "checkpoints" / "last.ckpt").exists()
    first = _weights(load(tmp_path / "run" / "model.safetensors"))
    code, out = cli([*args, "--resume"])  # a finished run resumes to the same model
    assert code == 0, out
    again = load(tmp_path / "run" / "model.safetensors")
    assert all(np.array_equal(w, first[k]) for k, w in _weights(again).items())


@pytest.mark.parametrize("command", ["recommend", "train"])
def test_resume_of_a_closed_form_model_is_named_not_ignored_silently(command, tmp_path):
    """EASE (`recommend train`) and mSDA (`train`) are solved in closed form: --resume and --epochs
    cannot apply. They used to be dropped without a word; now a warning names them, and the run
    fits the same model as one without them."""
    from test_fuzz import cli

    data = tmp_path / "data.csv"
    if command == "recommend":
        data_of("ease")[1][0].to_csv(data, index=False)
        args = ["recommend", "train", "--model", "ease", "--data", data, "-q"]
    else:
        pd.DataFrame(data_of("ae")[1][0]).add_prefix("x").to_csv(data, index=False)
        args = ["train", "--model", "msda", "--data", data, "-q"]
    assert cli([*args, "--out", tmp_path / "plain"])[0] == 0
    with pytest.warns(UserWarning, match=r"--epochs, --resume do not apply to --model (ease|msda) \(.*\): it is "
                                         r"solved in closed form, with no epochs and no checkpoints, so they are "
                                         r"ignored; there is nothing to resume"):
        code, out = cli([*args, "--epochs", 3, "--resume", "--out", tmp_path / "resumed"])
    assert code == 0, out
    plain, resumed = (load(tmp_path / run / "model.safetensors") for run in ("plain", "resumed"))
    assert all(np.array_equal(w, _weights(plain)[k]) for k, w in _weights(resumed).items())
