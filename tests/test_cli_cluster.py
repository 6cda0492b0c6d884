"""`aekit cluster`: labels with ids carried through, the model file, the report page."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits

import aekit
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
    for part in ("Cluster sizes", "Clusters against the known labels", "Example rows per cluster", "s000", "nmi"):
        assert part in page, part


def test_cluster_images_of_a_named_dataset_with_auto_k(tmp_path, capsys):
    out = tmp_path / "d"
    code, stdout, err = run(["cluster", "--data", "digits", "--k", "auto", "--max-k", "5", "--out", str(out), *TINY],
                            capsys)
    assert code == 0, err
    page = (out / "report.html").read_text()
    assert "Each row shows images of one cluster" in page and "Clusters against the known labels" in page
    assert (out / "examples.png").stat().st_size > 1000 and len(pd.read_csv(out / "labels.csv")) == 1797


def test_cluster_bad_k_is_one_line(tmp_path, capsys):
    code, _, err = run(["cluster", "--data", "digits", "--k", "many", "--out", str(tmp_path)], capsys)
    assert code != 0 and "--k expects" in err and "Traceback" not in err
