"""torchlet.utils"""
