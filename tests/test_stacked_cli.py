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
    assert f"test accuracy {run['test_score']:.4f}" in capsys.readouterr().out  # the summary line, not an MSE
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


def test_task_takes_its_target_from_the_label_column_never_a_feature(cancer, tmp_path, capsys):
    import numpy as np

    X = np.vstack([cancer[0], cancer[1]])
    y = np.r_[cancer[2], cancer[3]]
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame.insert(3, "diagnosis", np.where(y == 1, "benign", "malignant"))
    frame.insert(0, "id", np.arange(len(frame)))
    frame.to_csv(tmp_path / "cancer.csv", index=False)
    out = tmp_path / "clf"
    _ok(["train", "--model", "stacked", "--task", "classify", "--data", str(tmp_path / "cancer.csv"),
         "--label", "diagnosis", "--drop", "id", "--hidden", "16", "--latent", "8", "--epochs", "30",
         "--out", str(out), "--quiet"], capsys)
    model = load(out / "model.safetensors")
    assert list(model.feature_names_in_) == [f"f{i}" for i in range(30)]
    assert list(model.classes_) == ["benign", "malignant"]  # the labels as written in the file
    assert set(model.predict(frame.drop(columns=["id", "diagnosis"]).iloc[:20])) <= {"benign", "malignant"}
    assert json.loads((out / "run.json").read_text())["test_score"] > 0.85


def test_task_regress_on_a_continuous_label_column(tmp_path, capsys):
    from sklearn.datasets import load_diabetes

    data = load_diabetes(as_frame=True)
    frame = data.data.copy()
    frame.insert(4, "progression", data.target)  # 214 distinct values: a continuous target, not classes
    frame.to_csv(tmp_path / "diabetes.csv", index=False)
    out = tmp_path / "reg"
    _ok(["train", "--model", "stacked", "--task", "regress", "--data", str(tmp_path / "diabetes.csv"),
         "--label", "progression", "--hidden", "16", "--latent", "8", "--epochs", "60", "--out", str(out),
         "--quiet"], capsys)
    model = load(out / "model.safetensors")
    assert "progression" not in list(model.feature_names_in_) and model.n_features_in_ == 10
    r2 = json.loads((out / "run.json").read_text())["test_score"]
    assert 0.15 < r2 < 0.8  # learns something; the target itself as a feature would give ~1
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--model", "stacked", "--task", "regress", "--data", str(tmp_path / "diabetes.csv"),
              "--label", "sex", "--drop", "progression", "--out", str(tmp_path / "x"), "--epochs", "1", "--quiet"])
    assert exit_info.value.code in (0, None)  # a 2-valued numeric column regresses on its values, not codes
    assert load(tmp_path / "x" / "model.safetensors").n_features_in_ == 9


def test_train_without_hidden_builds_what_python_builds(tmp_path, capsys):
    # the CLI's --hidden used to default to 256 for every model: stacked models then never got their own
    # "auto" widths (a 4-column table: 16-8-4), sequence models not their 64; the CLI now leaves it to the model
    table = tmp_path / "four.csv"
    X = load_dataset("digits").X_train[:80, 20:24]
    pd.DataFrame(X, columns=["a", "b", "c", "d"]).to_csv(table, index=False)
    out = tmp_path / "stacked"
    _ok(["train", "--model", "stacked", "--data", str(table), "--latent", "2", "--epochs", "1", "--out", str(out),
         "--quiet"], capsys)
    run = json.loads((out / "run.json").read_text())
    assert run["hidden"] == [16, 8, 4] and load(out / "model.safetensors").get_params()["hidden"] == "auto"
