"""RNNLM: d2l's recurrent language model, embedding -> LSTM/GRU/RNN -> linear head.

``forward(idx, targets=None, state=None)`` returns (logits, loss) like ``GPT`` (and the new
state as ``self.last_state``); ``generate`` carries the recurrent state, one token per step."""

from .. import nn
from ..nn import functional as F
from .sampling import sample_next

__all__ = ["RNNLM"]

_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class RNNLM(nn.Module):
    def __init__(self, vocab_size, embed_size=128, hidden_size=256, num_layers=2, dropout=0.0, cell="lstm"):
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(f"cell must be one of {sorted(_CELLS)}, got {cell!r}")
        self.config = dict(
            vocab_size=vocab_size,
            embed_size=embed_size,
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout,
            cell=cell,
        )
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = _CELLS[cell](
            embed_size, hidden_size, num_layers, batch_first=True, dropout=dropout if num_layers > 1 else 0.0
        )
        self.head = nn.Linear(hidden_size, vocab_size)
        self.last_state = None

    def forward(self, idx, targets=None, state=None):
        out, self.last_state = self.rnn(self.embedding(idx), state)
        logits = self.head(out)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        return logits, loss

    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, top_p=None, generator=None):
        import torchlet

        was_training = self.training
        self.eval()
        with torchlet.no_grad():
            logits, _ = self(idx)
            state = self.last_state
            for _ in range(max_new_tokens):
                nxt = sample_next(logits[:, -1, :], temperature, top_k, top_p, generator)
                idx = torchlet.cat([idx, nxt], 1)
                logits, _ = self(nxt, state=state)
                state = self.last_state
        self.train(was_training)
        return idx
