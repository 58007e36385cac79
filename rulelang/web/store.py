"""Zendo games on disk: one SQLite file, one transaction per move.

A game is a row: who plays it (the browser session), its role, its universe, how it was set
up (``config``), the game's own state (:meth:`rulelang.search.zendo.MasterGame.state`,
:meth:`~rulelang.search.zendo.StudentGame.state`), the board's log of moves, and a move
counter. A move rewrites the row in one transaction, guarded by the counter, so a reader
(a reloaded page, a restarted server) sees the game before the move or after it, never
half of it. Each browser session points at its current game.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from rulelang.errors import RulelangError

#: The layout of the file (``PRAGMA user_version``); bump it when a column changes meaning.
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS games (
    id       TEXT PRIMARY KEY,
    session  TEXT NOT NULL,
    role     TEXT NOT NULL,
    universe TEXT NOT NULL,
    config   TEXT NOT NULL,
    state    TEXT NOT NULL,
    log      TEXT NOT NULL,
    moves    INTEGER NOT NULL,
    created  REAL NOT NULL,
    updated  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id      TEXT PRIMARY KEY,
    game    TEXT NOT NULL REFERENCES games(id),
    updated REAL NOT NULL
);
"""


@dataclass
class GameRecord:
    """One stored game. ``moves`` counts the moves saved so far (the guard of :meth:`GameStore.save`)."""

    id: str
    session: str
    role: str
    universe: str
    config: dict[str, Any]
    state: dict[str, Any]
    log: list[dict[str, Any]] = field(default_factory=list)
    moves: int = 0


class StaleGame(RulelangError):
    """The stored game moved on since it was read (another process saved a move)."""


class GameStore:
    """The games of a board, in the SQLite file ``path`` (created when missing).

    Raises:
        RulelangError: E301 when the file cannot be opened as a database, E502 when it was
            written by a newer layout.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()  # one connection, shared by the server's threads
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RulelangError(f"games file of layout {version}; this rulelang reads layout "
                                    f"{SCHEMA_VERSION}", code="E502", path=str(self.path))
            # WAL: a reader never waits for a writer; FULL: a saved move survives a power cut.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
            with self._transaction() as db:
                for statement in filter(str.strip, SCHEMA.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except (sqlite3.DatabaseError, OSError) as err:
            raise RulelangError(f"cannot open the games file: {err}", code="E301",
                                path=str(self.path)) from None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def create(self, rec: GameRecord) -> None:
        """Store a new game and make it its session's current game (one transaction)."""
        now = time.time()
        with self._transaction() as db:
            db.execute("INSERT INTO games VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (rec.id, rec.session, rec.role, rec.universe, json.dumps(rec.config),
                        json.dumps(rec.state), json.dumps(rec.log), rec.moves, now, now))
            db.execute("INSERT INTO sessions VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                       "game = excluded.game, updated = excluded.updated", (rec.session, rec.id, now))

    def save(self, rec: GameRecord) -> None:
        """Store a move: the new state and log, if the stored game is the one ``rec`` was
        read as (``rec.moves`` moves); ``rec.moves`` then counts this one.

        Raises:
            StaleGame: when the stored game has moved on (nothing is written).
        """
        with self._transaction() as db:
            cur = db.execute("UPDATE games SET state = ?, log = ?, moves = moves + 1, updated = ? "
                             "WHERE id = ? AND moves = ?",
                             (json.dumps(rec.state), json.dumps(rec.log), time.time(), rec.id, rec.moves))
            if cur.rowcount != 1:
                raise StaleGame("the game was changed elsewhere; reload it", code="E505")
        rec.moves += 1

    def get(self, game_id: str) -> GameRecord | None:
        with self._lock:
            row = self._db.execute("SELECT id, session, role, universe, config, state, log, moves "
                                   "FROM games WHERE id = ?", (game_id,)).fetchone()
        if row is None:
            return None
        gid, session, role, universe, config, state, log, moves = row
        return GameRecord(gid, session, role, universe, json.loads(config), json.loads(state),
                          json.loads(log), moves)

    def current(self, session: str) -> str | None:
        """The id of the session's current game, if it has one."""
        with self._lock:
            row = self._db.execute("SELECT game FROM sessions WHERE id = ?", (session,)).fetchone()
        return row[0] if row else None
