"""Streamed jobs on a real ``dask.distributed`` cluster: 2 worker processes on 127.0.0.1.

The results must be bit-identical to the in-process path for any number of blocks; a worker
killed in the middle of a job must cost time, never a block; a scheduler that cannot be
reached must be reported at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import signal
import sys
import time

import numpy as np
import pytest

from rulelang import stream
from rulelang.cli import main
from rulelang.distributed import DaskExecutor, InProcess, executor_for
from rulelang.enumerate import dialect_rules
from rulelang.errors import ExtraMissing, RulelangError
from rulelang.universe import ODEEN

distributed = pytest.importorskip("distributed")

SMALL = dataclasses.replace(ODEEN, name="odeen-5", length=5)  # 16,807 scenes
MEDIUM = dataclasses.replace(ODEEN, name="odeen-7", length=7)  # 823,543 scenes


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 single-threaded worker processes (each restarted by its nanny)."""
    stream.digests(dialect_rules(SMALL)[:10], SMALL)  # compile the kernels once: workers load them
    stream.pair_differences([(dialect_rules(SMALL)[0],) * 2], SMALL)
    c = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                 memory_limit="1GiB", dashboard_address=None, silence_logs=40)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def dask_executor(cluster):
    ex = DaskExecutor.connect(cluster.scheduler_address)
    try:
        yield ex
    finally:
        ex.close()


def test_digests_on_the_cluster_are_bit_identical_to_the_in_process_ones(dask_executor):
    rules = dialect_rules(SMALL)
    want = stream.digests(rules, SMALL, InProcess(1), block=SMALL.n_scenes)
    for block in (64 * 7, 4096, None):
        got = stream.digests(rules, SMALL, dask_executor, block=block)
        assert np.array_equal(got.counts, want.counts)
        assert np.array_equal(got.fingerprints, want.fingerprints)


def test_classes_on_the_cluster_are_the_in_process_classes(dask_executor):
    rules = dialect_rules(SMALL)
    here = stream.classes(rules, SMALL, InProcess(2))
    there = stream.classes(rules, SMALL, dask_executor, block=4096, rule_block=5000)
    assert there.groups == here.groups
    assert np.array_equal(there.true_counts, here.true_counts)


def test_a_worker_killed_in_the_middle_of_a_job_loses_no_block(cluster, dask_executor):
    rules = dialect_rules(MEDIUM)[:4000]
    want = stream.digests(rules, MEDIUM, InProcess(2))
    pids = list(dask_executor.client.run(os.getpid).values())
    assert len(pids) == 2
    killed: list[int] = []

    def tick(_n: int) -> None:  # after the first finished block, kill a worker process
        if not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    got = stream.digests(rules, MEDIUM, dask_executor, block=4096 * 4, tick=tick)
    assert killed, "the job ended before a worker could be killed"
    assert np.array_equal(got.counts, want.counts)
    assert np.array_equal(got.fingerprints, want.fingerprints)
    dask_executor.client.wait_for_workers(2, timeout=60)  # the nanny brings it back


def test_enumerate_on_the_cluster_writes_what_the_single_process_writes(cluster, tmp_path):
    world = tmp_path / "five.toml"
    from rulelang.worldfile import to_toml

    world.write_text(to_toml(SMALL))
    outs = []
    for extra in ((), ("--scheduler", cluster.scheduler_address)):
        out = io.StringIO()
        assert main(["enumerate", "--universe", str(world), *extra], out=out) == 0
        outs.append(out.getvalue())
    assert outs[0] == outs[1] and outs[0].count("\n") == 1 + 24_794


def test_an_unreachable_scheduler_is_reported_within_seconds(capsys):
    start = time.perf_counter()
    with pytest.raises(RulelangError) as info:
        executor_for("tcp://127.0.0.1:9")
    assert time.perf_counter() - start < 15
    assert info.value.code == "E803" and "127.0.0.1:9" in info.value.message
    out = io.StringIO()
    assert main(["enumerate", "--universe", "odeen-8", "--scheduler", "tcp://127.0.0.1:9"], out=out) == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err and out.getvalue() == ""


def test_the_scheduler_address_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:9")
    with pytest.raises(RulelangError, match="E803|cannot reach"):
        executor_for(None)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    assert isinstance(executor_for(None), InProcess)


