"""Stacked (denoising) autoencoders and mSDA, in the style of Vincent et al.
2010, Table 3, on full Fashion-MNIST and on mnist-5k.

Rows (test accuracy):
  (a) MLP of the same shape from random initialisation (pretrain=False)
  (b) stacked plain autoencoders, pretrained greedily, then fine-tuned
  (c) stacked denoising autoencoders (SdA-3, masking noise), then fine-tuned
  (d) frozen SdA features (pretraining only) + logistic regression
  (e) mSDA features + logistic regression
  (f) raw pixels + logistic regression
Targets on full Fashion-MNIST: (c) >= 0.90, mean of 2 seeds (issue 22; 0.895 before).

Speed: the fit time of one mDA layer (closed form) against that of an
SGD-trained (Adam) single-layer denoising autoencoder of the same width
(d = 784 tanh codes, same masking probability), in the same process, the DAE
charged for the time it takes to reach its best linear-probe accuracy: it is
trained in increments to each epoch of --dae-probe-epochs (resuming its last
checkpoint) and probed after each, which finds its best epoch by the probe's validation accuracy
(on its split of the training codes, never the test accuracy; before 2026-12-06 the test
accuracy chose it); its time is then
that of one fresh, uninterrupted fit (same seed) to that epoch, probe time
excluded. The mDA time is the median of --mda-repeats fits. The speed probe trains on a fixed
random subset of --speed-probe-rows training codes (the same for mDA and DAE).
Target: >= 50x faster, probe within 1.5 points.

Logistic regression is aekit.evaluation.probe_accuracy / linear_probe (standardise, then
LogisticRegression(max_iter=5000) with C chosen from (0.01, 0.1, 1) on a stratified 20%
validation split of the training codes, then refitted on all of them; before 2026-12-06 it was
C=1, max_iter=1000, which stopped unconverged on 784-wide codes of 60k rows).

Run (full protocol, the default):
  .venv/bin/python benchmarks/stacked.py
A reduced run names what it reduced, e.g.
  .venv/bin/python benchmarks/stacked.py --pretrain-epochs 2 --epochs 8 --reduced "..."
Hyperparameter search (issue 22), never on the test set: --validation N holds out N training
images (stratified by class, seeded by --seed), trains on the rest and scores the held-out ones;
the test images are dropped before any fit, and the results say "validation_accuracy" and
"source": "validation ..." instead of test figures. Several --dropout values share one pretraining, e.g.
  .venv/bin/python benchmarks/stacked.py --data fashion-mnist --rows c --validation 10000 --dropout 0 0.2 0.3 0.5
Writes benchmarks/results/stacked.json (rewritten after every row) and prints
a markdown table. A run split over processes (--data/--rows/--out per part)
is combined with --merge PART.json ... --out benchmarks/results/stacked.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import shutil
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from aekit import (Autoencoder, MarginalizedDenoisingAutoencoder, StackedAutoencoder,
                   StackedAutoencoderClassifier)
from aekit.data import load_dataset
from aekit.evaluation import linear_probe

RESULTS = Path(__file__).parent / "results" / "stacked.json"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed_fit(estimator, *args):
    start = time.perf_counter()
    estimator.fit(*args)
    return estimator, time.perf_counter() - start


def stack_rows(d, args, record) -> None:
    """Rows (a)-(d). (d)'s pretraining runs before (c) and leaves its pretraining checkpoints for (c) to
    resume: (d) is (c)'s pretraining without fine-tuning, and this computes it once (the
    resumed fit gives the same model as a fresh one; tests/test_stacked_resume.py)."""
    # the papers' networks and split: no linear path beside the stack (the classifier's default since the
    # defaults benchmark, docs/benchmarks/defaults.md), a tenth of the training rows for early stopping
    shared = dict(hidden=tuple(args.hidden), activation=args.activation, pretrain_epochs=args.pretrain_epochs,
                  max_epochs=args.epochs, patience=args.patience, batch_size=args.batch_size,
                  learning_rate=args.lr, random_state=args.seed, verbose=args.verbose, linear_path=False,
                  validation_fraction=0.1)
    # rows off the protocol's network are kept apart by their names
    width = "" if args.hidden == [500, 500, 500] else "_hidden" + "x".join(map(str, args.hidden))
    sda = dict(noise="masking", noise_level=args.noise_level)
    with tempfile.TemporaryDirectory() as folder:
        pretrained, frozen_seconds = None, None
        # (c) at several dropouts: one pretraining (dropout acts in fine-tuning only), resumed by each
        if "d" in args.rows or ("c" in args.rows and len(args.dropout) > 1):
            pretrained = Path(folder) / "pretrained"
            frozen, frozen_seconds = timed_fit(StackedAutoencoder(**shared, **sda, fine_tune=False,
                                                                  checkpoint_dir=str(pretrained)), d.X_train)
            log(f"{d.name} shared SdA pretraining {tuple(args.hidden)}: {frozen_seconds:.1f} s")
        for dropout in args.dropout:
            suffix = width + (f"_dropout{dropout:g}" if dropout else "")  # kept apart from the protocol's rows
            for key, params in (("a_mlp_random_init", {"pretrain": False}), ("b_stacked_ae_finetuned", {}),
                                ("c_sda_finetuned", dict(sda))):
                if key[0] not in args.rows:
                    continue
                if key[0] == "c" and pretrained is not None:
                    for leftover in pretrained.iterdir():  # the last dropout's fine-tuning files, not the pretraining
                        if not leftover.name.startswith("pretrain-layer"):
                            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
                    params.update(checkpoint_dir=str(pretrained), resume=True)
                clf, seconds = timed_fit(StackedAutoencoderClassifier(**shared, dropout=dropout, **params),
                                         d.X_train, d.y_train)
                record(key + suffix, {"test_accuracy": float(clf.score(d.X_test, d.y_test)), "fit_seconds": seconds,
                                      "pretraining_resumed_from_d": bool(params.get("resume")),
                                      "shared_pretraining_seconds": frozen_seconds if params.get("resume") else None,
                                      "hidden": list(args.hidden), "dropout": dropout,
                                      "fine_tune_epochs": clf.n_epochs_, "best_epoch": clf.best_epoch_})
    if "d" in args.rows:  # probed last: the slow logistic regression waits for the fine-tuned rows
        record("d_frozen_sda_logreg", {**probed(frozen.transform(d.X_train), d.y_train, frozen.transform(d.X_test),
                                                d.y_test, args.seed), "fit_seconds": frozen_seconds})


def probed(Z_train, y_train, Z_test, y_test, seed: int) -> dict:
    """Rows (d)-(f)'s logistic regression: :func:`aekit.evaluation.linear_probe` (what
    ``probe_accuracy`` fits), with its choice of C, validation scores, lbfgs iterations and time."""
    start = time.perf_counter()
    fitted = linear_probe(Z_train, y_train, random_state=seed)
    accuracy = float(fitted.score(Z_test, y_test))
    return {"test_accuracy": accuracy, "probe": "linear_probe (C chosen on a 20% validation split, max_iter 5000)",
            "probe_C": fitted.C, "probe_validation_scores": fitted.validation_scores,
            "probe_lbfgs_iterations": fitted.n_iter, "probe_seconds": time.perf_counter() - start}


def msda_rows(d, args, record) -> None:
    if "e" not in args.rows:
        return
    # (f) first: its probe (784 columns) is cheaper than (e)'s on the wider concatenated codes
    record("f_raw_pixels_logreg", probed(d.X_train, d.y_train, d.X_test, d.y_test, args.seed))
    msda, seconds = timed_fit(MarginalizedDenoisingAutoencoder(n_layers=args.msda_layers, noise_level=args.noise_level,
                                                               output=args.msda_output), d.X_train)
    record("e_msda_logreg", {**probed(msda.transform(d.X_train), d.y_train, msda.transform(d.X_test), d.y_test,
                                      args.seed),
                             "fit_seconds": seconds, "layers": args.msda_layers, "output": args.msda_output})


def speed_probe(d, args):
    """The speed comparison's probe: :func:`aekit.evaluation.linear_probe` (C chosen on a
    validation split of its training codes) trained on a fixed random subset of
    ``--speed-probe-rows`` training codes (all of them if fewer), tested on the whole test set.
    The same rows for the mDA and every DAE epoch; a smaller training set only makes the
    many probes of the DAE's curve affordable (each full 60k probe takes minutes on one core).
    Returns a function of the model giving (test accuracy, the probe's C and validation scores)."""
    n = len(d.X_train)
    rows = np.sort(np.random.default_rng(args.seed).permutation(n)[:args.speed_probe_rows])

    def probe(model) -> tuple[float, dict]:
        fitted = linear_probe(model.transform(d.X_train[rows]), d.y_train[rows], random_state=args.seed)
        return fitted.score(model.transform(d.X_test), d.y_test), {
            "C": fitted.C, "validation_scores": fitted.validation_scores, "lbfgs_iterations": fitted.n_iter}
    return probe


def validation_accuracy(point: dict) -> float:
    """A probed point's best validation accuracy over the probe's choices of C."""
    return max(point["probe_search"]["validation_scores"].values())


def dae_settings(args, width: int) -> dict:
    """The speed comparison's SGD (Adam) denoising AE: one tanh layer of the given width."""
    return dict(latent_dim=width, hidden=(), latent_activation="tanh", noise="masking",
                noise_level=args.noise_level, patience=args.patience, batch_size=args.batch_size,
                random_state=args.seed, verbose=args.verbose)


def dae_probe_curve(d, args, width: int, probe) -> list[dict]:
    """Where the DAE's probe accuracy is best: the DAE trained in increments up to each epoch of
    ``--dae-probe-epochs`` (each increment resumes the last checkpoint; early stopping as usual)
    and probed after each. Returns the points (epoch, training seconds so far, probe accuracy);
    these times include the increments' restarts and checkpoints, so they only locate the best
    epoch, whose time :func:`speed_comparison` measures with a fresh fit."""
    schedule = sorted({e for e in args.dae_probe_epochs if e <= args.dae_epochs} | {args.dae_epochs})
    points, elapsed = [], 0.0
    with tempfile.TemporaryDirectory() as folder:
        dae = Autoencoder(**dae_settings(args, width), max_epochs=schedule[0], checkpoint_dir=folder)
        for k, epochs in enumerate(schedule):
            dae.set_params(max_epochs=epochs, resume=k > 0)
            _, seconds = timed_fit(dae, d.X_train)
            elapsed += seconds
            accuracy, search = probe(dae)
            points.append({"epoch": dae.n_epochs_, "cumulative_fit_seconds": elapsed, "probe": accuracy,
                           "probe_search": search})
            log(f"{d.name} DAE: {points[-1]}")
            if dae.n_epochs_ < epochs:  # stopped early
                break
    return points


def speed_comparison(d, args) -> dict:
    """One mDA layer (closed form) vs one SGD denoising layer of the same width, the DAE
    charged for one uninterrupted fit (same seed, no checkpoints) to the probed epoch where
    its probe accuracy is best; probing time is never counted."""
    width = d.X_train.shape[1]
    probe = speed_probe(d, args)
    mda_fits = [timed_fit(MarginalizedDenoisingAutoencoder(n_layers=1, noise_level=args.noise_level,
                                                           output="top"), d.X_train) for _ in range(args.mda_repeats)]
    mda, mda_seconds = mda_fits[0][0], float(np.median([seconds for _, seconds in mda_fits]))
    mda_probe, mda_search = probe(mda)
    log(f"{d.name} mDA: {mda_seconds:.2f} s (median of {len(mda_fits)}), probe {mda_probe:.4f}")
    curve = dae_probe_curve(d, args, width, probe)
    # The best epoch by the probe's *validation* accuracy (its split of the training codes), never
    # by the test accuracy the comparison reports; the earliest of equal bests.
    best = max(curve, key=validation_accuracy)
    dae, dae_seconds = timed_fit(Autoencoder(**dae_settings(args, width), max_epochs=best["epoch"]), d.X_train)
    dae_probe, dae_search = probe(dae)
    log(f"{d.name} DAE fresh fit to epoch {best['epoch']}: {dae_seconds:.2f} s, probe {dae_probe:.4f}")
    return {"width": width, "probe_training_rows": min(args.speed_probe_rows, len(d.X_train)),
            "mda_fit_seconds": mda_seconds, "mda_fit_seconds_each": [seconds for _, seconds in mda_fits],
            "mda_probe": mda_probe, "mda_probe_search": mda_search, "dae_curve": curve,
            "dae_best_epoch": best["epoch"], "dae_fit_seconds": dae_seconds, "dae_probe": dae_probe,
            "dae_probe_search": dae_search,
            "speedup": dae_seconds / mda_seconds, "probe_gap_points": 100 * (dae_probe - mda_probe)}


class Results:
    """The results file, rewritten after every row so that a long run keeps what it has done."""

    def __init__(self, path: Path, header: dict):
        self.path, self.data = path, {**header, "datasets": {}}

    def record(self, dataset: str, key: str, value) -> None:
        part = self.data["datasets"].setdefault(dataset, {"rows": {}, "speed": None})
        if self.data.get("validation"):  # never a figure that reads as a test one
            value = {("validation_accuracy" if k == "test_accuracy" else k): v for k, v in value.items()}
        if key == "speed":
            part["speed"] = value
        else:
            part["rows"][key] = value
        log(f"{dataset} {key}: {value}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.data, indent=2, default=str))


def merge(paths: list[Path], out: Path) -> dict:
    """One results file from the parts of a run split over several processes."""
    parts = [json.loads(p.read_text()) for p in paths]
    merged = {**parts[0], "command": [p["command"] for p in parts], "date": [p["date"] for p in parts],
              "datasets": {}}
    for part in parts:
        for name, values in part["datasets"].items():
            target = merged["datasets"].setdefault(name, {"rows": {}, "speed": None})
            target["rows"].update(values["rows"])
            target["speed"] = values["speed"] or target["speed"]
    for part in merged["datasets"].values():
        part["rows"] = dict(sorted(part["rows"].items()))
    out.write_text(json.dumps(merged, indent=2, default=str))
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", nargs="+", default=["fashion-mnist", "mnist-5k"])
    parser.add_argument("--hidden", type=int, nargs="+", default=[500, 500, 500],
                        help="layer sizes (Vincent et al. 2010 also use 3 x 1000)")
    parser.add_argument("--activation", default="relu")
    parser.add_argument("--pretrain-epochs", type=int, default=15)
    parser.add_argument("--epochs", type=int, default=50, help="fine-tuning epochs (early stopping)")
    parser.add_argument("--dae-epochs", type=int, default=50)
    parser.add_argument("--dae-probe-epochs", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32],
                        help="epochs after which the speed comparison's DAE is probed (and --dae-epochs)")
    parser.add_argument("--speed-probe-rows", type=int, default=10000,
                        help="training rows of the speed comparison's probe (a fixed random subset)")
    parser.add_argument("--mda-repeats", type=int, default=3,
                        help="fits of the speed comparison's mDA layer; its time is their median")
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--noise-level", type=float, default=0.25, help="masking probability (SdA and mSDA)")
    parser.add_argument("--dropout", type=float, nargs="+", default=[0.0],
                        help="dropout of every layer's codes in the fine-tuning of rows (a)-(c) (not in the "
                             "protocol; its rows are named with a _dropout suffix); several values share (c)'s "
                             "pretraining")
    parser.add_argument("--validation", type=int, default=0,
                        help="hold out this many training images (stratified, seeded by --seed) and score them "
                             "instead of the test set, which is then never used (hyperparameter search)")
    parser.add_argument("--note", default="", help="free text kept in the results file (e.g. a search's rule)")
    parser.add_argument("--msda-layers", type=int, default=3)
    parser.add_argument("--msda-output", default="concat", choices=["concat", "top"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--reduced", default="", help="say what this run reduced from the full protocol")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--rows", default="abcdes", help="which rows to run: letters a-e (e includes f), s = speed")
    parser.add_argument("--n-train", type=int, default=None, help="a random subset of training rows (reduced runs)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (BLAS follows OMP_NUM_THREADS)")
    parser.add_argument("--merge", type=Path, nargs="+", default=None,
                        help="only merge these part files (of one run split over processes) into --out")
    args = parser.parse_args()
    if args.validation and "s" in args.rows:
        parser.error("--validation is for rows a-e; the speed comparison (s) reports test probes")
    if args.merge:
        print(markdown(merge(args.merge, args.out)))
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    results = Results(args.out, {
        "command": "python benchmarks/stacked.py " + " ".join(_argv()),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "reduced": args.reduced or None, "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "validation": bool(args.validation), "note": args.note or None,
        "source": (f"VALIDATION: {args.validation} training images held out (stratified by class, seed {args.seed}); "
                   "the models train on the rest; the test set is never used; these are not test figures"
                   if args.validation else "the dataset's test set"),
        "machine": f"{platform.machine()} {platform.system()}, torch threads {torch.get_num_threads()}"})
    for name in args.data:
        d = load_dataset(name, random_state=args.seed)
        if args.n_train and args.n_train < len(d.X_train):
            d = d.subsample(args.n_train, None, random_state=args.seed)
        if args.validation:
            d = validation_split(d, args.validation, args.seed)
            results.data.setdefault("evaluation_rows", {})[name] = {"train": len(d.X_train), "validation": len(d.X_test)}
        log(f"{name}: {len(d.X_train)} train / {len(d.X_test)} {'validation' if args.validation else 'test'}")
        record = functools.partial(results.record, name)
        stack_rows(d, args, record)
        msda_rows(d, args, record)
        if "s" in args.rows:
            record("speed", speed_comparison(d, args))
    print(markdown(results.data))


def validation_split(d, n: int, seed: int):
    """The dataset with its test part dropped and ``n`` of its training rows (stratified by class,
    seeded) in its place: every row scored is then a held-out training image."""
    from sklearn.model_selection import train_test_split

    X_train, X_val, y_train, y_val = train_test_split(d.X_train, d.y_train, test_size=n, random_state=seed,
                                                      stratify=d.y_train)
    return dataclasses.replace(d, X_train=X_train, y_train=y_train, X_test=X_val, y_test=y_val)


def _argv() -> list[str]:
    import sys
    return sys.argv[1:]


def markdown(results: dict) -> str:
    lines = [f"source: {results['source']}", ""] if results.get("validation") else []
    measure = "validation_accuracy" if results.get("validation") else "test_accuracy"
    for name, part in results["datasets"].items():
        lines += [f"### {name}", "", f"| row | {measure.replace('_', ' ')} | fit seconds |", "|---|---:|---:|"]
        for row, values in part["rows"].items():
            seconds = values.get("fit_seconds")
            lines.append(f"| {row} | {values[measure]:.4f} | {'' if seconds is None else f'{seconds:.1f}'} |")
        s = part["speed"]
        if s is None:
            continue
        lines += ["", f"mDA {s['mda_fit_seconds']:.2f} s vs DAE {s['dae_fit_seconds']:.1f} s to its best probe "
                      f"(epoch {s['dae_best_epoch']}): {s['speedup']:.0f}x; probe mDA {s['mda_probe']:.4f} vs "
                      f"DAE {s['dae_probe']:.4f} (gap {s['probe_gap_points']:.2f} points)", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
