"""torchlet.nn.utils (being written)."""
