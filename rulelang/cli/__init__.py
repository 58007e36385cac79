"""The ``rulelang`` command: thin wiring from arguments to library calls.

Each subcommand lives in its own module of this package, with ``register(subparsers)`` and
``run(args, out) -> int``; a module imports the heavy parts of the library inside ``run``,
so that ``rulelang --help`` and quick commands start fast. The engines
(:mod:`rulelang.search`, :mod:`rulelang.interp`) are imported lazily by the subcommands that
need them; a neural command without torch installed says, in one line, how to install it.
:mod:`rulelang.cli.fuzz` is no subcommand: it drives this command line with generated inputs.

Exit codes: 0 clean, 1 findings in the input (a line of a file that does not parse, a rule
contradicted by a labelled scene), 2 usage (a RULE or SCENE argument that does not parse
included), I/O or internal error.

Where diagnostics go: an error that stops a command (a file that cannot be read, a bad
universe, an option out of range) goes to standard error, since a command's output may be
data (``graph > g.graphml``), and with ``--format json`` also as ``{"errors": [...]}`` on
standard output; the findings a command reports about its input (``check``'s, ``explain``'s,
``fmt``'s, ``eval``'s bad scenes) are its output, inside the JSON with ``--format json``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from typing import Sequence, TextIO

from .. import progress
from ..errors import ExtraMissing, RulelangError

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS = ("check", "eval", "equiv", "fmt", "enumerate", "explain", "play", "graph", "data", "train", "bench",
            "export", "render", "editor", "lsp", "universe", "serve")

#: Errors that are findings in a user's file (exit 1), like a rule that does not parse.
FINDING_CODES = frozenset({"E801"})

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: exit 2 with a one-line message
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_ERROR)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; ``only``: register just that command (what a command line naming
    it needs: building every command's options costs more than some commands' work)."""
    parser = _Parser(
        prog="rulelang",
        description="Rules about scenes of a world (Odeen by default): parse, check, search, learn.",
    )
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("rulelang")
    except PackageNotFoundError:
        ver = "unknown"
    parser.add_argument("--version", action="version", version=f"rulelang {ver}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings reach a user as one line on standard error, not as a code excerpt."""
    sys.stderr.write(f"rulelang: warning: {message}\n")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, *,
         parser: argparse.ArgumentParser | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it).

    ``parser``: one :func:`build_parser` made, for callers that run many command lines.
    """
    out = out or sys.stdout
    warnings.showwarning = _show_warning
    args = None
    try:
        if parser is None:
            words = list(sys.argv[1:] if argv is None else argv)
            parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
        args = parser.parse_args(argv)
        # Long work shows progress on standard error, unless -q.
        with progress.reporting(None if getattr(args, "quiet", False) else sys.stderr):
            return int(args.run(args, out))
    except SystemExit as exc:  # argparse --help / usage errors
        code = exc.code
        return code if isinstance(code, int) else EXIT_ERROR
    except ExtraMissing as err:  # an optional extra (torch) is not installed
        sys.stderr.write(f"rulelang: {err.one_line()}\n")
        return EXIT_ERROR
    except RulelangError as err:  # it stops the command: on standard error, as its output may be data
        sys.stderr.write(err.diagnostic.render() + "\n")
        if getattr(args, "format", None) == "json":  # a JSON reader gets JSON all the same
            from .common import dump_json

            dump_json({"errors": [err.diagnostic.to_json()]}, out)
        return EXIT_FINDINGS if err.code in FINDING_CODES else EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug of ours: one line, not a traceback, and exit 2
        sys.stderr.write(f"rulelang: internal error: {type(exc).__name__}: {exc}\n"
                         "please report it with the command that caused it\n")
        return EXIT_ERROR


def console() -> None:  # pragma: no cover - the console-script entry point
    raise SystemExit(main())
