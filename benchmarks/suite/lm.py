"""Language-model training steps, written once per library (torchlet's models, PyTorch's
reference built from the same state_dict):

  gpt   torchlet.models.GPT, 4 layers, 4 heads, width 128, context 128, batch 16, vocabulary 65;
        PyTorch runs the same architecture (transformers' GPT2LMHeadModel when installed, else the
        reference GPT of tests/models/test_gpt.py) from the same state_dict
  lstm  embedding 128 -> 2-layer LSTM 256 -> linear, context 64, batch 32, vocabulary 65

Step = zero_grad, forward, cross-entropy, backward, clip_grad_norm_(1.0), AdamW step.
"""

import os
import sys

import numpy as np

import torchlet
from torchlet.models import GPT, GPTConfig, RNNLM

# the reference GPT (used when transformers is not installed) lives in the tests
_TESTS_MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "models")

MODELS = ("gpt", "lstm")

V = 65
GPT_CFG = dict(vocab_size=V, block_size=128, n_layer=4, n_head=4, n_embd=128)
LSTM_CFG = dict(vocab_size=V, embed_size=128, hidden_size=256, num_layers=2)


def _torch_gpt(torch):
    try:
        import transformers

        cfg = transformers.GPT2Config(
            vocab_size=V,
            n_positions=128,
            n_layer=4,
            n_head=4,
            n_embd=128,
            resid_pdrop=0.0,
            embd_pdrop=0.0,
            attn_pdrop=0.0,
            bos_token_id=0,
            eos_token_id=0,
        )
        hf = transformers.GPT2LMHeadModel(cfg)

        class Wrap(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.m = hf

            def forward(self, idx, targets):
                logits = self.m(idx).logits
                return logits, torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))

        return Wrap(), hf.state_dict()
    except ImportError:
        sys.path.insert(0, _TESTS_MODELS)
        from test_gpt import RefGPT

        ref = RefGPT(**GPT_CFG)
        return ref, ref.state_dict()


def _torch_lstm(torch):
    nn = torch.nn

    class Ref(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, 128)
            self.rnn = nn.LSTM(128, 256, 2, batch_first=True)
            self.head = nn.Linear(256, V)

        def forward(self, idx, targets):
            logits = self.head(self.rnn(self.embedding(idx))[0])
            return logits, nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))

    ref = Ref()
    return ref, ref.state_dict()


def _step(m, model, x, y):
    opt = m.optim.AdamW(model.parameters(), lr=1e-3)
    params = list(model.parameters())

    def step():
        opt.zero_grad()
        _, loss = model(x, y)
        loss.backward()
        m.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss

    return step


def build(name, torch):
    rng = np.random.default_rng(0)
    B, T = (16, 128) if name == "gpt" else (32, 64)
    x, y = rng.integers(0, V, (B, T)), rng.integers(0, V, (B, T))
    torch.manual_seed(0)
    ref, sd = (_torch_gpt if name == "gpt" else _torch_lstm)(torch)
    ours = GPT(GPTConfig(**GPT_CFG)) if name == "gpt" else RNNLM(**LSTM_CFG)
    ours.load_state_dict(
        {k: torchlet.from_numpy(v.detach().numpy().copy()) for k, v in sd.items() if k in ours.state_dict()}
    )
    return {
        "torchlet": _step(torchlet, ours, torchlet.from_numpy(x), torchlet.from_numpy(y)),
        "torch": _step(torch, ref, torch.from_numpy(x), torch.from_numpy(y)),
    }
