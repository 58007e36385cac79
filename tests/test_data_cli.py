"""``rulelang data make|info`` and ``rulelang export popper`` from the command line."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import pytest

from rulelang.cli import main
from rulelang.universe import ODEEN

TINY = ["--train", "30", "--train-small", "10", "--validation", "8", "--test", "12",
        "--k", "5,10", "--eval-size", "40"]


def cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("cli") / "set"
    code, text = cli("data", "make", "-q", "--seed", "4", "--out", str(target), *TINY)
    assert code == 0, text
    return target


def test_data_make_writes_a_data_set_that_info_describes(made):
    code, text = cli("data", "info", str(made))
    assert code == 0
    assert "seed 4" in text and "checksums OK" in text
    assert re.search(r"test\s+12 rules", text) and "30x5, 30x10, 10x5, 10x10" in text


def test_data_info_check_rederives_every_invariant(made):
    code, text = cli("data", "info", str(made), "--check")
    assert code == 0 and "all checks passed" in text
    assert "| test.informative |" in text


def test_data_info_json_lists_the_splits(made):
    code, text = cli("data", "info", str(made), "--format", "json")
    info = json.loads(text)
    assert code == 0 and info["splits"] == {"train": 30, "train-small": 10, "validation": 8, "test": 12}


def test_data_make_refuses_to_overwrite_without_force(made, capsys):
    before = (made / "manifest.json").read_bytes()
    code, text = cli("data", "make", "-q", "--out", str(made), *TINY)
    err = capsys.readouterr().err
    assert code == 2 and "already exists" in err and "--force" in err and text == ""
    assert (made / "manifest.json").read_bytes() == before


def test_data_make_with_impossible_sizes_fails_cleanly(tmp_path, capsys):
    code, text = cli("data", "make", "-q", "--out", str(tmp_path / "x"), "--test", "50000")
    assert code == 2 and "E505" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_data_info_names_a_corrupted_file(made, tmp_path, capsys):
    import shutil

    copy = Path(shutil.copytree(made, tmp_path / "c"))
    victim = copy / "validation.balanced.scenes.npy"
    victim.write_bytes(victim.read_bytes()[:-4])
    code, text = cli("data", "info", str(copy))
    err = capsys.readouterr().err
    assert code == 2 and str(victim) in err and "truncated" in err


def test_data_info_without_a_data_set_is_a_clear_error(tmp_path, capsys):
    code, text = cli("data", "info", str(tmp_path / "missing"))
    assert code == 2 and "no data set" in capsys.readouterr().err


TABLE = "A.vb.. true\nBB.... false  # two red blocks\n\n..aV.b true\nv....v false\n"


def export(tmp_path: Path, text: str) -> tuple[int, str, Path]:
    src = tmp_path / "table.txt"
    src.write_text(text)
    target = tmp_path / "popper"
    code, out = cli("export", "popper", str(src), str(target))
    return code, out, target


def facts(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln and not ln.startswith("%") and not ln.startswith(":-")]


def test_export_popper_writes_examples_for_every_labelled_scene(tmp_path):
    code, out, target = export(tmp_path, TABLE)
    assert code == 0, out
    exs = facts((target / "exs.pl").read_text())
    assert [re.match(r"^(pos|neg)\(f\(s(\d+)\)\)\.(\s+%.*)?$", e).groups()[:2] for e in exs] == [
        ("pos", "0"), ("neg", "1"), ("pos", "2"), ("neg", "3")]


def test_export_popper_background_knowledge_describes_each_piece(tmp_path):
    _, _, target = export(tmp_path, TABLE)
    bk = facts((target / "bk.pl").read_text())
    assert all(re.match(r"^[a-z_]+\([a-z0-9_]+(,[a-z0-9_]+)?\)\.$", f) for f in bk)
    scenes = [line.split()[0] for line in TABLE.splitlines() if line.strip()]
    for i, scene in enumerate(scenes):
        for c, glyph in enumerate(scene):
            p = f"p{i}_{c}"
            assert (f"piece(s{i},{p})." in bk) == (glyph != ".")
            for word in ("red", "blue", "block", "pyramid", "pointing_up", "pointing_down"):
                assert (f"{word}({p})." in bk) == (word in ODEEN.pieces.get(glyph, ()))
    assert "touching(p0_2,p0_3)." in bk and "touching(p0_0,p0_2)." not in bk
    assert "at_the_right_of(p0_3,p0_0)." in bk and "at_the_left_of(p0_0,p0_3)." in bk
    assert "left_neighbour(p0_3,p0_2)." in bk and "right_neighbour(p0_2,p0_3)." in bk


def test_export_popper_renames_attribute_words_that_are_its_own_predicates(tmp_path):
    world = tmp_path / "w.toml"
    world.write_text('[universe]\nname = "w"\nlength = 2\nempty = "."\ncolors = ["piece", "f"]\n'
                     'shapes = ["block", "piece_"]\nrelations = ["touching"]\n\n[pieces]\n'
                     'P = ["piece", "block"]\nF = ["f", "piece_"]\n')
    (tmp_path / "t.txt").write_text("PF true\nP. false\n")
    code, out = cli("export", "popper", "--universe", str(world), str(tmp_path / "t.txt"), str(tmp_path / "p"))
    assert code == 0, out
    bk = facts((tmp_path / "p" / "bk.pl").read_text())
    bias = (tmp_path / "p" / "bias.pl").read_text()
    # colour piece -> piece_, so the shape piece_ -> piece__; colour f -> f_
    assert {"piece(s0,p0_0).", "piece_(p0_0).", "block(p0_0).", "f_(p0_1).", "piece__(p0_1)."} <= set(bk)
    assert "head_pred(f,1)." in bias and "body_pred(piece,2)." in bias
    assert "body_pred(piece__,1)." in bias and "body_pred(f_,1)." in bias and "body_pred(piece_,1)." in bias


def test_export_popper_bias_declares_every_body_predicate(tmp_path):
    _, _, target = export(tmp_path, TABLE)
    bias = facts((target / "bias.pl").read_text())
    bk = (target / "bk.pl").read_text()
    body = re.findall(r"^body_pred\((\w+),(\d)\)\.$", "\n".join(bias), re.M)
    assert "head_pred(f,1)." in bias and body
    for name, arity in body:
        assert any(b.startswith(f"type({name},(") for b in bias)
        assert any(b.startswith(f"direction({name},(") for b in bias)
        assert f"{name}/{arity}" in bk  # declared dynamic: false when no scene has it
    assert all(b.endswith(".") for b in bias)


@pytest.mark.parametrize("text, words", [
    ("A.vb.. true\nBB.... flase\n", "unknown label"),
    ("A.vb.. true\nAAAAAAA true\n", "6 cells"),
    ("A.vb.. true\n..aV.b\n", "no label"),
    ("# nothing here\n", "no scenes"),
])
def test_export_popper_of_a_bad_table_fails_and_writes_nothing(tmp_path, text, words):
    code, out, target = export(tmp_path, text)
    assert code == 1 and words in out and "nothing written" in out
    assert not target.exists()


def test_export_popper_of_a_missing_file_is_an_io_error(tmp_path, capsys):
    code, out = cli("export", "popper", str(tmp_path / "none.txt"), str(tmp_path / "p"))
    assert code == 2 and "no such file" in capsys.readouterr().err


@pytest.mark.slow
def test_the_default_six_regime_data_set_builds_in_under_two_minutes(tmp_path):
    start = time.perf_counter()
    code, text = cli("data", "make", "-q", "--out", str(tmp_path / "full"))
    took = time.perf_counter() - start
    assert code == 0, text
    assert took < 120, f"data make took {took:.0f} s"
    code, text = cli("data", "info", str(tmp_path / "full"), "--check")
    assert code == 0 and "all checks passed" in text
    assert "1438x100, 1438x1000, 1438x10000, 500x100, 500x1000, 500x10000" in text
