"""Model files: one ``.safetensors`` file per model.

The tensors are the model's weights. The metadata (strings only) hold:

- ``format``: ``"aekit-model"`` and ``format_version``
- ``family``: the model family (a key of ``aekit.models.MODEL_FAMILIES``)
- ``estimator``: the estimator class (a key of ``aekit.registry.ESTIMATOR_MODULES``)
- ``aekit_version``
- ``config``: the model config as JSON
- ``params``: the estimator's ``get_params()`` as JSON
- ``scaler``: the fitted scaler's state as JSON
- ``fitted``: other fitted attributes (history, best epoch, ...) as JSON
- optionally ``wrapper``, ``wrapper_params``, ``wrapper_fitted``: an estimator
  built around the model (e.g. ``AnomalyDetector``: its threshold and
  training scores), its class name in ``aekit.registry.ESTIMATOR_MODULES``, parameters and fitted
  state as JSON; :func:`load` then returns the wrapper. A wrapper's arrays
  (e.g. a clustering's labels and centres) are tensors named
  ``wrapper/<name>`` beside the weights
- ``sha256``: the SHA-256 of everything else (see :func:`content_digest`):
  every tensor's name, dtype, shape and bytes, and every other metadata field

Loading reads JSON and raw tensors only: it never unpickles, so a model file
cannot run code. It checks, in this order and before anything large is
allocated: the header length against the file size, the format and its
version, the family, the tensors' shapes against the config (on torch's
``meta`` device, so a forged config cannot make it allocate), then the
checksum. Anything that does not fit together is refused with one
:class:`~aekit.exceptions.ModelFileError`. Files written before the checksum
existed (format version 1) load with an :class:`~aekit.exceptions.UnverifiedModelFileWarning`.

Files are written with :func:`aekit.files.atomic_write`: a reader never sees
half a file, and a power cut after ``save`` returns does not lose it.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save as safetensors_bytes

from aekit._version import __version__
from aekit.exceptions import ModelFileError, TrainingDivergedError, UnverifiedModelFileWarning
from aekit.files import write_bytes_atomic
from aekit.registry import ESTIMATOR_MODULES, estimator_class
from aekit._docs import fill_doc

FORMAT = "aekit-model"
# 2: the ``sha256`` checksum is part of the format and required. 1: files written before
# it existed, which load unverified with a warning (a version-2 file that lacks its
# checksum was damaged, e.g. a flipped bit in the key's name, and is refused).
FORMAT_VERSION = "2"
UNVERIFIED_VERSION = "1"
REQUIRED_KEYS = ("format", "format_version", "family", "estimator", "config", "params", "scaler", "fitted")
CHECKSUM_KEY = "sha256"
# safetensors' own limit on the JSON header; a longer claimed length is refused before reading it
MAX_HEADER_BYTES = 100_000_000


def content_digest(metadata: dict[str, str], tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 (hex) of a model file's content: every metadata field but the checksum
    itself, then every tensor's name, dtype, shape and bytes, in sorted order.

    Independent of the file's layout, so it also catches a header whose
    tensors were re-labelled (another dtype or shape over the same bytes).

    Parameters
    ----------
    metadata : dict of str to str
        The file's metadata (a ``CHECKSUM_KEY`` field in it is left out).
    tensors : dict of str to torch.Tensor
        The file's tensors.

    Returns
    -------
    str
        64 hexadecimal digits.

    Examples
    --------
    >>> import torch
    >>> a = content_digest({"family": "dense"}, {"w": torch.zeros(2, 3)})
    >>> a == content_digest({"family": "dense", "sha256": "anything"}, {"w": torch.zeros(2, 3)})
    True
    >>> a == content_digest({"family": "dense"}, {"w": torch.zeros(3, 2)})   # same bytes, other shape
    False
    """
    digest = hashlib.sha256()
    fields = {k: v for k, v in metadata.items() if k != CHECKSUM_KEY}
    digest.update(json.dumps(fields, sort_keys=True).encode())
    for name in sorted(tensors):
        tensor = tensors[name].detach().cpu().contiguous()
        digest.update(json.dumps([name, str(tensor.dtype), list(tensor.shape)]).encode())
        digest.update(memoryview(tensor.reshape(-1).view(torch.uint8).numpy()))
    return digest.hexdigest()


