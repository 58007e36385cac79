"""Learned interpreters (PyTorch): the neural interpreter, Critical Rationalist Networks and
empiricist baselines. Not built yet; this is the only layer that may import torch."""
