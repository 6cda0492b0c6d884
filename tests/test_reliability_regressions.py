"""One regression test per failure the fuzzing (tests/test_fuzz.py) found, each named after
what was wrong; docs/reliability.md lists them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from aekit.data import load_series
from aekit.exceptions import DataError
from test_fuzz import cli
from zoo import data_of, fit_zoo

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def models():
    return {name: fit_zoo(name) for name in ("ae", "vae", "conv", "seq-vae", "autorec")}


def test_values_of_1e30_give_an_error_naming_the_rows_not_inf(models):
    X = data_of("ae")[1][0][:4].copy()
    X[2] = 1e30  # finite float32, far outside the training range: its squared error overflowed to inf
    with pytest.raises(DataError, match=r"NaN or inf for 1 row\(s\) \(rows \[2\]\)"):
        models["ae"].score_samples(X)
    assert np.isfinite(models["ae"].transform(X)).all()  # codes of such rows stay finite: returned


@pytest.mark.parametrize("n", [0, -1, None, 2.5, "3", True])
def test_sample_refuses_a_count_that_is_not_a_positive_integer(models, n):
    for name in ("vae", "seq-vae"):  # seq-vae raised TypeError / ValueError
        with pytest.raises(DataError, match="n must be a positive integer"):
            models[name].sample(n)


def test_sample_refuses_a_request_larger_than_memory_before_allocating(models):
    for name in ("vae", "seq-vae"):  # raised MemoryError / torch's "can't allocate 8000000000000 bytes"
        with pytest.raises(DataError, match=r"needs about .* GiB, more than the .* GiB of memory available"):
            models[name].sample(10**12)


def test_recommend_with_n_below_one_is_a_data_error(models):
    with pytest.raises(DataError, match="n must be a positive integer, got 0"):  # was a bare ValueError
        models["autorec"].recommend(0, n=0)


def test_zero_images_are_refused_clearly(models):
    with pytest.raises(DataError, match="0 images"):  # numpy's "cannot reshape array of size 0" before
        models["conv"].transform(np.zeros((0, 16, 16), np.float32))


@pytest.mark.parametrize("name,content", [
    ("s.csv", b""),  # pandas EmptyDataError
    ("s.csv", b"a\n1\n2,3\n"),  # pandas ParserError (ragged)
    ("s.csv", b"a,b\n1,abc\n"),  # could not convert string to float
    ("s.csv", b"a;b\n0.0;0.0\n"),  # semicolons: one text column
    ("s.csv", b"a\n"),  # a header only: 0 rows reshaped
    ("s.npy", b""),  # numpy EOFError
    ("s.npy", np.lib.format.magic(1, 0) + b"junk"),  # a broken .npy header
])
def test_unreadable_series_files_are_a_data_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError):
        load_series(path)


def test_pickled_npy_series_is_refused_without_loading_it(tmp_path):
    path = tmp_path / "s.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="cannot be read as series"):
        load_series(path)


def test_vae_scores_held_out_rows_just_outside_the_training_range(models, tmp_path):
    """`aekit train --model vae` on a CSV failed at its test split: a held-out row a little below the
    training minimum is outside [0, 1] after scaling, which the Bernoulli likelihood refused."""
    vae = models["vae"]
    X = data_of("vae")[1][0][:5].copy()
    X[0] = X.min(axis=0) - 0.01 * (X.max(axis=0) - X.min(axis=0))
    assert np.isfinite(vae.score_samples(X)).all()
    with pytest.raises(DataError, match="needs data in"):  # far outside is still refused
        vae.score_samples(X * 3 - 2)
    rng = np.random.default_rng(0)
    pd.DataFrame(rng.random((60, 4)), columns=list("abcd")).to_csv(tmp_path / "t.csv", index=False)
    code, out = cli(["train", "--model", "vae", "--data", tmp_path / "t.csv", "--epochs", 1, "--latent", 2,
                     "--hidden", 8, "-q", "--out", tmp_path / "run"])
    assert code == 0, out


def test_clustering_of_rows_far_outside_the_data_is_not_nan():
    clustering = fit_zoo("clustering")
    X = data_of("clustering")[1][0][:3].copy()
    X[1] = 1e30  # its code's squared distances overflowed float32: q = 0 / 0 = NaN
    assert np.isfinite(clustering.predict_proba(X)).all() and np.isfinite(clustering.score_samples(X)).all()


@pytest.mark.parametrize("name", ["lstm-ae", "conv1d-ae"])
def test_series_of_1e30_give_an_error_naming_the_rows_not_inf(name):
    model = fit_zoo(name)  # found by the slow fuzzing run: score_samples returned inf
    X = data_of(name)[1][0][:3].copy()
    X[1] = 1e30
    with pytest.raises(DataError, match=r"NaN or inf for 1 row\(s\) \(rows \[1\]\)"):
        model.score_samples(X)


def test_cli_detect_score_of_a_blank_csv_and_generate_grid_of_a_table_model(tmp_path):
    """Found by the slow fuzzing run: pandas' EmptyDataError and a bare ValueError reached the CLI."""
    rng = np.random.default_rng(0)
    pd.DataFrame(rng.random((60, 4)), columns=list("abcd")).to_csv(tmp_path / "t.csv", index=False)
    small = ["--epochs", 1, "--latent", 2, "--hidden", 8, "-q"]
    assert cli(["detect", "fit", "--data", tmp_path / "t.csv", *small, "--out", tmp_path / "d.safetensors"])[0] == 0
    (tmp_path / "blank.csv").write_text("\n\n")
    code, out = cli(["detect", "score", tmp_path / "d.safetensors", "--data", tmp_path / "blank.csv",
                     "--out", tmp_path / "s.csv"])
    assert code != 0
    assert cli(["train", "--model", "vae", "--data", tmp_path / "t.csv", *small, "--out", tmp_path / "v"])[0] == 0
    code, out = cli(["generate", tmp_path / "v" / "model.safetensors", "-n", 2, "--output", tmp_path / "g.png"])
    assert code != 0  # cli() fails on any exception that is not aekit's own


