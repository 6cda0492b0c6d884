"""ONNX export: onnxruntime on raw, unscaled rows gives what the estimator gives."""

from __future__ import annotations

import numpy as np
import pytest

from aekit import Autoencoder, load
from aekit.export import export_onnx

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")


def _run(path, inputs: np.ndarray) -> np.ndarray:
    onnx.checker.check_model(str(path))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["output"], {"input": inputs.astype(np.float32)})[0]


@pytest.fixture(scope="module")
def fitted(cancer, digits):
    """A table model (standardised columns, raw units in the thousands) and an image model ([0, 1])."""
    options = dict(latent_dim=4, hidden=(16,), max_epochs=3, random_state=0)
    return {"cancer": (Autoencoder(**options).fit(cancer[0]), cancer[1]),
            "digits": (Autoencoder(noise="masking", noise_level=0.2, **options).fit(digits[0]), digits[1])}


@pytest.mark.parametrize("data", ["cancer", "digits"])
def test_every_part_matches_the_estimator_on_raw_rows(fitted, data, tmp_path):
    ae, X = fitted[data]
    codes = ae.transform(X)
    expected = {"encoder": (X, codes), "decoder": (codes, ae.inverse_transform(codes)),
                "autoencoder": (X, ae.reconstruct(X)), "scores": (X, ae.score_samples(X))}
    for part, (inputs, want) in expected.items():
        got = _run(export_onnx(ae, tmp_path / f"{part}.onnx", part), inputs)
        assert got.shape == want.shape
        # Within 1e-5 in each column's own units: absolute up to values of 1, relative beyond
        # (the table's raw columns range from 0.001 to 4,000, and float32 carries 7 digits).
        column_size = np.maximum(1.0, np.abs(want).max(axis=0))
        worst = float((np.abs(got - want) / column_size).max())
        assert worst <= 1e-5, f"{data} {part}: off by {worst:.2e} of the column's size"
    assert np.abs(codes).max() > 0.1  # a trained model, not a graph of zeros


def test_cli_export_writes_a_graph_of_the_saved_model(fitted, tmp_path, capsys):
    from aekit.cli import main

    ae, X = fitted["digits"]
    model_path = ae.save(tmp_path / "ae.safetensors")
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(model_path), "--out", str(tmp_path / "rec.onnx"), "--part", "autoencoder"])
    assert (exit_info.value.code or 0) == 0
    np.testing.assert_allclose(_run(tmp_path / "rec.onnx", X[:50]), load(model_path).reconstruct(X[:50]),
                               atol=1e-5)
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(model_path), "--out", str(tmp_path / "x.onnx"), "--part", "middle"])
    assert exit_info.value.code != 0 and "part must be one of" in capsys.readouterr().err


def test_exporting_an_unfitted_estimator_is_refused(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        export_onnx(Autoencoder(), tmp_path / "x.onnx")
