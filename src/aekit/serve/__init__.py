"""``aekit serve``: a scoring service over one model file (FastAPI and uvicorn, the ``serve``
extra: ``pip install 'aekit[serve]'``).

- :mod:`aekit.serve.families`: which endpoints a model gets, and what each computes
  (plain numpy: no web framework);
- :mod:`aekit.serve.schemas`: the request and response bodies (pydantic);
- :mod:`aekit.serve.app`: :func:`create_app`, the FastAPI app (errors, limits, API key).

See ``docs/guide/serving.md``.
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args, **kwargs):
    """:func:`aekit.serve.app.create_app` (imported on first use: FastAPI is an extra)."""
    from aekit.serve.app import create_app as create

    return create(*args, **kwargs)
