"""ImageCodec: training on rate + lambda * MSE, a real bitstream that decodes exactly,
model files, and streams or images that must be refused; on real images (digits,
scikit-learn's sample photograph)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits, load_sample_image

from aekit import ImageCodec, load
from aekit.coding import parse, seal
from aekit.estimators.presets import make_estimator
from aekit.exceptions import DataError, StreamError
from aekit.models.codec import ImageCodecConfig, ImageCodecModel, model_hash
from aekit.nn.entropy import TABLE_BITS, FactorizedDensity, quantize_pmf

pytestmark = pytest.mark.filterwarnings("ignore::aekit.exceptions.StillImprovingWarning")

TINY = dict(filters=8, latent_channels=8, batch_size=64, learning_rate=3e-3, random_state=0)


@pytest.fixture(scope="module")
def digits_images():
    return (load_digits().images / 16).astype(np.float32)  # (1797, 8, 8)


@pytest.fixture(scope="module")
def codec(digits_images):
    return ImageCodec(**TINY, lmbda=0.002, max_epochs=10).fit(digits_images[:1500])


@pytest.fixture(scope="module")
def hyper(digits_images):
    return ImageCodec(**TINY, entropy_model="hyperprior", hyper_filters=8, lmbda=0.002,
                      max_epochs=4).fit(digits_images[:1500])


def test_quantized_tables_are_exact_integers_summing_to_the_total():
    rng = np.random.default_rng(0)
    pmf = rng.dirichlet(np.full(127, 0.05), size=50)
    freq = quantize_pmf(pmf)
    assert freq.dtype == np.int32 and freq.min() >= 1
    assert (freq.sum(1) == 2**TABLE_BITS).all()
    assert np.array_equal(freq, quantize_pmf(pmf.copy()))  # a pure function of its input


def test_factorized_density_reaches_the_entropy_within_300_steps():
    """The density starts wide (init_scale 10); at the transforms' learning rate it used to need
    thousands of steps to narrow (2.9 bits a value here after 300 steps, against an entropy of 1.64)."""
    torch.manual_seed(0)
    density = FactorizedDensity(2)
    optimizer = torch.optim.Adam(density.parameters(), lr=1e-3)
    y = torch.randn(256, 2, 4, 4) * 0.7
    counts = np.unique(np.round(y.numpy()), return_counts=True)[1] / y.numel()
    entropy = -(counts * np.log2(counts)).sum()
    for _ in range(300):
        bits = -torch.log2(density.likelihood(y + torch.rand_like(y) - 0.5)).mean()
        optimizer.zero_grad()
        bits.backward()
        optimizer.step()
    with torch.no_grad():
        assert float(-torch.log2(density.likelihood(torch.round(y))).mean()) < entropy + 0.1


def test_the_synthesis_is_trained_on_the_rounded_latents_it_decodes(digits_images):
    """Mixed quantisation: noise stands in for rounding in the rate only; the distortion is that of
    the rounded latents (whatever the noise), as decoding will give."""
    model = ImageCodecModel(ImageCodecConfig(input_dim=64, image_shape=(1, 8, 8), filters=4, latent_channels=4,
                                             downsamplings=1))
    x = torch.from_numpy(digits_images[:16].reshape(16, 64))
    with torch.no_grad():
        images = x.view(-1, 1, 8, 8)
        decoded = model.synthesise(torch.round(model.analyse(images)), (8, 8))
        expected = float(((decoded - images) ** 2).mean())
        for seed in (0, 1):
            torch.manual_seed(seed)
            assert float(model.loss(x)["mse"]) == pytest.approx(expected, rel=1e-5)


def test_training_lowers_the_rate_distortion_loss_and_beats_raw_pixels(codec, digits_images):
    losses = codec.history_["train_loss"].to_numpy()
    assert losses[-1] < 0.5 * losses[0]
    test = digits_images[1500:]
    stream = codec.compress(test)
    decoded = codec.decompress(stream)
    assert 8 * len(stream) / test.size < 4.0  # under half of 8-bit pixels
    assert np.mean((decoded - test) ** 2) < 0.5 * test.var()  # far better than the mean image


def test_round_trip_is_exact_over_thousands_of_images(codec, digits_images):
    images = np.concatenate([digits_images, digits_images[:, :, ::-1]])  # 3,594 images
    stream = codec.compress(images)
    assert np.array_equal(codec.decompress(stream), codec.reconstruct(images))
    one_by_one = np.stack([codec.decompress(codec.compress(images[i:i + 1]))[0] for i in range(0, 3594, 12)])
    assert np.array_equal(one_by_one, codec.reconstruct(images[::12]))


def test_stream_length_matches_the_tables_estimate(codec, hyper, digits_images):
    images = digits_images[1500:]
    for model in (codec, hyper):
        stream = model.compress(images)
        header, head, payload = parse(stream, model.image_shape_)
        estimate = model.bits(images).sum()
        assert 8 * len(payload) == pytest.approx(estimate, rel=0.01, abs=40)
        assert len(stream) == len(head) + len(payload) + 4


def test_one_image_stream_costs_little_beyond_its_latents(codec, hyper, digits_images):
    """At 28x28 one byte is 0.01 bpp: one image's stream is its latents' bits, 8 bytes of
    header and checksum, and the range coder's flush (at most a 32-bit word)."""
    for model in (codec, hyper):
        for image in digits_images[1500:1520]:
            stream = model.compress(image[None])
            header, head, payload = parse(stream, model.image_shape_)
            assert len(head) + 4 == 8
            assert 8 * len(payload) - model.bits(image[None])[0] <= 32
        other = model.compress(np.zeros((1, 9, 12), np.float32))  # another size: height and width written
        assert len(parse(other, model.image_shape_)[1]) == 6
        assert model.decompress(other).shape == (1, 9, 12)


