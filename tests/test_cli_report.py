"""``rulelang.report``: the records behind ``rulelang check``, checked against the reference evaluator."""

from __future__ import annotations

from pathlib import Path

import pytest

import rulelang.checker
import rulelang.report
from rulelang.reference import evaluate
from rulelang.report import CONTRADICTED, check

EXAMPLES = Path(__file__).parents[1] / "examples"
FIXTURES = Path(__file__).parent / "fixtures"


def example_report(scenes: str = "table.txt", engine: str = "auto"):
    return check((EXAMPLES / "rules.rl").read_text(), "rules.rl", (EXAMPLES / scenes).read_text(), scenes,
                 engine=engine)


@pytest.mark.parametrize("engine", ["compiled", "reference", "auto"])
@pytest.mark.parametrize("scenes", ["table.txt", "scenes.txt", "../tests/fixtures/mixed.txt"])
def test_every_label_agrees_with_the_reference_evaluator_whatever_the_engine(scenes, engine):
    report = example_report(scenes, engine)
    entries = report.scene_file.entries
    for result in report.results:
        expected = [evaluate(result.entry.rule, s.scene) for s in entries]
        assert result.labels.tolist() == expected


def test_the_falsifiers_are_exactly_the_labelled_scenes_a_rule_gets_wrong():
    report = example_report("../tests/fixtures/mixed.txt")
    for result in report.results:
        wrong = [s.line for s in report.scene_file.entries
                 if s.label is not None and evaluate(result.entry.rule, s.scene) != s.label]
        assert [f.line for f in result.falsifiers] == wrong
        assert all(f.expected != f.got for f in result.falsifiers)
        assert result.explains is (not wrong)


def test_all_rules_are_labelled_in_one_pass_of_the_checker(monkeypatch):
    calls = []
    real_run = rulelang.checker.run

    def counting_run(program, *args, **kwargs):
        calls.append(program.n_rules)
        return real_run(program, *args, **kwargs)

    monkeypatch.setattr(rulelang.checker, "run", counting_run)
    report = example_report(engine="compiled")
    assert calls == [len(report.results)]


def test_the_automatic_engine_is_the_reference_for_small_batches_and_compiled_for_large(monkeypatch):
    assert example_report().engine == "reference"
    monkeypatch.setattr(rulelang.report, "SMALL_BATCH", 0)
    assert example_report().engine == "compiled"


def test_an_unknown_engine_is_a_value_error():
    with pytest.raises(ValueError, match="engine"):
        example_report(engine="quantum")


def test_each_falsified_rule_is_one_finding_pointing_at_the_rule():
    report = example_report()
    contradictions = [f for f in report.findings() if f.kind == "contradiction"]
    assert [f.error.line for f in contradictions] == [r.entry.line for r in report.contradicted]
    assert all(f.error.code == CONTRADICTED and f.error.path == "rules.rl" for f in contradictions)
    assert all(f.falsifiers for f in contradictions)


def test_without_scenes_rules_are_only_parsed_and_have_no_verdict():
    report = check((FIXTURES / "bad.rl").read_text(), "bad.rl")
    assert report.scene_file is None
    assert [r.entry.name for r in report.results] == ["first", "third"]
    assert all(r.explains is None for r in report.results)
    assert {f.kind for f in report.findings()} == {"rule"}
    assert {f.error.path for f in report.findings()} == {"bad.rl"}


def test_an_empty_rule_file_against_a_table_has_no_findings():
    report = check("# nothing here\n\n", "empty.rl", (FIXTURES / "table.txt").read_text(), "table.txt")
    assert report.results == [] and report.findings() == []


# -- big tables: counts from bit rows, only the falsifiers that are shown ---------------


def big_table(n: int, seed: int = 1) -> str:
    import numpy as np

    from rulelang.universe import ODEEN

    rng = np.random.default_rng(seed)
    ids = rng.integers(0, ODEEN.n_scenes, n)
    scenes = [ODEEN.format_scene(s) for s in ODEEN.all_scenes()[ids]]
    labels = ids * 2_654_435_761 % 7 < 3  # a scene drawn twice gets the same label
    unlabelled = rng.random(n) < 0.1
    return "".join(f"{s}\n" if u else f"{s} {'true' if v else 'false'}\n"
                   for s, v, u in zip(scenes, labels, unlabelled))


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_counts_and_first_falsifiers_on_a_big_table_are_the_reference_ones(engine):
    rules = "at_least 1 red\nzero blue touching red\nnot exactly 2 pyramid or at_most 1 block\n"
    report = check(rules, "r.rl", big_table(700), "t.txt", engine=engine)
    entries = report.scene_file.entries
    for result in report.results:
        wrong = [s.line for s in entries
                 if s.label is not None and evaluate(result.entry.rule, s.scene) != s.label]
        truths = sum(evaluate(result.entry.rule, s.scene) for s in entries)
        assert (result.n_falsified, result.n_true) == (len(wrong), truths)
        assert [f.line for f in result.first_falsifiers(5)] == wrong[:5]
        assert [f.line for f in result.first_falsifiers(70)] == wrong[:70]  # across words
        assert [f.line for f in result.falsifiers] == wrong


def test_a_finding_lists_a_few_falsifiers_and_counts_them_all():
    report = check("at_least 1 red\n", "r.rl", big_table(2_000), "t.txt")
    (finding,) = report.findings(3)
    assert len(finding.falsifiers) == 3 and finding.n_falsifiers == report.results[0].n_falsified > 3
    assert f"falsified by {finding.n_falsifiers:,} of" in finding.error.message
    assert finding.to_json()["falsified_count"] == finding.n_falsifiers
    (default,) = report.findings()
    assert len(default.falsifiers) == rulelang.report.FALSIFIER_LIMIT


def test_judging_builds_no_falsifier_records_until_they_are_asked_for(monkeypatch):
    made = []
    real = rulelang.report.Falsifier

    def counting(*args):
        made.append(args)
        return real(*args)

    monkeypatch.setattr(rulelang.report, "Falsifier", counting)
    report = check("at_least 1 red\nzero red\n", "r.rl", big_table(5_000), "t.txt")
    assert made == [] and report.contradicted
    report.findings(3)
    assert len(made) == 6
