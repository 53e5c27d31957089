"""What a benchmark measured (`Measurement`), what it measured it for (`TaskSpec`),
and the number formatting PyTorch's benchmark utilities share."""

import contextlib
import dataclasses
import math
import textwrap

import numpy as np

__all__ = [
    "TaskSpec",
    "Measurement",
    "select_unit",
    "unit_to_english",
    "trim_sigfig",
    "ordered_unique",
    "set_torch_threads",
]

_MAX_SIGNIFICANT_FIGURES = 4
_MIN_CONFIDENCE_INTERVAL = 25e-9  # 25 ns
_IQR_WARN_THRESHOLD = 0.1
_IQR_GROSS_WARN_THRESHOLD = 0.25


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """The statement, setup and labels of a Timer (everything but its globals)."""

    stmt: str
    setup: str
    global_setup: str = ""
    label: str = None
    sub_label: str = None
    description: str = None
    env: str = None
    num_threads: int = 1

    def __repr__(self):
        return object.__repr__(self)

    @property
    def title(self):
        sub = f": {self.sub_label}" if self.sub_label else ""
        if self.label is not None:
            return self.label + sub
        if "\n" not in self.stmt:
            return self.stmt + sub
        return f"stmt:{f' ({self.sub_label})' if self.sub_label else ''}\n{textwrap.indent(self.stmt, '  ')}"

    def setup_str(self):
        if self.setup in ("pass", ""):
            return ""
        if "\n" in self.setup:
            return f"setup:\n{textwrap.indent(self.setup, '  ')}"
        return f"setup: {self.setup}"

    def summarize(self):
        parts = [p for p in (self.title, self.description or "", self.setup_str()) if p]
        return "\n".join(p + "\n" if "\n" in p else p for p in parts)


_FIELDS = tuple(f.name for f in dataclasses.fields(TaskSpec))


class Measurement:
    """`raw_times` (seconds per block of `number_per_run` runs) with their statistics:
    median, mean, iqr (NumPy's linear quantiles, as torch.quantile), significant figures."""

    def __init__(self, number_per_run, raw_times, task_spec, metadata=None):
        self.number_per_run, self.raw_times, self.task_spec = number_per_run, list(raw_times), task_spec
        self.metadata = metadata
        self._sorted = ()

    def __getattr__(self, name):
        if name in _FIELDS:
            return getattr(self.task_spec, name)
        raise AttributeError(f"'Measurement' object has no attribute '{name}'")

    @property
    def times(self):
        return [t / self.number_per_run for t in self.raw_times]

    def _lazy_init(self):
        if self.raw_times and not self._sorted:
            self._sorted = tuple(sorted(self.times))
            a = np.array(self._sorted, dtype=np.float64)
            self._median, self._mean = float(np.quantile(a, 0.5)), float(a.mean())
            self._p25, self._p75 = float(np.quantile(a, 0.25)), float(np.quantile(a, 0.75))
            self._warnings = ()
            rel = (self._p75 - self._p25) / self._median * 100
            for limit, msg in (
                (_IQR_GROSS_WARN_THRESHOLD, "This suggests significant environmental influence."),
                (_IQR_WARN_THRESHOLD, "This could indicate system fluctuation."),
            ):
                if not self.meets_confidence(limit):
                    self._warnings = (
                        f"  WARNING: Interquartile range is {rel:.1f}% of the median measurement.\n           {msg}",
                    )
                    break

    median = property(lambda self: (self._lazy_init(), self._median)[1])
    mean = property(lambda self: (self._lazy_init(), self._mean)[1])
    iqr = property(lambda self: (self._lazy_init(), self._p75 - self._p25)[1])
    has_warnings = property(lambda self: (self._lazy_init(), bool(self._warnings))[1])
    title = property(lambda self: self.task_spec.title)
    env = property(lambda self: "Unspecified env" if self.task_spec.env is None else self.task_spec.env)
    as_row_name = property(lambda self: self.sub_label or self.stmt or "[Unknown]")

    @property
    def significant_figures(self):
        """Digits the interquartile spread supports (1 to 4), as PyTorch estimates them."""
        self._lazy_init()
        n = len(self._sorted)
        pts = np.array(self._sorted[n // 4 : math.ceil(3 * n / 4)])
        ci = max(1.645 * float(pts.std()) / math.sqrt(len(pts)), _MIN_CONFIDENCE_INTERVAL)
        return min(max(int(math.floor(math.log10(self._median / ci))), 1), _MAX_SIGNIFICANT_FIGURES)

    def meets_confidence(self, threshold=_IQR_WARN_THRESHOLD):
        return self.iqr / self.median < threshold

    def __repr__(self):
        self._lazy_init()
        n = len(self._sorted)
        unit, scale = select_unit(self._median)
        lines = [
            object.__repr__(self),
            self.task_spec.summarize(),
            f"  {'Median: ' if n > 1 else ''}{self._median / scale:.2f} {unit}",
        ]
        if n >= 4:
            lines.append(
                f"  IQR:    {self.iqr / scale:.2f} {unit} ({self._p25 / scale:.2f} to {self._p75 / scale:.2f})"
            )
        lines.append(
            f"  {n} measurement{'s' if n > 1 else ''}, {self.number_per_run} runs "
            f"{'per measurement,' if n > 1 else ','} {self.num_threads} "
            f"thread{'s' if self.num_threads > 1 else ''}"
        )
        lines += list(self._warnings)
        return "\n".join("\n".join(lines).strip().splitlines())

    @staticmethod
    def merge(measurements):
        """Replicates of one task merged into one Measurement of per-run times."""
        groups = {}
        for m in measurements:
            groups.setdefault(m.task_spec, []).extend(m.times)
        return [Measurement(1, times, spec) for spec, times in groups.items()]


def select_unit(t):
    unit = {-3: "ns", -2: "us", -1: "ms"}.get(int(math.log10(t) // 3), "s")
    return unit, {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}[unit]


def unit_to_english(u):
    return {"ns": "nanosecond", "us": "microsecond", "ms": "millisecond", "s": "second"}[u]


def trim_sigfig(x, n):
    """`x` rounded to `n` significant figures (3.14159, 2 -> 3.1)."""
    if n != int(n):
        raise AssertionError("Number of significant figures must be an integer")
    scale = 10 ** (int(math.ceil(math.log10(abs(x)))) - n)
    return float(np.round(x / scale) * scale)


def ordered_unique(elements):
    return list(dict.fromkeys(elements))


@contextlib.contextmanager
def set_torch_threads(n):
    import torchlet

    prior = torchlet.get_num_threads()
    try:
        torchlet.set_num_threads(n)
        yield
    finally:
        torchlet.set_num_threads(prior)
