"""Reproducible Odeen data sets: splits of the dialect's rules into training, validation and
test sets of novel phenomena, labelled training samples, tables, and evaluation samples.

>>> from rulelang.data import MakeOptions, make_dataset, DataSet
>>> make_dataset("data/odeen-v1", MakeOptions(seed=0))  # doctest: +SKIP
>>> ds = DataSet("data/odeen-v1")  # doctest: +SKIP
>>> ds.training("1438x1000").scenes.shape  # doctest: +SKIP
(1438, 1000)
"""

from .dataset import SPLITS, DataSet, Regime, Samples
from .make import DEFAULT_DIR, EVAL_SPLITS, MakeOptions, build, make_dataset, regimes
from .splits import SplitOptions, Splits, evaluable, make_splits
from .store import FORMAT, VERSION
from .tables import TABLE_KINDS, InformativeOptions

__all__ = [
    "DEFAULT_DIR",
    "DataSet",
    "EVAL_SPLITS",
    "FORMAT",
    "InformativeOptions",
    "MakeOptions",
    "Regime",
    "SPLITS",
    "Samples",
    "SplitOptions",
    "Splits",
    "TABLE_KINDS",
    "VERSION",
    "build",
    "evaluable",
    "make_dataset",
    "make_splits",
    "regimes",
]
