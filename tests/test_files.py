"""Rule files and scene files: labels, comments, bad lines and the columns they point at."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulelang import strategies as rs
from rulelang.lines import line_endings
from rulelang.parser import parse
from rulelang.printer import format_rule
from rulelang.rulefile import format_rule_file, parse_rule_file, split_comment
from rulelang.scenefile import parse_scene_file

RULES = """\
# rules about red
first: zero red  # nothing red at all

  at_least 1 red   touching blue
bad: at_least1red
first: zero blue
second:
x-1.y : exactly 2 blue pyramid
"""


def test_a_rule_file_keeps_labels_comments_and_the_columns_where_rules_start():
    rf = parse_rule_file(RULES, "rules.rl")
    got = [(e.name, e.line, e.column, e.text, e.comment) for e in rf.entries]
    assert got == [
        ("first", 2, 8, "zero red", "# nothing red at all"),
        (None, 4, 3, "at_least 1 red   touching blue", None),
        ("x-1.y", 8, 9, "exactly 2 blue pyramid", None),
    ]
    assert [e.title for e in rf.entries] == ["first", "at_least 1 red touching blue", "x-1.y"]
    assert rf.entries[1].rule == parse("at_least 1 red touching blue")


def test_a_bad_line_is_reported_at_its_place_in_the_file_and_the_others_still_parse():
    rf = parse_rule_file(RULES, "rules.rl")
    errors = [(e.code, e.path, e.line, e.column) for e in rf.errors]
    assert errors == [
        ("E001", "rules.rl", 5, 6),  # `at_least1red` after the label
        ("E105", "rules.rl", 6, 1),  # `first` again
        ("E004", "rules.rl", 7, 1),  # a label without a rule
    ]
    assert rf.errors[0].source_line == "bad: at_least1red"
    assert "line 2" in rf.errors[1].message
    assert rf.errors[0].diagnostic.render().startswith("rules.rl:5:6: error[E001]")


@pytest.mark.parametrize("brk", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"])
def test_only_newlines_end_a_line_of_a_file_as_in_an_editor(brk):
    """``str.splitlines`` also breaks at these; an editor shows them inside a line."""
    rf = parse_rule_file(f"zero red  # a{brk} more words\r\nbogus\rat_least 1 red{brk}\nzero blue\n", "r.rl")
    alone = parse_rule_file(f"at_least 1 red{brk}\n")  # line 3 on its own (a form feed is white space)
    assert [(e.line, e.text) for e in rf.entries] == \
        [(1, "zero red")] + [(3, e.text) for e in alone.entries] + [(4, "zero blue")]
    assert [(e.code, e.line, e.column) for e in rf.errors] == \
        [("E001", 2, 1)] + [(e.code, 3, e.column) for e in alone.errors]
    assert [e.comment for e in rf.entries][0] == f"# a{brk} more words"
    sf = parse_scene_file(f"A.b... true  # x{brk}y\nbvB... false\n")
    assert [(e.line, e.label) for e in sf.entries] == [(1, True), (2, False)] and not sf.errors
    text = f"zero   red # a{brk}b\r\nzero   blue\rbad{brk}x\n"
    assert format_rule_file(parse_rule_file(text), line_endings(text)) == \
        f"zero red  # a{brk}b\r\nzero blue\rbad{brk}x\n"


def test_a_duplicate_name_keeps_the_first_rule():
    rf = parse_rule_file("a: zero red\na: zero blue\n")
    assert [(e.name, format_rule(e.rule)) for e in rf.entries] == [("a", "zero red")]


def test_the_dialect_flag_applies_to_every_line_of_a_rule_file():
    rf = parse_rule_file("zero red\nnot zero red\nat_least 3 blue\n", dialect=True)
    assert [e.line for e in rf.entries] == [1]
    assert [e.line for e in rf.errors] == [2, 3]


def test_formatting_a_rule_file_canonicalises_good_rules_and_keeps_everything_else():
    out = format_rule_file(parse_rule_file(RULES))
    assert out.splitlines() == [
        "# rules about red",
        "first: zero red  # nothing red at all",
        "",
        "  at_least 1 red touching blue",
        "bad: at_least1red",
        "first: zero blue",
        "second:",
        "x-1.y: exactly 2 blue pyramid",
    ]
    assert format_rule_file(parse_rule_file(out)) == out


@given(st.lists(rs.rules(max_depth=2), max_size=6))
def test_a_file_of_printed_rules_parses_back_to_the_same_rules(rules):
    text = "".join(f"r{i}: {format_rule(r)}  # rule {i}\n" for i, r in enumerate(rules))
    rf = parse_rule_file(text)
    assert not rf.errors
    assert [e.rule for e in rf.entries] == rules
    assert format_rule_file(rf) == text


def test_split_comment_separates_code_from_its_comment():
    assert split_comment("zero red  # note # more") == ("zero red  ", "# note # more")
    assert split_comment("zero red") == ("zero red", None)


# -- scene files ----------------------------------------------------------------------------

SCENES = """\
# observations
A.....  true
  ......\tFALSE   # the empty scene
