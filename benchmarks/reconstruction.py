"""Reconstruction quality and training speed of the dense autoencoder.

Two figures, both on full Fashion-MNIST (60k train / 10k test), code size 32:

1. quality: test MSE of a 784-256-32 autoencoder (aekit.Autoencoder, default
   settings, ``--epochs`` epochs) divided by the test MSE of PCA with 32
   components. Target: <= 0.65.
2. speed: training throughput (samples/s) of aekit's Lightning training
   (``aekit.training.fit_model``) divided by that of a hand-written PyTorch
   loop over the same network, batch size and data, run in the same process,
   interleaved, median of ``--repeats`` runs. Target: >= 0.90.

Run:  .venv/bin/python benchmarks/reconstruction.py [--epochs 20] [--seed 0]
Writes benchmarks/results/reconstruction.json and prints a markdown summary.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.decomposition import PCA

from aekit import Autoencoder
from aekit.data import load_dataset
from aekit.models import AutoencoderConfig, DenseAutoencoder
from aekit.training import TrainConfig, fit_model

RESULTS = Path(__file__).parent / "results" / "reconstruction.json"


def pca_test_mse(X_train: np.ndarray, X_test: np.ndarray, n_components: int, seed: int) -> float:
    pca = PCA(n_components, random_state=seed).fit(X_train)
    return float(np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2))


def autoencoder_test_mse(X_train, X_test, epochs: int, batch_size: int, seed: int) -> tuple[float, Autoencoder, float]:
    ae = Autoencoder(latent_dim=32, hidden=(256,), max_epochs=epochs, batch_size=batch_size,
                     patience=epochs, random_state=seed, verbose=1)
    start = time.perf_counter()
    ae.fit(X_train)
    seconds = time.perf_counter() - start
    return float(np.mean((ae.reconstruct(X_test) - X_test) ** 2)), ae, seconds


def network(seed: int) -> DenseAutoencoder:
    torch.manual_seed(seed)
    return DenseAutoencoder(AutoencoderConfig(input_dim=784, latent_dim=32, hidden=(256,),
                                              output_activation="sigmoid"))


def hand_written_loop(X: np.ndarray, epochs: int, batch_size: int, seed: int) -> float:
    """The reference: the plainest correct PyTorch loop over the same model and batches."""
    model = network(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = torch.from_numpy(X)
    model.train()
    start = time.perf_counter()
    for epoch in range(epochs):
        order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed * 100_003 + epoch))
        shuffled = data[order]
        for i in range(0, len(shuffled), batch_size):
            loss = model.loss(shuffled[i:i + batch_size])["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return len(X) * epochs / (time.perf_counter() - start)


def aekit_training(X: np.ndarray, epochs: int, batch_size: int, seed: int) -> float:
    """aekit's Lightning path (no validation split, so both see the same rows)."""
    model = network(seed)
    cfg = TrainConfig(max_epochs=epochs, batch_size=batch_size, validation_fraction=0.0,
                      patience=epochs + 1, seed=seed)
    start = time.perf_counter()
    fit_model(model, X, cfg)
    return len(X) * epochs / (time.perf_counter() - start)


def throughput_ratio(X: np.ndarray, epochs: int, batch_size: int, seed: int, repeats: int) -> dict:
    aekit_rates, hand_rates = [], []
    aekit_training(X[:5000], 1, batch_size, seed)  # warm-up: imports, first Trainer, allocator
    for _ in range(repeats):
        hand_rates.append(hand_written_loop(X, epochs, batch_size, seed))
        aekit_rates.append(aekit_training(X, epochs, batch_size, seed))
    ratios = [a / h for a, h in zip(aekit_rates, hand_rates)]
    return {"aekit_samples_per_s": aekit_rates, "hand_samples_per_s": hand_rates,
            "ratios": ratios, "median_ratio": statistics.median(ratios)}


