"""Progress of long work: a bar on a terminal, a line every few seconds in a log, nothing
for quick work, nothing outside the command line, nothing under ``-q``."""

from __future__ import annotations

import contextlib
import dataclasses
import io

import pytest

from rulelang import progress
from rulelang.cli import main
from rulelang.universe import ODEEN


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def eager(monkeypatch):
    """Progress as if every step took longer than the delays."""
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "FIRST_LINE", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)


def test_library_work_shows_no_progress_unless_the_command_line_asks(eager, capsys):
    with progress.task("work", 3) as bar:
        bar.update(3)
    assert capsys.readouterr().err == ""


def test_in_a_log_progress_is_a_line_per_interval_and_a_last_line(eager):
    log = io.StringIO()
    with progress.reporting(log):
        with progress.task("counting", 4) as bar:
            bar.update(2)
            bar.update(2)
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("rulelang: counting: 2/4 (50%), 00:00 elapsed")
    assert lines[-1] == "rulelang: counting: done in 00:00"
    assert "\r" not in log.getvalue() and "\x1b" not in log.getvalue()


def test_quick_work_leaves_a_log_untouched():
    log = io.StringIO()
    with progress.reporting(log):
        with progress.task("quick", 100) as bar:
            for _ in range(100):
                bar.update()
    assert log.getvalue() == ""


def test_on_a_terminal_progress_is_a_bar_that_is_erased_at_the_end(eager):
    tty = Terminal()
    with progress.reporting(tty):
        with progress.task("drawing", 10) as bar:
            bar.update(5)
    text = tty.getvalue()
    assert text.startswith("\rdrawing [") and "5/10" in text and text.endswith("\r\x1b[K")


def test_only_the_innermost_task_draws(eager):
    log = io.StringIO()
    with progress.reporting(log):
        with progress.task("outer", 2) as outer:
            with progress.task("inner", 2) as inner:
                outer.update()
                inner.update()
            outer.update()
    lines = log.getvalue().splitlines()
    assert [line.split(":")[1].strip() for line in lines] == ["inner", "inner", "outer", "outer"]


def test_tracked_items_report_their_position(eager):
    log = io.StringIO()
    with progress.reporting(log):
        assert sum(progress.tracked(range(3000), "summing", 3000)) == sum(range(3000))
    assert "rulelang: summing: 2,048/3,000 (68%)" in log.getvalue()


def run_cli(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(argv), out=io.StringIO())
    return code, err.getvalue()


def test_fmt_of_a_long_file_says_how_far_it_is_and_nothing_under_q(eager, tmp_path):
    path = tmp_path / "long.rl"
    path.write_text("zero  red\n" * 3000)
    code, err = run_cli("fmt", str(path))
    assert code == 0 and f"rulelang: reading {path}: 2,048/3,000" in err
    path.write_text("zero  red\n" * 3000)
    assert run_cli("fmt", "-q", str(path)) == (0, "")


def test_check_of_a_long_table_says_how_far_it_is(eager, tmp_path):
    (tmp_path / "t.txt").write_text("A..... true\n" * 2500)
    (tmp_path / "r.rl").write_text("at_least 1 red\n")
    code, err = run_cli("check", str(tmp_path / "r.rl"), str(tmp_path / "t.txt"))
    assert code == 0 and "rulelang: reading" in err and "t.txt: 2,048/2,500" in err


def test_building_the_dialect_index_reports_its_phases(eager):
    from rulelang.search.index import build_index

    tiny = dataclasses.replace(ODEEN, name="tiny", length=2)
    log = io.StringIO()
    with progress.reporting(log):
        ix = build_index(tiny)
    assert ix.n_classes > 0
    text = log.getvalue()
    for phase in ("labelling every scene", "grouping the rules into phenomena", "transposing", "done in"):
        assert phase in text, text


def test_data_make_and_bench_say_what_they_do_in_a_log_too():
    from rulelang.progress import Progress, Steps

    log = io.StringIO()
    steps = Steps(stream=log)
    steps("splits")
    steps.close()
    assert log.getvalue().splitlines()[0] == "rulelang: 00:00 splits..."
    bar = Progress(3, "bench", stream=io.StringIO())
    assert bar.enabled and not bar.bar  # a log gets lines, not a bar
    bar.close()
