"""Peak memory of `aekit detect score` and `aekit encode` on files of growing size: flat when they stream.

A small detector (64 features) is fitted once on 5,000 rows. Each .npy file of N rows x 64
float32 is then scored (`aekit detect score --chunk-size 10000`) and encoded (`aekit encode`,
read in 64 MB blocks), each in a fresh process. Recorded per run, sampled every 20 ms
from /proc/PID/status: the process's peak resident set size (VmHWM: everything the
kernel counted, memory-mapped file pages included), the peak of its anonymous memory
(RssAnon: what the process itself allocated) and of its file-backed pages (RssFile:
mapped files and libraries, which the kernel can drop). Streaming means all three stay
flat while the file grows to several times the process's peak. (The rusage peak of a
child is not used: Linux carries the parent's peak at fork into it, so it showed the
parent's footprint; the files are also written by a separate process for that reason.)
A CSV of the same rows (pandas' chunked reader, 10,000 rows at a time) is scored and encoded at
the smallest size, or at every size with --csv-every-size.

    python benchmarks/streaming_memory.py            # full protocol: 0.25, 1 and 4 GB .npy files
    python benchmarks/streaming_memory.py --quick    # reduced: 64 and 256 MB
    python benchmarks/streaming_memory.py --sizes-mb 64 256 1024 --commands encode --csv-every-size
                                                     # reduced: `encode` of .npy and CSV files only

Writes benchmarks/results/streaming_memory.json (a reduced run: streaming_memory_reduced.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
COMMANDS = ("detect score", "encode")
FEATURES = 64
WRITE_ROWS = 500_000


def write_npy(path: Path, n_rows: int, seed: int = 0) -> None:
    """A float32 .npy of n_rows x FEATURES, written block by block (never whole in memory)."""
    rng = np.random.default_rng(seed)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n_rows, FEATURES))
    for start in range(0, n_rows, WRITE_ROWS):
        stop = min(start + WRITE_ROWS, n_rows)
        out[start:stop] = rng.random((stop - start, FEATURES), dtype=np.float32)
    out.flush()
    del out


def write_csv(path: Path, npy: Path) -> None:
    """The rows of ``npy`` as a CSV with a header, written block by block."""
    array = np.load(npy, mmap_mode="r")
    with open(path, "w") as f:
        f.write(",".join(f"x{i}" for i in range(FEATURES)) + "\n")
        for start in range(0, len(array), WRITE_ROWS):
            np.savetxt(f, array[start:start + WRITE_ROWS], delimiter=",", fmt="%.6g")


def in_child(fn, *args) -> None:
    """``fn(*args)`` in a separate process, so that this one's peak memory stays small."""
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=fn, args=args)
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"{fn.__name__} failed (exit code {child.exitcode})")


def _status_kb(pid: int) -> dict[str, int]:
    try:
        with open(f"/proc/{pid}/status") as f:
            return {k: int(v.split()[0]) for k, _, v in (line.partition(":") for line in f)
                    if k in ("VmHWM", "RssAnon", "RssFile")}
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return {}


def measure(args: list[str]) -> dict:
    """Run ``args``; its sampled peak RSS (VmHWM), RssAnon and RssFile in MiB, and seconds."""
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env={**os.environ, "OMP_NUM_THREADS": "1"})
    peaks = {"VmHWM": 0, "RssAnon": 0, "RssFile": 0}
    while True:
        pid, status, _ = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        for key, kb in _status_kb(child.pid).items():
            peaks[key] = max(peaks[key], kb)
        time.sleep(0.02)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{child.stderr.read().decode()[-2000:]}")
    return {"peak_rss_mb": round(peaks["VmHWM"] / 1024, 1), "peak_anon_mb": round(peaks["RssAnon"] / 1024, 1),
            "peak_file_backed_mb": round(peaks["RssFile"] / 1024, 1),
            "seconds": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 and 256 MB files instead of 0.25, 1 and 4 GB")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=None, help="other .npy sizes (a reduced run)")
    parser.add_argument("--folder", type=Path, default=None, help="where the large files go (default: a temp folder)")
    parser.add_argument("--commands", nargs="+", choices=COMMANDS, default=list(COMMANDS),
                        help="which commands to measure (fewer: a reduced run)")
    parser.add_argument("--csv-every-size", action="store_true",
                        help="a CSV of the rows at every size, not only the smallest")
    options = parser.parse_args()
    sizes_mb = options.sizes_mb or ([64, 256] if options.quick else [256, 1024, 4096])
    reduced = options.quick or options.sizes_mb is not None or len(options.commands) < len(COMMANDS)
    aekit = [sys.executable, "-m", "aekit"]
    results = []
    with tempfile.TemporaryDirectory(dir=options.folder) as folder:
        folder = Path(folder)
        in_child(write_npy, folder / "train.npy", 5_000, options.seed)
        detector = folder / "det.safetensors"
        common = ["--epochs", "2", "--latent", "4", "--hidden", "16", "--seed", str(options.seed), "-q"]
        subprocess.run([*aekit, "detect", "fit", "--data", str(folder / "train.npy"), *common, "--out", str(detector)],
                       check=True, capture_output=True)
        subprocess.run([*aekit, "train", "--data", str(folder / "train.npy"), *common, "--out", str(folder / "run")],
                       check=True, capture_output=True)
        model = next((folder / "run").glob("*.safetensors"))
        runs = {"detect score": lambda data: [*aekit, "detect", "score", str(detector), "--data", str(data),
                                              "--out", str(folder / "scores.csv"), "--chunk-size", "10000", "-q"],
                "encode": lambda data: [*aekit, "encode", str(model), "--data", str(data),
                                        "--out", str(folder / "codes.npy")]}
        for size in [0, *sizes_mb]:  # 0: the 5,000 training rows, the process's own footprint
            data = folder / "train.npy"
            if size:
                data = folder / "big.npy"
                in_child(write_npy, data, size * 2**20 // (4 * FEATURES), options.seed + 1)
            inputs = [data]
            if size == sizes_mb[0] or (size and options.csv_every_size):
                in_child(write_csv, folder / "big.csv", data)
                inputs.append(folder / "big.csv")
            for path in inputs:
                for command, args in runs.items():
                    if command not in options.commands:
                        continue
                    row = {"command": command, "input": path.suffix[1:], "file_mb": round(path.stat().st_size / 2**20),
                           "rows": int(np.load(data, mmap_mode="r").shape[0]), **measure(args(path))}
                    results.append(row)
                    print(row, flush=True)
                    write_results(options, sizes_mb, reduced, results, done=False)  # a partial run keeps its rows
            for path in inputs:
                if size:
                    path.unlink()
    write_results(options, sizes_mb, reduced, results, done=True)


def write_results(options, sizes_mb: list[int], reduced: bool, results: list[dict], done: bool) -> None:
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("streaming_memory_reduced.json" if reduced else "streaming_memory.json")
    protocol = (f"reduced: {sizes_mb} MB, {' and '.join(options.commands)}"
                + (", a CSV at every size" if options.csv_every_size else "")) if reduced else "full: 0.25, 1 and 4 GB"
    out.write_text(json.dumps({
        "protocol": protocol if done else f"{protocol} (INCOMPLETE: stopped before the last size)",
        "command": "python " + " ".join(sys.argv),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), "
                   f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB",
        "seed": options.seed, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
