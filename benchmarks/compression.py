"""Compression with real bits: aekit's ImageCodec against JPEG, WebP, JPEG 2000,
PNG and a PCA transform codec, rate against distortion, all in one run.

Rate is ``8 * len(bytes) / pixels`` of streams that were decoded (every header,
checksum and flush counted). Distortion: PSNR and SSIM of the decoded 8-bit
images (every codec's output is rounded to 8 bits, as a file on disk would be).

1. Fashion-MNIST: each codec model trained on the training split (one model
   per lambda), measured on the test images, one stream per image and the
   whole set as one stream. Peers per image: JPEG (Pillow; the whole file, with
   optimize=True, and the entropy-coded payload alone), WebP, JPEG 2000
   (Pillow/OpenJPEG, raw codestream, PSNR-targeted layers), PNG (lossless, for reference), and a PCA transform codec
   (PCA on the training split, uniform quantiser, the same integer tables and
   range coder as aekit). BD-rate (``bjontegaard``, Akima) over the
   overlapping PSNR range; accuracy of a logistic regression trained on the
   original training images, measured on decoded test images, at equal bpp.
2. Photographs: scikit-learn's two sample images, two-fold: train on random
   patches of one, compress the other whole; rates <= 1 bpp.

Full protocol (the default): python benchmarks/compression.py
Reduced run (what the 2-core shared machine allows):
    python benchmarks/compression.py --quick
Writes benchmarks/results/compression[-reduced].json and prints a markdown summary.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from sklearn.datasets import load_sample_image
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression

from aekit import ImageCodec
from aekit.coding import StreamDecoder, StreamHeader, TableCoder, check, encode_groups, grouped, parse, seal, ungroup
from aekit.data import load_dataset
from aekit.exceptions import StillImprovingWarning
from aekit.models.codec import LAMBDA_LADDER
from aekit.nn.entropy import quantize_pmf

RESULTS = Path(__file__).parent / "results"
JPEG_QUALITIES = (1, 3, 5, 8, 10, 15, 20, 25, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95)
WEBP_QUALITIES = (0, 2, 5, 10, 15, 20, 25, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 100)
J2K_PSNRS = tuple(range(16, 52, 2))  # OpenJPEG's target PSNR per layer: its rate mode cannot go small on 28x28
PCA_KEY = b"PCA0"  # the PCA codec's "model hash" in aekit's stream format
PCA_STEPS = (2.0, 1.4, 1.0, 0.7, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08)


# -- metrics -------------------------------------------------------------------------------
def to_u8(images: np.ndarray) -> np.ndarray:
    return np.round(np.clip(images, 0, 1) * 255).astype(np.uint8)


def psnr(decoded: np.ndarray, original: np.ndarray) -> float:
    """Mean over images of the PSNR (dB) of 8-bit images; images (N, ...)."""
    err = (decoded.astype(np.float64) - original.astype(np.float64)) ** 2
    mse = np.maximum(err.reshape(len(err), -1).mean(1), 1e-10)
    return float(np.mean(10 * np.log10(255.0 ** 2 / mse)))


def ssim(decoded: np.ndarray, original: np.ndarray) -> float:
    """Mean SSIM (torchmetrics, Gaussian window, data range 255); images (N, H, W) or (N, H, W, 3)."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    def nchw(a):
        t = torch.from_numpy(a.astype(np.float32))
        return t[:, None] if t.ndim == 3 else t.permute(0, 3, 1, 2)

    kernel = 7 if min(original.shape[1:3]) < 64 else 11
    return float(structural_similarity_index_measure(nchw(decoded), nchw(original), data_range=255.0,
                                                     kernel_size=kernel))


# -- classical peers -----------------------------------------------------------------------
def jpeg_payload(data: bytes) -> int:
    """Bytes of the entropy-coded segment: after the start-of-scan header, before the end marker."""
    sos = data.index(b"\xff\xda")
    header = int.from_bytes(data[sos + 2:sos + 4], "big")
    return data.rindex(b"\xff\xd9") - (sos + 2 + header)


def pil_codec(images: np.ndarray, fmt: str, **options) -> tuple[list[bytes], np.ndarray]:
    """Encode each 8-bit image with Pillow, decode it; (files, decoded images)."""
    files, decoded = [], []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format=fmt, **options)
        data = buffer.getvalue()
        files.append(data)
        with Image.open(io.BytesIO(data)) as back:
            decoded.append(np.asarray(back.convert("L" if image.ndim == 2 else "RGB")))
    return files, np.stack(decoded)


