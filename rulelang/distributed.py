"""Where streamed exact jobs run: in this process, or on a ``dask.distributed`` cluster.

A job (:mod:`rulelang.stream`) is one function applied to many blocks of scenes, with one
piece of shared data (the compiled rules); its partial results are merged exactly by the
caller, whatever order they arrive in. An :class:`Executor` only runs the blocks:

* :class:`InProcess` — a thread per core (the kernels release the GIL); the default;
* :class:`DaskExecutor` — the blocks as tasks of a Dask cluster: the shared data is sent
  to every worker once, each worker runs the same Numba kernels, and a task whose worker
  is lost is run again elsewhere (Dask reschedules it, and recomputes the shared data if
  every worker holding it was lost; a task that fails is retried :data:`RETRIES` times),
  never dropped. A block that kills every worker it runs on, and a lost scheduler, end the
  job with E803; a cluster left without workers is warned of, and waited on.

:func:`executor_for` picks one: a scheduler address (``--scheduler``, else
``$DASK_SCHEDULER_ADDRESS``) means Dask, nothing means in-process. Dask is the optional
extra ``distributed``; without it, asking for a scheduler raises
:class:`~rulelang.errors.ExtraMissing`.
"""

from __future__ import annotations

import os
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, Callable, Iterator, Protocol, Sequence

from .errors import ExtraMissing, RulelangError

#: How long connecting to a scheduler may take before it is reported unreachable (seconds).
CONNECT_TIMEOUT = 5.0
#: How many times a failing task is retried (a lost worker's tasks are rescheduled anyway).
RETRIES = 3
#: While waiting on the cluster: how often to look for results (seconds), how often to ask
#: the scheduler for its workers, and after how long without any to warn.
POLL = 0.02
CHECK_EVERY = 2.0
NO_WORKER_WARNING = 30.0

Tick = Callable[[int], None]


class Executor(Protocol):
    """Runs ``fn(shared, *item)`` for every item; yields the results as they come, in any
    order (callers merge them exactly, so that no more than a few are ever held at once)."""

    #: Workers (threads or processes) that run blocks at once.
    workers: int
    #: A short description, for reports: ``in-process (2 threads)``, ``dask tcp://...``.
    name: str

    def map(self, fn: Callable[..., Any], shared: Any, items: Sequence[tuple],
            tick: Tick | None = None) -> Iterator[Any]: ...


class InProcess:
    """Blocks on a pool of threads in this process (one per core by default)."""

    def __init__(self, threads: int | None = None) -> None:
        from .jit import n_threads

        self.workers = max(1, threads or n_threads())
        self.name = f"in-process ({self.workers} thread{'s' * (self.workers != 1)})"

    def map(self, fn, shared, items, tick=None):
        if self.workers == 1 or len(items) <= 1:
            for item in items:
                yield fn(shared, *item)
                if tick:
                    tick(1)
            return
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="rulelang-block")
        try:
            # A few blocks ahead of the workers, not all: results wait for the caller's merge.
            pending, todo = set(), iter(items)
            for item in todo:
                pending.add(pool.submit(fn, shared, *item))
                if len(pending) >= 2 * self.workers:
                    break
            while pending:
                done = next(as_completed(pending))
                pending.discard(done)
                nxt = next(todo, None)
                if nxt is not None:
                    pending.add(pool.submit(fn, shared, *nxt))
                yield done.result()
                if tick:
                    tick(1)
        finally:  # on an interrupt, blocks not yet started never start
            pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Blocks as tasks of a ``dask.distributed`` cluster (a :class:`distributed.Client`)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.address = client.scheduler.address
        self.workers = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
        self.name = f"dask {self.address} ({self.workers} worker threads)"

    def n_workers(self) -> int:
        """The workers the scheduler has now (-1 when it does not answer)."""
        try:
            return len(self.client.scheduler_info()["workers"])
        except Exception:  # a lost scheduler: the job's blocks are cancelled, and said so
            return -1

    @classmethod
    def connect(cls, address: str, timeout: float = CONNECT_TIMEOUT) -> "DaskExecutor":
        """Connect to the scheduler at ``address``.

        Raises:
            RulelangError: E803 when it is no address (at once: a half-made client would
                print a traceback on its way out) or cannot be reached within ``timeout``
                seconds.
        """
        distributed = require_distributed()
        from distributed.comm import parse_address
        from distributed.comm.addressing import parse_host_port

        try:
            scheme, location = parse_address(address)
            if scheme in ("tcp", "tls", "ws", "wss"):
                port = parse_host_port(location)[1]
                if not 0 < int(port) < 65536:
                    raise ValueError(f"port {port} is out of range")
        except (ValueError, TypeError) as err:
            raise RulelangError(f"not a Dask scheduler address: {address!r} ({err})", code="E803",
                                hint="e.g. tcp://127.0.0.1:8786, as 'dask scheduler' prints it") from None
        try:
            client = distributed.Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as err:
            raise RulelangError(
                f"cannot reach the Dask scheduler at {address!r} within {timeout:g} s "
                f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else 'no answer'})",
                code="E803",
                hint="start one with 'dask scheduler' (and 'dask worker ADDRESS'), or leave out "
                     "--scheduler and DASK_SCHEDULER_ADDRESS to run in this process") from None
        return cls(client)

    def map(self, fn, shared, items, tick=None):
        distributed = require_distributed()
        client = self.client
        # The shared data as a task, not scattered: a scattered value lives only on the
        # workers, so a cluster whose every worker restarts (a nanny after an out-of-memory
        # kill) would lose it and cancel the job; a task's value is recomputed.
        data = client.submit(_shared, shared, pure=False)
        futures = [client.submit(fn, data, *item, pure=False, retries=RETRIES) for item in items]
        # Not as_completed's own iterator: it hands a cancelled block over as a result, and
        # it blocks, where waiting is the time to see that the cluster has no worker left.
        done = distributed.as_completed(futures, loop=client.loop, with_results=True, raise_errors=False)
        watch = _Watch(self)
        try:
            while not done.is_empty():
                batch = done.next_batch(block=False)
                if not batch:
                    watch.waiting()
                    time.sleep(POLL)
                    continue
                for future, result in batch:
                    _raise_for(future, result, distributed)
                    future.release()  # merged by the caller: the cluster may forget it
                    yield result
                    if tick:
                        tick(1)
                watch.progress()
        finally:
            client.cancel(futures + [data])

    def close(self) -> None:
        self.client.close()


