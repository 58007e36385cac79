"""The solver interface, the registry, scoring runs, and ``rulelang bench`` end to end."""

from __future__ import annotations

import contextlib
import io
import json
import types
from pathlib import Path

import numpy as np
import pytest

from rulelang.cli import main
from rulelang.data import DataSet, MakeOptions, make_dataset
from rulelang.errors import RulelangError
from rulelang.harness import Answer, SolverContext, Task, available, load_solver, markdown, register, run_benchmark
from rulelang.harness.solvers import ranked_rules
from rulelang.measures import Judge


@pytest.fixture(scope="module")
def data(dialect, tmp_path_factory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("bench") / "tiny", MakeOptions.tiny(seed=3), dialect=dialect)


@pytest.fixture(scope="module")
def judge(dialect):
    return Judge(dialect)


class Oracle:
    """Cheats: answers the hidden rule (to check that a perfect answer scores perfectly)."""

    name = "oracle"

    def __init__(self, context: SolverContext) -> None:
        self.texts = context.dataset.texts("test")

    def solve(self, task: Task) -> Answer:
        return Answer(rules=("zero red and at_least 1 red", self.texts[task.index]))


class Abstainer:
    name = "abstainer"

    def __init__(self, context: SolverContext) -> None:
        pass

    def solve(self, task: Task) -> Answer:
        return Answer.abstention("never sure")


class Crasher:
    name = "crasher"

    def __init__(self, context: SolverContext) -> None:
        pass

    def solve(self, task: Task) -> Answer:
        if task.index % 2:
            raise RuntimeError("boom")
        return Answer(labels=np.zeros(3, dtype=bool))  # wrong shape: recorded as an error too


class Labeller:
    """Labels the query scenes from the table's first label, without all-scene labels."""

    name = "labeller"

    def __init__(self, context: SolverContext) -> None:
        pass

    def solve(self, task: Task) -> Answer:
        return Answer(labels=np.full(task.query.size, bool(task.labels[0])))


for _cls in (Oracle, Abstainer, Crasher, Labeller):
    register(_cls.name, _cls)


