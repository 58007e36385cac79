"""``rulelang train all``: every regime's learners, resumable by running it again.

Tiny networks on the tiny data set (``interp_fixtures``); the grid's defaults are replaced by
tiny ones, so what is tested is the orchestration: order and dependencies, skipping what is
done, resuming what was interrupted, workers in their own processes, Ctrl-C.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import replace

import pytest

torch = pytest.importorskip("torch", reason="the neural tests need torch: pip install 'rulelang[neural]'")

import rulelang.interp.train as T
from rulelang.interp import checkpoint, grid
from interp_fixtures import *  # noqa: F401,F403
from interp_fixtures import NET, OTHER_REGIME, REGIME
from rulelang.cli import main

#: Tiny versions of every learner's defaults.
TINY = {
    "interpreter": {"steps": 12, "batch": 8, "scenes": 8, "eval_every": 4, "warmup": 2, "patience": 2,
                    "eval_rules": 12, "eval_scenes": 32, "net": {**NET, "arch": "modular"}},
    "generator": {"steps": 6, "batch": 8, "table_size": 8, "eval_every": 3, "warmup": 2, "synthetic": 8,
                  "eval_rules": 12, "net": dict(NET)},
    "empiricist": {"steps": 6, "batch": 8, "scenes": 8, "table_size": 8, "eval_every": 3, "warmup": 2,
                   "eval_rules": 12, "eval_scenes": 32, "net": dict(NET)},
}


@pytest.fixture
def tiny_defaults(monkeypatch):
    monkeypatch.setattr(T, "DEFAULTS", {k: replace(T.DEFAULTS[k], **TINY[k]) for k in TINY})
    monkeypatch.setattr(grid, "DEFAULTS", T.DEFAULTS)


def cli(*argv: str) -> tuple[int, str]:
    """The exit code, and what the command wrote: its output, then what it wrote on standard
    error (the diagnostic of an error that stops it)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(argv), out)
    return code, out.getvalue() + err.getvalue()


def test_the_grid_trains_every_learner_of_every_regime_then_skips_what_is_done(interp_data, tmp_path,
                                                                                tiny_defaults):
    models = tmp_path / "models"
    code, text = cli("train", "all", "--data", str(interp_data.path), "--models", str(models),
                     "--regimes", f"{REGIME},{OTHER_REGIME}", "--jobs", "1", "-q")
    assert code == 0, text
    lines = text.splitlines()
    assert lines[0].startswith(f"training 6 models (2 regimes x empiricist, generator, interpreter) into {models}/: "
                               "0 done, 0 to resume, 6 to start; 1 at a time, 1 thread each")
    assert lines[1].startswith("expected time: about ")
    order = [line.split(":")[0].strip() for line in lines if line.startswith("  ")]
    assert order == [f"{r}/{k}" for r in (REGIME, OTHER_REGIME) for k in grid.KINDS]
    for r in (REGIME, OTHER_REGIME):
        for k in grid.KINDS:
            ckpt = checkpoint.load(models / r / f"{k}.pt", k)
            assert ckpt["regime"] == r and T.finished(ckpt)
        gen = checkpoint.load(models / r / "generator.pt")
        assert gen["train"]["interpreter"] == str(models / r / "interpreter.pt")
    before = {p: p.read_bytes() for p in models.rglob("*.pt")}
    code, text = cli("train", "all", "--data", str(interp_data.path), "--models", str(models),
                     "--regimes", f"{REGIME},{OTHER_REGIME}", "--format", "json", "-q")
    assert code == 0, text
    assert "6 done, 0 to resume, 0 to start" in text
    assert {p: p.read_bytes() for p in models.rglob("*.pt")} == before


