"""DeepClustering (k-means / GMM / N2D / DEC / IDEC on autoencoder codes) and the clustering metrics."""

from __future__ import annotations

import itertools
import sys
import warnings

import numpy as np
import pytest
import torch
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits, make_blobs
from sklearn.mixture import GaussianMixture

from aekit import Autoencoder, DeepClustering, load
from aekit.estimators.clustering import preset_encoder
from aekit.evaluation import cluster_to_class, clustering_accuracy, clustering_metrics
from aekit.exceptions import DataError, MissingDependencyError, StartKeptWarning, WeakClusterStructureWarning

SMALL = {"latent_dim": 10, "hidden": (256,)}  # the "auto" training budget: 190 epochs on digits


@pytest.fixture(scope="module")
def digits_all():
    data = load_digits()
    return (data.data / 16.0).astype(np.float32), data.target


@pytest.fixture(scope="module")
def pretrained(digits_all):
    """One small autoencoder on all of digits, shared by the tests (DeepClustering copies it)."""
    X, _ = digits_all
    return Autoencoder(**SMALL, random_state=0).fit(X)


# -- metrics -------------------------------------------------------------------------------
def test_accuracy_matches_brute_force_over_permutations():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 4, 60), rng.integers(0, 4, 60)
    brute = max(np.mean(np.asarray(perm)[y_pred] == y_true) for perm in itertools.permutations(range(4)))
    assert clustering_accuracy(y_true, y_pred) == pytest.approx(brute)
    relabelled = np.asarray([3, 0, 2, 1])[y_pred]
    assert clustering_metrics(y_true, relabelled) == pytest.approx(clustering_metrics(y_true, y_pred))


def test_matching_and_length_check():
    assert cluster_to_class(["a", "a", "b"], [5, 5, 7]) == {5: "a", 7: "b"}
    with pytest.raises(DataError, match="same length"):
        clustering_accuracy([0, 1], [0])


# -- clustering codes beats k-means on pixels; reload --------------------------------------
def test_mixture_on_codes_beats_pixel_kmeans_and_reloads(digits_all, pretrained, tmp_path):
    """On digits, k-means on pixels reaches ACC 0.79; k-means on the codes of a briefly trained
    autoencoder does not beat it (about 0.76), a Gaussian mixture on the same codes does."""
    X, y = digits_all
    pixels = clustering_accuracy(y, KMeans(10, n_init=20, random_state=0).fit_predict(X))
    dc = DeepClustering(10, method="gmm", encoder=pretrained, random_state=0).fit(X)
    acc = clustering_accuracy(y, dc.labels_)
    assert acc > pixels + 0.03, (acc, pixels)
    np.testing.assert_array_equal(dc.predict(X), dc.labels_)
    again = load(dc.save(tmp_path / "g.safetensors"))
    np.testing.assert_array_equal(again.predict(X), dc.labels_)
    np.testing.assert_allclose(again.score_samples(X[:100]), dc.score_samples(X[:100]), rtol=1e-6)
    # the mixture kept is at least as likely as N2D's (one GMM start) and as one started from the best k-means
    codes = dc.transform(X)
    start = KMeans(10, n_init=20, random_state=0).fit(codes).cluster_centers_
    for single in (GaussianMixture(10, covariance_type="full", random_state=0),
                   GaussianMixture(10, covariance_type="full", means_init=start, random_state=0)):
        assert dc.mixture_.score(codes) >= single.fit(codes).score(codes) - 1e-9


def test_kmeans_on_codes_reloads(digits_all, pretrained, tmp_path):
    X, _ = digits_all
    dc = DeepClustering(10, encoder=pretrained, n_init=4, random_state=0).fit(X)
    assert dc.cluster_centers_.shape == (10, 10) and dc.transform(X[:5]).shape == (5, 10)
    np.testing.assert_array_equal(dc.predict(X), dc.labels_)
    confidence = dc.score_samples(X[:50])
    assert np.all((confidence > 0) & (confidence <= 1))
    again = load(dc.save(tmp_path / "c.safetensors"))
    assert isinstance(again, DeepClustering)
    np.testing.assert_array_equal(again.labels_, dc.labels_)
    np.testing.assert_array_equal(again.predict(X), dc.predict(X))


