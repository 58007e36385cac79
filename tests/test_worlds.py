"""Every engine on a world that is not Odeen: three colours, 4 cells, forced through the
streamed paths (the matrix budget set to nothing), and compared with the in-memory ones."""

from __future__ import annotations

import dataclasses
import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rulelang import stream
from rulelang.checker import label
from rulelang.cli import main
from rulelang.worldfile import load_universe

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """The example world of three colours, on 4 cells (10,000 scenes)."""
    text = (REPO / "examples" / "tricolor.toml").read_text().replace("length = 6", "length = 4")
    text = text.replace('name = "tricolor"', 'name = "tricolor-4"')
    path = tmp_path_factory.mktemp("world") / "tricolor-4.toml"
    path.write_text(text)
    return path


@pytest.fixture
def streamed(monkeypatch, tmp_path):
    """Every exact path streams, as on a world too large to hold; the search cache is private."""
    monkeypatch.setattr(stream, "MATRIX_BUDGET", 0)
    monkeypatch.setattr(stream, "STREAM_SCENES", 0)
    monkeypatch.setenv("RULELANG_CACHE_DIR", str(tmp_path / "cache"))
    from rulelang.search import index

    monkeypatch.setattr(index, "_CACHE", {})


def cli(*argv, stdin: str | None = None) -> tuple[int, str]:
    out = io.StringIO()
    old = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        return main([str(a) for a in argv], out=out), out.getvalue()
    finally:
        sys.stdin = old


def test_enumerate_streamed_writes_what_the_in_memory_matrix_writes(world, monkeypatch, tmp_path):
    code, in_memory = cli("enumerate", "--universe", world)
    assert code == 0
    monkeypatch.setattr(stream, "MATRIX_BUDGET", 0)
    out = tmp_path / "rules.tsv"
    code, text = cli("enumerate", "--universe", world, "-o", out)
    assert code == 0 and out.read_text() == in_memory
    assert in_memory.count("\n") == 1 + 43_092


def test_the_checking_commands_work_in_a_world_of_three_colours(world, streamed, tmp_path):
    code, text = cli("eval", "--universe", world, "at_least 1 green touching red", "GA..", "G.A.", "--color", "never")
    assert code == 0 and text.splitlines() == ["GA..  true", "G.A.  false"]
    rules, scenes = tmp_path / "r.rl", tmp_path / "s.txt"
    rules.write_text("near: at_least 1 green touching red\n")
    scenes.write_text("GA.. true\nG.A. false\n")
    code, text = cli("check", "--universe", world, rules, scenes)
    assert code == 0 and "All 1 rule explain the 2 labelled scenes" in text
    code, text = cli("equiv", "--universe", world, "zero green", "zero green block")
    assert code == 1 and "simplest counterexample: ...D" in text
    code, text = cli("equiv", "--universe", world, "zero green", "not at_least 1 green")
    assert code == 0 and "all 10,000 scenes" in text
    rules.write_text("at_least  1   green\n")
    code, text = cli("fmt", "--universe", world, "--check", rules)
    assert code == 1 and "would reformat" in text


def test_explain_without_a_scene_index_finds_what_the_index_finds(world, streamed, monkeypatch, tmp_path):
    table = "GA.. true\nG.A. false\nA.G. false\nAG.. true\n....  false\n"
    code, text = cli("explain", "--universe", world, "-", "--format", "json", stdin=table)
    assert code == 0
    import json

    direct = json.loads(text)
    monkeypatch.setattr(stream, "MATRIX_BUDGET", 1 << 40)
    from rulelang.search import index

    monkeypatch.setattr(index, "_CACHE", {})
    code, text = cli("explain", "--universe", world, "-", "--format", "json", stdin=table)
    indexed = json.loads(text)
    assert direct["candidates_total"] == indexed["candidates_total"] > 1
    assert [c["rule"] for c in direct["candidates"]] == [c["rule"] for c in indexed["candidates"]]
    assert direct["next_scene"] is not None


def test_play_as_master_and_as_student_in_a_world_of_three_colours(world, streamed):
    code, text = cli("play", "--universe", world, "--secret", "at_least 1 green", "--color", "never",
                     stdin="GGGG\nguess zero red\nguess at_least 1 green\n")
    assert code == 0 and "GGGG" in text and "true" in text
    code, text = cli("play", "--universe", world, "--machine", "student", "--secret", "zero green",
                     "--color", "never", stdin="")
    assert code == 0 and "zero green" in text


