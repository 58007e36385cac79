"""A disk copy of a universe's arrays, so that a new process loads them instead of building them.

The search keeps its dialect index here (about 171 MB for Odeen; :mod:`rulelang.search.index`
decides what goes in, this module only stores and checks it). Files live in
``$RULELANG_CACHE_DIR``, else ``$XDG_CACHE_HOME/rulelang``, else ``~/.cache/rulelang``;
``RULELANG_NO_CACHE=1`` turns the cache off.

A file's name carries a fingerprint of everything that decides its contents: the
universe, the format version, and the source of the modules the caller names (those that
compute the arrays), so a changed checker never reads a stale copy. The manifest inside
holds a SHA-256 of every array, checked on every load; a file that fails any check is
ignored and rebuilt. Files are written atomically (:func:`rulelang.io.write_atomic`);
saving a copy removes the copies of the same universe that other versions of the code
left behind.

The cache is an optimisation only: any problem with it means "build again", never an
error. A cache folder that cannot be written is reported once per process
(:class:`CacheWarning`), with the folder and how to move it, so that a user whose every
run rebuilds knows why.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import warnings
from pathlib import Path
from types import ModuleType
from typing import Sequence

import numpy as np

from rulelang.universe import Universe

FORMAT_VERSION = 2


class CacheWarning(UserWarning):
    """The disk cache cannot be written: every process will build again."""


_warned: set[str] = set()


def cache_dir() -> Path | None:
    """Where copies live, or ``None`` when the cache is turned off."""
    if os.environ.get("RULELANG_NO_CACHE", "") not in ("", "0"):
        return None
    if os.environ.get("RULELANG_CACHE_DIR"):
        return Path(os.environ["RULELANG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rulelang"


def fingerprint(universe: Universe, sources: Sequence[ModuleType]) -> str:
    """A short hash of the universe, the format version and the source code of ``sources``."""
    h = hashlib.sha256(f"v{FORMAT_VERSION}".encode())
    h.update(repr(universe.identity).encode())  # every field: the dialect's words and counts too
    for module in sources:
        try:
            h.update(Path(module.__file__ or "").read_bytes())
        except OSError:  # no source file (a zip import): still a stable fingerprint
            h.update(module.__name__.encode())
    return h.hexdigest()[:16]


def path_for(kind: str, universe: Universe, sources: Sequence[ModuleType]) -> Path | None:
    d = cache_dir()
    return None if d is None else d / f"{kind}-{_name(universe)}-{fingerprint(universe, sources)}.npz"


def _name(universe: Universe) -> str:
    """The universe's name as files carry it. It only helps a person tell the files apart
    (the fingerprint tells the worlds apart): cut to what every file system takes."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", universe.name)[:64]


def save(kind: str, universe: Universe, sources: Sequence[ModuleType],
         arrays: dict[str, np.ndarray]) -> Path | None:
    """Write ``arrays`` as the ``kind`` copy of ``universe``; the path, or ``None``."""
    from rulelang.io import write_atomic

    path = path_for(kind, universe, sources)
    if path is None:
        return None
    manifest = {"format": FORMAT_VERSION, "kind": kind, "fingerprint": fingerprint(universe, sources),
                "arrays": {k: {"dtype": str(a.dtype), "shape": list(a.shape),
                               "sha256": hashlib.sha256(np.ascontiguousarray(a).data).hexdigest()}
                           for k, a in arrays.items()}}
    buf = io.BytesIO()
    np.savez(buf, manifest=np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8), **arrays)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, buf.getbuffer().tobytes())
    except OSError as err:
        _warn_once(path.parent, err)
        return None
    for stale in path.parent.glob(f"{kind}-{_name(universe)}-*.npz"):
        if stale != path:  # copies made by other versions of the code: never read again
            try:
                stale.unlink()
            except OSError:
                pass
    return path


def load(kind: str, universe: Universe, sources: Sequence[ModuleType]) -> dict[str, np.ndarray] | None:
    """The arrays of the ``kind`` copy of ``universe``, or ``None`` when absent or not trustworthy."""
    path = path_for(kind, universe, sources)
    try:
        if path is None or not path.is_file():
            return None
    except OSError:  # a folder that cannot be searched
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            manifest = json.loads(z["manifest"].tobytes().decode())
            arrays = {k: z[k] for k in manifest["arrays"]}
    except Exception:  # truncated, not a zip, bad CRC, missing member, bad JSON: rebuild
        return None
    if manifest.get("format") != FORMAT_VERSION or manifest.get("fingerprint") != fingerprint(universe, sources):
        return None
    for k, a in arrays.items():
        want = manifest["arrays"][k]
        if (str(a.dtype) != want.get("dtype") or list(a.shape) != want.get("shape")
                or hashlib.sha256(np.ascontiguousarray(a).data).hexdigest() != want.get("sha256")):
            return None
    return arrays


def _warn_once(folder: Path, err: OSError) -> None:
    key = str(folder)
    if key in _warned:
        return
    _warned.add(key)
    warnings.warn(f"cannot write the cache in {folder} ({err.strerror or err}); every run will build "
                  "the index again (a few seconds): make the folder writable, or set "
                  "RULELANG_CACHE_DIR to one that is", CacheWarning, stacklevel=3)