def _shared(value: Any) -> Any:
    """The job's shared data, as a task's result (see :meth:`DaskExecutor.map`)."""
    return value


def _raise_for(future: Any, result: Any, distributed: Any) -> None:
    """Raise what a finished block ended with, unless it has a result: the worker's own
    exception; E803 for a block that killed every worker that ran it, or that the cluster
    cancelled (its scheduler was lost)."""
    if future.status == "error":
        _, exc, tb = result
        if isinstance(exc, distributed.KilledWorker):
            raise RulelangError("a block of the job killed every Dask worker that ran it", code="E803",
                                hint="a worker is usually killed for memory: give the workers more "
                                     "(dask worker --memory-limit), or see their logs") from None
        raise exc.with_traceback(tb)
    if future.status == "cancelled" or isinstance(result, BaseException):
        raise RulelangError("the Dask cluster dropped the job: its scheduler was lost, or a block was "
                            "cancelled", code="E803",
                            hint="run it again once the scheduler is back (or without --scheduler)")


class _Watch:
    """While a job waits on the cluster: warns once when it has had no worker for
    :data:`NO_WORKER_WARNING` seconds (the job waits for one: workers may join later)."""

    def __init__(self, executor: "DaskExecutor") -> None:
        self.executor = executor
        self.checked = self.since = time.monotonic()
        self.warned = False

    def progress(self) -> None:
        self.since = time.monotonic()

    def waiting(self) -> None:
        now = time.monotonic()
        if self.warned or now - self.checked < CHECK_EVERY:
            return
        self.checked = now
        if self.executor.n_workers() > 0:
            self.since = now
        elif now - self.since >= NO_WORKER_WARNING:
            self.warned = True
            warnings.warn(f"the Dask cluster at {self.executor.address} has had no worker for "
                          f"{now - self.since:.0f} s: the job waits for one (start one with "
                          f"'dask worker {self.executor.address}')", RuntimeWarning, stacklevel=2)


def require_distributed():
    """The ``distributed`` module, or :class:`ExtraMissing` naming the extra to install."""
    try:
        import distributed
    except ImportError:
        raise ExtraMissing("jobs on a Dask cluster (--scheduler)", "dask.distributed", "distributed") from None
    return distributed


def executor_for(address: str | None = None) -> Executor:
    """The Dask cluster at ``address`` (else ``$DASK_SCHEDULER_ADDRESS``), or this process."""
    address = address or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    return DaskExecutor.connect(address) if address else InProcess()
