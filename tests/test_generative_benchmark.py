"""benchmarks/generative.py --sections autoencoders --validation: the ConvAE search never touches the test images."""

from __future__ import annotations

import dataclasses
import json
import sys

import numpy as np
import pytest
from benchmark_modules import benchmark_module

from aekit.data import load_dataset


@pytest.mark.filterwarnings("ignore::aekit.exceptions.StillImprovingWarning")
def test_conv_search_scores_held_out_training_images_and_never_the_test_set(tmp_path, monkeypatch):
    bench = benchmark_module("generative")
    real = load_dataset("digits", random_state=0)
    # the test part poisoned: any fit or score on it fails (NaN) or scores nothing (a label never seen)
    poisoned = dataclasses.replace(real, X_test=np.full_like(real.X_test, np.nan), y_test=np.full_like(real.y_test, 99))
    monkeypatch.setattr(bench, "load_dataset", lambda name: poisoned)
    monkeypatch.setattr(bench, "RESULTS", tmp_path)
    monkeypatch.setattr(sys, "argv", [
        "generative.py", "--sections", "autoencoders", "--validation", "300", "--epochs", "2", "--channels", "4,8",
        "--batch-size", "64", "--threads", "1", "--conv-variants", '[{}, {"noise": "masking", "noise_level": 0.1}]'])
    bench.main()
    saved = json.loads((tmp_path / "generative-validation.json").read_text())
    assert "VALIDATION: 300 of the training images" in saved["data"] and saved["n_test"] == 300
    rows = saved["autoencoders"]
    assert set(rows) == {"pca-32", "conv-ae 4-8-32", "conv-ae 4-8-32 (noise=masking, noise_level=0.1)"}  # no dense AE
    for row in rows.values():
        assert not any(k.startswith("test") or k in ("linear_probe", "mse_ratio_to_pca") for k in row)
        assert row["validation_linear_probe"] > 0.3 and row["validation_mse"] > 0  # chance is 0.1
    selection = saved["autoencoders_selection"]
    assert set(selection["validation_linear_probe"]) == set(rows) - {"pca-32"}
    assert selection["chosen"] == bench.select_conv(rows)["chosen"]


def test_conv_rule_keeps_the_first_config_within_the_tolerance_among_those_that_reconstruct_well_enough():
    bench = benchmark_module("generative")
    rows = {"pca-32": {"validation_linear_probe": 0.99, "validation_mse_ratio_to_pca": 1.0},
            "conv-ae a": {"validation_linear_probe": 0.840, "validation_mse_ratio_to_pca": 0.49},
            "conv-ae b": {"validation_linear_probe": 0.845, "validation_mse_ratio_to_pca": 0.45},
            "conv-ae c": {"validation_linear_probe": 0.860, "validation_mse_ratio_to_pca": 0.55},  # MSE bound missed
            "conv-ae d": {"validation_linear_probe": 0.846, "validation_mse_ratio_to_pca": 0.40}}
    assert bench.select_conv(rows)["chosen"] == "conv-ae b"  # d is 0.001 better: within 0.002, b runs first
    rows["conv-ae d"]["validation_linear_probe"] = 0.848
    assert bench.select_conv(rows)["chosen"] == "conv-ae d"
    for row in rows.values():
        row["validation_mse_ratio_to_pca"] = 0.6
    assert bench.select_conv(rows)["chosen"] is None


def test_validation_is_refused_with_the_vaes_section(monkeypatch):
    bench = benchmark_module("generative")
    monkeypatch.setattr(sys, "argv", ["generative.py", "--sections", "autoencoders,vaes", "--validation", "300"])
    with pytest.raises(SystemExit):
        bench.main()
