"""Kill -9 during training (twice: the first run and a resumed one), then resume: the final
weights equal an uninterrupted run's with the same seed, for each family trained by gradient steps (slow: each kill starts
fresh interpreters).

Run as a script (``python test_kill_resume.py NAME CHECKPOINT_DIR OUT [--resume]``), this
module trains zoo case NAME with checkpoints and writes its final weights to OUT (.npz).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
EPOCHS = 40
LONGER: dict[str, int] = {"vae": 160}  # families whose epochs are too short for a kill to land within EPOCHS
FAMILIES = ["ae", "dae", "conv", "vae", "cvae", "aae", "vae-gan", "stacked", "lstm-ae", "autorec", "multvae",
            "multdae"]
# Bitwise: every family above reaches it on the CPU (one thread, the same seed). A family that
# cannot would get its own tolerance here, with the reason.
TOLERANCE: dict[str, float] = {}
KILLS = 2  # SIGKILLs per family, at random moments, before the run that finishes


def configured(name: str, checkpoint_dir: str, resume: bool):
    from zoo import make

    estimator = make(name)
    params = estimator.get_params()
    epochs = LONGER.get(name, EPOCHS)
    settings = {"checkpoint_dir": checkpoint_dir, "resume": resume, "max_epochs": epochs, "patience": epochs + 1}
    if "pretrain_epochs" in params:
        settings["pretrain_epochs"] = 3
    return estimator.set_params(**{k: v for k, v in settings.items() if k in params})


def weights_after_training(name: str, checkpoint_dir: str | None, resume: bool = False) -> dict[str, np.ndarray]:
    from test_model_file_integrity import torch_model
    from zoo import data_of

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = configured(name, checkpoint_dir, resume).fit(*data_of(name)[1])
    return {k: v.detach().cpu().numpy() for k, v in torch_model(estimator).state_dict().items()}


def _worker(name: str, checkpoint_dir: Path, out: Path, resume: bool) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent / "src"), str(HERE)])}
    args = [sys.executable, __file__, name, str(checkpoint_dir), str(out)] + (["--resume"] if resume else [])
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _checkpoint_times(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("last.ckpt")} if folder.exists() else {}


def _kill_after_a_new_checkpoint(name: str, checkpoints: Path, resume: bool, tmp_path: Path, pause: float) -> None:
    """Start a (resumed) training, wait for it to write a checkpoint of its own, let it run
    ``pause`` seconds more and SIGKILL it; it must still have been training."""
    before = _checkpoint_times(checkpoints)
    worker = _worker(name, checkpoints, tmp_path / "killed.npz", resume=resume)
    while _checkpoint_times(checkpoints) == before and worker.poll() is None:
        time.sleep(0.01)
    time.sleep(pause)
    killed_while_training = worker.poll() is None
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert killed_while_training, f"{name}: training ended before the kill; raise EPOCHS"


@pytest.mark.slow
@pytest.mark.parametrize("name", FAMILIES)
def test_kill_during_training_then_resume_equals_an_uninterrupted_run(name, tmp_path):
    import torch

    torch.set_num_threads(1)
    straight = weights_after_training(name, str(tmp_path / "straight"))
    rng = np.random.default_rng(sum(map(ord, name)))
    checkpoints = tmp_path / "run"
    for kill in range(KILLS):  # the first run, then a resumed one, each killed at a random moment
        _kill_after_a_new_checkpoint(name, checkpoints, resume=kill > 0, tmp_path=tmp_path,
                                     pause=float(rng.uniform(0.02, 0.3)))
    resumed = _worker(name, checkpoints, tmp_path / "resumed.npz", resume=True)
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err[-2000:]
    got = dict(np.load(tmp_path / "resumed.npz"))
    assert got.keys() == straight.keys()
    worst = max(float(np.max(np.abs(got[k] - straight[k]), initial=0.0)) for k in got)
    assert worst <= TOLERANCE.get(name, 0.0), f"{name}: resumed weights differ from the straight run's by {worst:.3g}"
    print(f"{name}: max |difference| {worst:.3g} ({'bitwise' if worst == 0 else 'within tolerance'})")


if __name__ == "__main__":
    import torch

    torch.set_num_threads(1)
    name, checkpoint_dir, out = sys.argv[1:4]
    np.savez(out, **weights_after_training(name, checkpoint_dir, resume="--resume" in sys.argv))
