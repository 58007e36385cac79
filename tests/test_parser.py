"""The parser: both grammars, the AST it builds, and the errors it reports."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulelang import strategies as rs
from rulelang.ast import And, Not, Obj, Or, Prop, Quantity, props
from rulelang.enumerate import dialect_rules
from rulelang.errors import RulelangError
from rulelang.parser import VOCABULARY_MARKER, _lark, grammar_source, parse
from rulelang.printer import format_rule
from rulelang.universe import ODEEN

QUANTIFIERS = ("at_least", "exactly", "at_most", "zero")
OBJECT_STARTS = ("red", "blue", "block", "pyramid")

# A world of its own: 4 cells, blocks only, one relation.
BLOCKS = dataclasses.replace(
    ODEEN, name="blocks", length=4, pieces={"R": ("red", "block"), "b": ("blue", "block")},
    shapes=("block",), orientations=(), relations=("touching",),
)


def parse_error(text: str, **kw) -> RulelangError:
    with pytest.raises(RulelangError) as info:
        parse(text, **kw)
    return info.value


# -- grammars -----------------------------------------------------------------------------


@pytest.mark.slow
def test_every_dialect_rule_parses_to_the_same_ast_under_both_grammars():
    rules = dialect_rules()
    assert len(rules) == 24_794
    for rule in rules:
        text = format_rule(rule)
        assert parse(text) == rule, text
        assert parse(text, dialect=True) == rule, text


@pytest.mark.parametrize("dialect", [False, True], ids=["full", "dialect"])
@pytest.mark.parametrize("universe", [ODEEN, BLOCKS], ids=lambda u: u.name)
def test_the_grammar_loads_in_lark_strict_mode(universe, dialect):
    # Strict mode refuses terminal collisions and grammar conflicts (it needs interegular).
    parser = _lark(universe, dialect, strict=True)
    assert parser.options.strict


@pytest.mark.parametrize("dialect", [False, True], ids=["full", "dialect"])
def test_the_vocabulary_section_of_the_grammar_file_is_generated_from_odeen(dialect):
    _, marker, vocabulary = grammar_source(dialect).partition(VOCABULARY_MARKER)
    assert marker, "the grammar file lost its vocabulary marker"
    lines = [line for line in vocabulary.splitlines()[1:] if line.strip()]
    assert lines == ODEEN.lark_vocabulary(dialect).splitlines()


def test_a_rule_parses_to_frozen_dataclasses_with_and_binding_tighter_than_or():
    rule = parse("zero red or not at_least 2 blue block touching red and exactly 1 pyramid pointing_up")
    red, blue_block = Obj("red"), Obj("blue", "block")
    assert rule == Or(
        Prop(Quantity("zero"), red),
        And(Not(Prop(Quantity("at_least", 2), blue_block, "touching", red)),
            Prop(Quantity("exactly", 1), Obj(None, "pyramid", "pointing_up"))),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.left = rule.right  # type: ignore[misc]


def test_chains_of_and_associate_to_the_left_and_parentheses_override():
    a, b, c = (Prop(Quantity("zero"), o) for o in (Obj("red"), Obj("blue"), Obj(shape="block")))
    assert parse("zero red and zero blue and zero block") == And(And(a, b), c)
    assert parse("zero red and (zero blue and zero block)") == And(a, And(b, c))
    assert parse("(zero red or zero blue) and zero block") == And(Or(a, b), c)


def test_comments_and_any_white_space_between_words_are_accepted():
    text = "  # a leading comment\n at_least\t1 red   # the count\n\r\ntouching\fblue  # end"
    expected = Prop(Quantity("at_least", 1), Obj("red"), "touching", Obj("blue"))
    assert parse(text) == expected
    assert parse(text, dialect=True) == expected


@given(rs.rules())
def test_every_proposition_carries_the_span_of_its_own_text(rule):
    text = format_rule(rule)
    for prop in props(parse(text)):
        span = prop.span
        assert span is not None and span.line == span.end_line == 1
        assert text[span.column - 1 : span.end_column - 1] == format_rule(prop)


# -- errors -------------------------------------------------------------------------------


def test_words_run_together_are_one_error_that_shows_how_to_separate_them():
    err = parse_error("at_least1red")
    assert (err.code, err.line, err.column, err.end_column) == ("E001", 1, 1, 13)
    assert err.hint == "separate words with spaces: 'at_least 1 red'"
    assert err.expected[:4] == QUANTIFIERS
    assert err.source_line == "at_least1red"


def test_an_unknown_word_gets_a_did_you_mean_and_the_words_expected_there():
    err = parse_error("at_least 1 rde")
    assert (err.code, err.line, err.column, err.end_column) == ("E001", 1, 12, 15)
    assert "unknown word 'rde'" in err.message
    assert err.hint == "did you mean 'red'?"
    assert set(OBJECT_STARTS) <= set(err.expected)


def test_an_unknown_relation_gets_a_did_you_mean():
    err = parse_error("at_least 1 red touchng blue")
    assert (err.code, err.column, err.end_column) == ("E001", 16, 23)
    assert err.hint == "did you mean 'touching'?"
    assert {"touching", "surrounded_by", "at_the_right_of", "at_the_left_of"} <= set(err.expected)


def test_an_error_on_a_later_line_is_placed_on_that_line():
    err = parse_error("zero red\nand\n  at_least 1 blu")
    assert (err.code, err.line, err.column, err.end_column) == ("E001", 3, 14, 17)
    assert err.source_line == "  at_least 1 blu"
    assert err.hint == "did you mean 'blue'?"


@pytest.mark.parametrize(
    "text, column, expected",
    [
        ("at_least 1", 11, OBJECT_STARTS),
        ("at_least 1 red touching", 24, OBJECT_STARTS),
        ("zero red and", 13, QUANTIFIERS),
        ("at_least  # the count comes next", 9, ("a number 0..6",)),
    ],
)
def test_a_rule_that_stops_too_early_is_an_unexpected_end_just_past_its_last_word(text, column, expected):
    err = parse_error(text)
    assert (err.code, err.line, err.column) == ("E002", 1, column)
    assert set(expected) <= set(err.expected)


def test_an_empty_rule_is_an_error_of_its_own():
    for text in ("", "   ", "# only a comment", "\n\n  # and another\n"):
        assert parse_error(text).code == "E004"


def test_an_unbalanced_parenthesis_is_an_error():
    assert parse_error("(zero red").code == "E002"
    err = parse_error("zero red)")
    assert (err.code, err.column) == ("E001", 9)


def test_a_count_larger_than_the_scene_is_an_error():
    err = parse_error("exactly 9 red")
    assert (err.code, err.line) == ("E101", 1)
    assert err.column <= 9 < err.end_column  # the span covers the count
    assert "9" in err.message and "6" in err.message
    assert parse("exactly 6 red") == Prop(Quantity("exactly", 6), Obj("red"))


def test_an_object_that_no_piece_matches_is_an_error():
    err = parse_error("zero block pointing_up")
    assert (err.code, err.line, err.column, err.end_column) == ("E102", 1, 6, 23)
    assert "pyramid" in err.hint


def test_check_false_skips_the_semantic_pass():
    assert parse("exactly 9 block pointing_up", check=False).quantity.n == 9


@pytest.mark.parametrize(
    "text, code, column",
    [
        ("at_least 3 red", "E001", 10),
        ("at_least 0 red", "E001", 10),
        ("not zero red", "E001", 1),
        ("(zero red)", "E003", 1),
        ("zero red and zero blue and zero block", "E001", 24),
        ("zero red or zero blue and zero block", "E001", 23),
        ("at_least 1 red touching blue and zero red", "E001", 30),
    ],
)
def test_the_dialect_refuses_what_only_the_full_language_allows(text, code, column):
    err = parse_error(text, dialect=True)
    assert (err.code, err.line, err.column) == (code, 1, column)
    parse(text)  # the full language takes it


def test_the_dialect_says_which_counts_it_allows():
    err = parse_error("exactly 3 blue", dialect=True)
    assert err.expected == ("1", "2")
    assert "1 or 2" in err.message


@given(rs.rule_texts())
def test_generated_full_language_text_parses_or_raises_our_error(text):
    try:
        parse(text)
    except RulelangError as err:
        assert err.code in ("E101", "E102"), err  # the grammar's text is syntactically right


@given(rs.rule_texts(dialect=True))
def test_generated_dialect_text_parses_under_both_grammars_to_the_same_rule(text):
    try:
        rule = parse(text, dialect=True)
    except RulelangError as err:
        assert err.code == "E102", err  # `block pointing_up`: grammatical, meaningless
        return
    assert parse(text) == rule


@given(st.text(max_size=60))
@pytest.mark.parametrize("dialect", [False, True], ids=["full", "dialect"])
def test_lark_exceptions_never_leak_from_random_text(dialect, text):
    try:
        parse(text, dialect=dialect)
    except RulelangError:
        pass


# -- a universe of one's own --------------------------------------------------------------


def test_a_custom_universe_parses_its_own_words():
    assert parse("exactly 4 red block touching blue", universe=BLOCKS) == Prop(
        Quantity("exactly", 4), Obj("red", "block"), "touching", Obj("blue")
    )
    assert parse("at_least 1 blue block or zero red", universe=BLOCKS, dialect=True)


@pytest.mark.parametrize(
    "text, code",
    [
        ("zero pyramid", "E001"),
        ("zero block pointing_up", "E001"),
        ("at_least 1 red surrounded_by blue", "E001"),
        ("exactly 5 red", "E101"),
    ],
)
def test_a_custom_universe_rejects_words_and_counts_it_does_not_have(text, code):
    assert parse_error(text, universe=BLOCKS).code == code
    parse(text, check=False)  # Odeen has those words, so the text itself is fine


@given(rs.rule_texts(BLOCKS))
def test_generated_text_of_a_custom_universe_parses_or_raises_our_error(text):
    try:
        rule = parse(text, universe=BLOCKS)
    except RulelangError as err:
        assert err.code == "E101", err  # every object of BLOCKS selects some piece
        return
    assert all(p.relation in (None, "touching") for p in props(rule))


@pytest.mark.parametrize("text, must_list", [
    ("zero red)", {"and", "or", "touching", "block", "end of rule"}),
    ("(zero red", {"and", "or", ")", "pyramid"}),
])
def test_expected_words_list_everything_that_may_follow_not_only_what_survives_reductions(text, must_list):
    with pytest.raises(RulelangError) as info:
        parse(text)
    assert must_list <= set(info.value.expected)
