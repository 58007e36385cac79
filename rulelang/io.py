"""Reading user files with clear errors, and writing files atomically."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from .errors import RulelangError


def read_text(path: str | os.PathLike) -> str:
    """The text of a UTF-8 file (``-`` reads standard input).

    Raises:
        RulelangError: E301 when the file is missing, unreadable or not UTF-8.
    """
    name = str(path)
    try:
        if name == "-":
            name = "<stdin>"
            if sys.stdin is None:
                raise RulelangError("standard input is closed", code="E301", path=name)
            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        else:
            data = Path(path).read_bytes()
    except FileNotFoundError:
        raise RulelangError("no such file", code="E301", path=name) from None
    except IsADirectoryError:
        raise RulelangError("is a directory, not a file", code="E301", path=name) from None
    except OSError as err:
        raise RulelangError(f"cannot read: {err.strerror or err}", code="E301", path=name) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        start = data.rfind(b"\n", 0, err.start) + 1
        if line == 1 and data.startswith(b"\xef\xbb\xbf"):
            start = 3  # the byte-order mark is no column
        # Columns count characters, as everywhere else: the line's text before the bad byte.
        col = len(data[start: err.start].decode("utf-8", "replace")) + 1
        raise RulelangError(
            f"not UTF-8 text (byte 0x{data[err.start]:02x})", code="E301", path=name,
            line=line, column=col,
        ) from None
    return text.removeprefix("\ufeff")


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The data goes to a temporary file in the same directory, is flushed to disk, and then
    renamed over ``path``. A symbolic link is followed: the file it points to is replaced and
    the link stays a link. (Other hard links to the old file keep the old content: that is
    the price of never showing half a file.) What is not a regular file — a device such as
    ``/dev/null``, a FIFO, ``/dev/stdout`` — has nothing to replace: it is written to.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        mode = os.stat(path).st_mode
    except OSError:  # not there (or not reachable): the rename below says so if it matters
        mode = None
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        with open(path, "wb") as fh:
            fh.write(payload)
        return
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:  # mkstemp makes the file private (0600); a new file gets the usual permissions
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
