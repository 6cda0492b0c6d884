"""`aekit cluster`: labels with ids carried through, the model file, the report page."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits

import aekit
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
    page = (out / "report.html").read_text()
    for part in ("Cluster sizes", "Clusters against the known labels", "Example rows per cluster", "nmi"):
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
