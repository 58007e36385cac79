"""``rulelang fmt RULES...``: rewrite rule files in canonical form.

Every good rule is printed canonically (single spaces, only the parentheses the tree needs);
comments, labels, blank lines and lines that do not parse are kept as written, so running
``fmt`` never loses anything. Files are rewritten atomically and only when they change.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from . import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from .common import (add_language_options, add_output_options, add_universe_option, dump_json, error_line,
                     universe_from, use_color)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fmt", help="rewrite rule files in canonical form",
        description="Rewrite each rule file with every rule in canonical form; comments, labels, "
                    "blank lines and lines with errors stay as written. '-' reads standard input "
                    "and writes the result to standard output. Exit 1 when a file has errors (its "
                    "good lines are still formatted) or, with --check/--diff, would change.")
    p.add_argument("paths", metavar="RULES", nargs="+", help="rule files ('-' for standard input)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="write nothing; list the files that would change")
    mode.add_argument("--diff", action="store_true",
                      help="write nothing; show the changes as a unified diff")
    add_language_options(p)
    add_universe_option(p)
    add_output_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from ..errors import RulelangError
    from ..io import read_text, write_atomic
    from ..lines import line_endings
    from ..rulefile import format_rule_file, parse_rule_file

    if args.paths.count("-") > 1:
        error_line("fmt: standard input ('-') can be given once")
        return EXIT_ERROR
    dry = args.check or args.diff
    universe = universe_from(args)
    # With '-' the formatted text goes to stdout, so the report must not: it goes to stderr.
    report = sys.stderr if "-" in args.paths and not dry else out
    color = use_color(args, report)
    records: list[dict] = []
    diagnostics: list[dict] = []
    failed = 0  # files that could not be read or written

    def diagnose(kind: str, err: RulelangError) -> None:
        diagnostics.append({"kind": kind, **err.diagnostic.to_json()})
        if args.format == "text":
            report.write(err.diagnostic.render(color) + "\n")

    for path in args.paths:
        name = "<stdin>" if path == "-" else path
        try:
            text = read_text(path)
        except RulelangError as err:
            failed += 1
            diagnose("io", err)
            continue
        rf = parse_rule_file(text, name, universe=universe, dialect=args.dialect)
        for err in rf.errors:
            diagnose("rule", err)
        formatted = format_rule_file(rf, line_endings(text))  # CRLF files stay CRLF
        changed = formatted != text
        records.append({"path": name, "changed": changed, "errors": len(rf.errors)})
        if args.diff and changed:
            _write_diff(text, formatted, name, out)
        elif args.check and changed and args.format == "text":
            out.write(f"would reformat {name}\n")
        elif not dry and path == "-":
            out.write(formatted)
        elif not dry and changed:
            try:
                write_atomic(path, _bom_of(path) + formatted)
            except OSError as err:
                failed += 1
                records[-1]["unwritten"] = True
                diagnose("io", RulelangError(f"cannot write: {err.strerror or err}", code="E301", path=name,
                                             hint="the file is left as it was"))
    n_changed = sum(r["changed"] for r in records)
    n_unwritten = sum(r.get("unwritten", False) for r in records)
    if args.format == "json":
        dump_json({"diagnostics": diagnostics, "files": records,
                   "summary": {"files": len(records), "changed": n_changed, "written": not dry,
                               "unwritten": n_unwritten, "unreadable": failed - n_unwritten,
                               "findings": len(diagnostics)}}, report)
    elif not args.quiet and report is out and (records or failed):
        report.write(_summary(records, n_changed, dry, len(diagnostics) - failed, n_unwritten,
                              failed - n_unwritten) + "\n")
    if failed:
        return EXIT_ERROR
    if diagnostics or (dry and n_changed):
        return EXIT_FINDINGS
    return EXIT_OK


def _summary(records: list[dict], n_changed: int, dry: bool, n_errors: int, n_unwritten: int = 0,
             n_unreadable: int = 0) -> str:
    def files(n: int) -> str:
        return f"{n} file{'' if n == 1 else 's'}"

    verb = "would be reformatted" if dry else "reformatted"
    parts = [f"{files(n_changed - n_unwritten)} {verb}", f"{files(len(records) - n_changed)} already formatted"]
    if n_unwritten:
        parts.insert(0, f"{files(n_unwritten)} could not be written")
    if n_unreadable:
        parts.insert(0, f"{files(n_unreadable)} could not be read")
    text = ", ".join(parts)
    if n_errors:
        text += f"; {n_errors} line{'' if n_errors == 1 else 's'} with errors kept as written"
    return text + "."


def _bom_of(path: str) -> str:
    """The file's byte-order mark (``read_text`` drops it; a rewritten file keeps it)."""
    with open(path, "rb") as fh:
        return "\ufeff" if fh.read(3) == b"\xef\xbb\xbf" else ""


def _write_diff(old: str, new: str, name: str, out: TextIO) -> None:
    import difflib

    from ..lines import split_lines

    out.writelines(difflib.unified_diff(split_lines(old, keepends=True), split_lines(new, keepends=True),
                                        fromfile=f"{name} (original)", tofile=f"{name} (formatted)"))
    if not new.endswith("\n") or not old.endswith("\n"):
        out.write("\n")
