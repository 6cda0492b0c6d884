"""``aekit compress`` and ``aekit decompress``: images to an ImageCodec stream and back.

Train the codec with ``aekit train --model codec`` (or ``codec-hyperprior``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import typer

from aekit.cli._common import (MODEL_HELP, console, data_file_option, load_model_as, old_argument, old_option,
                               out_option, renamed, required)

IMAGES_HELP = ("A folder of .png/.jpg images (one size), one image file, an .npy array of images "
               "(N, H, W) or (N, C, H, W) in [0, 1] or 0..255, or a dataset name (its test images).")


def _load_codec(model: str):
    from aekit.estimators.codec import ImageCodec

    return load_model_as(model, ImageCodec, "an ImageCodec", "train one with `aekit train --model codec`")


def _read_images(source: str, channels: int) -> tuple[np.ndarray, list[str]]:
    """(N, C, H, W) float32 images in [0, 1] and their names."""
    from aekit.data import DATASET_NAMES, load_dataset
    from aekit.data.loaders import IMAGE_SUFFIXES, MixedSizesError, image_mode_for, read_image_folder
    from aekit.exceptions import DataError

    path = Path(source)
    mode = image_mode_for(channels)
    if path.is_dir():
        with console.status(f"reading {source}"):
            try:
                folder = read_image_folder(path, mode=mode)  # its files relative to the folder, listed once
            except MixedSizesError as err:  # there is no --image-size here
                raise err.with_hint("a stream holds images of one size: resize them to one size first, "
                                    "or code each size as its own stream") from None
        return folder.X.reshape(len(folder.X), *folder.image_shape), folder.files
    if path.suffix.lower() in IMAGE_SUFFIXES:
        from PIL import Image

        with Image.open(path) as image:
            pixels = np.asarray(image.convert(mode), dtype=np.float32) / np.float32(255)
        return pixels.reshape(*pixels.shape[:2], -1).transpose(2, 0, 1)[None], [path.name]
    if path.suffix.lower() == ".npy":
        images = np.load(path, allow_pickle=False)
        if np.issubdtype(images.dtype, np.integer):
            images = images.astype(np.float32) / np.float32(255)
        images = images[:, None] if images.ndim == 3 else images
        return images.astype(np.float32, copy=False), [f"{i:06d}" for i in range(len(images))]
    if source.strip().lower().replace("_", "-") in DATASET_NAMES:
        data = load_dataset(source)
        X = data.X_test if data.X_test is not None else data.X_train
        return X.reshape(len(X), *data.image_shape), [f"{i:06d}" for i in range(len(X))]
    raise DataError(f"{source} is not a folder of images, an image file, an .npy file or a dataset name")


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)


def compress(
    model: str = typer.Argument(..., help=MODEL_HELP),
    data: Optional[str] = data_file_option(IMAGES_HELP),
    out: Optional[Path] = out_option("The stream file to write."),
    old_images: Optional[str] = old_argument(),
) -> None:
    """Compress the images of --data to one stream with a trained ImageCodec; print images, bytes, bpp and PSNR."""
    images = renamed(data, old_images, "the positional IMAGES", "--data")
    out = required(out, "--out")
    codec = _load_codec(model)
    pixels, _ = _read_images(images, codec.image_shape_[0])
    with console.status(f"compressing {len(pixels)} images"):
        stream = codec.compress(pixels)
        decoded = codec.decompress(stream)  # what the reader will get: checks the stream decodes
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(stream)
    n, c, h, w = pixels.shape
    bpp = 8 * len(stream) / (n * h * w)
    console.print(f"{n} images ({c}x{h}x{w}) -> {len(stream)} bytes, {bpp:.4f} bpp, "
                  f"PSNR {_psnr(decoded, pixels):.2f} dB; wrote {out}")
    if bpp >= 8 * c:  # an undertrained codec's density is still wide: its stream outgrows the pixels
        import warnings

        warnings.warn(f"the stream is larger than the raw {c * 8}-bit pixels ({bpp:.2f} bpp): the codec is "
                      "undertrained (train it longer: --epochs auto) or its λ is too high for these images", stacklevel=2)


def _refuse_stream_as_model(model: Optional[str], data: Optional[Path]) -> None:
    """``aekit decompress s.aec --out DIR``: the stream stands where the model goes; say the right call
    instead of "--data is required"."""
    from aekit.coding import StreamError, parse

    if data is not None or model is None or not Path(model).is_file():
        return
    with open(model, "rb") as f:
        head = f.read(64)
    try:
        parse(head + bytes(8), (1, 1, 1))  # a header (with room for a checksum) parses: it is a stream
    except StreamError:
        return
    raise typer.BadParameter(f"{model} is a compressed stream, not a model: aekit decompress MODEL --data {model} "
                             "--out FOLDER, where MODEL is the model that compressed it")


def decompress(
    model: Optional[str] = typer.Argument(None, help=MODEL_HELP + " The one that compressed the stream."),
    data: Optional[Path] = data_file_option("A stream written by `aekit compress`."),
    out: Optional[Path] = out_option("Folder to write the decoded images to (PNG)."),
    originals: Optional[str] = typer.Option(None, "--originals", help="The original images, for PSNR and "
                                            "the decoded files' names (a folder's, subfolders kept): "
                                            + IMAGES_HELP),
    old_model: Optional[str] = old_option("--model"),
) -> None:
    """Decode the stream of --data to PNG files (000000.png, ..., or the names of --originals); print images,
    bytes, bpp and PSNR when the originals are given."""
    from rich.progress import track

    from aekit.data.loaders import save_image_folder

    if old_model is not None:  # the old form, aekit decompress STREAM --model MODEL
        model, old_stream = renamed(None, old_model, "--model", "MODEL as the first argument"), model
        stream = renamed(data, None if old_stream is None else Path(old_stream), "the positional STREAM", "--data")
    else:
        _refuse_stream_as_model(model, data)
        stream = required(data, "--data")
    model, out = required(model, "MODEL"), required(out, "--out")

    codec = _load_codec(model)
    data = stream.read_bytes()
    images = codec.decompress(data)
    images = images[:, None] if images.ndim == 3 else images
    if images.ndim != 4:
        images = images.reshape(len(images), *codec.image_shape_)
    n, c, h, w = images.shape
    names = [f"{i:06d}" for i in range(n)]
    line = f"{n} images ({c}x{h}x{w}) <- {len(data)} bytes, {8 * len(data) / (n * h * w):.4f} bpp"
    if originals is not None:
        reference, original_names = _read_images(originals, c)
        if reference.shape != images.shape:
            from aekit.exceptions import DataError

            raise DataError(f"the originals have shape {reference.shape}, the stream {images.shape}")
        line += f", PSNR {_psnr(images, reference):.2f} dB"
        # each decoded image under its original's name (subfolders kept, as PNG), unless two would collide
        if len({str(Path(name).with_suffix("")) for name in original_names}) == n:
            names = original_names
    for i in track(range(n), description="writing", console=console, transient=True, disable=n < 50):
        save_image_folder(out, images[i:i + 1].reshape(1, -1), (c, h, w), [names[i]])
    console.print(f"{line}; wrote {out}")
