"""``interp/``: the vocabulary and the dialect trie, the networks' shapes and invariances,
grammar-constrained beam search, checkpoints and the loaded models.

No training here: the networks are randomly initialised (tiny sizes, one thread).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the neural tests need torch: pip install 'rulelang[neural]'")

from rulelang.interp import checkpoint
from rulelang.interp.decode import beam_search, greedy
from rulelang.interp.model import ConjectureGenerator, LabelEmpiricist, LearnedInterpreter, model_path
from rulelang.interp.vocab import BOS, EOS, PAD, SPECIALS, dialect_texts
from interp_fixtures import *  # noqa: F401,F403
from interp_fixtures import N_RULES, REGIME, random_tables, save_untrained, untrained
from rulelang.errors import RulelangError
from rulelang.parser import parse
from rulelang.printer import format_rule
from rulelang.universe import ODEEN

# -- vocabulary -----------------------------------------------------------------------------


def test_the_vocabulary_is_the_dialect_words_after_three_specials(vocab):
    texts = dialect_texts()
    assert len(texts) == N_RULES
    words = {w for t in texts for w in t.split()}
    assert vocab.words[:3] == SPECIALS == ("<pad>", "<bos>", "<eos>")
    assert list(vocab.words[3:]) == sorted(words)
    assert (PAD, BOS, EOS) == (0, 1, 2)
    assert vocab.max_len == max(len(t.split()) for t in texts) + 1 == 12
    assert "not" not in vocab.words and "green" not in vocab.words and "3" not in vocab.words


def test_every_dialect_rule_round_trips_through_the_vocabulary(vocab):
    texts = dialect_texts()
    batch = vocab.batch(texts)
    assert batch.shape == (N_RULES, vocab.max_len) and batch.dtype == np.int64
    n = np.array([len(t.split()) for t in texts])
    cols = np.arange(vocab.max_len)
    # Each row: the words' ids (no specials), then <eos>, then padding.
    assert ((batch >= len(SPECIALS)) == (cols < n[:, None])).all()
    assert (batch[np.arange(N_RULES), n] == EOS).all()
    assert ((batch == PAD) == (cols > n[:, None])).all()
    for text, row in zip(texts, batch):
        assert vocab.decode(row) == text
    assert [vocab.words[i] for i in vocab.encode(texts[-1])] == texts[-1].split()


@pytest.mark.parametrize("rule, word, column", [
    ("not at_least 1 red", "not", 1),
    ("at_least 1 green", "green", 12),
    ("at_least1red", "at_least1red", 1),
    ("at_least 3 red", "3", 10),
    ("red red  green green", "green", 10),
    ("   zero   blue   sphere", "sphere", 18),
    ("at_least 1 <eos>", "<eos>", 12),
    ("at_least 1 <pad> red", "<pad>", 12),
])
def test_an_unknown_word_is_refused_where_it_stands(vocab, rule, word, column):
    with pytest.raises(RulelangError) as err:
        vocab.encode(rule, path="rules.txt", line=3)
    e = err.value
    assert e.code == "E701" and repr(word) in e.message
    assert (e.path, e.line, e.column, e.end_column) == ("rules.txt", 3, column, column + len(word))
    assert rule[e.column - 1:e.end_column - 1] == word
    assert e.source_line == rule and "red" in e.diagnostic.expected


@pytest.mark.parametrize("rule", ["", "   ", "\t\n"])
def test_an_empty_rule_is_refused(vocab, rule):
    with pytest.raises(RulelangError, match="empty") as err:
        vocab.encode(rule)
    assert err.value.code == "E701"


def test_a_rule_longer_than_the_model_reads_is_refused(vocab):
    longest = " ".join(["red"] * (vocab.max_len - 1))
    assert len(vocab.encode(longest)) == vocab.max_len - 1
    with pytest.raises(RulelangError, match=f"a rule of {vocab.max_len} words") as err:
        vocab.encode(longest + " red")
    assert err.value.code == "E701"
    with pytest.raises(RulelangError) as err:
        vocab.batch(["at_least 1 red", longest + " and red"])
    assert err.value.code == "E701"


# -- the dialect trie -----------------------------------------------------------------------


def test_every_dialect_rule_is_a_trie_path_ending_at_its_index(vocab, trie):
    for r, text in enumerate(dialect_texts()):
        node = 0
        for i in vocab.encode(text):
            node = trie.children[node, i]
            assert node > 0 and trie.rule_at[node] == -1
        node = trie.children[node, EOS]
        assert trie.rule_at[node] == r


def test_the_trie_is_a_tree_whose_leaves_are_exactly_the_rules(vocab, trie):
    assert trie.children.shape == (trie.n_nodes, len(vocab))
    assert trie.depth == vocab.max_len
    ends = trie.rule_at[trie.rule_at >= 0]
    assert np.array_equal(np.sort(ends), np.arange(N_RULES))  # each rule once; -1 elsewhere
    assert trie.rule_at[0] == -1 and set(np.unique(trie.rule_at[trie.rule_at < 0])) == {-1}
    parent, word = np.nonzero(trie.children >= 0)
    child = trie.children[parent, word]
    assert np.array_equal(np.sort(child), np.arange(1, trie.n_nodes))  # one parent per node
    assert np.array_equal(trie.rule_at[child] >= 0, word == EOS)  # only <eos> ends a rule
    assert (trie.children[trie.rule_at >= 0] == -1).all()  # rule ends are leaves
    assert (trie.children[:, [PAD, BOS]] == -1).all()
    assert np.array_equal(trie.allowed, trie.children >= 0)


def test_every_word_has_the_role_its_parse_gives_it(vocab):
    from rulelang.interp.vocab import PARTS, max_props, rule_parts
    from rulelang.parser import parse

    assert max_props() == 2
    got = rule_parts(parse("at_least 1 red pyramid touching blue or zero block"))
    assert got == [("at_least", 0, 0), ("1", 0, 0), ("red", 0, 1), ("pyramid", 0, 1), ("touching", 0, 2),
                   ("blue", 0, 3), ("or", 1, 4), ("zero", 1, 0), ("block", 1, 1)]
    rules = vocab.rules(["exactly 2 blue and zero red pyramid"])
    assert rules.shape == (1, 2, vocab.max_len)
    ids, roles = rules[0]
    assert np.array_equal(ids, vocab.batch(["exactly 2 blue and zero red pyramid"])[0])
    parts = len(PARTS)
    assert roles.tolist()[:8] == [1, 1, 2, 1 + parts + 4, 1 + parts, 1 + parts + 1, 1 + parts + 1, 0]
    assert (roles[ids == PAD] == 0).all()


def test_every_dialect_rule_has_roles_and_other_shapes_are_refused(vocab):
    texts = list(dialect_texts())
    rules = vocab.rules(texts)
    assert rules.shape == (N_RULES, 2, vocab.max_len)
    assert ((rules[:, 1] > 0) == (rules[:, 0] > EOS)).all()
    assert np.array_equal(vocab.rules(["at_least  1 red"]), vocab.rules(["at_least 1 red"]))  # spacing
    for text in ("zero red and zero blue and zero block", "zero red or (zero blue)"):
        with pytest.raises(RulelangError) as err:
            vocab.rules([text])
        assert err.value.code == "E701"


# -- networks -------------------------------------------------------------------------------


def _rules_and_scenes(vocab, r: int, s: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    texts = [dialect_texts()[i] for i in rng.choice(N_RULES, r, replace=False)]
    ids = rng.choice(ODEEN.n_scenes, size=(r, s))
    return texts, torch.from_numpy(vocab.rules(texts)), torch.from_numpy(ODEEN.all_scenes()[ids].astype(np.int64))


@pytest.mark.parametrize("arch", ARCHS)
@torch.inference_mode()
def test_the_interpreter_labels_every_scene_under_every_rule(vocab, arch):
    net = untrained("interpreter", arch=arch)
    texts, tokens, scenes = _rules_and_scenes(vocab, 5, 7)
    logits = net(tokens, scenes)
    assert logits.shape == (5, 7) and torch.isfinite(logits).all()
    assert logits.std() > 0
    table, summary = net.read_rules(tokens)
    rule_of = torch.arange(5).repeat_interleave(7)
    flat = net.label(table, summary, rule_of, scenes.reshape(35, -1))
    assert flat.shape == (35,)
    assert torch.allclose(flat.view(5, 7), logits, atol=1e-5)
    # A pair's label does not depend on the other rules or scenes of the batch.
    assert torch.allclose(net(tokens[2:3], scenes[2:3, 4:6]), logits[2:3, 4:6], atol=1e-5)
    swapped = net(tokens.flip(0), scenes.flip(0))
    assert torch.allclose(swapped.flip(0), logits, atol=1e-5)


@pytest.mark.parametrize("arch", ARCHS)
@torch.inference_mode()
def test_extra_padding_does_not_change_the_interpreters_logits(vocab, arch):
    net = untrained("interpreter", seed=3, arch=arch)
    texts, tokens, scenes = _rules_and_scenes(vocab, 6, 5, seed=1)
    width = max(len(t.split()) for t in texts) + 1
    assert width < vocab.max_len
    tight = net(tokens[..., :width], scenes)
    assert torch.allclose(net(tokens, scenes), tight, atol=1e-5)
    assert torch.allclose(net(tokens[..., :width + 1], scenes), tight, atol=1e-5)


@torch.inference_mode()
def test_the_modular_interpreter_reads_a_word_by_its_role_not_its_position(vocab):
    net = untrained("interpreter", seed=2, arch="modular")
    _, _, scenes = _rules_and_scenes(vocab, 1, 9, seed=4)
    a, b = "at_least 1 red touching blue", "zero pyramid or exactly 2 blue block"
    tokens = torch.from_numpy(vocab.rules([a, b]))
    # Words moved within their part (or the sum of a part's words) leave the reading alone;
    # the same words in other parts change it.
    moved = tokens.clone()
    moved[1, :, 3:6] = tokens[1, :, [4, 3, 5]]  # "exactly 2 blue block": swap "exactly" and "2"
    assert torch.allclose(net(moved, scenes.expand(2, -1, -1)), net(tokens, scenes.expand(2, -1, -1)), atol=1e-5)
    other = torch.from_numpy(vocab.rules(["at_least 1 blue touching red"]))
    assert not torch.allclose(net(other, scenes), net(tokens[:1], scenes), atol=1e-4)


@torch.inference_mode()
def test_generator_and_empiricist_shapes_and_table_order(vocab):
    gen, emp = untrained("generator", seed=1), untrained("empiricist", seed=2)
    scenes, labels = random_tables(3, 8, seed=5)
    words = torch.from_numpy(vocab.batch([dialect_texts()[i] for i in (0, 500, 24000)]))
    logits = gen(scenes, labels, words)
    assert logits.shape == (3, vocab.max_len, len(vocab)) and torch.isfinite(logits).all()
    queries, _ = random_tables(3, 10, seed=6)
    out = emp(scenes, labels, queries)
    assert out.shape == (3, 10) and torch.isfinite(out).all()
    # A table is a set: the order of its entries changes nothing.
    perm = torch.randperm(8, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(gen(scenes[:, perm], labels[:, perm], words), logits, atol=1e-4)
    assert torch.allclose(emp(scenes[:, perm], labels[:, perm], queries), out, atol=1e-4)
    # Query scenes are labelled independently of one another; labels matter.
    assert torch.allclose(emp(scenes, labels, queries[:, 3:5]), out[:, 3:5], atol=1e-5)
    assert not torch.allclose(emp(scenes, ~labels, queries), out, atol=1e-4)


# -- grammar-constrained beam search ---------------------------------------------------------


def _teacher_forced_log_prob(gen, scenes, labels, vocab, rule: int) -> float:
    ids = vocab.encode(dialect_texts()[rule]) + [EOS]
    words = torch.tensor([ids])
    with torch.inference_mode():
        logp = torch.log_softmax(gen(scenes[None], labels[None], words)[0].float(), -1)
    return float(logp[torch.arange(len(ids)), words[0]].sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("width", [1, 5, 50])
def test_beam_search_returns_only_dialect_rules_best_first(vocab, trie, class_of, seed, width):
    gen = untrained("generator", seed=seed)
    scenes, labels = random_tables(2, 8, seed=seed)
    texts = dialect_texts()
    for classes in (None, class_of):
        beams = beam_search(gen, scenes, labels, trie, width, classes)
        assert len(beams) == 2
        for t, beam in enumerate(beams):
            rules, scores = beam.rules, beam.scores
            assert 1 <= rules.size <= width and rules.shape == scores.shape
            assert rules.dtype == np.int64 and ((rules >= 0) & (rules < N_RULES)).all()
            assert np.unique(rules).size == rules.size
            assert np.isfinite(scores).all() and (scores <= 0).all()
            assert (np.diff(scores) <= 0).all()
            if classes is not None:
                assert np.unique(classes[rules]).size == rules.size
            for r in rules:
                assert format_rule(parse(texts[r], dialect=True)) == texts[r]
            # Scores are the generator's log-probabilities of the rules' words (and <eos>).
            for r, s in list(zip(rules, scores))[:3]:
                assert _teacher_forced_log_prob(gen, scenes[t], labels[t], vocab, r) == pytest.approx(s, abs=1e-3)


def test_class_deduplication_keeps_the_best_rule_of_each_class(trie, class_of):
    gen = untrained("generator", seed=4)
    scenes, labels = random_tables(2, 6, seed=4)
    everything = beam_search(gen, scenes, labels, trie, 20, None, keep=10**6)
    deduped = beam_search(gen, scenes, labels, trie, 20, class_of)
    for full, best in zip(everything, deduped):
        seen, expect = set(), []
        for r in full.rules:
            if class_of[r] not in seen:
                seen.add(class_of[r])
                expect.append(r)
        assert full.rules.size > best.rules.size > 0
        assert best.rules.tolist() == expect[:20]
    assert greedy(gen, scenes, labels, trie).tolist() == [
        b.rules[0] for b in beam_search(gen, scenes, labels, trie, 1)]


# -- checkpoints and loaded models -----------------------------------------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Untrained checkpoints of each kind (no training state)."""
    root = tmp_path_factory.mktemp("interp-ckpt")
    return {kind: (root / f"{kind}.pt", save_untrained(kind, root / f"{kind}.pt", seed=7))
            for kind in ("interpreter", "generator", "empiricist")}


