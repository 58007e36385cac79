"""``rulelang fmt``, run in-process: canonical rewriting that never loses what a user wrote."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from rulelang.cli import main
from rulelang.rulefile import parse_rule_file, split_comment

FIXTURES = Path(__file__).parent / "fixtures"


def cli(*argv: str | Path) -> tuple[int, str]:
    out = io.StringIO()
    code = main([str(a) for a in argv], out=out)
    return code, out.getvalue()


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    """A copy of the unformatted fixture (odd spacing, a bad line, comments, labels)."""
    path = tmp_path / "messy.rl"
    shutil.copy(FIXTURES / "unformatted.rl", path)
    return path


def test_check_mode_lists_a_file_that_would_change_writes_nothing_and_exits_1(messy):
    before = messy.read_bytes()
    code, text = cli("fmt", "--check", messy)
    assert code == 1
    assert f"would reformat {messy}" in text
    assert messy.read_bytes() == before


def test_check_mode_passes_a_formatted_file_with_exit_0():
    code, text = cli("fmt", "--check", FIXTURES / "good.rl")
    assert code == 0
    assert "would reformat" not in text


def test_formatting_in_place_keeps_comments_labels_blank_and_bad_lines(messy):
    before = messy.read_text().splitlines()
    code, text = cli("fmt", messy)
    after = messy.read_text().splitlines()
    assert code == 1  # the bad line is a finding, even though the good lines were formatted
    assert f"{messy}:5:19: error[E001]" in text
    assert len(after) == len(before)
    old, new = parse_rule_file("\n".join(before)), parse_rule_file("\n".join(after))
    assert [(e.name, e.rule, e.comment) for e in new.entries] == [(e.name, e.rule, e.comment) for e in old.entries]
    bad_lines = {err.line for err in old.errors}
    for n, (a, b) in enumerate(zip(before, after), start=1):
        if n in bad_lines or not split_comment(a)[0].strip():
            assert a == b  # comment-only, blank and bad lines are kept verbatim
    assert after != before


def test_formatting_is_idempotent(messy):
    cli("fmt", messy)
    once = messy.read_bytes()
    code, text = cli("fmt", messy)
    assert messy.read_bytes() == once
    assert "0 files reformatted" in text


def test_a_file_is_rewritten_atomically_and_only_when_it_changes(messy, tmp_path):
    tidy = tmp_path / "tidy.rl"
    shutil.copy(FIXTURES / "good.rl", tidy)
    tidy_inode, messy_inode = tidy.stat().st_ino, messy.stat().st_ino
    cli("fmt", tidy, messy)
    assert tidy.stat().st_ino == tidy_inode  # unchanged: not even rewritten
    assert messy.stat().st_ino != messy_inode  # replaced by a rename, not written in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.rl", "tidy.rl"]  # no temporary files left


def test_diff_mode_shows_the_change_and_writes_nothing(messy):
    before = messy.read_bytes()
    code, text = cli("fmt", "--diff", messy)
    assert code == 1
    assert "-near:   at_least   1 red   touching blue   # keep this comment\n" in text
    assert "+near: at_least 1 red touching blue  # keep this comment\n" in text
    assert messy.read_bytes() == before


def test_standard_input_is_formatted_to_standard_output_with_diagnostics_on_stderr(monkeypatch, capsys, messy):
    class FakeStdin:
        buffer = io.BytesIO(messy.read_bytes())

    monkeypatch.setattr("sys.stdin", FakeStdin)
    code, text = cli("fmt", "-")
    cli("fmt", messy)
    assert code == 1
    assert text == messy.read_text()
    assert "<stdin>:5:19: error[E001]" in capsys.readouterr().err


def test_json_report_lists_each_file_and_each_finding(messy):
    code, text = cli("fmt", "--check", "--format", "json", messy, FIXTURES / "good.rl")
    report = json.loads(text)
    assert code == 1
    assert [(f["path"], f["changed"]) for f in report["files"]] == [(str(messy), True), (str(FIXTURES / "good.rl"), False)]
    assert [d["line"] for d in report["diagnostics"]] == [5]


def test_a_missing_file_is_exit_2_and_the_other_files_are_still_formatted(messy, tmp_path):
    code, text = cli("fmt", tmp_path / "nope.rl", messy)
    assert code == 2
    assert f"{tmp_path / 'nope.rl'}: error[E301] no such file" in text
    assert "would reformat" not in cli("fmt", "--check", messy)[1]


def test_a_file_that_is_not_utf8_is_exit_2_and_left_alone(tmp_path):
    path = tmp_path / "latin1.rl"
    shutil.copy(FIXTURES / "latin1.rl", path)
    code, text = cli("fmt", path)
    assert code == 2
    assert "error[E301] not UTF-8" in text
    assert path.read_bytes() == (FIXTURES / "latin1.rl").read_bytes()


def test_a_file_that_cannot_be_written_is_one_clear_message_and_exit_2(messy, monkeypatch):
    def refuse(path, data):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("rulelang.io.write_atomic", refuse)
    before = messy.read_bytes()
    code, text = cli("fmt", messy)
    assert code == 2
    assert f"{messy}: error[E301] cannot write: Permission denied" in text
    assert messy.read_bytes() == before


def test_the_summary_counts_a_file_that_could_not_be_written_and_exits_2(messy, monkeypatch):
    def refuse(path, data):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("rulelang.io.write_atomic", refuse)
    code, text = cli("fmt", messy, FIXTURES / "good.rl")
    assert code == 2
    assert "1 file could not be written, 0 files reformatted, 1 file already formatted" in text
    assert "1 file reformatted" not in text
    code, text = cli("fmt", "--format", "json", messy)
    assert code == 2 and json.loads(text)["summary"]["unwritten"] == 1


def test_crlf_line_endings_are_kept_line_by_line(tmp_path):
    path = tmp_path / "dos.rl"
    path.write_bytes(b"zero  red\r\n# note\r\nexactly 1   blue\nzero  blue")
    assert cli("fmt", path)[0] == 0
    assert path.read_bytes() == b"zero red\r\n# note\r\nexactly 1 blue\nzero blue\r\n"
    assert "would reformat" not in cli("fmt", "--check", path)[1]


def test_a_crlf_file_already_in_canonical_form_is_left_alone(tmp_path):
    path = tmp_path / "dos.rl"
    path.write_bytes(b"zero red\r\nexactly 1 blue\r\n")
    inode = path.stat().st_ino
    code, text = cli("fmt", path)
    assert code == 0 and "0 files reformatted, 1 file already formatted" in text
    assert path.stat().st_ino == inode


def test_a_lone_cr_before_a_blank_line_does_not_swallow_the_line(tmp_path):
    # Found by the fuzz campaign: "\r" + "\t\n" became "\r\n", two lines fused into one.
    path = tmp_path / "odd.rl"
    path.write_bytes(b"zero red\r\t\nzero  blue\n")
    assert cli("fmt", path)[0] == 0
    after = path.read_bytes().decode()
    assert after.splitlines() == ["zero red", "", "zero blue"]
