"""Model checkpoints: plain dicts of tensors and numbers, versioned, written atomically.

A checkpoint holds what is needed to use a model (its kind, network sizes, vocabulary and
best weights) and, unless it was saved *slim*, what is needed to go on training it (the
current weights, the optimizer's state, the training configuration and step). It is read
with ``torch.load(..., weights_only=True)``: no code is ever unpickled.

Codes: E702 a file that is not a readable rulelang model (missing, truncated, corrupt),
E703 a model of another format, schema version or kind.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import torch

from rulelang.errors import RulelangError
from rulelang.io import write_atomic

FORMAT = "rulelang-model"
SCHEMA = 1


def save(path: str | os.PathLike, ckpt: dict[str, Any]) -> None:
    """Write ``ckpt`` (with this format and schema) to ``path`` atomically."""
    buf = io.BytesIO()
    torch.save({"format": FORMAT, "schema": SCHEMA, **ckpt}, buf)
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, buf.getvalue())
    except OSError as err:
        raise RulelangError(f"cannot write the model: {err.strerror or err}", code="E301", path=str(path)) from None


def load(path: str | os.PathLike, kind: str | None = None) -> dict[str, Any]:
    """Read a checkpoint, check its format, schema version and (if given) kind.

    Raises:
        RulelangError: E702 unreadable or truncated, E703 wrong format, schema or kind.
    """
    name = str(path)
    if Path(path).is_dir():
        raise RulelangError("is a directory, not a model file", code="E702", path=name,
                            hint="give the checkpoint file itself, e.g. models/1438x10000/interpreter.pt")
    if not Path(path).is_file():
        raise RulelangError("no such model file", code="E702", path=name)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as err:
        raise RulelangError(f"cannot read: {err.strerror or err}", code="E702", path=name) from None
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises RuntimeError, EOFError, pickle and zip errors alike
        # Not torch's own message: it advises loading with weights_only=False, which would
        # run whatever code the file holds.
        raise RulelangError(f"not a rulelang checkpoint: {_unreadable(head, err)}", code="E702", path=name,
                            hint="retrain it with 'rulelang train', or reinstall the package for the "
                                 "shipped models") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise RulelangError("not a rulelang model (no 'rulelang-model' format tag)", code="E703", path=name)
    if ckpt.get("schema") != SCHEMA:
        raise RulelangError(f"a model of schema version {ckpt.get('schema')!r}; this rulelang reads "
                            f"version {SCHEMA}", code="E703", path=name,
                            hint="retrain it with this version's 'rulelang train'")
    for key in ("kind", "net", "vocab", "model"):
        if key not in ckpt:
            raise RulelangError(f"a model without its {key!r} entry", code="E702", path=name)
    if kind is not None and ckpt["kind"] != kind:
        raise RulelangError(f"{_a(str(ckpt['kind']))} model, not {_a(kind)}", code="E703", path=name)
    return ckpt


def slim(ckpt: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint without its training state (what ships; cannot be resumed)."""
    return {k: v for k, v in ckpt.items() if k not in ("state", "format", "schema")}


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _unreadable(head: bytes, err: BaseException) -> str:
    """What is wrong with a file ``torch.load(weights_only=True)`` refused, in our words."""
    if head != b"PK\x03\x04":  # every checkpoint torch.save writes is a zip archive
        return "not a PyTorch file (a model file is a zip archive written by 'rulelang train')"
    text = str(err)
    if "weights_only" in text or "Unsupported global" in text or "GLOBAL" in text:
        return ("it holds Python objects besides tensors and numbers, and rulelang never loads "
                "those (loading them could run any code)")
    return "a truncated or corrupt PyTorch file"
