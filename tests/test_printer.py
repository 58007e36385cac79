"""The canonical printer: the parser's inverse, with one spelling per rule."""

from __future__ import annotations

import re

import pytest
from hypothesis import given

from rulelang import strategies as rs
from rulelang.errors import RulelangError
from rulelang.parser import parse
from rulelang.printer import format_rule


def assert_canonical_spacing(text: str) -> None:
    assert text == text.strip()
    assert "  " not in text and "\t" not in text and "\n" not in text
    assert "( " not in text and " )" not in text
    # Every word stands alone: no word touches a parenthesis on its outer side.
    assert not re.search(r"[^\s(]\(|\)[^\s)]", text), text


@given(rs.rules())
def test_printing_then_parsing_gives_back_the_same_rule(rule):
    assert parse(format_rule(rule)) == rule


@given(rs.dialect_rules())
def test_a_printed_dialect_rule_is_a_dialect_rule(rule):
    assert parse(format_rule(rule), dialect=True) == rule


@given(rs.rules())
def test_printed_rules_are_spaced_canonically(rule):
    assert_canonical_spacing(format_rule(rule))


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("zero  red", "zero red"),
        ("((zero red))", "zero red"),
        ("not (zero red or zero blue)", "not (zero red or zero blue)"),
        ("not (not zero red)", "not not zero red"),
        ("zero red or (zero blue and zero block)", "zero red or zero blue and zero block"),
        ("(zero red or zero blue) and zero block", "(zero red or zero blue) and zero block"),
        ("zero red and (zero blue and zero block)", "zero red and (zero blue and zero block)"),
        ("(zero red and zero blue) and zero block", "zero red and zero blue and zero block"),
        ("zero red or (zero blue or zero block)", "zero red or (zero blue or zero block)"),
        ("not (at_least 1 red touching blue)", "not at_least 1 red touching blue"),
        ("exactly 02 blue  pyramid pointing_up\n# why\n", "exactly 2 blue pyramid pointing_up"),
        ("( not zero red ) and not ( at_most 3 block surrounded_by red or zero blue )",
         "not zero red and not (at_most 3 block surrounded_by red or zero blue)"),
    ],
)
def test_fixtures_print_canonically_and_parse_back(text, canonical):
    rule = parse(text)
    assert format_rule(rule) == canonical
    assert parse(canonical) == rule


@given(rs.rule_texts())
def test_formatting_generated_text_is_idempotent(text):
    # No semantic pass: a count beyond the scene still has one canonical spelling.
    rule = parse(text, check=False)
    once = format_rule(rule)
    assert_canonical_spacing(once)
    assert parse(once, check=False) == rule
    assert format_rule(parse(once, check=False)) == once


@given(rs.rule_texts())
def test_the_printed_text_is_exactly_as_meaningful_as_the_original(text):
    try:
        rule = parse(text)
    except RulelangError as err:
        with pytest.raises(RulelangError) as again:
            parse(format_rule(parse(text, check=False)))
        assert again.value.code == err.code
    else:
        assert parse(format_rule(rule)) == rule
