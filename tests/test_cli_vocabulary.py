"""One vocabulary across the `aekit` commands.

The test walks click's command tree (what typer builds from ``aekit.cli.app``)
and fails on two spellings of one concept:

- an option name (the Python parameter) is spelled the same in every command:
  ``data`` is ``--data/-d`` wherever it appears, ``out`` is ``--out/-o``, ...;
- a long flag means one thing: ``--label`` is always the parameter ``label``;
- the output is ``--out`` and the input data ``--data`` everywhere: their
  retired spellings (``--output``, ``--onnx``, the positional INPUT / PAIRS)
  are never visible; they live on as hidden aliases that print a deprecation
  note, for a release.
"""

from __future__ import annotations

import numpy as np
import pytest
import typer
from typer.main import get_command

from aekit.cli import app, main

CONCEPTS = {  # parameter name -> its one spelling, and the spellings of the same thing it replaced
    "out": ({"--out", "-o"}, {"--output", "--onnx", "--out-dir", "--output-dir", "--dest"}),
    "data": ({"--data", "-d"}, {"--input", "--in", "--pairs", "--dataset", "--file", "--images"}),
}
DATA_ARGUMENT_NAMES = {"input", "pairs", "data", "file", "path", "table"}  # input data is --data, never positional


def _leaves(command, path=()):
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield " ".join(path), command


def _visible(command):
    return [p for p in command.params if not getattr(p, "hidden", False) and p.name != "help"]


def vocabulary_problems(typer_app: typer.Typer) -> list[str]:
    """Every place where one concept has two spellings in ``typer_app``'s commands."""
    spellings: dict[str, dict[frozenset, list[str]]] = {}
    meanings: dict[str, dict[str, list[str]]] = {}
    problems = []
    for where, command in _leaves(get_command(typer_app)):
        for param in _visible(command):
            if param.param_type_name == "argument":
                if param.name in DATA_ARGUMENT_NAMES:
                    problems.append(f"{where}: positional {param.name.upper()} is input data; spell it --data")
                continue
            flags = frozenset(param.opts + param.secondary_opts)
            spellings.setdefault(param.name, {}).setdefault(flags, []).append(where)
            for flag in flags:
                if flag.startswith("--"):
                    meanings.setdefault(flag, {}).setdefault(param.name, []).append(where)
                for concept, (wanted, retired) in CONCEPTS.items():
                    if flag in retired:
                        problems.append(f"{where}: {flag} is the old spelling of {'/'.join(sorted(wanted))}")
            if param.name in CONCEPTS and flags != CONCEPTS[param.name][0]:
                problems.append(f"{where}: {param.name} is spelled {'/'.join(sorted(flags))}, "
                                f"expected {'/'.join(sorted(CONCEPTS[param.name][0]))}")
    for name, variants in spellings.items():
        if len(variants) > 1:
            problems.append(f"{name} has {len(variants)} spellings: " + "; ".join(
                f"{'/'.join(sorted(flags))} in {', '.join(places)}" for flags, places in variants.items()))
    for flag, names in meanings.items():
        if len(names) > 1:
            problems.append(f"{flag} names {len(names)} things: " + "; ".join(
                f"{name} in {', '.join(places)}" for name, places in names.items()))
    return problems


def test_one_spelling_per_concept_across_every_command():
    assert vocabulary_problems(app) == []


def test_the_walk_finds_two_spellings_of_one_concept():
    bad = typer.Typer()

    @bad.command()
    def first(out: str = typer.Option(..., "--output", "-o"), seed: int = typer.Option(0, "--seed")):
        """(a retired spelling of --out)"""

    @bad.command()
    def second(input: str = typer.Argument(...), seed: int = typer.Option(0, "--random-seed"),
               label: str = typer.Option("", "--label"), column: str = typer.Option("", "--column")):
        """(positional data; seed spelled twice)"""

    @bad.command()
    def third(target: str = typer.Option("", "--label")):
        """(--label names another parameter)"""

    problems = "\n".join(vocabulary_problems(bad))
    assert "first: --output is the old spelling of --out/-o" in problems
    assert "second: positional INPUT is input data" in problems
    assert "seed has 2 spellings" in problems
    assert "--label names 2 things" in problems


def _run(args, capsys):
    try:
        main(args)
        code = 0
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def model_and_data(tmp_path_factory):
    from sklearn.datasets import load_digits

    from aekit import AnomalyDetector

    folder = tmp_path_factory.mktemp("vocabulary")
    X = load_digits().data[:120].astype(np.float32)
    np.save(folder / "rows.npy", X)
    detector = AnomalyDetector("ae", latent_dim=2, hidden=(16,), max_epochs=2, random_state=0, verbose=0).fit(X)
    detector.save(folder / "detector.safetensors")
    detector.estimator_.save(folder / "ae.safetensors")
    return folder


def test_old_spellings_still_work_with_a_deprecation_note(model_and_data, capsys):
    folder = model_and_data
    code, _, err = _run(["encode", str(folder / "ae.safetensors"), "--data", str(folder / "rows.npy"),
                         "--out", str(folder / "new.npy")], capsys)
    assert code == 0 and "deprecated" not in err
    code, _, err = _run(["encode", str(folder / "ae.safetensors"), str(folder / "rows.npy"),
                         "--output", str(folder / "old.npy")], capsys)
    assert code == 0
    assert "the positional INPUT is deprecated" in err and "use --data" in err
    assert "--output is deprecated" in err and "use --out" in err
    np.testing.assert_array_equal(np.load(folder / "old.npy"), np.load(folder / "new.npy"))

    code, _, err = _run(["detect", "score", str(folder / "detector.safetensors"), str(folder / "rows.npy"),
                         "-o", str(folder / "scores_old.csv"), "-q"], capsys)
    assert code == 0 and "the positional INPUT is deprecated" in err
    code, _, err = _run(["detect", "score", str(folder / "detector.safetensors"), "-d", str(folder / "rows.npy"),
                         "-o", str(folder / "scores_new.csv"), "-q"], capsys)
    assert code == 0 and "deprecated" not in err
    assert (folder / "scores_old.csv").read_text() == (folder / "scores_new.csv").read_text()


def test_a_missing_or_doubled_renamed_option_is_a_usage_error(model_and_data, capsys):
    folder = model_and_data
    code, _, err = _run(["encode", str(folder / "ae.safetensors"), "--data", str(folder / "rows.npy")], capsys)
    assert code == 2 and "--out is required" in err
    code, _, err = _run(["encode", str(folder / "ae.safetensors"), "--out", str(folder / "x.npy")], capsys)
    assert code == 2 and "--data is required" in err
    code, _, err = _run(["encode", str(folder / "ae.safetensors"), "-d", str(folder / "rows.npy"),
                         "--out", str(folder / "x.npy"), "--output", str(folder / "y.npy")], capsys)
    assert code == 2 and "give --out only" in err


def test_hidden_aliases_stay_out_of_the_help(capsys):
    code, out, _ = _run(["encode", "--help"], capsys)
    assert code == 0 and "--out" in out and "--data" in out
    assert "--output" not in out and "INPUT" not in out.split("Usage:")[1].splitlines()[0]
