"""Choosing ``AutoencoderImputer``'s fill rule on validation cells, never on the evaluation mask.

For each table, scenario and seed of ``benchmarks/completion.py``, the
scenario's mask is applied, then a further ``--hide`` share (10%) of the
*observed* cells is hidden too (seeded, its own random stream). Every variant
is fitted on what is left and scored on those extra-hidden cells only (RMSE,
z units); the evaluation mask's cells are never looked at. missForest (as in
the benchmark's reduced protocol) is scored on the same cells for scale.

Variants, all from ``AutoencoderImputer()`` at its defaults:

- ``single``: one fit, its fill (``transform``);
- ``draws``: one fit, the mean of ``--draws`` masked predictions (each hides a
  further ``mask_rate`` of the observed cells, as training does: ``sample``);
- ``half``: the mean of ``single`` and ``draws``;
- ``ensemble``: the mean of ``--fits`` fits' fills (seeds ``seed + 1000 j``);
- ``ensemble-draws``: the mean of their ``draws`` fills;
- ``members``: ``AutoencoderImputer(n_members=M)``, one fit of ``M`` networks
  side by side (``--members M``; ``--fits 0 --draws 0 --members 3`` runs only
  this one and missForest).

    python benchmarks/completion_selection.py --scenarios mcar20 mar30 --seeds 0

Writes benchmarks/results/completion_selection.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from completion import QUICK_TABLES, RESULTS, SCENARIOS, load_table, make_mask, methods  # noqa: E402

HIDE_STREAM = 99  # the extra-hidden cells' random stream (the scenario masks use [seed, scenario index])


def validation_cells(mask: np.ndarray, share: float, seed: int) -> np.ndarray:
    """A ``share`` of the observed cells, never the last observed cell of a row."""
    rng = np.random.default_rng([seed, HIDE_STREAM])
    hide = ~mask & (rng.random(mask.shape) < share)
    for row in np.nonzero((mask | hide).all(axis=1))[0]:
        hide[row] = False
    return hide


def rmse(filled: np.ndarray, X: np.ndarray, cells: np.ndarray) -> float:
    return float(np.sqrt(np.mean((filled - X)[cells] ** 2)))


def run_case(name, X, scenario, seed, args) -> dict:
    from aekit import AutoencoderImputer

    mask = make_mask(X, scenario, seed)
    hide = validation_cells(mask, args.hide, seed)
    X_fit = np.where(mask | hide, np.nan, X)
    plain, drawn, seconds = [], [], []
    row = {"table": name, "scenario": scenario, "seed": seed, "validation_cells": int(hide.sum())}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j in range(args.fits):
            start = time.perf_counter()
            imputer = AutoencoderImputer(n_members=1, random_state=seed + 1000 * j).fit(X_fit)
            seconds.append(time.perf_counter() - start)
            plain.append(imputer.transform(X_fit))
            if args.draws:
                drawn.append(np.mean(imputer.sample(X_fit, n_imputations=args.draws), axis=0))
        if args.fits:
            row |= {"single": rmse(plain[0], X, hide), "fit_seconds": round(float(np.mean(seconds)), 2)}
        if args.draws:
            row |= {"draws": rmse(drawn[0], X, hide), "half": rmse((plain[0] + drawn[0]) / 2, X, hide)}
        if args.fits > 1:
            row["ensemble"] = rmse(np.mean(plain, axis=0), X, hide)
            if args.draws:
                row["ensemble-draws"] = rmse(np.mean(drawn, axis=0), X, hide)
        if args.members:
            start = time.perf_counter()
            filled = AutoencoderImputer(n_members=args.members, random_state=seed).fit(X_fit).transform(X_fit)
            row |= {"members": rmse(filled, X, hide), "members_seconds": round(time.perf_counter() - start, 2)}
        start = time.perf_counter()
        forest = methods(quick=True, seed=seed, mnar=False)["missforest"]().fit_transform(X_fit)
        row |= {"missforest": rmse(forest, X, hide), "missforest_seconds": round(time.perf_counter() - start, 2)}
    print(" ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()), flush=True)
    return row


VARIANTS = ("single", "draws", "half", "ensemble", "ensemble-draws", "members", "missforest")


def markdown(rows: list[dict]) -> str:
    import pandas as pd

    frame = pd.DataFrame(rows)
    variants = [v for v in VARIANTS if v in frame]
    lines = ["| scenario | " + " | ".join(variants) + " |", "|---" * (len(variants) + 1) + "|"]
    for scenario, part in frame.groupby("scenario"):
        means = part.groupby("table")[variants].mean().mean()
        lines.append(f"| {scenario} | " + " | ".join(f"{means[v]:.4f}" for v in variants) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(QUICK_TABLES))
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=["mcar20", "mar30"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--hide", type=float, default=0.1, help="share of the observed cells hidden for scoring")
    parser.add_argument("--fits", type=int, default=2, help="0: no one-network variants")
    parser.add_argument("--draws", type=int, default=16, help="0: no 'draws' variants")
    parser.add_argument("--members", type=int, default=0, help="M > 0: the 'members' variant, n_members=M")
    parser.add_argument("--out", type=Path, default=RESULTS / "completion_selection.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rows = [run_case(name, load_table(name)[0], scenario, seed, args)
            for name in args.tables for scenario in args.scenarios for seed in args.seeds]
    print(markdown(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"argv": argv, "tables": args.tables, "seeds": args.seeds, "hide": args.hide,
                                    "fits": args.fits, "draws": args.draws, "members": args.members, "machine": "2-core shared CPU",
                                    "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                    "rows": rows}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
