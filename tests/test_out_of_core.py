"""Data larger than memory: training from .npy / Parquet blocks, chunked inference
written as it comes, and peak memory measured in a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aekit import Autoencoder
from aekit.data import Scaler
from aekit.data.blocks import BlockWriter, NpyBlocks, fit_scaler_by_blocks, open_blocks
from aekit.estimators.blocks import apply_by_blocks
from aekit.exceptions import DataError

SRC = Path(__file__).resolve().parent.parent / "src"
FAST = dict(latent_dim=8, hidden=(32,), max_epochs=3, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def digits_npy(tmp_path_factory, digits):
    path = tmp_path_factory.mktemp("blocks") / "digits.npy"
    np.save(path, digits[0])
    return path


@pytest.mark.parametrize("kind", ["auto", "standard", "minmax"])
def test_scaler_fitted_by_blocks_equals_the_in_memory_one(cancer, tmp_path, kind):
    X = cancer[0]
    np.save(tmp_path / "x.npy", X)
    by_blocks = fit_scaler_by_blocks(NpyBlocks(tmp_path / "x.npy", block_rows=37), kind)
    whole = Scaler("standard" if kind == "auto" else kind).fit(X)
    np.testing.assert_allclose(by_blocks.transform(X), whole.transform(X), rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def block_model(digits_npy):
    source = open_blocks(np.load(digits_npy, mmap_mode="r"), block_rows=200)  # an np.memmap
    assert source.n_blocks == -(-source.n_rows // 200)
    return Autoencoder(**FAST).fit(source)


def test_training_from_npy_blocks_learns_and_chunked_transform_equals_in_memory(digits, digits_npy, block_model,
                                                                               tmp_path):
    X_train, X_test, *_ = digits
    ae = block_model
    assert ae.history_["val_loss"].iloc[-1] < 0.7 * ae.history_["val_loss"].iloc[0]
    assert ae.scaler_.kind == "minmax"
    in_memory = Autoencoder(**FAST).fit(X_train)  # same model quality reading the whole array
    assert ae.score_samples(X_test).mean() < 1.3 * in_memory.score_samples(X_test).mean()

    for method in ("transform", "reconstruct", "score_samples"):
        out = tmp_path / f"{method}.npy"
        apply_by_blocks(ae, digits_npy, method, out, block_rows=150)
        expected = getattr(ae, method)(X_train)
        np.testing.assert_array_equal(np.load(out), expected.reshape(len(X_train), -1))


def test_parquet_row_groups_train_and_stream_to_csv(cancer, tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    X = cancer[0]
    columns = [f"f{i}" for i in range(X.shape[1])]
    pq.write_table(pa.table({c: X[:, i] for i, c in enumerate(columns)}), tmp_path / "t.parquet",
                   row_group_size=64)
    source = open_blocks(tmp_path / "t.parquet")
    assert source.n_blocks == -(-len(X) // 64)
    ae = Autoencoder(**FAST).fit(source)
    assert list(ae.feature_names_in_) == columns and ae.scaler_.kind == "standard"
    assert ae.history_["val_loss"].iloc[-1] < ae.history_["val_loss"].iloc[0]
    apply_by_blocks(ae, tmp_path / "t.parquet", "transform", tmp_path / "codes.csv")
    np.testing.assert_allclose(pd.read_csv(tmp_path / "codes.csv").to_numpy(), ae.transform(X), rtol=1e-6)


def test_cli_encode_streams_a_npy_file(digits, digits_npy, block_model, tmp_path, capsys):
    from aekit.cli import main

    model = block_model
    model_path = model.save(tmp_path / "m.safetensors")
    with pytest.raises(SystemExit) as exit_info:
        main(["encode", str(model_path), "--data", str(digits_npy), "-o", str(tmp_path / "codes.parquet")])
    assert (exit_info.value.code or 0) == 0, capsys.readouterr().err
    codes = pd.read_parquet(tmp_path / "codes.parquet").to_numpy()
    np.testing.assert_array_equal(codes, model.transform(digits[0]))


def test_bad_blocks_give_one_clear_error(tmp_path):
    bad = np.ones((50, 3), dtype=np.float32)
    bad[40, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    with pytest.raises(DataError, match=r"nan.npy \(block 2 of 2\) contains NaN"):
        Autoencoder(**FAST).fit(open_blocks(tmp_path / "nan.npy", block_rows=25))
    np.save(tmp_path / "flat.npy", np.ones(10))
    with pytest.raises(DataError, match="expected a non-empty 2-D array"):
        open_blocks(tmp_path / "flat.npy")
    with pytest.raises(DataError, match="expected a .npy or .parquet"):
        open_blocks(tmp_path / "x.csv")
    with pytest.raises(DataError, match="wrote 1 rows to out.npy, expected 2"):
        with BlockWriter(tmp_path / "out.npy", 2, ["a"]) as writer:
            writer.write(np.zeros((1, 1)))
    assert not (tmp_path / "out.npy").exists()


CHILD = """
import json, sys
import numpy as np
from aekit import Autoencoder
from aekit.data.blocks import open_blocks

