"""Small tables at default settings: autoencoder vs PCA, and how fast the CLI starts.

For scikit-learn's breast-cancer (569 x 30) and iris (150 x 4) tables,
standardised on the training part of a 70/30 split, and each code size that
fits (2, 5, 10 for breast cancer; 2 for iris): the test reconstruction MSE of
``aekit.Autoencoder(latent_dim=k, random_state=seed)`` with every other
setting at its default, divided by PCA's with k components (target <= 1.00),
and the accuracy of a logistic-regression probe on each one's codes.

Then the wall time of ``aekit --help``, ``aekit --version`` and
``aekit datasets`` in a fresh interpreter (median of 5; target < 1 s),
beside a bare ``python -c pass`` and ``import torch, lightning`` measured in
the same run (the machine's load changes absolute times a lot).

    python benchmarks/tables.py                  # full: seeds 0 1 2
    python benchmarks/tables.py --seeds 0        # reduced
    python benchmarks/tables.py --startup-only   # only re-time the CLI
    python benchmarks/tables.py --no-startup --out F.json  # only the table, into another file

Writes benchmarks/results/tables.json and prints a markdown summary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from aekit import Autoencoder
from aekit.evaluation import probe_accuracy

RESULTS = Path(__file__).parent / "results" / "tables.json"
SRC = Path(__file__).resolve().parents[1] / "src"
TABLES = {"breast-cancer": (load_breast_cancer, (2, 5, 10)), "iris": (load_iris, (2,))}
CLI_CALLS = (["--help"], ["--version"], ["datasets"])


def split(loader, seed: int):
    data = loader()
    X_train, X_test, y_train, y_test = train_test_split(data.data, data.target, test_size=0.3, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return (scaler.transform(X_train).astype(np.float32), scaler.transform(X_test).astype(np.float32),
            y_train, y_test)


def one_case(loader, code: int, seed: int) -> dict:
    X_train, X_test, y_train, y_test = split(loader, seed)
    pca = PCA(code, random_state=seed).fit(X_train)
    pca_mse = float(np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2))
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ae = Autoencoder(latent_dim=code, random_state=seed).fit(X_train)
    seconds = time.perf_counter() - start
    ae_mse = float(np.mean((ae.reconstruct(X_test) - X_test) ** 2))
    return {"code": code, "seed": seed, "ae_test_mse": ae_mse, "pca_test_mse": pca_mse, "ratio": ae_mse / pca_mse,
            "ae_probe": probe_accuracy(ae.transform(X_train), y_train, ae.transform(X_test), y_test),
            "pca_probe": probe_accuracy(pca.transform(X_train), y_train, pca.transform(X_test), y_test),
            "epochs": ae.n_epochs_, "best_epoch": ae.best_epoch_, "fit_seconds": seconds,
            "still_improving_warning": any("still improving" in str(w.message) for w in caught)}


# References measured in the same run: a bare interpreter, and one that imports torch.
REFERENCES = {"python -c pass": ["-c", "pass"], "python -c 'import torch, lightning'": ["-c", "import torch, lightning"]}


def seconds(python_args: list[str], repeats: int) -> dict[str, float]:
    """Median wall time, and median CPU time (user + system) of the child, which load does not inflate."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    wall, cpu = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, *python_args], env=env, check=True, capture_output=True)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {"wall": float(np.median(wall)), "cpu": float(np.median(cpu))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cli-repeats", type=int, default=5)
    parser.add_argument("--startup-only", action="store_true", help="Only time the CLI (keep stored table rows).")
    parser.add_argument("--no-startup", action="store_true",
                        help="Only the table; the CLI is not timed (its start-up stays in the stored file).")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (default: %(default)s)")
    args = parser.parse_args()
    torch.set_num_threads(1)

    stored = json.loads(args.out.read_text()) if args.startup_only else {}
    rows = stored.get("cases", [])
    for name, (loader, codes) in TABLES.items() if not args.startup_only else ():
        for code in codes:
            for seed in args.seeds:
                row = {"data": name, **one_case(loader, code, seed)}
                rows.append(row)
                print(f"{name} code {code} seed {seed}: ratio {row['ratio']:.3f}, probe {row['ae_probe']:.3f} "
                      f"(PCA {row['pca_probe']:.3f}), {row['epochs']} epochs, {row['fit_seconds']:.1f} s", flush=True)
    startup = {} if args.no_startup else {"aekit " + " ".join(call): seconds(["-m", "aekit", *call], args.cli_repeats)
                                          for call in CLI_CALLS}
    startup.update({} if args.no_startup else {name: seconds(call, args.cli_repeats) for name, call in REFERENCES.items()})
    for call, taken in startup.items():
        print(f"{call}: {taken['wall']:.2f} s wall, {taken['cpu']:.2f} s CPU (median of {args.cli_repeats})")

    result = {
        "command": "python benchmarks/tables.py " + " ".join(sys.argv[1:]),
        "load_average": os.getloadavg(),
        "seeds": args.seeds, "cases": rows, "cli_startup_seconds": startup or None,
        # the stored rows keep the probe they were measured with
        "probe": stored.get("probe", "old probe: C=1, at most 1000 lbfgs iterations (before 2026-12-06)")
        if args.startup_only else
        "aekit.evaluation.probe_accuracy: standardise, C from (0.01, 0.1, 1) on a stratified 20% validation "
        "split of the training codes, lbfgs up to 5000 iterations (since 2026-12-06)",
        "max_ratio": max(r["ratio"] for r in rows), "target_ratio": 1.0, "target_startup_seconds": 1.0,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs ({platform.processor() or 'unknown'}), "
                   f"Python {platform.python_version()}, torch {torch.__version__}, 1 torch thread",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"max ratio {result['max_ratio']:.3f} (target <= 1.00); wrote {args.out}")


if __name__ == "__main__":
    main()