def classical_curves(images: np.ndarray) -> dict[str, list[dict]]:
    """Rate (per image, bpp) and decoded images of every classical codec at every setting."""
    pixels = images.shape[1] * images.shape[2]
    curves: dict[str, list[dict]] = {"jpeg": [], "jpeg-optimized": [], "jpeg-payload": [], "webp": [],
                                     "jpeg2000": [], "png": []}
    for q in JPEG_QUALITIES:
        files, decoded = pil_codec(images, "JPEG", quality=q)
        opt_files, _ = pil_codec(images, "JPEG", quality=q, optimize=True)
        for name, sizes in (("jpeg", [len(f) for f in files]), ("jpeg-optimized", [len(f) for f in opt_files]),
                            ("jpeg-payload", [jpeg_payload(f) for f in opt_files])):
            curves[name].append({"setting": q, "bpp": 8 * float(np.mean(sizes)) / pixels, "decoded": decoded})
    for q in WEBP_QUALITIES:
        files, decoded = pil_codec(images, "WEBP", quality=q, method=6)
        curves["webp"].append({"setting": q, "bpp": 8 * float(np.mean([len(f) for f in files])) / pixels,
                               "decoded": decoded})
    resolutions = int(np.clip(np.log2(min(images.shape[1:3])) - 1, 1, 6))
    for target in J2K_PSNRS:  # the raw codestream (no JP2 box), as small images need
        files, decoded = pil_codec(images, "JPEG2000", quality_mode="dB", quality_layers=[target],
                                   irreversible=True, num_resolutions=resolutions, no_jp2=True)
        curves["jpeg2000"].append({"setting": target, "bpp": 8 * float(np.mean([len(f) for f in files])) / pixels,
                                   "decoded": decoded})
    files, decoded = pil_codec(images, "PNG", optimize=True)
    curves["png"].append({"setting": "lossless", "bpp": 8 * float(np.mean([len(f) for f in files])) / pixels,
                          "decoded": decoded})
    return curves


# -- the PCA transform codec: the same quantiser, tables and range coder as aekit ---------------
class PCACodec:
    """PCA coefficients, rounded to a uniform step, range-coded with per-component integer tables
    (histograms of the training set's symbols, add-one smoothed, clipped to +-max_symbol)."""

    def __init__(self, n_components: int, step: float, max_symbol: int = 63, seed: int = 0):
        self.n_components, self.step, self.max_symbol, self.seed = n_components, step, max_symbol, seed

    def fit(self, rows: np.ndarray, pca: PCA | None = None) -> PCACodec:
        """Fit the PCA (or take ``pca``, fitted on ``rows`` already) and the symbol tables."""
        self.pca = pca or PCA(self.n_components, random_state=self.seed).fit(rows)
        symbols = self._symbols(rows)
        counts = np.stack([np.bincount(s + self.max_symbol, minlength=2 * self.max_symbol + 1)
                           for s in symbols.T]) + 1.0
        self.coder = TableCoder(quantize_pmf(counts), self.max_symbol)
        return self

    def _symbols(self, rows: np.ndarray) -> np.ndarray:
        coefficients = self.pca.transform(rows) / self.step
        return np.clip(np.round(coefficients), -self.max_symbol, self.max_symbol).astype(np.int32)

    def _rows(self, symbols: np.ndarray) -> np.ndarray:
        return self.pca.inverse_transform(symbols * self.step).astype(np.float32)

    def compress(self, rows: np.ndarray, shape: tuple[int, int, int]) -> bytes:
        symbols = self._symbols(rows)
        header = StreamHeader(PCA_KEY[0], len(rows), *shape, layout="rows").to_bytes(shape[1:])
        component = np.broadcast_to(np.arange(symbols.shape[1]), symbols.shape).ravel()
        payload = encode_groups((self.coder, row, part) for row, part in grouped(symbols.ravel(), component))
        return seal(header + payload, PCA_KEY)

    def decompress(self, stream: bytes, shape: tuple[int, int, int]) -> np.ndarray:
        header, _, payload = parse(stream, shape)
        check(stream, PCA_KEY)
        component = np.broadcast_to(np.arange(self.n_components), (header.n_images, self.n_components)).ravel()
        symbols = ungroup(StreamDecoder(payload), self.coder, component).reshape(header.n_images, -1)
        return np.clip(self._rows(symbols), 0, 1)


