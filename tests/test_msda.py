"""mDA / mSDA: the closed form against sampled corruptions, sparse input, files and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from sklearn.utils.estimator_checks import check_estimator

from aekit import MarginalizedDenoisingAutoencoder, load
from aekit.evaluation import probe_accuracy
from aekit.exceptions import DataError
from aekit.models.msda import scatter_with_bias, solve_layer


def _with_bias(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((len(X), 1))])


def test_closed_form_matches_least_squares_over_many_sampled_corruptions():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5)) @ rng.normal(size=(5, 5)) + 1.0  # correlated features, non-zero mean
    p, copies = 0.3, 4000
    # The explicit version: stack many masked copies of X and solve least squares from them to X.
    masked = np.concatenate([X * (rng.random(X.shape) >= p) for _ in range(copies)])
    W_sampled = np.linalg.lstsq(_with_bias(masked), np.tile(X, (copies, 1)), rcond=None)[0].T
    W_closed = solve_layer(scatter_with_bias(X), p, ridge=0.0)
    np.testing.assert_allclose(W_closed, W_sampled, atol=0.03)
    assert not np.allclose(W_closed[:, :-1], np.eye(5), atol=0.1)  # the noise really changed the answer


def test_no_noise_gives_the_least_squares_reconstruction():
    X = np.random.default_rng(1).normal(size=(60, 6))
    W = solve_layer(scatter_with_bias(X), 0.0, ridge=0.0)
    W_lstsq = np.linalg.lstsq(_with_bias(X), X, rcond=None)[0].T
    np.testing.assert_allclose(W, W_lstsq, atol=1e-8)
    np.testing.assert_allclose(W[:, :-1], np.eye(6), atol=1e-8)  # X reconstructs itself exactly


def test_float32_blocked_scatter_gives_the_float64_weights(digits):
    """Under masking noise the scatter's products are float32, in blocks of rows (more than one
    block here) summed in float64: the weights match the all-float64 solve."""
    import aekit.models.msda as msda_module

    X = np.tile(digits[0], (4, 1))  # 5,388 rows
    old = msda_module.SCATTER_BLOCK_ROWS
    msda_module.SCATTER_BLOCK_ROWS = 1000
    try:
        S32 = scatter_with_bias(X, msda_module.scatter_dtype(0.3))
    finally:
        msda_module.SCATTER_BLOCK_ROWS = old
    S64 = scatter_with_bias(X.astype(np.float64))
    np.testing.assert_allclose(S32, S64, rtol=1e-6, atol=1e-6 * np.abs(S64).max())
    W32, W64 = solve_layer(S32, 0.3, 1e-5), solve_layer(S64, 0.3, 1e-5)
    assert np.abs(W32 - W64).max() < 1e-4 * np.abs(W64).max()
    assert msda_module.scatter_dtype(0.0) is np.float64  # least squares keeps float64 products


def test_sparse_and_dense_input_give_the_same_codes(digits):
    X_train, X_test, *_ = digits
    dense = MarginalizedDenoisingAutoencoder(n_layers=2, noise_level=0.4, scaling="none").fit(X_train)
    sparse = MarginalizedDenoisingAutoencoder(n_layers=2, noise_level=0.4).fit(scipy.sparse.csr_matrix(X_train))
    np.testing.assert_allclose(sparse.transform(scipy.sparse.csr_matrix(X_test)), dense.transform(X_test), atol=1e-5)
    np.testing.assert_allclose(sparse.transform(X_test), dense.transform(X_test), atol=1e-5)


def test_codes_help_a_linear_classifier_and_reload_identically(digits, tmp_path):
    X_train, X_test, y_train, y_test = digits
    msda = MarginalizedDenoisingAutoencoder(n_layers=3, noise_level=0.5).fit(X_train)
    Z_train, Z_test = msda.transform(X_train), msda.transform(X_test)
    assert Z_test.shape == (len(X_test), 64 * 4)
    np.testing.assert_array_equal(Z_test[:, :64], X_test)  # the concatenation starts with the input
    raw = probe_accuracy(X_train, y_train, X_test, y_test)
    assert probe_accuracy(Z_train, y_train, Z_test, y_test) >= raw - 0.01  # saturated on digits: no loss
    assert probe_accuracy(Z_train[:, -64:], y_train, Z_test[:, -64:], y_test) > 0.8  # the top codes alone keep most of it
    same = load(msda.save(tmp_path / "msda.safetensors"))
    np.testing.assert_array_equal(same.transform(X_test), Z_test)
    np.testing.assert_array_equal(same.reconstruct(X_test), msda.reconstruct(X_test))
    top = MarginalizedDenoisingAutoencoder(n_layers=3, noise_level=0.5, output="top").fit(X_train)
    np.testing.assert_allclose(top.transform(X_test), Z_test[:, -64:], atol=1e-6)


def test_denoising_beats_copying_on_masked_input(digits):
    X_train, X_test, *_ = digits
    msda = MarginalizedDenoisingAutoencoder(n_layers=1, noise_level=0.3).fit(X_train)
    masked = X_test * (np.random.default_rng(0).random(X_test.shape) >= 0.3)
    assert np.mean((msda.reconstruct(masked) - X_test) ** 2) < 0.7 * np.mean((masked - X_test) ** 2)


@pytest.mark.parametrize("params,match", [
    ({"noise_level": 1.0}, r"in \[0, 1\)"),
    ({"noise_level": -0.1}, r"in \[0, 1\)"),
    ({"noise_level": float("nan")}, r"in \[0, 1\)"),
    ({"n_layers": 0}, ">= 1"),
    ({"output": "middle"}, "output must be one of"),
    ({"activation": "swish"}, "activation must be one of"),
])
def test_bad_settings_are_one_clear_error(digits, params, match):
    with pytest.raises(ValueError, match=match):
        MarginalizedDenoisingAutoencoder(**params).fit(digits[0])


def test_bad_input_is_one_clear_error(digits):
    X_train = digits[0]
    bad = scipy.sparse.csr_matrix(X_train)
    bad.data[0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        MarginalizedDenoisingAutoencoder().fit(bad)
    with pytest.raises(ValueError, match="sparse X is used unscaled"):
        MarginalizedDenoisingAutoencoder(scaling="standard").fit(scipy.sparse.csr_matrix(X_train))
    msda = MarginalizedDenoisingAutoencoder(n_layers=1).fit(X_train)
    with pytest.raises(DataError, match="X has 10 features, but MarginalizedDenoisingAutoencoder is expecting 64"):
        msda.transform(scipy.sparse.csr_matrix(np.ones((2, 10))))
    with pytest.raises(NotImplementedError, match="not decoded"):
        msda.inverse_transform(msda.transform(X_train[:2]))


EXPECTED_FAILED_CHECKS = {
    "check_transformer_preserve_dtypes":
        "codes are always float32 (the torch model's dtype), whatever the input dtype",
}


def test_scikit_learn_check_estimator():
    check_estimator(MarginalizedDenoisingAutoencoder(n_layers=2, noise_level=0.3),
                    expected_failed_checks=EXPECTED_FAILED_CHECKS)