def test_a_checkpoint_round_trips_with_identical_outputs(saved, vocab):
    path, ckpt = saved["interpreter"]
    loaded = checkpoint.load(path, "interpreter")
    assert (loaded["format"], loaded["schema"], loaded["kind"]) == ("rulelang-model", 1, "interpreter")
    assert loaded["vocab"] == list(vocab.words) and loaded["regime"] == REGIME
    assert loaded["model"].keys() == ckpt["model"].keys()
    assert all(torch.equal(loaded["model"][k], v) for k, v in ckpt["model"].items())
    texts, tokens, scenes = _rules_and_scenes(vocab, 4, 6, seed=9)
    with torch.inference_mode():
        expect = untrained("interpreter", seed=7)(tokens, scenes).numpy()
    model = LearnedInterpreter.load(path)
    assert model.regime == REGIME and model.info["regime"] == REGIME
    assert np.allclose(model.logits(texts, ODEEN.all_scenes()[0:0]), np.zeros((4, 0)))
    got = np.stack([model.logits([t], scenes[i].numpy().astype(np.uint8))[0] for i, t in enumerate(texts)])
    assert np.allclose(got, expect, atol=1e-5)
    again = LearnedInterpreter.load(path)
    assert np.array_equal(again.logits(texts, np.arange(50)), model.logits(texts, np.arange(50)))


