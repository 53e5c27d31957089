"""Timer: time a Python statement as torch.utils.benchmark.Timer does (a warm-up,
then blocks of `number` runs sized so timer overhead is negligible)."""

import enum
import textwrap
import timeit as _timeit_mod

from . import common

__all__ = ["Timer", "Language", "timer"]

timer = _timeit_mod.default_timer


class Language(enum.Enum):
    PYTHON = 0
    CPP = 1


class Timer:
    """`Timer(stmt="x + y", setup="...", globals={"x": x, "y": y}, label=..., sub_label=...,
    description=..., num_threads=1)`; `torch` in the statement is torchlet."""

    def __init__(
        self,
        stmt="pass",
        setup="pass",
        global_setup="",
        timer=timer,
        globals=None,
        label=None,
        sub_label=None,
        description=None,
        env=None,
        num_threads=1,
        language=Language.PYTHON,
    ):
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")
        if language in (Language.CPP, "cpp", "c++"):
            raise ValueError(
                "C++ timing needs a C++ toolchain and PyTorch's C++ API; torchlet times Python statements only"
            )
        if language not in (Language.PYTHON, "py", "python"):
            raise ValueError(f"Invalid language `{language}`.")
        if global_setup:
            raise ValueError(
                f"global_setup is C++ only, got `{global_setup}`. Most likely this code can simply be moved to `setup`."
            )
        import torchlet

        self._globals = dict(globals or {})
        self._globals.setdefault("torch", torchlet)
        stmt, setup = (self._clean(s) for s in (stmt, setup))
        self._timer = _timeit_mod.Timer(stmt=stmt, setup=setup, timer=timer, globals=self._globals)
        self._task_spec = common.TaskSpec(
            stmt=stmt,
            setup=setup,
            global_setup=global_setup,
            label=label,
            sub_label=sub_label,
            description=description,
            env=env,
            num_threads=num_threads,
        )

    @staticmethod
    def _clean(src):
        src = textwrap.dedent(src)
        return (src[1:] if src and src[0] == "\n" else src).rstrip()

    def _timeit(self, number):
        return max(self._timer.timeit(number), 1e-9)

    def _measurement(self, number, times):
        return common.Measurement(number_per_run=number, raw_times=times, task_spec=self._task_spec)

    def timeit(self, number=1000000):
        """One block of `number` runs (after a warm-up of number // 100)."""
        with common.set_torch_threads(self._task_spec.num_threads):
            self._timeit(max(number // 100, 2))
            return self._measurement(number, [self._timeit(number)])

    def repeat(self, repeat=-1, number=-1):
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback=None):
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def _block_size(self, min_run_time):
        """Runs per block: grow by 10x until timer overhead is under 0.01% of a block."""
        with common.set_torch_threads(self._task_spec.num_threads):
            overheads = sorted(self._timeit(0) for _ in range(5))
            overhead, number = overheads[2], 1
            while True:
                took = self._timeit(number)
                if (overhead / took <= 1e-4 and took >= min_run_time / 1000) or took > min_run_time:
                    return number
                if number * 10 > 2147483647:
                    return number
                number *= 10

    def _loop(self, number, stop, min_run_time, max_run_time=None, callback=None):
        total, times, can_stop = 0.0, [], False
        with common.set_torch_threads(self._task_spec.num_threads):
            while total < min_run_time or not can_stop:
                spent = self._timeit(number)
                times.append(spent)
                total += spent
                if callback:
                    callback(number, spent)
                can_stop = stop(times)
                if max_run_time and total > max_run_time:
                    break
        return times

    def blocked_autorange(self, callback=None, min_run_time=0.2):
        """Blocks of a size found by warm-up until `min_run_time` seconds are spent."""
        number = self._block_size(min_run_time)
        return self._measurement(number, self._loop(number, lambda t: True, min_run_time, callback=callback))

    def adaptive_autorange(self, threshold=0.1, *, min_run_time=0.01, max_run_time=10.0, callback=None):
        """Blocks until IQR/median < `threshold` (with > 3 blocks and `min_run_time` spent) or
        `max_run_time` is reached."""
        number = self._block_size(0.05)

        def stop(times):
            return len(times) > 3 and self._measurement(number, times).meets_confidence(threshold)

        return self._measurement(number, self._loop(number, stop, min_run_time, max_run_time, callback))

    def collect_callgrind(self, *args, **kwargs):
        raise NotImplementedError("Callgrind counts need valgrind and PyTorch's C++ build; not in torchlet")
