"""torch.testing.assert_close / assert_allclose: for each case the same outcome as PyTorch,
the same exception class and the same message."""

import warnings

import pytest
import torch

import torchlet

CASES = [
    lambda m, T: T.assert_close(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 2.0, 3.5])),
    lambda m, T: T.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0], dtype=m.float64)),
    lambda m, T: T.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0, 3.0])),
    lambda m, T: T.assert_close(m.tensor([1, 2]), m.tensor([1, 3])),
    lambda m, T: T.assert_close(1.0, 1.1),
    lambda m, T: T.assert_close([m.tensor(1.0)], [m.tensor(2.0)]),
    lambda m, T: T.assert_close({"a": m.tensor(1.0)}, {"a": m.tensor(2.0)}),
    lambda m, T: T.assert_close(m.tensor([float("nan")]), m.tensor([float("nan")])),
    lambda m, T: T.assert_close(m.tensor([float("nan")]), m.tensor([float("nan")]), equal_nan=True),
    lambda m, T: T.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.1, 2.0]), rtol=0.2, atol=0),
    lambda m, T: T.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.1, 2.0]), rtol=0.01),
    lambda m, T: T.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.1, 2.0]), msg="custom"),
    lambda m, T: T.assert_close(m.tensor([[1.0, 2.0], [3, 4]]), m.tensor([[1.0, 2.5], [3, 4.5]])),
    lambda m, T: T.assert_close(m.tensor([1.0, 2.0]), [1.0, 2.0]),
    lambda m, T: T.assert_close(m.tensor(1 + 1j), m.tensor(1 + 2j)),
    lambda m, T: T.assert_allclose(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.5])),
    lambda m, T: T.assert_allclose(m.tensor([1.0, 2.0]), [1.0, 2.0]),
    lambda m, T: T.assert_close(m.tensor([True, False]), m.tensor([True, True])),
    lambda m, T: T.assert_close(m.tensor([1.0, 2.0]), m.tensor([1, 2])),
    lambda m, T: T.assert_close(m.tensor([1.0, 2.0]), m.tensor([1, 2]), check_dtype=False),
    lambda m, T: T.assert_close(m.tensor([1.0, 2.0]), None),
    lambda m, T: T.assert_close([m.tensor([1.0, 2.0]), None], [m.tensor([1.0, 2.0]), m.tensor(1.0)]),
    lambda m, T: T.assert_close(None, None),
    lambda m, T: T.assert_close(m.ones(3, 3), m.ones(3, 3).t()),
    lambda m, T: T.assert_close(m.ones(3, 3), m.ones(3, 3).t(), check_stride=True),
]


def _outcome(m, case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            case(m, m.testing)
            return "ok"
        except Exception as e:
            return type(e), str(e).replace("torchlet", "torch")


@pytest.mark.parametrize("i", range(len(CASES)))
def test_assert_close_outcome_and_message(i):
    assert _outcome(torchlet, CASES[i]) == _outcome(torch, CASES[i])
