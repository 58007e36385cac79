"""Zendo: both roles driven line by line, garbage input, end of input."""

from __future__ import annotations

import io
import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from rulelang.cli import main
from rulelang.equivalence import equivalent
from rulelang.parser import parse
from rulelang.reference import evaluate
from rulelang.universe import ODEEN
from rulelang.search.zendo import Console, MasterGame, Oracle, SearchStudent, StudentGame
from search_fixtures import *  # noqa: F401,F403 - session fixtures

SECRET = "at_least 1 red touching blue"


def _play(argv, stdin_text, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    out = io.StringIO()
    code = main(["play", "--color", "never", *argv], out)
    return code, out.getvalue()


def test_the_master_labels_scenes_and_accepts_an_equivalent_guess(index, monkeypatch):
    code, text = _play(["--secret", SECRET],
                       "A.b...\nAb....\nguess at_least 1 blue touching red\n", monkeypatch)
    assert code == 0
    assert "A.b...  false" in text and "Ab....  true" in text
    assert "correct!" in text and "(2 scenes, 1 guess)" in text


def test_a_wrong_guess_gets_the_simplest_counterexample(index, monkeypatch):
    code, text = _play(["--secret", SECRET], "guess at_least 1 red\nquit\n", monkeypatch)
    verdict = equivalent(parse("at_least 1 red"), parse(SECRET))
    assert code == 0 and f"Counterexample: {verdict.counterexample} is false" in text


def test_the_master_survives_garbage_and_keeps_its_table(index):
    game = MasterGame(parse(SECRET))
    lines = ["A.....", "zzz", "guess at_least 9 red", "AAAAAAAAA", "guess", "hello there", "", "\t"]
    out = io.StringIO()
    result = game.play(Console(iter(lines), out))
    assert result.outcome == "eof" and result.guesses == 0
    assert result.scenes_asked == 1 and "A....." in result.table.texts
    assert out.getvalue().count("type 'help'") >= 4


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=8))
def test_no_typed_text_crashes_the_master_or_loses_a_scene(index, lines):
    game = MasterGame(parse(SECRET))
    con = Console(iter(["A.b..." ] + [l.replace("\n", " ") for l in lines]), io.StringIO())
    result = game.play(con)
    assert "A.b..." in result.table.texts
    for scene, value in result.table.pairs():  # every label the master gave is right
        assert evaluate(parse(SECRET), scene, ODEEN) == value


def test_end_of_input_ends_a_game_cleanly(index, monkeypatch):
    code, text = _play(["--seed", "4"], "", monkeypatch)
    assert code == 0 and "The rule was:" in text


def test_a_seed_fixes_the_hidden_rule(index, monkeypatch):
    first = _play(["--seed", "11"], "reveal\n", monkeypatch)[1]
    again = _play(["--seed", "11"], "reveal\n", monkeypatch)[1]
    assert first == again


def test_the_student_with_a_secret_plays_alone_and_names_the_rule(index, monkeypatch):
    code, text = _play(["--machine", "student", "--secret", "exactly 2 blue pyramid"], "", monkeypatch)
    assert code == 0
    m = re.search(r"settled on: (.+) after (\d+) scenes", text)
    assert m and equivalent(parse(m.group(1)), parse("exactly 2 blue pyramid")).equivalent
    assert int(m.group(2)) == text.count("true or false?")


def test_the_student_turns_to_the_full_language_when_the_dialect_fails(index):
    secret = parse("exactly 4 red")
    game = StudentGame(SearchStudent(index, synth_max_size=6, synth_timeout=30), oracle=Oracle(secret))
    out = io.StringIO()
    result = game.play(Console(iter([]), out))
    assert result.outcome == "solved" and equivalent(parse(result.rule), secret).equivalent
    assert "searching the full language" in out.getvalue()


def _answering(out: io.StringIO, rule, garbage_every: int = 3):
    """Answers the student's questions from the printed prompts, with garbage in between."""
    n = 0
    while True:
        last = out.getvalue().rsplit("\n", 1)[-1]
        n += 1
        if "is that your rule?" in last:
            yield "yes"
        elif n % garbage_every == 0:
            yield "maybe?"
        else:
            scene = re.search(r"scene \d+: (\S{6})", last).group(1)
            yield "true" if evaluate(rule, scene, ODEEN) else "f"


def test_the_student_asks_a_person_and_shrugs_off_garbage_answers(index):
    rule = parse("zero red and at_least 1 block")
    out = io.StringIO()
    game = StudentGame(SearchStudent(index))
    result = game.play(Console(_answering(out, rule), out, echo=True))
    assert result.outcome == "solved" and equivalent(parse(result.rule), rule).equivalent
    assert "please answer true or false" in out.getvalue()
    for scene, value in result.table.pairs():
        assert evaluate(rule, scene, ODEEN) == value


def _disputing(out: io.StringIO, rule):
    """Answers questions truly; at the first guess offers a 'counterexample' the guess agrees
    with, then a real one, then quits."""
    step = 0
    while True:
        last = out.getvalue().rsplit("\n", 1)[-1]
        if "is that your rule?" in last:
            guess = parse(out.getvalue().rsplit("I think the rule is: ", 1)[1].split("  (")[0])
            if step == 0:
                step = 1
                yield f"no ...... {str(evaluate(guess, '......', ODEEN)).lower()}"
            else:
                yield "quit"
        else:
            scene = re.search(r"scene \d+: (\S{6})", last).group(1)
            yield "true" if evaluate(rule, scene, ODEEN) else "false"