def test_the_loaded_interpreter_labels_scene_indices_and_glyph_rows_alike(saved):
    model = LearnedInterpreter.load(saved["interpreter"][0])
    rules = ["at_least 1 red", "zero blue pyramid pointing_down or zero blue pyramid"]
    ids = np.arange(0, ODEEN.n_scenes, 997)
    by_id = model.logits(rules, ids)
    assert by_id.shape == (2, ids.size) and by_id.dtype == np.float32
    assert np.array_equal(model.logits(rules, ODEEN.all_scenes()[ids]), by_id)
    assert np.array_equal(model.labels(rules, ids), by_id > 0)
    every = model.label_all(rules[1])  # more scenes than one chunk
    assert every.shape == (ODEEN.n_scenes,) and every.dtype == bool
    assert np.array_equal(every[ids], by_id[1] > 0)


def test_an_out_of_vocabulary_rule_is_refused_by_the_interpreter(saved):
    model = LearnedInterpreter.load(saved["interpreter"][0])
    with pytest.raises(RulelangError, match="'not'") as err:
        model.labels(["not red"], np.arange(3))
    assert err.value.code == "E701" and err.value.column == 1
    with pytest.raises(RulelangError) as err:
        model.labels(["at_least 1 red", "at_least 1 green"], np.arange(3))
    assert err.value.code == "E701" and err.value.column == 12


