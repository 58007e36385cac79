"""Benchmark: the Zendo board (``rulelang serve``), a move's round trip over HTTP against the
same move in-process.

Run from the repository root::

    .venv/bin/python bench/bench_serve.py            # a few minutes (the CRN's moves dominate)
    .venv/bin/python bench/bench_serve.py --quick

A real server (``rulelang serve --port 0``, a fresh games file) in a subprocess, driven over
one kept-alive HTTP connection (as a browser does), warm: the dialect index loaded, the
kernels compiled, a first game played. Medians of several moves:

* **master round trip** (target 20 ms): ``POST /api/games/ID/scene`` with a new scene — the
  label, the transaction that stores the move, the whole view back (every scene of the
  history with its picture) — in a game that grows to 40 scenes. In the same run, the
  same moves in this process: the game call alone (:meth:`MasterGame.label`), and the
  board's move without HTTP (:meth:`Board.act`: the game, the SQLite transaction, the view).
* **exact student's next scene** (target 100 ms): ``POST .../answer`` — the answer in, the
  student's next question (or guess) out — over whole games of random hidden rules; in
  the same run, :meth:`StudentGame.move` alone on the same tables.
* **CRN student's next scene** (target 1 s): the same with ``student: crn`` (the shipped
  models, ``play``'s defaults: B = 300 conjectures, a 2,048-scene pool, a committee of 16);
  in the same run, the neural student's move in this process, at B = 300 and B = 32, and
  the baseline: a fresh student for every move, which reads every (conjecture, scene) pair
  again (the student keeps its readings across a game's moves). The four opening scenes
  (random, no network) are not counted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import stats, verdict, write_result  # bench/ is on sys.path: the folder of the script
from rulelang.parser import parse
from rulelang.printer import format_rule
from rulelang.reference import evaluate
from rulelang.search.index import dialect_index
from rulelang.search.table import Table
from rulelang.search.zendo import MasterGame, SearchStudent, random_secret
from rulelang.universe import ODEEN

TARGETS_S = {"master": 0.020, "student_search": 0.100, "student_crn": 1.0}
SECRET = "at_least 1 red touching blue"


class Board:
    """A ``rulelang serve`` subprocess and one kept-alive connection to it."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "rulelang", "serve", "--port", "0", "--db", str(db)],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        host, port = line.split("http://", 1)[1].split("/", 1)[0].rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=300)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[dict, float]:
        """The answer and the seconds from sending the request to decoding the answer."""
        # Bytes, so that http.client sends the headers and the body in one segment (a
        # separate body segment waits for the server's delayed ACK: 40 ms), as browsers do.
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        t = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        out = json.loads(resp.read())
        dt = time.perf_counter() - t
        if resp.status >= 300:
            raise RuntimeError(f"{method} {path}: {resp.status} {out}")
        return out, dt

    def close(self) -> None:
        self.conn.close()
        self.proc.terminate()
        self.proc.wait(timeout=60)


