"""torchlet.profiler against torch.profiler: the same program profiled by both gives
tables with the same columns and widths rule, the same recorded ops, input shapes and
memory for them, the same schedule actions and trace-ready calls, and a Chrome trace
with the structure PyTorch writes."""

import glob
import json
import re
import warnings

import pytest

import torchlet


def _program(m, prof_kwargs, group=False, sort_by="cpu_time_total"):
    m.manual_seed(0)
    x, w = m.randn(4, 5), m.randn(5, 3)
    with m.profiler.profile(activities=[m.profiler.ProfilerActivity.CPU], **prof_kwargs) as prof:
        with m.profiler.record_function("model_inference"):
            y = m.mm(x, w).relu()
            (y + 1).sum()
    return prof, prof.key_averages(group_by_input_shape=group).table(sort_by=sort_by, row_limit=10)


def _layout(table):
    lines = table.rstrip("\n").split("\n")
    sep = lines[0]
    widths = [len(c) for c in sep.split("  ") if c]
    headers = [h for h in re.split(r"\s{2,}", lines[1].strip())]
    rows = {re.split(r"\s{2,}", ln.strip())[0]: re.split(r"\s{2,}", ln.strip()) for ln in lines[3:-2]}
    return sep, widths, headers, rows, lines


@pytest.mark.parametrize(
    "kwargs,group",
    [
        ({}, False),
        ({"record_shapes": True}, True),
        ({"profile_memory": True, "record_shapes": True}, False),
        ({"profile_memory": True, "record_shapes": True}, True),
    ],
)
def test_table_layout_matches_torch(torch, kwargs, group):
    tprof, ttable = _program(torch, kwargs, group)
    prof, table = _program(torchlet, kwargs, group)
    tsep, twidths, theaders, trows, tlines = _layout(ttable)
    sep, widths, headers, rows, lines = _layout(table)
    assert headers == theaders
    # every column but the name (and input shapes) is 12 wide; the name column is the longest name + 4
    assert widths[1 : len(widths) - group] == twidths[1 : len(twidths) - group]
    names = {e.key for e in prof.key_averages()}
    assert widths[0] == max(len(n) for n in names) + 4
    assert lines[2] == sep and lines[-2] == sep and tlines[-2] == tsep
    assert re.fullmatch(r"Self CPU time total: \d+\.\d{3}(us|ms|s)", lines[-1])
    assert re.fullmatch(r"Self CPU time total: \d+\.\d{3}(us|ms|s)", tlines[-1])
    for name in ("model_inference", "aten::mm", "aten::relu", "aten::add", "aten::sum"):
        assert name in rows and name in trows
        assert len(rows[name]) == len(trows[name])
        assert rows[name][-1 - group] == trows[name][-1 - group]  # # of Calls
        for cell, tcell in zip(rows[name][1 : len(rows[name]) - group], trows[name][1:]):
            assert re.sub(r"[\d.]+", "N", cell) in (re.sub(r"[\d.]+", "N", tcell), "N%", "Nus", "Nms", "N B")
    assert rows["model_inference"][3] == trows["model_inference"][3] == "100.00%"
    if group:
        assert rows["aten::mm"][-1] == trows["aten::mm"][-1] == "[[4, 5], [5, 3]]"
    if kwargs.get("profile_memory"):
        assert rows["aten::mm"][6:8] == trows["aten::mm"][6:8] == ["48 B", "48 B"]


def test_events_nest_and_self_time():
    prof, _ = _program(torchlet, {})
    evs = prof.events()
    top = [e for e in evs if e.cpu_parent is None]
    assert [e.name for e in top] == ["model_inference"]
    kids = [c.name for c in top[0].cpu_children]
    assert kids[:2] == ["aten::mm", "aten::relu"] and "aten::add" in kids and "aten::sum" in kids
    t = top[0]
    assert t.self_cpu_time_total == pytest.approx(t.cpu_time_total - sum(c.cpu_time_total for c in t.cpu_children))
    assert prof.key_averages().self_cpu_time_total == pytest.approx(t.cpu_time_total)


def test_ops_unhooked_outside_profile():
    add = torchlet.Tensor.add
    with torchlet.profiler.profile():
        assert torchlet.Tensor.add is not add
        with pytest.raises(RuntimeError):
            torchlet.ones(2) + torchlet.ones(3)
    assert torchlet.Tensor.add is add
    with torchlet.profiler.profile() as p:
        kept = torchlet.mm  # a wrapped op kept past the window only calls the op
    assert kept is not torchlet.mm and kept(torchlet.ones(1, 1), torchlet.ones(1, 1)).tolist() == [[1.0]]
    assert len(p.events()) == 0
    assert not hasattr(torchlet.mm, "__wrapped_by_profiler__")
    assert torchlet.profiler._recorder.current() is None


def test_module_forward_records_linear(torch):
    net = torchlet.nn.Sequential(torchlet.nn.Linear(3, 4), torchlet.nn.ReLU())
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())
    with torchlet.profiler.profile() as p:
        net(torchlet.randn(2, 3))
    with torch.profiler.profile() as tp:
        tnet(torch.randn(2, 3))
    names = {e.key for e in p.key_averages()}
    tnames = {e.key for e in tp.key_averages()}
    assert {"aten::linear", "aten::relu"} <= names & tnames


@pytest.mark.parametrize(
    "kw",
    [
        dict(wait=1, warmup=1, active=2),
        dict(wait=1, warmup=1, active=2, repeat=2),
        dict(wait=0, warmup=2, active=1, repeat=1, skip_first=3),
        dict(wait=2, warmup=1, active=3, skip_first=1, skip_first_wait=1),
    ],
)
def test_schedule_actions_match_torch(torch, kw):
    ours, theirs = torchlet.profiler.schedule(**kw), torch.profiler.schedule(**kw)
    assert [ours(i).name for i in range(20)] == [theirs(i).name for i in range(20)]


