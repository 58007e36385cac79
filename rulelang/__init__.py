"""rulelang: a rule language for the Odeen world, with an exact compiled checker.

Import what you need from the submodules (``rulelang.parser``, ``rulelang.checker``,
``rulelang.enumerate``, ...); this package itself imports nothing heavy, so that the
command line starts fast.
"""

from .errors import RulelangError

__all__ = ["RulelangError"]
