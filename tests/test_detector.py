"""aekit.AnomalyDetector on real data: separation, thresholds, files, explanations, bad input."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from safetensors import safe_open
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

import aekit
from aekit import AnomalyDetector
from aekit.exceptions import DataError, ModelFileError
from aekit.io import write_model_file

SMALL = {"latent_dim": 8, "hidden": (32,), "max_epochs": 8, "random_state": 0}


@pytest.fixture(scope="module")
def planted(digits):
    """Digits test rows (normal) plus 40 rows of random pixels (anomalies)."""
    X_test = digits[1]
    noise = np.random.default_rng(0).uniform(0, 1, (40, X_test.shape[1])).astype(np.float32)
    return np.vstack([X_test, noise]), np.r_[np.zeros(len(X_test), int), np.ones(40, int)]


@pytest.fixture(scope="module")
def detector(digits):
    return AnomalyDetector("dae", **SMALL).fit(digits[0])


@pytest.fixture(scope="module")
def cancer_detector(cancer):
    X_train, _, y_train, _ = cancer
    names = [f"f{i}" for i in range(X_train.shape[1])]
    return AnomalyDetector("ae", contamination=0.05, **SMALL).fit(pd.DataFrame(X_train[y_train == 1], columns=names))


def test_scores_separate_planted_anomalies(detector, planted):
    X, y = planted
    assert roc_auc_score(y, detector.decision_function(X)) > 0.95
    assert detector.predict(X)[y == 1].mean() > 0.9  # the "auto" threshold catches them


def test_malignant_tumours_score_higher_than_benign(cancer_detector, cancer):
    _, X_test, _, y_test = cancer
    frame = pd.DataFrame(X_test, columns=cancer_detector.feature_names_in_)
    assert roc_auc_score(y_test == 0, cancer_detector.decision_function(frame)) > 0.85


def test_contamination_rule_flags_that_fraction_of_training_rows(cancer_detector):
    assert cancer_detector.threshold_rule_ == "contamination"
    assert cancer_detector.labels_.mean() == pytest.approx(0.05, abs=0.005)
    np.testing.assert_array_equal(cancer_detector.labels_,
                                  cancer_detector.decision_scores_ > cancer_detector.threshold_)


def test_auto_flags_a_small_fraction_of_clean_data(detector, digits):
    assert detector.threshold_rule_ == "auto"
    assert 0.002 < detector.labels_.mean() < 0.08
    assert detector.predict(digits[1]).mean() < 0.15


def test_pyod_surface(detector, planted):
    X, y = planted
    for method in ("linear", "unify"):
        proba = detector.predict_proba(X, method=method)
        assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1)
        assert ((proba >= 0) & (proba <= 1)).all()
        assert roc_auc_score(y, proba[:, 1]) > 0.95
    confidence = detector.predict_confidence(X)
    assert ((confidence >= 0) & (confidence <= 1)).all()
    assert confidence[y == 1].mean() > 0.9  # far-out noise is confidently anomalous
    with pytest.raises(ValueError, match="method: expected one of"):
        detector.predict_proba(X, method="softmax")


def test_fit_predict_and_params_follow_scikit_learn(digits):
    det = AnomalyDetector("ae", contamination=0.1, **{**SMALL, "max_epochs": 2})
    assert det.get_params()["latent_dim"] == 8
    copy = clone(det)
    assert copy.get_params() == det.get_params() and copy.model_params is not det.model_params
    copy.set_params(latent_dim=4, threshold="iqr")
    assert copy.model_params["latent_dim"] == 4 and copy.threshold == "iqr"
    labels = det.fit_predict(digits[0])
    np.testing.assert_array_equal(labels, det.labels_)


def test_fit_threshold_on_a_few_labels(detector, planted):
    X, y = planted
    tuned = clone(detector).set_params()  # same parameters; reuse the fitted state below
    tuned.__dict__.update({k: v for k, v in detector.__dict__.items() if k.endswith("_")})
    tuned.fit_threshold(X[::2], y[::2], metric="f1")
    assert tuned.threshold_rule_ == "labels:f1"
    predicted = tuned.predict(X[1::2])
    assert (predicted == y[1::2]).mean() > 0.95


def test_explain_shares_sum_to_the_score(cancer_detector, cancer):
    X = pd.DataFrame(cancer[1][:20], columns=cancer_detector.feature_names_in_)
    shares = cancer_detector.explain(X)
    assert shares.shape == (20, 30) and (shares >= 0).all()
    # the default score is a sum: the shares are those of its reconstruction part, alone a score of its own
    assert cancer_detector.score_ == "standardized_mse+latent"
    assert cancer_detector.explained_score_ == "standardized_mse"
    part = copy.deepcopy(cancer_detector).set_params(score="standardized_mse")
    np.testing.assert_allclose(shares.sum(axis=1), part.decision_function(X), rtol=1e-5)
    top = cancer_detector.top_features(X, n=3)
    assert [name for name, _ in top[0]][0] == f"f{int(np.argmax(shares[0]))}"
    assert top[0][0][1] >= top[0][1][1] >= top[0][2][1]


def test_reloaded_detector_gives_identical_scores_and_labels(cancer_detector, cancer, tmp_path):
    path = cancer_detector.save(tmp_path / "det.safetensors")
    same = aekit.load(path)
    assert type(same) is AnomalyDetector
    assert same.get_params() == cancer_detector.get_params()
    X = pd.DataFrame(cancer[1], columns=cancer_detector.feature_names_in_)
    np.testing.assert_array_equal(same.decision_function(X), cancer_detector.decision_function(X))
    np.testing.assert_array_equal(same.predict(X), cancer_detector.predict(X))
    np.testing.assert_array_equal(same.predict_proba(X, "unify"), cancer_detector.predict_proba(X, "unify"))
    assert same.threshold_ == cancer_detector.threshold_
    assert same.threshold_rule_ == "contamination"
    np.testing.assert_array_equal(same.labels_, cancer_detector.labels_)


def _rewrite(path, **changes):
    with safe_open(str(path), framework="pt") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    write_model_file(path, {**meta, **changes}, tensors)


@pytest.mark.parametrize("field, value, match", [
    ("wrapper", "Pickler", "unknown wrapper"),
    ("wrapper_fitted", json.dumps({"threshold_": "NaN"}), "do not fit together"),
    ("wrapper_fitted", "[1, 2]", "must be a JSON object"),
    ("wrapper_params", json.dumps({"model": "ae", "no_such_param": 1}), "do not fit together"),
])
def test_tampered_detector_file_is_refused(cancer_detector, tmp_path, field, value, match):
    path = cancer_detector.save(tmp_path / "det.safetensors")
    _rewrite(path, **{field: value})
    with pytest.raises(ModelFileError, match=match):
        aekit.load(path)


def test_nan_rows_are_reported_by_index(detector, digits):
    X = digits[1][:10].copy()
    X[[3, 7], 5] = np.nan
    with pytest.raises(DataError, match=r"rows \[3, 7\]"):
        detector.decision_function(X)


def test_wrong_feature_count_says_expected_and_got(detector, digits):
    with pytest.raises(DataError, match="has 63 features, but .* expecting 64"):
        detector.predict(digits[1][:, :63])


def test_constant_training_data_is_refused(digits):
    with pytest.raises(DataError, match="identical"):
        AnomalyDetector("ae", **SMALL).fit(np.ones((50, 64), np.float32))


@pytest.mark.parametrize("params, match", [
    ({"model": "no-such-model"}, "expected a preset name"),
    ({"model": "ae", "latent": 3}, r"\['latent'\] are not parameters"),
    ({"model": "ae", "score": "elbo"}, "needs a variational model"),
    ({"model": "dae", "score": "reconstruction_probability"}, "needs a variational model"),
    ({"model": "ae", "score": "rmse"}, "score: expected 'auto', one of"),
    ({"model": "ae", "threshold": "median"}, "expected None, a number or one of"),
    ({"model": "ae", "contamination": 0.7}, "fraction in"),
])
def test_bad_parameters_fail_before_training(params, match, digits):
    with pytest.raises(ValueError, match=match):
        AnomalyDetector(**params).fit(digits[0])


def test_fixed_threshold_and_empty_input(digits, detector):
    det = AnomalyDetector("ae", threshold=0.05, **{**SMALL, "max_epochs": 1}).fit(digits[0])
    assert det.threshold_ == 0.05 and det.threshold_rule_ == "fixed"
    with pytest.raises(DataError, match="0 sample"):
        detector.decision_function(np.empty((0, 64), np.float32))


@pytest.mark.parametrize("params", [{"model": "conv", "image_shape": (1, 8, 8)}, {"model": "vae", "score": "elbo"}])
def test_other_families_by_preset_name(params, digits, tmp_path):
    X_train, X_test, y_train, y_test = digits
    det = AnomalyDetector(**params, max_epochs=5, random_state=0).fit(X_train[y_train == 0])
    scores = det.decision_function(X_test)
    assert roc_auc_score(y_test != 0, scores) > 0.9  # other digits are anomalies of the zeros
    np.testing.assert_array_equal(aekit.load(det.save(tmp_path / "d.safetensors")).decision_function(X_test), scores)


@pytest.fixture(scope="module")
def reconstruction_probability_detector(digits):
    """A VAE detector scoring by An & Cho's reconstruction probability, fitted on the zeros."""
    X_train, _, y_train, _ = digits
    return AnomalyDetector("vae", score="reconstruction_probability", latent_dim=4, hidden=(64,),
                           max_epochs=10, random_state=0).fit(X_train[y_train == 0])


