"""Language-model training steps, torchlet against PyTorch, one thread, timed alternately in one run
(benchmarks/suite's `compare` and report format):

  gpt   torchlet.models.GPT, 4 layers, 4 heads, width 128, context 128, batch 16, vocabulary 65;
        PyTorch runs the same architecture (transformers' GPT2LMHeadModel when installed, else the
        reference GPT of tests/models/test_gpt.py) from the same state_dict
  lstm  embedding 128 -> 2-layer LSTM 256 -> linear, context 64, batch 32, vocabulary 65

Step = zero_grad, forward, cross-entropy, backward, clip_grad_norm_(1.0), AdamW step. Target: ratio <= 1.3.

    python benchmarks/bench_lm.py [--repeat 5] [--json PATH] [--profile]
"""

import argparse
import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads: BLAS reads them once
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "models"))

import numpy as np  # noqa: E402

import torchlet  # noqa: E402
from suite import report  # noqa: E402
from suite.runner import compare, load_average, now  # noqa: E402
from torchlet.models import GPT, GPTConfig, RNNLM  # noqa: E402

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


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--json")
    p.add_argument("--profile", action="store_true", help="also print torchlet's top functions per step")
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    torchlet.set_num_threads(1)
    meta = {"start": now(), "load_before": load_average(), "threads": 1, "repeat": args.repeat}
    print(f"torchlet LM bench  {meta['start']}  1 thread  load avg {meta['load_before']}")
    print(report.HEADER)
    rows = []
    for name in ("gpt", "lstm"):
        calls = build(name, torch)
        med, n = compare(calls, repeat=args.repeat, warmup=2, target=0.5)
        r = {
            "group": "lm",
            "name": f"{name} train step",
            "torchlet": med["torchlet"],
            "torch": med["torch"],
            "unit": "s",
            "ratio": med["torchlet"] / med["torch"],
            "target": "<=1.3",
            "met": med["torchlet"] / med["torch"] <= 1.3,
            "calls_per_timing": n,
        }
        rows.append(r)
        print(report.row_text(r), flush=True)
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.runcall(calls["torchlet"])
            pstats.Stats(prof).sort_stats("tottime").print_stats(8)
    meta["load_after"] = load_average()
    print(f"{'':10} load avg before {meta['load_before']}, after {meta['load_after']}")
    if args.json:
        report.write_json(args.json, meta, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
