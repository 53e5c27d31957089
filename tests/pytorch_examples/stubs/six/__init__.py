"""Offline stand-in for the `six` package: only `six.moves.urllib` (super_resolution)."""