def test_a_data_set_of_a_streamed_world_is_labelled_by_the_checker_and_scores(world, streamed, tmp_path):
    target = tmp_path / "set"
    code, text = cli("data", "make", "-q", "--universe", world, "--out", target, "--train", "30",
                     "--train-small", "10", "--validation", "8", "--test", "12", "--k", "5,10",
                     "--eval-size", "40")
    assert code == 0, text
    from rulelang.data import DataSet

    u = load_universe(str(world))
    ds = DataSet(target, u)
    tables = ds.tables("test", "informative")
    from rulelang.enumerate import dialect_rules

    rules = dialect_rules(u)
    for i in range(3):
        scenes = stream.scenes_of(u, tables.scenes[i])
        assert np.array_equal(label(rules[tables.rules[i]], scenes, u), tables.labels[i])
    code, text = cli("bench", "--universe", world, "--data", target, "--solver", "explain", "-q",
                     "--format", "json", "--out", tmp_path / "r.json")
    assert code == 0, text
    import json

    summary = json.loads(text)["summary"]
    assert summary["tasks"] == 12 and summary["rule_induction"] > 0.5
    assert summary["t_acc_all"] is not None and summary["nrs_all"] is None  # not measured when streamed
    pytest.importorskip("torch")
    for learner in ("interpreter", "generator"):  # the learners' vocabularies and encoders follow the world
        code, text = cli("train", learner, "--universe", world, "--data", target, "--regime", "30x10",
                         "--steps", "2", "--eval-every", "2", "--synthetic", "0", "--out", tmp_path / f"{learner}.pt",
                         "-q", "--format", "json")
        assert code == 0, text
    from rulelang.interp.model import LearnedInterpreter

    model = LearnedInterpreter.load(tmp_path / "interpreter.pt", u)
    assert model.config.length == 4 and model.config.n_glyphs == 10 and "green" in model.vocab.words


def _ctrl_c_as_in_a_terminal() -> None:
    """A background job's children start with SIGINT ignored; a user's command does not."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_an_interrupted_enumerate_leaves_no_partial_output(tmp_path):
    out = tmp_path / "rules.tsv"
    # odeen-10 takes minutes to enumerate on any machine, so the interrupt always lands mid-job
    # (odeen-8 finished inside the four seconds on a fast CI machine).
    proc = subprocess.Popen([sys.executable, "-m", "rulelang", "enumerate", "--universe", "odeen-10", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                            preexec_fn=_ctrl_c_as_in_a_terminal)
    time.sleep(4)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert list(tmp_path.iterdir()) == []


def test_every_command_takes_the_universe_option():
    import argparse

    from rulelang.cli import build_parser

    def leaves(parser, path):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            yield path, parser
        for action in subs:
            for name, child in action.choices.items():
                yield from leaves(child, path + (name,))

    missing = [" ".join(path) for path, p in leaves(build_parser(), ())
               if path[0] != "universe" and "--universe" not in p._option_string_actions]
    assert missing == []


# -- worlds that differ only in their dialect ---------------------------------------------------

SMALL_WORLD = """[universe]
name = "cachet"
length = 3
empty = "."
colors = ["red", "blue"]
shapes = ["block"]
orientations = []
relations = ["touching"]

[pieces]
"r" = ["red", "block"]
"b" = ["blue", "block"]

