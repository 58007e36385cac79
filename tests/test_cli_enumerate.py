"""``rulelang enumerate`` on the real Odeen dialect, compared with the golden data."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from rulelang.cli import main

GOLDEN = Path(__file__).resolve().parents[2] / "shared" / "golden"


def cli(*argv: str | Path) -> tuple[int, str]:
    out = io.StringIO()
    code = main([str(a) for a in argv], out=out)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def golden_summary() -> dict:
    return json.loads((GOLDEN / "summary.json").read_text())


@pytest.fixture(scope="module")
def tsv() -> tuple[int, str]:
    """One run of ``rulelang enumerate`` (TSV to standard output), shared by the tests below."""
    return cli("enumerate")


@pytest.fixture(scope="module")
def rows(tsv) -> list[dict]:
    return list(csv.DictReader(io.StringIO(tsv[1]), delimiter="\t"))


def test_enumerate_prints_a_header_and_one_line_per_dialect_rule(tsv, golden_summary):
    code, text = tsv
    lines = text.splitlines()
    assert code == 0
    assert lines[0].split("\t") == ["rule", "class", "canonical", "true_count", "constant"]
    assert len(lines) == 1 + golden_summary["rules"] == 1 + 24_794


def test_enumerated_rules_are_distinct_and_fall_into_the_golden_number_of_classes(rows, golden_summary):
    assert len({r["rule"] for r in rows}) == len(rows)
    assert len({r["class"] for r in rows}) == golden_summary["classes"]


def test_constant_flags_agree_with_the_golden_summary_and_with_the_true_counts(rows, golden_summary):
    flags = Counter(r["constant"] for r in rows)
    assert flags["true"] == golden_summary["constant_true"]
    assert flags["false"] == golden_summary["constant_false"]
    n = golden_summary["scenes"]
    expected = {n: "true", 0: "false"}
    assert all(r["constant"] == expected.get(int(r["true_count"]), "") for r in rows)


def test_true_counts_agree_with_the_golden_sample(rows):
    count = {r["rule"]: int(r["true_count"]) for r in rows}
    with (GOLDEN / "dialect_sample.tsv").open() as fh:
        sample = list(csv.DictReader(fh, delimiter="\t"))
    assert sample
    assert {s["rule"]: count[s["rule"]] for s in sample} == {s["rule"]: int(s["true_count"]) for s in sample}


def test_every_class_has_one_canonical_rule_that_belongs_to_it_with_the_same_true_count(rows):
    by_rule = {r["rule"]: r for r in rows}
    canon = {}
    for r in rows:
        assert canon.setdefault(r["class"], r["canonical"]) == r["canonical"]
        assert by_rule[r["canonical"]]["class"] == r["class"]
        assert by_rule[r["canonical"]]["true_count"] == r["true_count"]


def test_classes_as_json_written_atomically_to_a_file_match_the_golden_summary(tmp_path, golden_summary, rows, capsys):
    target = tmp_path / "classes.json"
    code, text = cli("enumerate", "--classes", "--format", "json", "--output", target)
    assert code == 0
    assert str(target) in text
    assert [p.name for p in tmp_path.iterdir()] == ["classes.json"]  # no temporary file left
    plain = tmp_path / "plain"
    plain.write_text("")  # a file created the ordinary way: the permissions a new file should get
    assert target.stat().st_mode == plain.stat().st_mode
    plain.unlink()
    data = json.loads(target.read_text())
    assert data["summary"] == golden_summary
    classes = data["classes"]
    assert [c["class"] for c in classes] == list(range(golden_summary["classes"]))
    assert sum(c["size"] for c in classes) == golden_summary["rules"]
    assert Counter(r["class"] for r in rows) == Counter({str(c["class"]): c["size"] for c in classes})
    # The progress note goes to a terminal only; under pytest stderr is not one.
    assert capsys.readouterr().err == ""
