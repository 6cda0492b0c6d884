"""Convolutional autoencoder and VAE on full Fashion-MNIST (or MNIST).

Figures (all in one process, one seed):

1. ConvAE, code size 32: test MSE / PCA-32 test MSE (target <= 0.50) and
   linear-probe accuracy on its codes (target >= 0.86), beside the dense
   784-256-32 autoencoder and PCA-32.
2. VAE, dense and conv: test ELBO and importance-sampled log-likelihood
   (Burda et al. 2016, k = ``--ll-samples``), in nats, with the protocol:
   Bernoulli likelihood, training images dynamically binarised (a fresh
   x ~ Bernoulli(pixel) every batch), test images binarised once with
   ``--seed`` (the same binary test set for both models), official
   train/test split, 10% of train held out for early stopping.
3. Fit time per epoch of each model as a ratio to the dense AE's.
4. ``--sections sampling``: generation compared (issue 11). A plain AE with
   a full-covariance Gaussian fitted to its training codes, a VAE, a
   conditional VAE, an AAE (Gaussian prior) and a class-mixture AAE, all
   dense with the same layers and code size, trained on the same rows. Each
   draws as many samples as there are test images; the Fréchet distance to
   the test images is measured in the hidden features of one classifier
   trained on the real training images (aekit.evaluation.SampleQualityScorer;
   ``--scorer cnn``, the default, or ``mlp``; its own test accuracy is reported),
   next to two references: the real training images themselves (the floor)
   and the test images with Gaussian noise. For the class-conditional models
   the classifier's accuracy on samples asked for class by class (per class
   and mean; target for the CVAE: mean >= 0.90). The side-by-side sample
   grid is written to docs/benchmarks/generative_samples.png by the run
   that writes generative-sampling.json and by --merge; any other run
   (a subset, --validation, another --out) draws it beside its results.

5. ``--sections adversarial``: the VAE-GAN against a plain GAN with the same
   generator and discriminator and against the VAE, CVAE and AAE (issue 25),
   on each of ``--datasets`` (MNIST-5k and full Fashion-MNIST by default) with
   ``--seeds`` (0,1,2). All models dense with the same layers (784-256-16,
   discriminators 784-256-1), ``--adv-epochs`` epochs (no early stopping), batch 64.
   Per seed and model: the Fréchet distance between the test images and
   ``--adv-samples`` (10,000) unconditional samples in the features of one CNN
   scorer per data set (SampleQualityScorer); mode coverage: the scorer's classes
   of those samples, the share of the classes found (a class is found with at
   least a tenth of its uniform share of the samples), the entropy of the class
   histogram over log(K) (1: uniform); collapsed (coverage below half the
   classes) and diverged (the divergence guard fired, or non-finite samples)
   seeds; test reconstruction MSE of the models with an encoder. Stability: FD
   spread (sample standard deviation and range) over the seeds. The CVAE's
   unconditional samples take the classes in turn, so its coverage is given,
   not learned. Grid: seed 0's samples of every model, one block per data set,
   in docs/benchmarks/generative_adversarial_samples-<datasets>[-reduced].png.

``--data mnist`` follows Burda et al.'s 1-stochastic-layer setting for the
dense VAE (784-200-200-50, tanh, dynamic binarisation), where they report
-86.76 nats (k = 5000). It needs MNIST, a download (aekit.data, pinned hashes).

Run:  python benchmarks/generative.py [--data fashion-mnist] [--epochs 20] [--vae-epochs 50]
      [--ll-samples 1000] [--ll-rows 10000] [--seed 0] [--sections autoencoders,vaes]
      [--conv-batch-norm both] [--conv-masking P] [--vae-models dense,conv] [--out FILE.json]
      (REDUCED, labelled in the results: [--conv-vae-epochs N] [--conv-ll-rows N] [--n-train N])
      python benchmarks/generative.py --sections sampling [--gen-epochs 30] [--gen-hidden 512,256]
      [--gen-latent 16] [--scorer cnn] [--scorer-epochs 10] [--models cvae,aae]
      python benchmarks/generative.py --sections sampling --merge A.json,B.json   (runs of other models)
      python benchmarks/generative.py --sections sampling --validation 10000 --models none
      --cvae-variants '[{"beta": 1}, {"beta": 2}]' --seed 1   (selection on training images only: the
      stated rule's pick is in the results; measure it then on the test images at another seed)
      python benchmarks/generative.py --sections autoencoders --validation 10000 --conv-batch-norm off
      --conv-variants '[{}, {"noise": "masking", "noise_level": 0.1}]'   (ConvAE configs searched on training
      images only: generative-validation.json names the stated rule's pick; measure it then on the test images)
      python benchmarks/generative.py --sections sampling --models "cvae (defaults)" --seed 2
      --out generative-sampling-cvae-defaults-seed2.json   (ConditionalVAE() at all its defaults)
      python benchmarks/generative.py --sections adversarial [--datasets mnist-5k,fashion-mnist] [--seeds 0,1,2]
      [--adv-epochs 30] [--adv-samples 10000] [--adv-models vae,cvae,aae,vae-gan,gan]
      (REDUCED, labelled in the results: [--n-train N] (each data set's training rows))
      ... --continue: a stopped run (the same command) goes on: its runs are kept, the others run
Writes benchmarks/results/generative[-mnist].json (sections autoencoders, vaes) or
benchmarks/results/generative-sampling[-mnist].json (section sampling) or
benchmarks/results/generative-adversarial-<datasets>[-reduced].json (section adversarial, e.g.
generative-adversarial-mnist-5k.json) and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from aekit import VAE, VAEGAN, AdversarialAutoencoder, Autoencoder, ConditionalVAE, ConvAutoencoder
from aekit.data import load_dataset
from aekit.evaluation import SampleQualityScorer, pca_baseline, probe_accuracy
from aekit.exceptions import TrainingDivergedError, TrainingDivergedWarning
from aekit.models import MODEL_FAMILIES
from aekit.models.vaegan import GANModel
from aekit.viz import plot_image_rows

RESULTS = Path(__file__).parent / "results"
# Burda et al. 2016, 1 stochastic layer: two deterministic layers of 200 tanh units, 50 latent units.
BURDA = dict(hidden=(200, 200), latent_dim=50, activation="tanh")


def timed_fit(estimator, X_train, y_train=None) -> dict:
    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return {"fit_seconds": seconds, "epochs_run": estimator.n_epochs_, "best_epoch": estimator.best_epoch_,
            "seconds_per_epoch": seconds / estimator.n_epochs_}


DENSE_AE = "dense-ae 784-256-32"
REFERENCE_EPOCHS = 3  # epochs of the dense AE timed as the reference when the autoencoders section is not run


def dense_ae(args, epochs: int | None = None) -> Autoencoder:
    """The reference of the fit-time ratios (and the dense baseline of the ConvAE)."""
    epochs = epochs or args.epochs
    return Autoencoder(latent_dim=32, hidden=(256,), max_epochs=epochs, batch_size=args.batch_size,
                       patience=epochs, random_state=args.seed)


def conv_autoencoders(args, image_shape) -> dict:
    """The ConvAE rows by name: ``--conv-variants`` (each a change of the base config set by --channels,
    --epochs, --batch-size, --seed; ``{}`` is the base itself), or else the --conv-batch-norm /
    --conv-masking rows."""
    base = dict(latent_dim=32, channels=args.channels, image_shape=image_shape, max_epochs=args.epochs,
                batch_size=args.batch_size, patience=args.epochs, random_state=args.seed)
    prefix = f"conv-ae {'-'.join(map(str, args.channels))}-32"
    variants = json.loads(args.conv_variants)
    if variants:
        return {prefix + ("" if not changes else " (" + ", ".join(f"{k}={v}" for k, v in changes.items()) + ")"):
                ConvAutoencoder(**{**base, **{k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}})
                for changes in variants}
    models = {}
    for batch_norm in {"off": [False], "on": [True], "both": [False, True]}[args.conv_batch_norm]:
        name = f"{prefix}{' batch-norm' if batch_norm else ''}"
        denoising = {}
        if args.conv_masking:  # denoising: a share of the input pixels set to 0, the clean image the target
            name += f" masking {args.conv_masking}"
            denoising = dict(noise="masking", noise_level=args.conv_masking)
        models[name] = ConvAutoencoder(**{**base, "batch_norm": batch_norm, **denoising})
    return models


def autoencoders(data, args, rows: dict, save) -> dict:
    """PCA-32, the dense 784-256-32 AE and the ConvAE-32: MSE ratio, probe, time.
    ``rows`` fills as it goes; ``save()`` writes the results so far after each model.
    With ``--validation`` (a search): the ConvAE rows only, scored on the held-out training images,
    under keys that say "validation"; the dense AE (no candidate) is left out."""
    X_train, X_test, y_train, y_test = data.X_train, data.X_test, data.y_train, data.y_test
    held = held_out_name(data)
    key = (lambda k: k) if held == "test" else (lambda k: f"validation_{k}")  # test keys as they always were
    mse_key = f"{held}_mse"
    pca = pca_baseline(X_train, X_test, 32, random_state=args.seed)
    pca_mse = float(np.mean((pca["X_test_rec"] - X_test) ** 2))
    rows["pca-32"] = {mse_key: pca_mse, key("mse_ratio_to_pca"): 1.0,
                      key("linear_probe"): probe(pca["Z_train"], y_train, pca["Z_test"], y_test, args.seed)}
    models = {} if held == "validation" else {DENSE_AE: dense_ae(args)}
    models.update(conv_autoencoders(args, data.image_shape))
    for name, model in models.items():
        row = timed_fit(model, X_train)
        mse = float(np.mean((model.reconstruct(X_test) - X_test) ** 2))
        row.update({mse_key: mse, key("mse_ratio_to_pca"): mse / pca_mse,
                    key("linear_probe"): probe(model.transform(X_train), y_train, model.transform(X_test), y_test,
                                               args.seed)})
        rows[name] = row
        save()
        print(f"{name}: {held} MSE/PCA {row[key('mse_ratio_to_pca')]:.3f}, {held} probe "
              f"{row[key('linear_probe')]:.4f}, {row['seconds_per_epoch']:.1f} s/epoch, {row['epochs_run']} epochs",
              flush=True)
    return rows


def probe(Z_train, y_train, Z_test, y_test, seed: int) -> float:
    """code_quality's linear probe (the same call), without its k-NN and silhouette, which nothing here reads."""
    return probe_accuracy(Z_train, y_train, Z_test, y_test, "linear", seed)