def bench(*argv: str) -> tuple[int, str]:
    """The exit code, and the output followed by what went to standard error (the diagnostic
    of an error that stops the command)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["bench", "-q", *argv], out)
    return code, out.getvalue() + err.getvalue()


def test_the_builtin_solvers_are_registered():
    assert {"explain", "random-rule", "constant"} <= set(available())


def test_an_unknown_solver_is_a_clear_error_with_a_suggestion():
    with pytest.raises(RulelangError, match="unknown solver 'constnat'") as err:
        load_solver("constnat")
    assert err.value.code == "E504" and "constant" in (err.value.hint or "")


def test_a_solver_can_be_named_by_its_import_path(dialect):
    solver = load_solver("rulelang.harness.solvers:RandomRuleSolver", SolverContext(dialect=dialect))
    assert solver.name == "random-rule"
    with pytest.raises(RulelangError, match="cannot be loaded"):
        load_solver("no_such_module_xyz:Solver")


def test_a_task_shows_its_table_as_a_scene_file(data):
    ds = DataSet(data)
    tables = ds.tables("test", "random")
    task = Task(index=0, scene_ids=tables.scenes[0].astype(np.int64),
                scenes=ds.universe.all_scenes()[tables.scenes[0]], labels=tables.labels[0],
                query=ds.evaluation("test").scenes[0].astype(np.int64))
    from rulelang.scenefile import parse_scene_file

    parsed = parse_scene_file(task.table_text())
    assert parsed.is_table and not parsed.errors
    assert parsed.labels().astype(bool).tolist() == tables.labels[0].tolist()
    assert task.query_scenes().shape == (64, 6)


def test_the_rank_finds_the_hidden_rule_behind_a_wrong_first_conjecture(data, judge):
    r = run_benchmark(DataSet(data), "oracle", "random", judge=judge)
    s = r["summary"]
    # The oracle's first conjecture is a rule true nowhere; its second is the hidden rule.
    assert s["rule_induction"] == 0.0 and s["found_in_list"] == 1.0 and s["mean_rank_when_found"] == 2.0
    ev = DataSet(data).evaluation("test")
    assert s["t_acc_sample"] == pytest.approx((~ev.labels).mean())  # judged by the first rule
    assert s["nrs_all"] == 0.0 and s["nrs_sample"] == 0.0


def test_the_first_conjecture_is_the_one_judged(data, judge):
    class FirstRight(Oracle):
        def solve(self, task):
            return Answer(rules=(self.texts[task.index],))

    register("first-right", FirstRight)
    s = run_benchmark(DataSet(data), "first-right", "informative", judge=judge)["summary"]
    assert s["rule_induction"] == 1.0 and s["t_acc_sample"] == 1.0 and s["t_acc_all"] == 1.0
    assert s["nrs_all"] == 1.0 and s["mean_rank_when_found"] == 1.0
    ds = DataSet(data)
    ev = ds.evaluation("test")
    assert s["nrs_sample"] == pytest.approx(judge.nrs_sample(ev.rules, ev.scenes, ev.labels).mean())


def test_abstentions_score_zero_on_every_measure(data, judge):
    r = run_benchmark(DataSet(data), "abstainer", "balanced", judge=judge)
    s = r["summary"]
    assert s["abstained"] == s["tasks"] == 24
    assert s["rule_induction"] == s["nrs_sample"] == s["t_acc_sample"] == 0.0
    assert all(t["abstained"] and t["info"] == {"reason": "never sure"} for t in r["tasks"])


def test_a_solver_that_fails_on_a_task_is_recorded_not_fatal(data, judge):
    r = run_benchmark(DataSet(data), "crasher", "random", judge=judge, limit=6)
    assert r["summary"]["errors"] == 6
    assert "boom" in r["tasks"][1]["error"] and "labels of shape" in r["tasks"][0]["error"]


def test_a_labels_only_solver_has_no_all_scene_measures(data, judge):
    s = run_benchmark(DataSet(data), "labeller", "random", judge=judge)["summary"]
    assert s["t_acc_all"] is None and s["nrs_all"] is None
    assert 0.0 < s["t_acc_sample"] < 1.0 and s["rule_induction"] == 0.0


def test_the_constant_baseline_labels_everything_alike(data, judge):
    r = run_benchmark(DataSet(data), "constant", "random", judge=judge)
    ev = DataSet(data).evaluation("test")
    tables = DataSet(data).tables("test", "random")
    majority = tables.labels.sum(axis=1) * 2 > tables.labels.shape[1]
    want = (ev.labels == majority[:, None]).mean(axis=1).mean()
    assert r["summary"]["t_acc_sample"] == pytest.approx(want)
    assert r["summary"]["rule_induction"] == 0.0


def test_the_random_rule_baseline_is_reproducible_by_seed(data, judge):
    a = run_benchmark(DataSet(data), "random-rule", "random", judge=judge, seed=1)["tasks"]
    b = run_benchmark(DataSet(data), "random-rule", "random", judge=judge, seed=1)["tasks"]
    c = run_benchmark(DataSet(data), "random-rule", "random", judge=judge, seed=2)["tasks"]
    assert [t["answer"] for t in a] == [t["answer"] for t in b] != [t["answer"] for t in c]


def test_the_explain_adapter_reads_ranked_candidates(monkeypatch, data, judge):
    texts = ["at_least 1 red", "zero blue", "zero red"]

    class Explanation:  # the shape of search.Explanation the adapter reads
        def __init__(self, ids):
            self.ids = np.array(ids)
            self.index = types.SimpleNamespace(texts=texts)
            self.status = "ambiguous" if len(ids) > 1 else "identified"

    import rulelang.search as search

    monkeypatch.setattr(search, "Table", lambda scenes, labels, universe: (scenes, labels))
    monkeypatch.setattr(search, "dialect_index", lambda universe: None)
    monkeypatch.setattr(search, "explain", lambda table: Explanation([2, 0] if len(table[0]) else []))
    s = run_benchmark(DataSet(data), "explain", "random", judge=judge, limit=4)["summary"]
    assert s["abstained"] == 0 and s["tasks"] == 4
    assert ranked_rules(Explanation([2, 0, 1])) == ["zero red", "at_least 1 red", "zero blue"]
    assert ranked_rules(Explanation([2, 0, 1]), 1) == ["zero red"]


def test_the_markdown_report_has_both_paper_tables(data, judge):
    r = run_benchmark(DataSet(data), "constant", "informative", judge=judge)
    text = markdown([r])
    assert "Table 1 — rule induction" in text and "Table 2 — nearest rule score" in text
    assert "| constant | informative |" in text


def test_bench_writes_a_json_result_and_prints_tables(data, tmp_path):
    target = tmp_path / "out" / "r.json"
    code, text = bench("--solver", "random-rule", "--table-kind", "balanced", "--data", str(data),
                       "--limit", "5", "--out", str(target))
    assert code == 0, text
    result = json.loads(target.read_text())
    assert result["summary"]["tasks"] == 5 and len(result["tasks"]) == 5
    assert result["table_kind"] == "balanced" and "Table 2" in text


def test_bench_on_validation_writes_next_to_the_data_by_default(data):
    code, text = bench("--solver", "constant", "--split", "validation", "--data", str(data), "--format", "json")
    assert code == 0
    summary = json.loads(text)
    assert Path(summary["result"]) == data / "results" / "constant-validation-informative.json"
    assert summary["summary"]["tasks"] == 12


def test_bench_exits_1_when_the_solver_failed_on_tasks(data, tmp_path):
    code, text = bench("--solver", "crasher", "--data", str(data), "--limit", "2", "--out", str(tmp_path / "c.json"))
    assert code == 1 and "failed on 2 tasks" in text


@pytest.mark.parametrize("args, words", [
    (["--solver", "no-such-solver"], "unknown solver"),
    (["--solver", "constant", "--regime", "9x9"], "no training regime"),
    (["--solver", "constant", "--limit", "-1"], "must not be negative"),
    (["--solver", "explain", "--option", "candidates=0"], "candidates must be at least 1"),
    (["--solver", "explain", "--option", "candidates=-1"], "candidates must be at least 1"),
    (["--solver", "explain", "--option", "candidats=5"], "has no option 'candidats'"),
    (["--solver", "explain", "--interpreter", "i.pt"], "has no option 'interpreter'"),
    (["--solver", "constant", "--option", "beams=3"], "takes no options, not 'beams'"),
])
def test_bad_bench_input_is_a_clear_error_and_writes_nothing(data, tmp_path, args, words):
    target = tmp_path / "never.json"
    code, text = bench(*args, "--data", str(data), "--out", str(target))
    assert code == 2 and words in text
    assert not target.exists()


def test_bench_refuses_a_result_path_it_cannot_write_before_running_the_solver(data, tmp_path):
    code, text = bench("--solver", "constant", "--data", str(data), "--out", str(tmp_path))
    assert code == 2 and f"{tmp_path}: error[E301]" in text and "it is a folder" in text
    assert "tasks;" not in text  # nothing was run


def test_bench_without_a_data_set_says_how_to_make_one(tmp_path):
    code, text = bench("--solver", "constant", "--data", str(tmp_path / "none"))
    assert code == 2 and "no data set" in text and "rulelang data make" in text


def test_bench_refuses_a_data_set_of_another_schema(data, tmp_path):
    import shutil

    copy = Path(shutil.copytree(data, tmp_path / "old"))
    man = json.loads((copy / "manifest.json").read_text())
    man["version"] = 0
    (copy / "manifest.json").write_text(json.dumps(man))
    code, text = bench("--solver", "constant", "--data", str(copy), "--out", str(tmp_path / "x.json"))
    assert code == 2 and "E502" in text and not (tmp_path / "x.json").exists()


def test_the_real_search_solves_every_identifiable_informative_table(data, judge):
    s = run_benchmark(DataSet(data), "explain", "informative", judge=judge, limit=6)["summary"]
    assert s["abstained"] == 0 and s["errors"] == 0
    # explain returns every consistent class, simplest first: whenever the table pins the
    # phenomenon down (the ceiling), the top answer is equivalent to the hidden rule.
    assert s["rule_induction"] >= s["ceiling"] > 0
    assert s["t_acc_all"] >= s["ceiling"]


def test_every_answer_is_reported_as_the_simplest_rule_of_its_phenomenon(data, judge):
    class Wordy:
        name = "wordy"

        def __init__(self, context: SolverContext) -> None:
            pass

        def solve(self, task: Task) -> Answer:
            return Answer(rules=("zero red and at_least 1 red", "zero red"))

    register("wordy", Wordy)
    r = run_benchmark(DataSet(data), "wordy", "informative", limit=2, judge=judge)
    simplest = judge.dialect.texts[judge.canonical[judge.classify(["zero red and at_least 1 red"])[0]]]
    assert simplest != "zero red and at_least 1 red"
    for rec in r["tasks"]:
        assert rec["answer"] == simplest and rec["conjecture"] == "zero red and at_least 1 red"

    class Plain(Wordy):
        def solve(self, task: Task) -> Answer:
            return Answer(rules=("zero red",))

    register("plain", Plain)
    for rec in run_benchmark(DataSet(data), "plain", "informative", limit=2, judge=judge)["tasks"]:
        assert rec["answer"] == "zero red" and "conjecture" not in rec  # already the simplest


def test_bench_help_lists_every_registered_solver(capsys):
    register("my-own-solver", Labeller)
    code = main(["bench", "--help"], io.StringIO())
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    for name in available():  # whole, on one line: the wrapping never breaks a name at its hyphen
        assert any(name in line for line in lines), name
    assert {"my-own-solver", "isearch", "crn", "emp-l"} <= set(available())


def test_bench_help_never_breaks_a_solver_name_at_its_hyphen():
    from rulelang.cli.bench import _Help

    text = "a registered solver (constant, crn, emp-l, emp-r, explain, isearch, my-own-solver)"
    for width in range(20, len(text) + 1):
        lines = _Help("rulelang bench")._split_lines(text, width)
        assert " ".join(lines) == text and not any(line.endswith("-") for line in lines), width


def test_bench_passes_interpreter_and_generator_files_to_the_solver(data, tmp_path):
    seen = {}

    class Recorder(Labeller):
        def __init__(self, context: SolverContext) -> None:
            seen.update(context.options)

    register("recorder", Recorder)
    code, _ = bench("--solver", "recorder", "--data", str(data), "--limit", "1", "--out", str(tmp_path / "r.json"),
                    "--interpreter", "i.pt", "--generator", "g.pt", "--option", "beams=7")
    assert code == 0 and seen == {"interpreter": "i.pt", "generator": "g.pt", "beams": "7"}
    code, text = bench("--solver", "recorder", "--data", str(data), "--interpreter", "i.pt",
                       "--option", "interpreter=other.pt")
    assert code == 2 and "name different files" in text


@pytest.mark.parametrize("name", ["explain", "random-rule", "constant"])
def test_a_builtin_solver_declares_every_option_it_reads(monkeypatch, dialect, recording_options, name):
    import rulelang.search as search
    from rulelang.harness.api import solver_factory

    monkeypatch.setattr(search, "dialect_index", lambda universe: None)
    options = recording_options()
    load_solver(name, SolverContext(options=options, dialect=dialect))
    assert options.read <= set(solver_factory(name).options), options.read


def test_an_option_the_solver_lacks_is_refused_by_the_api_too(dialect):
    with pytest.raises(RulelangError, match="has no option 'candidate'") as err:
        load_solver("explain", SolverContext(options={"candidate": "5"}, dialect=dialect))
    assert err.value.code == "E505" and err.value.expected == ("candidates",)
    assert err.value.hint == "did you mean 'candidates'?"


def test_a_solver_that_declares_no_options_is_given_every_key(data, tmp_path):
    seen = {}

    class Open(Labeller):  # a third-party solver written before options were declared
        def __init__(self, context: SolverContext) -> None:
            seen.update(context.options)

    assert not hasattr(Open, "options")
    register("open", Open)
    code, _ = bench("--solver", "open", "--data", str(data), "--limit", "1", "--out", str(tmp_path / "o.json"),
                    "--option", "anything=1")
    assert code == 0 and seen == {"anything": "1"}
