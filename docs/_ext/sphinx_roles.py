"""A griffe extension for the API reference: Sphinx roles in docstrings become inline code.

The docstrings use Sphinx's ``:class:`~aekit.VAE```, ``:meth:`fit```, ... which
mkdocstrings does not read; rendered as they are, the role names would show.
Each role becomes inline code of its target (``~`` keeps the last component, as
in Sphinx). Loaded by mkdocs.yml (mkdocstrings' ``extensions`` option).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|meth|func|mod|attr|data|exc|obj|const):`(~?)([^`]+)`")


def _plain(match: re.Match) -> str:
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx cross-reference roles in every docstring as inline code."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ":`" in obj.docstring.value:
            obj.docstring.value = ROLE.sub(_plain, obj.docstring.value)