bb..bb
A.X...
Ab.... ture
Ab.... true false
A.....  false
bb..bb true
bb..bb false
"""


def test_a_scene_file_keeps_scenes_labels_and_their_lines():
    sf = parse_scene_file(SCENES, "obs.scenes")
    got = [(e.scene, e.label, e.line, e.column) for e in sf.entries]
    assert got == [
        ("A.....", True, 2, 1),
        ("......", False, 3, 3),
        ("bb..bb", None, 4, 1),
        ("bb..bb", True, 9, 1),
    ]
    assert sf.labels().tolist() == [1, 0, -1, 1]
    assert sf.scenes().shape == (4, 6) and sf.scenes().dtype == np.uint8
    assert not sf.is_table  # one scene has no label


def test_every_bad_scene_line_gets_a_diagnostic_at_its_column():
    sf = parse_scene_file(SCENES, "obs.scenes")
    errors = [(e.code, e.line, e.column) for e in sf.errors]
    assert errors == [
        ("E202", 5, 3),  # glyph X
        ("E203", 6, 8),  # `ture`
        ("E203", 7, 13),  # a second label
        ("E204", 8, 9),  # A..... was labelled true on line 2
        ("E204", 10, 8),  # bb..bb was labelled true on line 9
    ]
    assert sf.errors[1].hint == "did you mean 'true'?"
    assert "line 2" in sf.errors[3].message and "line 9" in sf.errors[4].message
    assert all(e.path == "obs.scenes" for e in sf.errors)


def test_an_unlabelled_line_does_not_hide_a_contradiction_between_later_labels():
    sf = parse_scene_file("A.....\nA..... true\nA..... false\n")
    assert [(e.code, e.line) for e in sf.errors] == [("E204", 3)]
    assert [e.label for e in sf.entries] == [None, True]


def test_the_same_observation_twice_is_no_contradiction():
    sf = parse_scene_file("A..... true\nA..... true\n")
    assert not sf.errors and len(sf.entries) == 2


def test_a_scene_file_whose_scenes_all_carry_labels_is_a_table():
    assert parse_scene_file("A..... true\n# note\n\nb..... false\n").is_table
    assert not parse_scene_file("# nothing here\n").is_table
    empty = parse_scene_file("")
    assert empty.entries == [] and empty.scenes().shape[0] == 0 and empty.labels().size == 0


@given(st.lists(st.tuples(rs.scenes(), st.sampled_from([None, True, False])), max_size=10))
def test_a_written_out_table_reads_back_as_written(rows):
    seen: dict[str, bool] = {}
    rows = [(s, lab) for s, lab in rows if lab is None or seen.setdefault(s, lab) == lab]
    text = "".join(f"{s}\n" if lab is None else f"{s} {str(lab).lower()}\n" for s, lab in rows)
    sf = parse_scene_file(text)
    assert not sf.errors
    assert [(e.scene, e.label) for e in sf.entries] == rows
    assert sf.is_table == (bool(rows) and all(lab is not None for _, lab in rows))
