"""A disk copy of the dialect index, so that a new process loads it instead of building it.

The file (about 171 MB for Odeen) lives in ``$RULELANG_CACHE_DIR``, else
``$XDG_CACHE_HOME/rulelang``, else ``~/.cache/rulelang``; ``RULELANG_NO_CACHE=1`` turns the
cache off. Its name carries a fingerprint of everything that decides its contents (the
universe, the format version, and the source of the modules that compute the semantics),
so a changed checker never reads a stale copy. The manifest inside holds a SHA-256 of the
index, checked on every load; a file that fails any check is ignored and rebuilt. Files are
written atomically (:func:`rulelang.io.write_atomic`); saving a copy removes the copies
of the same universe that other versions of the code left behind. The cache is an optimisation only:
any problem with it means "build the index", never an error.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from pathlib import Path

import numpy as np

from rulelang.universe import Universe

FORMAT_VERSION = 1

# The sources whose behaviour decides the index; editing any of them changes the fingerprint.
_SOURCES = ("rulelang/ast.py", "rulelang/universe.py", "rulelang/printer.py", "rulelang/checker.py",
            "rulelang/_kernels.py", "rulelang/enumerate.py", "search/index.py", "search/_kernels.py")


def cache_dir() -> Path | None:
    """Where index copies live, or ``None`` when the cache is turned off."""
    if os.environ.get("RULELANG_NO_CACHE", "") not in ("", "0"):
        return None
    if os.environ.get("RULELANG_CACHE_DIR"):
        return Path(os.environ["RULELANG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rulelang"


def fingerprint(universe: Universe) -> str:
    """A short hash of the universe, the format version and the semantics' source code."""
    h = hashlib.sha256(f"v{FORMAT_VERSION}".encode())
    h.update(repr((universe.name, universe.length, universe.glyphs, sorted(universe.pieces.items()),
                   universe.colors, universe.shapes, universe.orientations,
                   universe.relations)).encode())
    root = Path(__file__).resolve().parent.parent
    for rel in _SOURCES:
        try:
            h.update((root / rel).read_bytes())
        except OSError:  # an installed wheel without one of them: still a stable fingerprint
            h.update(rel.encode())
    return h.hexdigest()[:16]


def path_for(universe: Universe) -> Path | None:
    d = cache_dir()
    return None if d is None else d / f"dialect-index-{universe.name}-{fingerprint(universe)}.npz"


def save(ix) -> Path | None:
    """Write ``ix`` (a :class:`~rulelang.search.index.DialectIndex`) to the cache; the path, or ``None``."""
    from rulelang.io import write_atomic

    path = path_for(ix.universe)
    if path is None:
        return None
    manifest = {"format": FORMAT_VERSION, "fingerprint": fingerprint(ix.universe),
                "n_classes": ix.n_classes, "n_scenes": ix.n_scenes,
                "index_sha256": hashlib.sha256(ix.index.data).hexdigest()}
    buf = io.BytesIO()
    np.savez(buf, manifest=np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8),
             canonical=ix.canonical, members=ix.members, true_counts=ix.true_counts, index=ix.index)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, buf.getbuffer().tobytes())
    except OSError:
        return None
    for stale in path.parent.glob(f"dialect-index-{ix.universe.name}-*.npz"):
        if stale != path:  # copies made by other versions of the code: never read again
            try:
                stale.unlink()
            except OSError:
                pass
    return path


def load(universe: Universe):
    """The cached index of ``universe``'s dialect, or ``None`` when absent or not trustworthy."""
    from rulelang.enumerate import dialect_rules

    from .index import _assemble

    path = path_for(universe)
    if path is None or not path.is_file():
        return None
    start = time.perf_counter()
    try:
        with np.load(path, allow_pickle=False) as z:
            manifest = json.loads(z["manifest"].tobytes().decode())
            arrays = {k: z[k] for k in ("canonical", "members", "true_counts", "index")}
    except Exception:  # truncated, not a zip, bad CRC, missing member: rebuild
        return None
    index = arrays["index"]
    ok = (manifest.get("format") == FORMAT_VERSION
          and manifest.get("fingerprint") == fingerprint(universe)
          and index.dtype == np.uint64 and index.ndim == 2
          and index.shape == (manifest.get("n_scenes"), (manifest.get("n_classes", 0) + 63) // 64)
          and hashlib.sha256(index.data).hexdigest() == manifest.get("index_sha256"))
    if not ok:
        return None
    index.setflags(write=False)
    return _assemble(universe, dialect_rules(universe), arrays["canonical"], arrays["members"],
                     arrays["true_counts"], index, start)
