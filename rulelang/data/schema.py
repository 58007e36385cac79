"""The schema of a data set's manifest, checked field by field when a data set is opened.

A manifest edited by hand (``"n_scenes": "lots"``, ``"n_test": -5``) is refused at once with
the file, the line and the field, instead of failing later in some arithmetic or, worse,
being believed. Fields a later version may add are ignored; every field this version reads
is checked.

Code: E501 (a bad data set file).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from ..errors import RulelangError, quoted, shorten

#: A check of one value at a (dotted) field: ``check(value, field)`` raises :class:`_Bad`
#: naming the field and the problem; :func:`fields` and :func:`each` walk into the value.
Check = Callable[[Any, str], None]


class _Bad(Exception):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field, self.problem = field, problem


def _describe(value: Any) -> str:
    return quoted(value) if isinstance(value, str) else shorten(repr(value), 40)


def integer(low: int = 0) -> Check:
    def check(value: Any, field: str) -> None:
        if type(value) is not int or value < low:  # bool is an int to Python, not to us
            raise _Bad(field, f"must be a whole number >= {low}, not {_describe(value)}")
    return check


def text(pattern: str | None = None) -> Check:
    def check(value: Any, field: str) -> None:
        if not isinstance(value, str) or (pattern is not None and not re.fullmatch(pattern, value)):
            what = "a string" if pattern is None else f"a string matching {pattern}"
            raise _Bad(field, f"must be {what}, not {_describe(value)}")
    return check


def boolean(value: Any, field: str) -> None:
    if not isinstance(value, bool):
        raise _Bad(field, f"must be true or false, not {_describe(value)}")


def fields(required: dict[str, Check], optional: dict[str, Check] | None = None) -> Check:
    """A JSON object with these fields (others are ignored)."""
    def check(value: Any, field: str) -> None:
        if not isinstance(value, dict):
            raise _Bad(field, f"must be an object, not {_describe(value)}")
        for key, sub in required.items():
            if key not in value:
                raise _Bad(_join(field, key), "is missing")
            sub(value[key], _join(field, key))
        for key, sub in (optional or {}).items():
            if key in value:
                sub(value[key], _join(field, key))
    return check


def each(item: Check, *, keyed: bool = False, min_size: int = 0) -> Check:
    """A list (or, ``keyed``, an object with any keys) whose every item passes ``item``."""
    def check(value: Any, field: str) -> None:
        kind = dict if keyed else list
        if not isinstance(value, kind):
            raise _Bad(field, f"must be {'an object' if keyed else 'a list'}, not {_describe(value)}")
        if len(value) < min_size:
            raise _Bad(field, f"must hold at least {min_size} item{'s' * (min_size != 1)}")
        for key, sub in (value.items() if keyed else enumerate(value)):
            item(sub, _join(field, key))
    return check


def _join(field: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{field}[{key}]"
    if re.search(r"[.\[\]\"]", key):  # a file name such as test.rl
        return f"{field}[{key!r}]"
    return f"{field}.{key}" if field else key


_COUNT = integer(0)
_NAME = text(r"[^/\\\x00]+")  # a file of the data set: a name, never a path elsewhere
_PAIR = fields({"scenes": _NAME, "labels": _NAME})

MANIFEST = fields(
    {
        "universe": text(),
        "n_rules": integer(1),
        "n_scenes": integer(1),
        "seed": _COUNT,
        "options": fields({
            "splits": fields({"n_train": _COUNT, "n_train_small": _COUNT, "n_validation": _COUNT,
                              "n_test": _COUNT, "keep_left_of": boolean}),
            "ks": each(integer(1), min_size=1),
            "table_size": integer(1),
            "eval_size": integer(1),
            "informative": fields({}, {"pool_runs": _COUNT, "run_words": _COUNT, "exact_below": _COUNT}),
        }),
        "splits": each(fields({"rules": _NAME, "size": _COUNT},
                              {"samples": _PAIR, "eval": _PAIR, "tables": each(_PAIR, keyed=True)}), keyed=True),
        "regimes": each(fields({"name": text(), "split": text(), "k": integer(1)})),
        "table_kinds": each(text()),
        "files": each(fields({"sha256": text("[0-9a-f]{64}"), "bytes": _COUNT},
                             {"dtype": text(), "shape": each(_COUNT)}), keyed=True),
    },
    {"language": text(), "created_by": text(), "universe_digest": text("[0-9a-f]{16}")},
)


def check_manifest(manifest: dict[str, Any], path: str, source: str | None = None) -> None:
    """Check every field of ``manifest`` (read from ``path``, whose text is ``source``).

    Raises:
        RulelangError: E501 naming the first bad field, at its line when ``source`` is given.
    """
    try:
        MANIFEST(manifest, "")
    except _Bad as bad:
        line = _line_of(source, bad.field) if source is not None else None
        raise RulelangError(f"manifest field {bad.field} {bad.problem}", code="E501", path=path, line=line,
                            hint="the manifest is written by 'rulelang data make'; remake the data set "
                                 "rather than editing it") from None


def _line_of(source: str, field: str) -> int | None:
    """The line where ``field`` (``a.b[2].c``) is written, found by its keys in order."""
    pos = 0
    for quoted_key, index, key in re.findall(r"\['([^']*)'\]|\[(\d+)\]|([^.\[\]]+)", field):
        if index:
            continue
        key = quoted_key or key
        found = source.find(f'"{key}"', pos)
        if found < 0:
            return None
        pos = found
    return source.count("\n", 0, pos) + 1