def test_reconstruction_probability_separates_planted_anomalies(reconstruction_probability_detector, digits,
                                                                 planted):
    det = reconstruction_probability_detector
    _, X_test, _, y_test = digits
    assert roc_auc_score(y_test != 0, det.decision_function(X_test)) > 0.9  # other digits vs the zeros
    X, y = planted
    assert roc_auc_score(y, det.decision_function(X)) > 0.95  # random pixels
    expected = -det.estimator_.reconstruction_log_prob(X_test, n_samples=10, random_state=0)
    np.testing.assert_allclose(det.decision_function(X_test), expected, rtol=1e-6)
    assert (det.decision_function(X_test) < -det.estimator_.elbo(X_test, n_samples=10, random_state=0)).all()


def test_reloaded_reconstruction_probability_detector_is_identical(reconstruction_probability_detector, digits,
                                                                   tmp_path):
    det = reconstruction_probability_detector
    X_test = digits[1]
    same = aekit.load(det.save(tmp_path / "rp.safetensors"))
    assert same.score == "reconstruction_probability"
    np.testing.assert_array_equal(same.decision_function(X_test), det.decision_function(X_test))
    np.testing.assert_array_equal(same.predict(X_test), det.predict(X_test))
    assert same.threshold_ == det.threshold_


# -- scores beyond the raw reconstruction error ---------------------------------------------

