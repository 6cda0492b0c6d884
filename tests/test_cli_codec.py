"""`aekit compress` / `aekit decompress` (and `aekit train --model codec`) on real images."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from aekit import ImageCodec, load
from aekit.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::aekit.exceptions.StillImprovingWarning")


def run(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A trained tiny codec file and a folder of 60 PNG digits (8x8, gray)."""
    root = tmp_path_factory.mktemp("codec")
    images = (load_digits().images / 16).astype(np.float32)
    codec = ImageCodec(filters=8, latent_channels=8, lmbda=0.002, learning_rate=3e-3, max_epochs=5,
                       random_state=0).fit(images[:1200])
    other = ImageCodec(filters=8, latent_channels=8, max_epochs=1, random_state=1).fit(images[:300])
    folder = root / "pngs"
    folder.mkdir()
    for i, image in enumerate(images[1200:1260]):
        Image.fromarray(np.round(image * 255).astype(np.uint8)).save(folder / f"d{i:02d}.png")
    return codec.save(root / "codec.safetensors"), other.save(root / "other.safetensors"), folder, root


def test_compress_then_decompress_a_folder(files, capsys):
    model, _, folder, root = files
    code, out, err = run(["compress", str(model), "--data", str(folder), "--out", str(root / "d.aec")], capsys)
    assert code == 0, err
    assert "60 images" in out and "bpp" in out and "PSNR" in out
    stream = (root / "d.aec").read_bytes()
    assert f"{len(stream)} bytes" in out
    code, out, err = run(["decompress", str(model), "--data", str(root / "d.aec"), "--out", str(root / "back"),
                          "--originals", str(folder)], capsys)
    assert code == 0, err
    decoded = sorted((root / "back").glob("*.png"))
    assert len(decoded) == 60 and "PSNR" in out
    pixels = np.stack([np.asarray(Image.open(p), dtype=np.float32) / 255 for p in decoded])
    expected = load(model).decompress(stream)[:, 0]
    assert np.abs(pixels - expected).max() <= 0.5 / 255 + 1e-6  # the decoded images, as 8-bit PNGs
    # the old spelling (stream first, --model) still works, with a deprecation note
    code, out, err = run(["decompress", str(root / "d.aec"), "--model", str(model), "--out", str(root / "old")],
                         capsys)
    assert code == 0 and "--model is deprecated" in err and "the positional STREAM is deprecated" in err
    assert [p.read_bytes() for p in sorted((root / "old").glob("*.png"))] == [p.read_bytes() for p in decoded]


def test_decompress_with_another_model_is_one_clear_error(files, capsys):
    model, other, folder, root = files
    run(["compress", str(model), "-d", str(folder), "-o", str(root / "e.aec")], capsys)
    code, out, err = run(["decompress", str(other), "-d", str(root / "e.aec"), "-o", str(root / "x")], capsys)
    assert code == 1 and "another model" in err and "Traceback" not in err


def test_a_stream_given_where_the_model_goes_gets_the_right_call(files, capsys):
    # `aekit decompress s.aec --out DIR` said only "--data is required"
    model, _, folder, root = files
    run(["compress", str(model), "-d", str(folder), "-o", str(root / "m.aec")], capsys)
    code, out, err = run(["decompress", str(root / "m.aec"), "--out", str(root / "y")], capsys)
    said = " ".join(err.replace("│", " ").split())  # the error box wraps the message
    assert code == 2 and "is a compressed stream, not a model" in said and "aekit decompress MODEL --data" in said
    code, out, err = run(["decompress", str(model), "--out", str(root / "y")], capsys)  # a model: as before
    assert code == 2 and "--data" in err and "compressed stream" not in err


def test_train_codec_from_the_cli(tmp_path, capsys):
    code, out, err = run(["train", "--model", "codec", "--data", "digits", "--epochs", "1", "--out",
                          str(tmp_path / "run")], capsys)
    assert code == 0, err
    codec = load(tmp_path / "run")
    assert isinstance(codec, ImageCodec)
    images = load_digits().images[:3] / 16
    assert codec.decompress(codec.compress(images)).shape == (3, 8, 8)


