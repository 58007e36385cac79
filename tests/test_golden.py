"""Golden agreement: our checker against the paper's own implementation (shared/golden)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from rulelang.checker import compile_rules, run
from rulelang.parser import parse
from rulelang.reference import evaluate
from rulelang.universe import ODEEN

LABELS = {"true": True, "false": False}


def read_tsv(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.fixture(scope="module")
def sample_rows(golden_dir):
    rows = read_tsv(golden_dir / "dialect_sample.tsv")
    assert len(rows) >= 1000, "the golden sample is unexpectedly small"
    return rows


@pytest.fixture(scope="module")
def triples(golden_dir):
    rows = read_tsv(golden_dir / "triples.tsv")
    assert len(rows) >= 10_000, "the golden triples are unexpectedly few"
    return rows


def test_every_golden_rule_is_a_dialect_rule_spelled_canonically(dialect, sample_rows):
    index = {text: i for i, text in enumerate(dialect.texts)}
    for row in sample_rows:
        assert row["rule"] in index, row["rule"]
        assert parse(row["rule"], dialect=True) == dialect.rules[index[row["rule"]]]


def test_every_golden_rule_has_the_golden_true_count_and_label_checksum(dialect, sample_rows):
    index = {text: i for i, text in enumerate(dialect.texts)}
    matrix = dialect.matrix
    wrong = []
    for row in sample_rows:
        r = index[row["rule"]]
        if (int(dialect.true_counts[r]), matrix.sha256(r)) != (int(row["true_count"]), row["sha256_packbits"]):
            wrong.append(row["rule"])
    assert not wrong, f"{len(wrong)} rules differ from the golden data, e.g. {wrong[:3]}"


def test_a_semantics_matrix_of_the_golden_rules_alone_has_the_same_checksums(sample_rows, warm_kernels):
    # The same rows again, compiled apart from the rest of the dialect (other shared atoms).
    rules = [parse(row["rule"]) for row in sample_rows[:300]]
    rows = run(compile_rules(rules), None)
    for r, row in enumerate(sample_rows[:300]):
        assert rows.sha256(r) == row["sha256_packbits"], row["rule"]


@pytest.fixture(scope="module")
def rule_of(dialect):
    """Dialect rule text -> its AST (cheaper than parsing 14,000 texts again)."""
    return dict(zip(dialect.texts, dialect.rules))


def test_every_golden_triple_names_a_dialect_rule_and_a_scene(triples, rule_of):
    assert {t["rule"] for t in triples} <= rule_of.keys()
    assert {t["label"] for t in triples} <= LABELS.keys()
    ODEEN.parse_scenes([t["scene"] for t in triples])  # raises on a bad scene


def test_every_golden_triple_is_labelled_alike_by_the_compiled_checker(triples, rule_of, warm_kernels):
    texts = sorted({t["rule"] for t in triples})
    index = {text: i for i, text in enumerate(texts)}
    scenes = ODEEN.parse_scenes([t["scene"] for t in triples])
    packed = run(compile_rules([rule_of[text] for text in texts]), scenes).packed
    # Triple k asks for rule r_k on scene k: one bit of the packed label rows.
    r, k = np.array([index[t["rule"]] for t in triples]), np.arange(len(triples))
    got = ((packed[r, k >> 3] >> (7 - (k & 7)).astype(np.uint8)) & 1).astype(bool)
    expected = np.array([LABELS[t["label"]] for t in triples])
    assert np.array_equal(got, expected), np.flatnonzero(got != expected)[:5]


def test_every_golden_triple_is_labelled_alike_by_the_reference_evaluator(triples, rule_of):
    wrong = [t for t in triples if evaluate(rule_of[t["rule"]], t["scene"]) != LABELS[t["label"]]]
    assert not wrong, wrong[:3]


def test_the_whole_dialect_has_the_golden_counts_of_rules_scenes_classes_and_constants(dialect, golden_dir):
    summary = json.loads((golden_dir / "summary.json").read_text(encoding="utf-8"))
    constant = dialect.constant()
    assert {
        "rules": len(dialect.rules),
        "scenes": dialect.matrix.n_scenes,
        "classes": dialect.classes.n_classes,
        "constant_true": int((constant == 1).sum()),
        "constant_false": int((constant == -1).sum()),
    } == {key: summary[key] for key in ("rules", "scenes", "classes", "constant_true", "constant_false")}
    assert ODEEN.n_scenes == summary["scenes"]
