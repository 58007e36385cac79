"""Messages a new user meets with bad or large input: short, placed, and usage errors for bad
seeds everywhere."""

from __future__ import annotations

import contextlib
import io

import pytest

from rulelang.cli import main
from rulelang.cli.common import MAX_SEED, seed
from rulelang.errors import SOURCE_WINDOW, RulelangError, quoted
from rulelang.parser import parse


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(argv), out=out)
    return code, out.getvalue(), err.getvalue()


# -- seeds --------------------------------------------------------------------------------

COMMANDS_WITH_SEEDS = [
    ["play"], ["data", "make"], ["bench", "--solver", "constant"], ["train", "interpreter"],
]


@pytest.mark.parametrize("command", COMMANDS_WITH_SEEDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("bad", ["-1", str(MAX_SEED + 1), str(10**30), "x", "1.5"])
def test_a_negative_huge_or_malformed_seed_is_a_usage_error_everywhere(command, bad):
    code, out, err = run_cli(*command, "--seed", bad)
    assert code == 2 and out == ""
    assert "argument --seed: a seed" in err and "internal error" not in err


def test_the_seed_type_takes_every_seed_from_0_to_2_32_minus_1():
    assert seed("0") == 0 and seed(str(MAX_SEED)) == MAX_SEED == 2**32 - 1
    assert seed(" 42 ") == 42


def test_play_with_the_largest_seed_plays():
    import sys

    stdin = sys.stdin
    sys.stdin = io.StringIO("quit\n")
    try:
        code, out, err = run_cli("play", "--seed", str(MAX_SEED))
    finally:
        sys.stdin = stdin
    assert code == 0 and "The rule was:" in out and "internal error" not in err


# -- long text in diagnostics -------------------------------------------------------------


def test_a_one_megabyte_unknown_word_gets_a_short_diagnostic(tmp_path):
    word = "x" * 1_000_000
    path = tmp_path / "huge.rl"
    path.write_text(f"zero {word}\nzero red\n")
    code, out, _ = run_cli("check", str(path))
    assert code == 1 and len(out) < 3_000
    assert "unknown word 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... (1,000,000 characters)" in out
    assert "1 rule, 1 bad line" in out  # the good line is still there


def test_a_long_source_line_is_shown_as_a_window_with_the_caret_under_the_error():
    text = " and ".join(["zero red"] * 1_000 + ["zero bleu"] + ["zero red"] * 1_000)
    err = pytest.raises(RulelangError, parse, text).value
    src, caret = str(err).splitlines()[1:3]
    assert len(src) < SOURCE_WINDOW + 20 and src.startswith("1 | ...") and src.endswith("...")
    at = caret.index("^")
    assert src[at:at + 4] == "bleu" and caret.strip() == "^^^^"


def test_quoted_text_is_cut_with_its_length():
    assert quoted("red") == "'red'"
    assert quoted("ab" * 100, 4) == "'abab'... (200 characters)"


def test_a_long_scene_gets_a_short_diagnostic(tmp_path):
    (tmp_path / "r.rl").write_text("zero red\n")
    (tmp_path / "s.txt").write_text("A" * 500_000 + " true\nA..... true\n")
    code, out, _ = run_cli("check", str(tmp_path / "r.rl"), str(tmp_path / "s.txt"))
    assert code == 1 and len(out) < 3_000 and "this one has 500000" in out


def test_a_long_rule_falsified_by_a_table_is_named_briefly(tmp_path):
    (tmp_path / "r.rl").write_text(" and ".join(["at_least 1 red"] * 3_000) + "\n")
    (tmp_path / "s.txt").write_text("A..... false\n")
    code, out, _ = run_cli("check", str(tmp_path / "r.rl"), str(tmp_path / "s.txt"), "-q")
    assert code == 1 and len(out) < 2_000 and "(56,995 characters) is falsified by 1 of 1" in out


# -- where diagnostics go, and bad places to write ------------------------------------------

GOOD_UNIVERSE = """[universe]
name = "tiny"
length = 3
empty = "."
colors = ["red"]
shapes = ["block"]

[pieces]
"B" = ["red", "block"]
"""


@pytest.mark.parametrize("argv", [
    ["enumerate", "--universe", "no/such/world.toml"],
    ["graph", "/no/such/table.txt"],
    ["explain", "/no/such/table.txt"],
    ["equiv", "--universe", "odeen-99", "zero red", "zero blue"],
])
def test_an_error_that_stops_a_command_goes_to_standard_error_not_into_its_output(argv):
    """`rulelang graph x > g.xml` must not hide its error inside g.xml."""
    code, out, err = run_cli(*argv)
    assert code == 2 and out == "" and "error[E" in err and "internal error" not in err


@pytest.mark.parametrize("argv", [
    ["explain", "--format", "json", "/no/such/table.txt"],
    ["data", "info", "--format", "json", "/no/such/data-set"],
    ["eval", "--format", "json", "--universe", "no/such.toml", "zero red", "A....."],
])
def test_with_json_an_error_that_stops_a_command_is_json_too(argv):
    import json

    code, out, err = run_cli(*argv)
    (error,) = json.loads(out)["errors"]
    assert code == 2 and error["code"] in ("E301", "E503") and f"error[{error['code']}]" in err


def test_eval_in_json_keeps_its_diagnostics_inside_the_json():
    import json

    code, out, _ = run_cli("eval", "--format", "json", "zero red", "AX....", "Ab....")
    data = json.loads(out)
    assert code == 2 and [r["scene"] for r in data["labels"]] == ["Ab...."]
    assert [(e["code"], e["path"]) for e in data["errors"]] == [("E202", "<scene 1>")]
    code, out, _ = run_cli("eval", "--format", "json", "zero redd", "Ab....")
    assert code == 2 and json.loads(out)["errors"][0]["code"] == "E001"
    code, out, _ = run_cli("equiv", "--format", "json", "zero red", "zero redd")
    assert code == 2 and json.loads(out)["errors"][0]["path"] == "<R2>"


def test_an_error_of_the_command_itself_is_named_after_the_command():
    code, _, err = run_cli("universe", "show", "odeen-99")
    assert code == 2 and err.startswith("rulelang: error[E802]")
    code, _, err = run_cli("universe", "show", "nowhere/w.toml")
    assert code == 2 and err.startswith("nowhere/w.toml: error[E301] no such file")


@pytest.mark.parametrize("command", [["graph"], ["enumerate", "--universe", "odeen-8"]])
def test_an_output_that_cannot_be_written_is_an_io_error_before_any_work(command, tmp_path):
    for target, why in ((tmp_path / "nodir" / "out.txt", "no folder"), (tmp_path, "is a directory")):
        code, out, err = run_cli(*command, "-o", str(target))
        assert code == 2 and f"{target}: error[E301]" in err and why in err and "internal" not in err


def test_writing_through_a_symbolic_link_keeps_the_link(tmp_path):
    real, link = tmp_path / "real.rl", tmp_path / "link.rl"
    real.write_text("zero   red\n")
    link.symlink_to(real.name)
    code, _, _ = run_cli("fmt", str(link))
    assert code == 0 and link.is_symlink() and real.read_text() == "zero red\n"


def test_a_non_utf8_byte_is_placed_at_its_character_column(tmp_path):
    for data, column in ((b"zero \xc3\xa9\xc3\xa9\xc3\xa9 \xff\n", 10), (b"\xef\xbb\xbfzero \xff\n", 6),
                         (b"zero red\nat \xfe\n", 4)):
        path = tmp_path / "bad.rl"
        path.write_bytes(data)
        with pytest.raises(RulelangError) as info:
            from rulelang.io import read_text

            read_text(path)
        assert info.value.column == column and "not UTF-8" in info.value.message


@pytest.mark.parametrize("options", [["--scale", "nan"], ["--scale", "inf"], ["--scale", "1e9"],
                                     ["--cell", "1000000"]])
def test_a_picture_too_large_or_a_scale_that_is_no_number_is_one_line(options, tmp_path):
    from pathlib import Path

    table = Path(__file__).parents[1] / "examples" / "table.txt"
    code, out, err = run_cli("render", str(table), "-o", str(tmp_path / "x.png"), *options)
    assert code == 2 and err.count("\n") == 1 and "render:" in err and not (tmp_path / "x.png").exists()


def test_data_make_takes_empty_splits_and_refuses_a_file_as_its_folder(tmp_path):
    tiny = ["--train", "40", "--train-small", "15", "--k", "5,20", "--eval-size", "64", "-q"]
    code, out, err = run_cli("data", "make", "--validation", "0", "--test", "0", "--out", str(tmp_path / "d"), *tiny)
    assert code == 0 and (tmp_path / "d" / "manifest.json").is_file(), err
    victim = tmp_path / "a-file"
    victim.write_text("mine")
    code, out, err = run_cli("data", "make", "--out", str(victim), "--force", *tiny)
    assert code == 2 and "not a folder" in err and victim.read_text() == "mine"
    code, out, err = run_cli("data", "make", "--out", "", *tiny)
    assert code == 2 and "--out must name a folder" in err


def test_universe_options_may_come_before_or_after_the_path(tmp_path):
    import json

    w = tmp_path / "w.toml"
    w.write_text(GOOD_UNIVERSE)
    for argv in (["universe", "show", "--format", "json", str(w)], ["universe", "show", str(w), "--format", "json"]):
        code, out, err = run_cli(*argv)
        assert code == 0 and json.loads(out)["name"] == "tiny", err
    code, _, err = run_cli("universe", "list", "odeen")
    assert code == 2 and "unrecognized arguments: odeen" in err


def test_a_universe_too_large_to_visit_is_a_diagnostic_not_an_internal_error(tmp_path):
    w = tmp_path / "huge.toml"
    w.write_text(GOOD_UNIVERSE.replace("length = 3", "length = 63"))
    code, out, err = run_cli("eval", "--universe", str(w), "at_least 1 red", "B" * 63)
    assert code == 0 and "true" in out  # its scenes can still be labelled
    for argv in (["equiv", "zero red", "zero block"], ["enumerate"]):
        code, out, err = run_cli(*argv, "--universe", str(w))
        assert code == 2 and "E205" in err and "internal error" not in err


@pytest.mark.parametrize("argv", [["enumerate"], ["equiv", "zero red", "zero block"], ["explain", "-"]])
def test_a_universe_too_large_for_a_job_over_every_scene_is_refused_at_once(tmp_path, argv):
    """2**43 scenes: 64-bit indices count them, but visiting them all would take months (the
    job used to start, and a 20-cell world's block list alone exhausted memory)."""
    import subprocess
    import sys

    w = tmp_path / "long.toml"
    w.write_text(GOOD_UNIVERSE.replace("length = 3", "length = 43"))
    done = subprocess.run([sys.executable, "-m", "rulelang", *argv, "--universe", str(w)], input="B" * 43 + " true\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "error[E205]" in done.stderr and "2**42" in done.stderr, done.stderr
    code, out, _ = run_cli("universe", "show", "--format", "json", str(w))
    assert code == 0 and '"exact_engine": "none: too many scenes to visit"' in out


def test_fmt_keeps_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.rl"
    path.write_bytes(b"\xef\xbb\xbfzero   red\n")
    code, _, _ = run_cli("fmt", str(path))
    assert code == 0 and path.read_bytes() == b"\xef\xbb\xbfzero red\n"


def test_a_bad_rule_option_is_placed_in_the_rule(tmp_path):
    from pathlib import Path

    table = Path(__file__).parents[1] / "examples" / "table.txt"
    code, out, err = run_cli("render", str(table), "-o", str(tmp_path / "x.svg"), "--rule", "zero redd")
    assert code == 2 and (out + err).startswith("<rule>:1:6: error[E001]")


def test_output_to_a_device_or_a_fifo_is_written_to_not_replaced(tmp_path):
    import os
    import threading

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    code, _, err = run_cli("editor", "textmate", "-o", str(fifo))
    reader.join(timeout=60)
    assert code == 0 and fifo.is_fifo() and got and '"scopeName"' in got[0], err
    code, _, err = run_cli("editor", "textmate", "-o", os.devnull)
    assert code == 0 and os.path.exists(os.devnull) and not os.path.isfile(os.devnull), err


@pytest.mark.parametrize("argv, words", [
    (["check", "-"], "<stdin>: error[E301] standard input is closed"),
    (["explain", "-"], "<stdin>: error[E301] standard input is closed"),
])
def test_a_closed_standard_input_is_a_diagnostic(argv, words, monkeypatch):
    monkeypatch.setattr("sys.stdin", None)
    code, out, err = run_cli(*argv)
    assert code == 2 and words in err and "internal" not in err


def test_play_with_a_closed_standard_input_ends_as_at_the_end_of_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", None)
    code, out, err = run_cli("play", "--secret", "zero red")
    assert code == 0 and "internal" not in err and out


@pytest.mark.parametrize("option", [["--max-size", "-5"], ["--timeout", "-1"], ["--timeout", "nan"],
                                    ["--beams", "0", "--student", "crn"], ["--confidence", "nan"]])
def test_play_options_out_of_range_are_usage_errors_on_standard_error(option):
    code, out, err = run_cli("play", "--machine", "student", *option)
    assert code == 2 and out == "" and err


def test_editor_errors_name_the_path(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    for argv, where in ((["textmate", "-o", str(tmp_path / "no" / "x.json")], f"{tmp_path / 'no' / 'x.json'}: error[E301]"),
                        (["vscode", str(afile)], f"{afile}: error[E301] exists and is not a folder"),
                        (["textmate", "-o", ""], "rulelang: error[E301]")):
        code, _, err = run_cli("editor", *argv)
        assert code == 2 and err.startswith(where), err
    assert afile.read_text() == "mine"


def test_json_stays_utf8_when_a_file_name_is_not(tmp_path):
    import json
    import os

    name = os.fsdecode(b"n\xff.rl")  # a name of bytes that are not UTF-8
    (tmp_path / name).write_text("zero red\nfoo\n")
    buf = io.BytesIO()
    wrapper = io.TextIOWrapper(buf, encoding="utf-8", errors="strict")
    code = main(["check", "--format", "json", str(tmp_path / name)], out=wrapper)
    wrapper.flush()
    report = json.loads(buf.getvalue().decode("utf-8"))
    assert code == 1 and report["diagnostics"][0]["code"] == "E001"


def test_the_help_of_a_game_shows_the_universes_own_glyphs(tmp_path, monkeypatch):
    w = tmp_path / "w.toml"
    w.write_text(GOOD_UNIVERSE)
    monkeypatch.setattr("sys.stdin", io.StringIO("help\nquit\n"))
    code, out, _ = run_cli("play", "--universe", str(w), "--secret", "zero red")
    assert code == 0 and "e.g. B.B" in out and "'B' red block" in out and "A.vb.." not in out


def test_data_info_check_names_a_split_the_data_set_lacks(tmp_path):
    import json
    import shutil
    from pathlib import Path

    tiny = ["--train", "40", "--train-small", "15", "--validation", "12", "--test", "24", "--k", "5,20",
            "--eval-size", "64", "-q"]
    assert run_cli("data", "make", "--out", str(tmp_path / "d"), *tiny)[0] == 0
    copy = Path(shutil.copytree(tmp_path / "d", tmp_path / "c"))
    man = json.loads((copy / "manifest.json").read_text())
    del man["splits"]["train-small"]
    (copy / "manifest.json").write_text(json.dumps(man))
    code, out, err = run_cli("data", "info", "--check", str(copy))
    assert code != 0 and "internal" not in err and "train-small" in out + err
