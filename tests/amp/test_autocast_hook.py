"""Autocast's op wrappers live only while an enabled region is open: the original functions
are back after the last exit (also after an exception, nesting, a disabled region, and a
profiler recording inside or around the region); a warning raised by a listed op names the
user's line inside a region and after it, as torch's does; autocast state is per thread."""

import threading
import warnings

import torchlet
import torchlet.nn.functional as F
from torchlet.amp import _hook


def _bound():
    return (torchlet.mm, torchlet.Tensor.mm, torchlet.Tensor.__matmul__, F.linear, F.mse_loss, torchlet.cat)


def _wrapped(fns):
    return [hasattr(f, "_autocast_original") for f in fns]


def test_installed_only_inside_enabled_regions():
    before = _bound()
    assert not any(_wrapped(before))
    with torchlet.autocast("cpu", enabled=False):
        assert _bound() == before
    with torchlet.autocast("cpu"):
        assert all(_wrapped(_bound()))
        with torchlet.autocast("cpu"):
            pass
        assert all(_wrapped(_bound())), "an inner exit keeps them"
        with torchlet.autocast("cpu", enabled=False):
            assert all(_wrapped(_bound()))
    assert _bound() == before
    try:
        with torchlet.autocast("cpu"):
            raise KeyError("x")
    except KeyError:
        pass
    assert _bound() == before and not _hook._installed


def test_profiler_inside_and_around():
    before = _bound()
    a = torchlet.ones(3, 3)
    _hook._scanned_modules[0] = -1  # the places are found while the profiler records
    with torchlet.profiler.profile() as prof:
        with torchlet.autocast("cpu"):
            y = a @ a
    assert y.dtype is torchlet.bfloat16 and "aten::matmul" in prof.key_averages().table()
    assert _bound() == before and not _hook._installed
    with torchlet.autocast("cpu"):
        with torchlet.profiler.profile() as prof:
            y = a @ a
    assert y.dtype is torchlet.bfloat16 and "aten::matmul" in prof.key_averages().table()
    assert _bound() == before and not _hook._installed
    with torchlet.autocast("cpu"):
        assert all(_wrapped(_bound())) and (a @ a).dtype is torchlet.bfloat16


def _warning_lines(m):
    out = []
    for enabled in (True, False):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with m.autocast("cpu", enabled=enabled):
                m.nn.functional.mse_loss(m.ones(3), m.ones(3, 1))  # size-mismatch warning
            m.nn.functional.mse_loss(m.ones(3), m.ones(3, 1))
        out.append([(x.filename == __file__, x.category.__name__) for x in w])
    return out


def test_warnings_point_at_user_code(torch):
    assert _warning_lines(torchlet) == _warning_lines(torch) == [[(True, "UserWarning")] * 2] * 2
    assert warnings.warn is _hook._original_warn[0] if _hook._original_warn else True


def test_state_is_per_thread(torch):
    res = []
    for m in (torchlet, torch):
        a = m.ones(2, 2)
        seen = {}

        def other():
            seen["dtype"] = (a @ a).dtype
            seen["enabled"] = m.is_autocast_enabled("cpu")

        with m.autocast("cpu"):
            t = threading.Thread(target=other)
            t.start()
            t.join()
            here = (a @ a).dtype
        res.append((str(seen["dtype"]).split(".")[-1], seen["enabled"], str(here).split(".")[-1]))
    assert res[0] == res[1] == ("float32", False, "bfloat16"), res