def vaes(data, args, rows: dict, save) -> dict:
    """Dense and conv VAE: test ELBO (all test images) and IS log-likelihood (``--ll-rows``,
    ``--conv-ll-rows`` for the conv VAE: all test images, or a fixed random subset) on a
    statically binarised test set, each with its standard error over images."""
    rng = np.random.default_rng(args.seed)
    X_test = (rng.random(data.X_test.shape) < data.X_test).astype(np.float32)
    dense = BURDA if args.data == "mnist" else dict(hidden=(256,), latent_dim=32, activation="relu")
    common = dict(likelihood="bernoulli", dynamic_binarization=True, scaling="none", max_epochs=args.vae_epochs,
                  batch_size=args.batch_size, patience=10, random_state=args.seed)
    models = {
        f"vae dense {'-'.join(map(str, dense['hidden']))}-{dense['latent_dim']} {dense['activation']}": VAE(
            architecture="dense", **dense, **common),
        f"vae conv {'-'.join(map(str, args.channels))}-32": VAE(
            architecture="conv", channels=args.channels, latent_dim=32, image_shape=data.image_shape,
            **{**common, "max_epochs": args.conv_vae_epochs or args.vae_epochs}),
    }
    for name, model in models.items():
        if name.split()[1] not in args.vae_models:
            continue
        row = rows[name] = timed_fit(model, data.X_train)
        elbo = model.elbo(X_test, n_samples=1)
        n_ll = args.conv_ll_rows if args.conv_ll_rows and name.startswith("vae conv") else args.ll_rows
        ll_rows = likelihood_rows(len(X_test), n_ll, args.seed)
        row.update(test_elbo_nats=float(elbo.mean()), test_elbo_se=standard_error(elbo), test_elbo_rows=len(X_test),
                   log_likelihood_rows=len(ll_rows),
                   log_likelihood_subset="all test images" if len(ll_rows) == len(X_test) else
                   f"a fixed random subset of {len(ll_rows)} test images (seed {args.seed}, without replacement)")
        save()
        start = time.perf_counter()
        log_p = model.log_likelihood(X_test[ll_rows], n_samples=args.ll_samples)
        row.update(test_log_likelihood_nats=float(log_p.mean()), test_log_likelihood_se=standard_error(log_p),
                   log_likelihood_seconds=time.perf_counter() - start,
                   test_elbo_nats_same_rows=float(elbo[ll_rows].mean()))
        save()
        print(f"{name}: test ELBO {row['test_elbo_nats']:.2f}, log p(x) (k={args.ll_samples}) "
              f"{row['test_log_likelihood_nats']:.2f} nats, {row['seconds_per_epoch']:.1f} s/epoch", flush=True)
    return rows


def likelihood_rows(n_test: int, n: int, seed: int) -> np.ndarray:
    """All test rows, or a fixed random subset of ``n`` of them (sorted), drawn with ``seed``."""
    if n >= n_test:
        return np.arange(n_test)
    return np.sort(np.random.default_rng(seed).choice(n_test, n, replace=False))


