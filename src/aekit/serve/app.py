"""The FastAPI app of ``aekit serve``: one model file, loaded once, its endpoints chosen by
what the model does (:func:`aekit.serve.families.endpoints_of`).

Every answer to a bad request is a 4xx with one line of JSON, ``{"detail": "..."}``,
naming what was expected and what came; nothing a client sends shows a traceback
or stops the worker (an unexpected error is a 500 whose traceback goes to the
server's log only). Requests are limited in size (bytes, and rows per request).

With an API key, every endpoint but ``/health`` needs it, the ``/docs`` page and its
schema too: in the ``X-API-Key`` header, or as the password of HTTP Basic
authentication (any user name), which is what a browser asks for when it opens
``/docs``; on that page, "Authorize" takes the key for the requests it sends.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Callable, Optional

import orjson
import pydantic_core
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPBasic, HTTPBasicCredentials
from starlette.exceptions import HTTPException as StarletteHTTPException

from aekit.exceptions import AekitError
from aekit.formatting import with_article
from aekit.serve import families
from aekit.serve.schemas import (EncodeResponse, Error, Health, ModelInfo, RecommendRequest, RecommendResponse,
                                 ReconstructResponse, RowsRequest, SampleRequest, SampleResponse, ScoreRequest,
                                 ScoreResponse)

__all__ = ["DEFAULT_MAX_BODY_MB", "DEFAULT_MAX_ROWS", "SETTINGS_VARIABLE", "app_from_environment", "create_app"]

DEFAULT_MAX_BODY_MB = 16
DEFAULT_MAX_ROWS = 10_000
API_KEY_HEADER = "X-API-Key"
SETTINGS_VARIABLE = "AEKIT_SERVE_SETTINGS"  # create_app's arguments as JSON, for uvicorn's worker processes
MAX_MESSAGE = 500
DOC_PATHS = ("/docs", "/openapi.json")  # a browser opens them: a 401 there asks for a password
REALM = "aekit serve"
NPY_TYPE = "application/x-npy"  # rows as one NumPy .npy array: no text to parse
NPY_SCOPE_KEY = "aekit.npy"
NPY_BODY = {"requestBody": {"content": {NPY_TYPE: {"schema": {"type": "string", "format": "binary", "description": (
    "The rows as one NumPy .npy array of numbers (np.save; no pickled objects), by position as `data`; the "
    "other fields go in the query string, e.g. ?explain=true.")}}}}}

logger = logging.getLogger("aekit.serve")


def create_app(model_path: str | Path, *, api_key: Optional[str] = None, max_body_mb: float = DEFAULT_MAX_BODY_MB,
               max_rows: int = DEFAULT_MAX_ROWS, num_threads: Optional[int] = None) -> FastAPI:
    """The scoring service of one model file.

    Parameters
    ----------
    model_path : str or pathlib.Path
        A model file (or a run folder written by ``aekit train``), loaded now.
    api_key : str, optional
        When given, every endpoint but ``/health`` (``/docs`` and ``/openapi.json`` too) needs it, in the
        ``X-API-Key`` header or as the password of HTTP Basic authentication (401 otherwise).
    max_body_mb : float, default=16
        The largest request body, in megabytes (413 beyond it).
    max_rows : int, default=10000
        The most rows (or samples) one request may ask for (413 beyond it).
    num_threads : int, optional
        torch's threads in this process (default: torch's own).

    Returns
    -------
    fastapi.FastAPI
        Run it with uvicorn (``aekit serve`` does).

    Raises
    ------
    aekit.exceptions.ModelFileError
        The file cannot be loaded (the loader's error).
    ValueError
        The model offers none of the endpoints (see :mod:`aekit.serve.families`).

    Examples
    --------
    >>> import tempfile
    >>> from aekit import MarginalizedDenoisingAutoencoder
    >>> from aekit.data import load_dataset
    >>> from aekit.serve import create_app
    >>> data = load_dataset("digits")
    >>> path = MarginalizedDenoisingAutoencoder(n_layers=1).fit(data.X_train).save(f"{tempfile.mkdtemp()}/m.safetensors")
    >>> create_app(path).state.endpoints
    ('health', 'model', 'encode', 'reconstruct')
    """
    from aekit.io import load, model_file_of, read_metadata

    if num_threads is not None:
        import torch

        torch.set_num_threads(num_threads)
    path = model_file_of(model_path)
    estimator = load(path)
    offered = families.endpoints_of(estimator)
    if not offered:
        kind = with_article(type(estimator).__name__)
        raise ValueError(f"{path} holds {kind}, for which aekit serve has no endpoint; "
                         f"it serves models that can {', '.join(families.ENDPOINTS)}")
    info = _model_info(estimator, read_metadata(path), offered)
    app = FastAPI(title=f"aekit serve: {info.estimator} ({info.family})",
                  description=f"Model file `{path.name}`. Endpoints: {', '.join('/' + e for e in offered)}.",
                  version=info.aekit_version, docs_url=None, redoc_url=None, openapi_url=None,  # below, behind the key
                  responses={422: {"model": Error}, 413: {"model": Error}})
    app.router.route_class = FastJSONRoute
    app.state.estimator, app.state.endpoints = estimator, ("health", "model", *offered)
    app.add_middleware(BodyLimit, max_bytes=int(max_body_mb * 1_000_000))
    _add_error_handlers(app)
    call = _serialised(estimator)

    @app.get("/health", response_model=Health, tags=["service"])
    def health() -> dict:
        """The server is up and its model loaded (never needs the API key)."""
        return {"status": "ok"}

    # every other route, the doc pages included, behind the key when there is one
    guarded = APIRouter(dependencies=[Depends(_key_check(api_key))] if api_key else [], route_class=FastJSONRoute,
                        responses={401: {"model": Error}} if api_key else {})
    _add_doc_pages(app, guarded)

    @guarded.get("/model", response_model=ModelInfo, response_model_exclude_none=True, tags=["service"])
    def model() -> ModelInfo:
        """The model: family, config, input columns or shape, format version and checksum."""
        return info

    def rows(body, request: Request) -> families.Rows:
        npy = request.scope.get(NPY_SCOPE_KEY)  # the body's bytes, when it came as an .npy array
        data = body.data if npy is None else families.npy_rows(npy)
        return families.rows_of(estimator, data, body.records, max_rows)

    def answer_rows(body, request: Request, endpoint: Callable, **options) -> Answer:
        return Answer(call(lambda: _carried(rows(body, request), endpoint, estimator, **options)))

    if "encode" in offered:
        @guarded.post("/encode", response_model=EncodeResponse, response_model_exclude_none=True, tags=["encoder"],
                      openapi_extra=NPY_BODY)
        async def encode(body: RowsRequest, request: Request) -> Answer:
            """The codes of the rows (``transform``)."""
            return answer_rows(body, request, families.encode, labels=body.labels)

    if "reconstruct" in offered:
        @guarded.post("/reconstruct", response_model=ReconstructResponse, response_model_exclude_none=True,
                      tags=["encoder"], openapi_extra=NPY_BODY)
        async def reconstruct(body: RowsRequest, request: Request) -> Answer:
            """The reconstructions of the rows."""
            return answer_rows(body, request, families.reconstruct, labels=body.labels)

    if "score" in offered:
        @guarded.post("/score", response_model=ScoreResponse, response_model_exclude_none=True, tags=["detector"],
                      openapi_extra=NPY_BODY)
        async def score(body: ScoreRequest, request: Request) -> Answer:
            """Anomaly scores, the threshold, the flags; with ``explain``, each feature's share of each score."""
            return answer_rows(body, request, families.score, explain=body.explain)

    if "recommend" in offered:
        @guarded.post("/recommend", response_model=RecommendResponse, response_model_exclude_none=True,
                      tags=["recommender"])
        async def recommend(body: RecommendRequest) -> dict:
            """The top-k items of a known user, or of a new user's items (folded in)."""
            return call(lambda: families.recommend(estimator, body.user, body.items, body.k, body.exclude_seen))

    if "sample" in offered:
        @guarded.post("/sample", response_model=SampleResponse, tags=["generative"])
        async def sample(body: SampleRequest) -> Answer:
            """New samples drawn from the model (the same seed gives the same samples)."""
            if body.n > max_rows:
                raise HTTPException(413, f"n={body.n} samples is over the limit of {max_rows} rows per request "
                                         "(--max-rows); ask in several requests")
            return Answer(call(lambda: families.sample(estimator, body.n, body.label, body.seed)))

    app.include_router(guarded)
    return app


def app_from_environment() -> FastAPI:
    """:func:`create_app` with the arguments in the environment variable ``AEKIT_SERVE_SETTINGS``
    (JSON): each of uvicorn's worker processes builds its app, and loads the model, here."""
    settings = json.loads(os.environ[SETTINGS_VARIABLE])
    return create_app(settings.pop("model_path"), **settings)


# -- pieces -------------------------------------------------------------------------

def _model_info(estimator, metadata: dict[str, str], offered: tuple[str, ...]) -> ModelInfo:
    from aekit.data import contract_of

    contract = contract_of(estimator)
    inner = getattr(estimator, "estimator_", estimator)  # a detector's autoencoder
    shape = getattr(inner, "image_shape_", None)
    read = {**({"image_shape": list(shape)} if shape else {}),
            **(contract.to_dict() if contract is not None else {})}
    if hasattr(estimator, "item_ids_"):
        read.update(n_users=int(estimator.n_users_), n_items=int(estimator.n_items_))
    threshold = getattr(estimator, "threshold_", None)
    return ModelInfo(family=metadata["family"], estimator=metadata.get("wrapper", metadata["estimator"]),
                     config=json.loads(metadata["config"]), input=read,
                     format_version=metadata["format_version"], checksum=metadata.get("sha256"),
                     aekit_version=metadata.get("aekit_version", "unknown"), endpoints=list(offered),
                     threshold=None if threshold is None else float(threshold))


def _carried(rows: families.Rows, endpoint: Callable, estimator, **options) -> dict:
    """The endpoint's answer, with the records' id columns and the notes on the request: the
    contract's (columns the model does not read) and the model's (categories not seen in fit)."""
    answer, notes = families.with_notes(lambda: endpoint(estimator, rows, **options))
    if rows.ids is not None:
        answer["ids"] = rows.ids
    if rows.warnings or notes:
        answer["warnings"] = [*rows.warnings, *notes]
    return answer


def _serialised(estimator) -> Callable[[Callable[[], dict]], dict]:
    """Run each request's work under one lock (the model is used by one request at a time per
    worker: its warnings are caught per request, and torch's threads are not fought over), its
    bad-input errors turned into 4xx answers.

    The model's endpoints are ``async``: their work runs on the event loop itself, not in a
    thread of the pool (two thread hand-overs a request fewer: the endpoint's and its answer's
    validation); as a worker computes one request at a time anyway, nothing is lost
    but the answers to ``/health`` and ``/model`` waiting for the request in progress."""
    import torch

    lock = threading.Lock()
    threads = torch.get_num_threads()  # as set in the main thread (--num-threads)

    def call(work: Callable[[], dict]) -> dict:
        with lock:
            # OpenMP's (and MKL's) thread count is per thread: set it in the thread that computes,
            # which would otherwise use every core and round differently
            torch.set_num_threads(threads)
            try:
                return work()
            except families.RowLimitError as err:
                raise HTTPException(413, one_line(err)) from None
            except (AekitError, ValueError) as err:  # bad input: DataError, unknown ids, ... (NotFittedError too)
                raise HTTPException(422, one_line(err)) from None

    return call


def one_line(err: BaseException | str) -> str:
    """A message on one line, at most 500 characters."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 3] + "..."


SWAGGER_UI = Path(__file__).parent / "static" / "swagger-ui"  # swagger-ui-dist, vendored: /docs works offline
SWAGGER_ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
                  "favicon-32x32.png": "image/png"}


def _add_doc_pages(app: FastAPI, router: APIRouter) -> None:
    """``/openapi.json`` and ``/docs`` (Swagger UI, its script and style served from the
    package, not a CDN) of ``app``, as routes of ``router``: its dependencies (the API key)
    apply to them as to the endpoints."""

    @router.get("/openapi.json", include_in_schema=False)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @router.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(openapi_url=root + "/openapi.json", title=f"{app.title} - docs",
                                   swagger_js_url=root + "/docs/swagger-ui-bundle.js",
                                   swagger_css_url=root + "/docs/swagger-ui.css",
                                   swagger_favicon_url=root + "/docs/favicon-32x32.png")

    @router.get("/docs/{asset}", include_in_schema=False)
    def docs_asset(asset: str) -> FileResponse:
        if asset not in SWAGGER_ASSETS:  # a fixed list: no path from the request reaches the disk
            raise HTTPException(status_code=404, detail=f"no such file: /docs/{asset}")
        return FileResponse(SWAGGER_UI / asset, media_type=SWAGGER_ASSETS[asset],
                            headers={"Cache-Control": "max-age=86400"})


class _Login(HTTPBasic):
    """HTTP Basic credentials, or None when absent or malformed (the key check says what is wrong)."""

    async def __call__(self, request: Request) -> Optional[HTTPBasicCredentials]:
        try:
            return await super().__call__(request)
        except HTTPException:
            return None


def _key_check(api_key: str) -> Callable:
    """The dependency that guards every route but ``/health``: the key in the ``X-API-Key``
    header, or as the password of HTTP Basic authentication (what a browser sends on /docs)."""
    header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False,
                          description="The key given to `aekit serve --api-key` (or AEKIT_API_KEY).")
    login = _Login(auto_error=False, realm=REALM, scheme_name="HTTPBasic",
                   description="The key as the password (any user name): what a browser asks for on /docs.")
    expected = api_key.encode()

    def matches(given: Optional[str]) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), expected)

    def check(request: Request, key: Optional[str] = Depends(header),
              basic: Optional[HTTPBasicCredentials] = Depends(login)) -> None:
        if matches(key) or matches(basic and basic.password):
            return
        page = request.url.path in DOC_PATHS or request.url.path.startswith("/docs/")
        challenge = {"WWW-Authenticate": f'Basic realm="{REALM}"' if page else "APIKey"}
        where = f"the {API_KEY_HEADER} header" + (" or as the password your browser asks for" if page else "")
        if key is None and basic is None:
            raise HTTPException(401, f"this server needs an API key: send it in {where}", headers=challenge)
        raise HTTPException(401, f"wrong API key; send the key given to aekit serve in {where}",
                            headers=challenge)

    return check


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": one_line(validation_message(err.errors()))}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        detail = err.detail
        if err.status_code == 404 and detail == "Not Found":
            detail = f"no endpoint {request.url.path}; this model serves " + ", ".join(
                f"/{e}" for e in app.state.endpoints)
        elif err.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}; " + (
                "use GET" if request.url.path in ("/health", "/model") else "use POST with a JSON body")
        return JSONResponse({"detail": one_line(detail)}, status_code=err.status_code,
                            headers=getattr(err, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, err: Exception) -> JSONResponse:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error ({type(err).__name__}) on {request.url.path}; the server "
                                       "log has the details"}, status_code=500)


def validation_message(errors: list[dict[str, Any]]) -> str:
    """pydantic's errors of a request as one line: where, what was expected, what came.

    Examples
    --------
    >>> validation_message([{"type": "list_type", "loc": ("body", "data"), "msg": "Input should be a valid list",
    ...                      "input": "abc"}])
    "data: Input should be a valid list, got str 'abc'"
    """
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    kind = first.get("type", "")
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    if kind == "json_invalid":
        reason = first.get("ctx", {}).get("error", "")
        return (f"the body is not valid JSON ({reason}); expected an object such as "
                '{"data": [[0.1, 0.2]]} or {"records": [{"column": 0.1}]}')
    if kind == "extra_forbidden":
        return f"{where}: unknown field{more}; see /docs for the fields of this endpoint"
    if not where and isinstance(first.get("input"), bytes):
        return ('expected a JSON object (Content-Type: application/json) such as {"data": [[0.1, 0.2]]}, '
                f"got {len(first['input'])} bytes of something else")
    if kind == "missing" and not where:
        return 'expected a JSON body, got none; e.g. {"data": [[0.1, 0.2]]}'
    got = first.get("input")
    shown = (f"{with_article(type(got).__name__)} of {len(got)}" if isinstance(got, (dict, list))
             else f"{type(got).__name__} {got!r:.80}")
    return f"{where or 'body'}: {first.get('msg', 'invalid')}, got {shown}{more}"


class Answer(JSONResponse):
    """An endpoint's answer, written by orjson: numpy arrays straight to JSON text (several
    times faster than a list of Python floats through the response model; a float32 is
    written with the fewest digits that read back as the same float32). The endpoints
    declare their response model for the OpenAPI page; the tests check the answers."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