def test_the_generator_and_empiricist_load_and_answer(saved, class_of):
    gen = ConjectureGenerator.load(saved["generator"][0])
    beam = gen.propose(np.arange(6) * 1000, np.array([1, 0, 1, 0, 1, 0], bool), 10, class_of)
    assert 1 <= beam.rules.size <= 10 and np.unique(class_of[beam.rules]).size == beam.rules.size
    assert all(gen.texts[r] == dialect_texts()[r] for r in beam.rules)
    emp = LabelEmpiricist.load(saved["empiricist"][0])
    logits = emp.logits(np.arange(6) * 1000, np.array([1, 0, 1, 0, 1, 0], bool), np.arange(20))
    assert logits.shape == (20,) and np.isfinite(logits).all()


def test_slim_drops_the_training_state(saved, tmp_path):
    _, ckpt = saved["interpreter"]
    full = {**ckpt, "state": {"model": ckpt["model"], "optimizer": {}}, "train": {"steps": 3}}
    small = checkpoint.slim(checkpoint.load(_save(tmp_path / "full.pt", full)))
    assert "state" not in small and "format" not in small and "schema" not in small
    assert small["train"] == {"steps": 3} and small["model"].keys() == ckpt["model"].keys()
    back = checkpoint.load(_save(tmp_path / "slim.pt", small), "interpreter")
    assert "state" not in back and back["schema"] == checkpoint.SCHEMA
    assert (tmp_path / "slim.pt").stat().st_size < (tmp_path / "full.pt").stat().st_size