def standard_error(values: np.ndarray) -> float:
    """Standard error of the mean over test images."""
    return float(values.std(ddof=1) / np.sqrt(len(values)))


# ConditionalVAE() as a user gets it (issue 22: the CVAE target is on the shipped default): every parameter at
# its default, the seed alone set; not the section's shared 784-512-256-16 / 30-epoch network and budget.
# Its scaling "auto" picks min-max for these [0, 1] images, as the other models' explicit scaling="minmax".
DEFAULTS_CVAE = "cvae (defaults)"


def generators(args) -> dict:
    """The models compared in the sampling section: same dense layers, code size and budget."""
    common = dict(latent_dim=args.gen_latent, hidden=args.gen_hidden, max_epochs=args.gen_epochs,
                  batch_size=args.batch_size, patience=args.gen_epochs, random_state=args.seed)
    common["scaling"] = "minmax"  # images in [0, 1]: sigmoid outputs, Bernoulli likelihood
    models = {"ae + gaussian": Autoencoder(**common),
              "vae": VAE(**common),
              "cvae": ConditionalVAE(**common),
              "aae": AdversarialAutoencoder(**common),
              "aae-mixture": AdversarialAutoencoder(**common, prior="mixture")}
    if args.models:  # in the order asked for (the most wanted first: results are saved model by model)
        if DEFAULTS_CVAE in args.models:  # only when named: not one of the full protocol's models
            models[DEFAULTS_CVAE] = ConditionalVAE(random_state=args.seed)
        models = {name: models[name] for name in args.models if name in models}
    for changes in json.loads(args.cvae_variants):  # attempts at the CVAE's class-accuracy target
        name = "cvae (" + ", ".join(f"{k}={v}" for k, v in changes.items()) + ")"
        conv = {"image_shape": args.image_shape} if changes.get("architecture") == "conv" else {}
        models[name] = ConditionalVAE(**{**common, **conv, **changes})
    return models


def code_diagnostics(model, X_test, y_test) -> dict:
    """How well an AAE's test codes match its prior: Gaussian, |mean| and |cov - I|_F;
    class mixture, the share of codes nearest to their own class's component."""
    Z = model.transform(X_test)
    if model.prior == "gaussian":
        return {"code_mean_norm": float(np.linalg.norm(Z.mean(axis=0))),
                "code_cov_minus_identity_fro": float(np.linalg.norm(np.cov(Z, rowvar=False) - np.eye(Z.shape[1])))}
    means = model.model_.component_means().numpy()
    nearest = ((Z[:, None, :] - means[None]) ** 2).sum(axis=2).argmin(axis=1)
    return {"codes_in_own_class_component": float(np.mean(model.classes_[nearest] == y_test))}


def fit_scorer(data, args) -> tuple[SampleQualityScorer, dict]:
    """The one classifier every model's samples are scored with, and its own accuracy on the held-out images
    (the test images; in --validation's selection mode the validation images, and the key says which)."""
    start = time.perf_counter()
    scorer = SampleQualityScorer(args.scorer, max_iter=args.scorer_epochs, image_shape=data.image_shape,
                                 random_state=args.seed).fit(data.X_train, data.y_train)
    kind = ("CNN: conv blocks (32, 64), stride 2, batch norm, dense (256, 128), dropout 0.3; Adam, early "
            "stopping on 10% of train (patience 5)" if args.scorer == "cnn"
            else "sklearn MLPClassifier (256, 128), early stopping")
    info = {"classifier": f"{kind}, max {args.scorer_epochs} epochs, trained on the {len(data.X_train)} "
                          "training images",
            "epochs_run": scorer.n_epochs_,
            f"{held_out_name(data)}_accuracy": scorer.accuracy(data.X_test, data.y_test),
            "fit_seconds": time.perf_counter() - start}
    return scorer, info


def score_model(model, scorer, X_test, y_test, args) -> tuple[dict, np.ndarray]:
    """FD of as many samples as test images; per-class accuracy of class-conditional samples."""
    samples = model.sample(len(X_test), random_state=args.seed)
    row = {"frechet_distance": scorer.frechet_distance(X_test, samples)}
    if getattr(model, "classes_", None) is not None:
        wanted = np.repeat(model.classes_, args.per_class)
        per_class = scorer.per_class_accuracy(model.sample(len(wanted), y=wanted, random_state=args.seed), wanted)
        row["class_accuracy"] = {str(k): v for k, v in per_class.items()}
        row["class_accuracy_mean"] = float(np.mean(list(per_class.values())))
    if isinstance(model, AdversarialAutoencoder):
        row.update(code_diagnostics(model, X_test, y_test))
    return row, samples[:10]


