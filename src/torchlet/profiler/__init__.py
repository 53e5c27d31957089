"""torchlet.profiler: torch.profiler on the CPU.

`profile` records every torchlet op call (as `aten::<op>`) and every
`record_function` range while it is active; `key_averages().table()` prints
PyTorch's summary table, `export_chrome_trace` / `tensorboard_trace_handler` write
Chrome trace-event JSON that Perfetto, chrome://tracing and TensorBoard's profiler
plugin open. `schedule` drives the wait / warmup / active cycles over `step()`
calls as PyTorch does. How ops are seen: `_hook` (one hook point, zero cost when
no profiler runs). Only CPU activity exists here; other activities are accepted
and record nothing.
"""

import enum
import functools
import os
import warnings

from . import _hook
from ._recorder import Recorder, current, _current
from ._events import EventList, FunctionEvent, FunctionEventAvg

__all__ = [
    "profile",
    "record_function",
    "schedule",
    "ProfilerAction",
    "ProfilerActivity",
    "tensorboard_trace_handler",
    "supported_activities",
    "ExecutionTraceObserver",
]


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    CUDA = 2
    HPU = 3
    MTIA = 4
    PrivateUse1 = 5


def supported_activities():
    return {ProfilerActivity.CPU}


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


class record_function:
    """A named range in the profile: `with record_function("forward"): ...` or
    `@record_function("step")`. With no profiler recording it does nothing."""

    def __init__(self, name, args=None):
        self.name, self.args = name, args
        self._rec = self._ev = None

    def __enter__(self):
        rec = current()
        if rec is not None:
            self._rec, self._ev = rec, rec.begin(self.name, (), user=True)
        return self

    def __exit__(self, *exc):
        if self._ev is not None:
            self._rec.end(self._ev)
            self._rec = self._ev = None
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*a, **kw):
            with record_function(self.name, self.args):
                return fn(*a, **kw)

        return wrapped


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """The action for each step: skip `skip_first` steps, then cycles of `wait`
    idle, `warmup` and `active` recorded steps (the last one saves), `repeat`
    times (0: until profiling ends)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
            f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
            f"skip_first={skip_first} (need >= 0)."
        )
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait
        cycle = wait + warmup + active
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return schedule_fn


def _always_record(step):
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False, use_python_export=False):
    """An `on_trace_ready` that writes `<worker>.<ns>.pt.trace.json[.gz]` into
    `dir_name`, the layout TensorBoard's profiler plugin reads."""
    import socket
    import time

    def handler_fn(prof):
        nonlocal worker_name
        try:
            os.makedirs(dir_name, exist_ok=True)
        except Exception as e:
            raise RuntimeError("Can't create directory: " + dir_name) from e
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        name = f"{worker_name}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, name))

    return handler_fn


class _KinetoProfile:
    """Recording windows and their results, without the step schedule."""

    def __init__(
        self,
        *,
        activities=None,
        record_shapes=False,
        profile_memory=False,
        with_stack=False,
        with_flops=False,
        with_modules=False,
        experimental_config=None,
        execution_trace_observer=None,
        acc_events=False,
        custom_trace_id_callback=None,
    ):
        self.activities = set(activities) if activities else supported_activities()
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.with_flops, self.with_modules = with_flops, with_modules
        self._recorder, self._events = None, None

    def prepare_trace(self):
        pass

    def start_trace(self):
        if ProfilerActivity.CPU not in self.activities:
            return
        if current() is not None:
            raise RuntimeError("Profiler is already enabled on this thread")
        self._recorder = Recorder(self.record_shapes, self.profile_memory, self.with_stack)
        _current[0] = self._recorder
        _hook.install(self._recorder)  # the op hook (see _hook's docstring)

    def stop_trace(self):
        rec, self._recorder = self._recorder, None
        if rec is None:
            self._events = EventList(profile_memory=self.profile_memory)
            return
        _hook.uninstall()
        _current[0] = None
        self._events = rec.close()
        self._events._wall0_ns, self._events._pid = rec.wall0_ns, rec.pid

    def events(self):
        if self._events is None:
            raise AssertionError("Expected profiling results")
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self.events().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path):
        from ._trace import write_chrome_trace

        write_chrome_trace(self.events(), path)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        with open(path, "w") as f:
            for e in self.events():
                if e.stack:
                    f.write(";".join(reversed(e.stack)) + f";{e.name} {int(getattr(e, metric))}\n")