class FastJSONRequest(Request):
    """A request whose JSON body is parsed by pydantic-core (Rust): several times faster than
    the standard library on arrays of numbers, the bulk of a scoring request.

    A body sent as ``application/x-npy`` (see :class:`FastJSONRoute`) is not parsed here: its
    bytes are kept in the scope for the endpoint, and the query string stands for the JSON
    fields (``?explain=true``)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            if NPY_SCOPE_KEY in self.scope:
                self.scope[NPY_SCOPE_KEY] = body
                self._json = dict(self.query_params)
                return self._json
            try:
                self._json = pydantic_core.from_json(body, allow_inf_nan=True)
            except ValueError as err:  # FastAPI answers json.JSONDecodeError as a validation error
                raise json.JSONDecodeError(str(err), body.decode(errors="replace"), 0) from None
        return self._json


class FastJSONRoute(APIRoute):
    """The route class of the app: its requests are :class:`FastJSONRequest`; on the rows
    endpoints, an ``application/x-npy`` body goes through FastAPI as JSON fields taken from
    the query string, its array left to the endpoint."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()
        takes_npy = self.openapi_extra is NPY_BODY

        async def route(request: Request):
            scope = request.scope
            if takes_npy and request.headers.get("content-type", "").split(";")[0].strip() == NPY_TYPE:
                headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
                scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")], NPY_SCOPE_KEY: b""}
            return await handler(FastJSONRequest(scope, request.receive))

        return route


class BodyLimit:
    """ASGI middleware: refuse a request body over ``max_bytes`` with 413, whether its
    Content-Length says so or it streams past the limit."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def message(self, size: str) -> str:
        return (f"the request body is {size}, over the limit of {self.max_bytes / 1e6:g} MB (--max-body-mb); "
                "send fewer rows per request")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await JSONResponse({"detail": self.message(f"{int(length)} bytes")}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413, self.message(f"more than {self.max_bytes} bytes"))
            return message

        await self.app(scope, limited, send)
