"""A griffe extension for the API reference: Sphinx roles in docstrings become inline code.

The docstrings use Sphinx's ``:class:`~aekit.VAE```, ``:meth:`fit```, ... which
mkdocstrings does not read; rendered as they are, the role names would show.
Each role becomes inline code of its target (``~`` keeps the last component, as
in Sphinx). Loaded by mkdocs.yml (mkdocstrings' ``extensions`` option).

Two more steps make the site show what ``help()`` shows: the shared
``%(name)s`` fragments of :mod:`aekit._docs` are filled in, and a method that
overrides a documented one without a docstring of its own inherits its text.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import griffe

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
from aekit._docs import fill  # noqa: E402  (aekit._docs imports nothing of aekit)

ROLE = re.compile(r":(?:py:)?(?:class|meth|func|mod|attr|data|exc|obj|const):`(~?)([^`]+)`")


def _plain(match: re.Match) -> str:
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


class SphinxRoles(griffe.Extension):
    """Fill fragments, inherit docstrings, and rewrite Sphinx roles as inline code."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is None:
            return
        if "%(" in obj.docstring.value:
            obj.docstring.value = fill(obj.docstring.value)
        if ":`" in obj.docstring.value:
            obj.docstring.value = ROLE.sub(_plain, obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for cls in _classes(pkg):
            for name, member in cls.members.items():
                if member.is_alias or not member.is_function or member.docstring is not None:
                    continue
                inherited = _inherited_docstring(cls, name, _parameter_names(member))
                if inherited is not None:  # parsed as the original is (numpy sections, not headings)
                    member.docstring = griffe.Docstring(inherited.value, parent=member, parser=inherited.parser,
                                                        parser_options=inherited.parser_options)


def _classes(module: griffe.Module):
    for member in module.members.values():
        if member.is_alias:
            continue
        if member.is_module:
            yield from _classes(member)
        elif member.is_class:
            yield member


def _parameter_names(function: griffe.Object) -> list[str]:
    return [parameter.name for parameter in function.parameters if parameter.name not in ("self", "cls")]


def _inherited_docstring(cls: griffe.Class, name: str, parameters: list[str]) -> griffe.Docstring | None:
    """The nearest base's docstring of ``name``, if that base's method takes the same parameters."""
    try:
        bases = cls.mro()
    except Exception:  # noqa: BLE001 - a base outside the loaded packages: nothing to inherit
        return None
    for base in bases:
        member = base.members.get(name)
        if member is not None and not member.is_alias and member.docstring is not None:
            return member.docstring if _parameter_names(member) == parameters else None
    return None