def per_step_overhead(batch_size: int, seed: int, steps: int = 400) -> dict:
    """Milliseconds a step of both loops on a tiny 8-4-2 network, where the
    arithmetic is negligible: what is left is each loop's own cost."""
    X = np.random.default_rng(seed).random((batch_size * steps, 8), dtype=np.float32)
    config = AutoencoderConfig(input_dim=8, latent_dim=2, hidden=(4,))

    def hand() -> float:
        model = DenseAutoencoder(config)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        data = torch.from_numpy(X)
        start = time.perf_counter()
        for i in range(0, len(data), batch_size):
            loss = model.loss(data[i:i + batch_size])["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start

    def aekit() -> float:
        model = DenseAutoencoder(config)
        start = time.perf_counter()
        fit_model(model, X, TrainConfig(max_epochs=1, batch_size=batch_size, validation_fraction=0.0, seed=seed))
        return time.perf_counter() - start

    aekit()  # warm-up
    hand_ms = min(hand() for _ in range(3)) / steps * 1e3
    aekit_ms = min(aekit() for _ in range(3)) / steps * 1e3
    return {"hand_ms_per_step": hand_ms, "aekit_ms_per_step": aekit_ms, "overhead_ms_per_step": aekit_ms - hand_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20, help="training epochs of the quality run")
    parser.add_argument("--speed-epochs", type=int, default=2, help="epochs per timed speed run")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved speed runs of each")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-quality", action="store_true", help="only the speed figure")
    parser.add_argument("--skip-speed", action="store_true", help="only the quality figure")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (benchmarks/gpu.sh: its own folder)")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    data = load_dataset("fashion-mnist")
    X_train, X_test = data.X_train, data.X_test
    flags = [f"--{k.replace('_', '-')}" + ("" if v is True else f" {v}")
             for k, v in vars(args).items() if v not in (False, None)]
    result = {"command": "python benchmarks/reconstruction.py " + " ".join(flags),
              "data": data.source, "n_train": len(X_train), "n_test": len(X_test),
              "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}",
              "date": time.strftime("%Y-%m-%d")}

    if not args.skip_speed:
        speed = throughput_ratio(X_train, args.speed_epochs, args.batch_size, args.seed, args.repeats)
        result["speed"] = speed
        print(f"training throughput aekit / hand-written loop: median {speed['median_ratio']:.3f} "
              f"(runs: {', '.join(f'{r:.3f}' for r in speed['ratios'])}; target >= 0.90)")
        overhead = per_step_overhead(args.batch_size, args.seed)
        result["overhead"] = overhead
        print(f"per-step cost on a tiny 8-4-2 network: hand-written {overhead['hand_ms_per_step']:.3f} ms, "
              f"aekit {overhead['aekit_ms_per_step']:.3f} ms (overhead {overhead['overhead_ms_per_step']:.3f} ms)")

    if not args.skip_quality:
        pca_mse = pca_test_mse(X_train, X_test, 32, args.seed)
        ae_mse, ae, seconds = autoencoder_test_mse(X_train, X_test, args.epochs, args.batch_size, args.seed)
        result["quality"] = {"pca_test_mse": pca_mse, "ae_test_mse": ae_mse, "ratio": ae_mse / pca_mse,
                             "epochs_run": ae.n_epochs_, "best_epoch": ae.best_epoch_, "fit_seconds": seconds}
        print(f"test MSE: PCA-32 {pca_mse:.5f}, AE 784-256-32 {ae_mse:.5f}, ratio {ae_mse / pca_mse:.3f} "
              f"(target <= 0.65; {ae.n_epochs_} epochs, best {ae.best_epoch_}, {seconds:.0f} s)")

    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.skip_quality or args.skip_speed:  # keep the sections this run did not redo
        previous = json.loads(out.read_text()) if out.exists() else {}
        result = {**{k: previous[k] for k in ("speed", "overhead", "quality") if k in previous}, **result}
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
