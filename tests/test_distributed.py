"""Streamed jobs on a real ``dask.distributed`` cluster: 2 worker processes on 127.0.0.1.

The results must be bit-identical to the in-process path for any number of blocks; a worker
killed in the middle of a job must cost time, never a block; a scheduler that cannot be
reached must be reported at once.
"""

from __future__ import annotations

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
