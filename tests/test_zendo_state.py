"""A Zendo game is its state: stored as JSON and restored, it plays on exactly as before;
the board's store writes one move per transaction and refuses a stale one."""

from __future__ import annotations

import json
import sqlite3

import pytest

from rulelang.errors import RulelangError
from rulelang.parser import parse
from rulelang.reference import evaluate
from rulelang.search.zendo import (Ask, GiveUp, Guess, MasterGame, SearchStudent, StudentGame, move_data,
                                   move_from_data)
from search_fixtures import *  # noqa: F401,F403 - session fixtures

SECRET = "at_least 1 red touching blue"


def _through_json(state: dict) -> dict:
    return json.loads(json.dumps(state))


@pytest.mark.parametrize("move", [Ask("A.....", 12, ("zero red", "at_least 1 red"), "hello"), Ask("......"),
                                  Guess("zero red", 0.5, "zero red pyramid", "a note"), GiveUp("I give up.", None)])
def test_a_move_reads_back_from_its_data(move):
    assert move_from_data(_through_json(move_data(move))) == move


def test_a_restored_master_game_is_the_same_game(index):
    game = MasterGame(parse(SECRET))
    game.examples()
    game.label("Ab....")
    game.guess("at_least 1 red")
    back = MasterGame.restore(_through_json(game.state()))
    assert back.state() == game.state()
    assert back.label("A.b...") == game.label("A.b...") is False
    assert back.guess("at_least 1 blue touching red").correct and back.outcome == "solved"
    assert (back.asked, back.guesses) == (2, 2)


def _answer(game: StudentGame, rule) -> None:
    m = game.move()
    assert isinstance(m, Ask)
    game.answer(evaluate(rule, m.scene))


def test_a_student_game_restored_after_every_move_plays_as_the_uninterrupted_one(index):
    student = SearchStudent(index)
    rule = parse(SECRET)
    straight, stored = StudentGame(student), StudentGame(student)
    moves = []
    while isinstance(straight.move(), Ask):
        moves.append(straight.move())
        _answer(straight, rule)
        stored.move()  # the move awaiting an answer is part of the state
        stored = StudentGame.restore(student, _through_json(stored.state()))
        assert stored.move() == moves[-1]
        _answer(stored, rule)
    guess = straight.move()
    stored = StudentGame.restore(student, _through_json(stored.state()))
    assert stored.move() == guess and isinstance(guess, Guess)
    assert stored.state() == straight.state()
    # A guess waiting for its verdict is counted once, however often the game is restored.
    again = StudentGame.restore(student, _through_json(stored.state()))
    assert again.move() == guess and again.guesses == straight.guesses == 1
    again.accept()
    assert again.result().outcome == "solved" and again.result().rule == guess.rule


def test_a_restored_state_with_a_bad_scene_is_a_clean_error(index):
    state = MasterGame(parse(SECRET)).state()
    state["table"] = [["A....Z", True]]
    with pytest.raises(RulelangError) as err:
        MasterGame.restore(state)
    assert err.value.code == "E202"


# -- the board's store --------------------------------------------------------------------


def _record(**kw):
    from rulelang.web.store import GameRecord

    base = dict(id="g1", session="s1", role="master", universe="odeen", config={"seed": 1},
                state={"x": 1}, log=[])
    return GameRecord(**{**base, **kw})


def test_the_store_keeps_games_and_refuses_a_stale_move(tmp_path):
    pytest.importorskip("starlette")
    from rulelang.web.store import GameStore, StaleGame

    store = GameStore(tmp_path / "games.sqlite")
    rec = _record()
    store.create(rec)
    assert store.current("s1") == "g1" and store.get("g1") == rec
    first = _record(state={"x": 2}, log=[{"kind": "scene"}])
    store.save(first)
    assert first.moves == 1 and store.get("g1") == first
    stale = _record(state={"x": 3})  # read before the first move was saved
    with pytest.raises(StaleGame):
        store.save(stale)
    assert GameStore(tmp_path / "games.sqlite").get("g1") == first  # another connection sees it
    store.create(_record(id="g2"))
    assert store.current("s1") == "g2" and store.get("missing") is None


def test_the_store_refuses_files_it_cannot_read(tmp_path):
    pytest.importorskip("starlette")
    from rulelang.web.store import GameStore

    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(RulelangError) as err:
        GameStore(junk)
    assert err.value.code == "E301"
    newer = tmp_path / "newer.sqlite"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(RulelangError) as err:
        GameStore(newer)
    assert err.value.code == "E502"