def test_a_fitted_encoder_is_used_as_is_by_every_method(digits_all, pretrained, monkeypatch):
    """The benchmark pretrains one autoencoder per data set and seed and hands it to every method,
    as DEC / IDEC start from the network N2D and k-means use: no method may pretrain it again."""
    X, _ = digits_all

    def no_pretraining(self, *args, **kwargs):
        raise AssertionError("a fitted encoder was pretrained again")

    codes = pretrained.transform(X)
    monkeypatch.setattr(type(pretrained), "fit", no_pretraining)
    for method in ("kmeans", "gmm", "dec"):
        dc = DeepClustering(10, method=method, encoder=pretrained, n_init=2, max_iter=0, random_state=0).fit(X)
        assert dc.encoder_ is not pretrained
        np.testing.assert_array_equal(dc.transform(X), codes)  # max_iter=0: DEC's encoder not fine-tuned yet


# -- DEC and IDEC ----------------------------------------------------------------------------
def test_dec_clustering_loss_falls_and_tol_stops_it(digits_all, pretrained, tmp_path):
    X, _ = digits_all
    dec = DeepClustering(10, method="dec", encoder=pretrained, n_init=2, update_interval=20, tol=0.005,
                         max_iter=2000, learning_rate=1e-3, random_state=0).fit(X)
    history = dec.clustering_history_
    updates = history.iloc[:-1]
    assert len(updates) >= 2, history
    # with P held fixed, training brings Q towards it: KL(P || Q) lower at the next update
    assert (updates["kl_end"] < updates["kl_start"]).all(), history
    # the tol rule: training went on while more than tol of the labels changed, stopped at the first check below
    assert dec.converged_ and dec.n_iter_ < 2000
    assert (updates["changed"] >= 0.005).all() and history["changed"].iloc[-1] < 0.005, history
    np.testing.assert_array_equal(dec.predict(X), dec.labels_)
    assert dec.encoder_.model_.family == "dec" != pretrained.model_.family  # the caller's model untouched
    again = load(dec.save(tmp_path / "d.safetensors"))
    np.testing.assert_array_equal(again.predict(X), dec.labels_)
    np.testing.assert_array_equal(again.transform(X[:20]), dec.transform(X[:20]))


def test_idec_runs_to_max_iter_with_tol_zero_and_repeats_with_a_seed(digits_all, pretrained):
    X, _ = digits_all
    def make():  # not clone(): that would give an unfitted copy of the encoder, to be pretrained again
        return DeepClustering(10, method="idec", encoder=pretrained, n_init=2, update_interval=10, tol=0.0,
                              max_iter=30, learning_rate=1e-3, random_state=1)

    a, b = make().fit(X), make().fit(X)
    assert not a.converged_ and a.n_iter_ >= 30 and (a.clustering_history_["changed"].iloc[1:] >= 0).all()
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)


# -- other encoders, n_clusters="auto", N2D --------------------------------------------------
def test_conv_encoder_by_name_with_dec(digits_all):
    X, _ = digits_all
    images = X[:400].reshape(-1, 8, 8)
    dc = DeepClustering(5, method="dec", encoder="conv", n_init=2, update_interval=5, max_iter=10,
                        encoder_params={"latent_dim": 4, "channels": (4,), "max_epochs": 2},
                        random_state=0).fit(images)
    assert dc.labels_.shape == (400,) and dc.predict(images[:7]).shape == (7,)


def test_sequence_encoder(digits_all):
    X, _ = digits_all
    series = X[:200].reshape(-1, 8, 8)  # 8 steps of 8 channels
    dc = DeepClustering(3, method="idec", encoder="conv1d-ae", n_init=2, update_interval=5, max_iter=10,
                        encoder_params={"latent_dim": 3, "hidden": (8,), "max_epochs": 2}, random_state=0).fit(series)
    assert dc.labels_.shape == (200,) and dc.transform(series[:4]).shape == (4, 3)


def test_auto_picks_on_codes_and_keeps_the_curve(digits_all, pretrained):
    X, _ = digits_all
    dc = DeepClustering("auto", encoder=pretrained, max_clusters=12, n_init=2, random_state=0).fit(X)
    scores = dc.n_clusters_scores_
    assert list(scores["k"]) == list(range(2, 13))
    assert dc.n_clusters_ == scores["k"][scores["score"].idxmax()] and dc.cluster_centers_.shape[0] == dc.n_clusters_