def _save(path, ckpt):
    checkpoint.save(path, ckpt)
    return path


def test_a_truncated_checkpoint_is_an_unreadable_model(saved, tmp_path):
    data = saved["interpreter"][0].read_bytes()
    bad = tmp_path / "half.pt"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(RulelangError) as err:
        checkpoint.load(bad)
    assert err.value.code == "E702" and err.value.path == str(bad) and str(bad) in str(err.value)
    with pytest.raises(RulelangError) as err:
        LearnedInterpreter.load(bad)
    assert err.value.code == "E702"
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a model at all\n" * 10)
    with pytest.raises(RulelangError) as err:
        checkpoint.load(garbage)
    assert err.value.code == "E702" and str(garbage) in str(err.value)


def test_random_bytes_are_not_a_rulelang_checkpoint_and_unsafe_loading_is_never_suggested(tmp_path):
    import os

    noise = tmp_path / "noise.pt"
    noise.write_bytes(os.urandom(4096))
    with pytest.raises(RulelangError, match="not a rulelang checkpoint") as err:
        checkpoint.load(noise)
    assert err.value.code == "E702" and "weights_only" not in str(err.value)


def test_a_checkpoint_holding_code_objects_is_refused_without_advice_to_load_it_anyway(tmp_path):
    import fractions

    evil = tmp_path / "evil.pt"
    torch.save({"format": checkpoint.FORMAT, "thing": fractions.Fraction(1, 3)}, evil)
    with pytest.raises(RulelangError, match="not a rulelang checkpoint: it holds Python objects") as err:
        checkpoint.load(evil)
    assert "weights_only" not in str(err.value) and "False" not in str(err.value)


