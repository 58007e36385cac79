"""The neural solvers (``crn``, ``isearch``, ``emp-r``, ``emp-l``) in the benchmark harness.

The models are tiny and barely trained (see ``interp_fixtures``): what is tested is the
solvers' contract — dialect rules best first, labels of the query's shape, the
falsification ranking, strict abstention, which model is loaded — not their accuracy.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

pytest.importorskip("torch", reason="the neural tests need torch: pip install 'rulelang[neural]'")

from rulelang.interp.model import ConjectureGenerator, LabelEmpiricist, LearnedInterpreter
from rulelang.interp.vocab import dialect_texts
from interp_fixtures import *  # noqa: F401,F403
from interp_fixtures import OTHER_REGIME, REGIME, _declared_solvers
from rulelang.errors import RulelangError
from rulelang.harness import SolverContext, Task, load_solver, run_benchmark
from rulelang.harness.run import make_tasks
from rulelang.universe import ODEEN

BEAMS = 20


@pytest.fixture(scope="module")
def options(interp_models) -> dict[str, str]:
    return {kind: str(path) for kind, path in interp_models.items()} | {"beams": str(BEAMS)}


@pytest.fixture(scope="module")
def tasks(interp_data) -> list[Task]:
    return make_tasks(interp_data, "test", "informative", 4, 0)[0]


#: The fixture's options that each solver takes (any other key is refused).
TAKES = {"crn": ("interpreter", "generator", "beams"), "isearch": ("interpreter",),
         "emp-r": ("generator", "beams"), "emp-l": ("empiricist",)}


def _given(name, options, extra):
    return {k: v for k, v in options.items() if k in TAKES[name]} | extra


def _solver(name, interp_data, dialect, options, **extra):
    context = SolverContext(dataset=interp_data, regime=REGIME, options=_given(name, options, extra), dialect=dialect)
    return load_solver(name, context)


def _bench(interp_data, interp_judge, solver, options, limit, regime=REGIME, **extra):
    return run_benchmark(interp_data, solver, "informative", "test", limit=limit, regime=regime,
                         options=_given(solver, options, extra), judge=interp_judge)


def test_pyproject_registers_every_solver_as_an_entry_point():
    declared = _declared_solvers()
    assert declared == {
        "explain": "rulelang.harness.solvers:ExplainSolver",
        "random-rule": "rulelang.harness.solvers:RandomRuleSolver",
        "constant": "rulelang.harness.solvers:ConstantSolver",
        "crn": "rulelang.interp.solvers:CRNSolver",
        "isearch": "rulelang.interp.solvers:InterpreterSearchSolver",
        "emp-r": "rulelang.interp.solvers:EmpRSolver",
        "emp-l": "rulelang.interp.solvers:EmpLSolver",
    }
    for name, spec in declared.items():
        module, _, attr = spec.partition(":")
        assert getattr(importlib.import_module(module), attr).name == name


# -- through the harness ----------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["crn", "emp-r", "emp-l"])
def test_a_neural_solver_answers_every_task(neural_solvers, interp_data, interp_judge, options, solver):
    result = _bench(interp_data, interp_judge, solver, options, 5)
    summary, records = result["summary"], result["tasks"]
    assert (summary["tasks"], summary["errors"], summary["abstained"]) == (5, 0, 0)
    assert result["regime"] == REGIME and len(records) == 5
    texts = set(dialect_texts())
    for rec in records:
        assert "error" not in rec and not rec["abstained"]
        assert 0.0 <= rec["t_acc_sample"] <= 1.0
        if solver == "emp-l":
            assert rec["answer"] is None and rec["n_rules"] == 0
        else:
            # The CRN's list holds its conjectures and, when they are all refuted, their revisions.
            assert rec["answer"] in texts and 1 <= rec["n_rules"] <= rec["info"].get("ranked", BEAMS)
    if solver == "crn":
        assert all(1 <= r["info"]["conjectures"] <= BEAMS and 0 <= r["info"]["mismatches"] <= 8 for r in records)
    if solver == "emp-r":
        assert all(r["info"]["log_prob"] <= 0 for r in records)


def test_interpreter_search_ranks_the_whole_dialect(neural_solvers, interp_data, interp_judge, options):
    result = _bench(interp_data, interp_judge, "isearch", options, 2, candidates="50")
    summary, records = result["summary"], result["tasks"]
    assert (summary["tasks"], summary["errors"], summary["abstained"]) == (2, 0, 0)
    for rec in records:
        assert rec["answer"] in dialect_texts() and rec["n_rules"] == 50
        assert rec["info"]["fitting"] >= 0 and 0 <= rec["info"]["mismatches"] <= 8
        assert (rec["info"]["fitting"] > 0) == (rec["info"]["mismatches"] == 0)


def test_strict_crn_abstains_exactly_when_no_conjecture_fits(neural_solvers, interp_data, interp_judge,
                                                            options):
    loose = _bench(interp_data, interp_judge, "crn", options, 5)["tasks"]
    strict = _bench(interp_data, interp_judge, "crn", options, 5, strict="1")["tasks"]
    for a, b in zip(loose, strict):
        assert b["info"]["mismatches"] == a["info"]["mismatches"]
        assert b["abstained"] == (a["info"]["mismatches"] > 0)
        if b["abstained"]:
            assert b["answer"] is None and b["info"]["reason"] == "no conjecture fits every observation"
        else:
            assert b["answer"] == a["answer"]


def test_a_model_of_another_regime_is_refused(neural_solvers, interp_data, interp_judge, options):
    for solver in ("crn", "emp-l"):
        with pytest.raises(RulelangError, match=f"trained in regime {REGIME}, not {OTHER_REGIME}") as err:
            _bench(interp_data, interp_judge, solver, options, 1, regime=OTHER_REGIME)
        assert err.value.code == "E703"


def test_a_missing_model_is_refused(neural_solvers, interp_data, interp_judge, options, tmp_path):
    missing = tmp_path / "nowhere.pt"
    with pytest.raises(RulelangError) as err:
        _bench(interp_data, interp_judge, "crn", options, 1, generator=str(missing))
    assert err.value.code == "E702" and err.value.path == str(missing)
    with pytest.raises(RulelangError) as err:
        _bench(interp_data, interp_judge, "emp-r", {"beams": "5"}, 1, models=str(tmp_path))
    assert err.value.code == "E702" and err.value.path == str(tmp_path / REGIME / "generator.pt")


@pytest.mark.parametrize("name", sorted(TAKES))
def test_a_neural_solver_declares_every_option_it_reads(neural_solvers, interp_data, dialect, options,
                                                       recording_options, name):
    from rulelang.harness.api import solver_factory

    given = recording_options(_given(name, options, {}))
    load_solver(name, SolverContext(dataset=interp_data, regime=REGIME, options=given, dialect=dialect))
    declared = set(solver_factory(name).options)
    assert {"threads", "all_scenes", "models"} <= given.read <= declared, (given.read, declared)


@pytest.mark.parametrize("name, key, near", [("crn", "beam", "beams"), ("emp-l", "beams", None),
                                             ("isearch", "generator", None), ("crn", "empiricist", None)])
def test_an_option_a_neural_solver_lacks_is_refused(neural_solvers, interp_data, dialect, options, name, key,
                                                    near):
    with pytest.raises(RulelangError, match=f"solver '{name}' has no option '{key}'") as err:
        _solver(name, interp_data, dialect, options, **{key: "3"})
    assert err.value.code == "E505" and key not in err.value.expected
    assert err.value.hint == (f"did you mean '{near}'?" if near else None)


@pytest.mark.parametrize("value", ["0", "many"])
def test_a_bad_option_is_refused(neural_solvers, interp_data, dialect, options, value):
    with pytest.raises(RulelangError, match="beams") as err:
        _solver("crn", interp_data, dialect, options, beams=value)
    assert err.value.code == "E505"


# -- the solvers' answers, task by task -------------------------------------------------------


def _mismatches(interpreter, rules, task) -> np.ndarray:
    labels = interpreter.labels(list(rules), task.scenes)
    return (labels != task.labels).sum(1)


def test_crn_falsifies_the_generators_conjectures(neural_solvers, interp_data, dialect, options, tasks,
                                                 interp_models):
    crn = _solver("crn", interp_data, dialect, options, revise="0")  # the paper's CRN
    emp_r = _solver("emp-r", interp_data, dialect, options)
    interpreter = LearnedInterpreter.load(interp_models["interpreter"])
    class_of = dialect.classes.class_of
    index = {t: i for i, t in enumerate(dialect_texts())}
    for task in tasks:
        answer = crn.solve(task)
        rules = answer.rules
        assert not answer.abstain and 1 <= len(rules) <= BEAMS
        ids = np.array([index[r] for r in rules])
        assert np.unique(class_of[ids]).size == len(rules)
        # The same conjectures as the generator alone, re-ranked by the interpreter's mismatches.
        assert sorted(rules) == sorted(emp_r.solve(task).rules)
        wrong = _mismatches(interpreter, rules, task)
        assert (np.diff(wrong) >= 0).all() and answer.info["mismatches"] == wrong[0]
        assert answer.info["conjectures"] == len(rules)
        assert answer.labels.shape == task.query.shape and answer.labels.dtype == bool
        assert np.array_equal(answer.labels, interpreter.labels([rules[0]], task.query)[0])
        assert answer.all_labels is None


def test_a_refuted_crn_revises_its_best_conjectures_one_word_at_a_time(neural_solvers, interp_data, dialect,
                                                                       options, tasks, interp_models):
    from rulelang.interp.vocab import Vocab, dialect_neighbours

    paper = _solver("crn", interp_data, dialect, options, revise="0")
    crn = _solver("crn", interp_data, dialect, options, revise="3")
    class_of = dialect.classes.class_of
    index = {t: i for i, t in enumerate(dialect_texts())}
    starts, ids = dialect_neighbours(Vocab.for_dialect())
    revised = 0
    for task in tasks:
        before, after = paper.solve(task), crn.solve(task)
        assert after.info["conjectures"] == before.info["conjectures"] == len(before.rules)
        if before.info["mismatches"] == 0:  # nothing refuted: nothing revised
            assert after.rules == before.rules
            continue
        revised += 1
        new = [index[r] for r in set(after.rules) - set(before.rules)]
        near = {int(n) for r in before.rules[:3] for n in ids[starts[index[r]]:starts[index[r] + 1]]}
        assert new and set(new) <= near  # neighbours of the three best, one per new phenomenon
        assert not set(class_of[new]) & set(class_of[[index[r] for r in before.rules]])
        assert after.info["mismatches"] <= before.info["mismatches"] and after.info["ranked"] == len(after.rules)
    assert revised  # tiny models are refuted on some of these tables


def test_emp_r_answers_with_the_generators_beam(neural_solvers, interp_data, dialect, options, tasks,
                                               interp_models):
    emp_r = _solver("emp-r", interp_data, dialect, options)
    generator = ConjectureGenerator.load(interp_models["generator"])
    for task in tasks:
        beam = generator.propose(task.scenes, task.labels, BEAMS, dialect.classes.class_of)
        answer = emp_r.solve(task)
        assert answer.rules == tuple(dialect_texts()[r] for r in beam.rules)
        assert answer.info["log_prob"] == round(float(beam.scores[0]), 4)
        assert answer.labels is None and answer.all_labels is None


def test_emp_l_labels_the_query_from_the_table(neural_solvers, interp_data, dialect, options, tasks,
                                               interp_models):
    emp_l = _solver("emp-l", interp_data, dialect, options)
    empiricist = LabelEmpiricist.load(interp_models["empiricist"])
    for task in tasks:
        answer = emp_l.solve(task)
        assert answer.rules == () and not answer.abstain and answer.all_labels is None
        assert answer.labels.shape == task.query.shape and answer.labels.dtype == bool
        assert np.array_equal(answer.labels, empiricist.logits(task.scenes, task.labels, task.query) > 0)


def test_all_scenes_labels_agree_with_the_query_labels(neural_solvers, interp_data, dialect, options, tasks):
    crn = _solver("crn", interp_data, dialect, options, all_scenes="1")
    answer = crn.solve(tasks[0])
    assert answer.all_labels.shape == (ODEEN.n_scenes,) and answer.all_labels.dtype == bool
    assert np.array_equal(answer.all_labels[tasks[0].query], answer.labels)


def test_strict_interpreter_search_answers_a_table_its_interpreter_can_fit(
        neural_solvers, interp_data, dialect, options, tasks, interp_models):
    interpreter = LearnedInterpreter.load(interp_models["interpreter"])
    rule = "at_least 1 red touching blue"
    task = tasks[1]
    fitting = Task(index=task.index, scene_ids=task.scene_ids, scenes=task.scenes,
                   labels=interpreter.labels([rule], task.scenes)[0], query=task.query)
    solver = _solver("isearch", interp_data, dialect, options, strict="1", candidates="30")
    answer = solver.solve(fitting)
    assert not answer.abstain and len(answer.rules) == 30
    assert answer.info["mismatches"] == 0 and answer.info["fitting"] >= 1
    wrong = _mismatches(interpreter, answer.rules, fitting)
    assert (np.diff(wrong) >= 0).all() and wrong[0] == 0
    assert (wrong == 0).sum() == min(30, answer.info["fitting"])
    # Every rule the interpreter reads as fitting the table is counted, the chosen rule among them.
    assert _mismatches(interpreter, [rule], fitting)[0] == 0


# -- the neural Zendo student ---------------------------------------------------------------


def test_the_neural_student_plays_a_whole_game_against_a_secret_and_never_guesses_outside_the_dialect(
        interp_models, dialect):
    import io

    from rulelang.interp.zendo import NeuralStudent
    from rulelang.parser import parse
    from rulelang.search.zendo import Console, Oracle, StudentGame

    secret = parse("at_least 1 red")
    student = NeuralStudent(LearnedInterpreter.load(interp_models["interpreter"]),
                            ConjectureGenerator.load(interp_models["generator"]), beams=8, pool=256, seed=1)
    game = StudentGame(student, oracle=Oracle(secret), max_questions=12, max_guesses=4)
    out = io.StringIO()
    result = game.play(Console(iter(()), out))
    text = out.getvalue()
    assert result.outcome in ("solved", "gave-up")
    assert game.asked <= 12 and game.guesses <= 4
    # Every answer it was given is the secret's, and every guess is a dialect rule.
    for scene, label in zip(result.table.texts, result.table.labels):
        assert Oracle(secret).label(scene) == bool(label)
    guesses = [line.split(": ", 1)[1].split("  (")[0] for line in text.splitlines()
               if line.startswith("I think the rule is: ")]
    assert len(guesses) == game.guesses
    texts = dialect.texts
    canonical = {int(c): texts[int(i)] for c, i in enumerate(dialect.classes.canonical)}
    for g in guesses:
        parse(g, dialect=True)
        # Reported in canonical form: the simplest rule of the conjecture's phenomenon.
        assert canonical[int(dialect.classes.class_of[texts.index(g)])] == g
    if result.outcome == "solved":
        assert Oracle(secret).judge(parse(result.rule)) is None


def test_the_students_readings_are_the_interpreters_logits_each_pair_read_once(interp_models, monkeypatch):
    from rulelang.interp.vocab import dialect_texts
    from rulelang.interp.zendo import Readings

    interpreter = LearnedInterpreter.load(interp_models["interpreter"])
    texts = dialect_texts(interpreter.universe)
    readings = Readings(interpreter, texts)
    pairs = []
    real = interpreter.logits

    def counted(tokens, scenes):
        pairs.append(int(tokens.shape[0]) * len(scenes))
        return real(tokens, scenes)

    monkeypatch.setattr(interpreter, "logits", counted)
    rng = np.random.default_rng(3)
    seen: set[tuple[int, int]] = set()
    for _ in range(6):  # overlapping calls, growing past the rows' first capacity
        rules = [int(r) for r in rng.choice(len(texts), size=int(rng.integers(1, 12)), replace=False)]
        scenes = rng.choice(interpreter.universe.n_scenes, size=int(rng.integers(1, 90)), replace=False)
        before = sum(pairs)
        got = readings(rules, scenes)
        want = real(interpreter.tokens([texts[r] for r in rules]), scenes)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        new = {(r, int(s)) for r in rules for s in scenes} - seen
        assert len(new) <= sum(pairs) - before <= len(rules) * len(scenes)
        seen |= new
    again = sum(pairs)
    readings(rules, scenes)  # everything asked for was read: nothing new to compute
    assert sum(pairs) == again


def test_a_neural_student_that_remembers_its_readings_moves_as_a_fresh_one_would(interp_models):
    from rulelang.interp.zendo import NeuralStudent
    from rulelang.search.table import Table
    from rulelang.search.zendo import Oracle
    from rulelang.parser import parse

    models = (LearnedInterpreter.load(interp_models["interpreter"]), ConjectureGenerator.load(interp_models["generator"]))
    oracle = Oracle(parse("exactly 2 blue"))
    student = NeuralStudent(*models, beams=8, pool=256, seed=2)
    pairs: list[tuple[str, bool]] = []
    for _ in range(8):
        table = Table.from_pairs(pairs)
        move = student.move(table)
        fresh = NeuralStudent(*models, beams=8, pool=256, seed=2).move(table)
        assert move == fresh
        if not hasattr(move, "scene") or move.scene is None:
            break
        pairs.append((move.scene, oracle.label(move.scene)))
    assert len(pairs) >= 4


def test_play_with_the_crn_student_runs_from_the_command_line(interp_models, monkeypatch):
    import io

    from rulelang.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    out = io.StringIO()
    code = main(["play", "--machine", "student", "--student", "crn", "--secret", "zero blue", "--beams", "4",
                 "--interpreter", str(interp_models["interpreter"]), "--generator", str(interp_models["generator"]),
                 "--color", "never"], out)
    text = out.getvalue()
    assert code == 0, text
    assert "neural network" in text and "Traceback" not in text
    assert "scene 1:" in text