def test_hyperprior_round_trip_is_exact(hyper, digits_images):
    images = digits_images[:1000]
    assert np.array_equal(hyper.decompress(hyper.compress(images)), hyper.reconstruct(images))
    assert np.array_equal(hyper.decompress(hyper.compress(images[:1])), hyper.reconstruct(images[:1]))


def test_hyperprior_codes_y_at_the_images_own_size(codec, hyper, digits_images):
    """The hyperprior's y is as small as the factorized model's (it once padded every image to a
    multiple of 16: 2,048 values of y for a 28x28 image instead of 1,568), at any size."""
    for size in ((8, 8), (28, 28), (13, 21)):
        assert hyper.model_.config.latent_size(*size) == codec.model_.config.latent_size(*size)
        y = hyper.model_.analyse(torch.rand(1, 1, *size))
        assert tuple(y.shape[-2:]) == hyper.model_.config.latent_size(*size)
    odd = np.random.default_rng(0).random((3, 13, 21)).astype(np.float32)
    assert np.array_equal(hyper.decompress(hyper.compress(odd)), hyper.reconstruct(odd))


def test_any_size_and_layout_and_rgb():
    photo = load_sample_image("china.jpg").astype(np.float32) / 255  # (427, 640, 3)
    rng = np.random.default_rng(0)
    corners = rng.integers(0, [427 - 16, 640 - 16], size=(300, 2))
    patches = np.stack([photo[r:r + 16, c:c + 16].transpose(2, 0, 1) for r, c in corners])
    rgb = ImageCodec(**TINY, max_epochs=2).fit(patches)
    crop = photo[100:137, 200:223].transpose(2, 0, 1)[None]  # 37 x 23: not a multiple of anything
    decoded = rgb.decompress(rgb.compress(crop))
    assert decoded.shape == (1, 3, 37, 23)
    assert np.array_equal(decoded, rgb.reconstruct(crop))
    rows = rgb.decompress(rgb.compress(patches[:5].reshape(5, -1)))  # flat rows of the training shape
    assert rows.shape == (5, 3 * 16 * 16)


def test_gray_layouts_come_back_as_given(codec, digits_images):
    x = digits_images[:4]
    assert codec.decompress(codec.compress(x)).shape == (4, 8, 8)
    assert codec.decompress(codec.compress(x[:, None])).shape == (4, 1, 8, 8)
    assert codec.decompress(codec.compress(x.reshape(4, 64))).shape == (4, 64)
    assert codec.decompress(codec.compress(np.ones((2, 30, 17), np.float32))).shape == (2, 30, 17)


def test_save_load_gives_identical_streams(codec, digits_images, tmp_path):
    path = codec.save(tmp_path / "codec.safetensors")
    again = load(path)
    stream = codec.compress(digits_images[:50])
    assert again.compress(digits_images[:50]) == stream
    assert np.array_equal(again.decompress(stream), codec.decompress(stream))


