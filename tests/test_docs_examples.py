"""The documentation's examples run, so the docs cannot drift from the code.

Every ```python block of README.md and docs/**/*.md is executed: the blocks of
one page in order, in one namespace, in a fresh working directory (so a page
can build on its earlier blocks, and files it writes go nowhere). A block
opts out with a marker comment on the last non-blank line before its fence:

    <!-- no-run -->   a fragment (it needs data the page does not make)
    <!-- slow -->     runs only under ``-m slow``; the fast run stops at it

Every ``aekit ...`` command of the ```sh blocks is checked against the real
command line: each subcommand must exist and each option must be one of its
options (hidden aliases included), read from the typer app without running it.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
NO_RUN = "<!-- no-run -->"
SLOW = "<!-- slow -->"
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")


@dataclass
class Block:
    page: str
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    marker: str | None


def markdown_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def code_blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, with the marker (if any) before each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, lang = opening.group(1), opening.group(2)
        before = [text.strip() for text in lines[:i] if text.strip()]
        marker = before[-1] if before and before[-1] in (NO_RUN, SLOW) else None
        body, j = [], i + 1
        while j < len(lines) and not re.match(rf"^{indent}```\s*$", lines[j]):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j].lstrip())
            j += 1
        blocks.append(Block(str(path.relative_to(ROOT)), i + 1, lang, "\n".join(body) + "\n", marker))
        i = j + 1
    return blocks


def python_pages() -> list:
    params = []
    for path in markdown_pages():
        blocks = [b for b in code_blocks(path) if b.lang == "python" and b.marker != NO_RUN]
        if not blocks:
            continue
        name = str(path.relative_to(ROOT))
        params.append(pytest.param(path, False, id=name))
        if any(b.marker == SLOW for b in blocks):
            params.append(pytest.param(path, True, id=f"{name}[slow]", marks=pytest.mark.slow))
    return params


@pytest.mark.parametrize(("path", "slow"), python_pages())
def test_python_blocks_run(path, slow, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    for block in code_blocks(path):
        if block.lang != "python" or block.marker == NO_RUN:
            continue
        if block.marker == SLOW and not slow:
            break  # later blocks may build on this one
        exec(compile(block.code, f"{block.page}:{block.line}", "exec"), namespace)


def test_markers_are_known():
    """A mistyped marker would silently run (or skip) a block: only the two markers exist."""
    for path in markdown_pages():
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            comment = re.fullmatch(r"\s*<!--\s*(no-run|slow|norun|no_run|skip)\s*-->\s*", text)
            if comment:
                assert text.strip() in (NO_RUN, SLOW), f"{path.name}:{number}: unknown marker {text.strip()!r}"


# -- the command lines -------------------------------------------------------------------------------

def shell_commands(block: Block) -> list[str]:
    """The ``aekit ...`` invocations of a shell block (continuations joined, comments dropped)."""
    joined = re.sub(r"\\\n\s*", " ", block.code)
    commands = []
    for line in joined.splitlines():
        line = re.sub(r"\s#\s.*$", "", line).strip()
        found = re.search(r"(?:^|\s)(?:-m\s+)?aekit(\s.*|$)", line)
        if found and not line.startswith("#") and not line.startswith(("pip ", "make ")):
            commands.append("aekit" + found.group(1))
    return commands


def aekit_commands() -> list:
    params = []
    for path in markdown_pages():
        for block in code_blocks(path):
            if block.lang in ("sh", "bash", "console", "shell"):
                commands = shell_commands(block)
            elif not block.lang:  # a fence without a language: its lines that are aekit commands
                lines = [line for line in block.code.splitlines() if line.lstrip().startswith("aekit ")]
                commands = shell_commands(dataclasses.replace(block, code="\n".join(lines)))
            else:
                continue
            params += [pytest.param(cmd, id=f"{block.page}:{block.line}:{cmd[:60]}") for cmd in commands]
    return params


@pytest.fixture(scope="module")
def cli_root():
    import typer

    from aekit.cli import app

    return typer.main.get_command(app)


@pytest.mark.parametrize("command", aekit_commands())
def test_cli_commands_are_real(command, cli_root):
    words = shlex.split(command.replace("[", " ").replace("]", " "))[1:]
    cmd, path = cli_root, ["aekit"]
    while hasattr(cmd, "commands") and words and not words[0].startswith("-"):
        assert words[0] in cmd.commands, f"{' '.join(path)} has no command {words[0]!r} (in: {command})"
        cmd = cmd.commands[words[0]]
        path.append(words.pop(0))
    known = {opt for param in cmd.params for opt in (*param.opts, *param.secondary_opts)}
    for word in words:
        if word.startswith("-") and not re.fullmatch(r"-\d.*", word):
            option = word.split("=", 1)[0]
            assert option in known, f"`{' '.join(path)}` has no option {option} (in: {command})"


@pytest.mark.parametrize("command", aekit_commands())
def test_cli_commands_use_no_deprecated_spelling(command, cli_root):
    """A copied example must not warn: no hidden option (an old spelling) and no positional word in a
    hidden argument's place (``aekit encode MODEL rows.csv``: the old place of ``--data``)."""
    words = shlex.split(command.replace("[", " ").replace("]", " "))[1:]
    cmd, path = cli_root, ["aekit"]
    while hasattr(cmd, "commands") and words and not words[0].startswith("-"):
        cmd = cmd.commands[words[0]]
        path.append(words.pop(0))
    options = {opt: param for param in cmd.params for opt in (*param.opts, *param.secondary_opts)
               if param.param_type_name == "option"}
    arguments = [param for param in cmd.params if param.param_type_name == "argument"]
    while words:
        word = words.pop(0)
        if word.startswith("-") and not re.fullmatch(r"-\d.*", word):
            option = options.get(word.split("=", 1)[0])
            assert option is None or not option.hidden, f"`{' '.join(path)}` {word} is an old spelling (in: {command})"
            if option is not None and not option.is_flag and not option.count and "=" not in word and words:
                words.pop(0)  # its value
        elif arguments:
            argument = arguments.pop(0)
            assert not getattr(argument, "hidden", False), (
                f"`{' '.join(path)}` {word!r} stands in the old place of an option (in: {command})")


def test_every_public_name_has_an_api_page():
    """A class or function exported by ``aekit`` is rendered by a ``::: module[.Name]`` line of docs/api/."""
    import importlib

    import aekit

    rendered = set()
    for page in (ROOT / "docs" / "api").rglob("*.md"):
        rendered |= set(re.findall(r"^::: (\S+)", page.read_text(encoding="utf-8"), flags=re.M))
    missing = []
    for name in aekit.__all__:
        if name.startswith("_"):
            continue
        module = getattr(aekit, name).__module__
        if f"{module}.{name}" not in rendered and module not in rendered:
            missing.append(f"{name} ({module})")
    assert not missing, f"not in the API reference (add a `::: module.Name` line under docs/api/): {missing}"
    for target in rendered:  # and every directive names something real
        module, _, attr = target.rpartition(".")
        try:
            importlib.import_module(target)
        except ImportError:
            assert hasattr(importlib.import_module(module), attr), f"::: {target} names nothing"


def test_the_pages_have_examples():
    """The runner finds what it should: the README and the guide run Python, and check commands."""
    assert any(p.id == "README.md" for p in python_pages())
    assert len(python_pages()) >= 8
    assert len(aekit_commands()) >= 30
