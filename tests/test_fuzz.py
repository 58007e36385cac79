"""Fuzzing: whatever text comes in, the only exception that comes out is ours, well placed."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulelang import strategies as rs
from rulelang.enumerate import dialect_rules
from rulelang.errors import RulelangError
from rulelang.lines import split_lines
from rulelang.parser import parse
from rulelang.printer import format_rule
from rulelang.rulefile import parse_rule_file
from rulelang.scenefile import parse_scene_file
from rulelang.universe import ODEEN

PARSE_CODES = {"E001", "E002", "E003", "E004", "E101", "E102", "E103"}
SCENE_CODES = {"E201", "E202", "E203", "E204"}

DIALECT_TEXTS = [format_rule(r) for r in dialect_rules()]

# Characters that matter to the lexer (separators, comment, parentheses, digits, parts of
# words) and some that are merely odd (line breaks Python knows but Lark does not).
INTERESTING = st.one_of(
    st.sampled_from(list(" \t\n\r\f\v()#_0123456789abdeilnoprstuvyzABV.\x00\x85\u2028\u00a0é")),
    st.characters(),
)
WORDS = sorted(ODEEN.words) + ["0", "1", "2", "3", "7", "(", ")", "#", "Red", "pyramids", "touching_"]


def assert_well_placed(err: RulelangError, text: str, codes: set[str]) -> None:
    """The error's code is one we document, and its position lies within ``text``."""
    assert err.code in codes, err
    # Lines as Lark counts them: only "\n" ends a line.
    lines = text.split("\n")
    assert err.line is not None and 1 <= err.line <= len(lines), (err.line, err)
    line = lines[err.line - 1]
    assert err.column is not None and 1 <= err.column <= len(line) + 1, (err.column, line, err)
    if err.end_column is not None:
        assert err.column < err.end_column <= len(line) + 2, (err.end_column, line, err)
    if err.source_line is not None:
        assert err.source_line == line, (err.source_line, line)
    str(err)  # renders


def parse_or_our_error(text: str, dialect: bool) -> None:
    try:
        parse(text, dialect=dialect)
    except RulelangError as err:
        assert_well_placed(err, text, PARSE_CODES)


@st.composite
def mutated(draw, texts: list[str]) -> str:
    """A rule with a few characters or words inserted, deleted, swapped or replaced."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, 4))):
        words = text.split(" ")
        op = draw(st.sampled_from(["insert", "delete", "swap", "drop-word", "repeat-word",
                                   "swap-words", "replace-word"]))
        if op in ("insert", "delete", "swap") and text:
            i = draw(st.integers(0, len(text) - 1))
            if op == "insert":
                text = text[:i] + draw(INTERESTING) + text[i:]
            elif op == "delete":
                text = text[:i] + text[i + 1:]
            elif i + 1 < len(text):
                text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        elif words:
            i, j = draw(st.integers(0, len(words) - 1)), draw(st.integers(0, len(words) - 1))
            if op == "drop-word":
                del words[i]
            elif op == "repeat-word":
                words.insert(i, words[j])
            elif op == "swap-words":
                words[i], words[j] = words[j], words[i]
            else:
                words[i] = draw(st.sampled_from(WORDS))
            text = " ".join(words)
    return text


@pytest.mark.parametrize("dialect", [False, True], ids=["full", "dialect"])
@given(data=st.binary(max_size=80))
def test_random_bytes_decoded_either_way_raise_only_our_error(dialect, data):
    for text in (data.decode("latin-1"), data.decode("utf-8", errors="replace")):
        parse_or_our_error(text, dialect)


@pytest.mark.parametrize("dialect", [False, True], ids=["full", "dialect"])
@given(text=mutated(DIALECT_TEXTS))
def test_mutated_dialect_rules_parse_or_raise_only_our_error(dialect, text):
    parse_or_our_error(text, dialect)


@given(text=rs.rule_texts().flatmap(lambda t: mutated([t])))
def test_mutated_generated_rules_parse_or_raise_only_our_error(text):
    parse_or_our_error(text, dialect=False)


@pytest.mark.parametrize(
    "text",
    ["zero red\rand blu", "zero\fred\fand", "zero red # a\vb\nand", "zero red and\n\n",
     "zero red and\n# the end", "\n\nat_least 1 red touching\n  # nothing follows"],
)
def test_odd_line_breaks_and_trailing_lines_keep_the_error_within_the_text(text):
    parse_or_our_error(text, dialect=False)


def test_an_unexpected_end_points_just_past_the_last_word_even_before_trailing_comments():
    err = pytest.raises(RulelangError, parse, "zero red and\n  # more to come\n\n").value
    assert (err.code, err.line, err.column) == ("E002", 1, 13)


# -- scenes ---------------------------------------------------------------------------------


@given(st.one_of(st.text(max_size=9), st.text(alphabet=ODEEN.glyphs + "xX .#", max_size=8)))
def test_any_scene_text_parses_or_raises_only_our_error_at_a_column_within_it(text):
    try:
        codes = ODEEN.parse_scene(text)
    except RulelangError as err:
        assert err.code in {"E201", "E202"}, err
        assert 1 <= err.column <= len(text) + 1
    else:
        assert ODEEN.format_scene(codes) == text


LINE = st.one_of(
    rs.scenes(),
    st.builds(lambda s, label: f"{s} {label}", rs.scenes(), st.sampled_from(["true", "false", "True", "ture", "maybe"])),
    st.text(alphabet=ODEEN.glyphs + " \ttrufalse#x", max_size=16),
    st.text(max_size=12),
)


@given(st.lists(LINE, max_size=12).map("\n".join))
def test_scene_files_never_raise_and_place_every_error_on_one_of_their_lines(text):
    result = parse_scene_file(text, "fuzz.scenes")
    lines = split_lines(text)
    for err in result.errors:
        assert err.code in SCENE_CODES and err.path == "fuzz.scenes"
        assert 1 <= err.line <= len(lines) and err.source_line == lines[err.line - 1]
        assert 1 <= err.column <= len(lines[err.line - 1]) + 1
    assert len(result.entries) + len(result.errors) <= len(lines)


@given(st.lists(st.one_of(mutated(DIALECT_TEXTS), st.sampled_from(DIALECT_TEXTS),
                          st.builds("{}: {}".format, st.sampled_from(["a", "b", "x-1"]),
                                    st.sampled_from(DIALECT_TEXTS)),
                          st.text(max_size=12)),
                max_size=8).map("\n".join))
def test_rule_files_never_raise_and_place_every_error_on_one_of_their_lines(text):
    result = parse_rule_file(text, "fuzz.rl")
    lines = split_lines(text)
    for err in result.errors:
        assert re.fullmatch(r"E\d{3}", err.code) and err.path == "fuzz.rl"
        assert 1 <= err.line <= len(lines) and err.source_line == lines[err.line - 1]
        assert 1 <= err.column <= len(lines[err.line - 1]) + 1, (err, lines[err.line - 1])
    for entry in result.entries:
        assert parse(entry.text) == entry.rule
