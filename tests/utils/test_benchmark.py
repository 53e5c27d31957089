"""torchlet.utils.benchmark against torch.utils.benchmark: Measurements built from the
same raw times print and compare identically; Timer runs follow the same block rules."""

import re

import pytest

import torchlet
import torchlet.utils.benchmark as lb


def _build(b, spread=0.01):
    ms = []
    for i, n in enumerate((10, 100)):
        for nt in (1, 2):
            for j, d in enumerate(("torch", "mul")):
                spec = b.TaskSpec(
                    stmt="x+1", setup="pass", label="add", sub_label=f"n={n}", description=d, num_threads=nt
                )
                base = 1e-6 * (1 + 3 * i + 0.3 * j + 0.1 * nt)
                ms.append(b.Measurement(100, [base * 100 * (1 + spread * k) for k in range(7)], spec))
    return ms


@pytest.mark.parametrize(
    "trim,colour,rowwise,highlight,spread",
    [
        (False, False, False, False, 0.01),
        (True, False, False, False, 0.001),
        (True, True, False, False, 0.01),
        (True, True, True, False, 0.01),
        (False, False, False, True, 0.2),
    ],
)
def test_compare_prints_as_torch(torch, trim, colour, rowwise, highlight, spread):
    import torch.utils.benchmark as tb

    outs = []
    for b in (tb, lb):
        c = b.Compare(_build(b, spread))
        if trim:
            c.trim_significant_figures()
        if colour:
            c.colorize(rowwise=rowwise)
        if highlight:
            c.highlight_warnings()
        outs.append(str(c))
    assert outs[1] == outs[0]


@pytest.mark.parametrize(
    "times,setup,label,stmt",
    [
        ([1e-4], "pass", None, "x + 1"),
        ([1e-4, 1.2e-4, 0.9e-4], "x=1", "L", "x + 1"),
        ([1e-4, 1.2e-4, 0.9e-4, 1.5e-4, 1.1e-4], "x=1\ny=2", "L", "a = 1\nb = a"),
        ([2e-3, 2.01e-3, 2.02e-3, 1.99e-3], "pass", "big", "x"),
        ([3.0, 3.5, 2.0, 9.0], "pass", None, "s"),
    ],
)
def test_measurement_repr_and_stats_match_torch(torch, times, setup, label, stmt):
    import torch.utils.benchmark as tb

    ms = [
        b.Measurement(10, times, b.TaskSpec(stmt, setup, label=label, sub_label="sub", description="d"))
        for b in (tb, lb)
    ]
    reprs = [repr(m) for m in ms]
    assert reprs[0].startswith("<torch.utils.benchmark.utils.common.Measurement object at 0x")
    assert reprs[1].startswith("<torchlet.utils.benchmark.utils.common.Measurement object at 0x")
    assert reprs[1].split("\n", 1)[1] == reprs[0].split("\n", 1)[1]
    for attr in (
        "median",
        "mean",
        "iqr",
        "times",
        "significant_figures",
        "has_warnings",
        "title",
        "as_row_name",
        "number_per_run",
        "num_threads",
        "description",
    ):
        assert getattr(ms[1], attr) == pytest.approx(getattr(ms[0], attr)), attr


def test_select_unit_and_trim_sigfig_match_torch(torch):
    import torch.utils.benchmark as tb

    for t in (3e-10, 2.5e-8, 4e-6, 7.5e-4, 0.2, 12.0):
        assert lb.select_unit(t) == tb.select_unit(t)
    for x, n in ((3.14159, 2), (123456.0, 3), (0.000123456, 2), (9.99, 1)):
        assert lb.trim_sigfig(x, n) == pytest.approx(tb.trim_sigfig(x, n))


def _shape(text):
    return [re.sub(r"\d+(\.\d+)?", "N", ln) for ln in text.split("\n")[1:]]


def test_timer_timeit_globals_and_setup(torch):
    import torch.utils.benchmark as tb

    x, tx = torchlet.ones(10), torch.ones(10)
    m = lb.Timer("x + 1", globals={"x": x}, label="add", sub_label="ones(10)", description="d1").timeit(50)
    tm = tb.Timer("x + 1", globals={"x": tx}, label="add", sub_label="ones(10)", description="d1").timeit(50)
    assert m.number_per_run == tm.number_per_run == 50 and len(m.raw_times) == len(tm.raw_times) == 1
    assert _shape(repr(m)) == _shape(repr(tm))
    # `torch` inside the statement is torchlet; setup runs once before timing
    prior = torchlet.get_num_threads()
    m = lb.Timer("y = torch.ones(3) * x", setup="x = 2", num_threads=2).timeit(5)
    tm = tb.Timer("y = torch.ones(3) * x", setup="x = 2", num_threads=2).timeit(5)
    assert _shape(repr(m)) == _shape(repr(tm))
    assert torchlet.get_num_threads() == prior  # num_threads holds only while timing
    assert m.times[0] == pytest.approx(m.raw_times[0] / 5)


def test_blocked_and_adaptive_autorange():
    calls = []
    t = lb.Timer("sum(range(50))")
    m = t.blocked_autorange(callback=lambda n, s: calls.append((n, s)), min_run_time=0.02)
    assert sum(m.raw_times) >= 0.02 and len(calls) == len(m.raw_times) and calls[0][0] == m.number_per_run
    assert m.number_per_run >= 10  # blocks grow until timer overhead is negligible
    m = t.adaptive_autorange(threshold=0.5, max_run_time=0.3)
    assert len(m.raw_times) >= 4 or sum(m.raw_times) > 0.3


def test_timer_errors_match_torch(torch):
    import torch.utils.benchmark as tb

    for call in (
        lambda b: b.Timer(stmt=lambda: 1),
        lambda b: b.Timer("x", global_setup="y = 1"),
        lambda b: b.Timer("x", language="fortran"),
        lambda b: b.Timer("pass").repeat(),
        lambda b: b.Timer("pass").autorange(),
    ):
        with pytest.raises(Exception) as e:
            call(tb)
        with pytest.raises(type(e.value)):
            call(lb)
    with pytest.raises(ValueError, match="Expected an instance of `Measurement`"):
        lb.Compare([1])
