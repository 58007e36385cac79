"""Shared test set-up: hypothesis profiles, warm kernels, checker backends, shared data.

Profiles: ``dev`` (the default: few examples, quick) and ``ci`` (more examples, a fixed
seed, no deadline), chosen by ``HYPOTHESIS_PROFILE``; ``CI=true`` selects ``ci``.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from rulelang.ast import Rule
from rulelang.universe import ODEEN, Universe

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO.parent / "shared" / "golden"

# -- hypothesis profiles ------------------------------------------------------------------

# Two cores shared with other jobs make timings noisy: a deadline would fail tests at random,
# so the dev profile allows a generous one and ci none at all.
settings.register_profile("dev", max_examples=40, deadline=2000,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=200, derandomize=True, deadline=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").strip().lower() in ("true", "1") else "dev")
)

# -- kernels and backends ---------------------------------------------------------------

# Exercises every kernel once: each relation, not/and/or, thresholds up and down.
WARM_RULE = (
    "not (at_least 1 red touching blue and exactly 2 block surrounded_by red) "
    "or at_most 3 pyramid at_the_right_of red and zero blue at_the_left_of block"
)


@pytest.fixture(scope="session")
def warm_kernels() -> None:
    """Load (or compile) every Numba kernel once, so no test pays for it inside a deadline."""
    from rulelang.checker import compile_rules, run
    from rulelang.parser import parse

    program = compile_rules([parse(WARM_RULE)])
    scenes = ODEEN.parse_scenes(["A.b..v", "......", "BbBvAa"])
    for parallel in (False, True):
        rows = run(program, scenes, parallel=parallel)
    rows.true_counts()
    from rulelang.bits import row_hashes

    row_hashes(rows.words)


Labeller = Callable[..., np.ndarray]
"""``backend(rules, scenes, universe=ODEEN) -> bool[len(rules), len(scenes)]``."""


def reference_labels(rules: Sequence[Rule], scenes: np.ndarray, universe: Universe = ODEEN) -> np.ndarray:
    """The oracle: :func:`rulelang.reference.evaluate`, one rule and one scene at a time."""
    from rulelang.reference import evaluate

    texts = [universe.format_scene(s) for s in np.asarray(scenes)]
    out = np.zeros((len(rules), len(texts)), dtype=bool)
    for r, rule in enumerate(rules):
        for s, text in enumerate(texts):
            out[r, s] = evaluate(rule, text, universe)
    return out


def compiled_labels(rules: Sequence[Rule], scenes: np.ndarray, universe: Universe = ODEEN) -> np.ndarray:
    """The compiled checker in this process (JIT on)."""
    from rulelang.checker import label

    return np.asarray(label(list(rules), scenes, universe), dtype=bool).reshape(len(rules), -1)


# The worker runs the compiled checker with NUMBA_DISABLE_JIT=1, which must be set before
# numba is imported, hence a process of its own; one per test session, fed many batches.
# Frames are length-prefixed pickles; stdout is kept for them (prints go to stderr).
_WORKER = r"""
import os, pickle, struct, sys
proto_out = os.fdopen(os.dup(1), "wb")
os.dup2(2, 1)
proto_in = sys.stdin.buffer
import numba
from rulelang import label_kernels as K
from rulelang.checker import label
from rulelang.universe import Universe

def send(obj):
    data = pickle.dumps(obj)
    proto_out.write(struct.pack("<Q", len(data)) + data)
    proto_out.flush()

kernels = [v for v in vars(K).values() if callable(v) and getattr(v, "__module__", "") == K.__name__]
send({"jit_kernels": sorted(k.__name__ for k in kernels if hasattr(k, "py_func")),
      "kernels": len(kernels)})
while True:
    head = proto_in.read(8)
    if len(head) < 8:
        break
    rules, scenes, fields = pickle.loads(proto_in.read(struct.unpack("<Q", head)[0]))
    try:
        send(("ok", label(list(rules), scenes, Universe(**fields)).reshape(len(rules), -1)))
    except Exception as exc:
        try:
            send(("error", exc))
        except Exception:
            send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
