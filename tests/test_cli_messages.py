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