@pytest.fixture(scope="module")
def zeros_detectors(digits):
    """One detector per new score, each fitted on the zeros of digits."""
    X_train, _, y_train, _ = digits
    return {score: AnomalyDetector("ae", score=score, **SMALL).fit(X_train[y_train == 0])
            for score in ("mse", "standardized_mse", "latent", "standardized_mse+latent")}


@pytest.mark.parametrize("score", ["standardized_mse", "latent", "standardized_mse+latent"])
def test_new_scores_separate_other_digits_and_reload_identically(zeros_detectors, digits, planted, score,
                                                                 tmp_path):
    det = zeros_detectors[score]
    _, X_test, _, y_test = digits
    scores = det.decision_function(X_test)
    assert roc_auc_score(y_test != 0, scores) > 0.9
    if "mse" in score:  # random pixels: the code alone can land among normal codes; the error cannot
        X, y = planted
        assert roc_auc_score(y, det.decision_function(X)) > 0.9
    same = aekit.load(det.save(tmp_path / "d.safetensors"))
    assert same.score == score
    np.testing.assert_array_equal(same.decision_function(X_test), scores)
    np.testing.assert_array_equal(same.predict(X_test), det.predict(X_test))
    assert same.threshold_ == det.threshold_


def test_standardized_mse_divides_each_pixels_error_by_its_training_mean(zeros_detectors, digits):
    plain, det = zeros_detectors["mse"], zeros_detectors["standardized_mse"]
    X_train, X_test, y_train, _ = digits
    assert det.feature_scale_.shape == (64,) and (det.feature_scale_ > 0).all()
    errors = det._feature_errors(det.estimator_, X_train[y_train == 0], "mse")
    np.testing.assert_allclose(det.feature_scale_, np.maximum(errors.mean(axis=0), 1e-3 * errors.mean()))
    shares = det.explain(X_test[:20])  # a sum over pixels: explain still adds up to the score
    np.testing.assert_allclose(shares.sum(axis=1), det.decision_function(X_test[:20]), rtol=1e-6)
    expected = (plain.explain(X_test[:20]) * 64 / det.feature_scale_).mean(axis=1)  # same model, same seed
    np.testing.assert_allclose(det.decision_function(X_test[:20]), expected, rtol=1e-5)


