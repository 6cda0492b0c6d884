"""Why did ImageCodec lose to the PCA codec at low rates? Training curves of codec variants at one lambda.

Each variant is an ImageCodecModel trained with Adam (the estimator's optimiser) on a seeded subset of
Fashion-MNIST; every quarter of its steps it prints the rate the integer-free likelihoods give for the
rounded latents of the first test images (bits per pixel, the whole set as one stream, no header) and
the PSNR of their 8-bit decoded images. Compare with the PCA codec's curve in
benchmarks/results/compression-reduced*.json (the same quantity: ``bpp_set``).

A variant is ``key=value`` pairs, comma-separated:
    lmbda, steps          the rate-distortion weight and the optimiser steps
    synthesis             "rounded" (aekit's mixed quantisation) or "noisy" (the synthesis sees the
                          latents plus uniform noise, as aekit did before, Ballé et al.'s recipe)
    density_speed         the factorized density's learning-speed factor (aekit: 10; before: 1)
    entropy_model, downsamplings, filters, latent_channels, learning_rate, batch_size

    python benchmarks/compression_training.py "lmbda=0.0004,steps=2000,synthesis='noisy',density_speed=1" \\
        "lmbda=0.0004,steps=2000" "lmbda=0.0004,steps=600,downsamplings=4"

Seed 0; 8,000 training images, 1,000 test images (--train-images, --test-images). With --validation the
images measured are not test images but the next --test-images rows of the seeded permutation of the
training split, which the variants never train on: a reading to choose a default by, leaving the test
images to the benchmark.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch.nn import functional as F

import aekit.nn.entropy as entropy
from aekit.data import load_dataset
from aekit.models.codec import ImageCodecConfig, ImageCodecModel

DEFAULTS = dict(lmbda=0.0004, steps=2000, synthesis="rounded", density_speed=10.0, entropy_model="factorized",
                downsamplings=2, filters=32, latent_channels=32, learning_rate=2e-3, batch_size=32)


def latent_bits(model: ImageCodecModel, y: torch.Tensor) -> list[torch.Tensor]:
    """-log2 likelihood of each value of latents ``y`` (rounded by the caller, or noisy), shaped as y;
    with a hyperprior, the bits of z follow."""
    if model.config.hyperprior:
        z = torch.round(model.hyper_analyse(y))
        return [-torch.log2(model.gaussian.likelihood(y, model.hyper_scales(z, y.shape[-2:]))),
                -torch.log2(model.density.likelihood(z))]
    if model.config.positional:
        return [-torch.log2(model.density.likelihood(y.reshape(len(y), -1, 1, 1))).reshape(y.shape)]
    return [-torch.log2(model.density.likelihood(y))]


def zero_share(symbols: np.ndarray, bits: np.ndarray) -> str:
    """Where the bits go: the values that are zero (per image: how many, their bits) against the rest;
    ``symbols`` and ``bits`` (N, values)."""
    zero = symbols == 0
    total = bits.sum(1).mean()
    on_zero = np.where(zero, bits, 0).sum(1).mean()
    return (f"{zero.sum(1).mean():.0f} of {symbols.shape[1]} values zero per image, "
            f"{on_zero:.1f} of {total:.1f} bits an image on them ({100 * on_zero / total:.0f}%)")


@torch.no_grad()
def evaluate(model: ImageCodecModel, test: torch.Tensor, breakdown: bool = False) -> tuple[float, float, str]:
    """(bits per pixel of the rounded latents, mean PSNR of the 8-bit decoded images, and with
    ``breakdown`` how y's bits split between zero and non-zero values)."""
    model.eval()
    images = test.view(-1, 1, 28, 28)
    y = torch.round(model.analyse(images))
    bits = latent_bits(model, y)
    bpp = float(sum(b.sum() for b in bits)) / test.numel()
    decoded = torch.round(model.synthesise(y, (28, 28)).clamp(0, 1) * 255)
    mse = ((decoded - torch.round(images * 255)) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    model.train()
    split = zero_share(y.flatten(1).numpy(), bits[0].flatten(1).numpy()) if breakdown else ""
    return bpp, float((10 * torch.log10(255.0 ** 2 / mse)).mean()), split


def pca_reference(train: torch.Tensor, test: torch.Tensor, seed: int) -> None:
    """The benchmark's PCA codec (128 components, its quantiser steps) fitted on ``train``, measured on
    ``test`` as one stream: bpp (with its 8-byte header), PSNR, and where its bits go (the ideal code
    lengths of its add-one histograms, the tables before they are quantised to integers)."""
    from compression import PCA_STEPS, PCACodec, psnr, to_u8  # benchmarks/ is the script's directory
    from sklearn.decomposition import PCA

    rows, held = train.numpy(), test.numpy()
    basis = PCA(128, random_state=seed).fit(rows)
    for step in PCA_STEPS:
        codec = PCACodec(128, step, seed=seed).fit(rows, basis)
        stream = codec.compress(held, (1, 28, 28))
        decoded = codec.decompress(stream, (1, 28, 28))
        counts = np.stack([np.bincount(s + codec.max_symbol, minlength=2 * codec.max_symbol + 1)
                           for s in codec._symbols(rows).T]) + 1.0
        symbols = codec._symbols(held)
        bits = -np.log2(np.take_along_axis((counts / counts.sum(1, keepdims=True)).T,
                                           symbols + codec.max_symbol, axis=0))
        print(f"pca step={step}: {8 * len(stream) / held.size:.3f} bpp (set), "
              f"{psnr(to_u8(decoded), to_u8(held)):.2f} dB; {zero_share(symbols, bits)}", flush=True)


def noisy_synthesis_loss(model: ImageCodecModel, x: torch.Tensor) -> torch.Tensor:
    """The factorized prior's loss with the synthesis fed noisy latents (aekit's loss before mixed quantisation)."""
    images = x.view(-1, 1, 28, 28)
    y = model.analyse(images)
    y_noisy = y + torch.rand_like(y) - 0.5
    bpp = -torch.log2(model.density.likelihood(y_noisy)).flatten(1).sum(1) / 784
    mse = F.mse_loss(model.synthesise(y_noisy, (28, 28)), images, reduction="none").flatten(1).mean(1)
    return (bpp + model.config.lmbda * 255.0 ** 2 * mse).mean()


def run(name: str, settings: dict, train: torch.Tensor, test: torch.Tensor, seed: int) -> None:
    s = {**DEFAULTS, **settings}
    entropy.SPEED = float(s["density_speed"])  # read when the density is built and used
    torch.manual_seed(seed)
    model = ImageCodecModel(ImageCodecConfig(
        input_dim=784, image_shape=(1, 28, 28), entropy_model=s["entropy_model"], filters=s["filters"],
        latent_channels=s["latent_channels"], hyper_filters=s["filters"], downsamplings=s["downsamplings"],
        lmbda=s["lmbda"]))
    if s["synthesis"] == "noisy" and model.config.hyperprior:
        raise ValueError("synthesis='noisy' is implemented for the factorized prior only")
    optimizer = torch.optim.Adam(model.parameters(), lr=s["learning_rate"])
    generator = torch.Generator().manual_seed(seed)
    start, step, steps = time.perf_counter(), 0, s["steps"]
    while step < steps:
        for rows in torch.randperm(len(train), generator=generator).split(s["batch_size"]):
            batch = train[rows]
            loss = noisy_synthesis_loss(model, batch) if s["synthesis"] == "noisy" else model.loss(batch)["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if step % max(1, steps // 4) == 0:
                bpp, psnr, split = evaluate(model, test, breakdown=step >= steps)
                print(f"{name} step {step}: {bpp:.3f} bpp (set, no header), {psnr:.2f} dB, "
                      f"{time.perf_counter() - start:.0f} s" + (f"; y: {split}" if split else ""), flush=True)
            if step >= steps:
                break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variants", nargs="+", help="key=value,... (see above)")
    parser.add_argument("--train-images", type=int, default=8000)
    parser.add_argument("--test-images", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pca", action="store_true",
                        help="first the benchmark's PCA codec on the same training and measured images")
    parser.add_argument("--validation", action="store_true",
                        help="measure on held-out training images (after the training rows), not test images")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_dataset("fashion-mnist")
    order = np.random.default_rng(args.seed).permutation(len(data.X_train))
    train = torch.from_numpy(data.X_train[order[:args.train_images]])
    if args.validation:
        held_out = order[args.train_images:args.train_images + args.test_images]
        test = torch.from_numpy(data.X_train[held_out])
        print(f"measured on {len(test)} held-out training images (validation), not test images", flush=True)
    else:
        test = torch.from_numpy(data.X_test[:args.test_images])
    if args.pca:
        pca_reference(train, test, args.seed)
    for spec in args.variants:
        settings = {}
        for pair in filter(None, spec.split(",")):
            key, value = pair.split("=", 1)
            if key not in DEFAULTS:
                raise SystemExit(f"unknown setting {key!r}; known: {', '.join(DEFAULTS)}")
            settings[key] = type(DEFAULTS[key])(value.strip("'\""))
        run(spec, settings, train, test, args.seed)


if __name__ == "__main__":
    main()
