"""The cluster report's example rows show the data as the file holds it."""

import numpy as np
import pandas as pd

from aekit.viz.cluster_report import _example_rows


def test_example_rows_keep_the_files_numbers():
    X = pd.DataFrame({"year": [2007, 2008, 2009, 2009], "mass": [5700.0, 3325.5, 12500.0, 39.2],
                      "sex": ["male", "female", "male", "female"], "ok": [True, False, True, True]})
    labels = np.array([0, 1, 0, 1])
    shown = _example_rows(X, labels, ids=None, k=2, examples=[np.array([0, 2]), np.array([1, 3])])
    assert shown["cluster"].tolist() == [0, 0, 1, 1]
    assert shown["year"].tolist() == ["2007", "2009", "2008", "2009"]  # not "2,007"
    assert shown["mass"].tolist() == ["5700", "12500", "3325.5", "39.2"]  # not "1.25e+04" nor "12,500"
    assert shown["sex"].tolist() == ["male", "male", "female", "female"] and shown["ok"].dtype == bool


def test_example_images_show_each_cluster_up_to_ten_not_the_smallest_clusters_count(tmp_path):
    # every row was cut to the smallest cluster's size: one cluster of 1 image left one image per cluster
    from PIL import Image

    from aekit.viz.figures import plot_image_rows

    rng = np.random.default_rng(0)
    rows = {"cluster 0 (12)": rng.random((12, 64)), "cluster 1 (1)": rng.random((1, 64))}
    wide = np.asarray(Image.open(plot_image_rows(rows, (1, 8, 8), tmp_path / "a.png", equal_rows=False)).convert("L"))
    same = np.asarray(Image.open(plot_image_rows(rows, (1, 8, 8), tmp_path / "b.png")).convert("L"))

    def columns_drawn(image):  # columns of the figure holding a pixel that is not white
        return int((image < 250).any(axis=0).sum())

    assert columns_drawn(wide) > 3 * columns_drawn(same)  # 10 images in the first row against 1 (and the labels)


def test_cluster_report_draws_unequal_clusters_in_full(tmp_path, monkeypatch):
    from aekit.viz import cluster_report as module

    calls = {}
    monkeypatch.setattr(module, "plot_image_rows", lambda rows, shape, path, **kw: calls.update(kw) or path)
    monkeypatch.setattr(module, "code_map_figure", lambda *a, **kw: ("x.png", "map"))
    monkeypatch.setattr(module, "write_report", lambda path, **kw: path)

    class Fitted:
        labels_, n_clusters_, method, encoder, encoder_ = np.array([0] * 12 + [1]), 2, "kmeans", "ae", object()

        def score_samples(self, X):
            return np.ones(len(X))

    module.cluster_report(Fitted(), np.zeros((13, 2)), tmp_path, X=np.zeros((13, 64)), image_shape=(1, 8, 8))
    assert calls["equal_rows"] is False and calls["n"] == module.EXAMPLES


def test_the_number_of_clusters_axis_has_whole_numbers(tmp_path, monkeypatch):
    # k = 2 ... 20 was labelled 2.5, 5.0, 7.5, ...
    from aekit.viz import cluster_report as module

    drawn = {}
    monkeypatch.setattr(module, "save_figure", lambda fig, path: drawn.setdefault("fig", fig) and path)
    scores = pd.DataFrame({"k": np.arange(2, 21), "score": np.linspace(0.2, 0.3, 19)})
    module._plot_k_scores(scores, 5, "silhouette", tmp_path / "k.png")
    ticks = drawn["fig"].axes[0].get_xticks()
    assert len(ticks) >= 3 and np.array_equal(ticks, np.round(ticks))


def test_cluster_sizes_share_has_three_decimals(tmp_path, monkeypatch):
    """The sizes table's share reads 0.008, 0.042, 0.2 (it mixed 0.008333 and 0.04167)."""
    from aekit.viz import cluster_report as module

    seen = {}
    monkeypatch.setattr(module, "plot_image_rows", lambda rows, shape, path, **kw: path)
    monkeypatch.setattr(module, "code_map_figure", lambda *a, **kw: ("x.png", "map"))
    monkeypatch.setattr(module, "write_report", lambda path, **kw: seen.update(kw) or path)

    class Fitted:
        labels_, n_clusters_, method, encoder, encoder_ = np.array([0] + [1] * 5 + [2] * 114), 3, "kmeans", "ae", object()

        def score_samples(self, X):
            return np.ones(len(X))

    module.cluster_report(Fitted(), np.zeros((120, 2)), tmp_path, X=np.zeros((120, 64)), image_shape=(1, 8, 8))
    sizes = next(table for title, table, _ in seen["tables"] if title == "Cluster sizes")
    assert sizes["share"].tolist() == [0.008, 0.042, 0.95]


def test_the_k_curve_caption_says_when_no_number_is_supported():
    """A best silhouette at or below 0.25 (Kaufman and Rousseeuw's "no substantial structure") is called a
    guess in the report; a clear peak is not; the BIC has no such scale."""
    from aekit.viz.cluster_report import _weak_structure_note

    flat = pd.DataFrame({"k": np.arange(2, 8), "score": [0.16, 0.18, 0.21, 0.19, 0.2, 0.2]})
    peak = pd.DataFrame({"k": np.arange(2, 8), "score": [0.3, 0.71, 0.5, 0.4, 0.35, 0.3]})
    assert "best silhouette is 0.21" in _weak_structure_note(flat, "silhouette")
    assert "a guess" in _weak_structure_note(flat, "silhouette")
    assert _weak_structure_note(peak, "silhouette") == "" and _weak_structure_note(flat, "bic") == ""


def test_the_report_says_at_the_top_when_the_number_of_clusters_is_a_guess(tmp_path, monkeypatch):
    from aekit.viz import cluster_report as module

    seen = {}
    monkeypatch.setattr(module, "code_map_figure", lambda *a, **kw: ("x.png", "map"))
    monkeypatch.setattr(module, "_plot_k_scores", lambda *a, **kw: "k.png")
    monkeypatch.setattr(module, "write_report", lambda path, **kw: seen.update(kw) or path)

    class Fitted:
        labels_, n_clusters_, method, encoder, encoder_ = np.array([0, 1, 2] * 10), 3, "kmeans", "ae", object()
        auto_criterion = "silhouette"
        n_clusters_scores_ = pd.DataFrame({"k": [2, 3, 4], "score": [0.12, 0.14, 0.13]})

        def score_samples(self, X):
            return np.ones(len(X))

    module.cluster_report(Fitted(), np.zeros((30, 2)), tmp_path, X=pd.DataFrame({"a": np.arange(30.0)}))
    assert "in 3 clusters" in seen["intro"] and "best silhouette is 0.14" in seen["intro"]
    Fitted.n_clusters_scores_ = pd.DataFrame({"k": [2, 3, 4], "score": [0.3, 0.7, 0.4]})
    module.cluster_report(Fitted(), np.zeros((30, 2)), tmp_path, X=pd.DataFrame({"a": np.arange(30.0)}))
    assert "silhouette" not in seen["intro"]