# -- rate-distortion summaries ---------------------------------------------------------------
def monotone(points: list[dict], rate: str = "bpp") -> tuple[np.ndarray, np.ndarray]:
    """(rates, PSNRs) sorted by rate, keeping only points that raise the PSNR (the usable curve)."""
    pts = sorted(((p[rate], p["psnr"]) for p in points if np.isfinite(p["psnr"])), key=lambda t: t[0])
    rates, quality, best = [], [], -np.inf
    for r, q in pts:
        if q > best:
            rates.append(r), quality.append(q)
            best = q
    return np.array(rates), np.array(quality)


def bd_rate(anchor: list[dict], test: list[dict], anchor_rate: str = "bpp", test_rate: str = "bpp") -> float | None:
    """BD-rate (%) of test against anchor over their overlapping PSNR range (None: too little overlap)."""
    import bjontegaard

    ra, qa = monotone(anchor, anchor_rate)
    rt, qt = monotone(test, test_rate)
    if len(ra) < 4 or len(rt) < 4 or min(qa[-1], qt[-1]) <= max(qa[0], qt[0]):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(bjontegaard.bd_rate(ra, qa, rt, qt, method="akima", require_matching_points=False,
                                             min_overlap=0.0))
        except (ValueError, AssertionError):
            return None


def psnr_at(points: list[dict], bpp: float, rate: str = "bpp") -> float | None:
    """PSNR at ``bpp``, interpolated linearly in log-rate (None outside the measured range)."""
    r, q = monotone(points, rate)
    if len(r) < 2 or not r[0] <= bpp <= r[-1]:
        return None
    return float(np.interp(np.log(bpp), np.log(r), q))


def value_at(points: list[dict], bpp: float, key: str, rate: str = "bpp") -> float | None:
    pts = sorted((p[rate], p[key]) for p in points if key in p)
    if len(pts) < 2 or not pts[0][0] <= bpp <= pts[-1][0]:
        return None
    rates, values = zip(*pts)
    return float(np.interp(np.log(bpp), np.log(rates), values))


def finish(points: list[dict], original_u8: np.ndarray, classifier=None, labels=None) -> list[dict]:
    """Add PSNR, SSIM (and classifier accuracy) to each point; drop the decoded images."""
    for p in points:
        decoded = p.pop("decoded")
        p["examples"] = decoded[:8]  # for the strips figure; not written to the JSON
        p["psnr"] = psnr(decoded, original_u8) if p.get("setting") != "lossless" else float("inf")
        p["ssim"] = ssim(decoded, original_u8)
        if classifier is not None:
            p["accuracy"] = float(classifier.score(decoded.reshape(len(decoded), -1) / 255.0, labels))
    return points


# -- aekit ---------------------------------------------------------------------------------
def codec_points(codec: ImageCodec, images: np.ndarray, lmbda: float, per_image: bool = True) -> dict:
    """Rate (whole set as one stream, and one stream per image), decoded images; checks every stream decodes."""
    n, pixels = len(images), images.shape[-2] * images.shape[-1]
    t = time.perf_counter()
    stream = codec.compress(images)
    decoded = codec.decompress(stream)
    seconds = time.perf_counter() - t
    assert np.array_equal(decoded, codec.reconstruct(images))
    point = {"setting": lmbda, "bpp_set": 8 * len(stream) / (n * pixels), "coding_seconds": seconds,
             "bpp_estimate": float(codec.bits(images).sum()) / (n * pixels)}
    if per_image:
        sizes = []
        for i in range(n):
            s = codec.compress(images[i:i + 1])
            # same symbols; the synthesis of one image alone may differ from the batch's in float rounding
            assert np.allclose(codec.decompress(s), decoded[i:i + 1], atol=1e-4)
            sizes.append(len(s))
        point["bpp"] = 8 * float(np.mean(sizes)) / pixels
    else:
        point["bpp"] = point["bpp_set"]
    point["decoded"] = to_u8(decoded if decoded.ndim == 3 else decoded.transpose(0, 2, 3, 1))
    return point


