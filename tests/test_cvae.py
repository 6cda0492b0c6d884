"""aekit.ConditionalVAE on sklearn's digits: class-conditional samples, labels
everywhere, save/load, bad labels, the CLI."""

from __future__ import annotations

import numpy as np
import pytest
from benchmark_modules import benchmark_module
from test_cli import run  # the CLI in-process: (exit code, stdout, stderr)

import aekit
from aekit import ConditionalVAE
from aekit.data import load_dataset
from aekit.evaluation import SampleQualityScorer
from aekit.exceptions import DataError


@pytest.fixture(scope="module")
def cvae(digits):
    X_train, _, y_train, _ = digits
    return ConditionalVAE(latent_dim=4, hidden=(128,), max_epochs=25, batch_size=64, random_state=0).fit(
        X_train, y_train)


def test_samples_of_class_c_are_classified_as_c(digits, cvae):
    X_train, X_test, y_train, y_test = digits
    scorer = SampleQualityScorer(max_iter=60, random_state=0).fit(X_train, y_train)
    assert scorer.accuracy(X_test, y_test) > 0.9
    wanted = np.repeat(cvae.classes_, 30)
    accuracy = scorer.accuracy(cvae.sample(len(wanted), y=wanted, random_state=0), wanted)
    assert accuracy > 0.8, accuracy  # chance is 0.1
    assert scorer.accuracy(cvae.sample(100, random_state=1), np.resize(cvae.classes_, 100)) > 0.8  # y=None: in turn


def test_label_changes_the_sample_not_the_seed(cvae):
    same_seed = [cvae.sample(5, y=c, random_state=7) for c in (1, 1, 8)]
    assert np.array_equal(same_seed[0], same_seed[1])
    assert not np.allclose(same_seed[0], same_seed[2])
    assert not np.allclose(same_seed[0], cvae.sample(5, y=1, random_state=8))


def test_every_data_method_takes_the_labels(digits, cvae):
    _, X_test, _, y_test = digits
    Z = cvae.transform(X_test[:20], y_test[:20])
    assert Z.shape == (20, 4) and np.array_equal(Z, cvae.transform(X_test[:20], y_test[:20]))
    assert cvae.reconstruct(X_test[:20], y_test[:20]).shape == (20, 64)
    assert np.allclose(cvae.inverse_transform(Z, y_test[:20]), cvae.reconstruct(X_test[:20], y_test[:20]), atol=1e-5)
    elbo = cvae.elbo(X_test[:50], y_test[:50], n_samples=10, random_state=0)
    ll = cvae.log_likelihood(X_test[:50], y_test[:50], n_samples=100, random_state=0)
    assert ll.mean() >= elbo.mean() and np.allclose(cvae.score_samples(X_test[:5], y_test[:5]),
                                                    -cvae.elbo(X_test[:5], y_test[:5]))
    # the right label explains an image better than a wrong one
    wrong = (y_test[:200] + 1) % 10
    assert cvae.elbo(X_test[:200], y_test[:200]).mean() > cvae.elbo(X_test[:200], wrong).mean() + 5
    assert cvae.interpolate(X_test[0], X_test[1], 4, y=3).shape == (4, 64)
    assert (cvae.reconstruction_log_prob(X_test[:5], y_test[:5], random_state=0)
            > cvae.elbo(X_test[:5], y_test[:5], n_samples=10, random_state=0)).all()  # the ELBO minus a KL >= 0


def test_save_and_load_give_identical_outputs_and_keep_the_classes(digits, cvae, tmp_path):
    _, X_test, _, y_test = digits
    loaded = aekit.load(cvae.save(tmp_path / "cvae.safetensors"))
    assert type(loaded) is ConditionalVAE and loaded.classes_.tolist() == list(range(10))
    assert np.array_equal(loaded.transform(X_test, y_test), cvae.transform(X_test, y_test))
    assert np.array_equal(loaded.sample(12, y=4, random_state=2), cvae.sample(12, y=4, random_state=2))
    assert np.array_equal(loaded.elbo(X_test, y_test, random_state=0), cvae.elbo(X_test, y_test, random_state=0))


def test_string_labels_and_a_conv_architecture(digits):
    X_train, _, y_train, _ = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])[y_train]
    images = X_train.reshape(-1, 8, 8)
    model = ConditionalVAE(latent_dim=2, architecture="conv", channels=(8, 16), max_epochs=1,
                           random_state=0).fit(images[:300], names[:300])
    assert set(model.classes_) <= set(names) and model.sample(3, y="seven", random_state=0).shape == (3, 64)
    assert model.transform(images[:3], names[:3]).shape == (3, 2)


def test_bad_labels_get_one_clear_error(digits, cvae):
    X_train, X_test, y_train, y_test = digits
    with pytest.raises(DataError, match=r"labels \[11\] never seen in fit; expected one of the 10 classes"):
        cvae.sample(3, y=11)
    with pytest.raises(DataError, match="transform needs y"):
        cvae.transform(X_test[:3])
    with pytest.raises(DataError, match="elbo needs y"):
        cvae.elbo(X_test[:3])
    with pytest.raises(DataError, match="call fit\\(X, y\\)"):
        ConditionalVAE(max_epochs=1).fit(X_train)
    with pytest.raises(DataError, match=r"expected y as 3 class labels .* shape \(2,\)"):
        cvae.transform(X_test[:3], y_test[:2])
    with pytest.raises(DataError, match="NaN"):
        ConditionalVAE(max_epochs=1).fit(X_train[:20], np.r_[np.nan, y_train[1:20].astype(float)])


