"""``rulelang check RULES [SCENES]``: parse a rule file; label scenes; judge rules on a table.

Without SCENES the rules are only parsed. With SCENES every scene is labelled under every
rule; where the scenes carry labels, each rule either explains them or is falsified, and a
falsified rule is a finding (E401) that lists the scenes falsifying it. The judging lives in
:mod:`rulelang.report`; this module only wires arguments and formats the result.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from ..errors import shorten
from ..printer import format_rule
from . import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from .common import (add_language_options, add_output_options, add_universe_option, draw_scene, dump_json,
                     error_line, plural, universe_from, use_color)

if TYPE_CHECKING:
    from ..report import CheckReport, Finding

#: A contradiction lists at most this many falsifying scenes unless ``-v`` is given (then
#: up to :data:`rulelang.report.FALSIFIER_LIMIT`).
MAX_FALSIFIERS = 3
#: The overview draws the scene x rule matrix only up to this many cells (``-v``: ten times
#: more); beyond, it is a wall of T and F nobody reads, and the JSON output has every label.
MATRIX_CELLS = 2_000
#: JSON lists every rule's label of every scene up to this many labels in all; beyond, each
#: rule carries its counts only (``labels`` is null).
JSON_LABELS = 1_000_000

GREEN, DIM, BAD, RESET = "\x1b[32m", "\x1b[2m", "\x1b[1;31m", "\x1b[0m"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check", help="check a rule file, and judge its rules on scenes",
        description="Parse every rule of RULES (one per line, optional 'name:' label, '#' comments). "
                    "With SCENES (one scene per line, optionally followed by true/false), label every "
                    "scene under every rule and report, for labelled scenes, which rules explain them "
                    "and which scenes falsify the others. Exit 1 on any finding (a bad line, a "
                    "falsified rule), 2 when a file cannot be read.")
    p.add_argument("rules", metavar="RULES", help="rule file ('-' for standard input)")
    p.add_argument("scenes", metavar="SCENES", nargs="?", help="scene file ('-' for standard input)")
    p.add_argument("--engine", choices=("auto", "compiled", "reference"), default="auto",
                   help="who labels the scenes: the compiled checker, the reference evaluator, or "
                        "auto (the reference for tiny batches, where importing Numba would cost more "
                        "than it saves; both are exact and tested to agree)")
    add_language_options(p)
    add_universe_option(p)
    add_output_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from ..errors import RulelangError
    from ..io import read_text
    from ..report import check

    if args.rules == "-" and args.scenes == "-":
        error_line("check: standard input ('-') can stand for one file only")
        return EXIT_ERROR
    color = use_color(args, out)
    universe = universe_from(args)
    try:
        rules_text = read_text(args.rules)
        scenes_text = None if args.scenes is None else read_text(args.scenes)
    except RulelangError as err:
        if args.format == "json":
            dump_json({"diagnostics": [{"kind": "io", **err.diagnostic.to_json()}]}, out)
        else:  # it stops the check: standard error, as any error that stops a command
            sys.stderr.write(err.diagnostic.render(use_color(args, sys.stderr)) + "\n")
        return EXIT_ERROR
    report = check(rules_text, _name(args.rules), scenes_text, _name(args.scenes),
                   universe=universe, dialect=args.dialect, engine=args.engine)
    findings = report.findings() if args.format == "json" or args.verbose else report.findings(MAX_FALSIFIERS)
    if args.format == "json":
        dump_json(_json(report, findings), out)
    else:
        _text(report, findings, args, out, color)
    return EXIT_FINDINGS if findings else EXIT_OK


def _name(path: str | None) -> str:
    return "<stdin>" if path == "-" else str(path)


# -- text -------------------------------------------------------------------------------


def _text(report: CheckReport, findings: list[Finding], args: argparse.Namespace, out: TextIO,
          color: bool) -> None:
    from ..report import FALSIFIER_LIMIT

    quiet, verbose = args.quiet, args.verbose
    if not quiet:
        _overview(report, out, color, verbose)
    for f in findings:
        out.write(f.error.diagnostic.render(color) + "\n")
        if f.falsifiers:
            shown = f.falsifiers if verbose else f.falsifiers[:MAX_FALSIFIERS]
            out.write("  = falsified by:\n")
            for s in shown:
                out.write(f"      {s.path}:{s.line}:{s.column}: {draw_scene(s.scene, color)}  "
                          f"labelled {str(s.expected).lower()}, the rule says {str(s.got).lower()}\n")
            if len(shown) < f.n_falsifiers:
                more = "" if verbose else f" (-v shows up to {FALSIFIER_LIMIT})"
                out.write(f"      ... and {f.n_falsifiers - len(shown):,} more{more}\n")
        out.write("\n")
    if quiet:
        return
    if findings:
        n_files = len({f.error.path for f in findings})
        out.write(f"Found {plural(len(findings), 'error')} in {plural(n_files, 'file')}.\n")
    elif not report.results:
        out.write(f"No rules in {report.rule_file.path}.\n")
    elif report.scene_file is None:
        out.write(f"All {plural(len(report.results), 'rule')} parse.\n")
    elif report.n_labelled:
        out.write(f"All {plural(len(report.results), 'rule')} explain the "
                  f"{plural(report.n_labelled, 'labelled scene')}.\n")
    else:
        out.write(f"No errors: {plural(len(report.results), 'rule')} labelled "
                  f"{plural(len(report.scene_file.entries), 'scene')}.\n")


def _overview(report: CheckReport, out: TextIO, color: bool, verbose: bool) -> None:
    rf, sf = report.rule_file, report.scene_file
    head = f"{rf.path}: {plural(len(rf.entries), 'rule')}"
    if rf.errors:
        head += f", {plural(len(rf.errors), 'bad line')}"
    if sf is not None:
        n, k = len(sf.entries), report.n_labelled
        labelled = "all labelled (a table)" if sf.is_table else f"{k:,} labelled" if k else "unlabelled"
        head += f"; {sf.path}: {plural(n, 'scene')}, {labelled}"
        if sf.errors:
            head += f", {plural(len(sf.errors), 'bad line')}"
    out.write(head + "\n")
    if sf is None and not verbose:
        out.write("\n")
        return
    _rule_table(report, out, color)
    if sf is not None and sf.entries and report.results:
        cells = len(sf.entries) * len(report.results)
        if cells <= MATRIX_CELLS * (10 if verbose else 1):
            _scene_matrix(report, out, color)
        else:
            where = "; --format json lists every label" if cells <= JSON_LABELS else ""
            out.write(f"\n(the scene matrix is not drawn: {plural(len(sf.entries), 'scene')} x "
                      f"{plural(len(report.results), 'rule')}{where})\n")
    out.write("\n")


def _rule_table(report: CheckReport, out: TextIO, color: bool) -> None:
    results = report.results
    if not results:
        return
    scenes = report.scene_file.entries if report.scene_file is not None else []
    rows = []
    for i, r in enumerate(results, start=1):
        e = r.entry
        title = shorten(f"{e.name}: {format_rule(e.rule)}" if e.name else format_rule(e.rule), 200)
        cells = [str(i), str(e.line)]
        if scenes:
            cells.append(f"{r.n_true}/{len(scenes)}")
        if report.n_labelled:
            verdict = "explains" if r.explains else f"falsified by {r.n_falsified:,}"
            cells.append(verdict)
        rows.append((cells, title, r.explains))
    header = ["#", "line"] + (["true"] if scenes else []) + (["verdict"] if report.n_labelled else [])
    widths = [max(len(h), *(len(c[k]) for c, _, _ in rows)) for k, h in enumerate(header)]
    out.write("\n" + "  ".join(h.rjust(w) if k < 2 else h.ljust(w) for k, (h, w) in enumerate(zip(header, widths)))
              + "  rule\n")
    for cells, title, explains in rows:
        parts = [c.rjust(w) if k < 2 else c.ljust(w) for k, (c, w) in enumerate(zip(cells, widths))]
        if report.n_labelled and color:
            parts[-1] = f"{GREEN if explains else BAD}{parts[-1]}{RESET}"
        out.write("  ".join(parts) + f"  {title}\n")


def _scene_matrix(report: CheckReport, out: TextIO, color: bool) -> None:
    """One line per scene: where it is, the scene, its label, and each rule's label (T/F)."""
    sf = report.scene_file
    assert sf is not None
    n_rules = len(report.results)
    cell = max(3, len(str(n_rules)) + 1)
    line_w = max(4, len(str(sf.entries[-1].line)))
    labelled = report.n_labelled > 0
    head = f"{'line'.rjust(line_w)}  {'scene':<{len(sf.entries[0].scene)}}  "
    head += "label  " if labelled else ""
    head += "".join(str(i).ljust(cell) for i in range(1, n_rules + 1))
    out.write("\n" + head.rstrip() + "\n")
    for j, s in enumerate(sf.entries):
        row = f"{str(s.line).rjust(line_w)}  {draw_scene(s.scene, color)}  "
        if labelled:
            row += f"{'-' if s.label is None else str(s.label).lower():<5}  "
        for r in report.results:
            got = bool(r.labels[j])
            wrong = s.label is not None and got != s.label
            text = ("T" if got else "F") + ("!" if wrong else "")
            if color:
                style = BAD if wrong else GREEN if got else DIM
                text = f"{style}{text}{RESET}" + " " * (cell - len(text))
            else:
                text = text.ljust(cell)
            row += text
        out.write(row.rstrip() + "\n")
    if labelled:
        out.write("T/F: the rule's label of the scene; '!': it contradicts the scene's label\n")


