"""Profiled events, their per-name averages, and the summary table PyTorch prints.

A `FunctionEvent` is one timed range (an op call or a `record_function` block)
with its children; `EventList.key_averages()` folds events of the same name (and,
on request, the same input shapes) into `FunctionEventAvg` rows; `EventList.table()`
lays those rows out in the columns of `torch.autograd.profiler_util`'s table:
Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg, [CPU Mem,
Self CPU Mem], # of Calls, [Input Shapes], [Source Location]. Times are in
microseconds, memory in bytes.
"""

__all__ = ["FunctionEvent", "FunctionEventAvg", "EventList"]


def _format_time(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _format_memory(nbytes):
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


def _share(part, total):
    if total == 0:
        return "NaN"
    return f"{part * 100.0 / total:.2f}%"


class FunctionEvent:
    """One recorded range: `name`, start/end in us since the profiler started,
    `input_shapes`, the bytes its results hold (`cpu_memory_usage`), children."""

    def __init__(self, id, name, thread, start_us, end_us=None, input_shapes=None, stack=None):
        self.id, self.name, self.thread = id, name, thread
        self.start_us, self.end_us = start_us, end_us
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.stack = stack if stack is not None else []
        self.cpu_children, self.cpu_parent = [], None
        self.cpu_memory_usage = 0  # bytes allocated inside this range, children included
        self.count, self.is_async, self.node_id = 1, False, -1
        self.overload_name = ""

    key = property(lambda self: self.name)

    @property
    def cpu_time_total(self):
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def self_cpu_memory_usage(self):
        return self.cpu_memory_usage - sum(c.cpu_memory_usage for c in self.cpu_children)

    cpu_time = cpu_time_total
    self_cuda_time_total = self_device_time_total = cuda_time_total = device_time_total = 0

    def __repr__(self):
        return (
            f"<FunctionEvent id={self.id} name={self.name} device_type=DeviceType.CPU node_id=-1 "
            f"cpu_time={_format_time(self.cpu_time_total)} start_us={self.start_us:.3f} "
            f"end_us={self.end_us:.3f} cpu_children={[c.id for c in self.cpu_children]} "
            f"thread={self.thread} input_shapes={self.input_shapes} "
            f"cpu_memory_usage={self.cpu_memory_usage}>"
        )


class FunctionEventAvg:
    """Totals over the events sharing a key (name, and input shapes when grouped)."""

    def __init__(self):
        self.key, self.count, self.node_id, self.is_async = None, 0, -1, False
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.input_shapes, self.stack, self.overload_name, self.cpu_parent = None, None, "", None
        self.self_cuda_time_total = self.self_device_time_total = self.cuda_time_total = 0
        self.device_time_total = 0

    def add(self, evt):
        if self.key is None:
            self.key = evt.key
            self.input_shapes = evt.input_shapes
            self.stack = evt.stack
        self.count += evt.count
        self.cpu_time_total += evt.cpu_time_total
        self.self_cpu_time_total += evt.self_cpu_time_total
        self.cpu_memory_usage += evt.cpu_memory_usage
        self.self_cpu_memory_usage += evt.self_cpu_memory_usage
        return self

    @property
    def cpu_time(self):
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    def __repr__(self):
        return (
            f"<FunctionEventAvg key={self.key} self_cpu_time={_format_time(self.self_cpu_time_total)} "
            f"cpu_time={_format_time(self.cpu_time_total)}  self_cuda_time=0.000us cuda_time=0.000us "
            f"input_shapes={self.input_shapes or ''} cpu_memory_usage={self.cpu_memory_usage} "
            f"cuda_memory_usage=0>"
        )


class EventList(list):
    """A list of events with PyTorch's summaries."""

    def __init__(self, *args, profile_memory=False, **kwargs):
        super().__init__(*args)
        self._profile_memory = profile_memory

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        groups = {}
        for evt in self:
            key = evt.key
            if group_by_input_shape:
                key = (key, str(evt.input_shapes))
            if group_by_stack_n > 0:
                key = (key, tuple(evt.stack[:group_by_stack_n]))
            groups.setdefault(key, FunctionEventAvg()).add(evt)
        out = EventList(groups.values(), profile_memory=self._profile_memory)
        for avg in out:
            if not group_by_input_shape:
                avg.input_shapes = None
            if group_by_stack_n == 0:
                avg.stack = None
        return out

    def total_average(self):
        total = FunctionEventAvg()
        for evt in self:
            total.add(evt)
        total.key = "Total"
        return total

    def table(
        self,
        sort_by=None,
        row_limit=100,
        max_src_column_width=75,
        max_name_column_width=55,
        max_shapes_column_width=80,
        header=None,
        top_level_events_only=False,
        time_unit=None,
    ):
        return _build_table(
            self,
            sort_by,
            row_limit,
            max_src_column_width,
            max_name_column_width,
            max_shapes_column_width,
            header,
            top_level_events_only,
            time_unit,
            self._profile_memory,
        )

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path):
        from ._trace import write_chrome_trace

        write_chrome_trace(self, path)


