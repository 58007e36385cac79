"""Training the whole grid: every regime's interpreter, generator and EMP-L, resumably.

``rulelang train all`` trains the 18 models of the paper's six-regime grid (or the regimes
asked for) into ``MODELS/<regime>/<kind>.pt``, each with its learner's defaults (early
stopping on the validation split). Each model is one :func:`rulelang.interp.train.train`
run with a fixed thread count, so the grid's models are the same whether they are trained
one at a time or several at once: the same seed and threads give the same model.

The grid resumes by being run again: a finished model is skipped, a partial one (an
interrupted run's checkpoint) goes on exactly where it stopped, a missing one starts. A
generator waits for its regime's interpreter (it labels the generator's synthetic tables).

Several models train at once in worker processes (``workers``); the parent owns Ctrl-C:
it asks every worker to finish its step, checkpoint and return.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_mod
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator

from rulelang.errors import RulelangError

from . import checkpoint
from .train import DEFAULTS, finished, set_threads, train

#: The learners of every regime, in the order they train.
KINDS = ("interpreter", "generator", "empiricist")
#: Seconds one model took on the reference machine (2 cores shared with other work, one
#: thread per model, two models at once), by regime and kind: the grid's estimate up front
#: and its progress bar. Medians of the run of BENCHMARKS.md §5 (modular interpreters 1–12
#: min, generators 21–24 min, EMP-L 4–21 min).
EXPECTED_SECONDS: dict[str, float] = {"interpreter": 180.0, "generator": 1320.0, "empiricist": 360.0}


@dataclass
class Job:
    """One model of the grid."""

    regime: str
    kind: str
    path: Path
    state: str = "new"  # "new", "partial" (a checkpoint to resume), "done"
    needs: tuple[str, ...] = ()  # keys of the jobs that must be done first
    step: int = 0
    seconds: float = 0.0
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.regime}/{self.kind}"

    @property
    def expected(self) -> float:
        return EXPECTED_SECONDS.get(self.kind, 600.0)


def model_state(path: Path, kind: str) -> tuple[str, dict[str, Any] | None]:
    """``("new" | "partial" | "done", checkpoint)`` of the model file at ``path``.

    Raises E702/E703 for a file that is there but is not a resumable model of ``kind``."""
    if not path.exists():
        return "new", None
    ckpt = checkpoint.load(path, kind)
    if finished(ckpt):
        return "done", ckpt
    if "state" not in ckpt:
        raise RulelangError("an unfinished slim model: it cannot be resumed", code="E703", path=str(path),
                            hint="remove it to train it afresh")
    return "partial", ckpt


def plan(regimes: list[str], models: Path, kinds: tuple[str, ...] = KINDS) -> list[Job]:
    """The grid's jobs, in training order, with what each one's file holds now."""
    jobs = []
    for regime in regimes:
        for kind in kinds:
            path = models / regime / f"{kind}.pt"
            state, ckpt = model_state(path, kind)
            job = Job(regime, kind, path, state,
                      needs=(f"{regime}/interpreter",) if kind == "generator" and "interpreter" in kinds else ())
            if ckpt is not None:
                job.step, job.seconds = int(ckpt["step"]), float(ckpt.get("seconds") or 0.0)
            jobs.append(job)
    return jobs


def worker_environment(threads: int) -> dict[str, str]:
    """The environment of a worker process: ``threads`` threads for the checker's Numba
    kernels as for torch, and OpenMP threads that sleep when idle. (Measured: a worker with
    Numba's default pool kept a second OpenMP thread spinning beside torch's one, which
    burnt a core and made a generator step six times slower on a shared 2-core machine.)"""
    return {"NUMBA_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads), "OMP_WAIT_POLICY": "PASSIVE"}


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


Event = tuple[str, str, dict[str, Any]]  # (what, job key, details): "start", "step", "done", "stopped", "error"


def _work(job: Job, data: str, universe: str, threads: int, seed: int, changes: dict[str, Any],
          events: Callable[[Event], None], should_stop: Callable[[], bool]) -> None:
    """Train one model (in this process) on the data set ``data`` of ``universe`` (a name or
    a world file); report through ``events``."""
    from rulelang.data import DataSet
    from rulelang.worldfile import load_universe

    set_threads(threads)
    ds = DataSet(data, load_universe(universe))
    cfg = replace(DEFAULTS[job.kind], regime=job.regime, seed=seed, **changes.get(job.kind, {}))
    if job.kind == "generator" and cfg.synthetic:
        cfg = replace(cfg, interpreter=str(job.path.parent / "interpreter.pt"))
    events(("start", job.key, {"step": job.step}))
    last = [0.0]

    def report(step: int, stats: dict[str, float]) -> None:
        now = time.perf_counter()
        if "val_score" in stats or now - last[0] > 2.0:
            last[0] = now
            events(("step", job.key, {"step": step, **({"val": stats["val_score"]} if "val_score" in stats else {})}))

    summary = train(ds, cfg, str(job.path), resume=job.state == "partial", device="cpu", report=report,
                    should_stop=should_stop)
    small = {k: v for k, v in summary.items() if k != "history"}
    events(("stopped" if summary["interrupted"] else "done", job.key, small))


def _child(job: Job, data: str, universe: str, threads: int, seed: int, changes: dict[str, Any], q: Any,
           stop: Any) -> None:
    """A worker process: Ctrl-C belongs to the parent, which sets ``stop``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _work(job, data, universe, threads, seed, changes, q.put, stop.is_set)
    except RulelangError as err:
        q.put(("error", job.key, {"message": str(err).splitlines()[0], "path": err.path}))
    except Exception as err:  # noqa: BLE001  (reported to the parent, which goes on with the others)
        q.put(("error", job.key, {"message": f"{type(err).__name__}: {err}"}))