def test_a_directory_given_as_a_model_is_said_to_be_a_directory(tmp_path):
    with pytest.raises(RulelangError, match="is a directory, not a model file") as err:
        LearnedInterpreter.load(tmp_path)
    assert err.value.code == "E702" and err.value.path == str(tmp_path)


def test_a_missing_checkpoint_is_an_unreadable_model(tmp_path):
    missing = tmp_path / "nowhere" / "interpreter.pt"
    with pytest.raises(RulelangError, match="no such model file") as err:
        LearnedInterpreter.load(missing)
    assert err.value.code == "E702" and err.value.path == str(missing)


def test_a_checkpoint_of_another_schema_format_or_kind_is_refused(saved, tmp_path):
    path, _ = saved["interpreter"]
    raw = torch.load(path, weights_only=True)
    for name, change, words in [("schema.pt", {"schema": 999}, "schema version 999"),
                                ("format.pt", {"format": "something-else"}, "format")]:
        torch.save({**raw, **change}, tmp_path / name)
        with pytest.raises(RulelangError, match=words) as err:
            checkpoint.load(tmp_path / name)
        assert err.value.code == "E703" and err.value.path == str(tmp_path / name)
    torch.save({"weights": torch.zeros(3)}, tmp_path / "plain.pt")
    with pytest.raises(RulelangError) as err:
        checkpoint.load(tmp_path / "plain.pt")
    assert err.value.code == "E703"
    with pytest.raises(RulelangError, match="a generator model, not an interpreter") as err:
        LearnedInterpreter.load(saved["generator"][0])
    assert err.value.code == "E703"
    with pytest.raises(RulelangError, match="model, not a generator") as err:
        ConjectureGenerator.load(path)
    assert err.value.code == "E703"
    torch.save({k: v for k, v in raw.items() if k != "model"}, tmp_path / "noweights.pt")
    with pytest.raises(RulelangError, match="'model'") as err:
        checkpoint.load(tmp_path / "noweights.pt")
    assert err.value.code == "E702"


def test_the_wrong_kind_message_uses_the_right_article(saved):
    with pytest.raises(RulelangError) as err:
        ConjectureGenerator.load(saved["interpreter"][0])
    assert err.value.message == "an interpreter model, not a generator"
    with pytest.raises(RulelangError) as err:
        LearnedInterpreter.load(saved["empiricist"][0])
    assert err.value.message == "an empiricist model, not an interpreter"


def test_weights_that_do_not_fit_the_described_network_are_refused(saved, tmp_path):
    raw = torch.load(saved["interpreter"][0], weights_only=True)
    torch.save({**raw, "net": {**raw["net"], "d": 32}}, tmp_path / "wider.pt")
    with pytest.raises(RulelangError, match="do not fit") as err:
        LearnedInterpreter.load(tmp_path / "wider.pt")
    assert err.value.code == "E702"
    torch.save({**raw, "vocab": raw["vocab"][:-1]}, tmp_path / "vocab.pt")
    with pytest.raises(RulelangError, match="vocabulary") as err:
        LearnedInterpreter.load(tmp_path / "vocab.pt")
    assert err.value.code == "E703"


def test_model_path_prefers_an_explicit_path_then_the_regimes_model(tmp_path):
    assert model_path("generator", tmp_path / "x.pt", REGIME, tmp_path) == tmp_path / "x.pt"
    with pytest.raises(RulelangError, match=f"no generator trained in regime {REGIME}") as err:
        model_path("generator", None, REGIME, tmp_path)
    assert err.value.code == "E702" and err.value.path == str(tmp_path / REGIME / "generator.pt")
    (tmp_path / REGIME).mkdir()
    (tmp_path / REGIME / "generator.pt").write_bytes(b"")
    assert model_path("generator", None, REGIME, tmp_path) == tmp_path / REGIME / "generator.pt"
    assert model_path("generator").name == "generator.pt"  # the shipped model's place
