"""aekit detect fit / score: chunked scoring equals in-memory scoring; bad files get one line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import aekit
from aekit.cli import main
from test_cli import run


@pytest.fixture(scope="module")
def tables(cancer, tmp_path_factory):
    """Benign training rows as a CSV with a header, and the test rows as CSV and Parquet."""
    folder = tmp_path_factory.mktemp("detect")
    X_train, X_test, y_train, _ = cancer
    names = [f"f{i}" for i in range(X_train.shape[1])]
    pd.DataFrame(X_train[y_train == 1], columns=names).to_csv(folder / "normal.csv", index=False)
    test = pd.DataFrame(X_test, columns=names)
    test.insert(0, "id", np.arange(len(test)))  # extra columns are left out by name
    test.loc[[4, 77], "f3"] = np.nan
    test.to_csv(folder / "test.csv", index=False)
    test.to_parquet(folder / "test.parquet", row_group_size=25)
    return folder, test


@pytest.fixture(scope="module")
def detector_file(tables):
    folder, _ = tables
    path = folder / "det.safetensors"
    with pytest.raises(SystemExit) as exit_info:
        main(["detect", "fit", "--data", str(folder / "normal.csv"), "--model", "dae", "--contamination", "0.1",
              "--latent", "4", "--hidden", "16", "--epochs", "3", "--out", str(path), "--quiet"])
    assert exit_info.value.code in (0, None)
    return path


@pytest.mark.parametrize("name", ["test.csv", "test.parquet"])
def test_chunked_scores_equal_in_memory_scores(tables, detector_file, name, capsys):
    folder, test = tables
    out = folder / f"scores-{name}.csv"
    code, stdout, err = run(["detect", "score", str(detector_file), "--data", str(folder / name), "-o", str(out),
                             "--chunk-size", "40", "--quiet"], capsys)
    assert code == 0, err
    scores = pd.read_csv(out)
    detector = aekit.load(detector_file)
    complete = test.drop(columns="id").dropna()
    assert scores["row"].tolist() == list(range(len(test)))
    np.testing.assert_allclose(scores["score"].dropna().to_numpy(), detector.decision_function(complete),
                               rtol=1e-6, atol=1e-6)  # the default score is a sum of standardised parts: some near 0
    np.testing.assert_array_equal(scores["label"].dropna().astype(int), detector.predict(complete))
    assert scores.loc[[4, 77], ["score", "label"]].isna().all().all()  # NaN rows are not scored ...
    assert "2 rows with missing values (rows 4, 77)" in " ".join(err.split())  # ... and are reported
    assert scores["top_features"].dropna().str.match(r"^f\d+=[\d.e+-]+%;f\d+=").all()
    percents = scores["top_features"].dropna().str.findall(r"=([\d.e+-]+)%").apply(lambda p: sum(map(float, p)))
    assert percents.between(0, 100.5).all() and percents.max() > 20  # parts of each row's error, not raw values
    assert "flagged above threshold" in stdout


def test_a_score_that_fails_in_a_later_chunk_leaves_the_old_output_and_no_temp_file(tables, detector_file,
                                                                                    tmp_path, capsys):
    """The output is written with aekit.files.atomic_write (fsynced, renamed whole); it was a fixed
    `<out>.tmp` beside it, left behind by a failure and never fsynced."""
    folder, test = tables
    bad = test.astype({"f2": object})
    bad.loc[90, "f2"] = "n/a?"  # text in a numeric column, in the third 40-row chunk
    bad.to_csv(tmp_path / "bad.csv", index=False)
    (tmp_path / "scores.csv").write_text("the previous scores\n")
    code, _, err = run(["detect", "score", str(detector_file), "--data", str(tmp_path / "bad.csv"),
                        "-o", str(tmp_path / "scores.csv"), "--chunk-size", "40", "--quiet"], capsys)
    assert code == 1 and "'f2' (e.g. 'n/a?')" in err
    assert (tmp_path / "scores.csv").read_text() == "the previous scores\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "scores.csv"]


def test_fit_reports_threshold_and_flags_contamination(detector_file):
    detector = aekit.load(detector_file)
    assert detector.threshold_rule_ == "contamination"
    assert detector.labels_.mean() == pytest.approx(0.1, abs=0.01)
    assert list(detector.feature_names_in_) == [f"f{i}" for i in range(30)]


def test_summed_score_option_is_saved_and_scores_files_as_in_memory(tables, tmp_path, capsys):
    folder, test = tables
    path = tmp_path / "sum.safetensors"
    code, _, err = run(["detect", "fit", "--data", str(folder / "normal.csv"), "--model", "ae",
                        "--score", "standardized_mse+latent", "--latent", "4", "--hidden", "16", "--epochs", "3",
                        "--out", str(path), "--quiet"], capsys)
    assert code == 0, err
    detector = aekit.load(path)
    assert detector.score == "standardized_mse+latent" and set(detector.part_scalers_) == {"standardized_mse",
                                                                                          "latent"}
    code, _, err = run(["detect", "score", str(path), "--data", str(folder / "test.csv"), "-o", str(tmp_path / "s.csv"),
                        "--chunk-size", "50", "--quiet"], capsys)
    assert code == 0, err
    scores = pd.read_csv(tmp_path / "s.csv")
    np.testing.assert_allclose(scores["score"].dropna().to_numpy(),
                               detector.decision_function(test.drop(columns="id").dropna()), rtol=1e-6, atol=1e-6)
    # a summed score's top features are the shares of its reconstruction part (standardized_mse)
    assert scores["top_features"].dropna().str.match(r"^f\d+=[\d.e+-]+%;f\d+=").all()
    assert scores.loc[[4, 77], "top_features"].isna().all()


def test_bad_files_get_one_line(tables, detector_file, tmp_path, capsys):
    folder, test = tables
    (tmp_path / "empty.csv").write_text("")
    code, _, err = run(["detect", "score", str(detector_file), "--data", str(tmp_path / "empty.csv"), "-o",
                        str(tmp_path / "o.csv")], capsys)
    assert code == 1 and "empty" in err and len(err.strip().splitlines()) == 1
    test.drop(columns=["id", "f5"]).to_csv(tmp_path / "narrow.csv", index=False)
    code, _, err = run(["detect", "score", str(detector_file), "--data", str(tmp_path / "narrow.csv"), "-o",
                        str(tmp_path / "o.csv")], capsys)
    assert code == 1 and "lacks 1 of the model's 30 feature columns: ['f5']" in err
    np.save(tmp_path / "wide.npy", np.zeros((5, 31), np.float32))
    code, _, err = run(["detect", "score", str(detector_file), "--data", str(tmp_path / "wide.npy"), "-o",
                        str(tmp_path / "o.csv")], capsys)
    assert code == 1 and "has 31 columns and no header; expected the model's 30 feature columns" in err
    code, _, err = run(["detect", "fit", "--data", str(folder / "normal.csv"), "--threshold", "median"], capsys)
    assert code != 0 and "median" in err


def test_report_on_images_has_histogram_curves_and_heat_maps(tmp_path, capsys):
    det = tmp_path / "digits.safetensors"
    code, _, err = run(["detect", "fit", "--data", "digits", "--latent", "8", "--hidden", "32", "--epochs", "3",
                        "--out", str(det), "--quiet"], capsys)
    assert code == 0, err
    code, out, err = run(["detect", "report", str(det), "--data", "digits", "--normal", "0",
                          "-o", str(tmp_path / "report")], capsys)
    assert code == 0, err
    html = (tmp_path / "report" / "report.html").read_text()
    # scores, curves, the code map (its static PNG inside the interactive explorer), the heat maps
    assert html.count("<img") == 4 and "IsolationForest" in html and "threshold" in html
    assert html.count('class="aekit-explorer"') == 1 and "above the threshold (" in html
    results = pd.read_csv(tmp_path / "report" / "results.csv")
    assert list(results["detector"]) == ["ae", "IsolationForest", "PCA"]
    assert (results["auroc"] > 0.5).all()


@pytest.fixture(scope="module")
def labelled_table(cancer, tmp_path_factory):
    """Every breast-cancer row in one CSV, with an id column and a text diagnosis column."""
    X = np.vstack([cancer[0], cancer[1]])
    y = np.r_[cancer[2], cancer[3]]
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame.insert(0, "id", np.arange(len(frame)) + 1000)
    frame.insert(5, "diagnosis", np.where(y == 1, "benign", "malignant"))
    path = tmp_path_factory.mktemp("labelled") / "cancer.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_label_is_the_truth_never_a_feature_in_fit_score_and_report(labelled_table, tmp_path, capsys):
    path, frame = labelled_table
    det = tmp_path / "det.safetensors"
    columns = ["--label", "diagnosis", "--drop", "id"]
    code, _, err = run(["detect", "fit", "--data", str(path), *columns, "--normal", "benign", "--latent", "4",
                        "--hidden", "16", "--epochs", "20", "--out", str(det), "--quiet"], capsys)
    assert code == 0, err
    detector = aekit.load(det)
    assert list(detector.feature_names_in_) == [f"f{i}" for i in range(30)]  # no id, no diagnosis
    assert len(detector.decision_scores_) == (frame["diagnosis"] == "benign").sum()  # fitted on benign rows only

    scores_csv = tmp_path / "scores.csv"
    code, _, err = run(["detect", "score", str(det), "--data", str(path), "-o", str(scores_csv), *columns, "--quiet",
                        "--chunk-size", "100"], capsys)
    assert code == 0, err
    scores = pd.read_csv(scores_csv)
    assert scores["true_label"].tolist() == frame["diagnosis"].tolist()
    np.testing.assert_allclose(scores["score"], detector.decision_function(frame.drop(columns=["id", "diagnosis"])),
                               rtol=1e-6)
    from sklearn.metrics import roc_auc_score
    assert roc_auc_score(scores["true_label"] == "malignant", scores["score"]) > 0.85

    code, out, err = run(["detect", "report", str(det), "--data", str(path), *columns, "--normal", "benign",
                          "-o", str(tmp_path / "report"), "--quiet"], capsys)
    assert code == 0, err
    results = pd.read_csv(tmp_path / "report" / "results.csv")
    assert results.loc[0, "detector"] == "ae" and results.loc[0, "auroc"] > 0.85
    assert (tmp_path / "report" / "report.html").is_file()
    # the saved detector was fitted on every benign row, the report's test rows included: by default the
    # report fits its settings again on the baselines' rows (the 80%'s benign rows), so that none has seen a test row
    from aekit.runs import split_rows
    train_rows, test_rows = split_rows(len(frame), 0)
    n_fit = int((frame["diagnosis"].to_numpy()[train_rows] == "benign").sum())
    assert f"fitted ae again on the {n_fit} normal rows of the 80%" in " ".join(out.split())
    code, _, err = run(["detect", "report", str(det), "--data", str(path), *columns, "--normal", "benign",
                        "-o", str(tmp_path / "as-saved"), "--as-saved"], capsys)
    assert code == 0, err
    as_saved = pd.read_csv(tmp_path / "as-saved" / "results.csv")
    test = frame.iloc[test_rows]
    truth = (test["diagnosis"] == "malignant").to_numpy()
    saved_scores = detector.decision_function(test.drop(columns=["id", "diagnosis"]))
    assert as_saved.loc[0, "auroc"] == pytest.approx(roc_auc_score(truth, saved_scores))
    assert as_saved.loc[0, "auroc"] != pytest.approx(results.loc[0, "auroc"], abs=1e-9)


def test_bad_label_options_get_one_line(labelled_table, detector_file, tmp_path, capsys):
    path, _ = labelled_table
    code, _, err = run(["detect", "fit", "--data", str(path), "--label", "diagnosis", "--drop", "id",
                        "--normal", "healthy", "--epochs", "1", "--out", str(tmp_path / "d.safetensors")], capsys)
    assert code != 0 and "'healthy' is not a label" in err and "benign" in err
    code, _, err = run(["detect", "fit", "--data", str(path), "--label", "no_such_column"], capsys)
    assert code == 1 and "no column ['no_such_column']" in err
    np.save(tmp_path / "rows.npy", np.zeros((5, 31), np.float32))  # no header: --label is a position
    code, _, err = run(["detect", "score", str(detector_file), "--data", str(tmp_path / "rows.npy"), "-o",
                        str(tmp_path / "o.csv"), "--label", "31"], capsys)
    assert code == 1 and "rows.npy has no column ['31']; its columns are positions 0..30 (no header)" in err
    code, _, err = run(["detect", "score", str(detector_file), "--data", str(tmp_path / "rows.npy"), "-o",
                        str(tmp_path / "o.csv"), "--label", "0", "--quiet"], capsys)
    assert code == 0, err
    assert pd.read_csv(tmp_path / "o.csv")["true_label"].tolist() == [0.0] * 5


def test_score_an_image_folder_in_chunks(tmp_path, capsys):
    # detect fit took an image folder, but score took tables only ("cannot stream FOLDER")
    from PIL import Image
    from sklearn.datasets import load_digits
    from sklearn.metrics import roc_auc_score

    digits = load_digits()
    pixels = np.round(digits.images / 16 * 255).astype(np.uint8)
    zeros, sevens = np.flatnonzero(digits.target == 0), np.flatnonzero(digits.target == 7)
    (tmp_path / "normal").mkdir()
    for i in zeros[:120]:
        Image.fromarray(pixels[i]).save(tmp_path / "normal" / f"{i}.png")
    for name, rows in (("zero", zeros[120:150]), ("seven", sevens[:30])):
        (tmp_path / "test" / name).mkdir(parents=True)
        for i in rows:
            Image.fromarray(pixels[i]).save(tmp_path / "test" / name / f"{i}.png")
    det = tmp_path / "det.safetensors"
    code, out, err = run(["detect", "fit", "--data", str(tmp_path / "normal"), "--latent", "4", "--hidden", "32",
                        "--epochs", "30", "--out", str(det), "--quiet"], capsys)
    assert code == 0 and "on 120 images of normal" in out and "of training images flagged" in out, err
    code, out, err = run(["detect", "score", str(det), "--data", str(tmp_path / "test"), "--chunk-size", "7",
                          "--out", str(tmp_path / "s.csv"), "--quiet"], capsys)
    assert code == 0, err
    scores = pd.read_csv(tmp_path / "s.csv")
    assert len(scores) == 60 and list(scores.columns[:2]) == ["file", "row"]
    assert set(scores["true_label"]) == {"seven", "zero"}
    assert all(f.startswith(label + "/") for f, label in zip(scores["file"], scores["true_label"]))
    detector = aekit.load(det)  # chunks of 7 score as the whole folder in memory does
    X = np.stack([np.asarray(Image.open(tmp_path / "test" / f), dtype=np.float32).ravel() / 255
                  for f in scores["file"]])
    np.testing.assert_allclose(scores["score"], detector.decision_function(X), rtol=1e-5, atol=1e-6)
    assert roc_auc_score(scores["true_label"] == "seven", scores["score"]) > 0.8
    (tmp_path / "big").mkdir()
    Image.fromarray(np.zeros((9, 9), np.uint8)).save(tmp_path / "big" / "a.png")
    code, _, err = run(["detect", "score", str(det), "--data", str(tmp_path / "big"), "--out",
                        str(tmp_path / "b.csv")], capsys)
    said = " ".join(err.replace("│", " ").split())
    assert code == 1 and "rows of 64 values" in said and "9x9" in said and "Traceback" not in err
    code, _, err = run(["detect", "score", str(det), "--data", str(tmp_path / "test"), "--label", "y", "--out",
                        str(tmp_path / "c.csv")], capsys)
    assert code == 2 and "apply to table files" in " ".join(err.replace("│", " ").split())
