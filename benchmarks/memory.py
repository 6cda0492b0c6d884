"""Peak memory of ``Autoencoder.fit`` on Fashion-MNIST (60,000 x 784, float32: 188 MB).

Each measurement runs in a fresh interpreter: load the training images, note
the resident set size (RSS), fit ``Autoencoder(latent_dim=16, hidden=(64,),
max_epochs=1)`` and report how far the peak RSS rose above the level before
``fit``. Run it against two source trees to compare code versions:

    python benchmarks/memory.py                          # this tree
    python benchmarks/memory.py --src /path/to/old/src   # e.g. a `git archive` of an older commit

Writes benchmarks/results/memory.json (one entry per --label).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "memory.json"
PROBE = """
import resource, json
import numpy as np, torch
torch.set_num_threads(1)
from aekit.data import load_dataset
from aekit import Autoencoder
X = load_dataset("fashion-mnist").X_train
def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20
before = rss_mb()
Autoencoder(latent_dim=16, hidden=(64,), max_epochs=1, batch_size=256, random_state=0).fit(X)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": len(X), "rss_before_fit_mb": before, "peak_rss_mb": peak, "rise_mb": peak - before}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=str(Path(__file__).resolve().parents[1] / "src"))
    parser.add_argument("--label", default="this tree")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": args.src}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{args.label}: peak RSS rose {measured['rise_mb']:.0f} MB during fit "
          f"(peak {measured['peak_rss_mb']:.0f} MB, {measured['rss_before_fit_mb']:.0f} MB before)")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[args.label] = {**measured, "command": "python benchmarks/memory.py " + " ".join(sys.argv[1:]),
                           "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
                           "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