def test_a_counterexample_that_agrees_with_the_guess_is_refused(index):
    out = io.StringIO()
    result = StudentGame(SearchStudent(index)).play(Console(_disputing(out, parse(SECRET)), out, echo=True))
    assert result.outcome == "quit" and result.guesses == 1
    assert "that is not a counterexample" in out.getvalue()


def test_the_student_stops_cleanly_at_end_of_input(index):
    result = StudentGame(SearchStudent(index)).play(Console(iter(["true", "false"]), io.StringIO()))
    assert result.outcome == "eof" and result.scenes_asked == 2


class _Scripted:
    """A student that asks two fixed scenes, then guesses the same rule every time."""

    intro = "scripted"

    def __init__(self, guess: str) -> None:
        self.guess, self.moves = guess, 0

    def move(self, table, *, may_ask=True):
        from rulelang.search.zendo import Ask, Guess

        self.moves += 1
        if len(table) < 2 and may_ask:
            return Ask(["A.....", "b....."][len(table)])
        return Guess(self.guess, 0.5)


def test_any_student_plays_through_the_one_game_loop_which_enforces_the_limits():
    from rulelang.search.zendo import GiveUp, Guess

    game = StudentGame(_Scripted("zero red"), oracle=Oracle(parse("zero blue")), max_guesses=3)
    out = io.StringIO()
    result = game.play(Console(iter(()), out))
    # Two questions, then wrong guesses until the limit: the game, not the student, stops it.
    assert result.outcome == "gave-up" and result.scenes_asked == 2 and result.guesses == 3
    assert "I give up after 3 wrong guesses." in out.getvalue()
    for scene, value in result.table.pairs():
        assert evaluate(parse("zero blue"), scene, ODEEN) == value
    assert isinstance(game.move(), GiveUp) and not isinstance(game.move(), Guess)


def test_a_counterexample_the_table_already_holds_is_taken_when_the_guess_contradicts_it():
    game = StudentGame(_Scripted("zero red"))
    game.move()
    game.answer(False)  # A..... is false: "zero red" agrees
    game.move()
    game.answer(True)  # b..... is true
    assert game.move().rule == "zero red"
    assert "earlier" in game.reject("A.....", True)  # contradicts the answer given before
    assert game.reject("A.....", False) is not None  # the guess says false too: no counterexample
    assert game.reject("b.....", False) is not None  # contradicts the earlier answer
    game2 = StudentGame(_Scripted("at_least 1 red"))
    game2.move()
    game2.answer(False)
    game2.move()
    game2.answer(True)
    game2.move()
    assert game2.reject("A.....", False) is None and len(game2.table) == 2


def test_help_lists_the_answers_and_end_of_input_abandons_the_game(index, monkeypatch):
    code, text = _play(["--machine", "student"], "help\n", monkeypatch)
    assert code == 0
    assert "yes/no" in text and "white/black" in text and "quit stops the game" in text
    assert text.rstrip().endswith("game abandoned (end of input)")


def _even_pieces(scene: str) -> bool:
    """A rule outside the dialect: an even number of pieces."""
    return sum(ch != "." for ch in scene) % 2 == 0


def _contradicting(out: io.StringIO, answers: list[str]):
    """Answers every question by :func:`_even_pieces` (no dialect rule fits it); rejects the
    first guess with a scene where the guess disagrees, quits at the next one."""
    guesses = 0
    while True:
        last = out.getvalue().rsplit("\n", 1)[-1]
        if "is that your rule?" in last:
            guesses += 1
            if guesses > 1:
                answers.append("quit")
                yield "quit"
                continue
            guess = parse(out.getvalue().rsplit("I think the rule is: ", 1)[1].split("  (")[0])
            asked = set(re.findall(r"scene \d+: (\S{6})", out.getvalue()))
            scene = next(s for s in ("......", "A.....", "AA....", "AAA...", "AAAA..", "b.....", "bb....")
                         if s not in asked and evaluate(guess, s, ODEEN) != _even_pieces(s))
            line = f"no {scene} {str(_even_pieces(scene)).lower()}"
        else:
            line = "true" if _even_pieces(re.search(r"scene \d+: (\S{6})", last).group(1)) else "false"
        answers.append(line)
        yield line


def test_answers_no_phenomenon_fits_are_noticed_and_the_nearest_rules_offered(index):
    out, answers = io.StringIO(), []
    game = StudentGame(SearchStudent(index, synth_max_size=3, synth_timeout=2))
    result = game.play(Console(_contradicting(out, answers), out, echo=True))
    text = out.getvalue()
    assert result.outcome in ("quit", "gave-up")
    assert "no rule of the dialect fits all" in text and "nearest dialect rules" in text
    assert "searching the full language" in text
    listed = re.findall(r"^  (.+)  \(not: (.+)\)$", text, flags=re.M)
    assert listed
    table = dict(result.table.pairs())
    for rule, wrong in listed:  # each named answer is one the rule really contradicts
        for item in wrong.split(", "):
            scene, value = item.split()
            assert table[scene] == (value == "true") != evaluate(parse(rule), scene, ODEEN)


def test_the_student_at_the_terminal_survives_contradicting_answers(index, monkeypatch):
    out, answers = io.StringIO(), []
    StudentGame(SearchStudent(index, synth_max_size=3, synth_timeout=2)).play(Console(_contradicting(out, answers), out, echo=True))
    code, text = _play(["--machine", "student", "--max-size", "3", "--timeout", "2"],
                       "\n".join(answers) + "\n", monkeypatch)  # the same answers on standard input
    assert code == 0 and "nearest dialect rules" in text and "Traceback" not in text