def run_grid(jobs: list[Job], data: str, *, universe: str = "odeen", workers: int = 1, threads: int = 1, seed: int = 0,
             changes: dict[str, dict[str, Any]] | None = None, on_event: Callable[[Event], None] | None = None,
             should_stop: Callable[[], bool] = lambda: False) -> list[Job]:
    """Train every job not yet done, ``workers`` at a time (1: in this process).

    ``changes`` overrides the defaults per kind (tests use tiny networks). A job whose
    dependency failed is not started. Returns the jobs with their final states: "done",
    "partial" (interrupted: ``should_stop`` answered true) or "failed"."""
    changes = changes or {}
    by_key = {j.key: j for j in jobs}
    notify = on_event or (lambda e: None)

    def handle(event: Event) -> None:
        what, key, info = event
        job = by_key[key]
        if what == "step":
            job.step = int(info["step"])
        elif what == "done":
            job.state, job.result, job.step = "done", info, int(info["step"])
        elif what == "stopped":
            job.state, job.result, job.step = "partial", info, int(info["step"])
        elif what == "error":
            job.state, job.result = "failed", info
        notify(event)

    def ready(job: Job) -> bool:
        return job.state in ("new", "partial") and all(by_key[n].state == "done" for n in job.needs
                                                          if n in by_key)

    def blocked(job: Job) -> bool:
        return any(by_key[n].state == "failed" for n in job.needs if n in by_key)

    pending = [j for j in jobs if j.state != "done"]
    if workers <= 1:
        for job in pending:
            if should_stop():
                break
            if blocked(job):
                handle(("error", job.key, {"message": f"not started: {', '.join(job.needs)} failed"}))
                continue
            try:
                _work(job, data, universe, threads, seed, changes, handle, should_stop)
            except RulelangError as err:
                handle(("error", job.key, {"message": str(err).splitlines()[0], "path": err.path}))
        return jobs

    ctx = mp.get_context("spawn")  # a fresh interpreter per model: no inherited thread pools
    q, stop = ctx.Queue(), ctx.Event()
    env = worker_environment(threads)
    running: dict[str, Any] = {}
    started: set[str] = set()
    while True:
        if should_stop():
            stop.set()
        for job in pending:
            if job.key not in started and job.state in ("new", "partial") and blocked(job):
                handle(("error", job.key, {"message": f"not started: {', '.join(job.needs)} failed"}))
        if not stop.is_set():
            for job in pending:
                if len(running) >= workers:
                    break
                if job.key not in started and ready(job):
                    p = ctx.Process(target=_child, args=(job, data, universe, threads, seed, changes, q, stop), daemon=True)
                    with _environment(env):  # a spawned process reads it as it starts
                        p.start()
                    running[job.key] = p
                    started.add(job.key)
        if not running:
            break
        try:
            handle(q.get(timeout=0.5))
        except queue_mod.Empty:
            pass
        for key, p in list(running.items()):
            if not p.is_alive():
                p.join()
                while True:  # its last events
                    try:
                        handle(q.get_nowait())
                    except queue_mod.Empty:
                        break
                if by_key[key].state in ("new", "partial") and not by_key[key].result:
                    handle(("error", key, {"message": f"the worker exited with code {p.exitcode}"}))
                del running[key]
    return jobs