"""


class NoJitWorker:
    """A subprocess running the compiled checker's kernels as plain Python."""

    def __init__(self) -> None:
        env = dict(os.environ, NUMBA_DISABLE_JIT="1", PYTHONPATH=str(REPO))
        self.proc = subprocess.Popen([sys.executable, "-c", _WORKER], cwd=REPO, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.hello: dict = self._receive()

    def _receive(self):
        head = self.proc.stdout.read(8)  # type: ignore[union-attr]
        if len(head) < 8:
            raise RuntimeError(f"the NUMBA_DISABLE_JIT worker died (exit code {self.proc.wait()})")
        return pickle.loads(self.proc.stdout.read(struct.unpack("<Q", head)[0]))  # type: ignore[union-attr]

    def __call__(self, rules: Sequence[Rule], scenes: np.ndarray, universe: Universe = ODEEN) -> np.ndarray:
        fields = {f.name: getattr(universe, f.name) for f in dataclasses.fields(universe)}
        fields["pieces"] = dict(fields["pieces"])
        data = pickle.dumps((list(rules), np.asarray(scenes), fields))
        self.proc.stdin.write(struct.pack("<Q", len(data)) + data)  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        status, value = self._receive()
        if status == "error":
            raise value
        return value

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(timeout=30)


@pytest.fixture(scope="session")
def nojit_worker():
    """The session's one NUMBA_DISABLE_JIT=1 worker process (started on first use)."""
    worker = NoJitWorker()
    yield worker
    worker.close()


def _labeller(request, name: str) -> Labeller:
    if name == "reference":
        return reference_labels
    if name == "compiled":
        request.getfixturevalue("warm_kernels")
        return compiled_labels
    return request.getfixturevalue("nojit_worker")


# Session-scoped: the labellers hold no per-test state, and hypothesis tests may use them.
@pytest.fixture(scope="session", params=["reference", "compiled", "compiled-nojit"])
def backend(request) -> Labeller:
    """One labeller per backend: ``backend(rules, scenes, universe=ODEEN) -> bool[R, n]``.

    ``reference`` is the pure-Python oracle; ``compiled`` the Numba checker;
    ``compiled-nojit`` the same checker code with ``NUMBA_DISABLE_JIT=1`` (its kernels as
    plain Python, in a worker process), so the Python semantics of the kernels are tested
    too. Keep batches small: that backend is slow.
    """
    return _labeller(request, request.param)


@pytest.fixture(scope="session")
def reference() -> Labeller:
    """The oracle labeller (:func:`reference_labels`), to compare the other backends with."""
    return reference_labels


@pytest.fixture(scope="session", params=["compiled", "compiled-nojit"])
def compiled_backend(request) -> Labeller:
    """The compiled checker, with and without JIT: to compare with :func:`reference_labels`."""
    return _labeller(request, request.param)


# -- shared data ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dialect():
    """The Odeen dialect (:class:`rulelang.enumerate.Dialect`), its matrix built once per session."""
    from rulelang.enumerate import Dialect

    return Dialect()


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    """``shared/golden`` beside the checkout; missing golden data fails, it does not skip."""
    if not (GOLDEN / "dialect_sample.tsv").is_file():
        pytest.fail(
            f"golden data not found at {GOLDEN}: the golden tests compare the checker with the "
            "paper's own results and need the shared/golden folder beside this checkout",
            pytrace=False,
        )
    return GOLDEN


class RecordingOptions(dict):
    """Options that remember which keys a solver read."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        self.read.add(key)
        return super().__contains__(key)


@pytest.fixture(scope="session")
def recording_options() -> type[RecordingOptions]:
    """The class of solver options that remember which keys were read."""
    return RecordingOptions
