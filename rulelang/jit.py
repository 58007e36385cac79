"""Numba settings, in one place.

Kernels are cached on disk (``cache=True``) so that a new process, and a new rule, never
recompiles them; ``NUMBA_CACHE_DIR`` moves the cache when the package directory is not
writable. ``NUMBA_DISABLE_JIT=1`` runs every kernel as plain Python (the tests use it as a
third backend).
"""

from __future__ import annotations

import numba

#: A serial kernel: cached, releases the GIL.
kernel = numba.njit(cache=True, nogil=True)

#: A kernel whose outer ``prange`` loop runs on all cores.
parallel_kernel = numba.njit(cache=True, nogil=True, parallel=True)

prange = numba.prange


def n_threads() -> int:
    """How many threads the parallel kernels use (``NUMBA_NUM_THREADS``, default: all cores).

    Passed to the kernels as an argument: calling ``numba.get_num_threads`` inside a kernel
    would make it uncacheable.
    """
    return numba.get_num_threads()
