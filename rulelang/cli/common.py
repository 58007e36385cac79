"""What the subcommands share: output options, colour, drawing scenes, diagnostics."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Iterable, TextIO

from ..errors import RulelangError
from ..universe import ODEEN, Universe

RESET = "\x1b[0m"

#: Terminal colours of the colour words a universe may use (a piece of another colour is
#: drawn plain). Drawing lives here, with the command line: a universe is data.
ANSI = {"red": "\x1b[31m", "blue": "\x1b[34m", "green": "\x1b[32m", "yellow": "\x1b[33m",
        "magenta": "\x1b[35m", "purple": "\x1b[35m", "cyan": "\x1b[36m", "white": "\x1b[37m",
        "black": "\x1b[90m", "grey": "\x1b[90m", "gray": "\x1b[90m", "orange": "\x1b[38;5;208m"}


def add_output_options(p: argparse.ArgumentParser, formats: Iterable[str] = ("text", "json")) -> None:
    p.add_argument("--format", choices=tuple(formats), default=tuple(formats)[0], help="output format")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour glyphs and diagnostics (auto: on a terminal, unless NO_COLOR is set)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", action="store_true", help="print only findings")
    g.add_argument("-v", "--verbose", action="store_true", help="print more detail")


def _whole(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number, not {text[:40]!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be >= {least}, not {value}")
    return value


def natural(text: str) -> int:
    """The argparse type of a count that may be 0 (a usage error otherwise, exit 2)."""
    return _whole(text, 0)


def positive(text: str) -> int:
    """The argparse type of a count of at least 1."""
    return _whole(text, 1)


def _finite(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number{what}, not {text[:40]!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive, finite number{what}, not {text[:40]}")
    return value


def seconds(text: str) -> float:
    """The argparse type of a time limit: a positive, finite number of seconds."""
    return _finite(text, " of seconds")


def rate(text: str) -> float:
    """The argparse type of a positive, finite number (a learning rate)."""
    return _finite(text, "")


#: Seeds run from 0 to 2**32 - 1: what every random generator rulelang feeds accepts.
MAX_SEED = 2**32 - 1


def seed(text: str) -> int:
    """The argparse type of every ``--seed``: an integer in ``0..MAX_SEED`` (a usage error
    otherwise, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a seed is a whole number, not {text[:40]!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"a seed lies in 0..{MAX_SEED:,} (2**32 - 1), not {text[:40]}")
    return value


def add_language_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dialect", action="store_true",
                   help="accept only the Odeen dialect of the paper (default: the full language)")


def add_universe_option(p: argparse.ArgumentParser) -> None:
    """``--universe NAME|PATH``: every command takes the world it works in the same way."""
    p.add_argument("--universe", default="odeen", metavar="NAME|PATH",
                   help="the world: a built-in name (odeen, odeen-8, odeen-10) or a universe "
                        "file (.toml); default odeen")


def universe_from(args: argparse.Namespace) -> Universe:
    """The universe ``--universe`` names (a bad file is an E801 diagnostic at its line)."""
    from ..worldfile import load_universe

    return load_universe(getattr(args, "universe", None) or "odeen")


def add_scheduler_option(p: argparse.ArgumentParser) -> None:
    """``--scheduler ADDRESS``: where the streamed exact jobs run."""
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the streamed exact jobs on the Dask cluster whose scheduler is at ADDRESS "
                        "(default: $DASK_SCHEDULER_ADDRESS if set, else in this process)")


def executor_from(args: argparse.Namespace):
    """The executor of the streamed jobs: in-process, or the Dask cluster ``--scheduler`` names."""
    from ..distributed import executor_for

    return executor_for(getattr(args, "scheduler", None))


def use_color(args: argparse.Namespace, out: TextIO) -> bool:
    choice = getattr(args, "color", "auto")
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(out, "isatty") and out.isatty()


def draw_scene(scene: str, color: bool, universe: Universe = ODEEN) -> str:
    """A scene with each piece in its colour (the glyph characters stay as typed)."""
    if not color:
        return scene
    parts = []
    for ch in scene:
        words = universe.pieces.get(ch, ())
        code = next((ANSI[w] for w in words if w in universe.colors and w in ANSI), "")
        parts.append(f"{code}{ch}{RESET}" if code else ch)
    return "".join(parts)


def plural(n: int, word: str) -> str:
    """``"1 scene"``, ``"2 scenes"``, ``"1,176 scenes"``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def print_diagnostics(errors: Iterable[RulelangError], out: TextIO, color: bool) -> int:
    """Render ``errors`` one after the other on ``out``; returns how many."""
    n = 0
    for err in errors:
        out.write(err.diagnostic.render(color) + "\n")
        n += 1
    return n


def report_errors(errors: list[RulelangError], out: TextIO, args: argparse.Namespace, color: bool,
                  **data: Any) -> None:
    """Diagnostics where they cannot corrupt the output: with ``--format json`` inside the
    JSON (``{"errors": [...], **data}``), else rendered on ``out``, the command's report."""
    if args.format == "json":
        dump_json({**data, "errors": [e.diagnostic.to_json() for e in errors]}, out)
    else:
        print_diagnostics(errors, out, color)


def writable_output(path: str) -> None:
    """Check, before any work, that an output file can be written at ``path``.

    Raises:
        RulelangError: E301 when its folder is missing or it is a folder.
    """
    from pathlib import Path

    p = Path(path)
    if p.is_dir():
        raise RulelangError("is a directory; the output must be a file", code="E301", path=path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise RulelangError(f"cannot write here: no folder {str(parent)!r}", code="E301", path=path)


def dump_json(obj: Any, out: TextIO) -> None:
    """``obj`` as indented JSON, non-ASCII text as it is, unless some string is no text (a
    file name of bytes that are not UTF-8 reaches Python as lone surrogates): then every
    non-ASCII character is escaped, so that the output stays valid UTF-8 JSON."""
    text = json.dumps(obj, indent=2, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj, indent=2)
    out.write(text + "\n")


def error_line(message: str) -> None:
    sys.stderr.write(f"rulelang: {message}\n")
