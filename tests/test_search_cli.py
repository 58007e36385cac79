"""``rulelang explain``: text and JSON answers, the full-language fallback, bad tables."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from rulelang.cli import main
from rulelang.parser import parse
from rulelang.reference import evaluate
from rulelang.universe import ODEEN
from search_fixtures import *  # noqa: F401,F403 - session fixtures

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "table.txt"


def _explain(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(["explain", "--color", "never", *argv], out), out.getvalue()


@pytest.fixture()
def table_file(tmp_path):
    def write(text: str) -> str:
        path = tmp_path / "table.txt"
        path.write_text(text)
        return str(path)
    return write


def test_explain_names_the_best_rule_and_its_confidence(index):
    code, text = _explain(str(EXAMPLE))
    assert code == 0
    best = text.split("best rule")[1].splitlines()[0].strip()
    lines = [l.split("#")[0].split() for l in EXAMPLE.read_text().splitlines()]
    for scene, lab in (l for l in lines if len(l) == 2):
        assert evaluate(parse(best), scene, ODEEN) == (lab == "true")
    assert "confidence" in text


def test_an_ambiguous_table_lists_runners_up_and_the_next_scene(index, table_file):
    code, text = _explain(table_file("A.b... true\n...... false\n"), "--top", "3")
    assert code == 0 and "ambiguous:" in text and "runners-up" in text
    assert "    2." in text and "    3." in text and "    4." not in text
    assert "next scene" in text


def test_json_output_is_one_object_with_candidates_and_the_next_scene(index, table_file):
    code, text = _explain(table_file("A.b... true\n...... false\n"), "--format", "json")
    obj = json.loads(text)
    assert code == 0 and obj["status"] == "ambiguous" and obj["prior"] == "2^-words"
    assert obj["candidates"][0]["posterior"] == pytest.approx(obj["confidence"])
    assert 0 < obj["next_scene"]["n_true"] < obj["candidates_total"]


def test_quiet_prints_only_the_best_rule(index):
    code, text = _explain(str(EXAMPLE), "-q")
    assert code == 0 and len(text.splitlines()) == 1


def test_a_table_beyond_the_dialect_falls_back_to_the_full_language(index, brute, table_file):
    import numpy as np

    rng = np.random.default_rng(0)
    ids = rng.choice(ODEEN.n_scenes, 3000, replace=False)
    rule = parse("exactly 4 red")  # the dialect counts to 2
    texts = [ODEEN.format_scene(ODEEN.all_scenes()[i]) for i in ids]
    labels = np.array([evaluate(rule, t, ODEEN) for t in texts])
    assert not (brute.labels(ids) == labels).all(axis=1).any()
    lines = [f"{t} {str(v).lower()}" for t, v in zip(texts, labels)]
    code, text = _explain(table_file("\n".join(lines) + "\n"), "--max-size", "4", "--timeout", "30")
    assert code == 0 and text.count("nothing fits") == 1
    assert "********** SOLUTION **********" in text and "********** SUMMARY **********" in text
    found = text.split("********** SOLUTION **********\n")[1].splitlines()[0]
    assert all(evaluate(parse(found), t, ODEEN) == v for t, v in zip(texts, labels))


def test_full_search_on_request_and_with_noise(index):
    code, text = _explain(str(EXAMPLE), "--full", "--max-size", "5", "--tolerance", "1")
    assert code == 0 and "contradicting at most 1 label" in text and "SUMMARY" in text


@pytest.mark.parametrize("content, code_", [
    ("A..... true\nA..... false\n", "E204"),
    ("A.... true\n", "E201"),
    ("", "E602"),
    ("A.....\n", "E601"),
])
def test_bad_tables_get_a_clear_message_and_exit_1(table_file, content, code_):
    code, text = _explain(table_file(content))
    assert code == 1 and f"error[{code_}]" in text and "Found 1 error" in text


def test_bad_tables_in_json_are_error_objects(table_file):
    code, text = _explain(table_file("A..... true\nA..... false\n"), "--format", "json")
    assert code == 1 and json.loads(text)["errors"][0]["code"] == "E204"


def test_a_missing_file_is_an_io_error(capsys):
    code, text = _explain("/no/such/table.txt")
    assert code == 2 and "E301" in capsys.readouterr().err and text == ""


def test_a_table_on_standard_input(index, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Ab.... true\nA.b... false\n"))
    code, text = _explain("-")
    assert code == 0 and "table <stdin>: 2 scenes" in text


def test_repeated_lines_of_a_table_are_said_to_be_merged(index, table_file):
    code, text = _explain(table_file("A..... true\n" * 3 + "...... false\n" * 2))
    assert code == 0
    assert "table " in text and ": 2 scenes (1 true, 1 false); 3 repeated lines merged, their labels agreeing" in text
    code, text = _explain(table_file("A..... true\n" * 3 + "...... false\n"), "--format", "json")
    table = json.loads(text)["table"]
    assert (table["scenes"], table["true"], table["merged_duplicates"]) == (2, 1, 2)


def test_a_cache_folder_that_cannot_be_written_is_one_warning_line_from_the_command_line(
        index, monkeypatch, tmp_path, capsys):
    import rulelang.search.index as index_module
    from rulelang.search import cache

    blocked = tmp_path / "a-file"
    blocked.write_text("where the cache folder should be")
    monkeypatch.setenv("RULELANG_CACHE_DIR", str(blocked / "cache"))
    monkeypatch.delenv("RULELANG_NO_CACHE", raising=False)
    monkeypatch.setattr(cache, "_warned", set())
    monkeypatch.setattr(index_module, "_CACHE", {})  # as in a fresh process ...
    monkeypatch.setattr(index_module, "build_index", lambda universe: index)  # ... spared the build
    code, _ = _explain(str(EXAMPLE), "-q")
    err = capsys.readouterr().err
    assert code == 0
    assert [line for line in err.splitlines() if "warning" in line] == [
        f"rulelang: warning: cannot write the cache in {blocked / 'cache'} (Not a directory); every run "
        "will build the index again (a few seconds): make the folder writable, or set RULELANG_CACHE_DIR "
        "to one that is"]
