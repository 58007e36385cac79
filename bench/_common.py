"""Shared helpers of the benchmark scripts: machine description, statistics, result files.

Every benchmark writes ``bench/results/NAME.json`` (git-ignored) through
:func:`write_result`: a schema version, the date, the machine, the configuration and the
numbers, so that figures in ``BENCHMARKS.md`` can be traced to a run.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

#: Version of the result files' layout; bump it when a field changes meaning.
SCHEMA_VERSION = 1


def stats(times: Sequence[float]) -> dict[str, Any]:
    """Min, median and every run, in seconds. The machine is shared, so min is the figure
    least disturbed by other work and median the typical one."""
    return {"min": min(times), "median": statistics.median(times), "runs": list(times)}


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def _cpu_model() -> str:
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def machine_info() -> dict[str, Any]:
    """What the numbers depend on: CPU, cores, memory, versions, load, commit."""
    import numba
    import numpy

    mem = None
    for line in (_read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) * 1024
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "numba_threads": numba.get_num_threads(),
        "memory_bytes": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "transparent_hugepage": _read("/sys/kernel/mm/transparent_hugepage/enabled"),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "commit": _git("rev-parse", "HEAD"),
        "tree_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def write_result(name: str, payload: dict[str, Any], path: Path | None = None) -> Path:
    """Write ``payload`` (plus schema, date and machine) as ``bench/results/NAME.json``."""
    from rulelang.io import write_atomic

    target = path or RESULTS / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "schema": f"rulelang.bench.{name}",
        "schema_version": SCHEMA_VERSION,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine_info(),
        **payload,
    }
    write_atomic(target, json.dumps(record, indent=2) + "\n")
    return target


def verdict(measured: float, target: float) -> str:
    return "PASS" if measured <= target else "FAIL"