@fill_doc
def save_estimator(estimator, path: str | Path, wrapper=None) -> Path:
    """Write a fitted estimator to ``path`` atomically and durably (see :func:`aekit.files.atomic_write`).

    ``wrapper``: a fitted estimator built around ``estimator`` (it provides
    ``_fitted_state()`` and ``_restore_wrapped(estimator, fitted)``), stored too;
    one with ``_fitted_tensors()`` (name -> tensor) also stores those, and gets
    them back as ``_restore_wrapped(estimator, fitted, tensors)``.

    Parameters
    ----------
    estimator : AutoencoderEstimator
        A fitted estimator.
    path : str or Path
        The ``.safetensors`` file to write.
    wrapper : estimator, optional
        A fitted estimator built around ``estimator`` (a detector, a clustering).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        When ``estimator`` has not been fitted.
    aekit.exceptions.TrainingDivergedError
        A weight is NaN or infinite: such a model is never written.

    Examples
    --------
    %(saved_msda)s
    >>> save_estimator(ae, path.with_name("again.safetensors")).name
    'again.safetensors'
    >>> bool((load(path.with_name("again.safetensors")).transform(data.X_test) == ae.transform(data.X_test)).all())
    True
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "model_")
    path = Path(path)
    if getattr(estimator, "_global_rank", 0) != 0:
        return path  # distributed training: rank 0 writes the one file
    model = estimator.model_
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    bad = _non_finite(tensors)
    if bad:
        raise TrainingDivergedError(
            f"not saving {path}: the weights contain NaN or inf (in {bad[:3]}), so the training diverged; "
            "train again with a lower learning_rate")
    if wrapper is not None and hasattr(wrapper, "_fitted_tensors"):
        tensors.update({WRAPPER_TENSOR + k: v.detach().contiguous().cpu()
                        for k, v in wrapper._fitted_tensors().items()})
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "family": model.family,
        "estimator": type(estimator).__name__,
        "aekit_version": __version__,
        "config": json.dumps(model.config.to_dict()),
        "params": json.dumps(_portable_params(estimator)),
        "scaler": json.dumps(estimator.scaler_.to_dict()),
        "fitted": json.dumps(estimator._fitted_state()),
    }
    if wrapper is not None:
        metadata.update(wrapper=type(wrapper).__name__, wrapper_params=json.dumps(_portable_params(wrapper)),
                        wrapper_fitted=json.dumps(wrapper._fitted_state()))
    contract = getattr(wrapper if wrapper is not None else estimator, "data_contract_", None)
    if contract is not None:
        metadata["data_contract"] = contract.to_json()
    return write_model_file(path, metadata, tensors)


def write_model_file(path: str | Path, metadata: dict[str, str], tensors: dict[str, torch.Tensor]) -> Path:
    """Write ``tensors`` and ``metadata`` as a ``.safetensors`` file with its checksum, atomically.

    Parameters
    ----------
    path : str or Path
        Target file; missing folders are created.
    metadata : dict of str to str
        The metadata fields (see the module doc); a ``sha256`` field is replaced.
    tensors : dict of str to torch.Tensor
        The weights.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib, torch
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "w.safetensors"
    >>> _ = write_model_file(path, {"note": "hi"}, {"w": torch.zeros(2)})
    >>> sorted(read_metadata(path))
    ['note', 'sha256']
    """
    tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    metadata = {**{k: v for k, v in metadata.items() if k != CHECKSUM_KEY},
                CHECKSUM_KEY: content_digest(metadata, tensors)}
    return write_bytes_atomic(path, _sorted_header(safetensors_bytes(tensors, metadata=metadata)))


def _sorted_header(data: bytes) -> bytes:
    """``data`` (a safetensors file) with its JSON header's keys sorted. safetensors writes the
    metadata in hash order, which changes from call to call: the same model and seed gave files
    of different bytes. The tensors' offsets count from the end of the header, so they stay."""
    length = int.from_bytes(data[:8], "little")
    header = json.dumps(json.loads(data[8:8 + length]), sort_keys=True, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)  # the data start 8-byte aligned, as safetensors writes them
    return len(header).to_bytes(8, "little") + header + data[8 + length:]


