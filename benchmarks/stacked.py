"""Stacked (denoising) autoencoders and mSDA, in the style of Vincent et al.
2010, Table 3, on full Fashion-MNIST and on mnist-5k.

Rows (test accuracy):
  (a) MLP of the same shape from random initialisation (pretrain=False)
  (b) stacked plain autoencoders, pretrained greedily, then fine-tuned
  (c) stacked denoising autoencoders (SdA-3, masking noise), then fine-tuned
  (d) frozen SdA features (pretraining only) + logistic regression
  (e) mSDA features + logistic regression
  (f) raw pixels + logistic regression
Targets on full Fashion-MNIST: (c) >= 0.895 (0.90 stretch).

Speed: mSDA fit time against an SGD-trained (Adam) single-layer denoising
autoencoder of the same width (d = 784 codes, same masking probability),
in the same run, and both linear-probe accuracies. Target: >= 50x faster,
probe within 1.5 points.

Logistic regression is aekit.evaluation.probe_accuracy (standardise, then
LogisticRegression(max_iter=1000)).

Run (full protocol, the default):
  .venv/bin/python benchmarks/stacked.py
A reduced run names what it reduced, e.g.
  .venv/bin/python benchmarks/stacked.py --pretrain-epochs 2 --epochs 8 --reduced "..."
Writes benchmarks/results/stacked.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

from aekit import (Autoencoder, MarginalizedDenoisingAutoencoder, StackedAutoencoder,
                   StackedAutoencoderClassifier)
from aekit.data import load_dataset
from aekit.evaluation import probe_accuracy

RESULTS = Path(__file__).parent / "results" / "stacked.json"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed_fit(estimator, *args):
    start = time.perf_counter()
    estimator.fit(*args)
    return estimator, time.perf_counter() - start


def stack_rows(d, args) -> dict:
    shared = dict(hidden=tuple(args.hidden), activation=args.activation, pretrain_epochs=args.pretrain_epochs,
                  max_epochs=args.epochs, patience=args.patience, batch_size=args.batch_size,
                  learning_rate=args.lr, random_state=args.seed, verbose=args.verbose)
    sda = dict(noise="masking", noise_level=args.noise_level)
    rows = {}
    for key, params in (("a_mlp_random_init", {"pretrain": False}), ("b_stacked_ae_finetuned", {}),
                        ("c_sda_finetuned", sda)):
        if key[0] not in args.rows:
            continue
        clf, seconds = timed_fit(StackedAutoencoderClassifier(**shared, **params), d.X_train, d.y_train)
        rows[key] = {"test_accuracy": float(clf.score(d.X_test, d.y_test)), "fit_seconds": seconds,
                     "fine_tune_epochs": clf.n_epochs_, "best_epoch": clf.best_epoch_}
        log(f"{d.name} {key}: {rows[key]}")
    if "d" not in args.rows:
        return rows
    frozen, seconds = timed_fit(StackedAutoencoder(**{**shared, **sda, "fine_tune": False}), d.X_train)
    accuracy = probe_accuracy(frozen.transform(d.X_train), d.y_train, frozen.transform(d.X_test), d.y_test)
    rows["d_frozen_sda_logreg"] = {"test_accuracy": accuracy, "fit_seconds": seconds}
    log(f"{d.name} d: {rows['d_frozen_sda_logreg']}")
    return rows


def msda_rows(d, args) -> dict:
    if "e" not in args.rows:
        return {}
    msda, seconds = timed_fit(MarginalizedDenoisingAutoencoder(n_layers=args.msda_layers, noise_level=args.noise_level,
                                                               output=args.msda_output), d.X_train)
    accuracy = probe_accuracy(msda.transform(d.X_train), d.y_train, msda.transform(d.X_test), d.y_test)
    rows = {"e_msda_logreg": {"test_accuracy": accuracy, "fit_seconds": seconds, "layers": args.msda_layers,
                              "output": args.msda_output}}
    log(f"{d.name} e: {rows['e_msda_logreg']}")
    rows["f_raw_pixels_logreg"] = {"test_accuracy": probe_accuracy(d.X_train, d.y_train, d.X_test, d.y_test)}
    log(f"{d.name} f: {rows['f_raw_pixels_logreg']}")
    return rows


def speed_comparison(d, args) -> dict:
    """One mDA layer (closed form) vs one SGD denoising layer of the same width."""
    width = d.X_train.shape[1]
    mda, mda_seconds = timed_fit(MarginalizedDenoisingAutoencoder(n_layers=1, noise_level=args.noise_level,
                                                                  output="top"), d.X_train)
    dae, dae_seconds = timed_fit(Autoencoder(latent_dim=width, hidden=(), latent_activation="tanh",
                                             noise="masking", noise_level=args.noise_level, max_epochs=args.dae_epochs,
                                             patience=args.patience, batch_size=args.batch_size,
                                             random_state=args.seed, verbose=args.verbose), d.X_train)
    probes = {name: probe_accuracy(m.transform(d.X_train), d.y_train, m.transform(d.X_test), d.y_test)
              for name, m in (("mda", mda), ("dae", dae))}
    result = {"width": width, "mda_fit_seconds": mda_seconds, "dae_fit_seconds": dae_seconds,
              "dae_epochs": dae.n_epochs_, "speedup": dae_seconds / mda_seconds,
              "mda_probe": probes["mda"], "dae_probe": probes["dae"],
              "probe_gap_points": 100 * (probes["dae"] - probes["mda"])}
    log(f"{d.name} speed: {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", nargs="+", default=["fashion-mnist", "mnist-5k"])
    parser.add_argument("--hidden", type=int, nargs="+", default=[1000, 1000, 1000],
                        help="layer sizes (Vincent et al.: 3 x 1000)")
    parser.add_argument("--activation", default="relu")
    parser.add_argument("--pretrain-epochs", type=int, default=15)
    parser.add_argument("--epochs", type=int, default=50, help="fine-tuning epochs (early stopping)")
    parser.add_argument("--dae-epochs", type=int, default=50)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--noise-level", type=float, default=0.25, help="masking probability (SdA and mSDA)")
    parser.add_argument("--msda-layers", type=int, default=3)
    parser.add_argument("--msda-output", default="concat", choices=["concat", "top"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--reduced", default="", help="say what this run reduced from the full protocol")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--rows", default="abcdes", help="which rows to run: letters a-e (e includes f), s = speed")
    parser.add_argument("--n-train", type=int, default=None, help="a random subset of training rows (reduced runs)")
    args = parser.parse_args()
    torch.manual_seed(args.seed)

    results = {"command": "python benchmarks/stacked.py " + " ".join(_argv()), "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
               "reduced": args.reduced or None, "machine": f"{platform.machine()} {platform.system()}, "
               f"torch threads {torch.get_num_threads()}", "date": time.strftime("%Y-%m-%d %H:%M %Z"),
               "datasets": {}}
    for name in args.data:
        d = load_dataset(name, random_state=args.seed)
        if args.n_train and args.n_train < len(d.X_train):
            d = d.subsample(args.n_train, None, random_state=args.seed)
        log(f"{name}: {len(d.X_train)} train / {len(d.X_test)} test")
        results["datasets"][name] = {"rows": {**stack_rows(d, args), **msda_rows(d, args)},
                                     "speed": speed_comparison(d, args) if "s" in args.rows else None}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, default=str))  # after each dataset, so a long run keeps its part
    print(markdown(results))


def _argv() -> list[str]:
    import sys
    return sys.argv[1:]


def markdown(results: dict) -> str:
    lines = []
    for name, part in results["datasets"].items():
        lines += [f"### {name}", "", "| row | test accuracy | fit seconds |", "|---|---:|---:|"]
        for row, values in part["rows"].items():
            seconds = values.get("fit_seconds")
            lines.append(f"| {row} | {values['test_accuracy']:.4f} | {'' if seconds is None else f'{seconds:.1f}'} |")
        s = part["speed"]
        if s is None:
            continue
        lines += ["", f"mDA {s['mda_fit_seconds']:.2f} s vs DAE {s['dae_fit_seconds']:.1f} s: {s['speedup']:.0f}x; "
                      f"probe mDA {s['mda_probe']:.4f} vs DAE {s['dae_probe']:.4f}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