def test_without_dask_a_scheduler_says_how_to_install_it_in_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ExtraMissing):
        executor_for("tcp://127.0.0.1:9")
    assert main(["enumerate", "--scheduler", "tcp://127.0.0.1:9"], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'rulelang[distributed]'" in err


def test_a_worker_s_fixed_malloc_trim_threshold_is_relaxed_for_the_tiles(monkeypatch):
    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_; the block functions then tune malloc once.
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.setattr(stream, "_malloc_checked", False)
    stream.keep_tiles_off_mmap()
    assert stream._malloc_checked
    rules = dialect_rules(SMALL)[:50]
    d = stream.digests(rules, SMALL, InProcess(1))
    assert np.array_equal(d.counts, stream.digests(rules, SMALL, InProcess(2), block=640).counts)


@pytest.mark.parametrize("address", ["nonsense", "tcp://", "tcp://[::1", "tcp://127.0.0.1:99999"])
def test_a_malformed_scheduler_address_is_refused_at_once_without_a_traceback(address):
    import subprocess

    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rulelang", "enumerate", "--universe", "odeen-8",
                           "--scheduler", address], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("rulelang: error[E803] not a Dask scheduler address") and "Traceback" not in done.stderr
    assert time.perf_counter() - start < 30  # no connection attempt, no timeout waited for


# -- a cluster that fails under a job -----------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_scheduler_lost_in_the_middle_of_a_job_is_a_diagnostic_not_a_crash(tmp_path):
    import subprocess

    address = f"tcp://127.0.0.1:{_free_port()}"
    cli = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen([*cli, "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                  "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                               "--no-dashboard", "--no-nanny"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                ex = DaskExecutor.connect(address, timeout=2)
                break
            except RulelangError:
                assert time.monotonic() < deadline, "the scheduler did not start"
        ex.client.wait_for_workers(1, timeout=60)
        got = []
        with pytest.raises(RulelangError, match="dropped the job: its scheduler was lost") as err:
            for result in ex.map(time.sleep, 0.2, [()] * 200):
                got.append(result)
                if len(got) == 1:
                    scheduler.kill()
        assert err.value.code == "E803" and 1 <= len(got) < 200
    finally:
        for p in (worker, scheduler):
            p.kill()
            p.wait()
    with contextlib.suppress(Exception):
        ex.close()


def test_a_job_goes_on_when_every_worker_of_the_cluster_is_lost_and_restarted():
    # One worker, killed after the first block: the job's shared data was only there, so
    # the scheduler must compute it again on the restarted worker (a scattered value would
    # be gone, and the job cancelled).
    rules = dialect_rules(MEDIUM)[:2000]
    want = stream.digests(rules, MEDIUM, InProcess(2))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  memory_limit="1GiB", dashboard_address="127.0.0.1:0", silence_logs=40) as one:
        ex = DaskExecutor.connect(one.scheduler_address)
        try:
            [pid] = ex.client.run(os.getpid).values()
            killed: list[int] = []

            def tick(_n: int) -> None:
                if not killed:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)

            got = stream.digests(rules, MEDIUM, ex, block=4096 * 4, tick=tick)
            assert killed and list(ex.client.run(os.getpid).values()) != [pid]  # a new worker did the rest
            assert np.array_equal(got.counts, want.counts) and np.array_equal(got.fingerprints, want.fingerprints)
        finally:
            ex.close()


def test_a_block_that_kills_every_worker_it_runs_on_is_a_diagnostic(cluster, dask_executor):
    # os._exit(1) on the worker: the nanny brings it back, the scheduler gives the block to
    # the next one, and after its allowed failures gives up on it (KilledWorker).
    with pytest.raises(RulelangError, match="killed every Dask worker that ran it") as err:
        list(dask_executor.map(os._exit, 1, [()]))
    assert err.value.code == "E803" and "memory-limit" in err.value.hint
    dask_executor.client.wait_for_workers(2, timeout=60)


def test_a_job_on_a_cluster_without_workers_warns_and_waits_for_one(monkeypatch):
    import threading

    import rulelang.distributed as D

    monkeypatch.setattr(D, "NO_WORKER_WARNING", 0.5)
    monkeypatch.setattr(D, "CHECK_EVERY", 0.1)
    with distributed.LocalCluster(n_workers=0, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0", silence_logs=40) as empty:
        ex = DaskExecutor.connect(empty.scheduler_address)
        try:
            joined = threading.Timer(1.5, empty.scale, args=(1,))
            joined.start()
            with pytest.warns(RuntimeWarning, match="has had no worker for") as seen:
                assert list(ex.map(time.sleep, 0.0, [()] * 3)) == [None] * 3  # it waited, then ran
            assert len([w for w in seen if "no worker" in str(w.message)]) == 1  # said once
            joined.join()
        finally:
            ex.close()