def test_train_and_generate_a_class_from_the_cli(tmp_path, capsys):
    code, out, err = run(["train", "--model", "cvae", "--data", "digits", "--latent", "4", "--epochs", "2",
                          "--out", str(tmp_path), "--quiet"], capsys)
    assert code == 0, err
    assert "test ELBO" in out
    model = str(tmp_path / "model.safetensors")
    code, out, err = run(["generate", model, "-n", "8", "--label", "3", "-o", str(tmp_path / "s.png"), "--npy"], capsys)
    assert code == 0, err
    assert np.array_equal(np.load(tmp_path / "s.npy"), aekit.load(model).sample(8, y=3, random_state=0))
    code, _, err = run(["generate", model, "--label", "12", "-o", str(tmp_path / "t.png")], capsys)
    assert code == 1 and "not one of the model's classes" in err


def test_a_cvae_trained_on_class_subfolders_knows_them_by_name(tmp_path, capsys):
    # the CLI gave the model the subfolders' indices: `generate --label coins` was refused, the model
    # knowing only [0, 1, ...]
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    for i in range(150):
        folder = tmp_path / "images" / ("zero", "one", "two")[digits.target[i] % 3]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.round(digits.images[i] / 16 * 255).astype(np.uint8)).save(folder / f"{i}.png")
    code, out, err = run(["train", "--model", "cvae", "--data", str(tmp_path / "images"), "--latent", "2",
                          "--epochs", "1", "--out", str(tmp_path / "run"), "--quiet"], capsys)
    assert code == 0, err
    model = str(tmp_path / "run" / "model.safetensors")
    assert list(aekit.load(model).classes_) == ["one", "two", "zero"]
    code, out, err = run(["generate", model, "-n", "4", "--label", "two", "-o", str(tmp_path / "s.png")], capsys)
    assert code == 0, err
    code, _, err = run(["generate", model, "--label", "1", "-o", str(tmp_path / "t.png")], capsys)
    assert code == 1 and "['one', 'two', 'zero']" in err


def test_a_tampered_class_list_is_one_model_file_error(cvae, tmp_path):
    import json

    from safetensors.torch import load_file

    from aekit.exceptions import ModelFileError
    from aekit.io import read_model_file, write_model_file

    path = cvae.save(tmp_path / "cvae.safetensors")
    metadata, _ = read_model_file(path)
    fitted = json.loads(metadata["fitted"])
    fitted["classes_"] = fitted["classes_"][:9]  # one class fewer than the model's one-hot inputs
    write_model_file(path, {**metadata, "fitted": json.dumps(fitted)}, load_file(str(path)))
    with pytest.raises(ModelFileError, match="9 classes but the model was built for 10"):
        aekit.load(path)


def test_the_benchmark_chooses_beta_on_training_images_only_by_its_stated_rule():
    """benchmarks/generative.py --validation (how the default beta was chosen): the validation images are
    training images (stratified), no test image is used, and the rule keeps the first model within
    SELECTION_TOLERANCE of the best validation class accuracy."""
    bench = benchmark_module("generative")
    data = load_dataset("digits")
    split = bench.validation_split(data, 300, seed=1)
    assert len(split.X_test) == 300 and len(split.X_train) == len(data.X_train) - 300
    assert sorted(map(bytes, np.vstack([split.X_train, split.X_test]))) == sorted(map(bytes, data.X_train))
    shares = np.bincount(split.y_test) / len(split.y_test) - np.bincount(data.y_train) / len(data.y_train)
    assert np.abs(shares).max() < 0.01 and "VALIDATION" in split.source
    rows = {"vae": {"frechet_distance": 60.0}, "cvae (beta=1)": {"class_accuracy_mean": 0.827},
            "cvae (beta=2)": {"class_accuracy_mean": 0.889}, "cvae (beta=3)": {"class_accuracy_mean": 0.894},
            "cvae (beta=4)": {"class_accuracy_mean": 0.896}}
    assert bench.select(rows)["chosen"] == "cvae (beta=3)"  # 0.002 below the best: within the tolerance
    rows["cvae (beta=4)"]["class_accuracy_mean"] = 0.95
    assert bench.select(rows)["chosen"] == "cvae (beta=4)"


def test_the_benchmark_measures_the_shipped_default_cvae_only_when_named():
    """benchmarks/generative.py --models "cvae (defaults)" (issue 22: the CVAE target is on the shipped
    default): ConditionalVAE() with every parameter at its default but the seed, not the section's shared
    network; not among the models of a run that does not name it."""
    import argparse
    bench = benchmark_module("generative")
    args = argparse.Namespace(gen_latent=16, gen_hidden=(512, 256), gen_epochs=30, batch_size=128, seed=2,
                              cvae_variants="[]", image_shape=(1, 28, 28), models=None)
    assert bench.DEFAULTS_CVAE not in bench.generators(args)
    args.models = ["cvae (defaults)", "cvae"]
    models = bench.generators(args)
    assert list(models) == ["cvae (defaults)", "cvae"]
    assert models["cvae (defaults)"].get_params() == ConditionalVAE(random_state=2).get_params()
    assert models["cvae"].get_params()["hidden"] == (512, 256)
