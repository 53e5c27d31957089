"""RNNLM against the same model built from torch.nn on the same state_dict; stateful generation
equals recomputing the whole sequence; the sampling rules."""

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import torchlet
from torchlet.models import RNNLM, sample_next


class Ref(tnn.Module):
    def __init__(self, V, E, H, L, cell):
        super().__init__()
        self.embedding = tnn.Embedding(V, E)
        self.rnn = {"lstm": tnn.LSTM, "gru": tnn.GRU}[cell](E, H, L, batch_first=True)
        self.head = tnn.Linear(H, V)

    def forward(self, idx, tgt):
        logits = self.head(self.rnn(self.embedding(idx))[0])
        return logits, TF.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_matches_torch(cell):
    torch.manual_seed(0)
    ref = Ref(20, 8, 12, 2, cell)
    ours = RNNLM(20, 8, 12, 2, cell=cell)
    ours.load_state_dict({k: torchlet.from_numpy(v.detach().numpy().copy()) for k, v in ref.state_dict().items()})
    g = np.random.default_rng(1)
    idx, tgt = g.integers(0, 20, (3, 7)), g.integers(0, 20, (3, 7))
    rl, rloss = ref(torch.from_numpy(idx), torch.from_numpy(tgt))
    ol, oloss = ours(torchlet.from_numpy(idx), torchlet.from_numpy(tgt))
    np.testing.assert_allclose(ol.detach().numpy(), rl.detach().numpy(), rtol=1e-5, atol=1e-6)
    rloss.backward()
    oloss.backward()
    op = dict(ours.named_parameters())
    for k, p in ref.named_parameters():
        np.testing.assert_allclose(op[k].grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=k)


def test_stateful_generation_equals_recomputation():
    torchlet.manual_seed(0)
    m = RNNLM(15, 8, 16, 2)
    idx = torchlet.randint(0, 15, (2, 4))
    out = m.generate(idx, 10, temperature=0.0)
    assert out.shape == (2, 14)
    for t in range(4, 14):  # each greedy token is the argmax of a full forward over its prefix
        logits, _ = m(out[:, :t])
        assert torchlet.equal(logits[:, -1].argmax(-1), out[:, t])
    with pytest.raises(ValueError):
        RNNLM(5, cell="transformer")


def test_sampling_rules():
    logits = torchlet.tensor([[0.0, 3.0, 2.0, -1.0]])
    assert sample_next(logits, temperature=0).tolist() == [[1]]
    draws = {sample_next(logits, top_k=2, generator=torchlet.Generator().manual_seed(s)).item() for s in range(40)}
    assert draws == {1, 2}
    # softmax: [0.035, 0.70, 0.26, 0.01]; top_p 0.5 keeps only the most likely token
    assert {
        sample_next(logits, top_p=0.5, generator=torchlet.Generator().manual_seed(s)).item() for s in range(20)
    } == {1}
    assert {
        sample_next(logits, top_p=0.9, generator=torchlet.Generator().manual_seed(s)).item() for s in range(60)
    } == {1, 2}
    with pytest.raises(ValueError):
        sample_next(logits, temperature=-1)