def train_codec(images: np.ndarray, lmbda: float, args, entropy_model: str) -> ImageCodec:
    params = dict(lmbda=lmbda, entropy_model=entropy_model, random_state=args.seed, max_epochs=args.epochs,
                  learning_rate=args.learning_rate, batch_size=args.batch_size)
    if args.filters:
        params.update(filters=args.filters, latent_channels=args.latent_channels, hyper_filters=args.filters)
    if args.downsamplings != "auto":
        params.update(downsamplings=int(args.downsamplings))
    if args.lr_drop is not None:
        params.update(lr_drop=args.lr_drop)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StillImprovingWarning)
        return ImageCodec(**params).fit(images)


def fashion(args) -> dict:
    data = load_dataset("fashion-mnist")
    rng = np.random.default_rng(args.seed)
    train_rows = rng.permutation(len(data.X_train))[:args.train_images]
    test_rows = np.arange(len(data.X_test))[:args.test_images]
    train = data.X_train[train_rows].reshape(-1, 28, 28)
    test = data.X_test[test_rows].reshape(-1, 28, 28)
    test_u8 = to_u8(test)
    assert np.array_equal(test_u8.astype(np.float32) / 255, test)  # Fashion-MNIST is 8-bit already
    classifier = LogisticRegression(max_iter=300).fit(
        data.X_train[train_rows[:args.classifier_images]], data.y_train[train_rows[:args.classifier_images]])
    labels = data.y_test[test_rows]
    result = {"n_train": len(train), "n_test": len(test),
              "classifier_accuracy_on_originals": float(classifier.score(test.reshape(len(test), -1), labels))}
    t = time.perf_counter()
    curves = classical_curves(test_u8)
    print(f"classical codecs: {time.perf_counter() - t:.0f} s", flush=True)
    pca_points = []
    basis = PCA(args.pca_components, random_state=args.seed).fit(train.reshape(len(train), -1))
    for step in PCA_STEPS:
        pca = PCACodec(args.pca_components, step, seed=args.seed).fit(train.reshape(len(train), -1), basis)
        sizes = [len(pca.compress(row[None], (1, 28, 28))) for row in test.reshape(len(test), -1)]
        stream = pca.compress(test.reshape(len(test), -1), (1, 28, 28))
        pca_points.append({"setting": step, "bpp": 8 * float(np.mean(sizes)) / 784,
                           "bpp_set": 8 * len(stream) / (784 * len(test)),
                           "decoded": to_u8(pca.decompress(stream, (1, 28, 28)).reshape(-1, 28, 28))})
    curves["pca"] = pca_points
    for entropy_model in args.entropy_models:
        points = []
        for lmbda in args.lambdas:
            t = time.perf_counter()
            codec = train_codec(train, lmbda, args, entropy_model)
            fit_seconds = time.perf_counter() - t
            point = codec_points(codec, test, lmbda)
            point.update(fit_seconds=fit_seconds, epochs=codec.n_epochs_, lr_drop=codec.lr_drop)
            points.append(point)
            print(f"aekit {entropy_model} lambda={lmbda}: {point['bpp']:.3f} bpp per image, "
                  f"{point['bpp_set']:.3f} as one stream, fit {fit_seconds:.0f} s", flush=True)
        curves[f"aekit-{entropy_model}"] = points
    for name, points in curves.items():
        finish(points, test_u8, classifier, labels)
    result["curves"] = curves
    result["summary"] = summarise(curves, args.entropy_models)
    return result


def summarise(curves: dict, entropy_models: list[str]) -> dict:
    summary = {}
    peers = [k for k in curves if not k.startswith("aekit") and k != "png"]
    for model in entropy_models:
        ours = curves[f"aekit-{model}"]
        for rate in ("bpp", "bpp_set"):
            for peer in peers:
                summary[f"bd_rate[{model},{rate}] vs {peer}"] = bd_rate(curves[peer], ours, test_rate=rate)
            summary[f"bd_rate[{model},{rate}] vs pca(set)"] = bd_rate(curves["pca"], ours, "bpp_set", rate)
        webp = sorted(curves["webp"], key=lambda p: p["bpp"])[0]
        summary["webp smallest file: bpp, psnr"] = (webp["bpp"], webp["psnr"])
        summary[f"aekit-{model} psnr at webp's smallest bpp (per image)"] = psnr_at(ours, webp["bpp"])
        for bpp in (0.1, 0.25, 0.5, 1.0):
            for name, pts in curves.items():
                if name == "png":
                    continue
                for rate in ("bpp", "bpp_set") if name.startswith("aekit") or name == "pca" else ("bpp",):
                    summary[f"accuracy at {bpp} bpp [{name},{rate}]"] = value_at(pts, bpp, "accuracy", rate)
        for rate in ("bpp_set", "bpp"):
            low = [p for p in ours if p[rate] <= 0.1]
            summary[f"aekit-{model} best accuracy at <= 0.1 bpp ({rate})"] = max(
                (p["accuracy"] for p in low), default=None)
    return summary


