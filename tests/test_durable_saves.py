"""Atomic, durable writes (aekit.files.atomic_write) behind model files, checkpoints,
training histories and data files: a save killed at any moment leaves the previous
complete file, temp files of killed saves are cleaned by the next save, and the
data and the folder are fsynced."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import aekit
from aekit.files import atomic_write, stale_temp_files
from zoo import fit_zoo

KILLS = 20


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_write(target, "w") as f:
            f.write("half of the new")
            raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_data_and_folder_are_fsynced_before_and_after_the_rename(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(("fsync", Path(f"/proc/self/fd/{fd}").resolve()))
                        or real_fsync(fd))
    monkeypatch.setattr(os, "replace", lambda a, b: calls.append(("replace", Path(b))) or real_replace(a, b))
    target = tmp_path / "f.bin"
    with atomic_write(target) as f:
        f.write(b"data")
    assert [c[0] for c in calls] == ["fsync", "replace", "fsync"]
    assert calls[0][1].parent == tmp_path and calls[0][1] != target  # the temp file, in the same folder
    assert calls[2][1] == tmp_path  # the folder, after the rename
    assert target.read_bytes() == b"data" and oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_stale_temp_files_of_dead_writers_are_removed_by_the_next_save(tmp_path):
    target = tmp_path / "m.safetensors"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = [tmp_path / f".m.safetensors.{dead_pid}.abc.tmp", tmp_path / "m.safetensors.tmp"]  # the latter: older aekit
    live = tmp_path / f".m.safetensors.{os.getppid()}.xyz.tmp"  # a writer still running
    other = tmp_path / f".other.safetensors.{dead_pid}.abc.tmp"  # another file's
    for p in (*stale, live, other):
        p.write_bytes(b"partial")
    assert sorted(stale_temp_files(target)) == sorted(stale)
    with atomic_write(target) as f:
        f.write(b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m.safetensors", live.name, other.name])


def _save_forever(base: str, path: str, start: int) -> None:
    """Save version k = start, start+1, ... of the model at ``base`` over ``path`` (weight 0 holds k);
    the file ``<base>.<start>.ready`` says the first one is written."""
    torch.set_num_threads(1)
    model = aekit.load(base)
    weight = next(iter(model.model_.parameters()))
    k = start
    while True:
        with torch.no_grad():
            weight.view(-1)[0] = k
        model.save(path)
        if k == start:
            Path(f"{base}.{start}.ready").touch()
        k += 1


def _check_complete_version(path: Path, base_state: dict) -> int:
    """The file at ``path`` loads, verified, and is version k of the base model; returns k."""
    state = aekit.load(path).model_.state_dict()
    first = next(iter(base_state))
    k = float(state[first].view(-1)[0])
    assert k == int(k) and k >= 0
    assert all(torch.equal(state[n].view(-1)[1:] if n == first else state[n],
                           base_state[n].view(-1)[1:] if n == first else base_state[n]) for n in state)
    return int(k)


def _kill_saves(tmp_path, start_saver, kills: int, seed: int = 0) -> list[int]:
    (tmp_path / "base").mkdir()
    base = tmp_path / "base" / "base.safetensors"
    fit_zoo("ae").save(base)
    base_state = aekit.load(base).model_.state_dict()
    path = tmp_path / "model.safetensors"
    rng = np.random.default_rng(seed)
    versions = []
    for i in range(kills):
        stop = start_saver(base, path, 1000 * i)
        while not Path(f"{base}.{1000 * i}.ready").exists():
            time.sleep(0.001)
        time.sleep(float(rng.uniform(0, 0.05)))  # a random moment, mostly in the middle of a save
        stop()
        versions.append(_check_complete_version(path, base_state))
    aekit.load(base).save(path)  # the next save cleans up what the killed ones left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "model.safetensors"]
    return versions


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_sigkill_during_repeated_saves_leaves_a_complete_version(tmp_path):
    """Forked savers (fast): KILLS SIGKILLs at random moments of repeated saves over one path."""
    context = multiprocessing.get_context("fork")

    def start(base, path, first):
        process = context.Process(target=_save_forever, args=(str(base), str(path), first), daemon=True)
        process.start()

        def stop():
            os.kill(process.pid, signal.SIGKILL)
            process.join()
        return stop

    versions = _kill_saves(tmp_path, start, KILLS)
    assert len(versions) == KILLS
    assert sum(v % 1000 > 0 for v in versions) >= KILLS // 2  # most kills came after several saves


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_sigkill_of_fresh_processes_during_saves_leaves_a_complete_version(tmp_path):
    """The same with fresh interpreters (no fork): 5 kills (each start imports torch)."""
    src = str(Path(aekit.__file__).parents[1])
    tests = str(Path(__file__).parent)

    def start(base, path, first):
        code = (f"import sys; sys.path[:0] = [{src!r}, {tests!r}]; from test_durable_saves import _save_forever; "
                f"_save_forever({str(base)!r}, {str(path)!r}, {first})")
        process = subprocess.Popen([sys.executable, "-c", code])

        def stop():
            process.send_signal(signal.SIGKILL)
            process.wait()
        return stop

    versions = _kill_saves(tmp_path, start, 5, seed=1)
    assert len(versions) == 5


def test_checkpoints_are_written_through_atomic_write(tmp_path, monkeypatch):
    import aekit.files

    written = []
    real = aekit.files.atomic_write

    def spy(path, *args, **kwargs):
        written.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr("aekit.training.callbacks.atomic_write", spy)
    monkeypatch.setattr("aekit.training.module.atomic_write", spy)
    X = np.random.default_rng(0).random((40, 6)).astype(np.float32)
    aekit.Autoencoder(latent_dim=2, hidden=(4,), max_epochs=2, checkpoint_dir=tmp_path / "ck",
                      log_dir=tmp_path / "log", random_state=0).fit(X)
    assert {"last.ckpt", "best.ckpt", "metrics.csv"} <= set(written)
    assert not list(tmp_path.rglob("*.tmp"))
