"""Compare: many Measurements as one table per label, rows by (threads, env, sub_label),
columns by description, laid out and coloured as torch.utils.benchmark.Compare."""

import enum
import itertools
import math

from . import common

__all__ = ["Compare", "Colorize"]

BEST, GOOD, BAD, VERY_BAD = "\033[92m", "\033[34m", "\033[2m\033[91m", "\033[31m"
BOLD, TERMINATE = "\033[1m", "\033[0m"


class Colorize(enum.Enum):
    NONE = "none"
    COLUMNWISE = "columnwise"
    ROWWISE = "rowwise"


def _colour(segment, value, best):
    if value <= best * 1.01 or value <= best + 100e-9:
        return BEST + BOLD + segment + TERMINATE * 2
    if value <= best * 1.1:
        return GOOD + BOLD + segment + TERMINATE * 2
    if value >= best * 5:
        return VERY_BAD + BOLD + segment + TERMINATE * 2
    if value >= best * 2:
        return BAD + segment + TERMINATE * 2
    return segment


class _Column:
    """The number format of one description's column: enough integer digits for its
    largest value, decimals from the significant figures (1 unless trimming)."""

    def __init__(self, groups, scale, trim, highlight):
        flat = [m for m in itertools.chain.from_iterable(groups) if m is not None]
        self.groups, self.trim = groups, trim
        self.highlight = highlight and any(m.has_warnings for m in flat)
        lead = [int(math.ceil(math.log10(m.median / scale))) for m in flat]
        decimals = min(max(m.significant_figures - d, 0) for d, m in zip(lead, flat)) if trim else 1
        length = max(lead) + decimals + (1 if decimals else 0)
        self.template = f"{{:>{length}.{decimals}f}}{{:>{7 if self.highlight else 0}}}"

    def fmt(self, value, sigfigs, spread):
        if value is None:
            return " " * len(self.fmt(1, sigfigs, None))
        if self.trim:
            value = common.trim_sigfig(value, sigfigs)
        return self.template.format(value, f" (! {spread * 100:.0f}%)" if self.highlight and spread is not None else "")


def _render(results, colorize, trim, highlight):
    label = results[0].label
    unit, scale = common.select_unit(min(r.median for r in results))
    row_keys = common.ordered_unique((r.num_threads, r.env, r.as_row_name) for r in results)
    row_keys.sort(key=lambda k: k[:2])
    col_keys = common.ordered_unique(r.description for r in results)
    table = [[None] * len(col_keys) for _ in row_keys]
    for r in results:
        table[row_keys.index((r.num_threads, r.env, r.as_row_name))][col_keys.index(r.description)] = r
    envs = {r.env for r in results}
    render_env = len(envs) > 1
    env_len = max(len(e) for e in envs) if render_env else 0
    groups, group_of, starts, prev_threads = [], [], [], None
    for (threads, _, _), row in zip(row_keys, table):
        starts.append(threads != prev_threads)
        if threads != prev_threads:
            groups.append([])
            prev_threads = threads
        groups[-1].append(row)
        group_of.append(len(groups) - 1)
    columns = [
        _Column([tuple(row[i] for row in g) for g in groups], scale, trim, highlight) for i in range(len(col_keys))
    ]
    strings, prev_env = [[""] + [str(c) if c is not None else "None" for c in col_keys]], None
    for i, ((threads, env, _), row) in enumerate(zip(row_keys, table)):
        if starts[i]:
            prev_env = ""
        concrete = [r for r in row if r is not None]
        env_s = f"({concrete[0].env})" if render_env and env != prev_env else ""
        prev_env = env
        cells = ["  " + env_s.ljust(env_len + 4) + concrete[0].as_row_name]
        for m, col in zip(row, columns):
            cells.append(
                col.fmt(None, 1, None)
                if m is None
                else col.fmt(m.median / scale, m.significant_figures, m.iqr / m.median if m.has_warnings else None)
            )
        strings.append(cells)
    ncols = max(len(s) for s in strings)
    for s in strings:
        s.extend([""] * (ncols - len(s)))
    widths = [max(len(c) for c in col) for col in zip(*strings)]
    out = ["  |  ".join(c.center(w) for c, w in zip(strings[0], widths))]
    width = len(out[0])
    for i, (cells, row) in enumerate(zip(strings[1:], table)):
        if starts[i]:
            out.append(f"{row_keys[i][0]} threads: ".ljust(width, "-"))
        if colorize is Colorize.ROWWISE:
            best = [min(r.median for r in row if r is not None)] * len(row)
        elif colorize is Colorize.COLUMNWISE:
            best = [min((r.median for r in col.groups[group_of[i]] if r is not None), default=None) for col in columns]
        else:
            best = [None] * len(row)
        line = [cells[0].ljust(widths[0])]
        for c, w, m, b in zip(cells[1:], widths[1:], row, best):
            c = c.center(w)
            if colorize is not Colorize.NONE and m is not None and b is not None:
                c = _colour(c, m.median, b)
            line.append(c)
        out.append("  |  ".join(line))
    warn = highlight and any(r.has_warnings for r in results)
    head = f"[{(' ' + (label or '') + ' ').center(width - 2, '-')}]"
    tail = "(! XX%) Measurement has high variance, where XX is the IQR / median * 100.\n" if warn else ""
    return f"{head}\n" + "\n".join(out) + f"\n\nTimes are in {common.unit_to_english(unit)}s ({unit}).\n{tail}"


class Compare:
    """`Compare(measurements).print()`: one table per label."""

    def __init__(self, results):
        self._results = []
        self.extend_results(results)
        self._trim_significant_figures, self._colorize, self._highlight_warnings = False, Colorize.NONE, False

    def extend_results(self, results):
        for r in results:
            if not isinstance(r, common.Measurement):
                raise ValueError(f"Expected an instance of `Measurement`, got {type(r)} instead.")
        self._results.extend(results)

    def trim_significant_figures(self):
        self._trim_significant_figures = True

    def colorize(self, rowwise=False):
        self._colorize = Colorize.ROWWISE if rowwise else Colorize.COLUMNWISE

    def highlight_warnings(self):
        self._highlight_warnings = True

    def print(self):
        print(str(self))

    def __str__(self):
        by_label = {}
        for r in common.Measurement.merge(self._results):
            by_label.setdefault(r.label, []).append(r)
        return "\n".join(
            _render(g, self._colorize, self._trim_significant_figures, self._highlight_warnings)
            for g in by_label.values()
        )
