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


def test_summary_reports_held_out_sets_apart_and_orders_every_table_by_group():
    defaults = benchmark_module("defaults")

    def row(dataset, seed, ratio):
        return dict(dataset=dataset, job="reduction", model="ae", baseline="pca", seed=seed, metric="mse_ratio",
                    value=ratio, model_score=ratio, baseline_score=1.0)

    # alphabetical order of the files: skulls (held-out), then wine (tuning), then crabs would come first
    records = [row("skulls", 0, 1.20), row("wine", 0, 0.90), row("crabs", 0, 0.95), row("crabs", 1, 1.00)]
    text = defaults.summarise(records)
    suite, held_out = text.split("### targets (development and held-out sets")[1].split("### targets (held-out sets only")
    assert "1 of 3 worse (max ratio 1.200: skulls) | **no**" in suite  # the tuning set (wine) is left out
    assert "1 of 1 worse (max ratio 1.200: skulls) | **no**" in held_out
    per_dataset = text.split("### per dataset")[1]
    assert per_dataset.index("| development | crabs |") < per_dataset.index("| held-out | skulls |") \
        < per_dataset.index("| tuning | wine |")
    assert "| development | crabs | reduction | ae | pca | 0.9750 | 1.0000 | 0:win, 1:tie |" in per_dataset
