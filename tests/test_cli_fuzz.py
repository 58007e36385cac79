"""Fuzzing ``rulelang check``: whatever the files hold, a diagnostic and exit 1 or 2, never a crash."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulelang.cli import main

EXAMPLES = Path(__file__).parents[1] / "examples"
EXAMPLE_LINES = (EXAMPLES / "rules.rl").read_text().splitlines()
DIAGNOSTIC = re.compile(r"^\S+: error\[E\d{3}\] ", re.M)
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def check_bytes(workdir: Path, rules: bytes, scenes: bytes | None) -> tuple[int, str]:
    (workdir / "rules.rl").write_bytes(rules)
    argv = ["check", str(workdir / "rules.rl")]
    if scenes is not None:
        (workdir / "scenes.txt").write_bytes(scenes)
        argv.append(str(workdir / "scenes.txt"))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(argv, out=out)
    assert "internal error" not in err.getvalue()
    # A file check cannot read (not UTF-8) stops it: that diagnostic is on standard error.
    return code, out.getvalue() + err.getvalue()


def assert_findings_are_diagnosed(code: int, text: str) -> None:
    assert code in (0, 1, 2)
    # Exit 1 or 2 comes with at least one located diagnostic; exit 0 with none.
    assert bool(DIAGNOSTIC.search(text)) == (code != 0)


@st.composite
def mutated_rules(draw) -> bytes:
    """Example rule lines with characters deleted, inserted or replaced, and words shuffled."""
    lines = draw(st.lists(st.sampled_from(EXAMPLE_LINES), min_size=1, max_size=6))
    out = []
    for line in lines:
        chars = list(line)
        for _ in range(draw(st.integers(0, 3))):
            i = draw(st.integers(0, len(chars)))
            op = draw(st.sampled_from(["delete", "insert", "replace", "swap_words"]))
            if op == "delete" and chars:
                del chars[min(i, len(chars) - 1)]
            elif op == "insert":
                chars.insert(i, draw(st.characters()))
            elif op == "replace" and chars:
                chars[min(i, len(chars) - 1)] = draw(st.sampled_from(" ()#:0123456789xyz\t"))
            elif op == "swap_words":
                words = "".join(chars).split(" ")
                j, k = draw(st.integers(0, len(words) - 1)), draw(st.integers(0, len(words) - 1))
                words[j], words[k] = words[k], words[j]
                chars = list(" ".join(words))
        out.append("".join(chars))
    return "\n".join(out).encode("utf-8", "surrogatepass")


@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes_as_a_rule_file_never_crash_check(workdir, data):
    assert_findings_are_diagnosed(*check_bytes(workdir, data, None))


@FUZZ
@given(data=mutated_rules())
def test_mutated_example_rules_never_crash_check(workdir, data):
    table = (EXAMPLES / "table.txt").read_bytes()
    assert_findings_are_diagnosed(*check_bytes(workdir, data, table))


@FUZZ
@given(data=st.binary(max_size=200) | st.text("ABVabv.\n #truefalse", max_size=120).map(str.encode))
def test_random_scene_files_never_crash_check(workdir, data):
    rules = (EXAMPLES / "rules.rl").read_bytes()
    assert_findings_are_diagnosed(*check_bytes(workdir, rules, data))


# -- the fuzz campaign of bench/bench_fuzz.py, small, with a fixed seed ---------------------

from search_fixtures import index  # noqa: E402,F401 - the dialect index, for explain


def test_a_fuzz_campaign_through_check_fmt_eval_and_explain_finds_no_failure(index, tmp_path):
    from rulelang.cli.fuzz import campaign

    tally = campaign(300, seed=16, workdir=tmp_path)
    assert tally.tried == 300 and set(tally.commands) == {"check", "fmt", "eval", "explain"}
    assert tally.failures == []
    # The campaign reaches the diagnostics of every kind of input.
    assert {"E001", "E002", "E101", "E201", "E203", "E401", "E601"} <= set(tally.codes)
    assert set(tally.exits) <= {0, 1, 2} and tally.exits[0] and tally.exits[1]


def test_the_fuzz_campaign_is_the_same_for_the_same_seed(index, tmp_path):
    from rulelang.cli.fuzz import campaign

    a = campaign(40, seed=5, workdir=tmp_path).to_json()
    b = campaign(40, seed=5, workdir=tmp_path).to_json()
    assert (a["codes"], a["exit_codes"], a["commands"]) == (b["codes"], b["exit_codes"], b["commands"])
