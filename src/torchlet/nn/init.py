"""torchlet.nn.init: parameter initialisation (being written)."""
