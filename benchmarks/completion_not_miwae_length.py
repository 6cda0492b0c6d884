"""Does the not-MIWAE paper's training length close concrete's gap? (docs/benchmarks/completion.md)

The not-MIWAE protocol (``completion.py``'s mask: the first half of the columns
missing above their mean), concrete, one seed: ``AutoencoderImputer(missing="mnar")``
with its ``"auto"`` budget against the paper's, batches of 16 with no held-out rows
and no early stopping, for each number of batches given. RMSE on the masked cells
in z units, as completion.py measures it.

    python benchmarks/completion_not_miwae_length.py --batches 20000 100000   # 7 December: 1.568 / 1.635 / 1.612
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import torch

from completion import errors, load_table, not_miwae_mask


def fill(X_missing: np.ndarray, seed: int, self_masking: str, batches: int | None) -> np.ndarray:
    """The table filled by not-MIWAE: the "auto" budget (``batches`` None) or ``batches`` batches of 16."""
    from aekit import AutoencoderImputer

    budget = {}
    if batches is not None:
        epochs = int(np.ceil(batches / np.ceil(len(X_missing) / 16)))
        budget = dict(batch_size=16, max_epochs=epochs, patience=epochs, validation_fraction=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imputer = AutoencoderImputer(missing="mnar", self_masking=self_masking, random_state=seed, **budget)
        return imputer.fit(X_missing).transform(X_missing)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="concrete")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--self-masking", default="high", help="'high' is the paper's 'self-masking known'")
    parser.add_argument("--batches", type=int, nargs="*", default=[20000, 100000],
                        help="the paper's length is 100,000; the 'auto' budget always runs first")
    args = parser.parse_args()
    torch.set_num_threads(1)
    X, _ = load_table(args.table)
    mask = not_miwae_mask(X)
    X_missing = np.where(mask, np.nan, X)
    spread = X.max(0) - X.min(0)
    for batches in [None, *args.batches]:
        start = time.perf_counter()
        filled = fill(X_missing, args.seed, args.self_masking, batches)
        print(json.dumps({"table": args.table, "seed": args.seed, "self_masking": args.self_masking,
                          "batches": batches or "auto", **errors(filled, X, mask, spread),
                          "seconds": round(time.perf_counter() - start, 1)}), flush=True)


if __name__ == "__main__":
    main()