# -- photographs -----------------------------------------------------------------------------
def photos(args) -> dict:
    images = {name: load_sample_image(name).astype(np.float32) / 255 for name in ("china.jpg", "flower.jpg")}
    folds = {}
    for train_name, test_name in (("china.jpg", "flower.jpg"), ("flower.jpg", "china.jpg")):
        photo, test = images[train_name], images[test_name]
        rng = np.random.default_rng(args.seed)
        size = args.patch
        corners = rng.integers(0, [photo.shape[0] - size, photo.shape[1] - size], size=(args.patches, 2))
        patches = np.stack([photo[r:r + size, c:c + size].transpose(2, 0, 1) for r, c in corners])
        test_u8 = to_u8(test)[None]
        curves = {k: [p for p in v if p["bpp"] <= 1.0 or k == "png"] for k, v in classical_curves(test_u8).items()}
        points = []
        for lmbda in args.photo_lambdas:
            t = time.perf_counter()
            codec = train_codec(patches, lmbda, args, "factorized")
            point = codec_points(codec, test.transpose(2, 0, 1)[None], lmbda, per_image=False)
            point.update(fit_seconds=time.perf_counter() - t, epochs=codec.n_epochs_)
            points.append(point)
            print(f"photo {test_name} lambda={lmbda}: {point['bpp']:.3f} bpp, fit {point['fit_seconds']:.0f} s",
                  flush=True)
        curves["aekit-factorized"] = points
        for pts in curves.values():
            finish(pts, test_u8)
        jpeg = curves["jpeg"]
        ahead = {f"{b:.1f}": (psnr_at(points, b), psnr_at(jpeg, b)) for b in (0.2, 0.4, 0.6, 0.8, 1.0)}
        folds[f"train {train_name}, test {test_name}"] = {
            "curves": curves, "psnr_at_bpp (aekit, jpeg)": ahead,
            "bd_rate vs jpeg": bd_rate(jpeg, points), "bd_rate vs webp": bd_rate(curves["webp"], points),
            "bd_rate vs jpeg2000": bd_rate(curves["jpeg2000"], points)}
    return folds


def _all_curves(result: dict) -> dict[str, dict]:
    found = {}
    if "fashion_mnist" in result:
        found["Fashion-MNIST"] = result["fashion_mnist"]["curves"]
    for fold, data in result.get("photos", {}).items():
        found[fold] = data["curves"]
    return found


