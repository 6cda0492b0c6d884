"""Figures and tables for tabular data in compare / evaluate and the report."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_wine

from aekit.compare import compare_models, evaluate_fitted
from aekit.data import Dataset

MODELS = ["pca", "ae"]


def wine_dataset(labels: bool) -> Dataset:
    data = load_wine()
    X = data.data.astype(np.float32)
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:140], order[140:]
    y = data.target.astype(np.int64)
    return Dataset("wine", X[train], y[train] if labels else None, X[test], y[test] if labels else None,
                   None, "sklearn wine", feature_names=tuple(data.feature_names))


@pytest.fixture(scope="module")
def unlabelled_comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # without the linear path, whose PCA start a 2-epoch fit would keep (it is then not still improving)
        return compare_models(wine_dataset(labels=False), MODELS, out, latent_dim=2, hidden=(16,), max_epochs=2,
                              seed=0, code_map_method="pca", training={"linear_path": False})


def test_table_without_labels_still_gets_a_code_scatter_and_feature_errors(unlabelled_comparison):
    figures = unlabelled_comparison.out_dir / "figures"
    for name in ("codes.png", "feature_errors.png"):
        with Image.open(figures / name) as image:
            assert image.size[0] > 500 and image.size[1] > 250
            pixels = np.asarray(image.convert("L"))
        assert pixels.std() > 10  # not a blank canvas
    html = unlabelled_comparison.report.read_text()
    assert "Error per column" in html and "pass --label to colour them" in html


def test_report_says_when_a_model_was_still_improving(unlabelled_comparison):
    estimator = unlabelled_comparison.estimators["ae"]
    assert estimator.still_improving_  # 2 epochs on a 140-row table: far from done
    html = unlabelled_comparison.report.read_text()
    assert 'class="note warn">ae was still improving' in html and "pca was still" not in html


def test_evaluate_lists_the_rows_reconstructed_worst(unlabelled_comparison, tmp_path):
    dataset = wine_dataset(labels=True)
    estimator = unlabelled_comparison.estimators["ae"]
    file_rows = np.arange(1000, 1000 + len(dataset.X_test))
    result = evaluate_fitted("ae", estimator, dataset, tmp_path, code_map_method="pca", test_rows=file_rows)
    worst = pd.read_csv(tmp_path / "worst_rows.csv")
    scores = estimator.score_samples(dataset.X_test)
    assert len(worst) == 10 and worst["row"].iloc[0] == file_rows[np.argmax(scores)]
    np.testing.assert_allclose(worst["error"], np.sort(scores)[::-1][:10], rtol=1e-3)
    html = result.report.read_text()
    assert "Rows ae reconstructs worst" in html and f">{file_rows[np.argmax(scores)]}</td>" in html  # no "1,030"
