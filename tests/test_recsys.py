"""Recommenders (AutoRec, Mult-VAE / Mult-DAE, EASE) on real MovieLens ratings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import sparse
from sklearn.base import clone

from aekit import EASE, AutoRec, MultDAE, MultVAE, load
from aekit.data.ratings import InteractionMatrix, check_ratings, load_ratings
from aekit.evaluation.recsys import (evaluate_popularity, evaluate_topn, random_split, rating_metrics,
                                     strong_generalization_split, topn_metrics)
from aekit.exceptions import DataError, ModelFileError
from aekit.models.autorec import AutoRec as AutoRecModel
from aekit.models.autorec import AutoRecConfig
from aekit.training.batches import SparseRowBatches


@pytest.fixture(scope="module")
def ratings():
    """movielens-small restricted to items with at least 30 ratings (about 45k ratings)."""
    frame = load_ratings("movielens-small")
    counts = frame["item"].value_counts()
    return frame[frame["item"].isin(counts.index[counts >= 30])].reset_index(drop=True)


@pytest.fixture(scope="module")
def split(ratings):
    return random_split(ratings, 0.1, seed=0)


@pytest.fixture(scope="module")
def item_autorec(split):
    return AutoRec(kind="item", hidden=64, l2=100.0, max_epochs=8, batch_size=64, learning_rate=3e-3,
                   rating_scale=(0.5, 5.0), random_state=0).fit(split[0])


@pytest.fixture(scope="module")
def strong(ratings):
    return strong_generalization_split(ratings, 100, 0.8, seed=0)


@pytest.fixture(scope="module")
def ease(strong):
    return EASE(l2=200.0).fit(strong.train)


@pytest.fixture(scope="module")
def multvae(strong):
    return MultVAE(hidden=(100,), latent_dim=32, max_epochs=8, batch_size=64, random_state=0).fit(strong.train)


# --- data ----------------------------------------------------------------------------------------


def test_movielens_small_is_the_documented_set():
    frame = load_ratings("movielens-small")
    assert len(frame) == 100_004 and frame["user"].nunique() == 671 and frame["item"].nunique() == 9066
    assert frame["rating"].min() == 0.5 and frame["rating"].max() == 5.0
    assert list(frame.columns) == ["user", "item", "rating", "timestamp"]


def test_ratings_files_with_own_column_names(tmp_path):
    frame = pd.DataFrame({"uid": ["a", "a", "b"], "mid": [10, 11, 10], "stars": [4.0, 3.0, 5.0],
                          "ts": [1, 2, 3], "comment": ["x", "y", "z"]})
    for path in (tmp_path / "r.csv", tmp_path / "r.parquet"):
        frame.to_csv(path, index=False) if path.suffix == ".csv" else frame.to_parquet(path)
        got = load_ratings(path, user_col="uid", item_col="mid", rating_col="stars", timestamp_col="ts")
        assert list(got.columns) == ["user", "item", "rating", "timestamp"]
        assert got["rating"].tolist() == [4.0, 3.0, 5.0]
    with pytest.raises(DataError, match=r"no column\(s\) \['user', 'item', 'rating'\]"):
        load_ratings(frame)


def test_bad_ratings_get_one_clear_error():
    good = pd.DataFrame({"user": [1, 1, 2], "item": [1, 2, 1], "rating": [4.0, 3.0, 5.0]})
    with pytest.raises(DataError, match="NaN"):
        check_ratings(good.assign(rating=[4.0, np.nan, 5.0]))
    with pytest.raises(DataError, match=r"outside the declared scale \[1.0, 5.0\]"):
        check_ratings(good.assign(rating=[4.0, 6.0, 5.0]), scale=(1.0, 5.0))
    with pytest.raises(DataError, match="missing ids"):
        check_ratings(good.assign(user=[1, None, 2]))
    duplicated = pd.concat([good, good.iloc[[0]].assign(rating=1.0)])
    with pytest.raises(DataError, match="appear more than once"):
        check_ratings(duplicated, duplicates="error")
    last_wins = check_ratings(duplicated, duplicates="last")
    assert len(last_wins) == 3 and last_wins.query("user == 1 and item == 1")["rating"].item() == 1.0
    with pytest.raises(DataError, match="empty"):
        check_ratings(good.iloc[:0])


def test_sparse_batches_densify_one_batch_with_its_mask():
    X = sparse.csr_matrix(np.array([[0, 2.0, 0], [1.0, 0, 0], [0, 0, 9.0], [3.0, 0, 4.0]], dtype=np.float32))
    X.data[X.data == 9.0] = 0.0  # a stored zero is observed
    batches = list(SparseRowBatches(X, batch_size=3))
    assert [b[0].shape for b in batches] == [(3, 3), (1, 3)]
    values, mask = batches[0]
    assert values.tolist() == [[0, 2, 0], [1, 0, 0], [0, 0, 0]]
    assert mask.tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 1]]
    shuffled = [b[0] for b in SparseRowBatches(X, batch_size=4, shuffle=True, seed=1)]
    assert sorted(map(tuple, shuffled[0].tolist())) == sorted(map(tuple, X.toarray().tolist()))


# --- AutoRec -------------------------------------------------------------------------------------


def test_masked_loss_ignores_unobserved_entries():
    torch.manual_seed(0)
    model = AutoRecModel(AutoRecConfig(n_users=6, n_items=4, n_interactions=10, input_dim=6, hidden=3))
    x = torch.rand(4, 6) * 4 + 1
    mask = (torch.rand(4, 6) > 0.5).float()
    changed = x.clone()
    changed[mask == 0] = 99.0  # whatever sits in an unobserved cell
    for batch, other in (((x, mask), (changed, mask)), ((x, mask, x, mask), (changed, mask, changed, mask))):
        assert torch.equal(model.loss(batch)["loss"], model.loss(other)["loss"])
    observed = x.clone()
    observed[mask == 1] += 1.0
    assert not torch.equal(model.loss((x, mask))["loss"], model.loss((observed, mask))["loss"])


def test_autorec_learns_and_beats_the_global_mean(item_autorec, split):
    train, test = split
    history = item_autorec.history_
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]
    rmse = rating_metrics(test["rating"], item_autorec.predict(test["user"], test["item"]))["rmse"]
    baseline = rating_metrics(test["rating"], np.full(len(test), train["rating"].mean()))["rmse"]
    assert rmse < 0.95 * baseline


def test_a_test_rating_is_never_in_the_input_that_predicts_it(item_autorec, split):
    train, test = split
    stored = item_autorec._interactions
    rows, cols = stored.rows_of(test["user"]), stored.columns_of(test["item"])
    known = (rows >= 0) & (cols >= 0)
    assert known.sum() > 0.9 * len(test)
    assert not np.asarray(stored.matrix[rows[known], cols[known]]).any()  # no test pair in what the model reads
    before = item_autorec.predict(test["user"], test["item"])
    refit_input = item_autorec.predict(test.assign(rating=1.0)[["user", "item"]])
    np.testing.assert_array_equal(before, refit_input)


def test_cold_start_for_unseen_user_and_item(item_autorec):
    rec = item_autorec
    user, item = rec.user_ids_[0], rec.item_ids_[0]
    users, items = [user, 10**9, user], [10**9, item, item]
    assert rec.cold_start_mask(users, items).tolist() == [True, True, False]
    got = rec.predict(users, items)
    assert got[0] == pytest.approx(np.clip(rec.global_mean_ + rec.user_bias_[0], 0.5, 5))
    assert got[1] == pytest.approx(np.clip(rec.global_mean_ + rec.item_bias_[0], 0.5, 5))
    assert clone(rec).set_params(cold_start=3.0).get_params()["cold_start"] == 3.0
    rec_mean = clone(rec)
    rec_mean.__dict__.update({k: v for k, v in rec.__dict__.items() if k.endswith("_")})
    rec_mean.cold_start = "global_mean"
    assert rec_mean.predict([10**9], [item])[0] == pytest.approx(rec.global_mean_)
    rec_mean.cold_start = 2.5
    assert rec_mean.predict([10**9], [item])[0] == 2.5


def test_autorec_predictions_clipped_and_save_load_identical(item_autorec, split, tmp_path):
    test = split[1]
    predicted = item_autorec.predict(test["user"], test["item"])
    assert predicted.min() >= 0.5 and predicted.max() <= 5.0
    path = item_autorec.save(tmp_path / "autorec.safetensors")
    loaded = load(path)
    np.testing.assert_array_equal(loaded.predict(test["user"], test["item"]), predicted)
    np.testing.assert_array_equal(loaded.recommend(test["user"].iloc[0], n=10),
                                  item_autorec.recommend(test["user"].iloc[0], n=10))


def test_user_autorec_folds_in_a_history(split):
    rec = AutoRec(kind="user", hidden=32, max_epochs=3, l2=100.0, random_state=0).fit(split[0])
    user = rec.user_ids_[3]
    row = rec._interactions.matrix[3]
    history = dict(zip(rec.item_ids_[row.indices], row.data))
    np.testing.assert_array_equal(rec.recommend(history, n=20), rec.recommend(user, n=20))
    assert rec.model_.config.input_dropout == 0.25  # input_dropout="auto" for U-AutoRec


def test_autorec_input_dropout_auto_is_chosen_per_kind(item_autorec, split):
    assert item_autorec.model_.config.input_dropout == 0.4  # "auto" for I-AutoRec (0.25 for U-AutoRec, above)
    given = AutoRec(kind="user", hidden=8, max_epochs=1, input_dropout=0.1, random_state=0).fit(split[0])
    assert given.model_.config.input_dropout == 0.1
    with pytest.raises(ValueError, match=r"input_dropout must be a number in \[0, 1\) or 'auto', got 'high'"):
        AutoRec(input_dropout="high", max_epochs=1).fit(split[0])


def test_autorec_bad_input(item_autorec, split):
    with pytest.raises(DataError, match="unknown user id"):
        item_autorec.recommend(10**9)
    with pytest.raises(DataError, match="cannot fold in"):
        item_autorec.recommend([item_autorec.item_ids_[0]])
    with pytest.raises(DataError, match="same length"):
        item_autorec.predict([1, 2], [3])
    with pytest.raises(DataError, match="outside the declared scale"):
        AutoRec(rating_scale=(1, 5)).fit(split[0])  # movielens-small has half stars from 0.5
    with pytest.raises(ValueError, match="cold_start"):
        AutoRec(cold_start="median", max_epochs=1).fit(split[0])


# --- EASE, Mult-VAE, Mult-DAE --------------------------------------------------------------------


def test_ease_matches_a_dense_reference_solution():
    rng = np.random.default_rng(0)
    X = (rng.random((40, 12)) < 0.3).astype(np.float64)
    frame = pd.DataFrame([(u, i, 5.0) for u, i in zip(*np.nonzero(X))], columns=["user", "item", "rating"])
    ease = EASE(l2=3.0).fit(frame)
    P = np.linalg.inv(X.T @ X + 3.0 * np.eye(12))
    B = np.eye(12) - P / np.diag(P)
    cols = ease.item_ids_
    np.testing.assert_allclose(ease.model_.weights.numpy(), B[np.ix_(cols, cols)], atol=1e-5)
    assert np.all(np.diag(ease.model_.weights.numpy()) == 0)


@pytest.mark.parametrize("name", ["ease", "multvae"])
def test_fold_in_of_a_training_users_history_gives_the_trained_top_n(name, request):
    model = request.getfixturevalue(name)
    users = model.user_ids_[:20]
    matrix = model._interactions.matrix
    histories = [list(model.item_ids_[matrix[r].indices]) for r in range(20)]
    np.testing.assert_array_equal(model.recommend_batch(histories, n=20), model.recommend_batch(users, n=20))
    recommended = model.recommend(users[0], n=50)
    assert not set(recommended) & set(histories[0])  # seen items are excluded


def test_top_n_against_popularity_under_strong_generalisation(ease, multvae, strong):
    popularity = evaluate_popularity(strong)["ndcg@100"]
    assert evaluate_topn(ease, strong)["ndcg@100"] > 1.2 * popularity
    # A small Mult-VAE trained for 8 epochs on 570 users comes close to popularity (a strong
    # baseline on this data) and well above a random ranking.
    vae = evaluate_topn(multvae, strong)["ndcg@100"]
    assert vae > 0.85 * popularity and vae > 1.5 * 100 / multvae.n_items_  # random: about 100 / n_items


def test_multdae_trains_without_kl(strong):
    dae = MultDAE(hidden=(100,), latent_dim=20, max_epochs=3, random_state=0).fit(strong.train)
    assert dae.model_.config.variational is False and "kl" not in dae.model_.loss((torch.ones(2, dae.n_items_),))
    assert dae.history_["train_loss"].iloc[-1] < dae.history_["train_loss"].iloc[0]


@pytest.mark.parametrize("name", ["ease", "multvae"])
def test_save_load_identical_and_tampering_refused(name, request, tmp_path):
    model = request.getfixturevalue(name)
    histories = [[model.item_ids_[0], model.item_ids_[5]], model.user_ids_[1]]
    path = model.save(tmp_path / f"{name}.safetensors")
    loaded = load(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.scores(histories), model.scores(histories))
    from safetensors.torch import load_file

    from aekit.io import write_model_file
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        metadata = f.metadata()
    tensors = load_file(str(path))
    tensors["interactions.indices"] = tensors["interactions.indices"] + 10**6
    write_model_file(tmp_path / "bad.safetensors", metadata, tensors)
    with pytest.raises(ModelFileError):
        load(tmp_path / "bad.safetensors")


def test_fold_in_bad_input(ease):
    with pytest.raises(DataError, match="none known"):
        ease.recommend(["no such movie"])
    with pytest.raises(DataError, match="unknown user id"):
        ease.recommend(-5)
    with pytest.raises(ValueError, match="positive integer"):
        ease.recommend([ease.item_ids_[0]], n=0)


def test_ease_refuses_with_a_memory_estimate():
    frame = pd.DataFrame({"user": np.arange(30_000) % 7, "item": np.arange(30_000), "rating": 5.0})
    with pytest.raises(DataError, match=r"needs about 18.0 GB"):
        EASE(max_memory_gb=4).fit(frame)


def test_topn_metrics_by_hand():
    got = topn_metrics(np.array([[1, 2, 3], [4, 5, 6]]), [{2, 9}, {7}], ks=(2,), n_items=10)
    assert got["precision@2"] == pytest.approx(0.25)
    assert got["recall@2"] == pytest.approx(0.25)
    assert got["ndcg@2"] == pytest.approx((1 / np.log2(3)) / (1 + 1 / np.log2(3)) / 2)
    assert got["coverage@2"] == pytest.approx(0.4)


def test_interaction_matrix_maps_ids_both_ways():
    frame = pd.DataFrame({"user": ["b", "a", "b"], "item": [30, 10, 10], "rating": [1.0, 2.0, 3.0]})
    matrix = InteractionMatrix.from_ratings(frame)
    assert matrix.users.tolist() == ["a", "b"] and matrix.items.tolist() == [10, 30]
    assert matrix.matrix.toarray().tolist() == [[2.0, 0.0], [3.0, 1.0]]
    assert matrix.rows_of(["b", "zz"]).tolist() == [1, -1]


def test_multvae_validation_loss_is_minus_the_ndcg_of_held_out_items(strong):
    """Model selection watches NDCG@100 of the held-out 20% (input items not ranked), as Liang et al."""
    from aekit.models.multvae import ranking_ndcg

    rng = np.random.default_rng(0)
    scores = rng.normal(size=(30, 150)).astype(np.float32)
    targets = (rng.random((30, 150)) < 0.05).astype(np.float32)
    targets[0] = 0
    targets[0, :3] = 1  # at least one user with targets
    top = np.argsort(-scores, axis=1)[:, :100]
    relevant = [set(np.flatnonzero(t)) for t in targets]
    expected = topn_metrics(top, relevant, (100,))["ndcg@100"]
    assert ranking_ndcg(torch.from_numpy(scores), torch.from_numpy(targets), 100).item() == pytest.approx(expected,
                                                                                                         rel=1e-5)


def test_baseline_prediction_is_the_cold_start_rule(item_autorec, split):
    test = split[1]
    users = np.concatenate([test["user"].to_numpy(), [-1, -2]])  # two users never seen: cold start
    items = np.concatenate([test["item"].to_numpy(), test["item"].to_numpy()[:2]])
    baseline = item_autorec.predict_baseline(users, items)
    cold = item_autorec.cold_start_mask(users, items)
    assert cold.sum() >= 2 and np.allclose(baseline[cold], item_autorec.predict(users, items)[cold])
    assert 0.8 < rating_metrics(test["rating"], baseline[:len(test)])["rmse"] < 1.0
