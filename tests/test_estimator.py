"""The scikit-learn contract and the training behaviour of aekit.Autoencoder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import check_estimator

from aekit import Autoencoder
from aekit.exceptions import DataError, TrainingDivergedError

FAST = dict(latent_dim=8, hidden=(32,), max_epochs=8, batch_size=64, random_state=0)


def test_fit_returns_self_and_sets_fitted_attributes(digits):
    X_train, X_test, *_ = digits
    ae = Autoencoder(**FAST)
    assert ae.fit(X_train) is ae
    assert ae.n_features_in_ == 64
    assert ae.transform(X_test).shape == (len(X_test), 8)
    assert ae.inverse_transform(ae.transform(X_test)).shape == X_test.shape
    assert ae.score_samples(X_test).shape == (len(X_test),)
    assert list(ae.history_.columns) == ["epoch", "train_loss", "val_loss"]


def test_no_work_in_init_and_params_round_trip():
    ae = Autoencoder(latent_dim=3, noise="masking", noise_level=0.3)
    assert not hasattr(ae, "model_")
    params = ae.get_params()
    assert params["latent_dim"] == 3 and params["noise"] == "masking"
    assert clone(ae).get_params() == params
    assert ae.set_params(latent_dim=5).latent_dim == 5


def test_same_seed_gives_identical_codes(digits):
    X_train, X_test, *_ = digits
    a = Autoencoder(**FAST, noise="gaussian", noise_level=0.1).fit(X_train).transform(X_test)
    b = Autoencoder(**FAST, noise="gaussian", noise_level=0.1).fit(X_train).transform(X_test)
    c = Autoencoder(**{**FAST, "random_state": 1}).fit(X_train).transform(X_test)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_works_in_a_pipeline_and_codes_feed_a_classifier(digits):
    X_train, X_test, y_train, y_test = digits
    pipe = make_pipeline(Autoencoder(**{**FAST, "max_epochs": 30, "latent_dim": 16}),
                         LogisticRegression(max_iter=2000))
    accuracy = pipe.fit(X_train, y_train).score(X_test, y_test)
    assert accuracy > 0.85


def test_early_stopping_stops_and_restores_best(digits):
    X_train, *_ = digits
    # A high learning rate overfits / oscillates quickly; patience 2 must cut the run short.
    ae = Autoencoder(**{**FAST, "max_epochs": 200}, learning_rate=0.02, patience=2).fit(X_train)
    assert ae.stopped_early_
    assert ae.n_epochs_ < 200
    assert ae.n_epochs_ == ae.best_epoch_ + 2
    best_val = ae.history_["val_loss"].min()
    assert ae.history_["val_loss"].iloc[ae.best_epoch_ - 1] == best_val


class Crash(RuntimeError):
    """Stands for a killed process: raised at the start of a given epoch."""


def crash_at_epoch(epoch: int):
    import lightning.pytorch as pl

    class CrashCallback(pl.Callback):
        def on_train_epoch_start(self, trainer, pl_module):
            if trainer.current_epoch == epoch:
                raise Crash(f"simulated crash at epoch {epoch + 1}")

    return CrashCallback()


def test_resume_after_a_crash_reaches_the_same_weights(digits, tmp_path, monkeypatch):
    import aekit.training.fit as fit

    X_train, X_test, *_ = digits
    params = dict(FAST, max_epochs=6, patience=100, noise="masking", noise_level=0.3)
    straight = Autoencoder(**params).fit(X_train)

    make_callbacks = fit._callbacks
    monkeypatch.setattr(fit, "_callbacks", lambda *a: [*make_callbacks(*a), crash_at_epoch(3)])
    with pytest.raises(Crash):
        Autoencoder(**params, checkpoint_dir=str(tmp_path), log_dir=str(tmp_path)).fit(X_train)
    monkeypatch.setattr(fit, "_callbacks", make_callbacks)
    assert (tmp_path / "last.ckpt").exists()

    resumed = Autoencoder(**params, checkpoint_dir=str(tmp_path), log_dir=str(tmp_path), resume=True).fit(X_train)
    assert resumed.n_epochs_ == 6  # the 3 epochs before the crash are in the history too
    # same batches and the same noise draws (the RNG state is in the checkpoint): same weights
    np.testing.assert_allclose(resumed.transform(X_test), straight.transform(X_test), atol=1e-5)
    np.testing.assert_allclose(resumed.history_["train_loss"], straight.history_["train_loss"], rtol=1e-5)
    log = pd.read_csv(tmp_path / "metrics.csv")
    assert list(log["epoch"]) == [1, 2, 3, 4, 5, 6]


def test_resume_refuses_a_checkpoint_of_another_run(digits, tmp_path):
    from aekit.exceptions import CheckpointError

    X_train, *_ = digits
    params = dict(FAST, max_epochs=4, checkpoint_dir=str(tmp_path))
    first = Autoencoder(**{**params, "max_epochs": 2}).fit(X_train)
    with pytest.raises(CheckpointError, match="different run .*data_blake2b"):
        Autoencoder(**params, resume=True).fit(X_train[:-50])
    with pytest.raises(CheckpointError, match="config"):
        Autoencoder(**{**params, "latent_dim": 3}, resume=True).fit(X_train)
    assert first.n_epochs_ == 2


def test_a_failed_refit_keeps_the_previous_model(digits):
    X_train, X_test, *_ = digits
    ae = Autoencoder(**FAST, scaling="none").fit(X_train)
    codes = ae.transform(X_test)
    with pytest.raises(TrainingDivergedError):
        ae.set_params(learning_rate=10.0).fit(X_train * 1e25)
    np.testing.assert_array_equal(ae.transform(X_test), codes)


def test_resume_without_checkpoint_dir_is_refused(digits):
    with pytest.raises(ValueError, match="resume=True needs a checkpoint_dir"):
        Autoencoder(**FAST, resume=True).fit(digits[0])


def test_divergence_names_the_epoch_and_suggests_a_lower_rate(digits):
    X_train, *_ = digits
    X = X_train * 1e25  # no scaling: squared errors overflow float32 at once
    with pytest.raises(TrainingDivergedError, match=r"epoch 1: .*lower learning_rate than 10 \(CLI: --lr\)"):
        Autoencoder(**FAST, scaling="none", learning_rate=10.0).fit(X)


def test_csv_log_has_one_row_per_epoch(digits, tmp_path):
    ae = Autoencoder(**FAST, log_dir=str(tmp_path)).fit(digits[0])
    log = pd.read_csv(tmp_path / "metrics.csv")
    assert list(log.columns) == ["epoch", "train_loss", "val_loss"]
    assert list(log["epoch"]) == list(range(1, ae.n_epochs_ + 1))
    pd.testing.assert_frame_equal(log, ae.history_, check_dtype=False)


def test_dataframe_columns_must_match_fit(cancer):
    X_train, X_test, *_ = cancer
    columns = [f"f{i}" for i in range(X_train.shape[1])]
    ae = Autoencoder(**FAST).fit(pd.DataFrame(X_train, columns=columns))
    same = ae.transform(pd.DataFrame(X_test, columns=columns))
    np.testing.assert_array_equal(same, ae.transform(X_test))  # a plain array is taken in fit order
    with pytest.raises(DataError, match="another order"):
        ae.transform(pd.DataFrame(X_test, columns=columns)[columns[::-1]])
    with pytest.raises(DataError, match="missing"):
        ae.transform(pd.DataFrame(X_test, columns=[f"g{i}" for i in range(len(columns))]))


def test_numpy_integer_seed_is_the_same_seed(digits):
    X_train, X_test, *_ = digits
    a = Autoencoder(**{**FAST, "max_epochs": 2, "random_state": 3}).fit(X_train).transform(X_test)
    b = Autoencoder(**{**FAST, "max_epochs": 2, "random_state": np.int64(3)}).fit(X_train).transform(X_test)
    np.testing.assert_array_equal(a, b)


def test_standardises_tables_and_reconstructs_in_original_units(cancer):
    X_train, X_test, *_ = cancer
    ae = Autoencoder(**{**FAST, "max_epochs": 30}).fit(X_train)
    assert ae.scaler_.kind == "standard"
    X_rec = ae.reconstruct(X_test)
    relative = np.abs(X_rec - X_test).mean(axis=0) / X_test.std(axis=0)
    assert np.median(relative) < 0.5


def test_dataframe_input_keeps_feature_names(cancer):
    X_train, *_ = cancer
    df = pd.DataFrame(X_train, columns=[f"f{i}" for i in range(X_train.shape[1])])
    ae = Autoencoder(**FAST).fit(df)
    assert list(ae.feature_names_in_) == list(df.columns)


@pytest.mark.parametrize("X,match", [
    (np.array([1.0, 2.0, 3.0]), "Expected 2D array"),
    (np.empty((0, 4)), "0 sample"),
    (np.array([[1.0, np.nan], [2.0, 3.0]]), "NaN"),
    (np.array([[1.0, np.inf], [2.0, 3.0]]), "inf"),
    (pd.DataFrame({"a": [1.0, 2.0], "b": ["x", None]}), r"missing values in categorical columns \{.b.: 1\}"),
])
def test_bad_training_data_gives_one_clear_error(X, match):
    with pytest.raises(DataError, match=match):
        Autoencoder(**FAST).fit(X)


def test_wrong_number_of_features_says_expected_and_got(digits):
    ae = Autoencoder(**FAST).fit(digits[0])
    with pytest.raises(DataError, match="X has 10 features, but Autoencoder is expecting 64"):
        ae.transform(np.zeros((2, 10)))
    with pytest.raises(DataError, match="expecting 8"):
        ae.inverse_transform(np.zeros((2, 3)))


# scikit-learn's own conformance checks. Checks that cannot apply are skipped by name:
EXPECTED_FAILED_CHECKS = {
    "check_transformer_preserve_dtypes":
        "codes are always float32 (the torch model's dtype), whatever the input dtype",
}


def test_scikit_learn_check_estimator():
    estimator = Autoencoder(latent_dim=2, hidden=(8,), max_epochs=2, batch_size=32, random_state=0)
    check_estimator(estimator, expected_failed_checks=EXPECTED_FAILED_CHECKS)


def test_fit_trains_on_unscaled_images_in_place_without_changing_them(digits):
    """Images already in [0, 1] are trained on as given (no scaled copy): the array is left
    bit for bit as it was, and the model equals one fitted on a copied, read-only array."""
    X_train, X_test, _, _ = digits
    X = X_train.copy()
    shared = Autoencoder(**{**FAST, "noise": "masking", "noise_level": 0.3}).fit(X)
    np.testing.assert_array_equal(X, X_train)
    read_only = X_train.copy()
    read_only.flags.writeable = False
    copied = Autoencoder(**{**FAST, "noise": "masking", "noise_level": 0.3}).fit(read_only)
    np.testing.assert_array_equal(shared.transform(X_test), copied.transform(X_test))
