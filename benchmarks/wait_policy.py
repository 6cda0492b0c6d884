"""What the CLI's OpenMP wait policy costs or saves: ``aekit`` commands timed with
libgomp's own default (idle threads spin about 300,000 rounds before they sleep)
against aekit's (``OMP_WAIT_POLICY=PASSIVE``: they sleep at once).

Each command runs as a whole process, A and B in turn (A B A B ...), with torch's
default number of threads (no ``--num-threads``); the ratio A/B is taken pair by
pair, so a change in the machine's load during the run touches both sides alike.
The load average before and after is recorded: the result depends on it, so run it
once on a busy machine and once on an idle one.

    python benchmarks/wait_policy.py --label loaded --pairs 3
    python benchmarks/wait_policy.py --label idle --pairs 3

A: ``GOMP_SPINCOUNT=300000`` (libgomp's default when no policy is set; a set
spin count also tells the CLI to leave the policy alone). B: the environment
as it is, so the CLI sets ``OMP_WAIT_POLICY=PASSIVE``.
Writes ``benchmarks/results/wait_policy-LABEL.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
POLICIES = {"libgomp default (spin, then sleep)": {"GOMP_SPINCOUNT": "300000"},
            "aekit CLI default (OMP_WAIT_POLICY=PASSIVE)": {}}


def workloads(folder: Path) -> dict[str, list[str]]:
    """Two commands a new user runs: a small table at the defaults, a small image model."""
    from sklearn.datasets import load_wine

    table = load_wine(as_frame=True).frame
    table.insert(0, "id", range(len(table)))
    table.to_csv(folder / "wine.csv", index=False)
    return {"train, wine table (178 rows), defaults": ["train", "--data", str(folder / "wine.csv"), "--id", "id",
                                                        "--label", "target", "--out", str(folder / "wine")],
            "train --model conv, mnist-5k, 3 epochs": ["train", "--data", "mnist-5k", "--model", "conv",
                                                       "--epochs", "3", "--out", str(folder / "conv")]}


def run_once(args: list[str], extra_env: dict[str, str]) -> dict[str, float]:
    """Wall and CPU seconds of one ``aekit`` process."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aekit", *args, "--quiet"], env={**env, **extra_env}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu}


def compare(args: list[str], pairs: int) -> dict:
    """A B A B ... after one warm-up run of each; medians and pairwise ratios A/B."""
    (a_name, a_env), (b_name, b_env) = POLICIES.items()
    run_once(args, a_env), run_once(args, b_env)  # warm-up: file caches, first imports
    runs = [(run_once(args, a_env), run_once(args, b_env)) for _ in range(pairs)]
    med = statistics.median
    return {"A": a_name, "B": b_name, "runs": runs,
            "A_wall_s": med(a["wall_s"] for a, _ in runs), "B_wall_s": med(b["wall_s"] for _, b in runs),
            "A_cpu_s": med(a["cpu_s"] for a, _ in runs), "B_cpu_s": med(b["cpu_s"] for _, b in runs),
            "wall_ratio_A_over_B": med(a["wall_s"] / b["wall_s"] for a, b in runs),
            "cpu_ratio_A_over_B": med(a["cpu_s"] / b["cpu_s"] for a, b in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True, help="e.g. idle or loaded: names the results file")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for name, command in workloads(Path(tmp)).items():
            results[name] = compare(command, args.pairs)
            r = results[name]
            print(f"{name}: wall {r['A_wall_s']:.1f} s / {r['B_wall_s']:.1f} s, A/B {r['wall_ratio_A_over_B']:.2f}; "
                  f"CPU A/B {r['cpu_ratio_A_over_B']:.2f}", flush=True)
    import torch

    out = {"label": args.label, "pairs": args.pairs, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "machine": f"{platform.platform()}, {os.cpu_count()} CPUs", "torch": torch.__version__,
           "torch_threads": torch.get_num_threads(), "load_average_before": load_before,
           "load_average_after": os.getloadavg(), "command": " ".join(sys.argv), "results": results}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"wait_policy-{args.label}.json"
    path.write_text(json.dumps(out, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
