"""Pieces of the `torchlet` command: model/dataset registry (registry.py),
checkpoint helpers (checkpoint.py), evaluate/predict (evaluate.py)."""