def test_latent_score_is_the_mahalanobis_distance_of_the_code(zeros_detectors, digits):
    det = zeros_detectors["latent"]
    X_train, X_test, y_train, _ = digits
    codes = det.estimator_.transform(X_train[y_train == 0])
    np.testing.assert_allclose(det.code_gaussian_.mean, codes.mean(axis=0), rtol=1e-4, atol=1e-5)
    z = det.estimator_.transform(X_test[:5]) - det.code_gaussian_.mean
    expected = np.sqrt(np.einsum("ij,jk,ik->i", z, det.code_gaussian_.precision, z))
    np.testing.assert_allclose(det.decision_function(X_test[:5]), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="needs a score with a reconstruction part"):
        det.explain(X_test[:5])


def test_summed_score_adds_the_parts_standardised_on_training_logs(zeros_detectors, digits):
    det = zeros_detectors["standardized_mse+latent"]
    X_train, X_test, y_train, _ = digits
    parts = {name: zeros_detectors[name].decision_function(X_test) for name in ("standardized_mse", "latent")}
    for name, part in parts.items():
        train_logs = np.log(zeros_detectors[name].decision_scores_)
        center = np.median(train_logs)
        assert det.part_scalers_[name].center == pytest.approx(center)
        assert det.part_scalers_[name].scale == pytest.approx(1.4826 * np.median(np.abs(train_logs - center)))
    expected = sum((np.log(part) - det.part_scalers_[name].center) / det.part_scalers_[name].scale
                   for name, part in parts.items())
    np.testing.assert_allclose(det.decision_function(X_test), expected, rtol=1e-6, atol=1e-9)
    assert det.labels_.mean() < 0.1  # "auto" on the summed score flags few clean training rows


@pytest.mark.parametrize("score", ["mse+mse", "mse+elbo", "latent+"])
def test_bad_summed_scores_fail_before_training(score, digits):
    with pytest.raises(ValueError, match="distinct parts of"):
        AnomalyDetector("ae", score=score, **SMALL).fit(digits[0])


@pytest.mark.parametrize("field, value, match", [
    ("code_gaussian_", None, "code_gaussian_"),
    ("code_gaussian_", {"mean": [0.0, 1.0], "precision": [[1.0, 0.0], [0.0, 1.0]]}, "precision matrix"),
    ("feature_scale_", [1.0] * 63, "feature_scale_"),
    ("part_scalers_", {"standardized_mse": [0.0, -1.0], "latent": [0.0, 1.0]}, "part_scalers_"),
])
def test_tampered_score_state_is_refused(zeros_detectors, tmp_path, field, value, match):
    path = zeros_detectors["standardized_mse+latent"].save(tmp_path / "det.safetensors")
    with safe_open(str(path), framework="pt") as f:
        fitted = json.loads(f.metadata()["wrapper_fitted"])
    fitted[field] = value
    if value is None:
        del fitted[field]
    _rewrite(path, wrapper_fitted=json.dumps(fitted))
    with pytest.raises(ModelFileError):
        aekit.load(path)
