"""Every public class, function and method of the API reference has a numpydoc docstring.

The public objects are the ones the reference pages render: each ``::: target``
line of ``docs/api/**/*.md`` names a module (its ``__all__``) or an object; a
class brings its public methods, those defined in aekit (methods inherited from
torch or scikit-learn are theirs to document). Each docstring needs:

- a summary line;
- ``Parameters`` when the signature takes any (a class: its ``__init__``);
- ``Returns`` (or ``Yields``) when a function returns a value; ``Attributes``
  on a class (a dataclass or named tuple: ``Parameters`` or ``Attributes``);
- ``Raises`` when the code itself has a ``raise`` statement (a class: in its
  ``__init__`` / ``__post_init__``);
- ``Examples`` with ``>>>`` lines; tests/test_docstring_examples.py runs them.

A method that overrides a documented one without a docstring of its own
inherits its text (as ``help()`` shows it, and the site: docs/_ext).

Exceptions and warnings need a summary only (aekit.exceptions' module example
shows them); properties need a summary only (they render as attributes).
Shared text comes from :mod:`aekit._docs`: a ``%(name)s`` line is filled by the
``@fill_doc`` decorator of its class or function (a placeholder left unfilled
is a gap), and by docs/_ext for the site.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import re
import textwrap
import types
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "docs" / "api"
TARGET = re.compile(r"^:::\s+(\S+)", re.M)


def _resolve(target: str):
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError:
        module, _, name = target.rpartition(".")
        return getattr(_resolve(module), name)


def _targets() -> list[str]:
    found = []
    for page in sorted(API.rglob("*.md")):
        found += TARGET.findall(page.read_text(encoding="utf-8"))
    return found


def _is_aekit(obj) -> bool:
    return (getattr(obj, "__module__", None) or "").startswith("aekit")


def _members_of_class(cls) -> list[tuple[str, object]]:
    found = []
    for klass in cls.__mro__:
        if not _is_aekit(klass):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, (types.FunctionType, property)):
                found.append((f"{klass.__module__}.{klass.__qualname__}.{name}", value))
    return found


def public_objects() -> dict[str, object]:
    """Qualified name -> object, for every public documented class, function and method."""
    objects: dict[str, object] = {}

    def add(obj) -> None:
        if not (inspect.isclass(obj) or inspect.isfunction(obj)) or not _is_aekit(obj):
            return  # constants (dicts, tuples) are documented in the module text
        name = f"{obj.__module__}.{obj.__qualname__}"
        if name in objects:
            return
        objects[name] = obj
        if inspect.isclass(obj) and not issubclass(obj, (BaseException, Warning)):
            for member_name, member in _members_of_class(obj):
                objects.setdefault(member_name, member)

    for target in _targets():
        obj = _resolve(target)
        if isinstance(obj, types.ModuleType):
            names = getattr(obj, "__all__", None) or [n for n in vars(obj) if not n.startswith("_")]
            for name in names:
                add(getattr(obj, name))
        else:
            add(obj)
    return objects


SECTION = re.compile(r"^\s*([A-Z][A-Za-z ]+)\n\s*-{3,}\s*$", re.M)


def sections(doc: str) -> dict[str, str]:
    """Numpydoc section title -> its body."""
    parts = SECTION.split(doc)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


def _function_node(func):
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return None
    node = ast.parse(source).body[0]
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _own_nodes(node):
    """The nodes of a function body, without those of nested functions and classes."""
    stack = list(node.body)
    while stack:
        child = stack.pop()
        yield child
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(child))


def _raises(func) -> bool:
    node = _function_node(func)
    return node is not None and any(isinstance(n, ast.Raise) and n.exc is not None for n in _own_nodes(node))


def _returns(func) -> bool:
    node = _function_node(func)
    if node is None:
        return False
    for n in _own_nodes(node):
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(n, ast.Return) and n.value is not None:
            if not (isinstance(n.value, ast.Constant) and n.value.value is None):
                return True
    return False


def _takes_parameters(func) -> bool:
    try:
        params = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return False
    return any(p not in ("self", "cls") for p in params)


def _own_init(cls):
    for name in ("__init__", "__post_init__"):
        init = vars(cls).get(name)
        if isinstance(init, types.FunctionType):
            yield init


def missing_sections(obj) -> list[str]:
    """The numpydoc parts ``obj``'s docstring lacks (an empty list: complete)."""
    from aekit._docs import PLACEHOLDER

    doc = inspect.getdoc(obj)  # a method that overrides a documented one inherits its text, as in help()
    if not doc or not doc.strip():
        return ["docstring"]
    if isinstance(obj, property) or (inspect.isclass(obj) and issubclass(obj, (BaseException, Warning))):
        return []
    if PLACEHOLDER.search(doc):
        return ["@fill_doc (a %(name)s fragment is left unfilled)"]
    found = sections(doc)
    need: list[str] = []
    if inspect.isclass(obj):
        record = dataclasses.is_dataclass(obj) or hasattr(obj, "_fields")
        if record:
            need += [] if {"Parameters", "Attributes"} & found.keys() else ["Parameters or Attributes"]
        else:
            if _takes_parameters(obj) and "Parameters" not in found:
                need.append("Parameters")
            if "Attributes" not in found:
                need.append("Attributes")
        if any(_raises(init) for init in _own_init(obj)) and "Raises" not in found:
            need.append("Raises")
    else:
        if _takes_parameters(obj) and "Parameters" not in found:
            need.append("Parameters")
        if _returns(obj) and not {"Returns", "Yields"} & found.keys():
            need.append("Returns")
        if _raises(obj) and "Raises" not in found:
            need.append("Raises")
    if ">>>" not in found.get("Examples", ""):
        need.append("Examples")
    return need