@pytest.fixture(scope="module")
def table_models(tmp_path_factory):
    """A run, a detector and a recommender trained through the CLI on tiny clean files."""
    folder = tmp_path_factory.mktemp("tables")
    rng = np.random.default_rng(0)
    pd.DataFrame(rng.random((60, 2)), columns=["a", "b"]).assign(label=np.arange(60) % 2).to_csv(
        folder / "t.csv", index=False)
    data_of("autorec")[1][0].to_csv(folder / "ratings.csv", index=False)
    small = ["--epochs", 1, "--latent", 1, "--hidden", 4, "-q"]
    for args in (["train", "--data", folder / "t.csv", "--label", "label", *small, "--out", folder / "run"],
                 ["detect", "fit", "--data", folder / "t.csv", "--label", "label", *small,
                  "--out", folder / "d.safetensors"],
                 ["recommend", "train", "--model", "autorec", "--data", folder / "ratings.csv", "--epochs", 1, "-q",
                  "--out", folder / "rec"]):
        code, out = cli(args)
        assert code == 0, out
    return folder


TABLE_COMMANDS = {
    "train": lambda m, d, o: ["train", "--data", d, "--epochs", 1, "-q", "--out", o / "run"],
    "compare": lambda m, d, o: ["compare", "--data", d, "--models", "pca,ae", "--epochs", 1, "-q", "--out", o / "c"],
    "detect fit": lambda m, d, o: ["detect", "fit", "--data", d, "--epochs", 1, "-q", "--out", o / "d.safetensors"],
    "detect score": lambda m, d, o: ["detect", "score", m / "d.safetensors", "--data", d, "--out", o / "s.csv"],
    "encode": lambda m, d, o: ["encode", m / "run", "--data", d, "--out", o / "codes.csv"],
    "reconstruct": lambda m, d, o: ["reconstruct", m / "run", "--data", d, "--out", o / "r.csv"],
    "cluster": lambda m, d, o: ["cluster", "--data", d, "--k", 2, "--epochs", 1, "-q", "--out", o / "cl"],
    "complete": lambda m, d, o: ["complete", "--data", d, "--epochs", 1, "--out", o / "filled.csv"],
    "recommend train": lambda m, d, o: ["recommend", "train", "--model", "ease", "--data", d, "-q", "--out", o / "r"],
    "recommend predict": lambda m, d, o: ["recommend", "predict", m / "rec" / "model.safetensors", "--data", d,
                                          "--out", o / "p.csv"],
}