def test_schedule_errors_and_warning_match_torch(torch):
    for kw in (dict(wait=-1, warmup=1, active=1), dict(wait=1, warmup=1, active=0)):
        with pytest.raises(AssertionError) as e:
            torch.profiler.schedule(**kw)
        with pytest.raises(type(e.value), match=re.escape(str(e.value))):
            torchlet.profiler.schedule(**kw)
    with pytest.warns(UserWarning, match="won't be using warmup"):
        torchlet.profiler.schedule(wait=1, warmup=0, active=1)


def _stepped(m, steps, **kw):
    seen = []

    def ready(p):
        seen.append((p.step_num, sorted({e.name for e in p.events() if e.name.startswith("ProfilerStep")})))

    x = m.ones(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with m.profiler.profile(schedule=m.profiler.schedule(**kw), on_trace_ready=ready) as p:
            for _ in range(steps):
                x = x * 2
                p.step()
    return seen


@pytest.mark.parametrize(
    "steps,kw",
    [
        (8, dict(wait=1, warmup=1, active=2)),
        (9, dict(wait=1, warmup=1, active=2, repeat=1)),
        (5, dict(wait=0, warmup=0, active=3)),
        (7, dict(wait=1, warmup=1, active=2, skip_first=2)),
    ],
)
def test_step_windows_match_torch(torch, steps, kw):
    assert _stepped(torchlet, steps, **kw) == _stepped(torch, steps, **kw)


def _trace_keys(path):
    with open(path) as f:
        data = json.load(f)
    xs = [e for e in data["traceEvents"] if e["ph"] == "X"]
    return data, xs


def test_tensorboard_trace_handler_writes_chrome_trace(torch, tmp_path):
    for m, d in ((torchlet, tmp_path / "ours"), (torch, tmp_path / "theirs")):
        with m.profiler.profile(
            schedule=m.profiler.schedule(wait=0, warmup=1, active=1),
            on_trace_ready=m.profiler.tensorboard_trace_handler(str(d)),
            record_shapes=True,
        ) as p:
            for _ in range(3):
                with m.profiler.record_function("train_step"):
                    m.mm(m.ones(2, 3), m.ones(3, 2))
                p.step()
    ours, theirs = (
        glob.glob(str(tmp_path / "ours" / "*.pt.trace.json")),
        glob.glob(str(tmp_path / "theirs" / "*.pt.trace.json")),
    )
    assert len(ours) == len(theirs) == 2  # steps 0-1 and 2 (the window closed by exit)
    data, xs = _trace_keys(sorted(ours)[0])
    tdata, txs = _trace_keys(sorted(theirs)[0])
    assert {"schemaVersion", "traceEvents", "displayTimeUnit", "deviceProperties"} <= set(data) & set(tdata)
    assert data["schemaVersion"] == tdata["schemaVersion"]
    for e in xs:
        assert {"ph", "cat", "name", "pid", "tid", "ts", "dur", "args"} <= set(e)
        assert isinstance(e["ts"], (int, float)) and e["dur"] >= 0
    names, tnames = {e["name"] for e in xs}, {e["name"] for e in txs}
    assert {"aten::mm", "train_step", "ProfilerStep#1"} <= names & tnames
    assert "ProfilerStep#0" not in names | tnames  # warmup step
    mm = next(e for e in xs if e["name"] == "aten::mm")
    tmm = next(e for e in txs if e["name"] == "aten::mm")
    assert mm["cat"] == tmm["cat"] == "cpu_op"
    assert mm["args"]["Input Dims"] == tmm["args"]["Input Dims"] == [[2, 3], [3, 2]]
    step = next(e for e in xs if e["name"] == "train_step")
    assert step["cat"] == next(e for e in txs if e["name"] == "train_step")["cat"]
    assert step["ts"] <= mm["ts"] and mm["ts"] + mm["dur"] <= step["ts"] + step["dur"]


def test_export_chrome_trace(tmp_path):
    with torchlet.profiler.profile() as p:
        torchlet.ones(2).sum()
    p.export_chrome_trace(str(tmp_path / "t.json"))
    data, xs = _trace_keys(tmp_path / "t.json")
    assert [e["name"] for e in xs] == ["aten::ones", "aten::sum"]
    meta = {e["name"] for e in data["traceEvents"] if e["ph"] == "M"}
    assert {"process_name", "thread_name"} <= meta


def test_record_function_decorator_and_legacy_profiler(torch):
    outs = []
    for m in (torchlet, torch):

        @m.autograd.profiler.record_function("my_fn")
        def f(a):
            return a * 2

        with m.autograd.profiler.profile() as prof:
            f(m.ones(2))
        outs.append(prof)
        assert "my_fn" in {e.key for e in prof.key_averages()}
        assert str(prof).split("\n")[1].split() == [
            "Name",
            "Self",
            "CPU",
            "%",
            "Self",
            "CPU",
            "CPU",
            "total",
            "%",
            "CPU",
            "total",
            "CPU",
            "time",
            "avg",
            "#",
            "of",
            "Calls",
        ]
    assert f(torchlet.ones(1)).tolist() == [2.0]  # outside a profile it only calls


def test_with_stack_names_user_code():
    with torchlet.profiler.profile(with_stack=True) as p:
        torchlet.ones(2).sum()
    ev = next(e for e in p.events() if e.name == "aten::sum")
    assert "test_profiler.py" in ev.stack[0]
    assert "Source Location" in p.key_averages(group_by_stack_n=1).table()
