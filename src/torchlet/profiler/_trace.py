"""Chrome trace-event JSON (the format PyTorch's profiler writes): complete ("X")
events with microsecond `ts`/`dur`, process/thread metadata, written atomically."""

import json
import os
import socket

from .._atomic import atomic_open


def trace_dict(events, path=""):
    pid = getattr(events, "_pid", os.getpid())
    base_us = getattr(events, "_wall0_ns", 0) / 1000.0
    out = [
        {"ph": "M", "name": "process_name", "ts": base_us, "pid": pid, "tid": 0, "args": {"name": "python"}},
        {"ph": "M", "name": "process_labels", "ts": base_us, "pid": pid, "tid": 0, "args": {"labels": "CPU"}},
        {"ph": "M", "name": "process_sort_index", "ts": base_us, "pid": pid, "tid": 0, "args": {"sort_index": pid}},
    ]
    for tid in sorted({e.thread for e in events}):
        out.append(
            {
                "ph": "M",
                "name": "thread_name",
                "ts": base_us,
                "pid": pid,
                "tid": tid,
                "args": {"name": f"thread {tid} (python)"},
            }
        )
        out.append(
            {"ph": "M", "name": "thread_sort_index", "ts": base_us, "pid": pid, "tid": tid, "args": {"sort_index": tid}}
        )
    for e in events:
        args = {"External id": e.id, "Ev Idx": len(out)}
        if e.input_shapes:
            args["Input Dims"] = e.input_shapes
        out.append(
            {
                "ph": "X",
                "cat": "user_annotation" if getattr(e, "is_user_annotation", False) else "cpu_op",
                "name": getattr(e, "trace_name", e.name),
                "pid": pid,
                "tid": e.thread,
                "ts": base_us + e.start_us,
                "dur": e.cpu_time_total,
                "args": args,
            }
        )
    return {
        "schemaVersion": 1,
        "deviceProperties": [],
        "trace_id": os.urandom(16).hex().upper(),
        "host_name": socket.gethostname(),
        "displayTimeUnit": "ms",
        "baseTimeNanoseconds": int(getattr(events, "_wall0_ns", 0)),
        "traceEvents": out,
        "traceName": path,
    }


def write_chrome_trace(events, path):
    data = json.dumps(trace_dict(events, str(path)), indent=1).encode()
    if str(path).endswith(".gz"):
        import gzip

        data = gzip.compress(data)
    with atomic_open(path) as f:
        f.write(data)