@pytest.mark.parametrize("blank_lines", [0, 3])
@pytest.mark.parametrize("command", list(TABLE_COMMANDS))
def test_a_table_without_data_rows_is_a_data_error_at_every_entry_point(table_models, tmp_path, command, blank_lines):
    """A CSV whose rows all drop out (a header only, blank lines) reached scikit-learn's "Found array
    with 0 sample(s)" (its text columns went to the one-hot encoder): found by the slow fuzzing run.
    The loaders refuse it now, naming the file; cli() fails on any error that is not aekit's own."""
    from aekit.cli import app
    from test_fuzz import runner

    header = "user,item,rating" if command.startswith("recommend") else "a,b,label"
    (tmp_path / "empty.csv").write_text(header + "\n" * (1 + blank_lines))
    args = [str(a) for a in TABLE_COMMANDS[command](table_models, tmp_path / "empty.csv", tmp_path)]
    result = runner.invoke(app, args)
    assert isinstance(result.exception, DataError), (args, repr(result.exception), result.output)
    assert "empty.csv has no data rows" in str(result.exception) or "empty.csv is empty" in str(result.exception)


def test_load_table_refuses_a_header_only_file(tmp_path):
    from aekit.data import load_table

    (tmp_path / "h.csv").write_text("x,name\n")
    with pytest.raises(DataError, match=r"h.csv has no data rows \(columns \['x', 'name'\], 0 rows\)"):
        load_table(tmp_path / "h.csv")
    np.save(tmp_path / "h.npy", np.zeros((0, 3), np.float32))
    with pytest.raises(DataError, match=r"h.npy has 0 sample\(s\)"):
        load_table(tmp_path / "h.npy")


def test_cli_run_folders_and_model_files_of_the_wrong_kind_give_aekit_errors(table_models, tmp_path):
    """Found by trying the CLI as a new user: `evaluate` / `recommend evaluate` of a folder without a
    run.json raised FileNotFoundError, of a torn run.json JSONDecodeError, of the other command's run
    KeyError; `recommend top` of an autoencoder AttributeError."""
    from aekit.cli import app
    from aekit.exceptions import ModelFileError
    from test_fuzz import runner

    (tmp_path / "torn").mkdir()
    (tmp_path / "torn" / "run.json").write_text('{"model": "ae", "da')
    cases = {("evaluate", tmp_path): (DataError, "is not a run directory"),
             ("evaluate", tmp_path / "torn"): (DataError, "run.json is not valid JSON"),
             ("recommend", "evaluate", tmp_path / "torn"): (DataError, "run.json is not valid JSON"),
             ("recommend", "evaluate", table_models / "run"): (DataError, r"has no \['columns', 'params'\]; "
                                                               "expected a run folder written by `aekit recommend"),
             ("recommend", "top", table_models / "run" / "model.safetensors", "--user", "1"):
                 (ModelFileError, "holds an Autoencoder, not a recommender"),
             ("recommend", "predict", table_models / "d.safetensors", "--data", table_models / "ratings.csv",
              "--out", tmp_path / "p.csv"): (ModelFileError, "holds an AnomalyDetector, not a recommender")}
    # every command that takes a model file says the same thing of one of another kind (five checks had
    # three error types and two wordings; `detect report` had none and failed later on a missing attribute)
    autoencoder, csv = table_models / "run" / "model.safetensors", table_models / "t.csv"
    cases |= {("compress", autoencoder, "--data", "digits", "--out", tmp_path / "s.aek"):
                  (ModelFileError, "holds an Autoencoder, not an ImageCodec; train one with `aekit train --model codec`"),
              ("complete", "--data", csv, "--model", autoencoder, "--out", tmp_path / "f.csv"):
                  (ModelFileError, "holds an Autoencoder, not an AutoencoderImputer; write one with `aekit complete"),
              ("complete", "--data", tmp_path, "--masks", tmp_path, "--model", autoencoder, "--out", tmp_path / "o"):
                  (ModelFileError, "holds an Autoencoder, not an ImageCompleter; write one with `aekit complete"),
              ("detect", "score", autoencoder, "--data", csv, "--out", tmp_path / "s.csv"):
                  (ModelFileError, "holds an Autoencoder, not an anomaly detector; write one with `aekit detect fit`"),
              ("detect", "report", autoencoder, "--data", csv, "--label", "label", "--normal", "0", "--out", tmp_path):
                  (ModelFileError, "holds an Autoencoder, not an anomaly detector; write one with `aekit detect fit`")}
    for args, (kind, message) in cases.items():
        result = runner.invoke(app, [str(a) for a in args])
        assert isinstance(result.exception, kind), (args, repr(result.exception))
        assert re.search(message, str(result.exception)), (args, str(result.exception))


