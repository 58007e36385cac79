"""The language server's analysis, without the protocol: the same findings as ``check``,
one line re-read per edit, the words that may follow, the fixes hints propose."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulelang import strategies
from rulelang.errors import RulelangError
from rulelang.lsp.analysis import TOO_DEEP, Analyser, completions, fix_of, load_table, read_line
from rulelang.parser import parse
from rulelang.report import check
from rulelang.rulefile import format_rule_file, parse_rule_file

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).parents[1] / "examples"


def located(errors) -> list[tuple]:
    return [(e.code, e.line, e.column, e.end_column, e.message, e.hint, e.expected) for e in errors]


def check_findings(text: str, table: str | None = None) -> list[tuple]:
    report = check(text, "r.rl", table, "t.txt")
    return located(f.error for f in report.findings() if f.kind != "scene")


def analysed(text: str, table: str | None = None, analyser: Analyser | None = None):
    t = None
    if table is not None:
        from rulelang.lsp.analysis import Table
        from rulelang.scenefile import parse_scene_file

        t = Table("t.txt", parse_scene_file(table, "t.txt"), ("test",))
    return (analyser or Analyser()).analyse(text, "r.rl", t)


@pytest.mark.parametrize("name", ["good.rl", "bad.rl", "unformatted.rl"])
def test_the_diagnostics_of_a_fixture_are_those_of_check(name):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    assert located(analysed(text).diagnostics) == check_findings(text)


def test_the_verdicts_on_a_table_are_those_of_check():
    rules = (EXAMPLES / "rules.rl").read_text()
    table = (EXAMPLES / "table.txt").read_text()
    a = analysed(rules, table)
    assert located(a.diagnostics) == check_findings(rules, table)
    assert any(e.code == "E401" for e in a.diagnostics)
    report = check(rules, "r.rl", table, "t.txt")
    assert {r.entry.line: r.explains for r in report.results} == {k: v.explains for k, v in a.verdicts.items()}
    assert {r.entry.line: [(f.scene, f.line) for f in r.falsifiers] for r in report.results if r.falsifiers} == {
        k: [(f.scene, f.line) for f in fs] for k, fs in a.falsifiers.items()}


lines = st.one_of(
    strategies.rule_texts(max_depth=2),
    st.sampled_from(["", "   ", "# a comment", "x: zero red", "x: at_least 1 blue", "y:", "at_least1red",
                     "zero pyramidd", "exactly 9 red", "zero red pyramid pointing_up  # ok", "(zero red",
                     "y: zero blue or", "\tz : exactly 2 block", "zero red )", "not not zero red"]),
    st.text(alphabet="ab ()#:xyz_019\t", max_size=20),
)


@given(st.lists(lines, max_size=12), st.lists(lines, max_size=4))
def test_analysis_after_edits_agrees_with_check(before, after):
    analyser = Analyser()
    analysed("\n".join(before), analyser=analyser)  # fill the cache, then edit
    text = "\n".join(before[: len(before) // 2] + after + before[len(before) // 2:])
    assert located(analysed(text, analyser=analyser).diagnostics) == check_findings(text)


def test_one_keystroke_rereads_one_line():
    rules = [f"r{i}: at_least {i % 3} red touching blue" for i in range(1000)]
    analyser = Analyser()
    analysed("\n".join(rules), analyser=analyser)
    assert analyser.parsed == 1000
    rules[500] = rules[500].replace("blue", "blu")
    a = analysed("\n".join(rules), analyser=analyser)
    assert analyser.parsed == 1001
    assert [(e.code, e.line) for e in a.diagnostics] == [("E001", 501)]


def test_formatting_is_that_of_fmt():
    text = (FIXTURES / "unformatted.rl").read_text()
    assert analysed(text).formatted() == format_rule_file(parse_rule_file(text))


def test_a_duplicate_name_is_not_formatted_as_fmt_does_not():
    text = "a: zero   red\na:   zero  blue\n"
    assert analysed(text).formatted() == format_rule_file(parse_rule_file(text)) == "a: zero red\na:   zero  blue\n"


def test_a_deeply_nested_rule_is_read_like_any_other():
    res = read_line("deep: " + "(" * 5000 + "zero red" + ")" * 5000)
    assert not res.errors and res.name == "deep" and res.entry is not None


def test_a_recursion_error_while_reading_is_a_diagnostic_not_a_crash(monkeypatch):
    import rulelang.lsp.analysis as analysis

    def too_deep(*args, **kw):  # the parser has no depth limit: stand in for one that had
        raise RecursionError

    monkeypatch.setattr(analysis, "parse_rule_file", too_deep)
    res = read_line("deep: " + "(" * 50 + "zero red" + ")" * 50)
    (err,) = res.errors
    assert err.code == TOO_DEEP and err.column == 7 and "too deeply nested" in err.message
    assert res.name == "deep"


def test_messages_quote_a_huge_word_in_part():
    (err,) = read_line("zero " + "x" * 1_000_000).errors
    assert err.code == "E001" and len(err.message) < 200 and "1,000,000 characters" in err.message


# -- completion -----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "at_least ", "at_least 1 ", "at_least 1 red ", "zero red touching ",
                                    "(zero red or ", "not ", "zero block and at_most 2 pyramid "])
def test_completion_offers_the_words_the_parse_error_lists(prefix):
    # An incomplete rule ends too early (E002); after a complete one, "zero" is out of place.
    probe = prefix + "#" if prefix.strip() in ("", "at_least", "at_least 1", "zero red touching",
                                               "(zero red or", "not") else prefix + "zero"
    with pytest.raises(RulelangError) as err:
        parse(probe, check=False)
    want = []
    for w in err.value.expected:
        if w.startswith("a number"):
            want += [str(n) for n in range(7)]
        elif w != "end of rule":
            want.append(w)
    start, words = completions(prefix, len(prefix))
    assert (start, words) == (len(prefix), want) and words


def test_completion_replaces_the_word_under_the_cursor_and_skips_labels_and_comments():
    start, words = completions("name: at_least 1 re", len("name: at_least 1 re"))
    assert start == len("name: at_least 1 ") and "red" in words and "blue" in words
    assert completions("name: zero red", 2) == (2, [])
    assert completions("zero red # at_", len("zero red # at_")) == (len("zero red # at_"), [])
    assert completions("zero zero ", 10) == (10, [])  # after an error: nothing to offer
    assert completions("at_least ", 9, dialect=True) == (9, ["1", "2"])


# -- fixes ----------------------------------------------------------------------------------


def test_a_near_miss_and_glued_words_propose_their_fix():
    (near,) = read_line("at_least 1 pyramidd").errors
    assert fix_of(near) == "pyramid"
    (glued,) = read_line("at_least1red touching blue").errors
    assert fix_of(glued) == "at_least 1 red"
    (other,) = read_line("exactly 9 red").errors
    assert fix_of(other) is None


def test_a_table_that_is_not_utf8_is_a_table_of_one_diagnostic(tmp_path):
    p = tmp_path / "t.table"
    p.write_bytes(b"Ab.... true\n\xff\n")
    table = load_table(p)
    assert table is not None and [e.code for e in table.scene_file.errors] == ["E301"]
    assert load_table(tmp_path / "missing.table") is None
