"""Rules of any length and depth: the parser, printer, semantic pass, compiler and reference
evaluator keep their own stacks, so a rule nested far beyond Python's recursion limit is
handled like any other, and the command line never answers it with an internal error."""

from __future__ import annotations

import contextlib
import io
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from rulelang import strategies as rs
from rulelang.ast import And, Not, Obj, Or, Prop, Quantity, props, size
from rulelang.checker import compile_rules, label
from rulelang.cli import main
from rulelang.parser import check_rule, parse
from rulelang.printer import format_rule
from rulelang.reference import evaluate
from rulelang.universe import ODEEN

SCENES = ["......", "A.b..v", "BbBvAa", "vvvvvv", ".AAA..", "b.b.b.", "VaBbAv"]
DEEP = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.data_too_large])
RED, BLUE = Prop(Quantity("at_least", 1), Obj("red")), Prop(Quantity("zero"), Obj("blue", "block"))


def chain(n: int, op=And) -> object:
    rule = RED
    for i in range(n):
        rule = op(rule, RED if i % 2 else BLUE)
    return rule


def assert_labels_agree(rule, scenes=SCENES) -> None:
    glyphs = ODEEN.parse_scenes(scenes)
    assert label(rule, glyphs).tolist() == [evaluate(rule, s) for s in scenes]


def test_the_recursion_limit_is_far_below_the_depths_tested_here():
    assert sys.getrecursionlimit() < 5_000


@DEEP
@given(rs.deep_rules(min_depth=1_500, max_depth=3_000))
def test_a_deep_rule_prints_and_parses_back_to_itself(rule):
    text = format_rule(rule)
    back = parse(text)
    assert back == rule and hash(back) == hash(rule)
    assert format_rule(back) == text


@DEEP
@given(rs.deep_rules(min_depth=1_500, max_depth=3_000))
def test_the_compiled_checker_labels_deep_rules_as_the_reference_does(warm_kernels, rule):
    assert_labels_agree(rule)
    check_rule(rule)


@pytest.mark.slow
def test_a_chain_of_100000_ands_is_parsed_printed_checked_compiled_and_evaluated():
    text = " and ".join(["at_least 1 red", "zero blue block"] * 50_000)
    rule = parse(text)
    assert format_rule(rule) == text
    assert rule == chain(99_999) and hash(rule) == hash(chain(99_999))
    assert size(rule) == 99_999 + 50_000 * 3 + 50_000 * 3
    assert sum(1 for _ in props(rule)) == 100_000
    assert_labels_agree(rule, SCENES[:3])


@pytest.mark.parametrize("build", [
    lambda n: chain(n, Or),
    lambda n: _right(n),
    lambda n: _nots(n),
], ids=["or-chain", "right-nested", "not-tower"])
def test_rules_20000_levels_deep_of_every_shape_round_trip_and_label(warm_kernels, build):
    rule = build(20_000)
    text = format_rule(rule)
    assert_labels_agree(rule)
    check_rule(rule)
    if not isinstance(rule, Not):
        assert parse(text) == rule


def _right(n: int):
    rule = RED
    for i in range(n):
        rule = And(BLUE if i % 2 else RED, rule)
    return rule


def _nots(n: int):
    rule = RED
    for _ in range(n):
        rule = Not(rule)
    return rule


def test_parentheses_and_nots_100000_deep_parse():
    assert parse("(" * 100_000 + "zero red" + ")" * 100_000) == Prop(Quantity("zero"), Obj("red"))
    rule = parse("not " * 100_000 + "zero red")
    assert format_rule(rule) == "not " * 100_000 + "zero red"
    assert evaluate(rule, "A.....") is False and evaluate(rule, "......") is True  # even: no-op


def test_a_chain_of_ands_needs_one_temporary_row_however_long_it_is():
    assert compile_rules([chain(10_000)]).n_temps <= 1
    assert compile_rules([_right(10_000)]).n_temps <= 1
    assert compile_rules([_nots(10_000)]).n_temps <= 1


def test_temporaries_are_reused_in_bushy_rules_too(warm_kernels):
    bush = RED
    for i in range(12):  # a balanced tree of 4,096 propositions: log-many temporaries
        bush = (And if i % 2 else Or)(bush, bush)
    assert compile_rules([bush]).n_temps <= 13
    assert_labels_agree(bush)


def test_a_huge_count_is_reported_not_converted():
    from rulelang.errors import RulelangError

    err = pytest.raises(RulelangError, parse, "at_least " + "9" * 5_000 + " red").value
    assert err.code == "E101" and (err.line, err.column) == (1, 10)
    assert "5,000 digits" in err.message and len(str(err)) < 1_000


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(argv), out=out)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def deep_file(tmp_path):
    n = 1_000
    lines = ["zero  red", " and ".join(["at_least 1 red"] * n), "(" * n + "zero red" + ")" * n,
             "not " * n + "zero red", "exactly 2   blue"]
    path = tmp_path / "deep.rl"
    path.write_text("\n".join(lines) + "\n")
    return path, lines


def test_check_judges_long_rules_among_the_others(deep_file):
    path, _ = deep_file
    code, out, err = run_cli("check", str(path), "examples/table.txt", "-q")
    assert "internal error" not in err and code in (0, 1)
    assert "error[E" in out or code == 0


def test_fmt_formats_every_line_of_a_file_with_long_rules(deep_file):
    path, lines = deep_file
    code, _, err = run_cli("fmt", str(path))
    assert code == 0 and "internal error" not in err
    formatted = path.read_text().splitlines()
    assert formatted[0] == "zero red" and formatted[-1] == "exactly 2 blue"
    assert formatted[1] == lines[1] and formatted[2] == "zero red"


@pytest.mark.parametrize("argv", [
    ["eval", " or ".join(["zero red"] * 2_000), "A.....", "......"],
    ["equiv", " and ".join(["at_least 1 red"] * 2_000), "at_least 1 red"],
    ["eval", "(" * 3_000 + "zero red" + ")" * 3_000, "A....."],
])
def test_eval_and_equiv_take_long_rules(warm_kernels, argv):
    code, out, err = run_cli(*argv)
    assert code == 0 and "internal error" not in err, err
    assert len(out) < 2_000  # long rules are shortened when echoed


def test_the_labels_of_a_long_rule_come_out_of_eval_exactly(warm_kernels):
    code, out, _ = run_cli("eval", " or ".join(["zero red"] * 2_000), "A.....", "......")
    assert out.splitlines() == ["A.....  false", "......  true"]


def test_a_long_rule_compiles_to_the_same_labels_in_a_batch_with_others(warm_kernels):
    rules = [chain(5_000), RED, _right(3_000), Not(chain(2_000, Or))]
    glyphs = ODEEN.parse_scenes(SCENES)
    expected = np.array([[evaluate(r, s) for s in SCENES] for r in rules])
    assert (label(rules, glyphs) == expected).all()
