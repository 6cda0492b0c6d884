"""``aekit serve``: a model file as a scoring service over HTTP (FastAPI + uvicorn, the
``serve`` extra; registered in :mod:`aekit.cli`, which imports neither at start-up)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer

from aekit.cli._common import MODEL_HELP, console, err_console

LOOPBACK = ("127.0.0.1", "localhost", "::1")
INSTALL_HINT = "pip install 'aekit[serve]'"


def serve(
    model: Path = typer.Argument(..., help=MODEL_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; the default is this machine only. "
                             "0.0.0.0 listens on every interface: put a reverse proxy with TLS in front."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes, each with its own copy of the model."),
    api_key: Optional[str] = typer.Option(None, "--api-key", envvar="AEKIT_API_KEY", show_envvar=True,
                                          help="Require this key on every endpoint but /health, /docs "
                                               "included: in the X-API-Key header, or as the password a browser "
                                               "asks for (401 otherwise)."),
    max_body_mb: float = typer.Option(16.0, "--max-body-mb", min=0.001, help="Largest request body, in MB (413 "
                                      "beyond it)."),
    max_rows: int = typer.Option(10_000, "--max-rows", min=1, help="Most rows (or samples) per request (413 "
                                 "beyond it)."),
    num_threads: Optional[int] = typer.Option(None, "--num-threads", min=1, help="torch threads per worker "
                                              "(default: torch's)."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn's: critical, error, warning, info, debug."),
) -> None:
    """Serve MODEL over HTTP: /encode, /reconstruct, /score, /recommend or /sample by its family.

    The model is loaded once per worker at start-up; a file that does not load
    stops the command at once. Every model answers GET /health and GET /model;
    /docs is an OpenAPI page to try the endpoints. Ctrl-C stops the server.
    """
    _check_installed()
    import uvicorn

    from aekit.serve.app import SETTINGS_VARIABLE, create_app
    from aekit.serve.families import endpoints_of

    settings = {"api_key": api_key, "max_body_mb": max_body_mb, "max_rows": max_rows, "num_threads": num_threads}
    app = create_app(model, **settings)  # loads and checks the model file here, before any port is opened
    if host not in LOOPBACK:
        err_console.print(f"note: listening on {host}, beyond this machine: put a reverse proxy with TLS in front"
                          + ("" if api_key else ", and consider --api-key"), style="yellow", highlight=False)
    offered = ", ".join(f"/{e}" for e in endpoints_of(app.state.estimator))
    console.print(f"serving {model} at http://{_url_host(host)}:{port} ({offered}; docs at /docs)", highlight=False)
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level=log_level)
        return
    del app  # each worker process loads its own copy
    os.environ[SETTINGS_VARIABLE] = json.dumps({"model_path": str(Path(model).resolve()), **settings})
    uvicorn.run("aekit.serve.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level=log_level)


def _check_installed() -> None:
    """The serve extra's packages, or one line saying how to install them."""
    import importlib.util

    from aekit.exceptions import MissingDependencyError

    missing = [name for name in ("fastapi", "uvicorn", "orjson") if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingDependencyError(f"aekit serve needs {', '.join(missing)}, which "
                                     f"{'is' if len(missing) == 1 else 'are'} not installed: {INSTALL_HINT}")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
