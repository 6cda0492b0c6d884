"""Determinism across processes: the same seed and data give identical weights, model files
(their bytes), codes, scores, thresholds, samples, cluster labels and recommendations in two
separate processes, for every family in tests/zoo.py and the plain GAN (bitwise, on the CPU).

Run as a script, this module fits every case and prints a SHA-256 of each output.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent


def _digest(value) -> str:
    array = np.ascontiguousarray(np.asarray(value))
    if array.dtype == object:
        return hashlib.sha256(repr(array.tolist()).encode()).hexdigest()[:16]
    return hashlib.sha256(array.tobytes() + str(array.shape).encode()).hexdigest()[:16]


def outputs_of(name: str) -> dict[str, str]:
    """SHA-256 (16 hex) of everything case ``name`` gives after a fit with seed 0."""
    import torch

    from test_model_file_integrity import torch_model
    from zoo import RECOMMENDERS, data_of, fit_zoo

    estimator = fit_zoo(name) if name != "gan" else plain_gan()
    _, args = data_of(name if name != "gan" else "vae-gan")
    out = {"weights": _digest(np.concatenate([t.detach().cpu().double().reshape(-1).numpy()
                                              for t in torch_model(estimator).state_dict().values()])),
           "model file": _file_digest(estimator)}
    if name in RECOMMENDERS:
        frame = args[0]
        users, items = frame["user"].to_numpy()[:20], frame["item"].to_numpy()[:20]
        if hasattr(estimator, "predict"):
            out["predict"] = _digest(estimator.predict(users, items))
        out["recommend"] = _digest(estimator.recommend(users[0], n=5))
        return out
    X = args[0]
    for method in ("transform", "score_samples", "predict", "decision_function", "predict_proba"):
        if callable(getattr(estimator, method, None)) and name not in ("series-detector", "gan"):  # gan: no encoder
            try:
                out[method] = _digest(getattr(estimator, method)(*args))  # a conditional model: X, y
            except (AttributeError, NotImplementedError):
                pass
    for attribute in ("threshold_", "labels_"):
        if hasattr(estimator, attribute):
            out[attribute] = _digest(getattr(estimator, attribute))
    if name.startswith("image-completer"):  # fills of a centre hole, and (the VAEAC) seeded draws of them
        hole = np.zeros(X.shape, dtype=bool)
        hole[:, 4:12, 4:12] = True
        out["complete"] = _digest(estimator.complete(X, hole))
        if estimator.model == "vaeac":
            out["sample fills"] = _digest(estimator.sample(X, hole, n_samples=2))
    if callable(getattr(estimator, "sample", None)) and name not in ("imputer", "image-completer",
                                                                    "image-completer-vaeac"):  # these draw fills
        try:
            out["sample"] = _digest(estimator.sample(5, random_state=3))
        except (AttributeError, ValueError):
            pass  # a family that samples only after fitting its code distribution
    if name == "series-detector":
        out["score_steps"] = _digest(estimator.score_steps(X))
        out["predict"] = _digest(np.asarray(estimator.predict(X), dtype=float))
    torch.set_num_threads(1)
    return out


def _file_digest(estimator) -> str:
    """The SHA-256 of the model file's bytes (safetensors wrote its metadata in hash order: the
    same model gave other bytes in each process)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.safetensors"
        estimator.save(path)
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def plain_gan():
    """The plain GAN of the VAE-GAN family (the benchmark's reference: no encoder), fitted on the zoo's table."""
    from test_vaegan import benchmark_gan
    from zoo import TINY, data_of

    GAN = benchmark_gan()
    params = {k: v for k, v in TINY.items() if k in GAN._get_param_names()}
    return GAN(**params).fit(*data_of("vae-gan")[1])


CASES = ("gan",)  # beside tests/zoo.py's ZOO: families without a preset of their own


def all_outputs(names=()) -> dict[str, dict[str, str]]:
    from zoo import ZOO

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: outputs_of(name) for name in (names or (*ZOO, *CASES))}


def _in_fresh_process(names=()) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent / "src"), str(HERE)]),
           "PYTHONHASHSEED": str(os.getpid())}  # a different hash seed in each process, on purpose
    done = subprocess.run([sys.executable, __file__, *names], capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _same_in_two_processes(names=()) -> dict:
    first, second = _in_fresh_process(names), _in_fresh_process(names)
    assert first.keys() == second.keys()
    differing = {name: [k for k in first[name] if first[name][k] != second[name].get(k)] for name in first}
    differing = {name: keys for name, keys in differing.items() if keys}
    assert not differing, differing
    assert sum(len(v) for v in first.values()) >= 3 * len(first)  # several outputs of each family compared
    return first


@pytest.mark.slow
def test_every_family_gives_identical_outputs_in_two_processes():
    _same_in_two_processes()


@pytest.mark.slow
def test_the_vae_gan_family_gives_identical_outputs_in_two_processes():
    """The VAE-GAN family (dense, conv, and the plain GAN of its benchmark), on its own: weights,
    model file, codes, scores and samples."""
    outputs = _same_in_two_processes(("vae-gan", "conv-vae-gan", "gan"))
    assert {"model file", "transform", "sample"} <= set(outputs["vae-gan"])
    assert {"model file", "sample"} <= set(outputs["gan"])



@pytest.mark.slow
def test_the_image_completers_give_identical_fills_in_two_processes():
    """The masked AE and the VAEAC, on their own: weights, model file, fills and the VAEAC's seeded draws."""
    outputs = _same_in_two_processes(("image-completer", "image-completer-vaeac"))
    assert {"model file", "complete"} <= set(outputs["image-completer"])
    assert {"model file", "complete", "sample fills"} <= set(outputs["image-completer-vaeac"])

if __name__ == "__main__":
    import torch

    torch.set_num_threads(1)
    print(json.dumps(all_outputs(tuple(sys.argv[1:]))))