@pytest.mark.parametrize("value", ["1e20", "100000000000000000000", 1e308, "inf", 1.5, "2.5"])
def test_an_id_that_cannot_be_one_of_the_models_integer_ids_is_a_data_error(value):
    """Found by fuzzing `aekit serve`'s /recommend: a user id of 1e20 raised OverflowError (a 500),
    and 1.5 was silently taken as user 1."""
    from aekit.estimators.recommender import typed_ids

    known = np.array([1, 2, 7])
    with pytest.raises(DataError, match=r"not among this model's user ids, which are whole numbers"):
        typed_ids([value], known, "user", "user")
    assert typed_ids(["7", 2.0, " 1 "], known, "user", "user") == [7, 2, 1]


@pytest.mark.parametrize("content", [b"0.0\n0.0,0.0", b"a\n1\n" + b"2\n" * 30 + b"3,4\n", b"a,b\n\xff\xfe,1\n"])
def test_cli_detect_score_of_a_ragged_or_undecodable_csv_is_a_data_error(table_models, tmp_path, content):
    """Found by the slow fuzzing run: `detect score` streams a CSV in chunks, and pandas' ParserError
    (a ragged row, in the first chunk or a later one) reached the CLI."""
    from aekit.cli import app
    from test_fuzz import runner

    (tmp_path / "bad.csv").write_bytes(content)
    result = runner.invoke(app, ["detect", "score", str(table_models / "d.safetensors"), "--data",
                                 str(tmp_path / "bad.csv"), "--out", str(tmp_path / "s.csv"), "--chunk-size", "8"])
    assert isinstance(result.exception, DataError), repr(result.exception)
    assert not (tmp_path / "s.csv").exists()


def test_evaluate_of_a_run_whose_test_rows_are_not_in_its_data_is_a_data_error(tmp_path):
    """Found by tests/test_fuzz.py -k evaluate_of: a data file with fewer rows than the run's test rows
    (run.json's hash made to match it) raised numpy's IndexError ("index 16 is out of bounds")."""
    import json

    from aekit.runs import content_hash
    from test_fuzz import clean_rows

    data = tmp_path / "rows.csv"
    pd.DataFrame(clean_rows(4, rows=60), columns=list("abcd")).to_csv(data, index=False)
    code, out = cli(["train", "--data", data, "--epochs", 1, "--hidden", 4, "--latent", 2, "-q",
                     "--out", tmp_path / "run"])
    assert code == 0, out
    pd.read_csv(data).iloc[:10].to_csv(data, index=False)
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    (tmp_path / "run" / "run.json").write_text(json.dumps({**run, "data_sha256": content_hash(data)}))
    from aekit.cli import app
    from test_fuzz import runner

    result = runner.invoke(app, ["evaluate", str(tmp_path / "run")])
    assert isinstance(result.exception, DataError), repr(result.exception)
    assert re.search(r"rows.csv has 10 rows, but the run's test rows go up to row \d+: it is not the data the run "
                     r"was trained on", str(result.exception))


def test_a_reconstruction_that_overflows_in_the_data_units_is_refused_not_inf():
    """Found by the slow fuzz run (fit_on_fuzzed_tables[msda]): fitted on two rows of values near
    3e38, mSDA's reconstruction was finite in scaled units but overflowed to inf once unscaled."""
    from aekit import MarginalizedDenoisingAutoencoder

    X = np.array([[0, 0, 3e38, 3e38, 3e38], [3e38, 3e38, 3e38, 3e38, 3e38]])
    msda = MarginalizedDenoisingAutoencoder().fit(X)
    with pytest.raises(DataError, match=r"NaN or inf for 1 row\(s\) \(rows \[1\]\).*too large for float32"):
        msda.reconstruct(X)
    assert np.isfinite(msda.transform(X)).all()  # its codes are finite: returned
