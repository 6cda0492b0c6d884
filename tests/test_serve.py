"""``aekit serve``: the real server in a subprocess on a free loopback port, talked to with httpx.

Small models are trained once per module; each model gets one server for the module. Every
answer is checked against the same model in-process (equal, not close), every bad request
against a 4xx with one line of JSON and no traceback, and the server must stay up after them.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("orjson")

from aekit import EASE, AnomalyDetector, Autoencoder, ConditionalVAE, load  # noqa: E402
from aekit.cli import main  # noqa: E402
from aekit.data import load_table  # noqa: E402
from aekit.data.contract import attach_contract  # noqa: E402
from aekit.io import read_metadata  # noqa: E402
from aekit.viz import browser  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::aekit.exceptions.StillImprovingWarning")
KEY = "s3cret-key"
START_SECONDS = 240  # a loaded CI machine: four servers start at once


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``aekit serve MODEL`` in a subprocess; ``client`` talks to it."""

    def __init__(self, model, *options, env=None):
        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aekit", "serve", str(model), "--port", str(self.port), "--num-threads", "1",
             "--log-level", "warning", *options],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30,
                                   headers={"X-API-Key": env["AEKIT_API_KEY"]} if env else {})

    def wait(self) -> Server:
        """Return once the server answers /health."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"aekit serve exited with {self.process.returncode}: {self.process.stderr.read()}")
            try:
                if self.client.get("/health").status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"aekit serve did not answer /health within {START_SECONDS} s")

    def post(self, path, **kwargs):
        return self.client.post(path, **kwargs)

    def stop(self) -> str:
        self.client.close()
        self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err


@pytest.fixture(scope="module")
def models(tmp_path_factory, digits, cancer):
    """Small trained models on disk: a detector with named columns and an id column (trained
    from a CSV as `aekit detect fit` does), an autoencoder of digits, a CVAE and EASE."""
    folder = tmp_path_factory.mktemp("serve")
    X_train, _, y_train, _ = cancer
    names = [f"f{i}" for i in range(X_train.shape[1])]
    table = pd.DataFrame(X_train[y_train == 1], columns=names)
    table.insert(0, "key", [f"r{i}" for i in range(len(table))])
    table.to_csv(folder / "normal.csv", index=False)
    loaded = load_table(folder / "normal.csv", ids="key")
    detector = AnomalyDetector("ae", contamination=0.05, latent_dim=4, hidden=(16,), max_epochs=15,
                               random_state=0).fit(loaded.features())
    attach_contract(detector, loaded.contract).save(folder / "detector.safetensors")
    D_train, _, d_labels, _ = digits
    Autoencoder(latent_dim=8, hidden=(32,), max_epochs=10, random_state=0).fit(D_train).save(folder / "ae.safetensors")
    ConditionalVAE(latent_dim=4, hidden=(32,), max_epochs=5, random_state=0).fit(D_train[:600], d_labels[:600]).save(
        folder / "cvae.safetensors")
    ratings = pd.DataFrame({"user": np.repeat(np.arange(30), 4),
                            "item": [f"i{(u * 3 + j * (1 + u % 4)) % 12}" for u in range(30) for j in range(4)],
                            "rating": 5.0}).drop_duplicates(["user", "item"])
    EASE(l2=10.0).fit(ratings).save(folder / "ease.safetensors")
    return folder


@pytest.fixture(scope="module")
def servers(models):
    """One server per model for the whole module, started at once: the detector with an API key
    (from AEKIT_API_KEY), the autoencoder with small request limits, the CVAE and EASE."""
    started = {"detector": Server(models / "detector.safetensors", env={"AEKIT_API_KEY": KEY}),
               "encoder": Server(models / "ae.safetensors", "--max-body-mb", "0.2", "--max-rows", "50"),
               "cvae": Server(models / "cvae.safetensors"),
               "ease": Server(models / "ease.safetensors")}
    try:
        yield {name: server.wait() for name, server in started.items()}
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture
def detector_server(servers):
    return servers["detector"]


@pytest.fixture
def encoder_server(servers):
    return servers["encoder"]


@pytest.fixture
def cvae_server(servers):
    return servers["cvae"]


@pytest.fixture
def ease_server(servers):
    return servers["ease"]


def _cancer_frame(cancer):
    _, X_test, _, y_test = cancer
    return pd.DataFrame(X_test, columns=[f"f{i}" for i in range(X_test.shape[1])]), y_test


# -- answers equal the model in-process ------------------------------------------------------

def test_score_by_arrays_equals_the_detector_in_process(detector_server, models, cancer):
    detector = load(models / "detector.safetensors")
    frame, y_test = _cancer_frame(cancer)
    answer = detector_server.post("/score", json={"data": frame.to_numpy().tolist()})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = detector.decision_function(frame)
    np.testing.assert_array_equal(np.asarray(body["scores"]), expected)
    assert body["threshold"] == detector.threshold_
    assert body["is_anomaly"] == (detector.predict(frame) == 1).tolist()
    assert np.mean(np.asarray(body["is_anomaly"])[y_test == 0]) > 2 * np.mean(np.asarray(body["is_anomaly"])[y_test == 1])


def test_score_by_records_takes_columns_by_name_carries_ids_and_explains(detector_server, models, cancer):
    detector = load(models / "detector.safetensors")
    frame, _ = _cancer_frame(cancer)
    rows = frame.iloc[:5]
    records = rows[rows.columns[::-1]].assign(key=[f"k{i}" for i in range(5)], note="x").to_dict(orient="records")
    answer = detector_server.post("/score", json={"records": records, "explain": True})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    np.testing.assert_array_equal(body["scores"], detector.decision_function(rows))
    assert body["ids"] == [{"key": f"k{i}"} for i in range(5)]
    assert body["warnings"] and "note" in body["warnings"][0]
    shares = np.asarray([[row[name] for name in frame.columns] for row in body["explanation"]])
    np.testing.assert_array_equal(shares, detector.explain(rows))


def _npy(array) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=True)
    return out.getvalue()


NPY = {"Content-Type": "application/x-npy"}


def test_rows_sent_as_an_npy_array_get_the_same_answers(detector_server, encoder_server, models, cancer, digits):
    frame, _ = _cancer_frame(cancer)
    detector = load(models / "detector.safetensors")
    X = frame.to_numpy(dtype=np.float32)[:7]
    answer = detector_server.post("/score", content=_npy(X), headers=NPY, params={"explain": "true"})
    assert answer.status_code == 200, answer.text
    by_json = detector_server.post("/score", json={"data": X.tolist(), "explain": True}).json()
    assert answer.json() == by_json
    np.testing.assert_array_equal(answer.json()["scores"], detector.decision_function(frame.iloc[:7]))
    assert len(answer.json()["explanation"]) == 7
    model, D = load(models / "ae.safetensors"), digits[1][:20]
    codes = encoder_server.post("/encode", content=_npy(D), headers=NPY).json()["codes"]  # float64 is taken too
    np.testing.assert_array_equal(np.asarray(codes, dtype=np.float32), model.transform(D))
    spec = detector_server.client.get("/openapi.json").json()["paths"]["/score"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-npy"} <= set(spec)


BAD_NPY = [
    (b"not an array", "do not start as an .npy file does"),
    (_npy(np.array([{"a": 1}], dtype=object)), "an array of Python objects"),
    (_npy(np.ones((2, 30)))[:-8], "cannot read"),
    (_npy(np.ones(30)), "a flat list of 30 numbers"),
    (_npy(np.ones((2, 5))), "data has 5 columns and no header; expected 31 columns"),
    (_npy(np.array([["a"] * 30])), "values that are not numbers"),
]


@pytest.mark.parametrize("content, message", BAD_NPY, ids=[m for _, m in BAD_NPY])
def test_a_bad_npy_body_gets_one_line_naming_the_problem(detector_server, content, message):
    answer = detector_server.post("/score", content=content, headers=NPY)
    assert answer.status_code == 422 and message in answer.json()["detail"], answer.text
    assert "\n" not in answer.json()["detail"]


def test_npy_bodies_take_their_options_from_the_query_and_only_where_rows_go(detector_server, ease_server):
    body = _npy(np.ones((1, 30), dtype=np.float32))
    unknown = detector_server.post("/score", content=body, headers=NPY, params={"explian": "1"})
    assert unknown.status_code == 422 and "explian: unknown field" in unknown.json()["detail"]
    wrong = detector_server.post("/score", content=body, headers=NPY, params={"explain": "maybe"})
    assert wrong.status_code == 422 and "explain: Input should be a valid boolean" in wrong.json()["detail"]
    elsewhere = ease_server.post("/recommend", content=body, headers=NPY)
    assert elsewhere.status_code == 422 and "expected a JSON object" in elsewhere.json()["detail"]


def test_model_describes_the_file(detector_server, models):
    body = detector_server.client.get("/model").json()
    metadata = read_metadata(models / "detector.safetensors")
    assert body["family"] == "autoencoder" and body["estimator"] == "AnomalyDetector"
    assert body["format_version"] == "2" and body["checksum"] == metadata["sha256"]
    assert body["input"]["features"][:2] == ["f0", "f1"] and body["input"]["ids"] == ["key"]
    assert body["endpoints"] == ["score"] and body["config"]["latent_dim"] == 4


def test_encode_reconstruct_and_sample_equal_the_model_in_process(encoder_server, models, digits):
    model = load(models / "ae.safetensors")
    X = digits[1][:20]
    codes = encoder_server.post("/encode", json={"data": X.tolist()}).json()["codes"]
    np.testing.assert_array_equal(np.asarray(codes, dtype=np.float32), model.transform(X))
    rebuilt = encoder_server.post("/reconstruct", json={"data": X.tolist()}).json()["reconstructions"]
    np.testing.assert_array_equal(np.asarray(rebuilt, dtype=np.float32), model.reconstruct(X))
    drawn = encoder_server.post("/sample", json={"n": 3, "seed": 7}).json()["samples"]
    np.testing.assert_array_equal(np.asarray(drawn, dtype=np.float32), model.sample(3, random_state=7))


def test_cvae_encodes_with_labels_and_samples_a_chosen_class(cvae_server, models, digits):
    model = load(models / "cvae.safetensors")
    X, y = digits[1][:10], digits[3][:10]
    codes = cvae_server.post("/encode", json={"data": X.tolist(), "labels": y.tolist()}).json()["codes"]
    np.testing.assert_array_equal(np.asarray(codes, dtype=np.float32), model.transform(X, y))
    drawn = cvae_server.post("/sample", json={"n": 4, "label": "3", "seed": 1}).json()["samples"]
    np.testing.assert_array_equal(np.asarray(drawn, dtype=np.float32), model.sample(4, y=3, random_state=1))
    wrong = cvae_server.post("/sample", json={"n": 1, "label": 12})
    assert wrong.status_code == 422 and "12 is not one of the model's classes" in wrong.json()["detail"]


def test_recommend_known_and_new_users_equal_the_model(ease_server, models):
    model = load(models / "ease.safetensors")
    body = ease_server.post("/recommend", json={"user": 3, "k": 4}).json()
    items, scores = model.recommend_batch([3], n=4, return_scores=True)
    assert body["items"] == items[0].tolist() and body["scores"] == scores[0].tolist()
    assert body["items"] == model.recommend(3, n=4).tolist()
    fresh = ease_server.post("/recommend", json={"items": ["i1", "i5", "nope"], "k": 3}).json()
    assert fresh["items"] == model.recommend(["i1", "i5"], n=3).tolist()
    assert fresh["unknown_items"] == ["nope"] and not {"i1", "i5"} & set(fresh["items"])
    text_id = ease_server.post("/recommend", json={"user": "3", "k": 4}).json()  # ids typed as the CLI types them
    assert text_id["items"] == body["items"]


# -- bad requests: 4xx, one line, no traceback, the server stays up ----------------------------

BAD_SCORES = [
    ({"data": "abc"}, 422, "data: Input should be a valid list"),
    ({"recrods": []}, 422, "recrods: unknown field"),
    ({}, 422, 'expected exactly one of "data"'),
    ({"data": [[1.0, 2.0]]}, 422, "data has 2 columns and no header; expected 31 columns laid out as the training"),
    ({"data": [[1.0, "x"] * 15]}, 422, "not numbers"),
    ({"data": [1.0, 2.0]}, 422, "a flat list of 2 numbers"),
    ({"data": [[1.0] * 30, [1.0] * 29]}, 422, "rows of unequal lengths"),
    ({"data": []}, 422, "holds no rows"),
    ({"records": [{"f0": 1.0}]}, 422, "lacks 29 of the model's 30 feature columns"),
    ({"records": [{f"f{i}": "text" if i == 3 else 1.0 for i in range(30)}]}, 422, "'f3' (e.g. 'text')"),
    ({"data": [[1.0] * 30], "explain": "maybe"}, 422, "explain: Input should be a valid boolean"),
]


@pytest.mark.parametrize("body, status, message", BAD_SCORES, ids=[m for _, _, m in BAD_SCORES])
def test_a_bad_score_request_gets_one_line_naming_the_problem(detector_server, body, status, message):
    answer = detector_server.post("/score", json=body)
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert message in detail and "\n" not in detail and "Traceback" not in answer.text


def test_malformed_bodies_wrong_methods_and_paths_get_one_line(detector_server):
    cases = [
        (detector_server.post("/score", content=b'{"data": [[1,', headers={"Content-Type": "application/json"}),
         422, "the body is not valid JSON"),
        (detector_server.post("/score", content=b"plain text"), 422, "expected a JSON object"),
        (detector_server.post("/score", content=b'{"data": [[NaN' + b", 1.0" * 29 + b"]]}",
                              headers={"Content-Type": "application/json"}), 422, "NaN"),
        (detector_server.client.get("/score"), 405, "use POST"),
        (detector_server.post("/encode", json={"data": [[0.0]]}), 404, "this model serves /health, /model, /score"),
    ]
    for answer, status, message in cases:
        assert answer.status_code == status and message in answer.json()["detail"], answer.text
    assert detector_server.client.get("/health").json() == {"status": "ok"}


def test_the_api_key_guards_every_endpoint_but_health(detector_server):
    url = detector_server.client.base_url
    with httpx.Client(base_url=url) as anonymous:
        assert anonymous.get("/health").status_code == 200
        for answer in (anonymous.get("/model"), anonymous.post("/score", json={"data": [[0.0] * 30]})):
            assert answer.status_code == 401 and "X-API-Key" in answer.json()["detail"]
            assert answer.headers["WWW-Authenticate"] == "APIKey"
        wrong = anonymous.get("/model", headers={"X-API-Key": "guess"})
        assert wrong.status_code == 401 and "wrong API key" in wrong.json()["detail"]
        for page in ("/docs", "/openapi.json", "/docs/swagger-ui-bundle.js"):  # closed too: a browser is asked for the key
            answer = anonymous.get(page)
            assert answer.status_code == 401 and "password" in answer.json()["detail"], page
            assert answer.headers["WWW-Authenticate"] == 'Basic realm="aekit serve"'
        assert anonymous.get("/docs", auth=("me", "guess")).status_code == 401
        assert anonymous.get("/docs", headers={"Authorization": "Basic %%%"}).status_code == 401


@pytest.mark.browser
def test_the_docs_page_draws_offline_in_chromium(chromium, encoder_server):
    """Swagger UI's script and style sheet come from the server itself, not a CDN: Chromium,
    with no network, draws one operation block per endpoint."""
    page = encoder_server.client.get("/docs").text
    assert "cdn." not in page and "https://" not in page  # nothing fetched from elsewhere
    assert encoder_server.client.get("/docs/swagger-ui-bundle.js").status_code == 200
    assert encoder_server.client.get("/docs/app.py").status_code == 404  # a fixed list of files, nothing else
    dom = browser.dump_dom(f"{encoder_server.client.base_url}/docs")
    drawn = set(re.findall(r'class="opblock-summary-path"[^>]*data-path="([^"]+)"', dom))
    assert {"/health", "/model", "/encode", "/reconstruct"} <= drawn, drawn


def test_with_the_key_the_docs_page_opens_and_offers_it_to_authorize(detector_server, cancer):
    url = detector_server.client.base_url
    with httpx.Client(base_url=url, auth=("anyone", KEY)) as browser:  # the key typed as the browser's password
        page = browser.get("/docs")
        assert page.status_code == 200 and "/openapi.json" in page.text and "swagger" in page.text.lower()
        schema = browser.get("/openapi.json").json()
        frame, _ = _cancer_frame(cancer)
        tried = browser.post("/score", json={"records": frame.head(2).to_dict(orient="records")})  # "Try it out"
        assert tried.status_code == 200 and len(tried.json()["scores"]) == 2
    schemes = schema["components"]["securitySchemes"]
    assert schemes["APIKeyHeader"] == {"type": "apiKey", "in": "header", "name": "X-API-Key",
                                       "description": schemes["APIKeyHeader"]["description"]}
    assert schemes["HTTPBasic"]["scheme"] == "basic"
    assert {"APIKeyHeader": []} in schema["paths"]["/score"]["post"]["security"]  # "Authorize" applies to it
    assert "security" not in schema["paths"]["/health"]["get"]
    assert detector_server.client.get("/openapi.json").status_code == 200  # the X-API-Key header opens it too


def test_request_size_and_row_limits_are_413_and_say_so(encoder_server):
    too_many = encoder_server.post("/encode", json={"data": [[0.0] * 64] * 51})
    assert too_many.status_code == 413 and "51 rows is over the limit of 50 rows" in too_many.json()["detail"]
    too_large = encoder_server.post("/encode", content=b"[" + b"0.0, " * 60_000 + b"0]",
                                    headers={"Content-Type": "application/json"})
    assert too_large.status_code == 413 and "limit of 0.2 MB (--max-body-mb)" in too_large.json()["detail"]

    def streamed():  # no Content-Length: counted as it arrives
        yield b'{"data": ['
        for _ in range(400):
            yield b"[" + b"0.5, " * 63 + b"0.5],"
        yield b"[0.5]]}"

    chunked = encoder_server.post("/encode", content=streamed(), headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413 and "over the limit" in chunked.json()["detail"]
    assert encoder_server.post("/sample", json={"n": 51}).status_code == 413
    assert encoder_server.client.get("/health").status_code == 200


def test_openapi_page_lists_the_models_endpoints(encoder_server):
    schema = encoder_server.client.get("/openapi.json").json()
    assert {"/health", "/model", "/encode", "/reconstruct", "/sample"} == set(schema["paths"])
    assert "RowsRequest" in schema["components"]["schemas"]
    assert "securitySchemes" not in schema.get("components", {})  # no key: nothing to authorize
    assert encoder_server.client.get("/docs").status_code == 200


# -- the command -----------------------------------------------------------------------------

def test_a_model_file_that_does_not_load_stops_the_command_with_the_loaders_error(tmp_path, capsys):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x80\x04not a model")
    with pytest.raises(SystemExit) as stop:
        main(["serve", str(bad), "--port", str(_free_port())])
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert "is not a readable .safetensors model file" in err and len(err.strip().splitlines()) == 1


def test_without_the_serve_extra_the_command_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fastapi" else real(name, *a))
    with pytest.raises(SystemExit):
        main(["serve", str(tmp_path / "any.safetensors")])
    assert "pip install 'aekit[serve]'" in capsys.readouterr().err


def test_workers_build_their_app_from_the_environment(models, monkeypatch):
    import json

    from aekit.serve.app import SETTINGS_VARIABLE, app_from_environment

    monkeypatch.setenv(SETTINGS_VARIABLE, json.dumps({"model_path": str(models / "ease.safetensors"),
                                                      "api_key": None, "max_body_mb": 1, "max_rows": 5}))
    assert app_from_environment().state.endpoints == ("health", "model", "recommend")


def test_a_category_not_seen_in_fit_is_scored_and_named_in_the_answer(tmp_path):
    from fastapi.testclient import TestClient

    from aekit.serve import create_app

    rng = np.random.default_rng(0)
    table = pd.DataFrame({"temp": rng.normal(60, 5, 200), "rpm": rng.normal(1500, 90, 200),
                          "site": rng.choice(["north", "south", "east"], 200)})
    detector = AnomalyDetector("ae", latent_dim=1, hidden=(8,), max_epochs=2, random_state=0).fit(table)
    path = detector.save(tmp_path / "sites.safetensors")
    rows = pd.DataFrame({"temp": [61.0, 59.0], "rpm": [1400.0, 1600.0], "site": ["west", "north"]})
    with TestClient(create_app(path)) as client:
        answer = client.post("/score", json={"records": rows.to_dict(orient="records")})
    assert answer.status_code == 200, answer.text
    np.testing.assert_array_equal(answer.json()["scores"], load(path).decision_function(rows))
    assert any("'site': ['west']" in note for note in answer.json()["warnings"])  # not in the server's log only
