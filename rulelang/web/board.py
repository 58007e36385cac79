"""The Zendo board: games of many browser sessions, played by :mod:`rulelang.search.zendo`.

The rules of the game are :class:`~rulelang.search.zendo.MasterGame` and
:class:`~rulelang.search.zendo.StudentGame`, the same objects ``rulelang play`` drives; this
module only stores them (:mod:`rulelang.web.store`, one transaction per move), keeps the
live ones in memory, and turns them into *views*: plain data with the pictures of
:mod:`rulelang.render`, which the page shows as they are.

A move is ``act(game_id, action, fields)``:

* master (the machine hides a rule): ``scene`` {scene}, ``guess`` {rule}, ``reveal``;
* student (the person hides a rule): ``answer`` {label}, ``verdict`` {correct, and for a
  wrong guess: scene, label}, after which the student's next move is made and stored;
* both: ``quit``.

Bad input raises :class:`~rulelang.errors.RulelangError` before the game changes, so the game
goes on.
"""

from __future__ import annotations

import secrets
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from rulelang.errors import ExtraMissing, RulelangError
from rulelang.parser import parse
from rulelang.render import piece_svg, rule_drawing, scene_svg, table_drawing
from rulelang.search.index import dialect_index
from rulelang.search.table import Table
from rulelang.search.zendo import (Ask, GiveUp, Guess, MasterGame, Move, SearchStudent, Student, StudentGame,
                                   move_data, parse_scene, random_secret)
from rulelang.universe import ODEEN, Universe

from .store import GameRecord, GameStore

ROLES = ("master", "student")
STUDENTS = ("search", "crn")
#: The question limits of ``rulelang play``, per student.
MAX_QUESTIONS = {"search": 200, "crn": 60}
#: How many games are kept in memory; past that the oldest is dropped (it stays on disk and
#: is rebuilt when asked for).
LIVE_GAMES = 256
CELL = 40  # pixels: the board's cells, the history's and the palette's pieces


#: Held by every call into the exact engine (the compiled checker, the search): Numba's fallback
#: threading layer (workqueue) aborts on concurrent parallel calls, and two cores gain little.
ENGINE = threading.RLock()
#: Held by the neural student's moves (and the models' loading): one at a time, each uses
#: every core, and none waits for the exact engine.
NEURAL = threading.Lock()


class Serialised:
    """A :class:`~rulelang.search.zendo.Student` whose moves hold ``lock``."""

    def __init__(self, student: Student, lock: AbstractContextManager[Any]) -> None:
        self.student, self.lock = student, lock
        self.intro = student.intro

    def move(self, table: Table, *, may_ask: bool = True) -> Move:
        with self.lock:
            return self.student.move(table, may_ask=may_ask)


class NoGame(RulelangError):
    """An unknown game id (E903)."""


def bad_request(message: str, hint: str | None = None) -> RulelangError:
    return RulelangError(message, code="E901", hint=hint, path="<request>")


