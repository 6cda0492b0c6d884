"""Stacked autoencoders and mSDA in `aekit train` (unsupervised and --task) and `aekit compare`."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from aekit import StackedAutoencoderClassifier, load
from aekit.cli import main
from aekit.compare import compare_models
from aekit.data import load_dataset


def _ok(args, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code in (0, None), capsys.readouterr().err


def test_train_stacked_classifier_on_the_dataset_labels(tmp_path, capsys):
    out = tmp_path / "sda"
    _ok(["train", "--model", "sda", "--task", "classify", "--data", "digits", "--hidden", "32", "--latent", "16",
         "--epochs", "20", "--out", str(out), "--quiet"], capsys)
    run = json.loads((out / "run.json").read_text())
    assert run["task"] == "classify" and run["test_score"] > 0.6  # chance is 0.1
    model = load(out / "model.safetensors")
    assert isinstance(model, StackedAutoencoderClassifier) and model.noise == "masking"
    assert (out / "pretrain-layer1" / "metrics.csv").is_file() and (out / "metrics.csv").is_file()


def test_task_needs_a_stacked_model(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--model", "ae", "--task", "classify", "--data", "digits", "--out", str(tmp_path)])
    assert exit_info.value.code == 1
    assert "needs a stacked model" in capsys.readouterr().err


def test_train_msda_writes_a_model_file(tmp_path, capsys):
    _ok(["train", "--model", "msda", "--data", "digits", "--out", str(tmp_path), "--quiet"], capsys)
    assert load(tmp_path / "model.safetensors").transform(load_dataset("digits").X_test[:2]).shape == (2, 256)


def test_compare_has_stacked_and_msda_rows_with_probes(tmp_path):
    data = load_dataset("digits", random_state=0)
    result = compare_models(data, ["pca", "stacked", "msda"], tmp_path, latent_dim=8, hidden=(32,), max_epochs=5,
                            seed=0, code_map_method="pca")
    table = pd.read_csv(tmp_path / "results.csv").set_index("model")
    assert list(table.index) == ["pca", "stacked", "msda"]
    assert table.loc["msda", "linear_probe"] > 0.9 and table.loc["stacked", "linear_probe"] > 0.5
    assert (tmp_path / "figures" / "codes.png").is_file() and result.report.is_file()
