"""The measures against naive implementations: NRS (with ties), ceilings, T-Acc, classes."""

from __future__ import annotations

import numpy as np
import pytest

from rulelang.measures import INVALID, NO_CLASS, Judge

N_SCENES = 117_649


@pytest.fixture(scope="module")
def judge(dialect):
    return Judge(dialect)


def bits(judge, rows, scenes):
    """Naive: labels of rule-major ``rows`` (n x words) on ``scenes`` (n x m)."""
    packed = rows.view(np.uint8)
    byte = np.take_along_axis(packed, scenes >> 3, axis=1)
    return ((byte >> (7 - (scenes & 7)).astype(np.uint8)) & 1).astype(bool)


def class_rows(judge):
    return judge.words[judge.canonical]


def naive_nrs_all(judge, hidden, row):
    dist = np.bitwise_count(class_rows(judge) ^ row[None, :]).sum(axis=1)
    hc = judge.class_of[hidden]
    return bool((np.delete(dist, hc) > dist[hc]).all()), int(dist[hc])


def naive_nrs_sample(judge, hidden, scenes, labels):
    canon = judge.canonical
    got = bits(judge, judge.words[canon], np.repeat(scenes[None, :], canon.size, axis=0))
    dist = (got != labels[None, :]).sum(axis=1)
    hc = judge.class_of[hidden]
    return bool((np.delete(dist, hc) > dist[hc]).all())


def flip(row, scenes):
    out = row.copy()
    b = out.view(np.uint8)
    for s in scenes:
        b[s >> 3] ^= np.uint8(1 << (7 - (s & 7)))
    return out


def rule_index(dialect, text):
    return dialect.texts.index(text)


def test_the_scene_major_matrix_is_the_transpose_of_the_class_rows(judge):
    rng = np.random.default_rng(0)
    c = rng.integers(0, judge.n_classes, 5000)
    s = rng.integers(0, N_SCENES, 5000)
    want = bits(judge, judge.words[judge.canonical[c]], s[:, None])[:, 0]
    got = (judge.scene_major[s, c >> 6] >> (c & 63).astype(np.uint64)) & np.uint64(1)
    assert np.array_equal(got.astype(bool), want)


def test_nrs_on_all_scenes_agrees_with_the_naive_search(dialect, judge):
    rng = np.random.default_rng(1)
    hidden = rng.integers(0, len(dialect.rules), 16)
    rows = judge.words[hidden].copy()
    rows[1] = judge.words[rng.integers(0, len(dialect.rules))]  # another rule's labels
    rows[2] = 0  # a constant learner
    rows[3] = flip(rows[3], rng.choice(N_SCENES, 300, replace=False))  # a noisy learner
    rows[4] = flip(rows[4], rng.choice(N_SCENES, 30_000, replace=False))  # a very noisy one
    ok, dist = judge.nrs_all(hidden, rows)
    naive = [naive_nrs_all(judge, h, r) for h, r in zip(hidden, rows)]
    assert ok.tolist() == [n[0] for n in naive]
    assert dist.tolist() == [n[1] for n in naive]
    assert ok[0] and not ok[2]


