"""benchmarks/gpu.sh: its CPU dry run runs the benchmarks for real and writes their results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu.sh"
# Keys each benchmark's results file must hold (the figures a GPU run reports).
EXPECTED_KEYS = {
    "reconstruction": {"command", "quality"},
    "generative": {"command", "autoencoders", "vaes"},
    "sampling": {"command", "sampling"},
    "stacked": {"command", "datasets"},
    "anomaly": {"command", "datasets"},
    "recsys": {"command", "topn", "runs"},
    "clustering": {"protocol", "summary", "runs"},
    "compression": {"protocol", "settings", "fashion_mnist"},
    "completion": {"protocol", "images_benchmark"},
}


def dry_run(tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess, dict]:
    env = {**os.environ, "PYTHON": sys.executable,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(["bash", str(SCRIPT), "--dry-run", "--out", str(tmp_path), *options],
                          capture_output=True, text=True, check=False, env=env, cwd=tmp_path)
    summary_file = tmp_path / "summary.json"
    assert summary_file.exists(), done.stdout + done.stderr
    return done, json.loads(summary_file.read_text())


def check_runs(done: subprocess.CompletedProcess, summary: dict, names: set[str]) -> None:
    assert done.returncode == 0, done.stdout + done.stderr
    assert summary["dry_run"] is True and summary["accelerator"] == "cpu"
    assert {run["name"] for run in summary["runs"]} == names
    for run in summary["runs"]:
        assert run["exit_status"] == 0, run
        results = json.loads(Path(run["results"]).read_text())
        assert EXPECTED_KEYS[run["name"]] <= set(results), (run["name"], sorted(results))


def test_dry_run_of_one_benchmark_writes_its_results(tmp_path):
    done, summary = dry_run(tmp_path, "--only", "anomaly")
    check_runs(done, summary, {"anomaly"})
    assert Path(summary["runs"][0]["results"]).parent == tmp_path.resolve()
    assert "| anomaly | 0 |" in done.stdout


def test_dry_run_of_cvae_sampling_writes_its_class_accuracy(tmp_path):
    done, summary = dry_run(tmp_path, "--only", "sampling")
    check_runs(done, summary, {"sampling"})
    cvae = json.loads(Path(summary["runs"][0]["results"]).read_text())["sampling"]["models"]["cvae"]
    assert {"frechet_distance", "class_accuracy", "class_accuracy_mean"} <= set(cvae), sorted(cvae)


def test_a_failing_run_makes_the_script_fail(tmp_path):
    done, summary = dry_run(tmp_path, "--only", "anomaly", "--budget", "1")
    assert done.returncode != 0
    assert summary["runs"][0]["exit_status"] == 124  # stopped by its budget


def test_refuses_without_a_gpu_or_an_out_folder(tmp_path):
    import torch
    if torch.cuda.is_available():
        pytest.skip("a GPU is visible: the real run would start")
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run(["bash", str(SCRIPT), "--out", str(tmp_path)], capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 1 and "no CUDA GPU" in done.stderr
    done = subprocess.run(["bash", str(SCRIPT), "--dry-run"], capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 2 and "--out" in done.stderr


# benchmarks whose peers come from the benchmarks extra (not installed by `make test-slow`): the module
# each needs first; where it is missing, the full dry run leaves that benchmark out instead of failing
NEEDS_BENCHMARKS_EXTRA = {"compression": ("bjontegaard",), "completion": ("cv2", "skimage")}


@pytest.mark.slow
def test_full_dry_run(tmp_path):
    import importlib.util

    names = {name for name in EXPECTED_KEYS
             if all(importlib.util.find_spec(module) for module in NEEDS_BENCHMARKS_EXTRA.get(name, ()))}
    done, summary = dry_run(tmp_path, "--only", ",".join(sorted(names)))
    check_runs(done, summary, names)


@pytest.mark.filterwarnings("ignore::aekit.exceptions.StillImprovingWarning")
def test_on_device_overrides_every_fit_and_refuses_unknown_settings(monkeypatch, digits):
    import aekit.training.fit as fit_module
    from aekit import Autoencoder
    from aekit.training import TrainConfig

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from on_device import override_device
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    monkeypatch.setattr(fit_module, "trainer_device_options", fit_module.trainer_device_options)  # restored after
    with pytest.raises(ValueError, match="precision must be one of"):
        override_device(precision="8-bit")
    seen = []
    original = fit_module.trainer_device_options
    monkeypatch.setattr(fit_module, "trainer_device_options", lambda cfg: seen.append(cfg) or original(cfg))
    override_device("cpu", "bf16-mixed")
    options = fit_module.trainer_device_options(TrainConfig())
    assert options["accelerator"] == "cpu" and options["precision"] == "bf16-mixed"
    X_train = digits[0]
    ae = Autoencoder(latent_dim=4, hidden=(16,), max_epochs=2, random_state=0).fit(X_train)  # a real fit goes through it
    assert len(seen) == 2 and ae.transform(X_train).shape == (len(X_train), 4)
