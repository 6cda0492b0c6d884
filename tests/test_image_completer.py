"""ImageCompleter: fills holes in real images better than the mean image, keeps observed
pixels exactly, reloads with identical fills, and refuses masks of the wrong shape."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aekit import ImageCompleter, load
from aekit.exceptions import DataError

pytestmark = pytest.mark.filterwarnings("ignore::aekit.exceptions.StillImprovingWarning")


@pytest.fixture(scope="module")
def completer(digit_images):
    return ImageCompleter(max_epochs=15, batch_size=32, random_state=0).fit(digit_images[0])


def test_fills_centre_holes_better_than_the_mean_image_and_keeps_observed_pixels(completer, digit_images):
    train, test = digit_images
    hole = np.zeros(test.shape, dtype=bool)
    hole[:, 2:6, 2:6] = True
    filled = completer.complete(test, hole)
    assert np.array_equal(filled[~hole], test[~hole])
    mse = np.mean((filled - test)[hole] ** 2)
    mean_image_mse = np.mean((np.broadcast_to(train.mean(0), test.shape) - test)[hole] ** 2)
    assert mse < 0.75 * mean_image_mse  # the rest of the digit says what the hole held


def test_nan_marks_holes_reload_is_identical_and_bad_masks_are_refused(completer, digit_images, tmp_path):
    test = digit_images[1][:20].copy()
    test[:, 4:, :] = np.nan  # bottom half missing
    reloaded = load(completer.save(tmp_path / "completer.safetensors"))
    filled = completer.complete(test)
    assert not np.isnan(filled).any()
    np.testing.assert_array_equal(filled, reloaded.complete(test))
    with pytest.raises(DataError, match=r"mask has shape \(20, 4, 4\), but images have shape \(20, 8, 8\)"):
        completer.complete(digit_images[1][:20], np.zeros((20, 4, 4), dtype=bool))
    with pytest.raises(DataError, match="fitted on images of shape"):
        completer.complete(np.zeros((2, 7, 7)), np.zeros((2, 7, 7), dtype=bool))


def test_the_local_path_is_dilated_and_bad_dilations_are_refused(completer, digit_images):
    convs = [m for m in completer.model_.local if isinstance(m, torch.nn.Conv2d)]
    assert [c.dilation[0] for c in convs] == [1, 2, 4, 1]  # sees 17x17 pixels: the middle of a 14x14 hole
    with pytest.raises(ValueError, match=r"local_dilations must be >= 1, got \(0,\)"):
        ImageCompleter(local_dilations=(0,), max_epochs=1).fit(digit_images[0][:50])


def test_an_auto_code_size_is_chosen_from_the_data(digit_images):
    """Found by a helper: ImageCompleter(latent_dim="auto") (and AutoencoderImputer's) failed with a bare
    TypeError, the config receiving the string; it is sized as every other family's "auto" code."""
    from aekit import AutoencoderImputer

    images = digit_images[0][:300]
    for model in ("masked-ae", "vaeac"):
        completer = ImageCompleter(model=model, latent_dim="auto", max_epochs=1, random_state=0).fit(images)
        assert isinstance(completer.latent_dim_, int) and 1 <= completer.latent_dim_ < 64
    table = images.reshape(len(images), -1).copy()
    table[np.random.default_rng(0).random(table.shape) < 0.2] = np.nan
    imputer = AutoencoderImputer(latent_dim="auto", max_epochs=1, random_state=0).fit(table)
    assert isinstance(imputer.latent_dim_, int) and not np.isnan(imputer.transform(table)).any()
