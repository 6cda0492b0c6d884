"""Sequence autoencoders on real series (UCR ItalyPowerDemand, bundled with aeon)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.decomposition import PCA

from aekit import SequenceAutoencoder, load
from aekit.data import check_series, load_dataset, load_series, load_series_dataset
from aekit.exceptions import DataError, ModelFileError

pytest.importorskip("aeon")
pytestmark = pytest.mark.filterwarnings("ignore:.*no `val_dataloader`.*")


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Small recurrent fits are many times slower with two threads on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

FAST = dict(hidden=(16,), batch_size=16, max_epochs=2, validation_fraction=0.0, random_state=0)


@pytest.fixture(scope="module")
def italy():
    """67 training and 1,029 test daily power-demand curves of 24 hours."""
    data = load_dataset("italy-power-demand")
    return data.X_train.reshape(-1, 24, 1), data.X_test.reshape(-1, 24, 1)


@pytest.fixture(scope="module")
def gru_italy(italy):
    X_train, _ = italy
    return SequenceAutoencoder(encoder="gru", latent_dim=2, hidden=(32,), batch_size=16, max_epochs=80,
                               learning_rate=3e-3, validation_fraction=0.0, random_state=0).fit(X_train)


def test_gru_beats_step_mean_and_pca_on_held_out_series(italy, gru_italy):
    X_train, X_test = italy
    ae = gru_italy
    assert ae.history_["train_loss"].iloc[-1] < 0.5 * ae.history_["train_loss"].iloc[0]
    # baselines in the model's own scaled units (per-channel standardisation of the training data)
    scale = lambda X: (X[..., 0] - ae.scaler_.offset_[0]) / ae.scaler_.scale_[0]  # noqa: E731
    train, test = scale(X_train), scale(X_test)
    step_mean = float(np.mean((test - train.mean(axis=0)) ** 2))
    pca = PCA(2).fit(train)
    pca_mse = float(np.mean((pca.inverse_transform(pca.transform(test)) - test) ** 2))
    ae_mse = float(ae.score_samples(X_test).mean())
    assert ae_mse < 0.5 * step_mean
    assert ae_mse < 0.95 * pca_mse, (ae_mse, pca_mse)


def test_outputs_have_the_shape_of_the_input(italy, gru_italy):
    _, X_test = italy
    ae = gru_italy
    assert ae.transform(X_test[:5]).shape == (5, 2)
    assert ae.reconstruct(X_test[:5]).shape == (5, 24, 1)
    assert ae.reconstruct(X_test[:5, :, 0]).shape == (5, 24)  # (n, T) in, (n, T) out
    assert ae.inverse_transform(ae.transform(X_test[:3])).shape == (3, 24, 1)
    steps = ae.score_steps(X_test[:4])
    np.testing.assert_allclose(steps.mean(axis=1), ae.score_samples(X_test[:4]), rtol=1e-5)


@pytest.mark.parametrize("encoder", ["lstm", "gru", "conv1d", "attention"])
def test_padded_batch_gives_the_codes_of_one_by_one_encoding(italy, encoder):
    X_train, X_test = italy
    ae = SequenceAutoencoder(encoder=encoder, latent_dim=3, **FAST).fit(X_train)
    ragged = [X_test[i, : 10 + i] for i in range(8)]  # 10..17 steps
    together = ae.transform(ragged)
    alone = np.concatenate([ae.transform(s[None]) for s in ragged])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    rec = ae.reconstruct(ragged)
    assert [len(r) for r in rec] == [len(s) for s in ragged]
    np.testing.assert_allclose(rec[3], ae.reconstruct(ragged[3][None])[0], atol=1e-5)
    # zero padding with lengths= is the same as a list of ragged series
    padded, lengths = check_series(ragged)
    np.testing.assert_allclose(ae.transform(padded, lengths=lengths), together, atol=1e-6)


def test_save_load_identical_and_seeded_determinism(italy, tmp_path):
    X_train, X_test = italy
    ae = SequenceAutoencoder(encoder="conv1d", latent_dim=3, noise="gaussian", noise_level=0.1, **FAST)
    ae.fit(X_train)
    again = clone(ae).fit(X_train)
    np.testing.assert_array_equal(ae.transform(X_test), again.transform(X_test))
    path = ae.save(tmp_path / "seq.safetensors")
    same = load(path)
    assert type(same) is SequenceAutoencoder and same.series_length_ == 24
    np.testing.assert_array_equal(same.transform(X_test), ae.transform(X_test))
    np.testing.assert_array_equal(same.reconstruct(X_test), ae.reconstruct(X_test))
    np.testing.assert_array_equal(same.score_steps(X_test), ae.score_steps(X_test))


def test_tampered_model_file_is_refused(italy, tmp_path):
    from safetensors.torch import load_file

    from aekit.io import write_model_file
    from safetensors import safe_open

    ae = SequenceAutoencoder(encoder="gru", latent_dim=3, **FAST).fit(italy[0])
    path = ae.save(tmp_path / "seq.safetensors")
    with safe_open(str(path), framework="pt") as f:
        metadata = f.metadata()
    metadata["config"] = metadata["config"].replace('"n_channels": 1', '"n_channels": 3')
    write_model_file(path, metadata, load_file(str(path)))
    with pytest.raises(ModelFileError):
        load(path)


def test_multichannel_series_and_flattened_input():
    data = load_dataset("basic-motions")
    T, C = data.series_shape
    ae = SequenceAutoencoder(encoder="conv1d", latent_dim=4, n_channels=C, **FAST).fit(data.X_train)
    assert ae.n_channels_ == 6 and ae.scaler_.n_features_ == 6
    X3 = data.X_test.reshape(-1, T, C)
    np.testing.assert_allclose(ae.transform(data.X_test), ae.transform(X3), atol=1e-6)
    with pytest.raises(DataError, match="fitted on 6 channels"):
        ae.transform(X3[..., :4])


def test_bad_series_get_one_clear_error(italy):
    X_train, _ = italy
    ragged = X_train[:5, :, 0].copy()
    ragged[2, 20:] = np.nan  # a shorter series padded with NaN, no lengths given
    with pytest.raises(DataError, match="end in NaN.*lengths"):
        SequenceAutoencoder(**FAST).fit(ragged)
    lengths = np.full(5, 24)
    lengths[2] = 20
    X, got = check_series(ragged, lengths)  # with lengths it is fine
    assert got.tolist() == lengths.tolist() and np.isfinite(X).all()
    inside = X_train[:5, :, 0].copy()
    inside[1, 7] = np.nan
    with pytest.raises(DataError, match="NaN or inf inside series 1 at time step 7"):
        SequenceAutoencoder(**FAST).fit(inside)
    with pytest.raises(DataError, match="empty"):
        SequenceAutoencoder(**FAST).fit(np.zeros((0, 24, 1)))
    with pytest.raises(DataError, match="lengths must be between 1 and 24"):
        check_series(X_train[:2], [24, 30])


def test_long_and_wide_csv_and_npy(tmp_path, italy):
    X_train, _ = italy
    rows = [(sid, t, float(X_train[sid, t, 0])) for sid in range(3) for t in range(10 + sid)]
    import pandas as pd

    pd.DataFrame(rows, columns=["id", "time", "value"]).sample(frac=1, random_state=0).to_csv(
        tmp_path / "long.csv", index=False)
    long = load_series(tmp_path / "long.csv")
    assert long.lengths.tolist() == [10, 11, 12] and long.X.shape == (3, 12, 1)
    np.testing.assert_allclose(long.X[2, :12, 0], X_train[2, :12, 0], rtol=1e-6)
    wide = pd.DataFrame(X_train[:3, :, 0])
    wide.iloc[0, 20:] = np.nan
    wide.to_csv(tmp_path / "wide.csv", index=False)
    with pytest.raises(DataError, match="end in NaN"):
        load_series(tmp_path / "wide.csv")
    wide["length"] = [20, 24, 24]
    wide.to_csv(tmp_path / "wide.csv", index=False)
    assert load_series(tmp_path / "wide.csv").lengths.tolist() == [20, 24, 24]
    np.save(tmp_path / "s.npy", X_train[:4])
    assert load_series(tmp_path / "s.npy").X.shape == (4, 24, 1)


def test_variable_length_japanese_vowels_train_in_masked_batches():
    split = load_series_dataset("japanese-vowels", equal_length=False)
    lengths = [len(s) for s in split.train]
    assert min(lengths) < max(lengths) and split.train[0].shape[1] == 12
    ae = SequenceAutoencoder(encoder="lstm", latent_dim=4, **FAST).fit(split.train[:60])
    assert ae.series_length_ == max(lengths[:60])
    assert torch.isfinite(torch.as_tensor(ae.score_samples(split.test[:20]))).all()


def test_windows_map_back_and_a_planted_spike_is_flagged_at_its_step(tmp_path):
    from aekit import SeriesAnomalyDetector
    from aekit.data import read_anomaly_series, sliding_windows, windows_to_steps
    from aekit.viz import plot_series_anomalies

    series = np.arange(10.0)
    windows = sliding_windows(series, window=4, stride=3)  # starts 0, 3, 6 (the last one ends at 10)
    assert windows[:, 0].tolist() == [0.0, 3.0, 6.0]
    np.testing.assert_allclose(windows_to_steps(windows, 10, 4, 3), series)  # identity round trip
    with pytest.raises(DataError, match="window \\(20\\) is longer than the series \\(10 steps\\)"):
        sliding_windows(series, window=20)

    long = read_anomaly_series("kdd-tsad-135")
    train = long.values[: long.train_end]
    test = long.values[long.train_end: long.train_end + 1500].copy()
    spike_at = 700
    test[spike_at] += 8 * train.std()
    det = SeriesAnomalyDetector(window=32, stride=4, random_state=0)
    det.set_params(model=SequenceAutoencoder(encoder="conv1d", latent_dim=4, **{**FAST, "max_epochs": 60}))
    det.fit(train)
    errors, scores = det.step_errors(test), det.score_steps(test)
    assert scores.shape == (1500,) and int(np.argmax(errors)) == spike_at
    segments = det.segments(test)
    assert [s for s in segments if s[0] <= spike_at < s[1]], segments
    path = plot_series_anomalies(test, scores, det.threshold_, segments, tmp_path / "anomalies.png")
    assert path.stat().st_size > 10_000
    with pytest.raises(DataError, match="fitted on 1"):
        det.score_steps(np.zeros((100, 2)))

    # the detector round-trips through its model file: identical scores and segments
    same = load(det.save(tmp_path / "series.safetensors"))
    assert type(same) is SeriesAnomalyDetector and same.threshold_ == det.threshold_
    np.testing.assert_array_equal(same.score_steps(test), scores)
    assert same.segments(test) == segments and same.get_params()["window"] == 32
    assert isinstance(same.model, SequenceAutoencoder) and same.model.encoder == "conv1d"


def test_series_threshold_keeps_precision_on_heavy_tailed_step_errors():
    """Squared errors of normal steps are heavy-tailed: thresholding them raw with
    median + 3 MAD flags many blips; smoothing plus the rule on log scores does not."""
    from scipy.ndimage import uniform_filter1d

    from aekit.detection.thresholds import compute_threshold
    from aekit.estimators.series_detector import threshold_of

    rng = np.random.default_rng(0)
    errors = rng.standard_normal(20_000) ** 2 * rng.lognormal(0, 0.5, 20_000)  # chi-square, scale-mixed
    raw_share = float(np.mean(errors > compute_threshold(errors, "auto")))
    smoothed = uniform_filter1d(errors, 8, mode="nearest")
    share = float(np.mean(smoothed > threshold_of(smoothed, "auto", None)))
    assert raw_share > 0.08 and share < 0.01, (raw_share, share)
    assert threshold_of(errors, "contamination", 0.05) == pytest.approx(np.percentile(errors, 95))
    assert threshold_of(errors, 2.5, None) == 2.5


def test_series_detector_file_tampering_is_refused(tmp_path):
    import json

    from safetensors import safe_open
    from aekit.io import write_model_file

    from aekit import SeriesAnomalyDetector

    t = np.arange(600)
    series = np.sin(2 * np.pi * t / 25) + 0.05 * np.random.default_rng(0).standard_normal(600)
    det = SeriesAnomalyDetector(window=25, stride=5, latent_dim=2, max_epochs=2, random_state=0).fit(series)
    path = det.save(tmp_path / "det.safetensors")
    with safe_open(str(path), framework="pt") as f:
        metadata, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    fitted = json.loads(metadata["wrapper_fitted"])
    for field, value, match in [("threshold_", float("nan"), "not finite"), ("n_channels_", 3, "3 channels"),
                                ("train_scores_", [], "not finite")]:
        bad = {**metadata, "wrapper_fitted": json.dumps({**fitted, field: value})}
        write_model_file(tmp_path / "bad.safetensors", bad, tensors)
        with pytest.raises(ModelFileError, match=match):
            load(tmp_path / "bad.safetensors")


def test_sequence_vae_elbo_improves_samples_and_reloads(italy, tmp_path):
    from aekit import SequenceVAE

    X_train, X_test = italy
    vae = SequenceVAE(encoder="gru", latent_dim=2, **{**FAST, "max_epochs": 8}).fit(X_train)
    assert vae.history_["train_loss"].iloc[-1] < vae.history_["train_loss"].iloc[0]
    elbo = vae.elbo(X_test)
    assert elbo.shape == (len(X_test),) and np.isfinite(elbo).all()
    np.testing.assert_allclose(vae.score_samples(X_test), -elbo)
    assert vae.sample(3, length=30, random_state=0).shape == (3, 30, 1)
    same = load(vae.save(tmp_path / "vae.safetensors"))
    np.testing.assert_array_equal(same.score_samples(X_test), vae.score_samples(X_test))
    np.testing.assert_array_equal(same.sample(2, random_state=1), vae.sample(2, random_state=1))


def test_anomaly_detector_takes_a_sequence_preset_and_its_default_training_is_sized_in_steps(tmp_path):
    """One-class ItalyPowerDemand: trained on one class's 34 curves (days of one season), the other class
    of the official test split scores higher. The default "auto" training runs
    hundreds of epochs of 2 steps on so few series (fixed 20-50 epochs left the
    models far behind PCA on the sequence benchmark); 120 here, for time."""
    from sklearn.metrics import roc_auc_score

    from aekit import AnomalyDetector

    split = load_series_dataset("italy-power-demand")
    X_train, X_test = np.stack(split.train), np.stack(split.test)
    normal = X_train[split.y_train == 0]
    sized = SequenceAutoencoder()._train_config().sized_for(len(normal))
    assert (sized.max_epochs, sized.batch_size, sized.patience) == (500, 16, 250)
    det = AnomalyDetector(model="conv1d-ae", latent_dim=4, hidden=(16,), max_epochs=120, random_state=0).fit(normal)
    assert det.n_features_in_ == 1
    scores = det.decision_function(X_test)
    assert roc_auc_score(split.y_test != 0, scores) > 0.8
    np.testing.assert_allclose(scores, det.estimator_.score_samples(X_test))
    same = load(det.save(tmp_path / "det.safetensors"))
    np.testing.assert_array_equal(same.decision_function(X_test), scores)
    np.testing.assert_array_equal(same.predict(X_test), det.predict(X_test))
    with pytest.raises(ValueError, match="per-time-step"):
        det.explain(X_test[:2])
    with pytest.raises(ValueError, match="score='mae' is not offered"):
        AnomalyDetector(model="lstm-ae", score="mae").fit(normal)


def test_aekit_train_fits_a_sequence_preset(tmp_path, capsys):
    """`aekit train` asks every family for scaling="auto"; the sequence families take it."""
    from aekit.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--model", "conv1d-ae", "--data", "italy-power-demand", "--latent", "4", "--hidden", "16",
              "--epochs", "2", "--out", str(tmp_path), "--quiet"])
    assert exit_info.value.code in (0, None), capsys.readouterr().err
    ae = load(tmp_path / "model.safetensors")
    assert isinstance(ae, SequenceAutoencoder) and ae.scaling == "auto" and ae.n_epochs_ == 2
    assert (tmp_path / "reconstructions.png").stat().st_size > 10_000
