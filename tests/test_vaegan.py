"""aekit.VAEGAN on sklearn's digits (and the plain GAN with its networks): three networks
with three optimisers, samples better than an untrained generator's, reconstruction,
the divergence guard on every phase, save/load, bad input."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import torch
from benchmark_modules import benchmark_module

import aekit
from aekit import VAEGAN
from aekit.evaluation import SampleQualityScorer
from aekit.exceptions import DataError, TrainingDivergedError
from aekit.models.vaegan import GANModel, VAEGANConfig, VAEGANModel

SMALL = dict(latent_dim=8, hidden=(64,), discriminator_hidden=(64,), batch_size=64, random_state=0)
pytestmark = pytest.mark.filterwarnings("ignore::aekit.exceptions.StillImprovingWarning")


def benchmark_gan() -> type:
    """The plain GAN that benchmarks/generative.py measures the VAE-GAN against (the VAE-GAN's
    generator and discriminator, no encoder): the tests check that very class, not a copy."""
    return benchmark_module("generative").GAN


@pytest.fixture(scope="module")
def vaegan(digits):
    return VAEGAN(max_epochs=15, patience=15, **SMALL).fit(digits[0])


@pytest.fixture(scope="module")
def scorer(digits):
    X_train, _, y_train, _ = digits
    return SampleQualityScorer(max_iter=50, random_state=0).fit(X_train, y_train)


def fd_of(model, scorer, X_test) -> float:
    return scorer.frechet_distance(X_test, model.sample(len(X_test), random_state=0))


def test_three_optimisers_cover_the_three_networks_once():
    model = VAEGANModel(VAEGANConfig(input_dim=64, latent_dim=4, hidden=(16,), discriminator_hidden=(16,)))
    groups = [{id(p) for p in model.parameters_of(phase)} for phase in model.phases]
    assert model.phases == ("encoder", "decoder", "discriminator")
    assert all(groups) and sum(map(len, groups)) == len(set().union(*groups))  # disjoint
    assert set().union(*groups) == {id(p) for p in model.parameters()}  # all trained
    gan = GANModel(model.config)
    assert gan.encoder is None and set().union(*({id(p) for p in gan.parameters_of(ph)} for ph in gan.phases)) == {
        id(p) for p in gan.parameters()}


def test_samples_and_reconstructions_are_learned(vaegan, scorer, digits):
    X_train, X_test = digits[0], digits[1]
    untrained = VAEGAN(max_epochs=1, **SMALL).fit(X_train[:2])  # two rows, one epoch: near its initial weights
    assert fd_of(vaegan, scorer, X_test) < 0.5 * fd_of(untrained, scorer, X_test)
    # test reconstructions beat the mean image
    mse = np.mean((vaegan.reconstruct(X_test) - X_test) ** 2)
    assert mse < 0.75 * np.mean((X_test - X_train.mean(axis=0)) ** 2)
    assert vaegan.history_["val_loss"].iloc[-1] < vaegan.history_["val_loss"].iloc[0]  # the ELBO rises


def test_the_discriminator_trains(vaegan):
    torch.manual_seed(0)  # the weights the fit started from (random_state=0)
    untrained = VAEGANModel(vaegan.model_.config)
    assert not torch.allclose(untrained.discriminator.head.weight, vaegan.model_.discriminator.head.weight)


def test_the_plain_gan_learns_to_generate(scorer, digits):
    X_train, X_test = digits[0], digits[1]
    GAN = benchmark_gan()
    gan = GAN(max_epochs=30, patience=30, **SMALL).fit(X_train)
    untrained = GAN(max_epochs=1, **SMALL).fit(X_train[:2])
    assert type(gan.model_) is GANModel
    assert fd_of(gan, scorer, X_test) < 0.5 * fd_of(untrained, scorer, X_test)


def test_sampling_is_reproducible_and_survives_save_and_load(vaegan, digits, tmp_path):
    a = vaegan.sample(6, random_state=4)
    assert a.shape == (6, 64) and np.array_equal(a, vaegan.sample(6, random_state=4))
    assert not np.allclose(a, vaegan.sample(6, random_state=5))
    loaded = aekit.load(vaegan.save(tmp_path / "vaegan.safetensors"))
    assert type(loaded) is VAEGAN and loaded.get_params() == vaegan.get_params()
    assert np.array_equal(loaded.sample(8, random_state=1), vaegan.sample(8, random_state=1))
    assert np.array_equal(loaded.transform(digits[1]), vaegan.transform(digits[1]))


def test_conv_vaegan_on_images(digits):
    images = digits[0][:200].reshape(-1, 8, 8)
    model = VAEGAN(architecture="conv", channels=(8,), discriminator_channels=(8,), latent_dim=4, max_epochs=2,
                   random_state=0).fit(images)
    assert model.image_shape_ == (1, 8, 8) and model.sample(3, random_state=0).shape == (3, 64)
    with pytest.raises(DataError):
        model.transform(np.zeros((2, 9, 9), dtype=np.float32))


def test_a_diverging_discriminator_stops_training_naming_its_phase(digits, monkeypatch):
    real = VAEGANModel.phase_loss

    def poisoned(self, phase, batch):
        terms = real(self, phase, batch)
        if phase == "discriminator" and self.epoch == 1:  # the reported (encoder) loss stays finite
            terms["loss"] = terms["loss"] * float("nan")
        return terms

    monkeypatch.setattr(VAEGANModel, "phase_loss", poisoned)
    with pytest.warns(aekit.exceptions.TrainingDivergedWarning, match="epoch 2: the discriminator phase's loss"):
        model = VAEGAN(max_epochs=4, **SMALL).fit(digits[0])
    assert model.best_epoch_ == 1 and all(torch.isfinite(p).all() for p in model.model_.parameters())
    monkeypatch.setattr(VAEGANModel, "phase_loss", lambda self, phase, batch: {
        "loss": real(self, phase, batch)["loss"] * (float("inf") if phase == "decoder" else 1.0)})
    with pytest.raises(TrainingDivergedError, match="epoch 1: the decoder phase's loss became inf"):
        VAEGAN(max_epochs=2, **SMALL).fit(digits[0])


def test_bad_input_gets_one_clear_error(digits, vaegan):
    X_train = digits[0]
    for params, message in [({"gamma": -1.0}, "gamma must be >= 0"),
                            ({"pixel_weight": float("nan")}, "pixel_weight must be >= 0"),
                            ({"discriminator_hidden": ()}, "discriminator_hidden must be one or more"),
                            ({"discriminator_channels": (0,), "architecture": "conv", "image_shape": (8, 8)},
                             "discriminator_channels must be one or more"),
                            ({"architecture": "mlp"}, "architecture must be one of")]:
        with pytest.raises(ValueError, match=message):
            VAEGAN(max_epochs=1, **{**SMALL, **params}).fit(X_train)
    with pytest.raises(DataError, match="likelihood='bernoulli'"):
        VAEGAN(max_epochs=1, scaling="none", likelihood="bernoulli", **SMALL).fit(X_train * 16)
    with pytest.raises(DataError, match="n must be"):
        vaegan.sample(0)
    with pytest.raises(ValueError, match="unknown phase 'generator'"):
        vaegan.model_.phase_loss("generator", torch.zeros(2, 64))


def test_train_and_generate_from_the_cli(tmp_path, capsys):
    from test_cli import run  # the CLI in-process: (exit code, stdout, stderr)

    code, out, err = run(["train", "--model", "vae-gan", "--data", "digits", "--latent", "4", "--hidden", "32",
                          "--epochs", "2", "--out", str(tmp_path), "--quiet"], capsys)
    assert code == 0, err
    model = aekit.load(tmp_path / "model.safetensors")
    assert type(model) is VAEGAN and model.n_epochs_ == 2
    code, out, err = run(["generate", str(tmp_path / "model.safetensors"), "-n", "6", "--seed", "3",
                          "-o", str(tmp_path / "samples.png"), "--npy"], capsys)
    assert code == 0, err
    assert np.array_equal(np.load(tmp_path / "samples.npy"), model.sample(6, random_state=3))
    assert (tmp_path / "samples.png").stat().st_size > 0


def test_compare_gives_a_vae_gan_row_with_its_samples_and_figures(tmp_path):
    import pandas as pd

    from aekit.compare import compare_models
    from aekit.data import load_dataset

    result = compare_models(load_dataset("digits", random_state=0), ["vae", "vae-gan"], tmp_path, latent_dim=4,
                            hidden=(32,), max_epochs=2, seed=0, code_map_method="pca")
    row = pd.read_csv(tmp_path / "results.csv").set_index("model").loc["vae-gan"]
    assert row["test_elbo"] < 0 and row["sample_fd"] > 0 and 0 < row["test_mse"] < 1 and row["epochs"] == 2
    figures = tmp_path / "figures"
    assert (figures / "samples_vae-gan.png").is_file() and (figures / "samples_side_by_side.png").is_file()
    assert "vae-gan: new images decoded from random codes" in result.report.read_text()
    assert type(aekit.load(tmp_path / "models" / "vae-gan.safetensors")) is VAEGAN


def epoch_recorder(started: list):
    import lightning.pytorch as pl

    class EpochRecorder(pl.Callback):
        def on_train_epoch_start(self, trainer, pl_module):
            started.append(trainer.current_epoch)

    return EpochRecorder()


def test_resume_after_a_crash_gives_the_uninterrupted_three_networks(digits, tmp_path, monkeypatch):
    """The three optimisers' states and the RNG are in the checkpoint: a run crashed at epoch 3 and
    resumed ends with the same encoder, decoder and discriminator as one that never stopped (the
    SIGKILL version: tests/test_kill_resume.py, slow)."""
    from test_estimator import Crash, crash_at_epoch

    from aekit.training import fit

    X = digits[0][:300]
    params = dict(SMALL, max_epochs=5, patience=6)
    straight = VAEGAN(**params).fit(X)
    make_callbacks = fit._callbacks
    monkeypatch.setattr(fit, "_callbacks", lambda *a: [*make_callbacks(*a), crash_at_epoch(3)])
    with pytest.raises(Crash):
        VAEGAN(**params, checkpoint_dir=str(tmp_path)).fit(X)
    started = []  # the epochs the resumed run trains: only those after the checkpoint
    monkeypatch.setattr(fit, "_callbacks", lambda *a: [*make_callbacks(*a), epoch_recorder(started)])
    resumed = VAEGAN(**params, checkpoint_dir=str(tmp_path), resume=True).fit(X)
    assert started == [3, 4] and resumed.n_epochs_ == 5
    want = straight.model_.state_dict()
    assert any(k.startswith("discriminator.") for k in want)
    for key, value in resumed.model_.state_dict().items():
        assert torch.equal(value, want[key]), key
    assert np.array_equal(resumed.sample(4, random_state=0), straight.sample(4, random_state=0))


def test_a_stopped_benchmark_run_continues_to_the_results_of_one_uninterrupted_run(tmp_path, monkeypatch):
    """benchmarks/generative.py --sections adversarial --continue: a run stopped part-way keeps its
    runs, fits only the missing ones, and ends as the run that never stopped; its tables say
    INCOMPLETE (no verdict) while runs are missing."""
    bench = benchmark_module("generative")
    monkeypatch.setattr(bench, "RESULTS", tmp_path)
    args = ["generative.py", "--sections", "adversarial", "--datasets", "digits", "--seeds", "0,1", "--adv-epochs",
            "1", "--adv-samples", "200", "--adv-models", "vae,gan", "--scorer", "mlp", "--scorer-epochs", "20",
            "--threads", "1", "--adv-grid", str(tmp_path / "grid.png")]
    monkeypatch.setattr(sys, "argv", args)
    bench.main()
    out = tmp_path / "generative-adversarial-digits-reduced-vae+gan.json"
    whole = json.loads(out.read_text())
    stopped = json.loads(out.read_text())
    del stopped["adversarial"]["digits"]["runs"]["gan"]["1"]  # as if stopped before its last run
    out.write_text(json.dumps(stopped))
    tables = bench.adversarial_markdown(stopped)
    assert "INCOMPLETE: missing gan seed 1" in tables and "| met" not in tables and "| MISSED" not in tables
    fitted = []
    real_row = bench.adversarial_row
    monkeypatch.setattr(bench, "adversarial_row", lambda model, *a: (fitted.append(type(model).__name__),
                                                                      real_row(model, *a))[1])
    monkeypatch.setattr(sys, "argv", [*args, "--continue"])
    bench.main()
    assert fitted == ["GAN"]
    again = json.loads(out.read_text())
    assert len(again["continued"]) == 1 and not bench.missing_runs(again)
    runs, want = again["adversarial"]["digits"]["runs"], whole["adversarial"]["digits"]["runs"]
    assert [(m, s) for m in runs for s in runs[m]] == [(m, s) for m in want for s in want[m]]
    assert all(runs[m][s]["frechet_distance"] == want[m][s]["frechet_distance"] for m in want for s in want[m])
    assert again["adversarial"]["digits"]["summary"] == whole["adversarial"]["digits"]["summary"]
    monkeypatch.setattr(sys, "argv", [a if a != "200" else "300" for a in args] + ["--continue"])
    with pytest.raises(SystemExit, match="holds a run of another command"):
        bench.main()
