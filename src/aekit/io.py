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
  state as JSON; :func:`load` then returns the wrapper

Loading reads JSON and raw tensors only: it never unpickles, so a model file
cannot run code. Anything that does not fit together is refused with one
:class:`~aekit.exceptions.ModelFileError`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from aekit._version import __version__
from aekit.exceptions import ModelFileError
from aekit.registry import ESTIMATOR_MODULES, estimator_class

FORMAT = "aekit-model"
FORMAT_VERSION = "1"
REQUIRED_KEYS = ("format", "format_version", "family", "estimator", "config", "params", "scaler", "fitted")


def save_estimator(estimator, path: str | Path, wrapper=None) -> Path:
    """Write a fitted estimator to ``path`` atomically (temp file, then rename).

    ``wrapper``: a fitted estimator built around ``estimator`` (it provides
    ``_fitted_state()`` and ``_restore_wrapped(estimator, fitted)``), stored too.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "model_")
    path = Path(path)
    if getattr(estimator, "_global_rank", 0) != 0:
        return path  # distributed training: rank 0 writes the one file
    path.parent.mkdir(parents=True, exist_ok=True)
    model = estimator.model_
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
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
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata=metadata)
    os.chmod(tmp, 0o666 & ~_umask())  # as any new file, not the writer's private 600
    os.replace(tmp, path)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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


def model_file_of(path: str | Path) -> Path:
    """``path`` itself, or the model file inside a run folder."""
    path = Path(path)
    if path.is_dir():
        if not (path / RUN_MODEL_FILE).is_file():
            raise ModelFileError(f"{path} is a folder without a {RUN_MODEL_FILE}; expected a model file "
                                 "or a run folder written by `aekit train`")
        return path / RUN_MODEL_FILE
    return path


def read_model_file(path: str | Path) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    """Return (metadata, tensors) of a safetensors file, or raise ModelFileError.

    A run folder written by ``aekit train`` stands for its ``model.safetensors``.
    """
    path = model_file_of(path)
    if not path.is_file():
        raise ModelFileError(f"no such model file: {path}")
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
            tensors = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ModelFileError(
            f"{path} is not a readable .safetensors model file ({reason}); it may be truncated, "
            "or another format such as a pickle, which aekit never loads") from None
    missing = [k for k in REQUIRED_KEYS if k not in metadata]
    if metadata.get("format") != FORMAT or missing:
        raise ModelFileError(f"{path} is a safetensors file but not an aekit model "
                             f"(format={metadata.get('format')!r}, missing metadata {missing})")
    return metadata, tensors


def load(path: str | Path):
    """Load an estimator saved with ``.save(path)``; outputs are identical to the saved one.

    Raises ModelFileError for anything that is not an intact aekit model file.
    """
    from aekit.data.tabular import preprocessing_from_dict
    from aekit.models import MODEL_FAMILIES

    path = model_file_of(path)
    metadata, tensors = read_model_file(path)
    if metadata["format_version"] != FORMAT_VERSION:
        raise ModelFileError(f"{path}: model file format version {metadata['format_version']!r} "
                             f"is not supported (this aekit reads version {FORMAT_VERSION})")
    family, name = metadata["family"], metadata["estimator"]
    if family not in MODEL_FAMILIES or name not in ESTIMATOR_MODULES:
        raise ModelFileError(f"{path}: unknown model family {family!r} or estimator {name!r}; "
                             f"known: {sorted(MODEL_FAMILIES)} / {sorted(ESTIMATOR_MODULES)}")
    model_class = MODEL_FAMILIES[family]
    config, params, scaler_state, fitted = (_json_object(metadata, key, path)
                                            for key in ("config", "params", "scaler", "fitted"))
    try:
        model = model_class(model_class.config_class.from_dict(config))
        model.load_state_dict(tensors, strict=True)
        scaler = preprocessing_from_dict(scaler_state)
        _check_consistent(path, model, scaler, tensors, fitted)
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
        estimator = estimator_class(name)(**params)._restore(model, scaler, fitted)
        return _wrapped(estimator, metadata, path) if "wrapper" in metadata else estimator
    except ModelFileError:
        raise
    except (TypeError, ValueError, RuntimeError, KeyError, AttributeError) as err:
        reason = " ".join(str(err).split())[:300]
        raise ModelFileError(f"{path}: the weights and metadata do not fit together ({reason})") from None


def _wrapped(estimator, metadata: dict[str, str], path: Path):
    """The estimator built around ``estimator`` that the file describes (see the module doc)."""
    name = metadata["wrapper"]
    if name not in ESTIMATOR_MODULES or not hasattr(estimator_class(name), "_restore_wrapped"):
        raise ModelFileError(f"{path}: unknown wrapper estimator {name!r}")
    params, fitted = (_json_object(metadata, key, path) for key in ("wrapper_params", "wrapper_fitted"))
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    return estimator_class(name)(**params)._restore_wrapped(estimator, fitted)


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
    bad = [k for k, t in tensors.items() if t.is_floating_point() and not torch.isfinite(t).all()]
    if bad:
        raise ModelFileError(f"{path}: weights contain NaN or inf in {bad[:3]}")
