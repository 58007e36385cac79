"""The on-disk format of a data set: raw ``.npy`` arrays, rule files, and a JSON manifest.

A data set is a directory::

    manifest.json                 format name and version, seed, options, splits, and the
                                  SHA-256, size, dtype and shape of every other file
    train.rl ... test.rl          the rules of each split, one per line (a rule file)
    train.scenes.npy              uint32[rules, k_max]   scene indices (117,649-scene order)
    train.labels.npy              uint8[rules, k_max/8]  labels, numpy.packbits along rows
    test.random.scenes.npy ...    the same for each table kind and the evaluation sample

Arrays are raw ``.npy`` (no pickle, no zip): ``numpy.savez`` stamps the time into its
archive, which would break "same seed, byte-identical files". The manifest is written
last, and the whole directory is built beside its destination and renamed into place, so
a reader never sees half a data set. Every read checks the file against the manifest and
fails with a :class:`RulelangError` naming the file.

Codes: E501 a data set file is missing, corrupt or truncated; E502 a manifest of another
format or version; E503 a split, kind or regime the data set does not have.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..errors import RulelangError
from ..io import write_atomic
from ..lines import entry_lines, split_lines
from .schema import check_manifest

FORMAT = "rulelang-data"
VERSION = 1
MANIFEST = "manifest.json"


def npy_bytes(array: np.ndarray) -> bytes:
    """The ``.npy`` encoding of ``array`` (deterministic: header and data only)."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def file_record(name: str, data: bytes, array: np.ndarray | None = None) -> dict[str, Any]:
    rec: dict[str, Any] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    if array is not None:
        rec["dtype"] = str(array.dtype)
        rec["shape"] = list(array.shape)
    return rec


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2) + "\n").encode("utf-8")


def write_dataset(out: str | os.PathLike, files: Mapping[str, bytes], manifest: Mapping[str, Any],
                  *, force: bool = False) -> Path:
    """Write ``files`` and the manifest as the directory ``out``, all or nothing.

    Raises:
        RulelangError: E301 when ``out`` exists (and ``force`` is off) or cannot be written.
    """
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise RulelangError("exists and is not a folder; refusing to replace it", code="E301", path=str(target))
    if target.exists() and not force:
        raise RulelangError("already exists", code="E301", path=str(target),
                            hint="pass --force to replace it, or choose another --out")
    if target.exists() and not (target / MANIFEST).is_file() and any(target.iterdir()):
        raise RulelangError("exists and is not a data set; refusing to replace it", code="E301",
                            path=str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # os.mkdir (not mkdtemp, which makes it private) so the data set gets the umask's mode.
        tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        os.mkdir(tmp)
    except OSError as err:
        raise RulelangError(f"cannot create: {err.strerror or err}", code="E301", path=str(target)) from None
    try:
        for name, data in files.items():
            write_atomic(tmp / name, data)
        write_atomic(tmp / MANIFEST, manifest_bytes(manifest))
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RulelangError(f"cannot write: {err.strerror or err}", code="E301", path=str(target)) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def read_manifest(root: str | os.PathLike) -> dict[str, Any]:
    """The manifest of the data set at ``root``, checked for format and version."""
    path = Path(root) / MANIFEST
    if not Path(root).is_dir():
        raise RulelangError("no data set here", code="E503", path=str(root),
                            hint="make one with 'rulelang data make'")
    try:
        source = path.read_bytes().decode("utf-8")
        manifest = json.loads(source)
    except FileNotFoundError:
        raise RulelangError("no manifest.json: not a data set, or an unfinished one", code="E501",
                            path=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RulelangError(f"unreadable manifest: {err}", code="E501", path=str(path)) from None
    if not isinstance(manifest, dict):
        raise RulelangError("the manifest is not a JSON object", code="E501", path=str(path))
    fmt, ver = manifest.get("format"), manifest.get("version")
    if fmt != FORMAT or ver != VERSION:
        raise RulelangError(
            f"data set format {fmt!r} version {ver!r} is not supported "
            f"(this rulelang reads {FORMAT!r} version {VERSION})", code="E502", path=str(path),
            hint="remake the data set with this rulelang: rulelang data make --force")
    if not isinstance(manifest.get("files"), dict):
        raise RulelangError("the manifest lists no files", code="E501", path=str(path))
    check_manifest(manifest, str(path), source)
    return manifest


def read_checked(root: str | os.PathLike, name: str, manifest: Mapping[str, Any]) -> bytes:
    """The bytes of file ``name``, after checking its size and SHA-256 against the manifest."""
    path = Path(root) / name
    rec = manifest["files"].get(name)
    if not isinstance(rec, dict):
        raise RulelangError("not listed in the manifest", code="E501", path=str(path))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RulelangError("missing from the data set", code="E501", path=str(path)) from None
    except OSError as err:
        raise RulelangError(f"cannot read: {err.strerror or err}", code="E501", path=str(path)) from None
    if len(data) != rec.get("bytes"):
        raise RulelangError(f"truncated or padded: {len(data)} bytes, the manifest says "
                            f"{rec.get('bytes')}", code="E501", path=str(path))
    if hashlib.sha256(data).hexdigest() != rec.get("sha256"):
        raise RulelangError("corrupt: its SHA-256 differs from the manifest's", code="E501",
                            path=str(path))
    return data


def read_array(root: str | os.PathLike, name: str, manifest: Mapping[str, Any]) -> np.ndarray:
    """A checked ``.npy`` array, with the dtype and shape the manifest promises."""
    data = read_checked(root, name, manifest)
    path = str(Path(root) / name)
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise RulelangError(f"not a valid .npy array: {err}", code="E501", path=path) from None
    rec = manifest["files"][name]
    if str(array.dtype) != rec.get("dtype") or list(array.shape) != rec.get("shape"):
        raise RulelangError(f"holds {array.dtype}{list(array.shape)}, the manifest says "
                            f"{rec.get('dtype')}{rec.get('shape')}", code="E501", path=path)
    return array


def read_rules(root: str | os.PathLike, name: str, manifest: Mapping[str, Any],
               index: Mapping[str, int]) -> np.ndarray:
    """The dialect indices (``int64``) of the rules of a checked rule file."""
    data = read_checked(root, name, manifest)
    path = str(Path(root) / name)
    out = []
    for line in entry_lines(split_lines(data.decode("utf-8"))):
        text = line.code.strip()
        if text not in index:
            raise RulelangError(f"not a rule of the dialect: {text!r}", code="E501", path=path,
                                line=line.number)
        out.append(index[text])
    return np.array(out, dtype=np.int64)
