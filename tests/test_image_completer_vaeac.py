"""ImageCompleter(model="vaeac"): the loss goes down, centre holes are filled better than by the
mean image, ``sample`` gives different fills with exact observed pixels, reloads give identical
fills and seeded samples, and bad input is refused."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from aekit import ImageCompleter, load
from aekit.exceptions import DataError, WideCodeWarning
from aekit.models.imputation import VAEACConfig, VAEACImputer

pytestmark = pytest.mark.filterwarnings("ignore::aekit.exceptions.StillImprovingWarning")


@pytest.fixture(scope="module")
def vaeac(digit_images):
    return ImageCompleter(model="vaeac", max_epochs=15, batch_size=32, random_state=0).fit(digit_images[0])


@pytest.fixture(scope="module")
def centre_hole(digit_images):
    hole = np.zeros(digit_images[1].shape, dtype=bool)
    hole[:, 2:6, 2:6] = True
    return hole


def test_the_training_loss_goes_down(vaeac):
    assert vaeac.model_.family == "vaeac"
    losses = vaeac.history_["train_loss"].to_numpy()
    assert losses[-1] < losses[0] - 0.5  # per pixel, nats: the first epoch is far above the last


def test_fills_centre_holes_better_than_the_mean_image_and_keeps_observed_pixels(vaeac, digit_images, centre_hole):
    train, test = digit_images
    filled = vaeac.complete(test, centre_hole)
    assert np.array_equal(filled[~centre_hole], test[~centre_hole])
    mse = np.mean((filled - test)[centre_hole] ** 2)
    mean_image_mse = np.mean((np.broadcast_to(train.mean(0), test.shape) - test)[centre_hole] ** 2)
    assert mse < 0.75 * mean_image_mse


def test_samples_differ_in_the_hole_and_keep_observed_pixels_exactly(vaeac, digit_images, centre_hole):
    test, hole = digit_images[1][:30], centre_hole[:30]
    draws = vaeac.sample(test, hole, n_samples=3)
    assert draws.shape == (3, *test.shape) and draws.dtype == np.float32
    for draw in draws:
        assert np.array_equal(draw[~hole], test[~hole])
    # really different digits, not jitter: with a proposal that saw only the observed pixels (as the
    # prior does) the KL collapsed and the draws' spread in the hole was 0.01; it is about 0.12
    assert draws.std(0)[hole].mean() > 0.05
    assert np.array_equal(vaeac.sample(test, hole, n_samples=3), draws)  # random_state=0: the same draws


def test_reload_gives_identical_fills_and_seeded_samples(vaeac, digit_images, centre_hole, tmp_path):
    test, hole = digit_images[1][:20], centre_hole[:20]
    same = load(vaeac.save(tmp_path / "vaeac.safetensors"))
    assert same.model == "vaeac" and same.model_.family == "vaeac"
    assert np.array_equal(same.complete(test, hole), vaeac.complete(test, hole))
    assert np.array_equal(same.sample(test, hole, n_samples=2), vaeac.sample(test, hole, n_samples=2))


def test_bad_input_is_refused(vaeac, digit_images, centre_hole):
    test, hole = digit_images[1][:5], centre_hole[:5]
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="n_samples must be a positive integer"):
            vaeac.sample(test, hole, n_samples=bad)
    with pytest.raises(DataError, match="mask has shape"):
        vaeac.sample(test, hole[:, :4])
    with pytest.raises(ValueError, match="model must be one of"):
        ImageCompleter(model="vae").fit(digit_images[0][:50])
    masked_ae = ImageCompleter(channels=(8,), max_epochs=1, random_state=0).fit(digit_images[0][:100])
    with pytest.raises(ValueError, match="gives one fill per hole"):
        masked_ae.sample(test, hole)


def test_the_prior_sees_only_observed_pixels():
    torch.manual_seed(0)
    model = VAEACImputer(VAEACConfig(input_dim=64, n_numeric=64, image_shape=(1, 8, 8), channels=(8,))).eval()
    x, observed = torch.rand(4, 64), (torch.rand(4, 64) > 0.5).float()
    changed = torch.where(observed > 0, x, torch.rand(4, 64))  # other values in the hole
    assert not torch.equal(x, changed)
    assert torch.equal(model.predict(x, observed), model.predict(changed, observed))
    assert torch.equal(model.prior_of(x, observed)[0], model.prior_of(changed, observed)[0])


def test_the_vaeac_config_holds_no_masked_autoencoder_fields_and_reads_older_files(vaeac):
    import dataclasses

    from aekit.models.imputation import ConvImputerConfig, ImageImputerConfig

    fields = {f.name for f in dataclasses.fields(VAEACConfig)}
    assert not fields & {"mask_rate", "emphasis", "linear_skip", "n_members"}
    assert issubclass(VAEACConfig, ImageImputerConfig) and issubclass(ConvImputerConfig, ImageImputerConfig)
    assert {f.name for f in dataclasses.fields(ImageImputerConfig)} <= fields
    written_before = {**vaeac.model_.config.to_dict(), "mask_rate": 0.25, "emphasis": 0.75, "linear_skip": False,
                      "n_members": 1}  # a VAEAC file of 6 Dec 2026 held these four
    assert VAEACConfig.from_dict(written_before) == vaeac.model_.config
    with pytest.raises(ValueError, match="unknown fields"):
        VAEACConfig.from_dict({**written_before, "depth": 3})


def test_generate_and_serve_do_not_take_the_fills_for_new_images(vaeac, tmp_path, capsys):
    """``sample`` here draws fills of given holes: ``aekit generate`` refuses the model clearly (it would
    have called sample(n) and failed inside), and ``aekit serve`` offers no /sample endpoint."""
    from aekit.cli import main
    from aekit.serve.families import endpoints_of

    assert "sample" not in endpoints_of(vaeac) and "reconstruct" in endpoints_of(vaeac)
    path = vaeac.save(tmp_path / "vaeac.safetensors")
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", str(path), "-o", str(tmp_path / "x.png")])
    assert exit_info.value.code == 1 and "cannot generate" in capsys.readouterr().err


@pytest.mark.parametrize("model", ["masked-ae", "vaeac"])
def test_a_code_as_wide_as_the_image_is_not_warned_about(model, digit_images):
    # latent_dim=64 on 8x8 images: the wide-code warning told users of `aekit complete` to set a
    # --latent it lacks; the hidden pixels are not in the input, so a wide code copies nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error", WideCodeWarning)
        ImageCompleter(model=model, channels=(8,), max_epochs=1, random_state=0).fit(digit_images[0][:200])


def test_too_many_samples_for_the_memory_are_refused_before_drawing(vaeac, digit_images, centre_hole, monkeypatch):
    import aekit.memory

    test, hole = digit_images[1][:20], centre_hole[:20]
    monkeypatch.setattr(aekit.memory, "_meminfo_available", lambda: 2**20)  # 1 MiB left
    monkeypatch.setattr(aekit.memory, "_cgroup_room", lambda: None)
    with pytest.raises(DataError, match=r"drawing n_samples=10000 fills of 1,280 pixel values needs about 48\.9 MiB, "
                                        r"more than the 1\.0 MiB of memory available; draw fewer fills"):
        vaeac.sample(test, hole, n_samples=10_000)
    assert vaeac.sample(test, hole, n_samples=3).shape == (3, 20, 8, 8)  # 35 kB: fits