def figures(result: dict, stem: Path) -> None:
    """Rate-distortion curves, and strips of originals and decoded images at about equal bpp
    (``stem``-rd.png, ``stem``-strips.png); the example images leave the result here."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = _all_curves(result)
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, (title, curves) in zip(axes[0], panels.items()):
        for name, points in curves.items():
            if name == "png" or name == "jpeg-optimized":
                continue
            rate, quality = zip(*sorted((p["bpp"], p["psnr"]) for p in points))
            ax.plot(rate, quality, "o-" if name.startswith("aekit") else ".-", label=name, ms=3)
        ax.set(title=title, xlabel="bits per pixel (whole files)", ylabel="PSNR (dB)", xscale="log")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(f"{stem}-rd.png", dpi=110)
    plt.close(fig)
    rows = []
    for title, curves in panels.items():
        ours = [k for k in curves if k.startswith("aekit")][0]
        target = sorted(p["bpp"] for p in curves[ours])[len(curves[ours]) // 2]
        for name in (ours, "jpeg", "webp"):
            best = min(curves[name], key=lambda p: abs(np.log(p["bpp"] / target)))
            rows.append((f"{title[:24]} {name} {best['bpp']:.2f} bpp, {best['psnr']:.1f} dB", best["examples"]))
    fig, axes = plt.subplots(len(rows), 1, figsize=(12, 1.6 * len(rows)), squeeze=False)
    for ax, (label, images) in zip(axes[:, 0], rows):
        if images.ndim == 4:  # a photograph: a crop at full resolution shows the artefacts
            images = images[:, 150:278, 200:456]
        ax.imshow(np.concatenate(list(images[:8]), axis=1), cmap="gray")
        ax.set_title(label, fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(f"{stem}-strips.png", dpi=110)
    plt.close(fig)
    for curves in panels.values():
        for points in curves.values():
            for p in points:
                p.pop("examples", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the reduced protocol (see REDUCED)")
    # below the ladder too: 28x28 images reach 0.1 bpp only at smaller lambdas
    parser.add_argument("--lambdas", type=float, nargs="+", default=[0.00003, 0.0001, 0.0004, *LAMBDA_LADDER[:5]])
    parser.add_argument("--photo-lambdas", type=float, nargs="+", default=list(LAMBDA_LADDER[:6]))
    parser.add_argument("--entropy-models", nargs="+", default=["factorized", "hyperprior"])
    parser.add_argument("--train-images", type=int, default=60000)
    parser.add_argument("--test-images", type=int, default=10000)
    parser.add_argument("--classifier-images", type=int, default=60000)
    parser.add_argument("--epochs", default="auto")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--batch-size", default="auto")
    parser.add_argument("--lr-drop", type=float, default=None,
                        help="share of the training steps, at the end, at a tenth of the learning rate; "
                             "default the estimator's (0.2); 0: a constant rate")
    parser.add_argument("--filters", type=int, default=None, help="filters (and hyper filters); default the estimator's")
    parser.add_argument("--latent-channels", type=int, default=96)
    parser.add_argument("--downsamplings", default="auto", help="stride-2 stages of every codec trained; default the estimator's \"auto\" rule")
    parser.add_argument("--pca-components", type=int, default=128)
    parser.add_argument("--patch", type=int, default=64)
    parser.add_argument("--patches", type=int, default=4000)
    parser.add_argument("--skip-photos", action="store_true")
    parser.add_argument("--skip-fashion", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.quick:
        for key, value in REDUCED.items():
            if getattr(args, key) == parser.get_default(key):
                setattr(args, key, value)
    args.epochs = args.epochs if args.epochs == "auto" else int(args.epochs)
    args.batch_size = args.batch_size if args.batch_size == "auto" else int(args.batch_size)
    torch.set_num_threads(1)
    # any setting that changes what is measured makes the run "not the full protocol", named in the JSON
    deviations = {k: v for k, v in vars(args).items() if k not in ("quick", "out", "seed")
                  and v != parser.get_default(k) and not (k in ("epochs", "batch_size") and v == "auto")}
    protocol = "full" if not deviations else "reduced"
    out = args.out or RESULTS / ("compression.json" if protocol == "full" else "compression-reduced.json")
    result = {"protocol": protocol, "not the full protocol in": deviations,
              "settings": {k: v for k, v in vars(args).items() if k != "out"},
              "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread"}
    t = time.perf_counter()
    if not args.skip_fashion:
        result["fashion_mnist"] = fashion(args)
    if not args.skip_photos:
        result["photos"] = photos(args)
    result["seconds"] = time.perf_counter() - t
    out.parent.mkdir(parents=True, exist_ok=True)
    figures(result, out.with_suffix(""))
    out.write_text(json.dumps(result, indent=1, default=float))
    print(json.dumps({k: v for k, v in result.get("fashion_mnist", {}).items() if k == "summary"}, indent=1,
                     default=float))
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "curves"} for k, v in
                      result.get("photos", {}).items()}, indent=1, default=float))
    print(f"wrote {out}")


# The reduced protocol: fewer lambdas, a subset of training and test images, fixed short training,
# smaller transforms, factorized prior only, one seed.
REDUCED = dict(lambdas=[0.0004, 0.0018, 0.0067, 0.025, 0.0932], photo_lambdas=[0.0018, 0.0067, 0.025],
               entropy_models=["factorized"], train_images=8000, test_images=1000, classifier_images=20000,
               epochs="10", batch_size="32", learning_rate=2e-3, filters=32, latent_channels=32, patches=600,
               patch=48)

if __name__ == "__main__":
    main()
