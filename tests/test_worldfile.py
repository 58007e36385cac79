"""Universe files: worlds described in TOML, the built-in worlds, and every bad file's diagnostic."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from rulelang.cli import main
from rulelang.enumerate import dialect_rules
from rulelang.errors import RulelangError
from rulelang.parser import parse
from rulelang.universe import ODEEN
from rulelang.worldfile import BUILTIN, builtin_source, load_universe, parse_universe, to_toml

REPO = Path(__file__).resolve().parents[1]
TRICOLOR = REPO / "examples" / "tricolor.toml"


def cli(*argv) -> tuple[int, str]:
    out = io.StringIO()
    return main([str(a) for a in argv], out=out), out.getvalue()


def test_the_built_in_odeen_file_is_the_paper_s_odeen_object_itself():
    assert parse_universe(builtin_source("odeen")) == ODEEN
    assert load_universe("odeen") is ODEEN


@pytest.mark.parametrize("name, length, scenes", [("odeen-8", 8, 5_764_801), ("odeen-10", 10, 282_475_249)])
def test_the_longer_odeens_differ_from_odeen_only_in_length(name, length, scenes):
    u = load_universe(name)
    assert (u.name, u.length, u.n_scenes) == (name, length, scenes)
    assert (u.glyphs, u.relations, u.counts) == (ODEEN.glyphs, ODEEN.relations, ODEEN.counts)
    assert len(dialect_rules(u)) == 24_794


def test_the_example_world_has_a_third_colour_and_fewer_relations():
    u = load_universe(str(TRICOLOR))
    assert u.colors == ("red", "blue", "green") and "at_the_left_of" not in u.relations
    assert u.n_scenes == 10**6 and len(dialect_rules(u)) == 43_092
    parse("at_least 1 green pyramid touching red", universe=u)


@pytest.mark.parametrize("name", BUILTIN + (str(TRICOLOR),))
def test_a_universe_survives_writing_and_reading_its_file(name):
    u = load_universe(name)
    assert parse_universe(to_toml(u)) == u


def test_glyphs_and_names_that_need_escapes_survive_writing_and_reading():
    text = GOOD.replace('B = ["red", "block"]', '"\\\\" = ["red", "block"]').replace(
        'b = ["blue", "block"]', '"\\u00e9" = ["blue", "block"]')
    u = parse_universe(text)
    assert set(u.pieces) == {"\\", "\u00e9"}
    assert parse_universe(to_toml(u)) == u


GOOD = """[universe]
name = "w"
length = 6
empty = "."
colors = ["red", "blue"]
shapes = ["block"]
relations = ["touching"]