def sampling(data, args, save) -> dict:
    """Fréchet distance of each model's samples, class accuracy of conditional samples, the grid.
    ``save(result, grid)`` is called after the scorer and after each model (partial results)."""
    X_train, X_test, y_train, y_test = data.X_train, data.X_test, data.y_train, data.y_test
    scorer, info = fit_scorer(data, args)
    rng = np.random.default_rng(args.seed)
    real = X_train[rng.choice(len(X_train), min(len(X_train), len(X_test)), replace=False)]
    result = {"scorer": info, "references": {"real training images": scorer.frechet_distance(X_test, real)},
              "models": {}}
    for sigma in (0.1, 0.3):
        noisy = np.clip(X_test + rng.normal(0, sigma, X_test.shape), 0, 1).astype(np.float32)
        result["references"][f"test images + N(0, {sigma}^2) noise"] = scorer.frechet_distance(X_test, noisy)
    print(f"scorer: {held_out_name(data)} accuracy {scorer_accuracy(info):.4f} ({info['fit_seconds']:.0f} s); "
          f"references {result['references']}", flush=True)
    grid = {"real (test)": X_test[np.argsort(y_test, kind="stable")][:: len(X_test) // 10][:10]}
    save(result, grid)
    for name, model in generators(args).items():
        row = timed_fit(model, X_train, y_train)
        if name == DEFAULTS_CVAE:  # what its "auto" settings chose (code size, epochs, batch, patience)
            row["training_settings"] = dict(model.training_settings_)
        scores, grid[name] = score_model(model, scorer, X_test, y_test, args)
        result["models"][name] = row = {**row, **scores}
        accuracy = f", class accuracy {row['class_accuracy_mean']:.3f}" if "class_accuracy_mean" in row else ""
        print(f"{name}: FD {row['frechet_distance']:.2f}{accuracy}, {row['seconds_per_epoch']:.1f} s/epoch",
              flush=True)
        save(result, grid)
    return result


DOCS_GRID = "../docs/benchmarks/generative_samples.png"  # the figure the docs show
VALIDATION_SOURCE = "VALIDATION:"  # marks the data of --validation's split in its source line
# The selection rules of --validation, fixed before their runs (issue 22); both keep, of the candidates within a
# tolerance of the best validation score, the first in run order (a grid is listed from the smallest or cheapest
# change up, so that the smallest or cheapest config that is as good is kept).
# sampling: the highest mean class accuracy on the validation images (e.g. beta 1, 2, 3, 4: the smallest KL
# weight that is as good).
SELECTION_TOLERANCE = 0.005
# autoencoders: the highest validation linear-probe accuracy among the ConvAE configs whose validation MSE is at
# most CONV_MAX_MSE_RATIO times PCA-32's (the issue's reconstruction bound); ties within CONV_SELECTION_TOLERANCE.
CONV_SELECTION_TOLERANCE = 0.002
CONV_MAX_MSE_RATIO = 0.50


def held_out_name(data) -> str:
    """"validation" for --validation's split (its images stand where the test images stood), else "test"."""
    return "validation" if VALIDATION_SOURCE in data.source else "test"


def scorer_accuracy(info: dict) -> float:
    """The scorer's accuracy on the held-out images, under either key (``test_accuracy`` or ``validation_accuracy``)."""
    return info["test_accuracy"] if "test_accuracy" in info else info["validation_accuracy"]


def validation_split(data, n_validation: int, seed: int):
    """Selection mode: ``n_validation`` training images (stratified by class, drawn with ``seed``) take the
    test images' place; the scorer and the models fit on the other training images; no test image is used."""
    X_fit, X_val, y_fit, y_val = train_test_split(data.X_train, data.y_train, test_size=n_validation,
                                                  stratify=data.y_train, random_state=seed)
    return replace(data, X_train=X_fit, y_train=y_fit, X_test=X_val, y_test=y_val,
                   source=f"{data.source}; {VALIDATION_SOURCE} {n_validation} of the training images (stratified, seed "
                          f"{seed}) in place of the test images, the other {len(X_fit)} to fit on")


def stated_rule_pick(scores: dict, tolerance: float, eligible=None) -> str | None:
    """The best score among the eligible candidates (all by default); of those within ``tolerance`` of it,
    the first in run order (``scores``' order). None when no candidate is eligible."""
    candidates = {name: score for name, score in scores.items() if eligible is None or name in eligible}
    if not candidates:
        return None
    best = max(candidates.values())
    return next(name for name, score in candidates.items() if score >= best - tolerance)


def select(models: dict) -> dict:
    """The model the stated rule picks from the class-conditional models' validation class accuracies."""
    scores = {name: row["class_accuracy_mean"] for name, row in models.items() if "class_accuracy_mean" in row}
    return {"rule": f"highest mean class accuracy on the validation images; of the models within "
                    f"{SELECTION_TOLERANCE} of it, the first in run order (fixed before the runs)",
            "validation_class_accuracy_mean": scores, "chosen": stated_rule_pick(scores, SELECTION_TOLERANCE)}


def select_conv(rows: dict) -> dict:
    """The ConvAE config the stated rule picks from the validation rows of the autoencoders section."""
    conv = {name: row for name, row in rows.items() if name.startswith("conv-ae")}
    scores = {name: row["validation_linear_probe"] for name, row in conv.items()}
    ratios = {name: row["validation_mse_ratio_to_pca"] for name, row in conv.items()}
    return {"rule": f"highest linear-probe accuracy on the validation images among the ConvAE configs with "
                    f"validation MSE / PCA-32's <= {CONV_MAX_MSE_RATIO}; of those within "
                    f"{CONV_SELECTION_TOLERANCE} of it, the first in run order (the grid listed from the cheapest "
                    "config up) (fixed before the runs)",
            "validation_linear_probe": scores, "validation_mse_ratio_to_pca": ratios,
            "chosen": stated_rule_pick(scores, CONV_SELECTION_TOLERANCE,
                                       {name for name, ratio in ratios.items() if ratio <= CONV_MAX_MSE_RATIO})}


GRID_TITLE = "Samples side by side (class-conditional models: classes 0-9 in turn; top: real test images)"


def save_grid(grid: dict, out: Path, image_shape, grid_png: Path) -> None:
    """The grid rows as 8-bit images next to the results (so runs can be merged), and the figure."""
    np.savez_compressed(out.with_suffix(".grid.npz"),
                        **{name: np.round(np.clip(rows, 0, 1) * 255).astype(np.uint8) for name, rows in grid.items()})
    plot_image_rows(grid, image_shape, grid_png, title=GRID_TITLE)


def merge_sampling(paths: list[Path], out: Path, grid_png: Path) -> None:
    """One results file and one grid from runs of different models with the same scorer."""
    runs = [json.loads(p.read_text()) for p in paths]
    scorers = {json.dumps(scorer_accuracy(r["sampling"]["scorer"])) for r in runs}
    if len(scorers) != 1:
        raise SystemExit(f"--merge: the runs used different scorers (held-out accuracies {sorted(scorers)})")
    merged = {**runs[0], "merged_from": [{"file": p.name, "command": r["command"], "date": r["date"],
                                          "machine": r["machine"]} for p, r in zip(paths, runs)]}
    models = {k: v for r in runs for k, v in r["sampling"]["models"].items()}
    order = ["ae + gaussian", "vae", "cvae", "aae", "aae-mixture"]
    models = dict(sorted(models.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    merged["sampling"] = {**runs[0]["sampling"], "models": models}
    grid = {}
    for p in paths:
        with np.load(p.with_suffix(".grid.npz")) as rows:
            grid.update({name: rows[name].astype(np.float32) / 255 for name in rows.files})
    grid = {"real (test)": grid.pop("real (test)"), **{k: grid[k] for k in merged["sampling"]["models"]}}
    merged["sampling"]["grid"] = grid_png.name
    write(merged, out, ["sampling"])
    side = int(np.sqrt(grid["real (test)"].shape[1]))
    plot_image_rows(grid, (1, side, side), grid_png, title=GRID_TITLE)


# -- section adversarial (issue 25): VAE-GAN, plain GAN, VAE, CVAE, AAE ----------------------------------

class GAN(VAEGAN):
    """The plain GAN: the VAE-GAN's generator and discriminator, no encoder, non-saturating
    loss (aekit.models.vaegan.GANModel). Validation watches the generator's loss."""

    family = "gan"


class LastEpochGANModel(GANModel):
    """The plain GAN kept at its last epoch: its held-out "loss" is minus the epoch, so the
    best-epoch rule keeps the last one (the generator's loss is no measure of sample quality)."""

    family = "gan-last"
    epoch = 0

    def set_epoch(self, epoch: int) -> None:
        super().set_epoch(epoch)
        self.epoch = epoch

    def loss(self, batch) -> dict[str, torch.Tensor]:
        return {"loss": torch.tensor(-float(self.epoch), device=self.data_of(batch).device)}


class LastEpochGAN(GAN):
    """A diagnostic, not in the default models: ``--adv-models gan-last``."""

    family = "gan-last"


MODEL_FAMILIES.setdefault(LastEpochGANModel.family, LastEpochGANModel)
ADVERSARIAL_MODELS = ("vae", "cvae", "aae", "vae-gan", "gan")
TARGET_MODELS = ("vae", "vae-gan", "gan")  # the models the issue's targets compare
EXTRA_MODELS = ("gan-last",)  # diagnostics: results go to a file of their own
FULL_EPOCHS = 30  # the full protocol's training budget of every model
FOUND_SHARE = 0.1  # a class is found with at least this share of its uniform share of the samples


def adversarial_models(args, seed: int) -> dict:
    """Every model of the comparison: dense 784-256-16, discriminators 784-256-1, same budget."""
    common = dict(latent_dim=16, hidden=(256,), max_epochs=args.adv_epochs, patience=args.adv_epochs,
                  batch_size=64, scaling="minmax", random_state=seed)
    adversarial = dict(discriminator_hidden=(256,))
    models = {"vae": lambda: VAE(**common), "cvae": lambda: ConditionalVAE(**common),
              "aae": lambda: AdversarialAutoencoder(**common, **adversarial),
              "vae-gan": lambda: VAEGAN(**common, **adversarial), "gan": lambda: GAN(**common, **adversarial),
              "gan-last": lambda: LastEpochGAN(**common, **adversarial)}
    return {name: models[name]() for name in args.adv_models}


def mode_coverage(classes: np.ndarray, all_classes: np.ndarray) -> dict:
    """Share of the classes found among the samples' predicted classes, and the histogram's entropy."""
    counts = np.array([np.sum(classes == c) for c in all_classes], dtype=float)
    share = counts / counts.sum()
    found = counts >= FOUND_SHARE * counts.sum() / len(all_classes)
    entropy = max(0.0, float(-np.sum(share[share > 0] * np.log(share[share > 0]))))
    return {"class_histogram": counts.astype(int).tolist(), "coverage": float(found.mean()),
            "entropy_over_uniform": float(entropy / np.log(len(all_classes))), "collapsed": bool(found.mean() < 0.5)}


def fit_guarded(model, X, y) -> dict:
    """Fit, recording whether the divergence guard fired (stopped with the best epoch kept, or failed)."""
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(X, y)
        except TrainingDivergedError as err:
            return {"diverged": True, "failed": str(err), "fit_seconds": time.perf_counter() - start}
    diverged = [str(w.message) for w in caught if issubclass(w.category, TrainingDivergedWarning)]
    return {"diverged": bool(diverged), **({"divergence": diverged[0]} if diverged else {}),
            "fit_seconds": time.perf_counter() - start, "epochs_run": model.n_epochs_, "best_epoch": model.best_epoch_}


def adversarial_row(model, scorer, data, args, seed: int) -> tuple[dict, np.ndarray | None]:
    """One model at one seed: fit, FD of ``--adv-samples`` samples, coverage, reconstruction MSE."""
    row = fit_guarded(model, data.X_train, data.y_train)
    if "failed" in row:
        return row, None
    samples = model.sample(args.adv_samples, random_state=seed)
    if not np.isfinite(samples).all():
        return {**row, "diverged": True, "divergence": "non-finite samples"}, None
    row["frechet_distance"] = scorer.frechet_distance(data.X_test, samples)
    row.update(mode_coverage(scorer.classifier_.predict(samples), scorer.classes_))
    if not isinstance(model, GAN):  # the models with an encoder (LastEpochGAN is a GAN)
        row["test_mse"] = float(np.mean((reconstruct(model, data) - data.X_test) ** 2))
    return row, samples[:10]


def reconstruct(model, data) -> np.ndarray:
    """Test reconstructions (the CVAE's with the true labels)."""
    return model.reconstruct(data.X_test, data.y_test) if isinstance(model, ConditionalVAE) else \
        model.reconstruct(data.X_test)


def adversarial_summary(runs: dict) -> dict:
    """Per model over the seeds: FD mean / std / range, coverage, collapsed and diverged counts."""
    summary = {}
    for name, per_seed in runs.items():
        scored = [r for r in per_seed.values() if "frechet_distance" in r]
        fds = np.array([r["frechet_distance"] for r in scored])
        summary[name] = {
            "seeds": len(per_seed), "frechet_distance_mean": float(fds.mean()) if len(fds) else None,
            "frechet_distance_std": float(fds.std(ddof=1)) if len(fds) > 1 else None,
            "frechet_distance_range": float(fds.max() - fds.min()) if len(fds) else None,
            "coverage_min": min((r["coverage"] for r in scored), default=None),
            "entropy_over_uniform_mean": float(np.mean([r["entropy_over_uniform"] for r in scored])) if scored else None,
            "collapsed_seeds": sum(r.get("collapsed", False) for r in per_seed.values()),
            "diverged_seeds": sum(r["diverged"] for r in per_seed.values()),
            "test_mse_mean": float(np.mean([r["test_mse"] for r in scored])) if scored and "test_mse" in scored[0]
            else None}
    return summary


def adversarial_targets(summary: dict, runs: dict) -> dict:
    """The issue's targets on one data set: met (True) or missed (False)."""
    vaegan, gan, vae = summary.get("vae-gan"), summary.get("gan"), summary.get("vae")
    targets = {}
    if vaegan and vae:
        targets["vae-gan FD below the VAE's (mean over seeds)"] = bool(
            vaegan["frechet_distance_mean"] is not None and vaegan["frechet_distance_mean"] < vae["frechet_distance_mean"])
    if vaegan and gan:
        pairs = [(runs["vae-gan"][s].get("coverage", 0.0), runs["gan"][s].get("coverage", 0.0)) for s in runs["gan"]]
        targets["vae-gan coverage >= the GAN's on every seed"] = all(a >= b for a, b in pairs)
        targets["vae-gan fewer collapsed seeds than the GAN"] = vaegan["collapsed_seeds"] < gan["collapsed_seeds"]
        targets["vae-gan FD spread (std over seeds) below the GAN's"] = bool(
            vaegan["frechet_distance_std"] is not None and gan["frechet_distance_std"] is not None
            and vaegan["frechet_distance_std"] < gan["frechet_distance_std"])
    return targets


def planned_runs(result: dict) -> list[tuple[str, str, str]]:
    """(data set, seed, model) of every run the command of a results file asks for."""
    flag = lambda name: re.search(rf"--{name} (\S+)", result["command"]).group(1).split(",")  # noqa: E731
    return [(d, s, m) for d in flag("datasets") for s in flag("seeds") for m in flag("adv-models")]


def missing_runs(result: dict) -> list[tuple[str, str, str]]:
    """The planned runs a results file does not hold: none once its run has finished."""
    return [(d, s, m) for d, s, m in planned_runs(result)
            if s not in result["adversarial"].get(d, {}).get("runs", {}).get(m, {})]


def adversarial(args, result: dict, save, grid: dict) -> None:
    """Every data set, seed and model of the comparison; ``save(grid)`` after each model. Runs
    already in ``result`` (``--continue``) are kept, not run again: each fit starts from its own
    seed, so the remaining runs give what they would have given in one go."""
    for name in args.datasets:
        data = load_dataset(name)
        n_all = len(data.X_train)
        if args.n_train and args.n_train < n_all:
            data = data.subsample(args.n_train, None, random_state=0)
        scorer, info = fit_scorer(data, args)
        done = result["adversarial"].get(name, {}).get("runs", {})
        entry = result["adversarial"][name] = {
            "data": data.source, "n_train": len(data.X_train), "n_test": len(data.X_test),
            "training_rows": "all" if len(data.X_train) == n_all else
            f"REDUCED: {len(data.X_train)} of {n_all}, drawn at random with seed 0", "scorer": info, "runs": done}
        print(f"{name}: scorer test accuracy {scorer_accuracy(info):.4f}", flush=True)
        grid[f"{name}: real"] = data.X_test[np.argsort(data.y_test, kind="stable")][:: len(data.X_test) // 10][:10]
        for seed in args.seeds:
            torch.manual_seed(seed)
            for model_name, model in adversarial_models(args, seed).items():
                if str(seed) in done.get(model_name, {}):
                    continue
                row, samples = adversarial_row(model, scorer, data, args, seed)
                entry["runs"].setdefault(model_name, {})[str(seed)] = row
                if seed == args.seeds[0] and samples is not None:
                    grid[f"{name}: {model_name}"] = samples
                summarise(entry)
                print(f"{name} seed {seed} {model_name}: FD {row.get('frechet_distance', float('nan')):.2f}, "
                      f"coverage {row.get('coverage', float('nan')):.2f}, diverged {row['diverged']}, "
                      f"{row['fit_seconds']:.0f} s", flush=True)
                save(grid)
        summarise(entry)


def summarise(entry: dict) -> None:
    entry["summary"] = adversarial_summary(entry["runs"])
    entry["targets"] = adversarial_targets(entry["summary"], entry["runs"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", choices=("fashion-mnist", "mnist"), default="fashion-mnist")
    parser.add_argument("--epochs", type=int, default=20, help="epochs of the dense AE and the ConvAE")
    parser.add_argument("--vae-epochs", type=int, default=50, help="maximum epochs of each VAE")
    parser.add_argument("--ll-samples", type=int, default=1000, help="importance samples k per test image")
    parser.add_argument("--ll-rows", type=int, default=10_000,
                        help="test images scored (all, or a fixed random subset of N)")
    parser.add_argument("--vae-models", default="dense,conv", help="vaes: which of dense, conv (comma-separated)")
    parser.add_argument("--conv-vae-epochs", type=int, default=None,
                        help="REDUCED: fewer maximum epochs for the conv VAE (default: --vae-epochs)")
    parser.add_argument("--conv-ll-rows", type=int, default=None,
                        help="REDUCED: fewer test images (a fixed random subset) for the conv VAE's log-likelihood "
                        "(default: --ll-rows)")
    parser.add_argument("--out", default=None, help="results file under benchmarks/results/ (default "
                        "generative[-mnist].json; sampling: generative-sampling[-<models>][-mnist].json)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--channels", default="32,64", help="conv blocks of the ConvAE and the conv VAE")
    parser.add_argument("--conv-batch-norm", choices=("off", "on", "both"), default="both",
                        help="autoencoders: the ConvAE without and/or with batch norm after each hidden conv")
    parser.add_argument("--conv-masking", type=float, default=0.0,
                        help="autoencoders: a denoising ConvAE (this share of input pixels masked to 0 in training)")
    parser.add_argument("--n-train", type=int, default=None, help="REDUCED run: a random subset of train rows")
    parser.add_argument("--sections", default="autoencoders,vaes",
                        help="comma-separated: autoencoders, vaes (issue 7), sampling (issue 11)")
    parser.add_argument("--gen-epochs", type=int, default=30, help="sampling: epochs of every generative model")
    parser.add_argument("--gen-hidden", default="512,256", help="sampling: dense layers of every model")
    parser.add_argument("--gen-latent", type=int, default=16, help="sampling: code size of every model")
    parser.add_argument("--scorer", choices=("cnn", "mlp"), default="cnn",
                        help="sampling: the classifier of SampleQualityScorer")
    parser.add_argument("--scorer-epochs", type=int, default=10, help="sampling: max epochs of the classifier")
    parser.add_argument("--per-class", type=int, default=1000, help="sampling: samples per class for the accuracy")
    parser.add_argument("--grid", default=None,
                        help="sampling: the grid's PNG, relative to benchmarks/ (default: the docs' figure for "
                        "--merge and for the run that writes generative-sampling.json; beside the results file "
                        "for any other run, so that a subset or a trial never replaces the published figure)")
    parser.add_argument("--models", default=None, help="sampling: only these of 'ae + gaussian', vae, cvae, aae, "
                        f"aae-mixture, '{DEFAULTS_CVAE}' (ConditionalVAE() at all its defaults, seeded; only when "
                        "named) (comma-separated); results go to generative-sampling-<models>.json")
    parser.add_argument("--cvae-variants", default="[]", help='sampling: also these CVAEs, a JSON list of '
                        'parameter changes, e.g. \'[{"architecture": "conv"}]\' (run whatever --models says)')
    parser.add_argument("--validation", type=int, default=None, help="sampling, autoencoders: selection mode: "
                        "this many training images (stratified, --seed) replace the test images, the rest is fitted "
                        "on; results name the model the stated rule picks (generative-sampling-...-validation.json, "
                        "generative-validation.json)")
    parser.add_argument("--conv-variants", default="[]", help='autoencoders: the ConvAE rows, a JSON list of '
                        'ConvAutoencoder parameter changes over the base config ({} is the base), e.g. '
                        '\'[{}, {"noise": "masking", "noise_level": 0.1}]\', in place of the --conv-batch-norm / '
                        '--conv-masking rows')
    parser.add_argument("--datasets", default="mnist-5k,fashion-mnist", help="adversarial: the data sets")
    parser.add_argument("--seeds", default="0,1,2", help="adversarial: the seeds of every model")
    parser.add_argument("--adv-epochs", type=int, default=FULL_EPOCHS, help="adversarial: epochs of every model "
                        f"(fewer than {FULL_EPOCHS}: REDUCED)")
    parser.add_argument("--adv-samples", type=int, default=10_000, help="adversarial: samples per model and seed")
    parser.add_argument("--adv-models", default=",".join(ADVERSARIAL_MODELS), help="adversarial: the models")
    parser.add_argument("--adv-grid", default=None, help="adversarial: the grid, relative to benchmarks/ "
                        "(default ../docs/benchmarks/generative_adversarial_samples-<datasets>[-reduced].png)")
    parser.add_argument("--continue", dest="resume_runs", action="store_true", help="adversarial: keep the "
                        "runs of a stopped run of the same command (its results file) and run only the others")
    parser.add_argument("--tables", action="store_true", help="adversarial: print the Markdown tables of "
                        "benchmarks/results/generative-adversarial-*.json (as in the docs); trains nothing")
    parser.add_argument("--merge", default=None, help="sampling: merge these results files (comma-separated, "
                        "under benchmarks/results/, runs of other models with the same scorer) into "
                        "generative-sampling.json and the grid; trains nothing")
    args = parser.parse_args()
    args.channels = tuple(int(c) for c in args.channels.split(","))
    args.gen_hidden = tuple(int(c) for c in args.gen_hidden.split(","))
    sections = set(args.sections.split(","))
    unknown = sections - {"autoencoders", "vaes", "sampling", "adversarial"}
    if unknown or (sections & {"sampling", "adversarial"} and len(sections) > 1):
        parser.error(f"--sections: autoencoders and/or vaes, or sampling or adversarial alone; got {args.sections}")
    if args.validation and sections - {"sampling", "autoencoders"}:
        parser.error(f"--validation: a search of sampling or autoencoders alone; got --sections {args.sections}")
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.merge:
        merge_sampling([RESULTS / f for f in args.merge.split(",")], RESULTS / "generative-sampling.json",
                       Path(__file__).parent / (args.grid or DOCS_GRID))
        return

    if sections == {"adversarial"}:
        run_adversarial(args)
        return
    torch.manual_seed(args.seed)
    data = load_dataset(args.data)
    if args.n_train:
        data = data.subsample(args.n_train, None, random_state=args.seed)
    if args.validation:
        data = validation_split(data, args.validation, args.seed)
    flags = " ".join(f"--{k.replace('_', '-')} {','.join(map(str, v)) if isinstance(v, tuple) else v}"
                     for k, v in vars(args).items() if v is not None)
    result = {"command": f"python benchmarks/generative.py {flags}", "data": data.source,
              "n_train": len(data.X_train), "n_test": len(data.X_test),
              "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}",
              "date": time.strftime("%Y-%m-%d %H:%M %Z"),
              "protocol": {"vae_binarization": "train: dynamic (x ~ Bernoulli(pixel) per batch); test: static, "
                                               f"drawn once with seed {args.seed}",
                           "split": "official train/test; 10% of train held out for early stopping (patience 10)",
                           "likelihood": "Bernoulli; nats per image; log p(x) by importance sampling, "
                                         f"k={args.ll_samples}, on {min(args.ll_rows, len(data.X_test))} test images"
                                         + (f" ({args.conv_ll_rows} for the conv VAE)" if args.conv_ll_rows else "")
                                         + (f" (a subset: drawn at random once with seed {args.seed})"
                                            if min(args.ll_rows, args.conv_ll_rows or args.ll_rows) < len(data.X_test)
                                            else "")
                                         + "; ELBO (one posterior sample) on all test images"}}
    suffix = "" if args.data == "fashion-mnist" else f"-{args.data}"
    if sections == {"sampling"}:
        args.models = args.models.split(",") if args.models else None
        args.image_shape = data.image_shape
        subset = f"-{'+'.join(m.replace(' + ', '-') for m in args.models)}" if args.models else ""
        subset += "+cvae-variants" if json.loads(args.cvae_variants) else ""
        subset += "-validation" if args.validation else ""
        out = RESULTS / (args.out or f"generative-sampling{subset}{suffix}.json")
        grid_png = args.grid or (DOCS_GRID if out == RESULTS / "generative-sampling.json"
                                 else os.path.relpath(out.with_suffix(".png"), Path(__file__).parent))

        def save(sampling_result: dict, grid: dict) -> None:
            result["sampling"] = {**sampling_result, "grid": grid_png}
            if args.validation and any("class_accuracy_mean" in r for r in sampling_result["models"].values()):
                result["sampling"]["selection"] = select(sampling_result["models"])
            out.parent.mkdir(exist_ok=True)
            out.write_text(json.dumps(result, indent=2) + "\n")
            save_grid(grid, out, data.image_shape, Path(__file__).parent / grid_png)

        sampling(data, args, save)
        write(result, out, ["sampling"])
        return
    out = RESULTS / (args.out or f"generative{suffix}{'-validation' if args.validation else ''}.json")
    groups = [g for g in ("autoencoders", "vaes") if g in sections]
    groups += ["autoencoders_selection"] if args.validation and "autoencoders" in sections else []
    if "autoencoders" not in sections:  # the fit-time reference, fitted in this same run
        result["time_reference"] = {DENSE_AE: timed_fit(dense_ae(args, REFERENCE_EPOCHS), data.X_train)}

    def save():
        add_time_ratios(result)
        if args.validation and any(name.startswith("conv-ae") for name in result.get("autoencoders", {})):
            result["autoencoders_selection"] = select_conv(result["autoencoders"])
        write(result, out, groups, quiet=True)

    for group, run in (("autoencoders", autoencoders), ("vaes", vaes)):
        if group in sections:
            run(data, args, result.setdefault(group, {}), save)
    add_time_ratios(result)
    write(result, out, groups)


def adversarial_markdown(result: dict) -> str:
    """The per-seed tables, the summary and the targets of a results file, as Markdown (for the docs)."""
    lines = []
    full = result["protocol"] == "full"
    met = "met" if full else f"met at a {result['protocol']} protocol: not yet measured at the full protocol"
    missed = "MISSED" if full else f"MISSED at a {result['protocol']} protocol"
    for name, entry in result["adversarial"].items():
        missing = [(m, s) for d, s, m in missing_runs(result) if d == name]
        if any(m in TARGET_MODELS for m, _ in missing):  # stopped before its end: no verdict on part of the seeds
            met = missed = (f"not yet measured at the {'full' if full else 'reduced'} protocol: the run is "
                            f"INCOMPLETE ({len(missing)} runs missing)")
        missing = [f"{m} seed {s}" for m, s in missing]
        lines += [f"### {name} ({entry['n_train']} training images, {entry['training_rows']}; scorer test accuracy "
                  f"{scorer_accuracy(entry['scorer']):.4f})"
                  + (f"; INCOMPLETE: missing {', '.join(missing)}" if missing else ""), "",
                  "| model | seed | FD | coverage | entropy / log K | collapsed | diverged | test MSE | fit s |",
                  "|---|---:|---:|---:|---:|---|---|---:|---:|"]
        for model, per_seed in entry["runs"].items():
            for seed, r in per_seed.items():
                mse = f"{r['test_mse']:.4f}" if "test_mse" in r else ""
                lines.append(f"| {model} | {seed} | {r.get('frechet_distance', float('nan')):.2f} | "
                             f"{r.get('coverage', float('nan')):.1f} | {r.get('entropy_over_uniform', float('nan')):.3f} "
                             f"| {'yes' if r.get('collapsed') else 'no'} | {'yes' if r['diverged'] else 'no'} | {mse} | "
                             f"{r['fit_seconds']:.0f} |")
        lines += ["", "| model | seeds | FD mean | FD std | FD range | min coverage | mean entropy / log K | "
                  "collapsed | diverged | test MSE mean |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        fmt = lambda v, f: "" if v is None else format(v, f)  # noqa: E731
        for model, m in entry["summary"].items():
            lines.append(f"| {model} | {m['seeds']} | {fmt(m['frechet_distance_mean'], '.2f')} | "
                         f"{fmt(m['frechet_distance_std'], '.2f')} | {fmt(m['frechet_distance_range'], '.2f')} | "
                         f"{fmt(m['coverage_min'], '.1f')} | {fmt(m['entropy_over_uniform_mean'], '.3f')} | "
                         f"{m['collapsed_seeds']} | {m['diverged_seeds']} | {fmt(m['test_mse_mean'], '.4f')} |")
        if entry["targets"]:
            lines += ["", "| target | result |", "|---|---|"]
            lines += [f"| {t} | {met if ok else missed} |" for t, ok in entry["targets"].items()]
        lines.append("")
    return "\n".join(lines)


def run_adversarial(args) -> None:
    """Section adversarial: results to benchmarks/results/generative-adversarial-<datasets>[-reduced].json,
    the grid to the docs beside them."""
    if args.tables:
        for path in sorted(RESULTS.glob("generative-adversarial-*.json")):
            print(f"<!-- {path.name} -->\n{adversarial_markdown(json.loads(path.read_text()))}")
        return
    args.datasets = args.datasets.split(",")
    args.seeds = [int(s) for s in args.seeds.split(",")]
    args.adv_models = args.adv_models.split(",")
    unknown = set(args.adv_models) - set(ADVERSARIAL_MODELS + EXTRA_MODELS)
    if unknown:
        raise SystemExit(f"--adv-models: unknown {sorted(unknown)}; expected some of "
                         f"{ADVERSARIAL_MODELS + EXTRA_MODELS}")
    flags = " ".join(f"--{k} {v}" for k, v in [("sections", "adversarial"), ("datasets", ",".join(args.datasets)),
                                                ("seeds", ",".join(map(str, args.seeds))),
                                                ("adv-epochs", args.adv_epochs), ("adv-samples", args.adv_samples),
                                                ("adv-models", ",".join(args.adv_models)), ("scorer", args.scorer),
                                                ("scorer-epochs", args.scorer_epochs), ("n-train", args.n_train),
                                                ("threads", args.threads)] if v is not None)
    reduced = [why for why, on in [(f"--n-train {args.n_train}", args.n_train), (f"{len(args.seeds)} seeds",
               len(args.seeds) < 3), (f"{args.adv_samples} samples", args.adv_samples < 10_000),
               (f"{args.adv_epochs} epochs", args.adv_epochs < FULL_EPOCHS)] if on]
    result = {"command": f"python benchmarks/generative.py {flags}",
              "protocol": "full" if not reduced else f"REDUCED ({', '.join(reduced)})",
              "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}",
              "date": time.strftime("%Y-%m-%d %H:%M %Z"), "found_share": FOUND_SHARE, "adversarial": {}}
    stem = "+".join(args.datasets) + ("-reduced" if reduced else "")
    if list(args.adv_models) != list(ADVERSARIAL_MODELS):  # a subset or a diagnostic: a file of its own
        stem += "-" + "+".join(args.adv_models)
    out = RESULTS / f"generative-adversarial-{stem}.json"
    grid_png = Path(__file__).parent / (args.adv_grid or f"../docs/benchmarks/generative_adversarial_samples-{stem}.png")
    result["grid"] = grid_png.name
    grid = continued(args, result, out)
    keep_figure = grid is None

    def save(grid: dict) -> None:
        write(result, out, [], quiet=True)
        if keep_figure:
            return
        np.savez_compressed(out.with_suffix(".grid.npz"), **{
            name: np.round(np.clip(rows, 0, 1) * 255).astype(np.uint8) for name, rows in grid.items()})
        side = int(np.sqrt(next(iter(grid.values())).shape[1]))
        plot_image_rows(grid, (1, side, side), grid_png, title="Seed 0's samples of each model (top of each "
                        "block: real test images)")

    adversarial(args, result, save, grid if grid is not None else {})
    write(result, out, [], quiet=True)
    for name, entry in result["adversarial"].items():
        print(name, json.dumps({"summary": entry["summary"], "targets": entry["targets"]}, indent=1))
    print(f"wrote {out}")


def continued(args, result: dict, out: Path) -> dict | None:
    """``--continue``: the runs and the grid rows of a stopped run of the same command, taken into
    ``result``; without it, or with no such run, nothing (an empty grid); None where the stopped run
    left no grid rows (the figure is then not rewritten)."""
    if not args.resume_runs or not out.exists():
        return {}
    previous = json.loads(out.read_text())
    if previous["command"] != result["command"]:
        raise SystemExit(f"--continue: {out.name} holds a run of another command ({previous['command']}); "
                         f"expected {result['command']}")
    result.update(date=previous["date"], machine=previous["machine"], adversarial=previous["adversarial"],
                  continued=[*previous.get("continued", []), result["date"]])
    grid_file = out.with_suffix(".grid.npz")
    if not grid_file.exists():  # a run of an older script: its figure stays as it was
        print(f"--continue: no {grid_file.name}: the grid {result['grid']} is left as the stopped run wrote it")
        return None
    with np.load(grid_file) as rows:
        return {name: rows[name].astype(np.float32) / 255 for name in rows.files}


def add_time_ratios(result: dict) -> None:
    """Each model's seconds per epoch over the dense AE's, fitted in the same run."""
    reference = result.get("time_reference", result.get("autoencoders", {})).get(DENSE_AE)
    if reference is None:
        return
    for group in ("autoencoders", "vaes"):
        for row in result.get(group, {}).values():
            if "seconds_per_epoch" in row:
                row["time_per_epoch_ratio_to_dense_ae"] = row["seconds_per_epoch"] / reference["seconds_per_epoch"]


def write(result: dict, out: Path, groups: list[str], quiet: bool = False) -> None:
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    if quiet:
        return
    print(json.dumps({g: result.get(g) for g in groups}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