def test_an_interrupted_grid_resumes_where_it_stopped(interp_data, tmp_path, tiny_defaults):
    models = tmp_path / "models"
    jobs = grid.plan([REGIME], models)
    seen: list[tuple] = []

    def stop() -> bool:  # Ctrl-C during the interpreter's 5th step
        return any(e[0] == "step" and e[2]["step"] >= 5 for e in seen)

    grid.run_grid(jobs, str(interp_data.path), on_event=seen.append, should_stop=stop)
    assert [j.state for j in jobs] == ["partial", "new", "new"]
    cut = checkpoint.load(models / REGIME / "interpreter.pt")
    assert 5 <= cut["step"] < 12 and "state" in cut
    again = grid.plan([REGIME], models)
    assert [j.state for j in again] == ["partial", "new", "new"] and again[0].step == cut["step"]
    grid.run_grid(again, str(interp_data.path))
    assert [j.state for j in again] == ["done"] * 3
    # The same model as an uninterrupted run.
    T.train(interp_data, replace(T.DEFAULTS["interpreter"], regime=REGIME), str(tmp_path / "straight.pt"),
            device="cpu")
    a, b = checkpoint.load(tmp_path / "straight.pt"), checkpoint.load(models / REGIME / "interpreter.pt")
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])


def test_a_failed_interpreter_blocks_its_generator_but_not_the_other_regimes(interp_data, tmp_path,
                                                                             tiny_defaults):
    models = tmp_path / "models"
    (models / REGIME).mkdir(parents=True)
    (models / REGIME / "interpreter.pt").write_bytes(b"not a model")
    with pytest.raises(Exception) as err:  # the plan reads every file first: a bad one is named
        grid.plan([REGIME], models)
    assert str(models / REGIME / "interpreter.pt") in str(err.value)
    code, text = cli("train", "all", "--data", str(interp_data.path), "--models", str(models),
                     "--regimes", REGIME, "-q")
    assert code == 2 and "E702" in text and str(models / REGIME / "interpreter.pt") in text


def test_two_workers_train_in_their_own_processes_and_give_the_same_models(interp_data, tmp_path,
                                                                           tiny_defaults):
    kinds = ("interpreter", "empiricist")
    changes = {k: TINY[k] for k in kinds}
    one, two = tmp_path / "one", tmp_path / "two"
    grid.run_grid(grid.plan([REGIME, OTHER_REGIME], one, kinds), str(interp_data.path), workers=1, changes=changes)
    jobs = grid.plan([REGIME, OTHER_REGIME], two, kinds)
    events: list[tuple] = []
    grid.run_grid(jobs, str(interp_data.path), workers=2, changes=changes, on_event=events.append)
    assert [j.state for j in jobs] == ["done"] * 4, [j.result for j in jobs]
    assert {e[1] for e in events if e[0] == "done"} == {j.key for j in jobs}
    for r in (REGIME, OTHER_REGIME):
        for k in kinds:
            a, b = checkpoint.load(one / r / f"{k}.pt"), checkpoint.load(two / r / f"{k}.pt")
            assert all(torch.equal(a["model"][n], b["model"][n]) for n in a["model"]), (r, k)


def test_ship_writes_one_regimes_models_without_their_training_state(interp_data, tmp_path, tiny_defaults):
    from rulelang.interp.model import LearnedInterpreter

    models, ship = tmp_path / "models", tmp_path / "ship"
    code, text = cli("train", "all", "--data", str(interp_data.path), "--models", str(models),
                     "--regimes", REGIME, "--ship", str(ship), "--jobs", "1", "-q")  # (tiny defaults: this process)
    assert code == 0, text
    for kind in grid.KINDS:
        slim, full = checkpoint.load(ship / f"{kind}.pt", kind), checkpoint.load(models / REGIME / f"{kind}.pt")
        assert "state" not in slim and all(torch.equal(slim["model"][k], full["model"][k]) for k in full["model"])
        assert f"wrote {ship / f'{kind}.pt'}" in text
    assert LearnedInterpreter.load(ship / "interpreter.pt").regime == REGIME
    code, text = cli("train", "all", "--data", str(interp_data.path), "--models", str(models), "--ship", str(ship))
    assert code == 2 and "one regime" in text


def test_train_all_refuses_the_options_of_one_learner(interp_data, tmp_path):
    code, text = cli("train", "all", "--data", str(interp_data.path), "--steps", "5", "-q")
    assert code == 2 and "E505" in text and "--steps" in text
    code, text = cli("train", "all", "--data", str(interp_data.path), "--regimes", "99x9", "-q")
    assert code == 2 and "E503" in text
    code, text = cli("train", "all", "--data", str(interp_data.path), "--jobs", "0", "-q")
    assert code == 2 and "--jobs" in text
