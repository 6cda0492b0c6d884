"""Peak memory of `aekit detect score` on .npy files of growing size: flat when it streams.

A small detector (64 features) is fitted once; each file of N rows x 64 float32 is
then scored in a fresh process (`aekit detect score --chunk-size 10000`) and its peak
resident set size (RSS, from the child's rusage) recorded. Streaming means the peak
stays flat while the file grows several times past it.

    python benchmarks/streaming_memory.py            # full protocol: 0.25, 1 and 4 GB files
    python benchmarks/streaming_memory.py --quick    # reduced: 64 and 512 MB

Writes benchmarks/results/streaming_memory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results" / "streaming_memory.json"
FEATURES = 64


def write_npy(path: Path, n_rows: int, seed: int = 0) -> None:
    """A float32 .npy of n_rows x FEATURES, written block by block (never whole in memory)."""
    rng = np.random.default_rng(seed)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n_rows, FEATURES))
    for start in range(0, n_rows, 500_000):
        stop = min(start + 500_000, n_rows)
        out[start:stop] = rng.random((stop - start, FEATURES), dtype=np.float32)
    out.flush()
    del out


def peak_rss_of(args: list[str]) -> tuple[float, float]:
    """(peak RSS in MiB, seconds) of a child process."""
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 and 512 MB files instead of 0.25, 1 and 4 GB")
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    sizes_mb = [64, 512] if options.quick else [256, 1024, 4096]
    aekit = [sys.executable, "-m", "aekit"]
    results = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        write_npy(folder / "train.npy", 5_000, options.seed)
        subprocess.run([*aekit, "detect", "fit", "--data", str(folder / "train.npy"), "--epochs", "2", "--latent", "4",
                        "--hidden", "16", "-q", "--out", str(folder / "det.safetensors")], check=True,
                       capture_output=True)
        for size in sizes_mb:
            rows = size * 2**20 // (4 * FEATURES)
            write_npy(folder / "big.npy", rows, options.seed + 1)
            # RUSAGE_CHILDREN is the max over all children so far: one measuring process per size
            probe = (f"import resource, subprocess, sys; subprocess.run({[*aekit, 'detect', 'score', str(folder / 'det.safetensors'), '--data', str(folder / 'big.npy'), '--out', str(folder / 'scores.csv'), '--chunk-size', '10000', '-q']!r}, check=True, capture_output=True); "
                     "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                  env={**os.environ, "OMP_NUM_THREADS": "1"})
            if done.returncode != 0:
                raise SystemExit(done.stderr[-2000:])
            peak = float(done.stdout.strip().splitlines()[-1])
            results.append({"file_mb": size, "rows": rows, "peak_rss_mb": round(peak, 1),
                            "seconds": round(time.perf_counter() - start, 1)})
            print(results[-1], flush=True)
            (folder / "big.npy").unlink()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "protocol": "reduced (--quick): 64 and 512 MB" if options.quick else "full: 0.25, 1 and 4 GB",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared)", "seed": options.seed,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
