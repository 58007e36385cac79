"""``rulelang explain TABLE --engine crn|isearch|all``: the competition in the user's hands.

The tiny models of ``interp_fixtures`` answer (barely trained: what is tested is the
contract — each engine's rule, its mismatches counted by the exact checker, its time,
agreement with the exact search — and the refusals, not the learners' accuracy).
"""

from __future__ import annotations

import io
import json
import shutil

import pytest

torch = pytest.importorskip("torch", reason="the neural tests need torch: pip install 'rulelang[neural]'")

from interp_fixtures import *  # noqa: F401,F403
from rulelang.checker import label
from rulelang.cli import main
from rulelang.parser import parse
from rulelang.search import read_table

TABLE = "A..... true\n.b.... false\nAA.... true\nbbb... false\n..V... false\n"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out), out.getvalue()


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text(TABLE)
    return path


@pytest.fixture
def models(interp_models, tmp_path):
    """A folder with the tiny interpreter and generator."""
    root = tmp_path / "models"
    root.mkdir()
    for kind in ("interpreter", "generator"):
        shutil.copy(interp_models[kind], root / f"{kind}.pt")
    return root


def _exact_mismatches(rule: str) -> int:
    t, _ = read_table(TABLE)
    return int((label(parse(rule), t.scenes) != t.labels).sum())


def test_all_engines_answer_side_by_side_judged_by_the_exact_checker(table, models):
    code, text = run("explain", str(table), "--engine", "all", "--models", str(models), "--beams", "20",
                     "--format", "json")
    assert code in (0, 1), text
    got = json.loads(text)
    assert [a["engine"] for a in got["answers"]] == ["search", "crn", "isearch"]
    assert "exact checker" in got["judge"] and got["models"] == str(models)
    search, crn, isearch = got["answers"]
    assert search["mismatches"] == 0 and search["rule"]
    assert 0 < crn["proposed"] <= 20 and crn["considered"] >= crn["proposed"]  # revisions come on top
    assert isearch["considered"] == isearch["proposed"] == 24794
    for a in (crn, isearch):
        assert a["mismatches"] == _exact_mismatches(a["rule"])  # the checker's count, not the learner's
        assert a["seconds"] >= 0 and len(a["runners_up"]) <= 4
        assert a["agrees_with_search"] == (a["rule"] == search["rule"]) or "counterexample" not in a
        if not a["agrees_with_search"]:
            assert a["counterexample"]["scenes_disagreeing"] > 0
    assert code == (0 if all(a["mismatches"] == 0 for a in got["answers"]) else 1)


def test_the_text_table_names_every_engine_and_who_judged(table, models):
    code, text = run("explain", str(table), "--engine", "all", "--models", str(models), "--beams", "20")
    lines = text.splitlines()
    assert lines[0].startswith(f"table {table}: 5 scenes (2 true, 3 false); models {models}")
    assert lines[1].split()[:2] == ["engine", "rule"] and "agrees with search" in lines[1]
    assert [line.split()[0] for line in lines[2:5]] == ["search", "crn", "isearch"]
    assert "judged by the exact checker" in text


def test_one_neural_engine_answers_alone(table, models):
    code, text = run("explain", str(table), "--engine", "crn", "--models", str(models), "--beams", "10",
                     "--format", "json")
    got = json.loads(text)
    assert [a["engine"] for a in got["answers"]] == ["crn"] and "agrees_with_search" not in got["answers"][0]
    code, text = run("explain", str(table), "--engine", "isearch", "--models", str(models), "-q")
    assert text.startswith("isearch: ")


def test_the_search_stays_the_default(table):
    code, text = run("explain", str(table))
    assert code == 0 and "best rule" in text and "crn" not in text


@pytest.mark.parametrize("damage", ["missing", "truncated", "other-universe", "other-vocabulary"])
def test_a_models_folder_that_cannot_be_used_is_named_and_exits_1(table, models, damage):
    from rulelang.interp import checkpoint

    path = models / "generator.pt"
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    else:
        ckpt = checkpoint.load(path)
        if damage == "other-universe":
            ckpt["universe"] = "odeen-8"
        else:
            ckpt["vocab"] = ckpt["vocab"][:-1]
        checkpoint.save(path, ckpt)
    code, text = run("explain", str(table), "--engine", "crn", "--models", str(models))
    assert code == 1, text
    assert str(path) in text and "Traceback" not in text
    expected = {"missing": "E702", "truncated": "E702", "other-universe": "E704", "other-vocabulary": "E703"}
    assert f"error[{expected[damage]}]" in text
    code, text = run("explain", str(table), "--engine", "crn", "--models", str(models), "--format", "json")
    assert code == 1 and json.loads(text)["errors"][0]["code"] == expected[damage]


def test_a_table_of_a_world_the_models_were_not_trained_for_is_refused(models):
    import numpy as np

    from rulelang.interp.engines import NeuralEngines
    from rulelang.errors import RulelangError
    from rulelang.universe import ODEEN, Universe

    eight = Universe("odeen", 8, ODEEN.empty, ODEEN.pieces, ODEEN.colors, ODEEN.shapes, ODEEN.orientations)
    with pytest.raises(RulelangError) as err:
        NeuralEngines(eight, models).answer("crn", np.zeros((1, 8), np.uint8), np.ones(1, bool))
    assert err.value.code == "E704" and "8 cells" in err.value.message
