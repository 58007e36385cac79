"""Learning to interpret (PyTorch; the only layer that imports torch).

* :mod:`rulelang.interp.vocab` — words as ids; the dialect as a token trie (grammar-constrained decoding).
* :mod:`rulelang.interp.nets` — the interpreter (attention or slots), the conjecture generator, EMP-L.
* :mod:`rulelang.interp.decode` — batched, constrained, de-duplicating beam search.
* :mod:`rulelang.interp.train` — training in one regime: reproducible, validated, resumable.
* :mod:`rulelang.interp.synthetic` — interpreter-labelled tables of every dialect rule, for the generator.
* :mod:`rulelang.interp.checkpoint` — versioned model files, written atomically, read safely.
* :mod:`rulelang.interp.model` — trained models ready to use; the shipped defaults in ``interp/models/``.
* :mod:`rulelang.interp.solvers` — ``crn``, ``isearch``, ``emp-r``, ``emp-l`` for the benchmark harness.
* :mod:`rulelang.interp.zendo` — the CRN as a Zendo student.

Torch is an optional extra (``pip install 'rulelang[neural]'``): without it, importing this
package raises :class:`rulelang.errors.ExtraMissing`, which the command line reports in one
line with the command that installs it.
"""

try:
    import torch  # noqa: F401  (the only layer that imports it)
except ModuleNotFoundError as err:
    if err.name != "torch":
        raise
    from rulelang.errors import ExtraMissing

    raise ExtraMissing("the neural learners", "PyTorch", "neural") from None