def test_auto_warns_when_the_codes_have_no_substantial_structure():
    """Codes of Gaussian noise: a low, flat silhouette curve (at or below Kaufman and Rousseeuw's 0.25), so
    the pick is a guess and says so. Three well-separated blobs: a clear peak at 3, and no warning."""
    def fit(X):  # a 6-D code: PCA's, which the dense autoencoder starts from (3 epochs do not move it)
        encoder = Autoencoder(latent_dim=6, hidden=(16,), max_epochs=3, random_state=0).fit(X)
        return DeepClustering("auto", encoder=encoder, max_clusters=8, n_init=2, random_state=0).fit(X)

    noise = np.random.default_rng(0).normal(size=(300, 12)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StartKeptWarning)
        with pytest.warns(WeakClusterStructureWarning, match=r"best silhouette is 0\.\d\d .*Pass the number"):
            dc = fit(noise)
    assert dc.n_clusters_scores_["score"].max() <= 0.25
    blobs = make_blobs(300, n_features=12, centers=3, cluster_std=0.5, random_state=0)[0].astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StartKeptWarning)
        warnings.simplefilter("error", WeakClusterStructureWarning)
        dc = fit(blobs)
    assert dc.n_clusters_ == 3 and dc.n_clusters_scores_["score"].max() > 0.5


@pytest.mark.slow  # UMAP compiles its numba functions on first use: about a minute
def test_n2d(digits_all, pretrained, tmp_path):
    pytest.importorskip("umap")
    X, y = digits_all
    torch.set_num_threads(1)
    dc = DeepClustering(10, method="n2d", encoder=pretrained, n_init=2, random_state=0).fit(X[:600])
    assert clustering_accuracy(y[:600], dc.labels_) > 0.6
    again = load(dc.save(tmp_path / "n.safetensors"))
    np.testing.assert_array_equal(again.labels_, dc.labels_)
    np.testing.assert_array_equal(again.predict(X[600:700]), dc.predict(X[600:700]))
    # UMAP's numba code sets OpenMP to every core; the caller's torch threads are given back
    # (the benchmark's DEC / IDEC after N2D in one process ran on two threads before)
    assert torch.get_num_threads() == 1


def test_n2d_without_umap_says_how_to_install(digits_all, pretrained, monkeypatch):
    monkeypatch.setitem(sys.modules, "umap", None)  # import umap now raises ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'aekit\[umap\]'"):
        DeepClustering(10, method="n2d", encoder=pretrained).fit(digits_all[0])


def test_small_tables_get_the_presets_own_hidden_layers():
    """DEC's 500-500-2000 from 1,000 rows up; below, the preset's (256,) (seconds instead of minutes)."""
    X = np.random.default_rng(0).random((300, 6)).astype(np.float32)
    dc = DeepClustering(3, encoder_params={"max_epochs": 1}, random_state=0).fit(X)
    assert dc.encoder_.get_params()["hidden"] == (256,) and dc.encoder_.latent_dim_ <= 3
    assert preset_encoder("ae", n_rows=1000).get_params()["hidden"] == (500, 500, 2000)
    assert preset_encoder("ae", {"hidden": (64,)}, n_rows=5000).get_params()["hidden"] == (64,)


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("X, k, match", [
    (np.zeros((1, 4)), 2, "1 row"),
    (np.random.default_rng(0).random((5, 4)), 6, "n_clusters=6 is larger than the 5 rows"),
    (np.where(np.eye(20, 4) > 0, np.nan, 1.0), 2, "NaN"),
])
def test_bad_input_is_one_clear_error(X, k, match):
    with pytest.raises(DataError, match=match):
        DeepClustering(k, encoder_params={"hidden": (4,), "latent_dim": 2, "max_epochs": 1}).fit(X)


@pytest.mark.parametrize("params, match", [({"method": "spectral"}, "method must be one of"),
                                           ({"n_clusters": 1}, "n_clusters must be"),
                                           ({"n_clusters": "many"}, "n_clusters must be")])
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        DeepClustering(**{"n_clusters": 3, **params}).fit(np.random.default_rng(0).random((10, 3)))