def test_nrs_on_all_scenes_fails_when_another_rule_is_exactly_as_near(dialect, judge):
    # a and its nearest other class b disagree on an even number D of scenes; labels that
    # follow b on half of them are D/2 from both: a tie, so NRS fails. Following a on one
    # more scene makes a the strict nearest (any other class is >= D from a, by the
    # triangle inequality >= D/2 + 1 from those labels).
    a = rule_index(dialect, "at_least 1 red touching blue")
    dist = np.bitwise_count(class_rows(judge) ^ judge.words[a][None, :]).sum(axis=1)
    dist[judge.class_of[a]] = N_SCENES + 1
    b = judge.canonical[np.argmin(dist)]
    differ = np.flatnonzero(np.unpackbits((judge.words[a] ^ judge.words[b]).view(np.uint8))[:N_SCENES])
    assert differ.size % 2 == 0 and differ.size > 0
    tie = flip(judge.words[a], differ[: differ.size // 2])
    ok, got = judge.nrs_all(np.array([a]), tie[None, :])
    assert naive_nrs_all(judge, a, tie) == (False, differ.size // 2)
    assert not ok[0] and got[0] == differ.size // 2
    nearer = flip(tie, differ[:1])
    assert judge.nrs_all(np.array([a]), nearer[None, :])[0][0]
    assert naive_nrs_all(judge, a, nearer)[0]


def test_nrs_on_a_sample_agrees_with_the_naive_search(dialect, judge):
    rng = np.random.default_rng(2)
    hidden = rng.integers(0, len(dialect.rules), 10)
    scenes = np.stack([rng.choice(N_SCENES, 200, replace=False) for _ in hidden])
    labels = bits(judge, judge.words[hidden], scenes)
    labels[1] = ~labels[1]
    labels[2] = False
    labels[3, :20] = ~labels[3, :20]
    ok = judge.nrs_sample(hidden, scenes, labels)
    assert ok.tolist() == [naive_nrs_sample(judge, h, s, lab) for h, s, lab in zip(hidden, scenes, labels)]


def test_nrs_on_a_sample_fails_when_a_non_equivalent_rule_ties_on_it(dialect, judge):
    a = rule_index(dialect, "at_least 1 red")
    b = rule_index(dialect, "at_least 1 red block")
    same = np.flatnonzero(~np.unpackbits((judge.words[a] ^ judge.words[b]).view(np.uint8))[:N_SCENES].astype(bool))
    scenes = np.random.default_rng(3).choice(same, 100, replace=False)[None, :]
    labels = bits(judge, judge.words[[a]], scenes)
    # Perfect labels on a sample where b labels alike: b is as near, and not equivalent.
    assert not judge.nrs_sample(np.array([a]), scenes, labels)[0]
    assert not naive_nrs_sample(judge, a, scenes[0], labels[0])


def test_equivalent_rules_never_count_as_rivals(dialect, judge):
    a = rule_index(dialect, "at_least 1 red")
    twin = rule_index(dialect, "at_least 1 red or at_least 1 red")
    assert judge.class_of[a] == judge.class_of[twin] and a != twin
    ok, _ = judge.nrs_all(np.array([twin]), judge.words[[a]])
    assert ok[0]


def test_consistent_counts_agree_with_a_naive_count(dialect, judge):
    rng = np.random.default_rng(4)
    hidden = rng.integers(0, len(dialect.rules), 6)
    # Few distinct scenes (repeated to 32 columns) leave many classes consistent.
    scenes = np.stack([np.resize(rng.choice(N_SCENES, k, replace=False), 32) for k in (1, 3, 8, 8, 32, 32)])
    labels = bits(judge, judge.words[hidden], scenes)
    canon = judge.canonical
    naive = [int((bits(judge, judge.words[canon], np.repeat(s[None, :], canon.size, 0)) == lab).all(1).sum())
             for s, lab in zip(scenes, labels)]
    got = judge.consistent(scenes, labels)
    assert got.tolist() == naive
    assert judge.ceiling(scenes, labels).tolist() == [n == 1 for n in naive]


def test_t_acc_is_the_share_of_matching_labels(judge):
    truth = np.array([[True, False, True, True], [False] * 4])
    pred = np.array([[True, True, True, False], [False] * 4])
    assert judge.t_acc(pred, truth).tolist() == [0.5, 1.0]
    with pytest.raises(ValueError):
        judge.t_acc(pred[:, :3], truth)


def test_rules_are_classified_by_meaning_not_by_text(dialect, judge):
    red = judge.class_of[rule_index(dialect, "at_least 1 red")]
    got = judge.classify(["at_least 1 red", "  at_least   1 red ", "not zero red", "at_least 1 rde"])
    assert got.tolist() == [red, red, red, INVALID]


@pytest.mark.parametrize("text", [
    "at_least 3 blue",  # = at_least 2 blue at_the_right_of blue: inside the dialect
    "at_least 1 red and at_least 1 blue and at_least 1 block",
    "not exactly 1 red touching blue and at_least 1 blue pyramid",
])
def test_a_full_language_rule_gets_the_class_of_the_dialect_rule_it_equals(judge, text):
    row = judge.rows([text])[0]
    same = np.flatnonzero((judge.words[judge.canonical] == row[None, :]).all(axis=1))
    assert judge.classify([text]).tolist() == (same.tolist() or [NO_CLASS])


def test_the_rank_is_the_first_equivalent_candidate(judge):
    assert judge.first_equivalent(5, np.array([3, 5, 5])) == 2
    assert judge.first_equivalent(5, np.array([], dtype=np.int64)) == 0
    assert judge.first_equivalent(5, np.array([NO_CLASS, INVALID])) == 0


def test_packing_labels_gives_rule_major_rows(dialect, judge):
    r = rule_index(dialect, "exactly 2 blue pyramid")
    labels = dialect.matrix.bools()[r:r + 1] if False else np.unpackbits(
        dialect.matrix.packed[r:r + 1], axis=1, count=N_SCENES).astype(bool)
    assert np.array_equal(judge.pack(labels)[0], judge.words[r])