class profile(_KinetoProfile):
    """`with profile(activities=[ProfilerActivity.CPU], schedule=..., on_trace_ready=...) as p:`
    records op calls; `p.step()` marks the end of a training step."""

    def __init__(
        self,
        *,
        activities=None,
        schedule=None,
        on_trace_ready=None,
        record_shapes=False,
        profile_memory=False,
        with_stack=False,
        with_flops=False,
        with_modules=False,
        experimental_config=None,
        execution_trace_observer=None,
        acc_events=False,
        use_cuda=None,
        custom_trace_id_callback=None,
    ):
        super().__init__(
            activities=activities,
            record_shapes=record_shapes,
            profile_memory=profile_memory,
            with_stack=with_stack,
            with_flops=with_flops,
            with_modules=with_modules,
        )
        self.schedule = schedule if schedule is not None else _always_record
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self.step_rec_fn = None
        A = ProfilerAction
        ready = self._trace_ready
        self._actions = {
            (A.NONE, A.WARMUP): [self.prepare_trace],
            (A.NONE, A.RECORD): [self.prepare_trace, self.start_trace],
            (A.NONE, A.RECORD_AND_SAVE): [self.prepare_trace, self.start_trace],
            (A.WARMUP, A.NONE): [
                functools.partial(warnings.warn, "Incorrect schedule: WARMUP followed by NONE"),
                self.start_trace,
                self.stop_trace,
            ],
            (A.WARMUP, A.RECORD): [self.start_trace],
            (A.WARMUP, A.RECORD_AND_SAVE): [self.start_trace],
            (A.RECORD, A.NONE): [
                functools.partial(warnings.warn, "Incorrect schedule: RECORD followed by NONE"),
                self.stop_trace,
            ],
            (A.RECORD, A.WARMUP): [
                functools.partial(warnings.warn, "Incorrect schedule: RECORD followed by WARMUP"),
                self.stop_trace,
            ],
            (A.RECORD_AND_SAVE, A.NONE): [self.stop_trace, ready],
            (A.RECORD_AND_SAVE, A.WARMUP): [self.stop_trace, ready, self.prepare_trace],
            (A.RECORD_AND_SAVE, A.RECORD): [self.stop_trace, ready, self.prepare_trace, self.start_trace],
            (A.RECORD_AND_SAVE, A.RECORD_AND_SAVE): [self.stop_trace, ready, self.prepare_trace, self.start_trace],
            (A.WARMUP, None): [self.start_trace, self.stop_trace],
            (A.RECORD, None): [self.stop_trace, ready],
            (A.RECORD_AND_SAVE, None): [self.stop_trace, ready],
        }

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        self._transit(ProfilerAction.NONE, self.current_action)
        self._open_step()

    def stop(self):
        self._close_step()
        self._transit(self.current_action, None)

    def step(self):
        """The next step starts: advance the schedule, opening/closing/saving windows."""
        self._close_step()
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit(prev, self.current_action)
        self._open_step()

    def _open_step(self):
        if self.record_steps:
            self.step_rec_fn = record_function("ProfilerStep#" + str(self.step_num))
            self.step_rec_fn.__enter__()

    def _close_step(self):
        if self.step_rec_fn is not None:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None

    def _transit(self, prev, cur):
        for fn in self._actions.get((prev, cur), []):
            fn()

    def _trace_ready(self):
        if self.on_trace_ready:
            self.on_trace_ready(self)


class ExecutionTraceObserver:
    """Accepted for the `execution_trace_observer=` argument; records nothing here."""

    def register_callback(self, output_file_path):
        self.output_file_path = output_file_path
        return self

    def unregister_callback(self):
        pass
