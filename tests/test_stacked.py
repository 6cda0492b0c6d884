"""Stacked autoencoders: greedy pretraining, fine-tuning, the supervised forms, files and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.utils.estimator_checks import check_estimator

import aekit.estimators.stacked as stacked_module
from aekit import StackedAutoencoder, StackedAutoencoderClassifier, StackedAutoencoderRegressor, load

# linear_path=False: the papers' network, whose pretraining and fine-tuning these tests follow (the default
# linear path and its logistic-regression start: tests/test_defaults.py)
FAST = dict(hidden=(48, 24), pretrain_epochs=4, max_epochs=25, batch_size=64, linear_path=False, random_state=0)
NAMES = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])


def _weights(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


@pytest.fixture(scope="module")
def recorded_fit(digits):
    """A classifier on string labels, with a record of every layer's weights
    before and after each training phase (fit_model call)."""
    X_train, _, y_train, _ = digits
    calls, real_fit = [], stacked_module.fit_model

    def recording_fit(model, data, cfg):
        trained = [layer for layer, *_ in calls]  # layers of earlier phases
        before = [_weights(layer) for layer in trained]
        result = real_fit(model, data, cfg)
        calls.append((model, before, [_weights(layer) for layer in trained], _weights(model)))
        return result

    stacked_module.fit_model = recording_fit
    try:
        clf = StackedAutoencoderClassifier(**FAST).fit(X_train, NAMES[y_train])
    finally:
        stacked_module.fit_model = real_fit
    return clf, calls


def test_pretraining_layer_k_leaves_lower_layers_unchanged(recorded_fit):
    clf, calls = recorded_fit
    layer1, layer2, whole = (call[0] for call in calls)
    assert layer1 is clf.model_.layers[0] and layer2 is clf.model_.layers[1] and whole is clf.model_
    _, before, after, _ = calls[1]  # while layer 2 trained
    for name, tensor in before[0].items():
        torch.testing.assert_close(after[0][name], tensor, rtol=0, atol=0)
    assert len(clf.pretrain_history_) == 2
    assert all(h["train_loss"].iloc[-1] < h["train_loss"].iloc[0] for h in clf.pretrain_history_)


def test_fine_tuning_changes_every_layer(recorded_fit):
    clf, calls = recorded_fit
    pretrained = [calls[0][3], calls[1][3]]  # each layer's weights at the end of its pretraining
    for k, layer in enumerate(clf.model_.layers):
        weight = "encoder.linears.0.weight"
        assert not torch.allclose(layer.state_dict()[weight], pretrained[k][weight]), f"layer {k + 1} unchanged"


def test_string_labels_come_back_as_given_and_fine_tuning_beats_frozen_features(recorded_fit, digits):
    clf, _ = recorded_fit
    _, X_test, y_train, y_test = digits
    assert list(clf.classes_) == sorted(NAMES)
    predicted = clf.predict(X_test)
    assert predicted.dtype.kind == "U" and set(predicted) <= set(NAMES)
    fine_tuned = clf.score(X_test, NAMES[y_test])
    frozen = clone(clf).set_params(fine_tune=False).fit(digits[0], NAMES[y_train]).score(X_test, NAMES[y_test])
    assert fine_tuned > 0.93
    assert fine_tuned > frozen + 0.02, (fine_tuned, frozen)
    proba = clf.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)


def test_classifier_file_round_trip_gives_identical_outputs(recorded_fit, digits, tmp_path):
    clf, _ = recorded_fit
    X_test = digits[1]
    same = load(clf.save(tmp_path / "sda.safetensors"))
    assert type(same) is StackedAutoencoderClassifier
    np.testing.assert_array_equal(same.predict_proba(X_test), clf.predict_proba(X_test))
    np.testing.assert_array_equal(same.predict(X_test), clf.predict(X_test))
    np.testing.assert_array_equal(same.transform(X_test), clf.transform(X_test))
    assert len(same.pretrain_history_) == 2


def test_unsupervised_stack_codes_reconstruction_and_file(digits, tmp_path):
    X_train, X_test, *_ = digits
    sae = StackedAutoencoder(hidden=(32, 12), noise="masking", noise_level=0.2, pretrain_epochs=4, max_epochs=8,
                             batch_size=64, random_state=0).fit(X_train)
    assert sae.transform(X_test).shape == (len(X_test), 12)
    mse = float(np.mean((sae.reconstruct(X_test) - X_test) ** 2))
    assert mse < 0.8 * float(np.mean((X_test - X_train.mean(axis=0)) ** 2))  # better than the mean image
    assert sae.history_["val_loss"].iloc[-1] < sae.history_["val_loss"].iloc[0]  # deep fine-tuning helped
    same = load(sae.save(tmp_path / "sae.safetensors"))
    np.testing.assert_array_equal(same.reconstruct(X_test), sae.reconstruct(X_test))


def test_regressor_learns_and_reloads(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    reg = StackedAutoencoderRegressor(hidden=(16,), pretrain=False, max_epochs=60, learning_rate=3e-3,
                                      batch_size=32, random_state=0).fit(X[:350], y[:350])
    assert reg.score(X[350:], y[350:]) > 0.3
    same = load(reg.save(tmp_path / "reg.safetensors"))
    np.testing.assert_array_equal(same.predict(X[350:]), reg.predict(X[350:]))


@pytest.mark.parametrize("y,match", [
    (lambda y: np.where(np.arange(len(y)) == 3, np.nan, y), "NaN"),
    (lambda y: np.zeros_like(y), "only one class"),
    (lambda y: y[:-1], "y has .* rows, but X has"),
    (lambda y: None, "requires y"),
])
def test_bad_targets_are_one_clear_error(digits, y, match):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match=match):
        StackedAutoencoderClassifier(**FAST).fit(X_train, y(y_train.astype(float)))


@pytest.mark.parametrize("params,match", [
    ({"hidden": (16, 0)}, "layer sizes must be >= 1"),
    ({"hidden": ()}, "at least one"),
    ({"pretrain": False, "fine_tune": False}, "untrained"),
    ({"layer_params": [{"noise": "masking"}]}, "one per layer"),
    ({"layer_params": [{}, {"colour": 1}]}, "unknown options"),
    ({"pretrain_epochs": (2,)}, "one per layer"),
    ({"dropout": 1.0}, "dropout must be in"),
])
def test_bad_settings_are_one_clear_error(digits, params, match):
    with pytest.raises(ValueError, match=match):
        StackedAutoencoder(**{**FAST, **params}).fit(digits[0])


def test_dropout_only_while_the_stack_trains(recorded_fit, digits, tmp_path):
    X_train, X_test, y_train, y_test = digits
    clf = StackedAutoencoderClassifier(**FAST, dropout=0.3).fit(X_train, NAMES[y_train])
    plain, _ = recorded_fit  # the same settings without dropout
    assert clf.score(X_test, NAMES[y_test]) > 0.9
    assert not np.array_equal(clf.predict_proba(X_test), plain.predict_proba(X_test))  # it trained differently
    np.testing.assert_array_equal(clf.predict_proba(X_test), clf.predict_proba(X_test))  # never drops in predict
    x = torch.from_numpy(clf.scaler_.transform(X_test[:50]).astype(np.float32))
    clf.model_.train()
    dropped = clf.model_.encode(x)
    clf.model_.eval()
    kept = clf.model_.encode(x)
    active = kept > 0
    share = float((dropped[active] == 0).float().mean())
    assert 0.2 < share < 0.6, share  # 0.3 at the top layer, more from the layers below
    same = load(clf.save(tmp_path / "dropout.safetensors"))
    assert same.model_.config.dropout == 0.3
    np.testing.assert_array_equal(same.predict_proba(X_test), clf.predict_proba(X_test))


def test_per_layer_options_reach_each_layer(digits):
    sae = StackedAutoencoder(hidden=(16, 8), layer_params=[{"noise": "masking", "noise_level": 0.3}, {"tied": True}],
                             pretrain_epochs=1, fine_tune=False, random_state=0)
    config = sae._model_config(64, "minmax")
    first, second = config.layer_configs()
    assert (first.noise, first.noise_level, first.tied) == ("masking", 0.3, False)
    assert (second.noise, second.tied, second.output_activation) == (None, True, "identity")
    assert first.output_activation == "sigmoid"


# Checks that cannot apply to these estimators are skipped by name:
EXPECTED_FAILED_CHECKS = {
    "check_transformer_preserve_dtypes":
        "codes are always float32 (the torch model's dtype), whatever the input dtype",
}


@pytest.mark.slow
@pytest.mark.parametrize("cls", [StackedAutoencoder, StackedAutoencoderClassifier, StackedAutoencoderRegressor])
def test_scikit_learn_check_estimator(cls):
    estimator = cls(hidden=(16,), pretrain_epochs=2, max_epochs=40, learning_rate=1e-2, batch_size=32,
                    random_state=0)
    check_estimator(estimator, expected_failed_checks=EXPECTED_FAILED_CHECKS)
