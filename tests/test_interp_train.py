"""Training the neural learners (``rulelang.interp.train``) and ``rulelang train``.

Tiny networks on the tiny data set, a few dozen steps on one thread: what is tested is
that training learns, is reproducible, resumes exactly, and fails cleanly.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the neural tests need torch: pip install 'rulelang[neural]'")

import rulelang.interp.train as T
from rulelang.interp import checkpoint
from rulelang.interp.model import LearnedInterpreter
from rulelang.interp.vocab import dialect_classes
from interp_fixtures import *  # noqa: F401,F403
from interp_fixtures import NET, OTHER_REGIME, REGIME, tiny_cfg
from rulelang.cli import main
from rulelang.errors import RulelangError


def _same_tensors(a, b) -> bool:
    """Equal nested dicts/lists of tensors and numbers (tensors bit for bit)."""
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same_tensors(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(map(_same_tensors, a, b))
    return a == b


def _history(ckpt) -> list[dict]:
    return [{k: v for k, v in h.items() if k != "seconds"} for h in ckpt["history"]]


# -- learning -------------------------------------------------------------------------------


def test_a_tiny_interpreter_fits_its_training_set(interp_models, interp_data):
    ckpt = checkpoint.load(interp_models["interpreter"], "interpreter")
    assert (ckpt["step"], ckpt["best_step"], ckpt["regime"]) == (150, 150, REGIME)
    assert [h["step"] for h in ckpt["history"]] == [150]
    model = LearnedInterpreter.load(interp_models["interpreter"])
    samples = interp_data.training(REGIME)
    assert samples.labels.shape == (15, 20)
    labels = np.stack([model.labels([text], samples.scenes[i])[0] for i, text in enumerate(samples.texts)])
    accuracy = float((labels == samples.labels).mean())
    majority = max(samples.labels.mean(), 1 - samples.labels.mean())
    assert accuracy >= 0.95, f"training accuracy {accuracy:.3f} (majority label {majority:.3f})"


def test_a_tiny_modular_interpreter_learns_from_its_training_set(interp_data, tmp_path):
    # The modular network cannot memorise: it must find what each word does from 15 rules.
    cfg = tiny_cfg("interpreter", steps=300, batch=16, scenes=16, eval_every=300, lr=3e-3,
                   net={**NET, "arch": "modular"})
    T.train(interp_data, cfg, str(tmp_path / "m.pt"), device="cpu")
    model = LearnedInterpreter.load(tmp_path / "m.pt")
    samples = interp_data.training(REGIME)
    labels = np.stack([model.labels([text], samples.scenes[i])[0] for i, text in enumerate(samples.texts)])
    majority = max(samples.labels.mean(), 1 - samples.labels.mean())
    assert (labels == samples.labels).mean() >= majority + 0.2


def test_mining_trains_on_the_hardest_half_and_the_first_drawn_others(interp_data):
    from rulelang.interp.vocab import Vocab

    cfg = tiny_cfg("interpreter", mine=12, scenes=8)
    task = T._Interpreter(cfg, interp_data.training(REGIME), None, Vocab.for_dialect(interp_data.universe),
                          interp_data.universe)
    b = task.batch(3)
    assert b["scenes"].shape == (8, 12, 6) and b["labels"].shape == (8, 12)
    # A stand-in model whose cost per scene is known: it calls every scene true with a
    # confidence that grows with the sum of its glyph indices.
    def model(tokens, scenes):
        return scenes.sum(-1).float() / 10 + torch.arange(scenes.shape[1]) * 1e-3

    mined = task._mined(model, b)
    assert mined["scenes"].shape == (8, 8, 6) and torch.equal(mined["tokens"], b["tokens"])
    cost = torch.nn.functional.binary_cross_entropy_with_logits(
        model(None, b["scenes"]), b["labels"].float(), reduction="none")
    for r in range(8):
        hard = cost[r].argsort(descending=True)[:4].tolist()
        cols = hard + [c for c in range(12) if c not in hard][:4]
        assert torch.equal(mined["scenes"][r], b["scenes"][r, cols])
        assert torch.equal(mined["labels"][r], b["labels"][r, cols])


def test_training_reports_every_step_and_validates_on_schedule(interp_data, tmp_path):
    seen: list[tuple[int, dict]] = []
    summary = T.train(interp_data, tiny_cfg("interpreter", steps=7, eval_every=3), str(tmp_path / "m.pt"),
                      device="cpu", report=lambda step, stats: seen.append((step, stats)))
    assert [s for s, _ in seen] == list(range(1, 8))
    assert [s for s, st in seen if "val_score" in st] == [3, 6, 7]
    assert all(np.isfinite(st["loss"]) and 0 <= st["acc"] <= 1 for _, st in seen)
    assert summary["step"] == 7 and [h["step"] for h in summary["history"]] == [3, 6, 7]
    best = max(summary["history"], key=lambda h: h["val_score"])
    assert summary["best_score"] == best["val_score"] and summary["best_step"] == best["step"]
    ckpt = checkpoint.load(tmp_path / "m.pt", "interpreter")
    assert ckpt["train"] == tiny_cfg("interpreter", steps=7, eval_every=3).to_dict()
    assert ckpt["net"]["d"] == NET["d"] and ckpt["params"] == summary["params"] > 0
    assert isinstance(ckpt["torch"], str) and ckpt["data"]["seed"] == 0


# -- reproducibility and resuming ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["interpreter", "empiricist"])
def test_the_same_seed_gives_the_same_model(interp_data, tmp_path, kind):
    cfg = tiny_cfg(kind, steps=10, eval_every=5)
    for name, c in (("a", cfg), ("b", cfg), ("c", tiny_cfg(kind, steps=10, eval_every=5, seed=1))):
        T.train(interp_data, c, str(tmp_path / f"{name}.pt"), device="cpu")
    a, b, c = (checkpoint.load(tmp_path / f"{n}.pt", kind) for n in "abc")
    assert _same_tensors(a["state"]["model"], b["state"]["model"])
    assert _same_tensors(a["state"]["optimizer"], b["state"]["optimizer"])
    assert _same_tensors(a["model"], b["model"]) and _history(a) == _history(b)
    assert a["state"]["model"].keys() == c["state"]["model"].keys()
    differ = [k for k in a["state"]["model"] if not torch.equal(a["state"]["model"][k], c["state"]["model"][k])]
    assert len(differ) > len(a["state"]["model"]) // 2


class _Stop(Exception):
    pass


def _stop_at(step: int):
    def report(s: int, stats: dict) -> None:
        if s == step:
            raise _Stop

    return report


@pytest.mark.parametrize("kind, changes", [("interpreter", {}), ("interpreter", {"mine": 16}), ("empiricist", {}),
                                           ("interpreter", {"patience": 1, "min_delta": 1.0, "cooldown": 1.0,
                                                            "net": {**NET, "arch": "modular"}})],
                         ids=["interpreter", "interpreter-mining", "empiricist", "modular-early-stopping"])
def test_an_interrupted_run_resumes_exactly(interp_data, tmp_path, kind, changes):
    cfg = tiny_cfg(kind, steps=12, eval_every=3, **changes)
    T.train(interp_data, cfg, str(tmp_path / "straight.pt"), device="cpu")
    with pytest.raises(_Stop):  # killed after its step-6 checkpoint
        T.train(interp_data, cfg, str(tmp_path / "cut.pt"), device="cpu", report=_stop_at(6))
    cut = checkpoint.load(tmp_path / "cut.pt", kind)
    assert cut["step"] == 6 and [h["step"] for h in cut["history"]] == [3, 6]
    summary = T.train(interp_data, cfg, str(tmp_path / "cut.pt"), resume=True, device="cpu")
    assert summary["step"] == 12
    a = checkpoint.load(tmp_path / "straight.pt", kind)
    b = checkpoint.load(tmp_path / "cut.pt", kind)
    assert _same_tensors(a["state"]["model"], b["state"]["model"])
    assert _same_tensors(a["state"]["optimizer"], b["state"]["optimizer"])
    assert _same_tensors(a["model"], b["model"])
    assert (a["step"], a["best_step"], a["best_score"]) == (b["step"], b["best_step"], b["best_score"])
    assert _history(a) == _history(b) and [h["step"] for h in b["history"]] == [3, 6, 9, 12]
    assert a["schedule"] == b["schedule"]


# -- early stopping ----------------------------------------------------------------------------


def test_early_stopping_cools_down_after_its_patience_and_stops(interp_data, tmp_path):
    # No validation can beat the best by 1.0: the first one sets the reference, the next two
    # are stale (patience 2), so the decay starts at step 6 and lasts half the steps so far.
    cfg = tiny_cfg("interpreter", steps=40, eval_every=2, warmup=2, patience=2, min_delta=1.0, cooldown=0.5)
    seen: list[tuple[int, float]] = []
    summary = T.train(interp_data, cfg, str(tmp_path / "m.pt"), device="cpu",
                      report=lambda step, stats: seen.append((step, stats["lr"])))
    assert summary["step"] == 9 and [h["step"] for h in summary["history"]] == [2, 4, 6, 8, 9]
    assert "early stopping" in summary["stopped"] and "step 6" in summary["stopped"]
    lrs = dict(seen)
    assert lrs[3] == lrs[6] == cfg.lr  # constant after the warm-up, until the plateau
    assert lrs[7] == cfg.lr and lrs[8] < lrs[7] and lrs[9] < lrs[8]  # then a half cosine from step 6
    ckpt = checkpoint.load(tmp_path / "m.pt", "interpreter")
    assert ckpt["schedule"]["decay_start"] == 6 and T.finished(ckpt)
    assert ckpt["best_score"] == max(h["val_score"] for h in ckpt["history"])
    # A stopped run has nothing left to do when resumed.
    again = T.train(interp_data, cfg, str(tmp_path / "m.pt"), resume=True, device="cpu",
                    report=lambda step, stats: pytest.fail("a stopped run trained on"))
    assert again["step"] == 9


def test_a_cap_reached_before_the_decay_could_begin_is_the_reason_given(interp_data, tmp_path):
    cfg = tiny_cfg("interpreter", steps=3, eval_every=2, warmup=5, patience=4)
    summary = T.train(interp_data, cfg, str(tmp_path / "m.pt"), device="cpu")
    assert summary["step"] == 3 and summary["stopped"].startswith("the step cap (3)"), summary["stopped"]
    assert checkpoint.load(tmp_path / "m.pt")["stopped"] == summary["stopped"]


def test_without_a_plateau_the_cap_ends_the_decay_on_time(interp_data, tmp_path):
    cfg = tiny_cfg("interpreter", steps=10, eval_every=5, warmup=1, patience=50, cooldown=0.25)
    summary = T.train(interp_data, cfg, str(tmp_path / "m.pt"), device="cpu")
    assert summary["step"] == 10 and "cap" in summary["stopped"]
    assert checkpoint.load(tmp_path / "m.pt")["schedule"]["decay_start"] == 8


def test_asking_to_stop_checkpoints_the_finished_step_and_resume_goes_on_exactly(interp_data, tmp_path):
    cfg = tiny_cfg("interpreter", steps=12, eval_every=5, patience=3)
    T.train(interp_data, cfg, str(tmp_path / "straight.pt"), device="cpu")
    steps: list[int] = []
    summary = T.train(interp_data, cfg, str(tmp_path / "cut.pt"), device="cpu",
                      report=lambda s, _: steps.append(s), should_stop=lambda: steps[-1] >= 7)
    assert summary["interrupted"] and summary["step"] == 7
    cut = checkpoint.load(tmp_path / "cut.pt", "interpreter")
    assert cut["step"] == 7 and not T.finished(cut) and "state" in cut
    T.train(interp_data, cfg, str(tmp_path / "cut.pt"), resume=True, device="cpu")
    a, b = (checkpoint.load(tmp_path / f"{n}.pt") for n in ("straight", "cut"))
    assert _same_tensors(a["state"]["model"], b["state"]["model"]) and _history(a) == _history(b)


def test_resuming_with_more_steps_extends_a_finished_run(interp_data, tmp_path):
    out = str(tmp_path / "m.pt")
    T.train(interp_data, tiny_cfg("interpreter", steps=6, eval_every=3), out, device="cpu")
    first = checkpoint.load(out, "interpreter")
    seen: list[int] = []
    summary = T.train(interp_data, tiny_cfg("interpreter", steps=12, eval_every=3), out, resume=True,
                      device="cpu", report=lambda s, _: seen.append(s))
    assert seen == list(range(7, 13)) and summary["step"] == 12
    ckpt = checkpoint.load(out, "interpreter")
    assert ckpt["step"] == 12 and ckpt["train"]["steps"] == 12
    assert _history(ckpt)[:2] == _history(first) and [h["step"] for h in ckpt["history"]] == [3, 6, 9, 12]
    assert not _same_tensors(ckpt["state"]["model"], first["state"]["model"])
    # Resuming a finished run with no more steps to take changes nothing but rewrites it.
    again = T.train(interp_data, tiny_cfg("interpreter", steps=1), out, resume=True, device="cpu")
    assert again["step"] == 12
    assert _same_tensors(checkpoint.load(out)["state"]["model"], ckpt["state"]["model"])


def test_a_slim_model_loads_but_cannot_be_resumed(interp_data, tmp_path):
    out = tmp_path / "slim.pt"
    T.train(interp_data, tiny_cfg("interpreter", steps=4, eval_every=2), str(out), slim=True, device="cpu")
    ckpt = checkpoint.load(out, "interpreter")
    assert "state" not in ckpt and ckpt["step"] == 4 and ckpt["model"]
    assert LearnedInterpreter.load(out).logits(["at_least 1 red"], np.arange(5)).shape == (1, 5)
    with pytest.raises(RulelangError, match="slim") as err:
        T.train(interp_data, tiny_cfg("interpreter", steps=8), str(out), resume=True, device="cpu")
    assert err.value.code == "E703" and err.value.path == str(out)


def test_resuming_needs_a_model_of_the_same_kind(interp_models, interp_data, tmp_path):
    with pytest.raises(RulelangError) as err:
        T.train(interp_data, tiny_cfg("interpreter"), str(tmp_path / "none.pt"), resume=True, device="cpu")
    assert err.value.code == "E702"
    with pytest.raises(RulelangError) as err:
        T.train(interp_data, tiny_cfg("interpreter"), str(interp_models["generator"]), resume=True, device="cpu")
    assert err.value.code == "E703"


@pytest.mark.parametrize("changes, code", [
    ({"steps": 0}, "E505"), ({"batch": 0}, "E505"), ({"kind": "oracle"}, "E505"),
    ({"regime": "99x9"}, "E503"), ({"mine": 8}, "E505"), ({"kind": "empiricist", "mine": 16}, "E505"),
    ({"lr": float("nan")}, "E505"), ({"lr": -1e-3}, "E505"), ({"lr": float("inf")}, "E505"),
    ({"eval_every": 0}, "E505"), ({"patience": -1}, "E505"), ({"kind": "generator", "synthetic": -4}, "E505"),
    ({"net": {**NET, "d": 0}}, "E505"), ({"net": {**NET, "d": 15}}, "E505"),
    ({"kind": "generator", "net": {**NET, "d": 15}}, "E505"), ({"kind": "empiricist", "net": {**NET, "d": 15}}, "E505"),
])
def test_a_bad_configuration_is_refused_before_training(interp_data, tmp_path, changes, code):
    changes = dict(changes)
    kind = changes.pop("kind", "interpreter")
    with pytest.raises(RulelangError) as err:
        T.train(interp_data, tiny_cfg(kind, **changes), str(tmp_path / "m.pt"), device="cpu")
    assert err.value.code == code
    assert not (tmp_path / "m.pt").exists()


def test_dialect_classes_are_computed_once(class_of, monkeypatch):
    first = dialect_classes()
    assert np.array_equal(first, class_of)

    def no_more(*args, **kw):
        raise AssertionError("dialect_classes() rebuilt the dialect's classes instead of using its cache")

    import rulelang.enumerate

    monkeypatch.setattr(rulelang.enumerate, "Dialect", no_more)
    assert dialect_classes() is first


# -- rulelang train ---------------------------------------------------------------------------


def cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out)
    return code, out.getvalue()


def failing(capsys, *argv: str) -> tuple[int, str]:
    """:func:`cli` for a command that stops with an error: its diagnostic is on standard error."""
    capsys.readouterr()
    code, _ = cli(*argv)
    return code, capsys.readouterr().err


def _train_args(data, *extra: str) -> list[str]:
    return ["train", "interpreter", "--regime", "15,20", "--data", str(data.path), "--eval-every", "10",
            "--d-model", "16", "--batch", "8", "--scenes", "8", "-q", *extra]


def test_rulelang_train_writes_a_model_and_resume_goes_on(interp_data, tmp_path):
    out = tmp_path / "m.pt"
    code, text = cli(*_train_args(interp_data, "--out", str(out), "--steps", "20"))
    assert code == 0, text
    assert text.startswith("trained interpreter in regime 15x20: step 20,") and str(out) in text
    ckpt = checkpoint.load(out, "interpreter")
    assert (ckpt["step"], ckpt["regime"], ckpt["net"]["d"]) == (20, "15x20", 16)
    assert (ckpt["train"]["batch"], ckpt["train"]["scenes"], ckpt["train"]["eval_every"]) == (8, 8, 10)
    code, text = cli(*_train_args(interp_data, "--out", str(out), "--steps", "30", "--resume",
                                  "--format", "json"))
    assert code == 0, text
    summary = json.loads(text)
    assert summary["step"] == 30 and summary["out"] == str(out) and "history" not in summary
    ckpt = checkpoint.load(out, "interpreter")
    assert ckpt["step"] == 30 and [h["step"] for h in ckpt["history"]] == [10, 20, 30]


def test_rulelang_train_resume_without_steps_keeps_the_checkpoints_steps(interp_data, tmp_path, monkeypatch,
                                                                          capsys):
    out = tmp_path / "m.pt"
    code, text = cli(*_train_args(interp_data, "--out", str(out), "--steps", "10"))
    assert code == 0, text
    real = T.train

    def guarded(dataset, cfg, target, **kw):  # stop a run that goes past the checkpoint's 10 steps
        report = kw["report"]

        def check(step, stats):
            assert step <= 10, f"--resume without --steps trained on to step {step} (of {cfg.steps})"
            report(step, stats)

        return real(dataset, cfg, target, **{**kw, "report": check})

    monkeypatch.setattr(T, "train", guarded)
    code, text = cli(*_train_args(interp_data, "--out", str(out), "--resume"))
    assert code == 0, text + capsys.readouterr().err
    assert checkpoint.load(out, "interpreter")["step"] == 10


def test_rulelang_train_refuses_to_overwrite_its_default_model(interp_data, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, text = cli(*_train_args(interp_data, "--steps", "10"))
    assert code == 0, text
    target = tmp_path / "models" / "15x20" / "interpreter.pt"
    assert target.is_file() and "models/15x20/interpreter.pt" in text
    before = target.read_bytes()
    code, text = failing(capsys, *_train_args(interp_data, "--steps", "10"))
    assert code == 2 and "E505" in text and "already there" in text and "--resume" in text
    assert target.read_bytes() == before
    code, text = cli(*_train_args(interp_data, "--steps", "20", "--resume"))
    assert code == 0, text
    assert checkpoint.load(target)["step"] == 20


def test_rulelang_train_with_an_unknown_regime_fails_cleanly(interp_data, tmp_path, capsys):
    code, text = failing(capsys, "train", "interpreter", "--regime", "99,9", "--data", str(interp_data.path),
                         "--out", str(tmp_path / "m.pt"), "-q")
    assert code == 2 and "E503" in text and "no training regime '99x9'" in text
    assert REGIME in text and OTHER_REGIME in text
    assert not (tmp_path / "m.pt").exists()


def test_rulelang_train_slim_then_resume_is_refused(interp_data, tmp_path, capsys):
    out = tmp_path / "m.pt"
    code, text = cli(*_train_args(interp_data, "--out", str(out), "--steps", "10", "--slim"))
    assert code == 0, text
    assert "state" not in checkpoint.load(out)
    code, text = failing(capsys, *_train_args(interp_data, "--out", str(out), "--steps", "20", "--resume"))
    assert code == 2 and "E703" in text and "slim" in text


def test_ctrl_c_during_rulelang_train_keeps_a_checkpoint_and_says_how_to_resume(interp_data, tmp_path,
                                                                               monkeypatch, capsys):
    import os
    import signal

    out = tmp_path / "m.pt"
    real = T.train
    before = signal.getsignal(signal.SIGINT)  # (SIG_IGN where the test run itself is a background job)

    def interrupted(dataset, cfg, target, **kw):  # Ctrl-C arrives during step 13
        report = kw["report"]

        def hit(step, stats):
            report(step, stats)
            if step == 13:
                os.kill(os.getpid(), signal.SIGINT)

        return real(dataset, cfg, target, **{**kw, "report": hit})

    monkeypatch.setattr(T, "train", interrupted)
    code, text = cli(*_train_args(interp_data, "--out", str(out), "--steps", "30"))
    err = capsys.readouterr().err
    assert code == 130, text + err
    assert f"kept the checkpoint at {out} (step 13" in err
    assert f"go on with: rulelang train interpreter --regime 15x20 --data {interp_data.path} --out {out}" in err
    assert err.rstrip().endswith("--resume")
    assert checkpoint.load(out)["step"] == 13
    monkeypatch.setattr(T, "train", real)
    code, text = cli(*_train_args(interp_data, "--out", str(out), "--resume"))
    assert code == 0 and checkpoint.load(out)["step"] == 30
    assert signal.getsignal(signal.SIGINT) == before  # the handler is put back


def test_rulelang_train_usage_errors(interp_data, tmp_path, capsys):
    code, text = cli("train", "oracle", "--data", str(interp_data.path), "-q")
    assert code == 2 and "invalid choice" in capsys.readouterr().err
    code, text = failing(capsys, *_train_args(interp_data, "--out", str(tmp_path / "m.pt"), "--steps", "5",
                                              "--device", "nonsense"))
    assert code == 2 and "E505" in text and "nonsense" in text
    code, text = failing(capsys, *_train_args(interp_data, "--out", str(tmp_path / "m.pt"), "--d-model", "18",
                                              "--arch", "attention"))
    assert code == 2 and "E505" in text and "multiple of the attention heads" in text
    assert not (tmp_path / "m.pt").exists()


@pytest.mark.parametrize("flag, value", [
    ("--steps", "0"), ("--batch", "-1"), ("--scenes", "0"), ("--lr", "nan"), ("--lr", "-0.1"), ("--lr", "inf"),
    ("--eval-every", "0"), ("--patience", "-1"), ("--d-model", "0"), ("--mine", "-3"), ("--synthetic", "-1"),
    ("--threads", "0"), ("--threads", "-2"), ("--steps", "many"),
])
def test_rulelang_train_refuses_a_value_out_of_range_as_a_usage_error(interp_data, tmp_path, capsys, flag, value):
    code, text = failing(capsys, *_train_args(interp_data, "--out", str(tmp_path / "m.pt"), flag, value))
    assert code == 2 and f"argument {flag}:" in text and "internal error" not in text
    assert not (tmp_path / "m.pt").exists()


# -- the generator's synthetic tables ---------------------------------------------------------


def test_synthetic_tables_cover_the_dialect_but_no_scored_phenomenon_and_carry_the_interpreters_labels(
        interp_models, interp_data, class_of):
    from rulelang.interp.synthetic import synthetic_samples
    from rulelang.interp.vocab import dialect_texts

    model = LearnedInterpreter.load(interp_models["interpreter"])
    s = synthetic_samples(interp_data, model, 3, seed=5, class_of=class_of)
    scored = set(class_of[interp_data.rules("validation")]) | set(class_of[interp_data.rules("test")])
    kept = set(s.rules.tolist())
    # Every rule outside the scored phenomena is there, and none inside them.
    for r in range(len(dialect_texts())):
        assert (r in kept) == (int(class_of[r]) not in scored)
    assert s.scenes.shape == (len(s.rules), 3) and s.labels.shape == s.scenes.shape
    # The labels are the interpreter's reading, not the checker's.
    some = np.arange(0, len(s.rules), max(1, len(s.rules) // 40))
    for i in some:
        assert np.array_equal(s.labels[i], model.labels([s.texts[i]], s.scenes[i])[0])
    # Same seed, same scenes.
    again = synthetic_samples(interp_data, model, 3, seed=5, class_of=class_of)
    assert np.array_equal(again.scenes, s.scenes) and np.array_equal(again.labels, s.labels)


def test_a_generator_with_synthetic_tables_trains_and_records_its_interpreter(interp_models, interp_data,
                                                                             tmp_path):
    cfg = tiny_cfg("generator", steps=4, batch=8, eval_every=4, synthetic=8,
                   interpreter=str(interp_models["interpreter"]))
    T.train(interp_data, cfg, str(tmp_path / "g.pt"), device="cpu")
    ckpt = checkpoint.load(tmp_path / "g.pt", "generator")
    assert ckpt["train"]["synthetic"] == 8
    assert ckpt["train"]["interpreter"] == str(interp_models["interpreter"])
    assert ckpt["step"] == 4


def test_synthetic_tables_need_an_interpreter_of_the_same_regime(interp_models, interp_data, tmp_path):
    wrong = tmp_path / "other.pt"
    ckpt = checkpoint.load(interp_models["interpreter"], "interpreter")
    checkpoint.save(wrong, {**checkpoint.slim(ckpt), "regime": OTHER_REGIME})
    cfg = tiny_cfg("generator", steps=2, synthetic=8, interpreter=str(wrong))
    with pytest.raises(RulelangError) as err:
        T.train(interp_data, cfg, str(tmp_path / "g.pt"), device="cpu")
    assert err.value.diagnostic.code == "E703"


def test_too_few_synthetic_scenes_for_a_table_is_refused(interp_models, interp_data, tmp_path):
    cfg = tiny_cfg("generator", steps=2, synthetic=3, interpreter=str(interp_models["interpreter"]))
    with pytest.raises(RulelangError) as err:
        T.train(interp_data, cfg, str(tmp_path / "g.pt"), device="cpu")
    assert err.value.diagnostic.code == "E505" and "synthetic" in err.value.diagnostic.message


def test_an_interrupted_rulelang_train_says_which_checkpoint_it_kept_and_how_to_go_on(
        interp_data, tmp_path, monkeypatch, capsys):
    real = T.train

    def interrupted_at_15(*args, report=None, **kwargs):
        def tick(step, stats):
            report(step, stats)
            if step == 15:
                raise KeyboardInterrupt
        return real(*args, report=tick, **kwargs)

    monkeypatch.setattr(T, "train", interrupted_at_15)
    out = tmp_path / "m.pt"
    code, _ = cli(*_train_args(interp_data, "--out", str(out), "--steps", "30"))
    err = capsys.readouterr().err.splitlines()
    assert code == 130
    assert err[0] == "rulelang: training interrupted after step 15"
    assert err[1].startswith(f"rulelang: kept {out}: step 10 (the last validation), best validation score")
    resume = err[2].removeprefix("rulelang: go on with: ")
    assert resume == f"rulelang train interpreter --data {interp_data.path} --regime 15x20 --out {out} --resume"
    monkeypatch.setattr(T, "train", real)
    code, text = cli(*resume.split()[1:], "-q")
    assert code == 0 and checkpoint.load(out, "interpreter")["step"] == 30


def test_a_rulelang_train_interrupted_before_its_first_checkpoint_says_so(interp_data, tmp_path, monkeypatch,
                                                                          capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(T, "train", interrupted)
    code, _ = cli(*_train_args(interp_data, "--out", str(tmp_path / "m.pt"), "--steps", "30"))
    assert code == 130 and "no checkpoint was written yet" in capsys.readouterr().err
