"""The ``aekit`` command: this module assembles the typer app from one module
per command group and holds the entry point :func:`main`.

- :mod:`aekit.cli.train`: ``datasets``, ``train``, ``encode``, ``reconstruct``, ``export``, ``evaluate``;
- :mod:`aekit.cli.compare`: ``compare`` and ``demo`` (the side-by-side report);
- :mod:`aekit.cli.detect`: ``detect fit / score / report``;
- :mod:`aekit.cli.generate`: ``generate``;
- :mod:`aekit.cli.recommend`: ``recommend train / evaluate / predict / top / compare``;
- :mod:`aekit.cli.cluster`: ``cluster`` (DeepClustering: labels, model file, report);
- :mod:`aekit.cli.codec`: ``compress`` and ``decompress`` (ImageCodec streams);
- :mod:`aekit.cli.complete`: ``complete`` (missing cells of a table, holes in images);
- :mod:`aekit.cli.serve`: ``serve`` (a model file as an HTTP scoring service; the ``serve`` extra);
- :mod:`aekit.cli._common`: the console, the shared options and data loading.

A new command goes in its own module here and is registered below.
Every command has ``--help``; errors print one line to stderr and exit
non-zero (``aekit --debug ...`` shows the traceback instead).

Start-up must stay fast (``aekit --help`` well under a second): at module
level the command modules import only typer, rich, numpy and
``aekit.estimators.presets``; torch, Lightning, estimators, models,
``aekit.compare`` and viz are imported inside the commands.
"""

from __future__ import annotations

import os
import sys
from typing import Optional

import typer

from aekit.cli import cluster, codec, compare, complete, detect, generate, recommend, serve, train
from aekit.cli._common import Command, console, with_option_names

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Autoencoders of every kind: train, use and inspect them.")


def _print_version(value: bool) -> None:
    if value:
        from aekit._version import __version__

        console.print(f"aekit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
          version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print the aekit version and exit.")) -> None:
    """aekit: train, use and inspect autoencoders."""


# -- the commands, in the order `aekit --help` lists them -----------------------------

app.command()(train.datasets)
app.command()(train.train)
app.command(cls=Command)(train.encode)
app.command(cls=Command)(train.reconstruct)
app.command()(train.export)
app.command()(compare.compare)
app.command()(train.evaluate)
app.command()(compare.demo)
app.add_typer(detect.detect_app, name="detect")
app.command()(generate.generate)
app.add_typer(recommend.app, name="recommend")
app.command()(cluster.cluster)
app.command(cls=Command)(codec.compress)
app.command()(codec.decompress)
app.command()(complete.complete)
app.command()(serve.serve)


# -- entry point ----------------------------------------------------------------------

def _one_line(err: BaseException) -> str:
    text = with_option_names(" ".join(str(err).split())) or type(err).__name__
    return text if len(text) < 500 else text[:497] + "..."


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings (an id-like column, training still improving, ...) as one line each."""
    print(f"aekit: warning: {_one_line(message)}", file=sys.stderr)


def idle_threads_sleep(environ=os.environ) -> None:
    """Ask OpenMP (torch's CPU threads) to put idle threads to sleep at once.

    libgomp, the OpenMP that torch's Linux wheels use, lets a thread with no
    work spin for about 300,000 rounds before it sleeps. On a machine whose
    cores are busy with other processes the spinning threads take turns from
    the ones doing work: measured by ``benchmarks/wait_policy.py`` at 1.6-2x
    the wall time of ``aekit train`` on a loaded 2-core machine (and at
    about 0.85x on an idle one: waking a sleeping thread costs). Set before
    torch is imported (libgomp reads it when it loads); a user's own
    ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` is left as it is.

    Parameters
    ----------
    environ : mapping, default os.environ
        The environment to set ``OMP_WAIT_POLICY=PASSIVE`` in.

    Examples
    --------
    >>> env = {}
    >>> idle_threads_sleep(env); env
    {'OMP_WAIT_POLICY': 'PASSIVE'}
    >>> env = {"OMP_WAIT_POLICY": "ACTIVE"}
    >>> idle_threads_sleep(env); env
    {'OMP_WAIT_POLICY': 'ACTIVE'}
    """
    if "OMP_WAIT_POLICY" not in environ and "GOMP_SPINCOUNT" not in environ:
        environ["OMP_WAIT_POLICY"] = "PASSIVE"


def main(argv: Optional[list[str]] = None) -> None:
    """Console entry point: one clear line on error, the traceback only with --debug.

    Typer handles usage errors and ``--help`` itself (and exits); any other
    exception a command raises is turned into one line here. Idle OpenMP
    threads sleep (:func:`idle_threads_sleep`) unless the environment says otherwise.
    """
    args = sys.argv[1:] if argv is None else argv
    idle_threads_sleep()
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            app(args=args, prog_name="aekit")
    except KeyboardInterrupt:
        print("aekit: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as err:  # noqa: BLE001 - the CLI's one place that turns errors into a line
        if "--debug" in args:
            raise
        print(f"aekit: error: {_one_line(err)}", file=sys.stderr)
        sys.exit(1)
