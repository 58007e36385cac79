"""Shared set-up for the tests of ``interp/`` (the neural learners) and ``rulelang train``.

A tiny data set (``MakeOptions.tiny`` with 8-scene tables) and tiny models trained on it in
regime :data:`REGIME`, built once per test session in a temporary directory. Import the
fixtures into a test module with ``from interp_fixtures import *``.

Pytest registers fixtures imported into several modules once per module, so the expensive
parts are cached here at module level (:func:`_once`): the data set and the models are
built once per session whichever module asks first.

Everything runs on one CPU thread (the machine is shared with training runs).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the neural tests need torch: pip install 'rulelang[neural]'")

from rulelang.universe import ODEEN

__all__ = [
    "ARCHS", "NET", "REGIME", "OTHER_REGIME", "N_RULES", "REPO", "tiny_cfg", "untrained", "save_untrained",
    "random_tables", "torch_one_thread", "interp_data", "interp_models", "interp_judge", "vocab", "trie",
    "class_of", "neural_solvers",
]

REPO = Path(__file__).resolve().parents[1]

#: The interpreter architectures (the shared models use ``attention``, the quickest to fit 15 rules).
ARCHS = ("attention", "slots", "modular")
#: Network sizes small enough to train in a second on one thread.
NET = {"d": 16, "heads": 2, "rule_layers": 1, "cell_layers": 1, "scene_layers": 1, "table_layers": 1}
#: The regime the shared models are trained in (15 rules, 20 scenes each), and another one.
REGIME = "15x20"
OTHER_REGIME = "15x5"
#: Rules in the Odeen dialect.
N_RULES = 24794

_CACHE: dict[str, Any] = {}


def _once(key: str, make: Callable[[], Any]) -> Any:
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


def tiny_cfg(kind: str, **changes: Any):
    """A :class:`rulelang.interp.train.TrainConfig` for a tiny run in :data:`REGIME`."""
    from rulelang.interp.train import TrainConfig

    base = dict(kind=kind, regime=REGIME, seed=0, steps=20, batch=8, scenes=8, table_size=8, lr=1e-2,
                warmup=5, eval_every=10, eval_rules=12, eval_scenes=32, net=dict(NET))
    base.update(changes)
    return TrainConfig(**base)


def untrained(kind: str, seed: int = 0, arch: str = "attention") -> torch.nn.Module:
    """A randomly initialised network of ``kind`` (an interpreter of ``arch``) with the tiny sizes."""
    from rulelang.interp.nets import build
    from rulelang.interp.train import net_config
    from rulelang.interp.vocab import Vocab

    torch.manual_seed(seed)
    net = build(kind, net_config(kind, Vocab.for_dialect(), ODEEN, {**NET, "arch": arch}))
    return net.eval()


def save_untrained(kind: str, path: Path, seed: int = 0, regime: str = REGIME) -> dict[str, Any]:
    """Write an untrained (random) model of ``kind`` as a usable checkpoint; returns it."""
    from rulelang.interp import checkpoint
    from rulelang.interp.vocab import Vocab

    net = untrained(kind, seed)
    ckpt = {"kind": kind, "net": net.config.to_dict(), "vocab": list(Vocab.for_dialect().words),
            "regime": regime, "universe": ODEEN.name, "step": 0, "model": net.state_dict()}
    checkpoint.save(path, ckpt)
    return ckpt


def random_tables(n: int, k: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` tables of ``k`` random scenes (glyph ids ``[n, k, length]``) with random labels."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(ODEEN.n_scenes, size=(n, k))
    scenes = torch.from_numpy(ODEEN.all_scenes()[ids].astype(np.int64))
    return scenes, torch.from_numpy(rng.random((n, k)) < 0.5)


@pytest.fixture(scope="session", autouse=True)
def torch_one_thread(warm_kernels) -> None:
    """One torch thread; and Numba's parallel kernels started before torch runs anything.

    Torch ops that follow the first parallel Numba region of a process that already ran torch
    ops were measured up to hundreds of times slower (two OpenMP thread pools on two cores);
    with Numba's pool started first they are not. The dialect matrix, the data set and the
    judge all run parallel Numba kernels, so ``warm_kernels`` (conftest) runs one first.
    """
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def interp_data(dialect, tmp_path_factory):
    """The tiny data set (seed 0; tables of 8 scenes), as a :class:`rulelang.data.DataSet`."""
    from rulelang.data import DataSet, MakeOptions, make_dataset

    def make() -> Path:
        torch.set_num_threads(1)
        target = tmp_path_factory.mktemp("interp-data") / "tiny"
        make_dataset(target, dataclasses.replace(MakeOptions.tiny(seed=0), table_size=8), dialect=dialect)
        return target

    return DataSet(_once("data", make))


@pytest.fixture(scope="session")
def interp_models(interp_data, tmp_path_factory) -> dict[str, Path]:
    """Tiny models trained in :data:`REGIME`: ``{"interpreter": path, "generator": ..., "empiricist": ...}``.

    The interpreter is validated only at its last step, so its best weights are its final ones.
    """
    from rulelang.interp.train import train

    def make() -> dict[str, Path]:
        torch.set_num_threads(1)
        root = tmp_path_factory.mktemp("interp-models")
        cfgs = {
            "interpreter": tiny_cfg("interpreter", steps=150, batch=16, scenes=16, eval_every=150),
            "generator": tiny_cfg("generator", steps=30, batch=16, eval_every=30),
            "empiricist": tiny_cfg("empiricist", steps=30, batch=16, scenes=16, eval_every=30),
        }
        paths = {}
        for kind, cfg in cfgs.items():
            paths[kind] = root / f"{kind}.pt"
            train(interp_data, cfg, str(paths[kind]), device="cpu")
        return paths

    return _once("models", make)


@pytest.fixture(scope="session")
def interp_judge(dialect):
    """A warmed :class:`rulelang.measures.Judge` over the session's dialect."""
    from rulelang.measures import Judge

    return _once("judge", lambda: Judge(dialect).warm())


@pytest.fixture(scope="session")
def vocab():
    from rulelang.interp.vocab import Vocab

    return Vocab.for_dialect()


@pytest.fixture(scope="session")
def trie(vocab):
    from rulelang.interp.vocab import RuleTrie

    return RuleTrie.for_dialect(vocab)


@pytest.fixture(scope="session")
def class_of(dialect) -> np.ndarray:
    """The semantic class of every dialect rule."""
    return dialect.classes.class_of


def _declared_solvers() -> dict[str, str]:
    """The ``rulelang.solvers`` entry points that ``pyproject.toml`` declares."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: read the one table by hand
        section = text.split('[project.entry-points."rulelang.solvers"]', 1)[1].split("\n[", 1)[0]
        return dict(re.findall(r'^\s*([\w-]+)\s*=\s*"([^"]+)"', section, re.M))
    return tomllib.loads(text)["project"]["entry-points"]["rulelang.solvers"]


@pytest.fixture(scope="session")
def neural_solvers():
    """The neural solvers, by name, as ``pyproject.toml`` declares them.

    An editable install made before the entry points were added does not list them in its
    metadata (``pip install -e .`` refreshes it); they are then registered here, from the
    declaration, for the session only.
    """
    from rulelang.harness import api

    added = [name for name in _declared_solvers() if name not in api.available()]
    for name in added:
        api.register(name, _declared_solvers()[name])
    yield _declared_solvers()
    for name in added:
        api._registry.pop(name, None)
