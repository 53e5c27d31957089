"""vmap's randomness modes against PyTorch, with the default generator and with an explicit
`generator=`: 'error' raises at the draw, 'same' shares one draw, 'different' gives each sample
its own draw; the values and where each generator's stream is left equal PyTorch's."""

import functools

import pytest

import torchlet
from oracle import assert_same

FUNCS = {
    "randn": lambda m, x, g: m.randn(3, generator=g) + x,
    "rand_shape": lambda m, x, g: m.rand(x.shape, generator=g) * x,
    "randint": lambda m, x, g: m.randint(0, 10, (3,), generator=g) + x,
    "randperm": lambda m, x, g: m.randperm(3, generator=g) + x,
    "uniform_": lambda m, x, g: x.clone().uniform_(generator=g),
    "normal_mean": lambda m, x, g: m.normal(x, 1.0, generator=g),
    "bernoulli": lambda m, x, g: m.bernoulli(x * 0.5, generator=g),
    "dropout": lambda m, x, g: m.nn.functional.dropout(x, 0.5),
    "two_outputs": lambda m, x, g: (m.rand(2, generator=g), x * 2),
}


def _run(m, name, randomness, explicit):
    m.manual_seed(0)
    g = m.Generator().manual_seed(7) if explicit else None
    x = m.ones(4, 3)
    try:
        out = m.func.vmap(functools.partial(FUNCS[name], m, g=g), randomness=randomness)(x)
    except RuntimeError as e:
        return "raised", str(e), None
    follow = m.rand(5, generator=g)  # where the stream the function drew from was left
    return "ok", out, follow


CASES = [
    (name, randomness, explicit)
    for name in sorted(FUNCS)
    for randomness in ("error", "same", "different")
    for explicit in (False, True)
    if not (name == "dropout" and explicit)  # dropout takes no generator
]


@pytest.mark.parametrize("name,randomness,explicit", CASES)
def test_randomness_modes_as_pytorch(name, randomness, explicit, torch):
    ours, theirs = _run(torchlet, name, randomness, explicit), _run(torch, name, randomness, explicit)
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "raised":
        assert ours[1] == theirs[1]
        return
    outs_o = ours[1] if isinstance(ours[1], tuple) else (ours[1],)
    outs_t = theirs[1] if isinstance(theirs[1], tuple) else (theirs[1],)
    for a, b in zip(outs_o, outs_t, strict=True):
        assert_same(a, b)
    assert_same(ours[2], theirs[2])


def test_different_mode_without_draws_stays_batched(monkeypatch):
    """'different' loops only when the function drew: a deterministic function runs batched."""
    from torchlet.func import _vmap

    calls = []
    monkeypatch.setattr(_vmap, "_per_sample", lambda *a: calls.append(a))
    out = torchlet.func.vmap(torchlet.sin, randomness="different")(torchlet.ones(4, 3))
    assert out.shape == (4, 3) and not calls


def test_randn_of_many_elements_per_sample_different(torch):
    """PyTorch fills a (4, 40) normal draw at once, in blocks of 16; per sample, the first block
    is the same and every sample is a fresh draw (the documented difference: later values)."""
    res = {}
    for m in (torchlet, torch):
        m.manual_seed(0)
        res[m] = m.func.vmap(lambda x: m.randn(40) + x, randomness="different")(m.zeros(4, 1))
    assert_same(res[torchlet][0, :16], res[torch][0, :16])
    assert len({tuple(r.tolist()) for r in res[torchlet]}) == 4