def _time_str(us, unit):
    if unit == "s":
        return f"{us / 1e6:.3f}s"
    if unit == "ms":
        return f"{us / 1e3:.3f}ms"
    if unit == "us":
        return f"{us:.3f}us"
    return _format_time(us)


def _build_table(
    events, sort_by, row_limit, max_src, max_name, max_shapes, header, top_only, time_unit, profile_memory
):
    if len(events) == 0:
        return ""
    if sort_by is not None:
        attr = sort_by.replace("cuda", "device").replace("xpu", "device")
        events = sorted(events, key=lambda e: getattr(e, attr), reverse=True)
    shapes = any(e.input_shapes for e in events)
    stacks = [e.stack for e in events if e.stack]
    name_w = min(max(len(e.key) for e in events) + 4, max_name)
    cols = [("Name", name_w, ">")]
    names = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        names += ["CPU Mem", "Self CPU Mem"]
    cols += [(n, 12, ">") for n in names + ["# of Calls"]]
    if shapes:
        cols.append(("Input Shapes", min(max(len(str(e.input_shapes)) for e in events) + 4, max_shapes), ">"))
    if stacks:
        cols.append(("Source Location", min(max(len(s) for st in stacks for s in st) + 4, max_src), "<"))
    fmt = "".join("{: " + align + str(w) + "}  " for _, w, align in cols)
    sep = "".join("-" * w + "  " for _, w, _ in cols)
    width = sum(w + 2 for _, w, _ in cols) - 2
    total = sum(e.self_cpu_time_total for e in events)
    lines = []
    if header is not None:
        lines += ["=" * width, header]
    if top_only:
        lines += ["=" * width, "This report only display top-level ops statistics"]
    lines += [sep, fmt.format(*(c[0] for c in cols)), sep]
    shown = 0
    for e in events:
        if shown == row_limit:
            break
        if top_only and e.cpu_parent is not None:
            continue
        shown += 1
        name = e.key if len(e.key) < max_name - 3 else e.key[: max_name - 3] + "..."
        row = [
            name,
            _share(e.self_cpu_time_total, total),
            _time_str(e.self_cpu_time_total, time_unit),
            _share(e.cpu_time_total, total),
            _time_str(e.cpu_time_total, time_unit),
            _time_str(e.cpu_time, time_unit),
        ]
        if profile_memory:
            row += [_format_memory(e.cpu_memory_usage), _format_memory(e.self_cpu_memory_usage)]
        row.append(e.count)
        if shapes:
            row.append(str(e.input_shapes)[: cols[-1 - bool(stacks)][1]])
        if stacks:
            row.append(e.stack[0][-cols[-1][1] :] if e.stack else "")
        lines.append(fmt.format(*row))
    lines += [sep, f"Self CPU time total: {_time_str(total, time_unit)}"]
    return "\n".join(lines) + "\n"
