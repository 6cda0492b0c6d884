"""benchmarks/stacked.py --validation: a hyperparameter search that never touches the test images."""

from __future__ import annotations

import dataclasses
import json
import sys

import numpy as np
import pytest
from benchmark_modules import benchmark_module

from aekit.data import load_dataset


@pytest.mark.filterwarnings("ignore::aekit.exceptions.StillImprovingWarning")
def test_validation_mode_scores_held_out_training_rows_and_never_the_test_set(tmp_path, monkeypatch):
    stacked = benchmark_module("stacked")
    real = load_dataset("digits", random_state=0)
    # the test part poisoned: any fit or score on it fails (NaN) or scores nothing (a label never seen)
    poisoned = dataclasses.replace(real, X_test=np.full_like(real.X_test, np.nan), y_test=np.full_like(real.y_test, 99))
    monkeypatch.setattr(stacked, "load_dataset", lambda name, random_state=0: poisoned)
    out = tmp_path / "search.json"
    monkeypatch.setattr(sys, "argv", [
        "stacked.py", "--data", "digits", "--rows", "c", "--n-train", "600", "--validation", "200",
        "--dropout", "0", "0.5", "--hidden", "32", "32", "--pretrain-epochs", "2", "--epochs", "30",
        "--note", "rule: best validation accuracy", "--out", str(out)])
    stacked.main()
    saved = json.loads(out.read_text())
    assert saved["validation"] is True and saved["source"].startswith("VALIDATION: 200 training images held out")
    assert saved["evaluation_rows"] == {"digits": {"train": 400, "validation": 200}}
    assert saved["note"] == "rule: best validation accuracy"
    rows = saved["datasets"]["digits"]["rows"]
    assert set(rows) == {"c_sda_finetuned_hidden32x32", "c_sda_finetuned_hidden32x32_dropout0.5"}
    for row in rows.values():
        assert "test_accuracy" not in row and row["validation_accuracy"] > 0.3  # chance is 0.1
        assert row["pretraining_resumed_from_d"] and row["shared_pretraining_seconds"] > 0  # one pretraining
    assert "| row | validation accuracy |" in stacked.markdown(saved)


def test_validation_split_is_stratified_seeded_and_leaves_no_test_rows():
    stacked = benchmark_module("stacked")
    d = load_dataset("digits", random_state=0)
    a, b = stacked.validation_split(d, 300, 0), stacked.validation_split(d, 300, 0)
    assert len(a.X_test) == 300 and len(a.X_train) == len(d.X_train) - 300
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert np.abs(np.bincount(a.y_test) / 300 - np.bincount(d.y_train) / len(d.y_train)).max() < 0.01
    test_rows = {row.tobytes() for row in d.X_test}
    assert not any(row.tobytes() in test_rows for row in a.X_test[:50])
