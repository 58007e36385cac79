"""``rulelang check``, run in-process over the fixture files (good and bad ones)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rulelang.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).parents[1] / "examples"
DIAGNOSTIC = re.compile(r"^(?P<path>[^\s:]+):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>E\d{3})\] ", re.M)
ANSI = "\x1b["


def cli(*argv: str | Path) -> tuple[int, str]:
    out = io.StringIO()
    code = main([str(a) for a in argv], out=out)
    return code, out.getvalue()


def diagnostics(text: str) -> list[tuple[str, int, int, str]]:
    return [(m["path"], int(m["line"]), int(m["col"]), m["code"]) for m in DIAGNOSTIC.finditer(text)]


def check_json(*argv: str | Path) -> tuple[int, dict]:
    code, text = cli("check", "--format", "json", *argv)
    return code, json.loads(text)


class FakeStdin:
    """Stands in for ``sys.stdin``: the CLI reads bytes from ``.buffer``."""

    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


# -- rule files -----------------------------------------------------------------------


def test_a_file_of_good_rules_checks_clean_with_exit_0():
    code, text = cli("check", FIXTURES / "good.rl")
    assert code == 0
    assert diagnostics(text) == []
    assert "All 3 rules parse." in text


def test_a_bad_rule_line_gets_a_located_diagnostic_with_source_line_and_caret():
    path = FIXTURES / "bad.rl"
    code, text = cli("check", path)
    assert code == 1
    # 'second: at_least1red' on line 3: the rule text starts at column 9, after the label.
    assert f"{path}:3:9: error[E001]" in text
    assert "3 | second: at_least1red\n" in text
    assert "\n" + " " * len("3 | second: ") + "^" in text


def test_every_bad_rule_line_is_reported_not_only_the_first():
    code, text = cli("check", FIXTURES / "bad.rl")
    assert [(line, c) for _, line, _, c in diagnostics(text)] == [(3, "E001"), (5, "E101")]


def test_the_good_rules_around_a_bad_line_are_still_checked_against_the_scenes():
    code, report = check_json(FIXTURES / "bad.rl", FIXTURES / "table.txt")
    assert code == 1
    assert [r["name"] for r in report["rules"]] == ["first", "third"]
    assert all(r["explains"] is not None for r in report["rules"])


def test_the_closing_line_counts_errors_and_the_files_they_are_in():
    code, text = cli("check", FIXTURES / "bad.rl", FIXTURES / "bad_scenes.txt")
    found = diagnostics(text)
    n_files = len({p for p, *_ in found})
    assert text.rstrip().endswith(f"Found {len(found)} errors in {n_files} files.")


def test_the_dialect_option_rejects_rules_outside_the_paper_s_language(tmp_path):
    rules = tmp_path / "full.rl"
    rules.write_text("not zero red\n")
    assert cli("check", rules)[0] == 0
    code, text = cli("check", "--dialect", rules)
    assert code == 1
    assert [(line, col) for _, line, col, _ in diagnostics(text)] == [(1, 1)]


# -- scene files ----------------------------------------------------------------------


def test_a_rule_falsified_by_a_labelled_scene_is_a_finding_at_the_rule_listing_the_scene():
    rules, table = FIXTURES / "good.rl", FIXTURES / "table.txt"
    code, text = cli("check", rules, table)
    assert code == 1
    # 'exactly 2 blue' (line 3) is false on 'Ab....' (line 2 of the table), labelled true.
    assert f"{rules}:3:1: error[E401]" in text
    assert f"{table}:2:1: Ab....  labelled true, the rule says false" in text


def test_rules_that_explain_a_table_give_exit_0(tmp_path):
    rules = tmp_path / "right.rl"
    rules.write_text("at_least 1 blue touching red\nright: at_least 1 red touching blue\n")
    code, text = cli("check", rules, FIXTURES / "table.txt")
    assert code == 0
    assert diagnostics(text) == []
    assert "All 2 rules explain the 5 labelled scenes." in text


def test_unlabelled_scenes_are_labelled_under_every_rule_without_findings():
    code, report = check_json(EXAMPLES / "rules.rl", EXAMPLES / "scenes.txt")
    assert code == 0
    n_scenes = len(report["scenes"])
    assert n_scenes > 0
    assert all(len(r["labels"]) == n_scenes and r["explains"] is None for r in report["rules"])


def test_bad_scene_lines_get_diagnostics_and_the_good_lines_are_still_used():
    scenes = FIXTURES / "bad_scenes.txt"
    code, text = cli("check", FIXTURES / "good.rl", scenes)
    assert code == 1
    assert [(p, line, c) for p, line, _, c in diagnostics(text) if p == str(scenes)] == [
        (str(scenes), 3, "E201"), (str(scenes), 5, "E202"), (str(scenes), 6, "E203")]
    report = check_json(FIXTURES / "good.rl", scenes)[1]
    assert [s["line"] for s in report["scenes"]] == [2, 4]


def test_a_mixed_scene_file_is_labelled_everywhere_and_compared_only_where_labelled():
    code, report = check_json(FIXTURES / "good.rl", FIXTURES / "mixed.txt")
    labelled = {s["line"] for s in report["scenes"] if s["label"] is not None}
    assert labelled and len(labelled) < len(report["scenes"])
    for rule in report["rules"]:
        assert len(rule["labels"]) == len(report["scenes"])
        assert {f["line"] for f in rule["falsified_by"]} <= labelled
    assert code == (1 if report["summary"]["contradicted"] else 0)


def test_scenes_are_drawn_in_colour_only_when_asked(monkeypatch):
    args = ("check", EXAMPLES / "rules.rl", EXAMPLES / "table.txt")
    assert ANSI in cli(*args[:1], "--color", "always", *args[1:])[1]
    assert ANSI not in cli(*args[:1], "--color", "never", *args[1:])[1]
    assert ANSI not in cli(*args)[1]  # auto, and the output is not a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    assert ANSI not in cli(*args)[1]
    assert ANSI in cli(*args[:1], "--color", "always", *args[1:])[1]  # an explicit choice wins


# -- output formats -------------------------------------------------------------------


def test_json_output_parses_and_has_one_diagnostic_per_finding():
    files = (FIXTURES / "bad.rl", FIXTURES / "bad_scenes.txt")
    n_text = len(diagnostics(cli("check", *files)[1]))
    code, report = check_json(*files)
    assert code == 1
    assert len(report["diagnostics"]) == n_text == report["summary"]["findings"]
    kinds = {d["kind"] for d in report["diagnostics"]}
    assert kinds == {"rule", "scene", "contradiction"}
    assert all({"path", "line", "column", "code", "message"} <= d.keys() for d in report["diagnostics"])


def test_quiet_mode_prints_the_findings_and_nothing_else():
    files = (FIXTURES / "bad.rl", FIXTURES / "table.txt")
    code, quiet = cli("check", "-q", *files)
    _, loud = cli("check", *files)
    assert code == 1
    assert diagnostics(quiet) == diagnostics(loud)
    assert "Found" not in quiet and "verdict" not in quiet
    assert cli("check", "-q", FIXTURES / "good.rl") == (0, "")


# -- files that cannot be read, and standard input ------------------------------------


@pytest.mark.parametrize("which", ["rules", "scenes"])
def test_a_missing_file_is_one_clear_message_and_exit_2(tmp_path, which, capsys):
    missing = tmp_path / "nope.txt"
    argv = [missing, FIXTURES / "table.txt"] if which == "rules" else [FIXTURES / "good.rl", missing]
    code, text = cli("check", *argv)
    err = capsys.readouterr().err  # an error that stops the check goes to standard error
    assert code == 2 and text == ""
    assert err.strip() == f"{missing}: error[E301] no such file"


def test_a_missing_file_in_json_mode_is_one_json_diagnostic(tmp_path):
    code, report = check_json(tmp_path / "nope.rl")
    assert code == 2
    assert [(d["kind"], d["code"]) for d in report["diagnostics"]] == [("io", "E301")]


def test_a_directory_is_one_clear_message_and_exit_2(tmp_path, capsys):
    code, text = cli("check", tmp_path)
    assert code == 2 and text == ""
    assert capsys.readouterr().err.strip() == f"{tmp_path}: error[E301] is a directory, not a file"


def test_a_file_that_is_not_utf8_is_one_clear_message_and_exit_2(capsys):
    code, text = cli("check", FIXTURES / "latin1.rl")
    err = capsys.readouterr().err
    assert code == 2 and text == ""
    assert [c for *_, c in diagnostics(err)] == ["E301"]
    assert "not UTF-8" in err and err.count("error[") == 1


def test_rules_can_come_from_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", FakeStdin(b"at_least 1 red touching blue\nexactly 9 blue\n"))
    code, text = cli("check", "-", FIXTURES / "table.txt")
    assert code == 1
    assert [(p, line, c) for p, line, _, c in diagnostics(text)] == [("<stdin>", 2, "E101")]


def test_scenes_can_come_from_standard_input(monkeypatch):
    table = FIXTURES / "table.txt"
    code, text = cli("check", FIXTURES / "good.rl", table)
    monkeypatch.setattr("sys.stdin", FakeStdin(table.read_bytes()))
    assert cli("check", FIXTURES / "good.rl", "-") == (code, text.replace(str(table), "<stdin>"))


def test_standard_input_cannot_stand_for_both_files(capsys):
    code, _ = cli("check", "-", "-")
    assert code == 2
    assert "standard input" in capsys.readouterr().err


def test_unknown_options_are_a_usage_error_with_exit_2(capsys):
    assert cli("check", "--frobnicate", FIXTURES / "good.rl")[0] == 2
    assert "usage" in capsys.readouterr().err


# -- the examples the README shows ---------------------------------------------------


def test_the_quick_start_example_shows_rules_that_explain_the_table_and_rules_it_falsifies():
    code, report = check_json(EXAMPLES / "rules.rl", EXAMPLES / "table.txt")
    verdicts = {r["name"]: r["explains"] for r in report["rules"]}
    assert code == 1  # some example rules are falsified, on purpose
    assert verdicts["red_meets_blue"] is True and verdicts["mixed"] is False
    assert report["diagnostics"] and {d["kind"] for d in report["diagnostics"]} == {"contradiction"}
    assert len(report["scenes"]) >= 10 and report["summary"]["labelled"] == len(report["scenes"])


def test_the_example_rule_file_is_already_in_canonical_form():
    assert cli("fmt", "--check", EXAMPLES / "rules.rl")[0] == 0


def test_checking_a_small_file_starts_fast_without_numba_or_the_search_layer():
    # A cold process pays ~0.7 s to import Numba and load its cached kernels; a small check
    # must not (the reference evaluator labels it faster). Only a fresh process can tell.
    code = ("import io, sys; from rulelang.cli import main; "
            f"main(['check', {str(EXAMPLES / 'rules.rl')!r}, {str(EXAMPLES / 'table.txt')!r}], out=io.StringIO()); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'numba', 'networkx', 'search', 'interp', 'torch'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("scenes", ["table.txt", "mixed.txt"])
def test_the_compiled_and_reference_engines_print_the_same_report(scenes):
    compiled = cli(FIXTURES / "good.rl", FIXTURES / scenes, "--engine", "compiled", "--color", "never")
    reference = cli(FIXTURES / "good.rl", FIXTURES / scenes, "--engine", "reference", "--color", "never")
    assert compiled == reference
    assert check_json(FIXTURES / "good.rl", FIXTURES / scenes, "--engine", "compiled")[1]["summary"]["engine"] == "compiled"


# -- big tables ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """40 rules and 3,000 labelled scenes (labelled by 'at_least 1 red'; duplicates agree)."""
    import numpy as np

    from rulelang.enumerate import dialect_rules
    from rulelang.printer import format_rule
    from rulelang.reference import evaluate
    from rulelang.universe import ODEEN

    rng = np.random.default_rng(3)
    d = tmp_path_factory.mktemp("big")
    rules = [format_rule(r) for r in np.array(dialect_rules(), dtype=object)[rng.choice(24_794, 40)]]
    (d / "rules.rl").write_text("\n".join(rules) + "\n")
    scenes = [ODEEN.format_scene(s) for s in ODEEN.all_scenes()[rng.integers(0, ODEEN.n_scenes, 3_000)]]
    (d / "table.txt").write_text("".join(f"{s} {str(evaluate(parse_rule('at_least 1 red'), s)).lower()}\n"
                                         for s in scenes))
    return d


def parse_rule(text):
    from rulelang.parser import parse

    return parse(text)


def test_a_big_table_gets_counts_a_few_falsifiers_per_rule_and_no_scene_matrix(big):
    code, text = cli("check", big / "rules.rl", big / "table.txt")
    assert code == 1
    assert "the scene matrix is not drawn: 3,000 scenes x 40 rules" in text
    assert re.search(r"\.\.\. and [\d,]+ more \(-v shows up to 20\)", text)
    assert text.count("labelled true, the rule says") + text.count("labelled false, the rule says") <= 3 * 40
    assert len(text) < 40 * 1_500


def test_json_on_a_big_table_counts_every_falsifier_and_lists_the_first_twenty(big):
    code, report = check_json(big / "rules.rl", big / "table.txt")
    for rule in report["rules"]:
        assert len(rule["falsified_by"]) == min(20, rule["falsified_count"])
        assert len(rule["labels"]) == 3_000
    contradictions = [d for d in report["diagnostics"] if d["kind"] == "contradiction"]
    assert all(len(d["falsified_by"]) == min(20, d["falsified_count"]) for d in contradictions)
    assert report["summary"]["labels_listed"] is True


def test_json_leaves_out_the_labels_past_a_million(big, monkeypatch):
    import rulelang.cli.check

    monkeypatch.setattr(rulelang.cli.check, "JSON_LABELS", 1_000)
    _, report = check_json(big / "rules.rl", big / "table.txt")
    assert report["summary"]["labels_listed"] is False
    assert all(r["labels"] is None and r["true_count"] >= 0 for r in report["rules"])
