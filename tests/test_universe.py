"""Universes: the world as data, scenes as strings and as glyph indices."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given

from rulelang import strategies as rs
from rulelang.errors import RulelangError
from rulelang.parser import parse
from rulelang.universe import KNOWN_RELATIONS, ODEEN


def test_odeen_has_six_cells_seven_glyphs_and_117649_scenes():
    assert (ODEEN.length, ODEEN.n_glyphs, ODEEN.n_scenes) == (6, 7, 7**6)
    assert ODEEN.glyphs == ".ABVabv"  # empty first, then the pieces in byte order
    assert ODEEN.relations == KNOWN_RELATIONS


def test_the_scenes_of_a_universe_come_in_byte_string_order():
    scenes = ODEEN.all_scenes()
    assert scenes.shape == (ODEEN.n_scenes, 6)
    assert ODEEN.format_scene(scenes[0]) == "......" and ODEEN.format_scene(scenes[-1]) == "vvvvvv"
    # Glyph indices follow byte order, so comparing rows compares the strings.
    assert list(ODEEN.glyphs) == sorted(ODEEN.glyphs)
    rows = scenes.astype(np.int64) @ (7 ** np.arange(5, -1, -1))
    assert np.array_equal(rows, np.arange(ODEEN.n_scenes))
    assert np.array_equal(ODEEN.scene_index(scenes), np.arange(ODEEN.n_scenes))


def test_the_shared_scene_array_cannot_be_written_to():
    with pytest.raises(ValueError):
        ODEEN.all_scenes()[0, 0] = 1


@given(rs.scenes())
def test_a_scene_string_survives_parsing_and_formatting(scene):
    codes = ODEEN.parse_scene(scene)
    assert codes.dtype == np.uint8 and ODEEN.format_scene(codes) == scene
    assert ODEEN.format_scene(ODEEN.all_scenes()[ODEEN.scene_index(codes)]) == scene
    assert ODEEN.piece_counts(codes[None])[0] == sum(c != "." for c in scene)


@pytest.mark.parametrize("text", ["", "A....", "A......", "AAAAAAAAAAAA"])
def test_a_scene_of_the_wrong_length_is_an_error_at_its_first_column(text):
    with pytest.raises(RulelangError) as info:
        ODEEN.parse_scene(text)
    assert (info.value.code, info.value.column) == ("E201", 1)
    assert "6" in info.value.message


@pytest.mark.parametrize("text, column", [("X.....", 1), ("..a.x.", 5), ("AAAAA ", 6), ("bbbbbB", None)])
def test_an_unknown_glyph_is_an_error_at_its_column_with_a_legend(text, column):
    if column is None:
        assert ODEEN.format_scene(ODEEN.parse_scene(text)) == text
        return
    with pytest.raises(RulelangError) as info:
        ODEEN.parse_scene(text)
    err = info.value
    assert (err.code, err.column, err.end_column) == ("E202", column, column + 1)
    assert set(err.expected) == set(ODEEN.glyphs)
    assert "'A' red pyramid pointing_up" in err.hint


def test_parse_scenes_stacks_scenes_into_a_batch():
    batch = ODEEN.parse_scenes(["......", "Ab...v"])
    assert batch.shape == (2, 6) and batch.dtype == np.uint8
    assert batch[1].tolist() == [1, 5, 0, 0, 0, 6]


@pytest.mark.parametrize(
    "words, glyphs",
    [
        (("red", None, None), "ABV"),
        ((None, "pyramid", None), "AVav"),
        ((None, "pyramid", "pointing_up"), "Aa"),
        (("blue", "block", None), "b"),
        ((None, "block", "pointing_up"), ""),
    ],
)
def test_an_object_selects_exactly_the_pieces_with_all_its_words(words, glyphs):
    mask = ODEEN.selection(*words)
    assert {g for i, g in enumerate(ODEEN.glyphs) if mask >> i & 1} == set(glyphs)


@pytest.mark.parametrize(
    "change",
    [
        {"length": 0},
        {"length": 64},
        {"empty": "A"},  # also a piece
        {"empty": ".."},
        {"relations": ("touching", "above")},
        {"pieces": {"A": ("red", "pyramid", "sideways")}},
        {"colors": ("red", "red")},
    ],
    ids=["empty", "too-long", "empty-is-a-piece", "two-char-glyph", "unknown-relation",
         "unknown-word", "repeated-word"],
)
def test_an_inconsistent_universe_is_refused(change):
    with pytest.raises(ValueError):
        dataclasses.replace(ODEEN, **change)


def test_a_universe_too_large_to_enumerate_says_so():
    huge = dataclasses.replace(ODEEN, name="huge", length=40)
    assert huge.parse_scene("A" * 40).size == 40  # single scenes still work
    with pytest.raises(RulelangError) as info:
        huge.all_scenes()
    assert info.value.code == "E205"


def test_equal_universes_are_interchangeable_as_cache_keys():
    twin = dataclasses.replace(ODEEN, pieces=dict(ODEEN.pieces))
    assert twin == ODEEN and hash(twin) == hash(ODEEN)
    assert twin != dataclasses.replace(ODEEN, length=5)


def test_a_universe_knows_every_word_its_rules_may_use():
    assert ODEEN.words == {
        "red", "blue", "block", "pyramid", "pointing_up", "pointing_down", *KNOWN_RELATIONS,
        "at_least", "exactly", "at_most", "zero", "and", "or", "not",
    }


def test_a_word_that_starts_another_word_is_still_read_whole():
    # `bluegreen` begins with `blue`: the vocabulary must not stop at the shorter word.
    teal = dataclasses.replace(
        ODEEN, name="teal", colors=("blue", "bluegreen", "red"),
        pieces={**ODEEN.pieces, "T": ("bluegreen", "block")},
    )
    rule = parse("zero bluegreen or zero blue", universe=teal)
    assert (rule.left.subject.color, rule.right.subject.color) == ("bluegreen", "blue")
    with pytest.raises(RulelangError):
        parse("zero bluegreen", universe=ODEEN)