def test_a_stream_larger_than_the_pixels_is_flagged(files, capsys):
    # an undertrained codec (one epoch on 300 images, 32 latent channels) writes more bits than the raw
    # 8-bit pixels (about 30 bpp here): say so
    _, _, folder, root = files
    images = (load_digits().images / 16).astype(np.float32)
    other = ImageCodec(filters=8, latent_channels=32, max_epochs=1, random_state=1).fit(images[:300])
    other = other.save(root / "wide.safetensors")
    code, out, err = run(["compress", str(other), "--data", str(folder), "--out", str(root / "big.aec")], capsys)
    assert code == 0, err
    assert re.search(r"aekit: warning: the stream is larger than the raw 8-bit pixels \(\d+\.\d\d bpp\)", err)
    code, out, err = run(["compress", str(files[0]), "--data", str(folder), "--out", str(root / "ok.aec")], capsys)
    assert code == 0 and "larger than the raw" not in err
    assert 8 * (root / "big.aec").stat().st_size / (60 * 8 * 8) >= 8


def test_a_folder_of_two_sizes_gets_a_remedy_that_compress_has(files, capsys, tmp_path):
    # the loader's advice, "pass --image-size", named an option that compress and complete do not have
    model, _, _, _ = files
    folder = tmp_path / "mixed"
    folder.mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(folder / "a.png")
    Image.fromarray(np.zeros((10, 6), np.uint8)).save(folder / "b.png")
    code, _, err = run(["compress", str(model), "--data", str(folder), "--out", str(tmp_path / "s.aec")], capsys)
    err = " ".join(err.split())
    assert code == 1 and "a.png is 8x8, b.png is 6x10" in err and "one size" in err and "--image-size" not in err
    code, _, err = run(["complete", "--data", str(folder), "--masks", str(folder), "--out", str(tmp_path / "o")],
                       capsys)
    err = " ".join(err.split())
    assert code == 1 and "a.png is 8x8, b.png is 6x10" in err and "one size" in err and "--image-size" not in err


def test_decompress_with_the_originals_keeps_their_names(files, capsys, tmp_path):
    # the decoded images were 000000.png, ... even with the originals' folder at hand: the names were lost
    model, _, folder, _ = files
    photos = tmp_path / "photos"
    for i, png in enumerate(sorted(folder.glob("*.png"))[:6]):
        (photos / "ab"[i % 2]).mkdir(parents=True, exist_ok=True)
        (photos / "ab"[i % 2] / f"shot{i}.png").write_bytes(png.read_bytes())
    code, _, err = run(["compress", str(model), "--data", str(photos), "--out", str(tmp_path / "p.aec")], capsys)
    assert code == 0, err
    code, out, err = run(["decompress", str(model), "--data", str(tmp_path / "p.aec"), "--out",
                          str(tmp_path / "named"), "--originals", str(photos)], capsys)
    assert code == 0 and "PSNR" in out, err
    named = sorted(p.relative_to(tmp_path / "named").as_posix() for p in (tmp_path / "named").rglob("*.png"))
    assert named == sorted(p.relative_to(photos).as_posix() for p in photos.rglob("*.png"))
    original, decoded = (np.asarray(Image.open(root / "b" / "shot3.png"), np.float64) for root in (photos,
                                                                                                 tmp_path / "named"))
    assert np.abs(original - decoded).mean() < np.abs(original - original.mean()).mean()  # its own image, decoded
    code, _, err = run(["decompress", str(model), "--data", str(tmp_path / "p.aec"), "--out",
                        str(tmp_path / "numbered")], capsys)
    assert code == 0 and sorted(p.name for p in (tmp_path / "numbered").glob("*.png"))[:2] == ["000000.png",
                                                                                             "000001.png"]
