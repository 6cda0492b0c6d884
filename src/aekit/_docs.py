"""Shared docstring fragments: one text for a parameter that many functions take.

A docstring names a fragment as ``%(name)s`` on a line of its own; :func:`fill`
(through the :func:`fill_doc` decorator) puts the fragment there, indented as
the placeholder is. The API reference fills the same fragments when it reads the
sources (docs/_ext/sphinx_roles.py), so the site and ``help()`` show one text.
"""

from __future__ import annotations

import re
from typing import TypeVar

F = TypeVar("F")

FRAGMENTS: dict[str, str] = {}

PLACEHOLDER = re.compile(r"^([ \t]*)%\((\w+)\)s[ \t]*$", re.M)


def fill(doc: str) -> str:
    """Put the named fragments into ``doc``, each indented as its placeholder.

    Parameters
    ----------
    doc : str
        A docstring with ``%(name)s`` lines.

    Returns
    -------
    str
        The docstring with every placeholder line replaced by its fragment.

    Raises
    ------
    KeyError
        A placeholder names no fragment.

    Examples
    --------
    >>> FRAGMENTS["demo"] = "x : int\\n    A number."
    >>> print(fill("Parameters\\n----------\\n  %(demo)s"))
    Parameters
    ----------
      x : int
          A number.
    >>> del FRAGMENTS["demo"]
    """

    def put(match: re.Match) -> str:
        indent, name = match.groups()
        if name not in FRAGMENTS:
            raise KeyError(f"docstring fragment %({name})s is not defined; known: {sorted(FRAGMENTS)}")
        return "\n".join(indent + line if line else line for line in FRAGMENTS[name].splitlines())

    return PLACEHOLDER.sub(put, doc)


def fill_doc(obj: F) -> F:
    """Decorator: fill the fragments of a function's or class's docstring.

    Parameters
    ----------
    obj : function or class
        What to decorate.

    Returns
    -------
    function or class
        ``obj`` itself, its ``__doc__`` filled.

    Examples
    --------
    >>> FRAGMENTS["demo"] = "x : int\\n    A number."
    >>> @fill_doc
    ... def f(x):
    ...     '''Do it.
    ...
    ...     %(demo)s
    ...     '''
    >>> "A number." in f.__doc__
    True
    >>> del FRAGMENTS["demo"]
    """
    if obj.__doc__:
        obj.__doc__ = fill(obj.__doc__)
    return obj