# -- json -------------------------------------------------------------------------------


def _json(report: CheckReport, findings: list[Finding]) -> dict:
    from ..report import FALSIFIER_LIMIT

    sf = report.scene_file
    rules = []
    with_labels = sf is not None and len(sf.entries) * len(report.results) <= JSON_LABELS
    for i, r in enumerate(report.results, start=1):
        e = r.entry
        rec = {"index": i, "name": e.name, "rule": format_rule(e.rule), "text": e.text,
               "path": report.rule_file.path, "line": e.line, "column": e.column}
        if sf is not None:
            rec.update(true_count=r.n_true, labels=r.labels.tolist() if with_labels else None,
                       labelled=r.n_labelled, explains=r.explains, falsified_count=r.n_falsified,
                       falsified_by=[f.to_json() for f in r.first_falsifiers(FALSIFIER_LIMIT)])
        rules.append(rec)
    obj = {"diagnostics": [f.to_json() for f in findings], "rules": rules}
    if sf is not None:
        obj["scenes"] = [{"scene": s.scene, "path": sf.path, "line": s.line, "column": s.column,
                          "label": s.label} for s in sf.entries]
    obj["summary"] = {
        "rules": len(report.results),
        "rule_errors": len(report.rule_file.errors),
        "scenes": len(sf.entries) if sf is not None else None,
        "labelled": report.n_labelled if sf is not None else None,
        "scene_errors": len(sf.errors) if sf is not None else None,
        "explained_by": sum(r.explains is True for r in report.results) if sf is not None else None,
        "contradicted": len(report.contradicted),
        "findings": len(findings),
        "files_with_findings": len({f.error.path for f in findings}),
        "engine": report.engine,
        "labels_listed": with_labels,
        "falsifiers_listed_per_rule": FALSIFIER_LIMIT,
    }
    return obj
