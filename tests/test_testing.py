"""torchlet.testing.assert_close: pass/fail, exception class and message text as PyTorch's
(messages compared with 'torchlet' read as 'torch')."""

import math
import warnings

import pytest

import torchlet

CASES = [
    lambda m: m.testing.assert_close(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 2.1, 3.0])),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 2.0, 3.0])),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 2.0])),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 2.0, 3.0]).double()),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 2.0, 3.0]).double(), check_dtype=False),
    lambda m: m.testing.assert_close(1.0, 1.1),
    lambda m: m.testing.assert_close(1, 2),
    lambda m: m.testing.assert_close(1.0, 1),
    lambda m: m.testing.assert_close(0.0, 1.0),
    lambda m: m.testing.assert_close([m.ones(3), m.ones(3)], [m.ones(3), m.ones(3) + 1]),
    lambda m: m.testing.assert_close({"x": m.ones(2)}, {"x": m.ones(2) + 1}),
    lambda m: m.testing.assert_close({"x": 1}, {"y": 1}),
    lambda m: m.testing.assert_close([[m.tensor(1.0)]], [[m.tensor(2.0)]]),
    lambda m: m.testing.assert_close([1.0], [1.0, 2.0]),
    lambda m: m.testing.assert_close((1, 2), [1, 2]),
    lambda m: m.testing.assert_close(m.tensor([1, 2, 3]), m.tensor([1, 2, 4])),
    lambda m: m.testing.assert_close(m.tensor([1, 2]), m.tensor([1, 5])),
    lambda m: m.testing.assert_close(m.tensor([3, 1]), m.tensor([1, 3])),
    lambda m: m.testing.assert_close(m.tensor([1, 0]), m.tensor([1, 1])),
    lambda m: m.testing.assert_close(m.tensor([1, 2], dtype=m.int32), m.tensor([1, 2])),
    lambda m: m.testing.assert_close(m.tensor([True, False]), m.tensor([True, True])),
    lambda m: m.testing.assert_close(m.tensor(True), m.tensor(False)),
    lambda m: m.testing.assert_close(m.tensor(1.0), m.tensor(2.0)),
    lambda m: m.testing.assert_close(m.zeros(2, 3), m.ones(2, 3)),
    lambda m: m.testing.assert_close(m.tensor([[1.0, math.nan]]), m.tensor([[1.0, math.nan]])),
    lambda m: m.testing.assert_close(m.tensor([[1.0, math.nan]]), m.tensor([[1.0, math.nan]]), equal_nan=True),
    lambda m: m.testing.assert_close(m.tensor([math.inf]), m.tensor([math.inf])),
    lambda m: m.testing.assert_close(m.tensor([math.inf]), m.tensor([-math.inf])),
    lambda m: m.testing.assert_close(m.tensor([1e-6, 2.0]), m.tensor([2e-6, 2.0])),
    lambda m: m.testing.assert_close(m.arange(12.0).reshape(3, 4), m.arange(12.0).reshape(3, 4) * 1.001),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2]), m.tensor([1.0, 2.01]).half(), check_dtype=False),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2]), m.tensor([1.0, 2.01]), rtol=0, atol=0),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2]), m.tensor([1.0, 2.01]), rtol=1e-2, atol=0),
    lambda m: m.testing.assert_close(m.ones(2), m.ones(2) + 1, msg="custom"),
    lambda m: m.testing.assert_close(m.ones(2), m.ones(2) + 1, msg=lambda s: "X" + s[:5]),
    lambda m: m.testing.assert_close(m.ones(2), m.ones(2), rtol=1e-3),
    lambda m: m.testing.assert_close(m.ones(2), m.ones(2), atol=1e-3),
    lambda m: m.testing.assert_close(m.zeros(0), m.zeros(0)),
    lambda m: m.testing.assert_close(m.tensor([1.0, 2.0], requires_grad=True), m.tensor([1.0, 2.0])),
    lambda m: m.testing.assert_allclose(m.tensor([1.0, 2.0]), [1.0, 2.0]),
    lambda m: m.testing.assert_allclose(m.tensor([1.0, 2.0]), [1.0, 2.1]),
    lambda m: m.testing.assert_allclose(m.tensor([1.0, 2.0]), [1.0, 2.0001]),
    lambda m: m.testing.assert_allclose(m.tensor([1.0, math.nan]), [1.0, math.nan]),
    lambda m: m.testing.assert_allclose(m.tensor([1, 2]), m.tensor([1.0, 2.5]).double()),
    lambda m: m.testing.assert_allclose(m.tensor([1.0, 2.0]), [1.0, 2.1], msg="custom"),
]


def _run(lib, case):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            case(lib)
    except Exception as e:
        return type(e), str(e).replace("torchlet", "torch")
    return None


@pytest.mark.parametrize("i", range(len(CASES)))
def test_assert_close_as_pytorch(torch, i):
    ours, theirs = _run(torchlet, CASES[i]), _run(torch, CASES[i])
    assert ours == theirs


def test_assert_allclose_is_deprecated(torch):
    with pytest.warns(FutureWarning, match="assert_allclose") as ours:
        torchlet.testing.assert_allclose(torchlet.ones(2), torchlet.ones(2))
    with pytest.warns(FutureWarning) as theirs:
        torch.testing.assert_allclose(torch.ones(2), torch.ones(2))
    assert str(ours[0].message) == str(theirs[0].message)
