"""nn.EmbeddingBag / F.embedding_bag against torch: sum/mean/max, 1-D input with offsets
(include_last_offset, empty bags), 2-D input, per_sample_weights, padding_idx, max_norm;
outputs and gradients to the weight and per_sample_weights; init draws, repr, errors."""

import numpy as np
import pytest

import torchlet

W = np.random.default_rng(0).standard_normal((10, 4))
IDX = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 0, 7])

CASES = [
    dict(mode="sum", offsets=[0, 4, 4, 7]),
    dict(mode="mean", offsets=[0, 4, 4, 7]),
    dict(mode="max", offsets=[0, 4, 4, 7]),
    dict(mode="sum", offsets=[0, 3, 7, 11], include_last_offset=True),
    dict(mode="mean", offsets=[0, 3, 3, 11], include_last_offset=True),
    dict(mode="sum", offsets=[0, 2, 6], psw=True),
    dict(mode="sum", offsets=[0, 2, 6], padding_idx=4),
    dict(mode="mean", offsets=[0, 2, 6, 8], padding_idx=0),
    dict(mode="max", offsets=[0, 2, 6], padding_idx=2),
    dict(mode="sum", offsets=[0, 2, 6], psw=True, padding_idx=4),
    dict(mode="mean", offsets=[0, 5], max_norm=1.0),
    dict(mode="mean", offsets=[0, 5], scale_grad_by_freq=True),
    dict(mode="sum", two_d=True),
    dict(mode="max", two_d=True),
    dict(mode="mean", two_d=True, padding_idx=4),
]


def _run(lib, case, dtype):
    w = lib.tensor(W, dtype=dtype, requires_grad=True)
    kw = dict(
        mode=case["mode"],
        include_last_offset=case.get("include_last_offset", False),
        padding_idx=case.get("padding_idx"),
        max_norm=case.get("max_norm"),
        scale_grad_by_freq=case.get("scale_grad_by_freq", False),
    )
    idx = IDX[:10].reshape(2, 5) if case.get("two_d") else IDX
    x = lib.tensor(idx)
    psw = None
    if case.get("psw"):
        psw = lib.tensor(np.linspace(-1, 2, idx.size).reshape(idx.shape), dtype=dtype, requires_grad=True)
    offsets = None if case.get("two_d") else lib.tensor(case["offsets"])
    ww = w * 1.0 if case.get("max_norm") else w  # max_norm renorms its argument in place
    out = lib.nn.functional.embedding_bag(x, ww, offsets, per_sample_weights=psw, **kw)
    (out * lib.arange(out.numel(), dtype=dtype).reshape(out.shape).sin()).sum().backward()
    return out, w.grad, (psw.grad if psw is not None else None)


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients(case, dtype, torch):
    oo, gwo, gpo = _run(torchlet, case, getattr(torchlet, dtype))
    ot, gwt, gpt = _run(torch, case, getattr(torch, dtype))
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    assert tuple(oo.shape) == tuple(ot.shape) and str(oo.dtype)[9:] == str(ot.dtype)[6:]
    np.testing.assert_allclose(oo.detach().numpy(), ot.detach().numpy(), **tol)
    np.testing.assert_allclose(gwo.numpy(), gwt.numpy(), **tol)
    if gpt is not None:
        np.testing.assert_allclose(gpo.numpy(), gpt.numpy(), **tol)


def test_module_init_repr_state_dict(torch):
    for kwargs in (
        dict(),
        dict(mode="sum", padding_idx=2),
        dict(mode="max", max_norm=2.0, norm_type=1.0),
        dict(scale_grad_by_freq=True, include_last_offset=True, padding_idx=-1),
    ):
        torchlet.manual_seed(0)
        torch.manual_seed(0)
        mo, mt = torchlet.nn.EmbeddingBag(10, 3, **kwargs), torch.nn.EmbeddingBag(10, 3, **kwargs)
        assert repr(mo) == repr(mt)
        assert list(mo.state_dict()) == list(mt.state_dict())
        np.testing.assert_array_equal(mo.weight.detach().numpy(), mt.weight.detach().numpy())
    x = np.array([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_allclose(mo(torchlet.tensor(x)).detach().numpy(), mt(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    po = torchlet.nn.EmbeddingBag.from_pretrained(torchlet.tensor(W), mode="sum")
    pt = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(W), mode="sum")
    assert repr(po) == repr(pt) and po.weight.requires_grad is pt.weight.requires_grad is False
    np.testing.assert_allclose(po(torchlet.tensor(x)).numpy(), pt(torch.tensor(x)).numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.nn.functional.embedding_bag(m.tensor([[1, 2]]), m.ones(4, 2), m.tensor([0])),
        lambda m: m.nn.functional.embedding_bag(m.tensor([1, 2]), m.ones(4, 2)),
        lambda m: m.nn.functional.embedding_bag(m.tensor([1, 2]), m.ones(4, 2), m.tensor([[0]])),
        lambda m: m.nn.functional.embedding_bag(m.tensor([1, 2]), m.ones(4), m.tensor([0])),
        lambda m: m.nn.functional.embedding_bag(m.tensor([1, 2]), m.ones(4, 2), m.tensor([0]), mode="min"),
        lambda m: m.nn.functional.embedding_bag(
            m.tensor([1, 2]), m.ones(4, 2), m.tensor([0]), mode="mean", per_sample_weights=m.ones(2)
        ),
        lambda m: m.nn.functional.embedding_bag(
            m.tensor([1, 2]), m.ones(4, 2), m.tensor([0]), mode="sum", per_sample_weights=m.ones(3)
        ),
        lambda m: m.nn.functional.embedding_bag(
            m.tensor([1, 2]), m.ones(4, 2), m.tensor([0]), mode="max", scale_grad_by_freq=True
        ),
        lambda m: m.nn.functional.embedding_bag(m.tensor([1, 2]), m.ones(4, 2), m.tensor([1])),
        lambda m: m.nn.functional.embedding_bag(m.tensor([[1, 7]]), m.ones(4, 2)),
        lambda m: m.nn.EmbeddingBag(4, 2, padding_idx=4),
    ],
)
def test_errors(make, torch):
    from tests.oracle import check_error

    eo, et = check_error(make)
    assert str(eo).replace("torchlet.Size", "torch.Size") == str(et)
