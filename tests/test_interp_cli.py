"""``rulelang eval --engine interpreter``: the learned interpreter from the command line."""

from __future__ import annotations

import io
import json

import pytest

pytest.importorskip("torch", reason="the neural tests need torch: pip install 'rulelang[neural]'")

from interp_fixtures import *  # noqa: F401,F403
from rulelang.cli import main


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out), out.getvalue()


def test_the_learned_interpreter_labels_scenes_with_probabilities(interp_models):
    code, text = run("eval", "--engine", "interpreter", "--model", str(interp_models["interpreter"]),
                     "at_least 1 red", "A.....", "b.....", "--format", "json")
    assert code == 0, text
    got = json.loads(text)
    assert got["engine"] == "interpreter"
    assert [row["scene"] for row in got["labels"]] == ["A.....", "b....."]
    for row in got["labels"]:
        assert 0.0 <= row["probability"] <= 1.0
        assert row["label"] == (row["probability"] > 0.5)


@pytest.mark.parametrize("rule, column, word", [("not zero red", 1, "not"), ("exactly 3 red", 9, "3"),
                                                ("zero red and zero blue and zero block", 24, "and")])
def test_a_rule_the_interpreter_cannot_read_is_refused_with_its_location(interp_models, rule, column, word):
    code, text = run("eval", "--engine", "interpreter", "--model", str(interp_models["interpreter"]),
                     rule, "A.....", "--color", "never")
    assert code == 2
    assert f"<rule>:1:{column}: error[E701]" in text, text
    assert word in text and "Traceback" not in text


def test_a_truncated_model_gets_a_diagnostic_naming_it(interp_models, tmp_path):
    bad = tmp_path / "half.pt"
    data = interp_models["interpreter"].read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    code, text = run("eval", "--engine", "interpreter", "--model", str(bad), "zero red", "A.....")
    assert code == 2
    assert str(bad) in text and "E702" in text and "Traceback" not in text