def scenes_to_ask(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [ODEEN.format_scene(s) for s in ODEEN.all_scenes()[rng.choice(ODEEN.n_scenes, n, replace=False)]]


def master_http(board: Board, scenes: list[str]) -> tuple[list[float], list[float]]:
    game, _ = board.call("POST", "/api/games", {"role": "master", "secret": SECRET})
    times = [board.call("POST", f"/api/games/{game['id']}/scene", {"scene": s})[1] for s in scenes]
    return times, times[len(times) // 2:]


def master_in_process(scenes: list[str], tmp: Path) -> dict:
    from rulelang.web.board import Board as WebBoard
    from rulelang.web.store import GameStore

    game = MasterGame(parse(SECRET))
    game.examples()
    label = []
    for s in scenes:
        t = time.perf_counter()
        game.label(s)
        label.append(time.perf_counter() - t)
    web = WebBoard(GameStore(tmp / "in-process.sqlite"))
    warm = web.new_game("bench", {"role": "master", "secret": SECRET})["id"]
    for s in scenes_to_ask(10, 0):  # warm, as the server was
        web.act(warm, "scene", {"scene": s})
    gid = web.new_game("bench", {"role": "master", "secret": SECRET})["id"]
    act = []
    for s in scenes:
        t = time.perf_counter()
        web.act(gid, "scene", {"scene": s})
        act.append(time.perf_counter() - t)
    return {"label": label, "board_act": act}


def student_http(board: Board, secrets: list[str], spec: dict, skip: int = 0, limit: int | None = None
                 ) -> tuple[list[float], list[list[tuple[str, bool]]]]:
    """Seconds per answer (answer in, next move out) over one game per secret, and each
    game's table (to replay in-process)."""
    times, tables = [], []
    for secret in secrets:
        rule = parse(secret)
        view, _ = board.call("POST", "/api/games", spec)
        n = 0
        while view["pending"]["kind"] == "ask" and (limit is None or n < skip + limit):
            scene = view["pending"]["scene"]
            view, dt = board.call("POST", f"/api/games/{view['id']}/answer", {"label": evaluate(rule, scene)})
            if n >= skip:
                times.append(dt)
            n += 1
        tables.append([(h["scene"], h["label"]) for h in view["history"]])
    return times, tables


def replay(student, tables: list[list[tuple[str, bool]]], skip: int = 0, fresh=None) -> list[float]:
    """Seconds of the student's move on every prefix of each table (past ``skip`` answers);
    with ``fresh`` (a factory), a new student makes each move, remembering nothing of the
    moves before (not timed: the models are loaded once)."""
    times = []
    for pairs in tables:
        for k in range(max(1, skip), len(pairs) + 1):
            table = Table.from_pairs(pairs[:k])
            if fresh is not None:
                student = fresh()
            t = time.perf_counter()
            student.move(table)
            times.append(time.perf_counter() - t)
    return times


def show(name: str, s: dict, target: float | None = None) -> None:
    mark = f"  target {target * 1000:.0f} ms: {verdict(s['median'], target)}" if target else ""
    print(f"  {name:<44} median {s['median'] * 1000:8.1f} ms  min {s['min'] * 1000:8.1f} ms  "
          f"({len(s['runs'])}){mark}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer moves")
    ap.add_argument("--out", type=Path, help="result file (default bench/results/serve.json)")
    ap.add_argument("--no-crn", action="store_true", help="skip the neural student")
    args = ap.parse_args()
    n_master, n_secrets, n_crn = (20, 2, 3) if args.quick else (40, 6, 10)
    index = dialect_index()
    secrets = [SECRET] + [format_rule(random_secret(seed, index)) for seed in range(n_secrets - 1)]
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        board = Board(Path(tmp) / "games.sqlite")
        try:
            student_http(board, [SECRET], {"role": "student"})  # warm: index, kernels, a whole game
            master_http(board, scenes_to_ask(10, 0))
            all_times, late = master_http(board, scenes_to_ask(n_master, 1))
            results["master_http"] = stats(all_times)
            results["master_http_last_half"] = stats(late)
            search_times, tables = student_http(board, secrets, {"role": "student", "student": "search"})
            results["student_search_http"] = stats(search_times)
            if not args.no_crn:
                spec = {"role": "student", "student": "crn", "seed": 0}
                crn_times, crn_tables = student_http(board, [SECRET], spec, skip=3, limit=n_crn)
                results["student_crn_http"] = stats(crn_times)
        finally:
            board.close()
        inproc = master_in_process(scenes_to_ask(n_master, 1), Path(tmp))
    results["master_label_in_process"] = stats(inproc["label"])
    results["master_board_act_in_process"] = stats(inproc["board_act"])
    results["student_search_in_process"] = stats(replay(SearchStudent(index), tables))
    if not args.no_crn:
        from rulelang.interp.model import ConjectureGenerator, LearnedInterpreter, model_path
        from rulelang.interp.zendo import NeuralStudent

        models = (LearnedInterpreter.load(model_path("interpreter")), ConjectureGenerator.load(model_path("generator")))
        prefix = [crn_tables[0][:4 + n_crn - 1]]  # the tables the timed moves saw
        for beams in (300, 32):
            student = NeuralStudent(*models, beams=beams, seed=0)
            results[f"student_crn_in_process_b{beams}"] = stats(replay(student, prefix, skip=4))
        # The baseline, in the same run: every move read afresh (the student before it kept its readings).
        results["student_crn_in_process_b300_fresh"] = stats(replay(
            None, prefix, skip=4, fresh=lambda: NeuralStudent(*models, beams=300, seed=0)))
        results["student_crn_readings_speedup"] = (results["student_crn_in_process_b300_fresh"]["median"]
                                                   / results["student_crn_in_process_b300"]["median"])

    print(f"master: a {n_master}-scene game of '{SECRET}' (the view holds up to {n_master + 2} scenes)")
    show("HTTP round trip (scene in, label and view out)", results["master_http"], TARGETS_S["master"])
    show("  the same, last half (the longest histories)", results["master_http_last_half"])
    show("Board.act in-process (game + SQLite + view)", results["master_board_act_in_process"])
    show("MasterGame.label in-process (the game call)", results["master_label_in_process"])
    print(f"exact student: {len(secrets)} whole games ({len(search_times)} answers)")
    show("HTTP round trip (answer in, next scene out)", results["student_search_http"], TARGETS_S["student_search"])
    show("StudentGame move in-process, same tables", results["student_search_in_process"])
    if not args.no_crn:
        print(f"CRN student: {n_crn} moves after the opening")
        show("HTTP round trip, B = 300", results["student_crn_http"], TARGETS_S["student_crn"])
        show("NeuralStudent.move in-process, B = 300", results["student_crn_in_process_b300"])
        show("NeuralStudent.move in-process, B = 32", results["student_crn_in_process_b32"])
        show("  B = 300, a fresh student every move", results["student_crn_in_process_b300_fresh"])
        print(f"  readings kept across moves: {results['student_crn_readings_speedup']:.2f} x faster (median)")
    path = write_result("serve", {"config": {"quick": args.quick, "secrets": secrets, "master_scenes": n_master,
                                             "crn_moves": 0 if args.no_crn else n_crn},
                                  "targets_s": TARGETS_S, "results": results}, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