@fill_doc
def read_metadata(path: str | Path) -> dict[str, str]:
    """The metadata of a ``.safetensors`` file, unverified (no tensor is read).

    Parameters
    ----------
    path : str or Path
        A model file, or a run folder holding ``model.safetensors``.

    Returns
    -------
    dict of str to str

    Raises
    ------
    aekit.exceptions.ModelFileError
        Not a readable ``.safetensors`` file (or a header too large to be one).

    Examples
    --------
    %(saved_msda)s
    >>> read_metadata(path)["family"]
    'msda'
    >>> _ = path.with_name("junk.safetensors").write_bytes(b"not a model")
    >>> read_metadata(path.with_name("junk.safetensors"))
    Traceback (most recent call last):
    aekit.exceptions.ModelFileError: ...
    """
    path = model_file_of(path)
    _check_header_length(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            return f.metadata() or {}
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ModelFileError(f"{path} is not a readable .safetensors model file ({_first_line(err)})") from None


def _first_line(err: Exception) -> str:
    return str(err).splitlines()[0] if str(err) else type(err).__name__


def _non_finite(tensors: dict[str, torch.Tensor]) -> list[str]:
    return [k for k, t in tensors.items() if t.is_floating_point() and not torch.isfinite(t).all()]


# Training-time settings that belong to the machine and run that made the file,
# not to the model: a loaded model must not resume from, or write into, them.
MACHINE_LOCAL_PARAMS = {"checkpoint_dir": None, "log_dir": None, "resume": False, "verbose": 0}


def _portable_params(estimator) -> dict[str, Any]:
    from aekit.training.devices import DEVICE_PARAMS

    # an estimator may say how its parameters are stored (e.g. a wrapped model given as an object)
    params = estimator._saved_params() if hasattr(estimator, "_saved_params") else estimator.get_params(deep=False)
    params.update({k: v for k, v in MACHINE_LOCAL_PARAMS.items() if k in params})  # closed-form models have none
    params.update({k: v for k, v in DEVICE_PARAMS.items() if k in params})
    if not isinstance(params.get("random_state"), (int, type(None))):
        params["random_state"] = None  # a RandomState object cannot be stored as JSON
    try:
        json.dumps(params)
    except TypeError as err:
        raise ValueError(f"cannot save {type(estimator).__name__}: a parameter is not JSON-serialisable ({err})") from None
    return params


RUN_MODEL_FILE = "model.safetensors"
WRAPPER_TENSOR = "wrapper/"  # prefix of a wrapper's own tensors


def model_file_of(path: str | Path) -> Path:
    """``path`` itself, or the model file inside a run folder.

    Parameters
    ----------
    path : str or pathlib.Path
        A model file or a run folder written by ``aekit train``.

    Returns
    -------
    pathlib.Path
        The model file (not checked for existence when ``path`` is a file).

    Raises
    ------
    aekit.exceptions.ModelFileError
        ``path`` is a folder without a ``model.safetensors``.

    Examples
    --------
    >>> from aekit.io import model_file_of
    >>> model_file_of("ae.safetensors").name
    'ae.safetensors'
    """
    path = Path(path)
    if path.is_dir():
        if not (path / RUN_MODEL_FILE).is_file():
            raise ModelFileError(f"{path} is a folder without a {RUN_MODEL_FILE}; expected a model file "
                                 "or a run folder written by `aekit train`")
        return path / RUN_MODEL_FILE
    return path


@fill_doc
def read_model_file(path: str | Path) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    """The metadata and tensors of a model file, verified.

    A run folder written by ``aekit train`` stands for its ``model.safetensors``.

    Parameters
    ----------
    path : str or pathlib.Path
        A model file or a run folder.

    Returns
    -------
    metadata : dict of str to str
        The metadata fields (see the module docstring).
    tensors : dict of str to torch.Tensor
        The weights, by name.

    Raises
    ------
    aekit.exceptions.ModelFileError
        A missing, truncated or unreadable file, or one whose checksum does
        not match its content.

    Examples
    --------
    %(saved_msda)s
    >>> from aekit.io import read_model_file
    >>> metadata, tensors = read_model_file(path)
    >>> metadata["family"], metadata["estimator"]
    ('msda', 'MarginalizedDenoisingAutoencoder')
    """
    path = model_file_of(path)
    if not path.is_file():
        raise ModelFileError(f"no such model file: {path}")
    _check_header_length(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
            tensors = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ModelFileError(
            f"{path} is not a readable .safetensors model file ({_first_line(err)}); it may be truncated, "
            "or another format such as a pickle, which aekit never loads") from None
    missing = [k for k in REQUIRED_KEYS if k not in metadata]
    if metadata.get("format") != FORMAT or missing:
        raise ModelFileError(f"{path} is a safetensors file but not an aekit model "
                             f"(format={metadata.get('format')!r}, missing metadata {missing})")
    _check_version(path, metadata["format_version"])
    _check_checksum(path, metadata, tensors)
    return metadata, tensors


def _check_header_length(path: Path) -> None:
    """Refuse a file whose first 8 bytes (the JSON header's length) cannot be right,
    before anything reads that many bytes: a pickle's opcodes read as a length of
    petabytes, a truncated file is shorter than its header."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
    length = int.from_bytes(head, "little") if len(head) == 8 else None
    if length is None or length > min(size - 8, MAX_HEADER_BYTES):
        got = f"{size} bytes" if length is None else f"a header length of {length} bytes in a file of {size} bytes"
        raise ModelFileError(f"{path} is not a readable .safetensors model file (got {got}); it may be truncated, "
                             "or another format such as a pickle, which aekit never loads")


def _check_version(path: Path, version: str) -> None:
    if version in (FORMAT_VERSION, UNVERIFIED_VERSION):
        return
    newer = version.isdigit() and int(version) > int(FORMAT_VERSION)
    raise ModelFileError(f"{path}: model file format version {version!r} is not supported (this aekit "
                         f"{__version__} reads version {FORMAT_VERSION})"
                         + ("; it was written by a newer aekit: upgrade aekit to load it" if newer else ""))


def _check_checksum(path: Path, metadata: dict[str, str], tensors: dict[str, torch.Tensor]) -> None:
    expected = metadata.get(CHECKSUM_KEY)
    if expected is None and metadata["format_version"] != UNVERIFIED_VERSION:
        raise ModelFileError(f"{path}: a version-{metadata['format_version']} model file must carry its "
                             f"{CHECKSUM_KEY} checksum and this one does not: the file was corrupted or edited "
                             "after it was saved; use a backup or train again")
    if expected is None:
        warnings.warn(f"{path} has no checksum (written by an older aekit): "
                      "it cannot be verified; save it again to add one", UnverifiedModelFileWarning, stacklevel=3)
        return
    if content_digest(metadata, tensors) != expected:
        raise ModelFileError(f"{path}: the content does not match its SHA-256 checksum: the file was corrupted "
                             "or edited after it was saved; use a backup or train again")


@fill_doc
def load(path: str | Path):
    """Load an estimator saved with ``.save(path)``; its outputs are identical to the saved one's.

    Parameters
    ----------
    path : str or pathlib.Path
        A model file, or a run folder written by ``aekit train`` (its
        ``model.safetensors``).

    Returns
    -------
    estimator
        The estimator of the family the file names (``Autoencoder``, ``VAE``,
        ``AnomalyDetector``, ``AutoRec``, ...), fitted.

    Raises
    ------
    aekit.exceptions.ModelFileError
        Anything that is not an intact aekit model file: a missing, truncated
        or pickled file, an unknown format version or family, tensors that do
        not fit the config, or a checksum that does not match.

    Warns
    -----
    aekit.exceptions.UnverifiedModelFileWarning
        A file written before model files carried a checksum.

    Examples
    --------
    %(saved_msda)s
    >>> same = load(path)
    >>> bool((same.transform(data.X_test) == ae.transform(data.X_test)).all())
    True
    """
    from aekit.data.tabular import preprocessing_from_dict
    from aekit.models import MODEL_FAMILIES

    path = model_file_of(path)
    metadata, tensors = read_model_file(path)
    wrapper_tensors = {k[len(WRAPPER_TENSOR):]: tensors.pop(k) for k in list(tensors) if k.startswith(WRAPPER_TENSOR)}
    family, name = metadata["family"], metadata["estimator"]
    if family not in MODEL_FAMILIES or name not in ESTIMATOR_MODULES:
        raise ModelFileError(f"{path}: unknown model family {family!r} or estimator {name!r}; "
                             f"known: {sorted(MODEL_FAMILIES)} / {sorted(ESTIMATOR_MODULES)}")
    model_class = MODEL_FAMILIES[family]
    config, params, scaler_state, fitted = (_json_object(metadata, key, path)
                                            for key in ("config", "params", "scaler", "fitted"))
    try:
        model_config = model_class.config_class.from_dict(config)
        _check_shapes(path, model_class, model_config, tensors)
        model = model_class(model_config)
        model.load_state_dict(tensors, strict=True)
        # an estimator with its own preprocessing (the imputer's) says how to read it back
        scaler = getattr(estimator_class(name), "preprocessing_from_dict", preprocessing_from_dict)(scaler_state)
        _check_consistent(path, model, scaler, tensors, fitted)
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
        estimator = estimator_class(name)(**params)._restore(model, scaler, fitted)
        loaded = _wrapped(estimator, metadata, path, wrapper_tensors) if "wrapper" in metadata else estimator
        if "data_contract" in metadata:
            loaded.data_contract_ = _contract(metadata["data_contract"], fitted, path)
        return loaded
    except ModelFileError:
        raise
    except (TypeError, ValueError, RuntimeError, KeyError, AttributeError) as err:
        reason = " ".join(str(err).split())[:300]
        raise ModelFileError(f"{path}: the weights and metadata do not fit together ({reason})") from None


def _check_shapes(path: Path, model_class, config, tensors: dict[str, torch.Tensor]) -> None:
    """The tensors the config implies, built on torch's meta device (no memory), against the file's.

    A family whose constructor computes on its tensors (numpy tables) cannot be built there:
    it is built on the CPU, as the file's tensors are (the one family-specific allocation).
    """
    try:
        with torch.device("meta"):
            model = model_class(config)
    except (RuntimeError, NotImplementedError, TypeError):
        model = model_class(config)
    expected = {k: _described(v) for k, v in model.state_dict().items()}
    got = {k: _described(v) for k, v in tensors.items()}
    if expected != got:
        wrong = sorted(k for k in expected.keys() | got.keys() if expected.get(k) != got.get(k))
        first = wrong[0]
        raise ModelFileError(f"{path}: the tensors do not match the model config ({len(wrong)} differ; "
                             f"{first}: expected {expected.get(first, 'none')}, got {got.get(first, 'none')})")


def _described(tensor: torch.Tensor) -> str:
    return f"{str(tensor.dtype).removeprefix('torch.')}{list(tensor.shape)}"


def _wrapped(estimator, metadata: dict[str, str], path: Path, tensors: dict[str, torch.Tensor]):
    """The estimator built around ``estimator`` that the file describes (see the module doc)."""
    name = metadata["wrapper"]
    if name not in ESTIMATOR_MODULES or not hasattr(estimator_class(name), "_restore_wrapped"):
        raise ModelFileError(f"{path}: unknown wrapper estimator {name!r}")
    params, fitted = (_json_object(metadata, key, path) for key in ("wrapper_params", "wrapper_fitted"))
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    wrapper = estimator_class(name)(**params)
    if tensors:
        return wrapper._restore_wrapped(estimator, fitted, tensors)
    return wrapper._restore_wrapped(estimator, fitted)


def _contract(text: str, fitted: dict[str, Any], path: Path):
    """The stored data contract, checked against the model's columns."""
    from aekit.data.contract import DataContract
    from aekit.exceptions import DataError

    try:
        contract = DataContract.from_json(text)
    except DataError as err:
        raise ModelFileError(f"{path}: metadata field 'data_contract' is not valid ({err})") from None
    names = fitted.get("feature_names_in_")
    if contract.n_features != fitted.get("n_features_in_") or (
            names and contract.features is not None and list(contract.features) != list(names)):
        raise ModelFileError(f"{path}: the data contract's {contract.n_features} columns do not match the "
                             f"model's {fitted.get('n_features_in_')} ({names})")
    return contract


def _json_object(metadata: dict[str, str], key: str, path: Path) -> dict[str, Any]:
    """A metadata field that must hold a JSON object."""
    try:
        value = json.loads(metadata[key])
    except json.JSONDecodeError as err:
        raise ModelFileError(f"{path}: metadata field {key!r} is not valid JSON ({err})") from None
    if not isinstance(value, dict):
        raise ModelFileError(f"{path}: metadata field {key!r} must be a JSON object, got {type(value).__name__}")
    return value


def _check_consistent(path: Path, model, scaler, tensors: dict[str, torch.Tensor], fitted: dict) -> None:
    input_dim = model.config.input_dim
    n_columns = getattr(scaler, "n_features_in_", scaler.n_features_)  # a table's columns before one-hot
    if scaler.n_features_ != input_dim or fitted.get("n_features_in_") != n_columns:
        raise ModelFileError(f"{path}: the model config says input_dim={input_dim}, but the scaler expects "
                             f"{scaler.n_features_} features from {n_columns} columns and the fitted state "
                             f"{fitted.get('n_features_in_')}")
    bad = _non_finite(tensors)
    if bad:
        raise ModelFileError(f"{path}: weights contain NaN or inf in {bad[:3]}")