OBJECTS = public_objects()


def test_the_walk_finds_the_public_api():
    names = set(OBJECTS)
    assert len(names) > 150, len(names)
    for expected in ("aekit.estimators.autoencoder.Autoencoder", "aekit.data.scaling.Scaler.transform",
                     "aekit.viz.figures.plot_loss_curves", "aekit.models.vae.VAEModel"):
        assert expected in names, expected


def _where(obj) -> str:
    """``path:line`` of an object's definition, relative to the repository."""
    target = obj.fget if isinstance(obj, property) else obj
    try:
        path = Path(inspect.getsourcefile(target)).resolve().relative_to(ROOT)
        return f"{path}:{inspect.getsourcelines(target)[1]}"
    except (OSError, TypeError, ValueError):
        return "?"


def test_every_public_object_has_a_numpydoc_docstring():
    gaps = {name: missing for name, obj in OBJECTS.items() if (missing := missing_sections(obj))}
    report = "\n".join(f"  {name} ({_where(OBJECTS[name])}): missing {', '.join(missing)}"
                       for name, missing in sorted(gaps.items()))
    assert not gaps, (f"{len(gaps)} public object(s) of the API reference lack numpydoc sections "
                      f"(the rules: the docstring of tests/test_docstrings.py; shared texts: aekit._docs):\n"
                      f"{report}")


def _incomplete(a):
    """Return ``a``.

    Parameters
    ----------
    a : int
        Anything.
    """
    if a is None:
        raise ValueError("a is None")
    return a


def _complete(a):
    """Return ``a``.

    Parameters
    ----------
    a : int
        Anything.

    Returns
    -------
    int
        ``a``.

    Raises
    ------
    ValueError
        When ``a`` is None.

    Examples
    --------
    >>> _complete(1)
    1
    """
    if a is None:
        raise ValueError("a is None")
    return a


def test_the_check_sees_missing_sections():
    assert missing_sections(_incomplete) == ["Returns", "Raises", "Examples"]
    assert missing_sections(_complete) == []


def test_no_fragment_is_left_unfilled_anywhere():
    """Private helpers too: a ``%(name)s`` line without ``@fill_doc`` would show as is in ``help()``."""
    import pkgutil

    import aekit
    from aekit._docs import PLACEHOLDER

    unfilled = []
    for info in pkgutil.walk_packages(aekit.__path__, "aekit."):
        if info.name == "aekit.__main__":
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module.__name__:
                continue
            members = [obj, *(vars(obj).values() if inspect.isclass(obj) else ())]
            for member in members:
                member = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
                doc = getattr(member, "__doc__", None)
                if isinstance(doc, str) and PLACEHOLDER.search(doc):
                    unfilled.append(f"{module.__name__}.{name}")
    assert not unfilled, f"docstrings with an unfilled %(name)s line (add @fill_doc): {sorted(set(unfilled))}"
