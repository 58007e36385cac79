"""Learning to interpret (PyTorch; the only layer that imports torch).

* :mod:`interp.vocab` — words as ids; the dialect as a token trie (grammar-constrained decoding).
* :mod:`interp.nets` — the interpreter (attention or slots), the conjecture generator, EMP-L.
* :mod:`interp.decode` — batched, constrained, de-duplicating beam search.
* :mod:`interp.train` — training in one regime: reproducible, validated, resumable.
* :mod:`interp.synthetic` — interpreter-labelled tables of every dialect rule, for the generator.
* :mod:`interp.checkpoint` — versioned model files, written atomically, read safely.
* :mod:`interp.model` — trained models ready to use; the shipped defaults in ``interp/models/``.
* :mod:`interp.solvers` — ``crn``, ``isearch``, ``emp-r``, ``emp-l`` for the benchmark harness.
* :mod:`interp.zendo` — the CRN as a Zendo student.
"""