def status_mb(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024

def growth_of_peak_mb(work):
    # The kernel's peak RSS (VmHWM) is reset to the present RSS first, so that a higher peak
    # left by the imports or the warm-up cannot hide what ``work`` adds.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    start = status_mb("VmRSS")
    result = work()
    return status_mb("VmHWM") - start, result

options = dict(latent_dim=8, hidden=(32,), max_epochs=1, batch_size=256, random_state=0)
Autoencoder(**options).fit(np.random.default_rng(0).random((512, 784), dtype=np.float32))  # imports, first Trainer
growth, ae = growth_of_peak_mb(
    lambda: Autoencoder(**options).fit(open_blocks(np.load(sys.argv[1], mmap_mode="r"), block_rows=2048)))
growth_whole, _ = growth_of_peak_mb(lambda: np.array(np.load(sys.argv[1], mmap_mode="r")))  # the control
print(json.dumps({"growth_mb": growth, "growth_whole_mb": growth_whole,
                  "epochs": int(ae.history_.shape[0]), "train_loss": float(ae.history_["train_loss"].iloc[-1])}))
"""
MEMORY_BUDGET_MB = 60  # what training may add to the peak memory of the process (measured: 36); the file is twice as large


def test_training_on_a_memory_map_does_not_load_it(tmp_path):
    """Peak memory of a separate process grows by less than a budget while it trains on a
    memory-mapped file larger than that budget; reading the file whole (the control) does not fit in it.
    Linux only (the peak is read from /proc and reset through /proc/self/clear_refs)."""
    from aekit.data import load_dataset

    if not os.access("/proc/self/clear_refs", os.W_OK):
        pytest.skip("needs Linux's /proc/self/clear_refs to reset the peak RSS")
    images = load_dataset("mnist-5k").X_train
    path = tmp_path / "big.npy"
    rows = 40_000  # 125 MB of float32 pixels: mnist-5k repeated
    big = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, 784))
    for start in range(0, rows, len(images)):
        big[start:start + len(images)] = images[:rows - start]
    big.flush()
    del big
    file_mb = os.path.getsize(path) / 2**20
    assert file_mb > 1.9 * MEMORY_BUDGET_MB
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["epochs"] == 1 and 0 < result["train_loss"] < 0.2, result  # it trained (pixels in [0, 1])
    assert result["growth_mb"] < MEMORY_BUDGET_MB, (result, file_mb)
    assert result["growth_whole_mb"] > 0.75 * file_mb, result  # the measurement does see a whole read


def _rss_file_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("RssFile:")) / 1024


def test_scoring_chunks_of_a_npy_do_not_keep_its_pages_in_memory(tmp_path):
    """`aekit detect score` read a .npy through a memory map: every page it touched stayed in the
    process's resident memory, so its peak RSS grew with the file (613 MB for 64 MB, 1,062 MB for
    512 MB: benchmarks/streaming_memory.py). Chunks are now plain reads at an offset; NaN rows are
    kept (the command reports them). Linux only (RssFile from /proc)."""
    from aekit.detection.streaming import count_rows, iter_chunks

    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs Linux's /proc/self/status")
    path = tmp_path / "big.npy"
    big = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(250_000, 64))  # 61 MB
    big[:] = 1.0
    big[7, 3] = np.nan
    big.flush()
    del big
    before, total, first, growth = _rss_file_mb(), 0, None, 0.0
    for chunk in iter_chunks(path, chunk_size=10_000):
        first = chunk if first is None else first
        total += len(chunk)
        assert np.nansum(chunk) == chunk.size - (total == 10_000)  # the values are read (their pages touched)
        growth = max(growth, _rss_file_mb() - before)  # while the file is open
    assert total == count_rows(path) == 250_000 and np.isnan(first[7, 3]) and first.shape == (10_000, 64)
    assert growth < 16, f"file-backed resident memory grew by {growth:.0f} MB reading a 61 MB file"


def test_a_file_too_large_to_read_whole_is_refused_before_reading(tmp_path, monkeypatch):
    """Item 7 of the reliability issue: a request that cannot fit says so before the OS kills the
    process. The memory available is made 1 kB here; the CSV (3 kB) would need about twice its size."""
    import aekit.memory
    from aekit.data import load_table
    from test_fuzz import cli

    pd.DataFrame(np.random.default_rng(0).random((60, 4)), columns=list("abcd")).to_csv(tmp_path / "t.csv",
                                                                                        index=False)
    X = load_table(tmp_path / "t.csv").X
    model = Autoencoder(**FAST).fit(X)
    model.save(tmp_path / "m.safetensors")
    np.save(tmp_path / "t.npy", X)
    monkeypatch.setattr(aekit.memory, "_meminfo_available", lambda: 1024)
    monkeypatch.setattr(aekit.memory, "_cgroup_room", lambda: None)
    with pytest.raises(DataError, match=r"reading t.csv whole needs about 0.0 MiB, more than the 0.0 MiB of memory "
                                        r"available; `aekit encode`, `reconstruct` and `detect score` stream"):
        load_table(tmp_path / "t.csv")
    code, _ = cli(["train", "--data", tmp_path / "t.csv", "--epochs", 1, "-q", "--out", tmp_path / "run"])
    assert code != 0 and not (tmp_path / "run" / "model.safetensors").exists()  # training reads the file whole
    for data in ("t.npy", "t.csv"):  # these stream: they run
        code, out = cli(["encode", tmp_path / "m.safetensors", "--data", tmp_path / data, "--out", tmp_path / "c.npy"])
        assert code == 0, out
        np.testing.assert_array_equal(np.load(tmp_path / "c.npy"), model.transform(X))


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    """A model of a CSV with an id column, numbers and a category column whose values include "1"
    (a chunk holding only that one reads as numbers), trained by `aekit train`."""
    from test_fuzz import cli

    folder = tmp_path_factory.mktemp("chunks")
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"key": [f"k{i}" for i in range(n)], "a": rng.random(n), "b": 10 * rng.random(n),
                          "colour": rng.choice(["red", "blue", "1"], n), "c": rng.integers(0, 5, n)})
    frame = pd.concat([frame[frame.colour == "1"].iloc[:40], frame])  # the first 37-row chunk: "1" only
    frame.to_csv(folder / "rows.csv", index=False)
    code, out = cli(["train", "--data", folder / "rows.csv", "--id", "key", "--epochs", 3, "--latent", 2,
                     "--hidden", 8, "-q", "--out", folder / "run"])
    assert code == 0, out
    return folder


@pytest.mark.parametrize("command", ["encode", "reconstruct"])
def test_cli_encode_and_reconstruct_stream_a_csv_in_chunks_with_the_whole_read_result(mixed_run, tmp_path, command,
                                                                                     monkeypatch):
    """Item 7 of the reliability issue: a CSV is applied chunk by chunk (CHUNK_ROWS rows, 37 here), and
    gives the very bytes that reading it whole gives: ids first, categories read as in training."""
    import aekit.cli.train as train
    from aekit.data import contract_of, load_table
    from aekit.io import load
    from test_fuzz import cli

    model, data = mixed_run / "run" / "model.safetensors", mixed_run / "rows.csv"
    estimator = load(model)
    table = load_table(data, contract=contract_of(estimator))  # the whole read
    train.write_rows(tmp_path / "whole.csv", *train._applied(estimator, table, command.replace("encode", "transform")),
                     table.ids)
    read_whole = pd.read_csv
    monkeypatch.setattr(train, "CHUNK_ROWS", 37)
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: read_whole(*a, **k) if k.get("chunksize") or k.get("nrows")
                        else pytest.fail(f"read whole: {a}"))
    code, out = cli([command, model, "--data", data, "--out", tmp_path / "chunked.csv"])
    assert code == 0, out
    assert f"wrote {len(table.X)} rows" in out and "(key first)" in out
    assert (tmp_path / "chunked.csv").read_text() == (tmp_path / "whole.csv").read_text()
    if command == "encode":  # a .npy of the codes: the row count is known only at the end
        code, out = cli([command, model, "--data", data, "--out", tmp_path / "codes.npy"])
        assert code == 0 and "without the id columns ['key']" in out, out
        np.testing.assert_array_equal(np.load(tmp_path / "codes.npy"), estimator.transform(table.features()))
    else:  # reconstructions with categories are not numbers: a .npy is refused, and nothing is left behind
        assert "holds numbers only" in _error([command, model, "--data", data, "--out", tmp_path / "rows.npy"])
        assert not list(tmp_path.glob("rows*"))


def test_a_chunked_csv_names_the_rows_of_a_bad_chunk_and_writes_nothing(mixed_run, tmp_path, monkeypatch):
    import aekit.cli.train as train

    frame = pd.read_csv(mixed_run / "rows.csv")
    frame.loc[50, "a"] = np.inf  # in the second chunk, its row 13
    frame.to_csv(tmp_path / "bad.csv", index=False)
    monkeypatch.setattr(train, "CHUNK_ROWS", 37)
    error = _error(["encode", mixed_run / "run" / "model.safetensors", "--data", tmp_path / "bad.csv",
                    "--out", tmp_path / "codes.csv"])
    assert "bad.csv (its rows from 37 on, numbered from 0) contains NaN or infinity in 1 cells (rows [13]" in error
    (tmp_path / "header.csv").write_text(",".join(frame.columns) + "\n")
    error = _error(["encode", mixed_run / "run" / "model.safetensors", "--data", tmp_path / "header.csv",
                    "--out", tmp_path / "codes.csv"])
    assert "header.csv has no data rows" in error and not list(tmp_path.glob("codes*"))


def _error(args) -> str:
    """The aekit error that `aekit args` stops with."""
    from aekit.cli import app
    from aekit.exceptions import AekitError
    from test_fuzz import runner

    result = runner.invoke(app, [str(a) for a in args])
    assert isinstance(result.exception, AekitError), (args, repr(result.exception), result.output)
    return str(result.exception)


def test_streamed_csvs_take_the_header_rule_of_whole_reads(tmp_path):
    """`detect score` and the chunked `encode` read a CSV whose header is pandas' default labels
    0, 1, 2, ... as a header, as load_table does (they read it as a data row before)."""
    from aekit.data import load_table
    from aekit.detection.streaming import count_rows, iter_chunks

    pd.DataFrame(np.arange(12.0).reshape(4, 3) / 10).to_csv(tmp_path / "t.csv", index=False)
    assert (tmp_path / "t.csv").read_text().startswith("0,1,2\n")
    chunks = list(iter_chunks(tmp_path / "t.csv", 3))
    assert [len(c) for c in chunks] == [3, 1] and count_rows(tmp_path / "t.csv") == 4
    np.testing.assert_array_equal(np.vstack([c.to_numpy(np.float32) for c in chunks]), load_table(tmp_path / "t.csv").X)
