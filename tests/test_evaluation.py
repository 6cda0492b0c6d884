"""aekit.evaluation on real data (scikit-learn's 8x8 digits, scaled to [0, 1])."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from aekit.evaluation import (
    anomaly_metrics,
    code_quality,
    pca_baseline,
    probe_accuracy,
    reconstruction_metrics,
    results_table,
    table_to_markdown,
    throughput,
    timed,
)
from aekit.exceptions import DataError

DIGIT_SHAPE = (1, 8, 8)


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    X, y = data.data / 16.0, data.target
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    train, test = order[:1200], order[1200:]
    return X[train], y[train], X[test], y[test]


def test_pca_baseline_mse_matches_sklearn_pca(digits):
    X_train, _, X_test, _ = digits
    baseline = pca_baseline(X_train, X_test, n_components=16)

    pca = PCA(n_components=16).fit(X_train)
    expected = np.mean((X_test - pca.inverse_transform(pca.transform(X_test))) ** 2)

    mse = reconstruction_metrics(X_test, baseline["X_test_rec"])["mse"]
    assert mse == pytest.approx(expected, abs=1e-6)
    assert baseline["Z_train"].shape == (len(X_train), 16)
    assert baseline["Z_test"].shape == (len(X_test), 16)
    assert baseline["model"].n_components_ == 16


def test_pca_codes_beat_random_codes(digits):
    X_train, y_train, X_test, y_test = digits
    baseline = pca_baseline(X_train, X_test, n_components=16)
    rng = np.random.default_rng(0)
    noise_train, noise_test = rng.normal(size=(len(X_train), 16)), rng.normal(size=(len(X_test), 16))

    for kind in ("linear", "knn"):
        pca_acc = probe_accuracy(baseline["Z_train"], y_train, baseline["Z_test"], y_test, kind=kind)
        random_acc = probe_accuracy(noise_train, y_train, noise_test, y_test, kind=kind)
        assert pca_acc > 0.85, kind
        assert random_acc < 0.25, kind  # 10 classes: chance is ~0.1
        assert pca_acc - random_acc > 0.5, kind


def test_code_quality_keys_and_ranges(digits):
    X_train, y_train, X_test, y_test = digits
    baseline = pca_baseline(X_train, X_test, n_components=16)
    quality = code_quality(baseline["Z_train"], y_train, baseline["Z_test"], y_test)
    assert set(quality) == {"linear_probe", "knn", "silhouette"}
    assert 0.85 < quality["linear_probe"] <= 1.0
    assert 0.85 < quality["knn"] <= 1.0
    assert 0.0 < quality["silhouette"] < 1.0


def test_psnr_ssim_are_maximal_for_identical_images_and_drop_with_noise(digits):
    _, _, X_test, _ = digits
    same = reconstruction_metrics(X_test, X_test, image_shape=DIGIT_SHAPE)
    assert same["mse"] == 0.0 and same["mae"] == 0.0
    assert same["psnr"] == np.inf or same["psnr"] > 100
    assert same["ssim"] == pytest.approx(1.0, abs=1e-6)

    rng = np.random.default_rng(0)
    previous = same
    for sigma in (0.05, 0.2, 0.5):
        noisy = np.clip(X_test + rng.normal(0, sigma, X_test.shape), 0, 1)
        current = reconstruction_metrics(X_test, noisy, image_shape=DIGIT_SHAPE)
        assert current["mse"] > previous["mse"]
        assert current["psnr"] < previous["psnr"]
        assert current["ssim"] < previous["ssim"]
        previous = current


def test_ssim_on_small_rgb_images():
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(6, 3 * 5 * 5))
    metrics = reconstruction_metrics(X, X, image_shape=(3, 5, 5))
    assert metrics["ssim"] == pytest.approx(1.0, abs=1e-6)


def test_no_image_metrics_outside_unit_range():
    X = np.linspace(-1, 1, 64 * 4).reshape(4, 64)
    with pytest.warns(UserWarning, match=r"\[0, 1\]"):
        metrics = reconstruction_metrics(X, X * 0.9, image_shape=DIGIT_SHAPE)
    assert set(metrics) == {"mse", "mae"}


def test_anomaly_metrics_perfect_and_random():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(900, dtype=int), np.ones(100, dtype=int)]
    perfect = anomaly_metrics(y, y + rng.uniform(0, 0.5, len(y)))
    assert perfect == {"auroc": 1.0, "average_precision": 1.0}

    random = anomaly_metrics(y, rng.uniform(size=len(y)))
    assert random["auroc"] == pytest.approx(0.5, abs=0.07)
    assert random["average_precision"] == pytest.approx(0.1, abs=0.05)


@pytest.mark.parametrize(
    "call",
    [
        lambda: reconstruction_metrics(np.zeros((5, 64)), np.zeros((5, 63))),
        lambda: reconstruction_metrics(np.zeros((5, 64)), np.zeros((4, 64))),
        lambda: reconstruction_metrics(np.zeros((5, 64)), np.zeros((5, 64)), image_shape=(1, 8, 7)),
        lambda: probe_accuracy(np.zeros((5, 2)), np.zeros(4), np.zeros((3, 2)), np.zeros(3)),
        lambda: probe_accuracy(np.zeros((5, 2)), np.zeros(5), np.zeros((3, 3)), np.zeros(3)),
        lambda: probe_accuracy(np.zeros((5, 2)), np.zeros(5), np.zeros((3, 2)), np.zeros(3), kind="svm"),
        lambda: pca_baseline(np.zeros((10, 4)), np.zeros((3, 5)), 2),
        lambda: anomaly_metrics([0, 1, 0], [0.1, 0.2]),
        lambda: anomaly_metrics([0, 0, 0], [0.1, 0.2, 0.3]),
        lambda: reconstruction_metrics([[np.nan, 1.0]], [[0.0, 1.0]]),
    ],
)
def test_bad_input_raises_data_error(call):
    with pytest.raises(DataError) as info:
        call()
    assert isinstance(info.value, ValueError)
    assert "expected" in str(info.value) and "\n" not in str(info.value)


def test_timed_and_throughput():
    result, seconds = timed(sum, [1, 2, 3])
    assert result == 6 and seconds >= 0.0
    X = np.ones((1000, 8))
    rate = throughput(lambda a: a @ np.ones((8, 4)), X, repeats=2)
    assert rate > 1000


def test_results_table_and_markdown():
    rows = [
        {"mse": 0.0123, "model": "pca", "throughput": 123456.7},
        {"model": "ae|tied", "mse": 0.00987, "epochs": 3},
    ]
    df = results_table(rows)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["model", "mse", "throughput", "epochs"]

    markdown = table_to_markdown(df).splitlines()
    assert len(markdown) == 4
    assert markdown[0].split("|")[1].strip() == "model"
    assert set(markdown[1].replace("|", "").replace(" ", "")) <= {"-", ":"}
    assert markdown[1].count(":") == 3  # three numeric columns, right-aligned
    assert "123,457" in markdown[2] and "0.0123" in markdown[2]
    assert "ae\\|tied" in markdown[3] and "–" in markdown[3]
    assert len({len(line) for line in markdown}) == 1  # columns line up


def _probe_without_convergence_warning(data):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    from aekit.evaluation import linear_probe
    from aekit.evaluation.codes import PROBE_C_GRID, PROBE_MAX_ITER

    with warnings.catch_warnings(), threadpool_limits(1):  # one BLAS thread: the machine is shared
        warnings.simplefilter("error", ConvergenceWarning)  # an unconverged lbfgs fails the test
        probe = linear_probe(data.X_train, data.y_train, random_state=0)
    assert probe.C in PROBE_C_GRID and set(probe.validation_scores) == set(PROBE_C_GRID)
    assert probe.n_iter < PROBE_MAX_ITER
    return probe


def test_linear_probe_converges_on_784_pixels_and_picks_c_on_validation_rows():
    """4,000 x 784 MNIST pixels (mnist-5k): every fit of the grid and the refit converge, and
    C is the validation split's best."""
    from aekit.data import load_dataset

    data = load_dataset("mnist-5k", random_state=0)
    probe = _probe_without_convergence_warning(data)
    assert probe.validation_scores[probe.C] == max(probe.validation_scores.values())
    assert probe.score(data.X_test, data.y_test) > 0.88


@pytest.mark.slow
def test_linear_probe_converges_on_full_fashion_mnist_pixels():
    """The size that warned before: 60,000 x 784 standardised pixels."""
    from aekit.data import load_dataset

    data = load_dataset("fashion-mnist", random_state=0)
    probe = _probe_without_convergence_warning(data)
    assert probe.score(data.X_test, data.y_test) > 0.84


def test_linear_probe_refuses_a_bad_c():
    with pytest.raises(DataError, match="C: expected 'auto' or a positive number"):
        probe_accuracy(np.zeros((6, 2)), np.arange(6) % 2, np.zeros((2, 2)), np.arange(2), C=0)
