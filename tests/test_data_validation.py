"""check_data and feature_names_of: every bad input fails with its one-line message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import load_breast_cancer
from sklearn.utils import estimator_checks

from aekit.data import Scaler, check_data, feature_names_of
from aekit.exceptions import DataError


def test_returns_c_contiguous_float32_for_lists_arrays_and_frames():
    cancer = load_breast_cancer(as_frame=True)
    inputs = [
        [[1, 2], [3, 4]],
        np.asfortranarray(np.arange(6, dtype=np.float64).reshape(3, 2)),
        np.arange(6, dtype=np.int64).reshape(3, 2),
        np.array([[True, False]]),
        cancer.data,
    ]
    for X in inputs:
        out = check_data(X)
        assert out.dtype == np.float32 and out.ndim == 2 and out.flags.c_contiguous
    np.testing.assert_allclose(check_data(cancer.data), cancer.data.to_numpy(), rtol=1e-6)


def test_numeric_strings_and_object_arrays_of_numbers_convert():
    assert check_data(np.array([["1.5", "2"]])).tolist() == [[1.5, 2.0]]
    assert check_data(np.array([[1, 2.5]], dtype=object)).tolist() == [[1.0, 2.5]]


def test_1d_input_says_expected_2d_and_how_to_reshape():
    with pytest.raises(DataError, match=r"Expected 2D array.*1-D array of shape \(5,\).*Reshape your data") as info:
        check_data(np.arange(5))
    assert "X.reshape(-1, 1)" in str(info.value) and "\n" not in str(info.value)


def test_3d_input_names_its_shape():
    with pytest.raises(DataError, match=r"Expected 2D array.*3-D array of shape \(2, 28, 28\)"):
        check_data(np.zeros((2, 28, 28)))
    with pytest.raises(DataError, match="scalar"):
        check_data(3.0)


def test_empty_input_uses_sklearn_wording():
    with pytest.raises(DataError, match=r"0 sample\(s\)"):
        check_data(np.empty((0, 3)))
    with pytest.raises(DataError, match=r"0 feature\(s\) \(shape=\(12, 0\)\) while a minimum of 1 is required."):
        check_data(np.empty((12, 0)))


def test_dataframe_with_text_columns_names_them():
    frame = pd.DataFrame({"age": [30, 40], "city": ["Oslo", "Rome"], "code": ["a", "b"]})
    with pytest.raises(DataError, match=r"non-numeric columns \['city', 'code'\]"):
        check_data(frame)


def test_object_array_with_non_numbers_is_a_type_error_too():
    X = np.ones((3, 2), dtype=object)
    X[0, 0] = {"foo": "bar"}
    with pytest.raises(TypeError, match="argument must be .* string.* number"):
        check_data(X)
    with pytest.raises(DataError, match="not numbers"):
        check_data(np.array([["a", "b"]]))


def test_complex_and_sparse_and_ragged_inputs_are_refused():
    with pytest.raises(DataError, match="Complex data not supported"):
        check_data(np.ones((2, 2)) + 1j)
    with pytest.raises(DataError, match="sparse input is not supported"):
        check_data(scipy.sparse.csr_matrix(np.eye(3)))
    with pytest.raises(DataError, match="rows of different lengths"):
        check_data([[1, 2], [3]])


def test_nan_and_inf_name_rows_columns_and_count():
    X = np.zeros((100, 4))
    X[[4, 17, 90], 2] = np.nan
    X[17, 3] = np.inf
    with pytest.raises(DataError, match="NaN or inf") as info:
        check_data(X, name="train.csv")
    message = str(info.value)
    assert "train.csv contains NaN or infinity in 4 cells" in message
    assert "rows [4, 17, 90]" in message and "columns [2, 3]" in message
    assert "NaN" in message and "inf" in message


def test_many_bad_rows_are_abbreviated():
    X = np.full((50, 2), np.nan)
    with pytest.raises(DataError, match=r"rows \[0, 1, 2, 3, 4, \.\.\. \(50 in all\)\]"):
        check_data(X)


def test_values_too_large_for_float32_count_as_inf():
    with pytest.raises(DataError, match="too large for float32"):
        check_data(np.array([[1e300, 1.0]]))


def test_finite_values_whose_sum_overflows_are_accepted_and_a_lone_nan_is_found():
    big = np.full((4, 3), 3e38, dtype=np.float32)  # finite, but their float32 sum is inf
    assert check_data(big) is not None
    big[2, 1] = np.nan
    with pytest.raises(DataError, match=r"1 cells \(rows \[2\], columns \[1\]\)"):
        check_data(big)
    X = np.random.default_rng(0).random((1000, 50), dtype=np.float32)
    X[999, 49] = -np.inf
    with pytest.raises(DataError, match=r"rows \[999\], columns \[49\]"):
        check_data(X)


def test_allow_nan_lets_nan_through_but_not_inf():
    out = check_data(np.array([[np.nan, 1.0]]), allow_nan=True)
    assert np.isnan(out[0, 0])
    with pytest.raises(DataError, match="infinity"):
        check_data(np.array([[np.inf, 1.0]]), allow_nan=True)


def test_feature_count_mismatch_uses_sklearn_text():
    with pytest.raises(DataError) as info:
        check_data(np.ones((2, 3)), n_features=5, estimator_name="VAE")
    assert str(info.value) == "X has 3 features, but VAE is expecting 5 features as input."


def test_feature_names_of():
    frame = pd.DataFrame(np.ones((2, 2)), columns=["a", "b"])
    names = feature_names_of(frame)
    assert names.dtype == object and names.tolist() == ["a", "b"]
    assert feature_names_of(pd.DataFrame(np.ones((2, 2)))) is None  # integer column labels
    assert feature_names_of(pd.DataFrame(np.ones((2, 2)), columns=["a", 1])) is None
    assert feature_names_of(np.ones((2, 2))) is None
    assert feature_names_of([[1, 2]]) is None


class _ScalingTransformer(TransformerMixin, BaseEstimator):
    """The smallest estimator built on check_data, to run scikit-learn's own checks on our messages."""

    def fit(self, X, y=None):
        X = check_data(X, estimator_name=type(self).__name__)
        self.scaler_ = Scaler("standard").fit(X)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        X = check_data(X, n_features=self.n_features_in_, estimator_name=type(self).__name__)
        return self.scaler_.transform(X)


@pytest.mark.parametrize(
    "check",
    [
        estimator_checks.check_fit1d,
        estimator_checks.check_fit2d_predict1d,
        estimator_checks.check_estimators_empty_data_messages,
        estimator_checks.check_estimators_nan_inf,
        estimator_checks.check_complex_data,
        estimator_checks.check_dtype_object,
        estimator_checks.check_n_features_in_after_fitting,
        estimator_checks.check_estimator_sparse_array,
        estimator_checks.check_fit2d_1sample,
    ],
    ids=lambda check: check.__name__,
)
def test_messages_pass_sklearn_estimator_checks(check):
    check("_ScalingTransformer", _ScalingTransformer())
