"""benchmarks/defaults.py records how each result was made: commit, threads, wall and CPU time."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

from benchmark_modules import benchmark_module

REPO = Path(__file__).parents[1]


def test_saved_results_name_the_commit_threads_and_cpu_time(tmp_path):
    defaults = benchmark_module("defaults")
    records = [dict(dataset="wine", job="reduction", model="ae", baseline="pca", seed=3, metric="mse_ratio",
                    value=0.98, model_score=0.2, baseline_score=0.204)]
    path = tmp_path / "wine-seed3.json"
    defaults._save(path, records, SimpleNamespace(quick=False), 3, seconds=12.34, cpu_seconds=11.06)
    saved = json.loads(path.read_text())
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short=10", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert saved["meta"]["commit"] in (head, head + "-dirty")
    assert (saved["meta"]["seed"], saved["meta"]["seconds"], saved["meta"]["cpu_seconds"]) == (3, 12.3, 11.1)
    assert saved["meta"]["torch_threads"] >= 1 and saved["meta"]["blas_threads"] >= 1
    assert "2-core shared CPU" in saved["meta"]["machine"]
    assert saved["records"] == records
    assert defaults.cached_records(tmp_path) == records