[dialect]
quantifiers = ["at_least", "exactly", "at_most", "zero"]
counts = [1]
"""


def test_two_worlds_of_one_name_and_different_dialects_never_share_a_cached_index(monkeypatch, tmp_path):
    from rulelang.search import cache
    from rulelang.search import index as ix
    from rulelang.worldfile import parse_universe

    monkeypatch.setenv("RULELANG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RULELANG_NO_CACHE", raising=False)
    monkeypatch.setattr(ix, "_CACHE", {})
    one = parse_universe(SMALL_WORLD)
    three = parse_universe(SMALL_WORLD.replace("counts = [1]", "counts = [1, 2, 3]"))
    assert one.name == three.name and one.digest != three.digest
    assert cache.fingerprint(one, []) != cache.fingerprint(three, [])
    first = ix.dialect_index(one)
    monkeypatch.setattr(ix, "_CACHE", {})  # a new process: only the disk cache is left
    second = ix.dialect_index(three)
    assert len(second.texts) > len(first.texts) and "at_least 2 red" in second.texts
    table = tmp_path / "t.txt"
    table.write_text("rr. true\nr.. false\nrrr true\nbb. false\n.rr true\n")
    code, text = cli("explain", "--universe", _write(tmp_path, three), table)
    assert code == 0 and "at_least 2 red" in text


def _write(tmp_path: Path, universe) -> Path:
    from rulelang.worldfile import to_toml

    path = tmp_path / f"{universe.digest}.toml"
    path.write_text(to_toml(universe))
    return path


def test_a_data_set_is_refused_under_another_world_of_the_same_name(tmp_path):
    import json

    from rulelang.data import DataSet
    from rulelang.errors import RulelangError
    from rulelang.universe import ODEEN
    from rulelang.worldfile import to_toml

    five = dataclasses.replace(ODEEN, length=5)  # still called "odeen"
    world = tmp_path / "five.toml"
    world.write_text(to_toml(five))
    data = tmp_path / "d"
    code, _ = cli("data", "make", "-q", "--universe", world, "--out", data, "--train", 20, "--train-small", 10,
                  "--validation", 5, "--test", 5, "--k", 5, "--table-size", 4, "--eval-size", 16)
    assert code == 0
    assert DataSet(data, five).universe is five
    with pytest.raises(RulelangError, match="another world named 'odeen'") as err:
        DataSet(data, ODEEN)
    assert err.value.code == "E502"
    code, _ = cli("data", "info", data)
    assert code == 2
    # An older data set without the digest is still told apart by its number of scenes.
    manifest = json.loads((data / "manifest.json").read_text())
    del manifest["universe_digest"]
    (data / "manifest.json").write_text(json.dumps(manifest))
    assert DataSet(data, five).universe is five
    with pytest.raises(RulelangError, match="another world named 'odeen'"):
        DataSet(data, ODEEN)


def test_data_make_on_a_world_of_fewer_scenes_than_a_pool_of_runs_makes_informative_tables(tmp_path):
    # 4 cells: 2,401 scenes, 38 words of 64, fewer than the 16 runs of 4 words the sampler's
    # pool draws (it read past its array and crashed the process). A subprocess, so that a
    # crash fails this test only.
    from rulelang.data import DataSet
    from rulelang.parser import parse
    from rulelang.universe import ODEEN
    from rulelang.worldfile import to_toml

    four = dataclasses.replace(ODEEN, name="odeen-4", length=4)
    world = tmp_path / "four.toml"
    world.write_text(to_toml(four))
    done = subprocess.run([sys.executable, "-m", "rulelang", "data", "make", "-q", "--universe", str(world),
                           "--out", str(tmp_path / "d"), "--train", "20", "--train-small", "10", "--validation",
                           "5", "--test", "5", "--k", "5", "--table-size", "6", "--eval-size", "16"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    ds = DataSet(tmp_path / "d", four)
    ds.verify()
    tables = ds.tables("test", "informative")
    assert tables.scenes.shape == (5, 6)
    every = four.all_scenes()
    for text, scenes, labels in zip(tables.texts, tables.scenes, tables.labels):
        assert np.unique(scenes).size == 6  # a table never asks a scene twice
        assert np.array_equal(label(parse(text, universe=four), every[scenes], four), labels), text


def test_a_universe_of_any_name_gets_a_cache_file_every_file_system_takes(monkeypatch, tmp_path):
    from rulelang.search import cache
    from rulelang.worldfile import parse_universe

    monkeypatch.setenv("RULELANG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RULELANG_NO_CACHE", raising=False)
    odd = dataclasses.replace(parse_universe(SMALL_WORLD), name="a/b " + "x" * 300)  # the API checks no name
    path = cache.path_for("dialect-index", odd, [])
    assert path.parent == tmp_path / "cache" and len(path.name) < 120 and "/" not in path.name
    assert cache.load("dialect-index", odd, []) is None
    assert cache.save("dialect-index", odd, [], {"x": np.arange(3)}) == path
    assert np.array_equal(cache.load("dialect-index", odd, [])["x"], np.arange(3))