[pieces]
B = ["red", "block"]
b = ["blue", "block"]
"""
#: GOOD's last line, where a [dialect] table may follow.
DIALECT = 'b = ["blue", "block"]\n'


@pytest.mark.parametrize("edit, line, column, words", [
    (("length = 6", "length = 0"), 3, 10, "1 to 63 cells, not 0"),
    (("length = 6", "length = 100"), 3, 10, "not 100"),
    (('b = ["blue", "block"]', 'B = ["blue", "block"]'), 11, 1, "B is given twice"),
    (('b = ["blue", "block"]', '"." = ["blue", "block"]'), 11, 1, "already the empty glyph"),
    (('relations = ["touching"]', 'relations = ["near"]'), 7, 15, "unknown relation 'near'"),
    (('colors = ["red", "blue"]', 'colors = ["red", "zero"]'), 5, 19, "'zero' is a word of the rule language"),
    (('colors = ["red", "blue"]', 'colors = ["red", "touching"]'), 5, 19, "word of the rule language"),
    (('shapes = ["block"]', 'shapes = ["red"]'), 6, 12, "appears twice"),
    (('b = ["blue", "block"]', 'b = ["blue", "cube"]'), 11, 15, "'cube', which is no colour"),
    (("[pieces]", "[piece]"), 9, 1, "unknown table [piece]"),
    (('empty = "."', 'empty = ".."'), 4, 9, "one visible character"),
    (('name = "w"', 'name = 3'), 2, 1, "name must be a string"),
    (("[universe]", 'dialect = 5\n[universe]'), 1, 1, "dialect must be a table"),
    (("[pieces]", '[[dialect]]\ncounts = [1]\n[pieces]'), 9, 3, "dialect must be a table"),
    # the very word or number, in a list of one line or of several, in either quotes
    ((DIALECT, DIALECT + "\n[dialect]\ncounts = [1, 2, 7]\n"), 14, 17, "not 7"),
    ((DIALECT, DIALECT + "\n[dialect]\ncounts = [\n  1,\n  9,\n]\n"), 16, 3, "not 9"),
    ((DIALECT, DIALECT + "\n[dialect]\ncounts = [2, 1, 2]\n"), 14, 17, "count appears twice: 2"),
    (('colors = ["red", "blue"]', "colors = ['red', 'zero']"), 5, 19, "'zero' is a word of the rule language"),
    (('colors = ["red", "blue"]', 'colors = ["red", "blue", "red"]'), 5, 27, "'red' appears twice in colors"),
    (('relations = ["touching"]', 'relations = ["touching", "touching"]'), 7, 27, "relation appears twice"),
    (('[pieces]\nB = ["red", "block"]', '["pieces"]\nB = ["red", "cube"]'), 10, 14, "'cube', which is no"),
    (('[universe]\nname = "w"', 'name = "w"\n[universe]'), 1, 1, "name = ... stands outside any table"),
    # a world or a dialect in which no rule could be written
    ((DIALECT, DIALECT + "\n[dialect]\nquantifiers = []\n"), 14, 1, "needs a quantifier"),
    ((DIALECT, DIALECT + '\n[dialect]\nquantifiers = ["zero", "zero"]\n'), 14, 25, "quantifier appears twice"),
    ((DIALECT, DIALECT + "\n[dialect]\ncounts = []\n"), 14, 1, "needs a count"),
    (('colors = ["red", "blue"]\nshapes = ["block"]', "colors = []\nshapes = []"), 5, 1, "a colour or a shape"),
    (('shapes = ["block"]\nrelations = ["touching"]\n\n[pieces]\nB = ["red", "block"]\nb = ["blue", "block"]',
      'shapes = ["block"]\norientations = ["up"]\n[pieces]\nB = ["red", "block"]\nb = ["up"]'), 10, 1,
     "neither a colour nor a shape"),
    (('name = "w"', f'name = "{"w" * 65}"'), 2, 1, "bad universe name"),
    (('b = ["blue", "block"]', '"\u0301" = ["blue", "block"]'), 11, 1, "one visible character"),
])
def test_a_bad_universe_file_is_a_diagnostic_at_its_line_and_column(edit, line, column, words):
    text = GOOD.replace(*edit)
    assert text != GOOD
    with pytest.raises(RulelangError) as info:
        parse_universe(text, "bad.toml")
    d = info.value.diagnostic
    assert (d.code, d.path, d.line, d.column) == ("E801", "bad.toml", line, column)
    assert words in d.message


def test_a_world_of_one_cell_without_a_dialect_table_counts_only_to_one():
    one = parse_universe(GOOD.replace("length = 6", "length = 1"))
    assert one.counts == (1,) and parse_universe(GOOD).counts == (1, 2)


def test_a_bad_universe_file_exits_1_with_its_diagnostic_and_no_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("length = 6", "length = 100"))
    for argv in (("universe", "show", bad), ("eval", "--universe", bad, "zero red", "......"),
                 ("enumerate", "--universe", bad)):
        code, text = cli(*argv)
        err = capsys.readouterr().err
        assert code == 1 and text == ""
        assert err.startswith(f"{bad}:3:10: error[E801]") and "Traceback" not in err


def test_an_unknown_universe_name_says_which_names_exist(capsys):
    code, text = cli("universe", "show", "odeen-99")
    err = capsys.readouterr().err
    assert code == 2 and "E802" in err and "odeen-10" in err


def test_a_rule_using_a_word_the_universe_lacks_names_the_word(tmp_path):
    w = tmp_path / "w.toml"
    w.write_text(GOOD)
    code, text = cli("eval", "--universe", w, "at_least 1 pyramid", "B.....")
    assert code == 2 and "'pyramid'" in text
    code, text = cli("check", "--universe", w, REPO / "examples" / "rules.rl")
    assert code == 1 and "E001" in text


def test_a_scene_of_the_wrong_length_for_the_universe_is_reported_with_its_line(tmp_path):
    rules, scenes = tmp_path / "r.rl", tmp_path / "s.txt"
    rules.write_text("at_least 1 red\n")
    scenes.write_text("A.......\nA......\n")
    code, text = cli("check", "--universe", "odeen-8", rules, scenes)
    assert code == 1 and f"{scenes}:2:1: error[E201]" in text and "8 cells" in text


def test_universe_show_prints_the_file_its_size_and_its_legend():
    code, text = cli("universe", "show", "odeen-8", "--color", "never")
    assert code == 0
    assert "5,764,801 scenes" in text and "24,794 rules" in text and "streamed" in text
    assert 'length = 8' in text and "A  red pyramid pointing_up" in text
    code, text = cli("universe", "list")
    assert code == 0 and all(n in text for n in BUILTIN)


def test_a_dialect_with_other_counts_and_quantifiers_parses_and_enumerates_them(tmp_path):
    text = GOOD.replace("[pieces]", '[dialect]\nquantifiers = ["exactly", "zero"]\ncounts = [3]\n\n[pieces]')
    u = parse_universe(text)
    rules = dialect_rules(u)
    assert {type(r).__name__ for r in rules} == {"Prop", "And", "Or"}
    assert {p.quantity.kind for p in (r for r in rules if type(r).__name__ == "Prop")} == {"exactly", "zero"}
    parse("exactly 3 red", universe=u, dialect=True)
    with pytest.raises(RulelangError, match="counts only 3"):
        parse("exactly 2 red", universe=u, dialect=True)
    with pytest.raises(RulelangError, match="no quantifier 'at_least'"):
        parse("at_least 3 red", universe=u, dialect=True)
