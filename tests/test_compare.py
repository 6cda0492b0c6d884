"""`aekit compare` / `aekit evaluate` end to end on real data, report checked in Chromium."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.decomposition import PCA

from aekit.cli import main
from aekit.compare import compare_models
from aekit.data import load_dataset
from aekit.evaluation import probe_accuracy
from aekit.viz import browser

MODELS = ["pca", "ae", "dae"]


@pytest.fixture(scope="module")
def digits_data():
    return load_dataset("digits", random_state=0)


@pytest.fixture(scope="module")
def comparison(digits_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    return compare_models(digits_data, MODELS, out, latent_dim=8, hidden=(64,), max_epochs=25, seed=0,
                          code_map_method="pca")


def test_writes_table_figures_and_report(comparison):
    out = comparison.out_dir
    table = pd.read_csv(out / "results.csv")
    assert list(table["model"]) == MODELS
    assert (out / "results.md").read_text().count("\n") == len(MODELS) + 2
    for name in ("reconstructions", "denoising", "codes", "loss"):
        with Image.open(out / "figures" / f"{name}.png") as image:
            assert image.size[0] >= 800 and image.size[1] >= 300
    for name in MODELS[1:]:
        assert (out / "models" / f"{name}.safetensors").is_file()


def test_pca_row_matches_scikit_learn(comparison, digits_data):
    pca = PCA(8, random_state=0).fit(digits_data.X_train)
    expected = np.mean((pca.inverse_transform(pca.transform(digits_data.X_test)) - digits_data.X_test) ** 2)
    row = comparison.table.set_index("model").loc["pca"]
    assert row["test_mse"] == pytest.approx(expected, rel=1e-5)


def test_trained_codes_beat_random_codes(comparison, digits_data):
    ae = comparison.estimators["ae"]
    d = digits_data
    trained = probe_accuracy(ae.transform(d.X_train), d.y_train, ae.transform(d.X_test), d.y_test)
    rng = np.random.default_rng(0)
    random = probe_accuracy(rng.normal(size=(len(d.X_train), 8)), d.y_train,
                            rng.normal(size=(len(d.X_test), 8)), d.y_test)
    assert trained > random + 0.5
    assert comparison.table.set_index("model").loc["ae", "linear_probe"] == pytest.approx(trained)


def test_unknown_model_is_refused(digits_data, tmp_path):
    with pytest.raises(ValueError, match="unknown models \\['vae2'\\]"):
        compare_models(digits_data, ["pca", "vae2"], tmp_path)


@pytest.mark.browser
def test_report_renders_in_chromium(chromium, comparison, digits_data, tmp_path):
    report = comparison.report
    shot = browser.screenshot(report, tmp_path / "report.png", width=1280, height=2400)
    with Image.open(shot) as image:
        assert image.size == (1280, 2400)
        assert image.convert("L").getextrema()[0] < 50  # text and figures drawn, not a blank page
    widths = browser.image_load_report(report)
    # reconstructions, denoising, codes, loss; the samples of ae and dae side by side, and each one's grid
    assert len(widths) == 7 and all(w > 0 for w in widths), widths
    assert browser.count_result_rows(browser.dump_dom(report)) == len(MODELS)
    # the code map is interactive: every test row drawn, a hover shows the digit and each model's error
    explorer = browser.explorer_report(report)
    n_test = len(digits_data.X_test)
    assert explorer["errors"] == [] and explorer["explorers"] == 1
    assert explorer["points"] == explorer["plotted"] == n_test
    assert explorer["tip_visible"] and explorer["tip_image"], explorer
    assert "label: " in explorer["tip_text"] and all(f"reconstruction error ({m}): " in explorer["tip_text"] for m in MODELS)
    assert 0 < explorer["plotted_without_first"] < n_test  # a legend click hides one class


def test_cli_train_then_evaluate(tmp_path, capsys):
    run_dir = tmp_path / "run"
    for args in (["train", "--model", "ae", "--data", "digits", "--latent", "2", "--hidden", "32",
                  "--epochs", "3", "--out", str(run_dir), "--quiet"],
                 ["evaluate", str(run_dir), "--code-map", "pca"]):
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        assert exit_info.value.code in (0, None), capsys.readouterr().err
    evaluation = run_dir / "evaluation"
    table = pd.read_csv(evaluation / "results.csv")
    assert list(table["model"]) == ["pca", "ae"]
    assert (evaluation / "figures" / "manifold_ae.png").is_file()  # 2-D codes get the manifold grid
    assert (evaluation / "report.html").stat().st_size > 10_000


def test_compare_on_a_table_without_image_columns(tmp_path):
    """Breast cancer: a standardised table; no PSNR/SSIM, no image figures, probes still there."""
    data = load_dataset("breast-cancer", random_state=0)
    result = compare_models(data, ["pca", "ae"], tmp_path, latent_dim=4, hidden=(16,), max_epochs=5,
                            code_map_method="pca")
    table = result.table.set_index("model")
    assert "psnr" not in table.columns and "linear_probe" in table.columns
    # the PCA row is measured in standardised units, like the autoencoder's
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(data.X_train)
    train, test = scaler.transform(data.X_train), scaler.transform(data.X_test)
    pca = PCA(4, random_state=0).fit(train)
    expected = np.mean((pca.inverse_transform(pca.transform(test)) - test) ** 2)
    assert table.loc["pca", "test_mse"] == pytest.approx(expected, rel=1e-4)
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["codes.png", "feature_errors.png", "loss.png"]


def test_compare_on_unlabelled_user_data(tmp_path, digits_data):
    from aekit.data import Dataset

    unlabelled = Dataset("rows", digits_data.X_train, None, digits_data.X_test, None, None, "test rows")
    result = compare_models(unlabelled, ["pca", "ae"], tmp_path, latent_dim=4, hidden=(16,), max_epochs=3)
    assert "linear_probe" not in result.table.columns
    assert result.report.is_file()
