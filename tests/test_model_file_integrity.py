"""Model files of every family cannot load as a silently different model: random bit
flips anywhere, truncation, forged shapes, unknown families, newer formats, pickles
and absurd header lengths are refused with one ModelFileError; old files without
a checksum load with a warning; a model holding NaN or inf is never written."""

from __future__ import annotations

import json
import pickle
import struct
import warnings

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

import aekit
import aekit.io
from aekit.exceptions import ModelFileError, TrainingDivergedError, UnverifiedModelFileWarning
from aekit.io import CHECKSUM_KEY, WRAPPER_TENSOR, write_model_file
from zoo import ZOO, fit_zoo

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
FLIPS = 12  # random single-bit flips per family (half in the header, half in the weights)
CUTS = 4  # random truncation offsets per family


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """name -> bytes of its saved model file (fitted once per module)."""
    folder = tmp_path_factory.mktemp("zoo")
    files = {}
    for name in ZOO:
        files[name] = fit_zoo(name).save(folder / f"{name}.safetensors").read_bytes()
    return files


def torch_model(estimator) -> torch.nn.Module:
    """The torch module inside an estimator (a detector wraps an estimator)."""
    inner = estimator
    while not isinstance(inner, torch.nn.Module):
        inner = next(getattr(inner, k) for k in ("model_", "estimator_", "encoder_") if hasattr(inner, k))
    return inner


def _parts(path):
    with safe_open(str(path), framework="pt") as f:
        return dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}


def _weights(tensors):
    """The model's own tensors (a wrapper's, such as cluster centres, are stored beside them)."""
    return {k: v for k, v in tensors.items() if not k.startswith(WRAPPER_TENSOR)}


def _refused(path, match=None):
    with pytest.raises(ModelFileError, match=match) as info:
        aekit.load(path)
    assert "\n" not in str(info.value)  # one line, for the CLI
    return str(info.value)


@pytest.mark.parametrize("name", ZOO)
def test_intact_file_reloads_same_weights(name, saved, tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(saved[name])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnverifiedModelFileWarning)
        loaded = aekit.load(path)
    _, tensors = _parts(path)
    tensors = _weights(tensors)
    state = torch_model(loaded).state_dict()
    assert state.keys() == tensors.keys()
    assert all(torch.equal(state[k].cpu(), tensors[k]) for k in tensors)
    # saved again, the same bytes (safetensors wrote its metadata in hash order, other bytes each time)
    assert loaded.save(tmp_path / "again.safetensors").read_bytes() == saved[name]


@pytest.mark.parametrize("name", ZOO)
def test_bit_flips_anywhere_are_refused(name, saved, tmp_path):
    data = saved[name]
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    rng = np.random.default_rng(sum(map(ord, name)))
    offsets = [*rng.integers(0, header_end, FLIPS // 2), *rng.integers(header_end, len(data), FLIPS // 2)]
    path = tmp_path / "m.safetensors"
    for offset in offsets:
        flipped = bytearray(data)
        flipped[offset] ^= 1 << int(rng.integers(0, 8))
        path.write_bytes(bytes(flipped))
        _refused(path)


@pytest.mark.parametrize("name", ZOO)
def test_truncated_files_are_refused(name, saved, tmp_path):
    data = saved[name]
    rng = np.random.default_rng(1)
    path = tmp_path / "m.safetensors"
    for cut in [0, 7, *rng.integers(8, len(data) - 1, CUTS)]:
        path.write_bytes(data[:cut])
        _refused(path)


@pytest.mark.parametrize("name", ZOO)
def test_forged_files_with_a_valid_checksum_are_refused(name, saved, tmp_path):
    """A file re-signed after editing passes the checksum; the deeper checks still refuse it."""
    original = tmp_path / "m.safetensors"
    original.write_bytes(saved[name])
    metadata, tensors = _parts(original)
    forged = tmp_path / "forged.safetensors"

    key = max(tensors, key=lambda k: tensors[k].numel())  # a shape the config contradicts
    write_model_file(forged, metadata, {**tensors, key: torch.zeros(tensors[key].numel() + 1)})
    _refused(forged, "do not match the model config")
    config = json.loads(metadata["config"])
    sizes = [k for k in ("input_dim", "n_items", "n_users", "n_channels", "latent_dim") if k in config]
    assert sizes, config
    huge = {**config, **{k: 10**10 for k in sizes}}  # would need ~40 GB per weight row if it were built
    write_model_file(forged, {**metadata, "config": json.dumps(huge)}, tensors)
    _refused(forged, "do not match the model config|do not fit together")
    write_model_file(forged, {**metadata, "family": "no-such-family"}, tensors)
    _refused(forged, "unknown model family 'no-such-family'")
    write_model_file(forged, {**metadata, "format_version": "3"}, tensors)
    _refused(forged, "written by a newer aekit: upgrade aekit")


@pytest.mark.parametrize("name", ZOO)
def test_file_without_checksum_loads_with_a_warning(name, saved, tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(saved[name])
    metadata, tensors = _parts(path)
    del metadata[CHECKSUM_KEY]
    save_file(tensors, str(path), metadata={**metadata, "format_version": "1"})  # as aekit wrote them before
    with pytest.warns(UnverifiedModelFileWarning, match="no checksum"):
        loaded = aekit.load(path)
    state = torch_model(loaded).state_dict()
    assert all(torch.equal(state[k].cpu(), tensors[k]) for k in _weights(tensors))


@pytest.mark.parametrize("name", ZOO[:3])
def test_a_current_file_without_its_checksum_is_refused(name, saved, tmp_path):
    """A bit flip in the checksum's key name must not turn a file into an unverified old one that loads."""
    path = tmp_path / "m.safetensors"
    path.write_bytes(saved[name])
    metadata, tensors = _parts(path)
    metadata["sha2v6"] = metadata.pop(CHECKSUM_KEY)  # 'v' is '5' with one bit flipped
    save_file(tensors, str(path), metadata=metadata)
    _refused(path, "must carry its sha256 checksum")


@pytest.mark.parametrize("name", ZOO)
def test_a_model_holding_nan_or_inf_is_never_saved(name, saved, tmp_path):
    source = tmp_path / "m.safetensors"
    source.write_bytes(saved[name])
    estimator = aekit.load(source)
    weights = [t for t in torch_model(estimator).state_dict().values() if t.is_floating_point()]
    weights[0].view(-1)[0] = float("nan") if len(weights) % 2 else float("inf")
    target = tmp_path / "diverged.safetensors"
    with pytest.raises(TrainingDivergedError, match="NaN or inf"):
        estimator.save(target)
    assert list(tmp_path.iterdir()) == [source]  # no file, no temp file


def test_pickle_renamed_to_safetensors_runs_no_code(tmp_path):
    marker = tmp_path / "code-ran"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        path = tmp_path / "evil.safetensors"
        path.write_bytes(pickle.dumps(Exploit(), protocol=protocol))
        _refused(path, "not a readable .safetensors model file")
        torch.save({"x": Exploit()}, path)  # torch's zip pickle, too
        _refused(path, "not a readable .safetensors model file")
    assert not marker.exists()


@pytest.mark.parametrize("length", [2**63, 10**12, 200_000_000, 1_000])
def test_absurd_header_length_is_refused_before_reading_it(length, tmp_path, monkeypatch):
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", length) + b'{"__metadata__": {}}')
    monkeypatch.setattr(aekit.io, "safe_open", None)  # must be refused before safetensors reads anything
    message = _refused(path, "header length")
    assert str(length) in message
