"""The event recorder: one per recording window, fed by op wrappers (`_hook`) and
`record_function`. Each thread keeps a stack of open ranges; a closed range becomes
a child of the range below it. Times are microseconds since the window opened."""

import os
import sys
import threading
import time

from ._events import FunctionEvent, EventList

_current = [None]  # the recorder of the running window, or None


def current():
    return _current[0]


def _shape_of(a):
    shape = getattr(a, "shape", None)
    if shape is not None and hasattr(a, "_data"):
        return list(shape)
    if isinstance(a, (list, tuple)) and a and all(hasattr(x, "_data") for x in a):
        return [list(x.shape) for x in a]
    return []


def _nbytes(out, seen):
    """Bytes of the tensors in `out` that own new memory (not views), once each."""
    if hasattr(out, "_data") and hasattr(out, "_base"):
        if out._base is None and id(out) not in seen:
            seen.add(id(out))
            return out._data.nbytes
        return 0
    if isinstance(out, (tuple, list)):
        return sum(_nbytes(o, seen) for o in out)
    return 0


def _user_stack():
    frames, f = [], sys._getframe(2)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(here):
            frames.append(f"{fn}({f.f_lineno}): {f.f_code.co_name}")
        f = f.f_back
    return frames


class Recorder:
    def __init__(self, record_shapes=False, profile_memory=False, with_stack=False):
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.events, self._stacks, self._next_id = [], {}, 0
        self.active = True
        self.pid = os.getpid()
        self.t0_ns = time.perf_counter_ns()
        self.wall0_ns = time.time_ns()

    def _now(self):
        return (time.perf_counter_ns() - self.t0_ns) / 1000.0

    def begin(self, name, args=(), kwargs=None, fn=None, user=False):
        tid = threading.get_ident()
        stack = self._stacks.get(tid)
        if stack is None:
            stack = self._stacks[tid] = []
        if not user and stack and stack[-1].name == name:
            return None  # the same op reached through another of its forms
        shapes = [_shape_of(a) for a in args] if self.record_shapes else None
        ev = FunctionEvent(
            self._next_id, name, tid, 0.0, input_shapes=shapes, stack=_user_stack() if self.with_stack else None
        )
        ev.is_user_annotation = user
        ev._seen = set()
        self._next_id += 1
        stack.append(ev)
        ev.start_us = self._now()
        return ev

    def end(self, ev, out=None):
        ev.end_us = self._now()
        stack = self._stacks[ev.thread]
        while stack and stack[-1] is not ev:  # a range left open by an exception
            self.end(stack[-1])
        stack.pop()
        if self.profile_memory:
            ev.cpu_memory_usage += _nbytes(out, ev._seen)
        del ev._seen
        if stack:
            parent = stack[-1]
            ev.cpu_parent = parent
            parent.cpu_children.append(ev)
            parent.cpu_memory_usage += ev.cpu_memory_usage
            if self.profile_memory:
                _nbytes(out, parent._seen)  # the parent does not count it again
        self.events.append(ev)

    def close(self):
        """End every open range and return the window's events in start order."""
        self.active = False
        for stack in self._stacks.values():
            while stack:
                self.end(stack[-1])
        for ev in self.events:  # steps are one key in PyTorch's summaries; the trace keeps "#N"
            if ev.name.startswith("ProfilerStep#"):
                ev.trace_name, ev.name = ev.name, "ProfilerStep*"
        return EventList(sorted(self.events, key=lambda e: (e.start_us, -e.end_us)), profile_memory=self.profile_memory)