def get_field(body: dict[str, Any], name: str, kind: type, default: Any = ...) -> Any:
    """``body[name]``, which must be a ``kind`` (E901 otherwise, or when missing without a default)."""
    if name not in body or body[name] is None:
        if default is ...:
            raise bad_request(f"missing field {name!r} ({kind.__name__})")
        return default
    value = body[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise bad_request(f"field {name!r} must be a {kind.__name__}, not {type(value).__name__}")
    return value


@dataclass
class Live:
    """A game in memory: its record (as stored), the game object, and a lock for its moves."""

    record: GameRecord
    game: MasterGame | StudentGame
    lock: threading.Lock = field(default_factory=threading.Lock)


class Board:
    """Zendo games for a web page, in both roles, stored in ``store``.

    Args:
        store: where games live.
        universe: the world of every game on this board (the palette is its pieces).
        beams, interpreter, generator: the CRN student's conjectures per turn and model files
            (default: ``rulelang play``'s, the shipped models).
    """

    def __init__(self, store: GameStore, universe: Universe = ODEEN, *, beams: int | None = None,
                 interpreter: str | None = None, generator: str | None = None) -> None:
        self.store, self.universe = store, universe
        self.beams, self.model_files = beams, (interpreter, generator)
        self._live: dict[str, Live] = {}
        self._live_lock = threading.Lock()
        self._search: Serialised | None = None
        self._models: tuple[Any, Any] | None = None

    # -- students ---------------------------------------------------------------------

    def _search_student(self) -> Serialised:
        with ENGINE:
            if self._search is None:
                self._search = Serialised(SearchStudent(dialect_index(self.universe), universe=self.universe),
                                          ENGINE)
        return self._search

    def _student(self, config: dict[str, Any]) -> Student:
        if config["student"] == "search":
            return self._search_student()
        try:
            from rulelang.interp.model import BEAMS, ConjectureGenerator, LearnedInterpreter, model_path
            from rulelang.interp.zendo import NeuralStudent
        except ExtraMissing as err:  # no torch: a clear answer, and the board goes on
            raise RulelangError(f"the CRN student is not available here: {err.message}", code="E506",
                                hint=f"{err.hint}, or choose the exact search student") from None
        with NEURAL, ENGINE:  # (the first student of a process builds the dialect's classes: Numba)
            if self._models is None:
                self._models = (LearnedInterpreter.load(model_path("interpreter", self.model_files[0])),
                                ConjectureGenerator.load(model_path("generator", self.model_files[1])))
            student = NeuralStudent(*self._models, universe=self.universe, beams=config.get("beams") or BEAMS,
                                    seed=config["seed"])
        return Serialised(student, NEURAL)

    def warm(self) -> None:
        """Load the dialect index and the exact kernels (a first question), so that the
        first player does not wait for them."""
        self._search_student().move(Table.from_pairs([], self.universe))

    # -- games ------------------------------------------------------------------------

    def palette(self) -> dict[str, Any]:
        """The universe's pieces, each with its picture, for the board's palette."""
        return palette_view(self.universe)

    def new_game(self, session: str, spec: dict[str, Any]) -> dict[str, Any]:
        """Start a game for ``session`` (its current game from now on) and return its view.

        ``spec``: ``role`` (``master`` or ``student``); master: ``secret`` (a rule; default a
        random one) and ``seed``; student: ``student`` (``search`` or ``crn``) and ``seed``.
        """
        role = get_field(spec, "role", str)
        if role not in ROLES:
            raise bad_request(f"unknown role {role!r}", hint="one of: " + ", ".join(ROLES))
        seed = get_field(spec, "seed", int, None)
        if seed is not None and seed < 0:
            raise bad_request("the seed must be a non-negative integer")
        config: dict[str, Any] = {"seed": secrets.randbelow(2**31) if seed is None else seed}
        if role == "master":
            text = get_field(spec, "secret", str, "").strip()
            with ENGINE:
                if text:
                    try:
                        secret = parse(text, universe=self.universe)
                    except RulelangError as err:
                        raise err.located(path="<secret>", source_line=text) from None
                else:
                    secret = random_secret(config["seed"], dialect_index(self.universe))
                game: MasterGame | StudentGame = MasterGame(secret, self.universe)
                log = [{"kind": "example", "scene": s, "label": v} for s, v in game.examples()]
        else:
            kind = get_field(spec, "student", str, "search")
            if kind not in STUDENTS:
                raise bad_request(f"unknown student {kind!r}", hint="one of: " + ", ".join(STUDENTS))
            config.update(student=kind, beams=self.beams if kind == "crn" else None)
            game = StudentGame(self._student(config), self.universe, max_questions=MAX_QUESTIONS[kind])
            game.move()
            log = []
        rec = GameRecord(secrets.token_urlsafe(16), session, role, self.universe.name, config,
                         game.state(), log)
        self.store.create(rec)
        live = self._remember(Live(rec, game))
        return view(live)

    def current(self, session: str) -> dict[str, Any] | None:
        """The view of the session's current game, or ``None``."""
        gid = self.store.current(session)
        if gid is None:
            return None
        try:
            return self.view(gid)
        except NoGame:  # played on a board of another universe (the same games file): none here
            return None

    def view(self, game_id: str) -> dict[str, Any]:
        live = self._get(game_id)
        with live.lock:
            return view(live)

    def act(self, game_id: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        """Make a move (see the module's docstring), store it, and return the new view."""
        live = self._get(game_id)
        with live.lock:
            game = live.game
            if game.outcome is not None:
                raise RulelangError(f"the game is over ({game.outcome})", code="E505",
                                    hint="start a new game")
            moves = MASTER_MOVES if isinstance(game, MasterGame) else STUDENT_MOVES
            if action not in moves:
                raise bad_request(f"no move {action!r} in the {live.record.role}'s game",
                                  hint="one of: " + ", ".join(moves))
            rec = live.record
            try:
                events = moves[action](game, body)
                saved = GameRecord(rec.id, rec.session, rec.role, rec.universe, rec.config, game.state(),
                                   rec.log + events, rec.moves)
                self.store.save(saved)
            except BaseException:
                # The stored game is the truth: a move that failed half-way, or was not
                # saved, must not linger in memory.
                self._forget(game_id)
                raise
            live.record = saved
            return view(live)

    # -- the live games ------------------------------------------------------------------

    def _remember(self, live: Live) -> Live:
        with self._live_lock:
            self._live[live.record.id] = live
            while len(self._live) > LIVE_GAMES:
                self._live.pop(next(iter(self._live)))
        return live

    def _forget(self, game_id: str) -> None:
        with self._live_lock:
            self._live.pop(game_id, None)

    def _get(self, game_id: str) -> Live:
        with self._live_lock:
            live = self._live.get(game_id)
        if live is not None:
            return live
        rec = self.store.get(game_id)
        if rec is None:
            raise NoGame(f"no game {game_id!r}", code="E903", path="<request>", hint="start a new game")
        if rec.universe != self.universe.name:
            raise NoGame(f"game {game_id!r} is played in the universe {rec.universe!r}, this board "
                         f"in {self.universe.name!r}", code="E903", path="<request>")
        if rec.role == "master":
            game: MasterGame | StudentGame = MasterGame.restore(rec.state, self.universe)
        else:
            game = StudentGame.restore(self._student(rec.config), rec.state, self.universe)
        return self._remember(Live(rec, game))


# -- moves: each returns the log entries it adds ---------------------------------------------


def _master_scene(game: MasterGame, body: dict[str, Any]) -> list[dict[str, Any]]:
    scene = checked_scene(get_field(body, "scene", str), game.universe)
    with ENGINE:
        label = game.label(scene)
    return [{"kind": "scene", "scene": scene, "label": label}]


def _master_guess(game: MasterGame, body: dict[str, Any]) -> list[dict[str, Any]]:
    text = get_field(body, "rule", str).strip()
    try:
        with ENGINE:
            verdict = game.guess(text)
    except RulelangError as err:
        raise err.located(path="<guess>", source_line=text) from None
    return [{"kind": "guess", "rule": text, "correct": verdict.correct,
             "counterexample": verdict.counterexample, "truth": verdict.truth}]


def _master_reveal(game: MasterGame, body: dict[str, Any]) -> list[dict[str, Any]]:
    game.stop("revealed")
    return [{"kind": "reveal", "rule": game.rule}]


def _quit(game: MasterGame | StudentGame, body: dict[str, Any]) -> list[dict[str, Any]]:
    game.stop("quit")
    return [{"kind": "quit"}]


def _student_answer(game: StudentGame, body: dict[str, Any]) -> list[dict[str, Any]]:
    label = get_field(body, "label", bool)
    m = game.move()
    if not isinstance(m, Ask):
        raise RulelangError("the student has not asked about a scene", code="E505")
    game.answer(label)
    event = {"kind": "answer", "scene": m.scene, "label": label, "remaining": m.remaining,
             "leading": list(m.leading)}
    return [event] + _next_move(game)


def _student_verdict(game: StudentGame, body: dict[str, Any]) -> list[dict[str, Any]]:
    correct = get_field(body, "correct", bool)
    m = game.move()
    if not isinstance(m, Guess):
        raise RulelangError("the student has not guessed", code="E505")
    if correct:
        game.accept()
        return [{"kind": "guess", "rule": m.rule, "confidence": m.confidence, "correct": True}]
    scene = checked_scene(get_field(body, "scene", str), game.universe)
    label = get_field(body, "label", bool)
    with ENGINE:  # the guess labels the scene
        refused = game.reject(scene, label)
    if refused is not None:
        raise RulelangError(refused, code="E505", hint="show a scene where the guess and your rule disagree")
    return [{"kind": "guess", "rule": m.rule, "confidence": m.confidence, "correct": False,
             "counterexample": scene, "truth": label}] + _next_move(game)


def _next_move(game: StudentGame) -> list[dict[str, Any]]:
    """The student's next move, made now so that it is stored with the answer; a give-up
    ends the game and is logged."""
    m = game.move()
    return [{"kind": "give-up", "reason": m.reason, "best": m.best}] if isinstance(m, GiveUp) else []


MASTER_MOVES: dict[str, Callable[[Any, dict[str, Any]], list[dict[str, Any]]]] = {
    "scene": _master_scene, "guess": _master_guess, "reveal": _master_reveal, "quit": _quit}
STUDENT_MOVES: dict[str, Callable[[Any, dict[str, Any]], list[dict[str, Any]]]] = {
    "answer": _student_answer, "verdict": _student_verdict, "quit": _quit}


def checked_scene(text: str, universe: Universe) -> str:
    """``text`` if it is a scene of ``universe``; else its diagnostic (E201/E202) is raised."""
    scene = parse_scene(text, universe)
    if isinstance(scene, RulelangError):
        raise scene
    return scene


# -- views ---------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def scene_picture(scene: str, label: bool | None, universe: Universe) -> str:
    """A scene's SVG (with its stone when labelled), kept: a view draws the whole history."""
    return scene_svg(scene, universe, label=label, cell=CELL)


@lru_cache(maxsize=1024)
def counterexample_picture(scene: str, truth: bool, rule: str, universe: Universe) -> str:
    """The counterexample with its true stone, framed in red where ``rule`` (the wrong guess)
    says otherwise, the cells the guess selects highlighted."""
    try:
        guess = parse(rule, universe=universe)
    except RulelangError:
        return scene_picture(scene, truth, universe)
    return table_drawing([scene], [truth], universe, rule=guess, cell=CELL).svg()


@lru_cache(maxsize=1024)
def rule_picture(rule: str, universe: Universe) -> str | None:
    """A rule's simplest satisfying and falsifying scenes (``None`` when it cannot be drawn)."""
    try:
        with ENGINE:  # the rule's simplest scenes, from its labels on every scene
            return rule_drawing(parse(rule, universe=universe), universe, cell=CELL).svg()
    except RulelangError:
        return None


@lru_cache(maxsize=16)
def palette_view(universe: Universe) -> dict[str, Any]:
    pieces = [{"glyph": g, "words": " ".join(w), "svg": piece_svg(g, universe, cell=CELL)}
              for g, w in sorted(universe.pieces.items())]
    return {"name": universe.name, "length": universe.length, "empty": universe.empty,
            "example": universe.example_scene, "pieces": pieces}


def view(live: Live) -> dict[str, Any]:
    """Everything the page shows of a game: plain data and SVG pictures."""
    game, rec = live.game, live.record
    u = game.universe
    source: dict[str, str] = {}
    for e in rec.log:
        for key in ("scene", "counterexample"):
            if e.get(key):
                source.setdefault(e[key], "counterexample" if key == "counterexample" else e["kind"])
    history = [{"scene": s, "label": v, "by": source.get(s, "scene"), "svg": scene_picture(s, v, u)}
               for s, v in game.table.pairs()]
    log = []
    for e in rec.log:
        e = dict(e)
        if e["kind"] == "guess" and not e["correct"]:
            e["svg"] = counterexample_picture(e["counterexample"], e["truth"], e["rule"], u)
        log.append(e)
    out: dict[str, Any] = {
        "id": rec.id, "role": rec.role, "universe": rec.universe, "outcome": game.outcome,
        "over": game.outcome is not None, "asked": game.asked, "guesses": game.guesses,
        "history": history, "log": log,
        # A random secret follows from its seed: shown only once the game is over.
        "seed": rec.config["seed"] if rec.role == "student" or game.outcome is not None else None,
    }
    if isinstance(game, MasterGame):
        out["rule"] = game.rule if game.outcome is not None else None  # the secret stays hidden
        out["rule_svg"] = rule_picture(game.rule, u) if game.outcome is not None else None
        return out
    out["student"] = rec.config["student"]
    out["rule"] = game.last
    # The student's move awaiting an answer: made with the previous move and stored with it
    # (a finished game keeps its last one), so this computes nothing.
    pending = game.move()
    p = move_data(pending)
    if isinstance(pending, Ask):
        p["svg"] = scene_picture(pending.scene, None, u)
    elif isinstance(pending, Guess):
        p["svg"] = rule_picture(pending.rule, u)
    out["pending"] = p
    # The version space as it shrank: the candidates left before each question.
    out["progress"] = [e["remaining"] for e in rec.log if e["kind"] == "answer"]
    if isinstance(pending, Ask):
        out["progress"].append(pending.remaining)
    return out