@pytest.mark.parametrize("bad, message", [
    (np.zeros((0, 8, 8), np.float32), "empty|0 sample"),
    (np.zeros((2, 3, 8, 8), np.float32), "3 channel"),
    (np.full((2, 8, 8), np.nan, np.float32), "NaN"),
    (np.full((2, 8, 8), 2.0, np.float32), r"\[0, 1\]"),
    (np.zeros((2, 8, 8), np.uint8), "255"),
    (np.zeros(5, np.float32), "images"),
])
def test_bad_images_are_refused(codec, bad, message):
    with pytest.raises(DataError, match=message):
        codec.compress(bad)


def test_streams_that_cannot_be_decoded_are_refused(codec, hyper, digits_images):
    stream = codec.compress(digits_images[:3])
    with pytest.raises(StreamError, match="another model"):
        hyper.decompress(stream)
    with pytest.raises(StreamError, match="not an aekit codec stream"):
        codec.decompress(b"")
    with pytest.raises(StreamError, match="version 1"):
        codec.decompress(b"AE\x01\x00" + stream)
    as_version_2 = bytes([stream[0], 0x20 | stream[1] & 0x0F]) + stream[2:-4]  # version 2 factorized: read
    assert np.array_equal(codec.decompress(seal(as_version_2, model_hash(codec.model_))),
                          codec.decompress(stream))
    hyper_stream = hyper.compress(digits_images[:2])
    old_hyper = seal(bytes([hyper_stream[0], 0x20 | hyper_stream[1] & 0x0F]) + hyper_stream[2:-4],
                     model_hash(hyper.model_))
    with pytest.raises(StreamError, match="version 2.*compress the images again"):
        hyper.decompress(old_hyper)
    with pytest.raises(StreamError, match="version 9 is not supported"):
        codec.decompress(bytes([stream[0], 0x90 | stream[1] & 0x0F]) + stream[2:])
    for cut in (1, 5, len(stream) // 2):
        with pytest.raises(StreamError):
            codec.decompress(stream[:-cut])
    for model, s in ((codec, stream), (hyper, hyper.compress(digits_images[:2]))):
        for i in range(len(s)):  # any single flipped bit, header or payload, is caught
            altered = bytearray(s)
            altered[i] ^= 1 << (i % 8)
            with pytest.raises(StreamError):
                model.decompress(bytes(altered))


def test_presets_build_the_codec():
    assert isinstance(make_estimator("codec"), ImageCodec)
    assert make_estimator("codec-hyperprior").entropy_model == "hyperprior"


def test_auto_latent_channels_follow_the_image_size(digits_images):
    """8x8 digits get 16 channels of 4x4 (not 96: 24 latent values per pixel), trained with the
    default learning-rate drop (the last fifth of the steps at a tenth of the rate)."""
    small = ImageCodec(max_epochs=1, batch_size=256, random_state=0).fit(digits_images[:600])
    assert (small.model_.config.latent_channels, small.model_.config.downsamplings) == (16, 1)
    assert small.lr_drop == 0.2
    with pytest.raises(ValueError, match="latent_channels must be a positive integer or 'auto', got 'big'"):
        ImageCodec(latent_channels="big", max_epochs=1).fit(digits_images[:100])


def test_positional_density_codes_fewer_bits_at_the_same_quality(codec, digits_images):
    """A density per channel and position of y (fixed-size images): digits' border latents get their
    own tables; at the same settings it needs clearly fewer bits than one density per channel,
    decodes exactly, and refuses another image size."""
    positional = ImageCodec(**TINY, entropy_model="positional", lmbda=0.002, max_epochs=10).fit(digits_images[:1500])
    test = digits_images[1500:]
    stream = positional.compress(test)
    decoded = positional.decompress(stream)
    assert np.array_equal(decoded, positional.reconstruct(test))
    mse, mse_channel = ((decoded - test) ** 2).mean(), ((codec.reconstruct(test) - test) ** 2).mean()
    assert len(stream) < 0.85 * len(codec.compress(test)) and mse < 1.1 * mse_channel
    assert positional.model_.density.table.shape[0] == 8 * 4 * 4  # channels x positions
    with pytest.raises(DataError, match="codes only its training size, 8x8"):
        positional.compress(np.zeros((2, 16, 16), np.float32))
