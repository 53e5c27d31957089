"""The benchmark utilities, laid out as torch.utils.benchmark.utils (common, timer, compare)."""
