"""Build an Odeen data set from a seed: splits, training samples, tables, evaluation samples.

Everything random comes from :mod:`rulelang.data.sampling` streams of the one seed, so the
same seed and options give byte-identical files.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..enumerate import Dialect
from ..errors import RulelangError
from .splits import SplitOptions, Splits, make_splits
from .store import FORMAT, VERSION, file_record, npy_bytes, write_dataset
from .tables import TABLE_KINDS, InformativeOptions, class_counts, labels_of, make_tables, uniform_samples

#: Where ``rulelang data make`` writes by default (generated data are not committed).
DEFAULT_DIR = Path("data") / "odeen-v1"


def default_dir(universe_name: str = "odeen") -> Path:
    """The default data set directory of a universe (``data/odeen-v1``, ``data/odeen-8-v1``)."""
    return Path("data") / f"{universe_name}-v1"

#: The splits a learner is scored on, and their stream ``part`` numbers.
EVAL_SPLITS = {"validation": 0, "test": 1}

Progress = Callable[[str], None]


@dataclass(frozen=True)
class MakeOptions:
    """Everything that determines a data set's contents."""

    seed: int = 0
    splits: SplitOptions = field(default_factory=SplitOptions)
    ks: tuple[int, ...] = (100, 1000, 10000)
    table_size: int = 32
    eval_size: int = 1176
    informative: InformativeOptions = field(default_factory=InformativeOptions)

    @classmethod
    def tiny(cls, seed: int = 0, keep_left_of: bool = False) -> "MakeOptions":
        """A data set of a few dozen rules that builds in seconds: for tests and demos."""
        return cls(seed=seed, splits=SplitOptions(n_train=40, n_train_small=15, n_validation=12,
                                                  n_test=24, keep_left_of=keep_left_of),
                   ks=(5, 20), eval_size=64)

    def check(self, n_scenes: int) -> None:
        self.splits.check()
        if not self.ks or list(self.ks) != sorted(set(self.ks)) or self.ks[0] < 1:
            raise RulelangError(f"k values must be distinct, positive and ascending, got {list(self.ks)}",
                                code="E505")
        for name, value in (("k", self.ks[-1]), ("table size", self.table_size),
                            ("evaluation sample", self.eval_size)):
            if not 1 <= value <= n_scenes:
                raise RulelangError(f"{name} {value} must lie in 1..{n_scenes}", code="E505")
        if self.seed < 0:
            raise RulelangError("the seed must not be negative", code="E505")


def regimes(options: MakeOptions) -> list[dict[str, Any]]:
    """The training regimes: every training set with every ``k``."""
    sets = (("train", options.splits.n_train), ("train-small", options.splits.n_train_small))
    return [{"name": f"{n}x{k}", "split": split, "k": k} for split, n in sets for k in options.ks]


def _rule_file(texts: list[str], split: str, options: MakeOptions, title: str = "Odeen") -> bytes:
    head = (f"# rulelang data set: split {split!r}, {len(texts)} rules of the {title} dialect, "
            f"seed {options.seed}\n")
    return (head + "".join(t + "\n" for t in texts)).encode("utf-8")


def build(dialect: Dialect, options: MakeOptions,
          progress: Progress | None = None) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The files of a data set (name -> bytes) and its manifest."""
    say = progress or (lambda _msg: None)
    n_scenes = dialect.universe.n_scenes
    options.check(n_scenes)
    say("splits")
    splits: Splits = make_splits(dialect, options.seed, options.splits)
    files: dict[str, bytes] = {}
    records: dict[str, Any] = {}

    def put(name: str, data: bytes, array: np.ndarray | None = None) -> str:
        files[name] = data
        records[name] = file_record(name, data, array)
        return name

    def put_array(name: str, array: np.ndarray) -> str:
        return put(name, npy_bytes(array), array)

    def samples(prefix: str, rules: np.ndarray, scenes: np.ndarray) -> dict[str, str]:
        packed = np.packbits(labels_of(dialect, rules, scenes), axis=1)
        return {"scenes": put_array(f"{prefix}.scenes.npy", scenes),
                "labels": put_array(f"{prefix}.labels.npy", packed)}

    split_info: dict[str, Any] = {}
    for split, rules in splits.as_dict().items():
        texts = [dialect.texts[r] for r in rules]
        split_info[split] = {"rules": put(f"{split}.rl", _rule_file(texts, split, options, dialect.universe.title)),
                             "size": int(rules.size)}

    say("training samples")
    train = uniform_samples(options.seed, "train", 0, splits.train.size, options.ks[-1], n_scenes)
    split_info["train"]["samples"] = samples("train", splits.train, train)

    root = None if dialect.streamed else class_counts(dialect)
    for split, part in EVAL_SPLITS.items():
        rules = getattr(splits, split)
        say(f"{split} tables")
        tables = make_tables(dialect, rules, options.seed, part, options.table_size,
                             options.informative, root)
        split_info[split]["tables"] = {kind: samples(f"{split}.{kind}", rules, tables[kind])
                                       for kind in TABLE_KINDS}
        say(f"{split} evaluation samples")
        ev = uniform_samples(options.seed, "eval", part, rules.size, options.eval_size, n_scenes)
        split_info[split]["eval"] = samples(f"{split}.eval", rules, ev)

    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "universe": dialect.universe.name,
        "universe_digest": dialect.universe.digest,  # the whole world: its cells, glyphs and dialect
        "language": "dialect",
        "n_rules": len(dialect.rules),
        "n_scenes": n_scenes,
        "seed": options.seed,
        "options": {
            "splits": asdict(options.splits),
            "ks": list(options.ks),
            "table_size": options.table_size,
            "eval_size": options.eval_size,
            "informative": asdict(options.informative),
        },
        "splits": split_info,
        "regimes": regimes(options),
        "table_kinds": list(TABLE_KINDS),
        "files": records,
        "created_by": f"rulelang {_version()}",
    }
    return files, manifest


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rulelang")
    except PackageNotFoundError:
        return "unknown"


def make_dataset(out: str | os.PathLike = DEFAULT_DIR, options: MakeOptions = MakeOptions(), *,
                 dialect: Dialect | None = None, force: bool = False,
                 progress: Progress | None = None) -> Path:
    """Build a data set and write it to the directory ``out`` (all or nothing)."""
    if Path(out).exists() and not force:
        # Fail before minutes of work, not after (write_dataset checks again).
        raise RulelangError("already exists", code="E301", path=str(out),
                            hint="pass --force to replace it, or choose another --out")
    files, manifest = build(dialect or Dialect(), options, progress)
    if progress:
        progress("writing")
    return write_dataset(out, files, manifest, force=force)
