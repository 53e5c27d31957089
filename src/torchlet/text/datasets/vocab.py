"""A character vocabulary: the sorted distinct characters of a text, each an id."""

__all__ = ["CharVocab"]


class CharVocab:
    """``CharVocab(text)``; ``encode(s) -> [ids]``, ``decode(ids) -> str``, ``len(vocab)``.
    Characters not in the vocabulary raise KeyError on encode (or map to ``unk`` if given)."""

    def __init__(self, text="", chars=None, unk=None):
        self.itos = list(chars) if chars is not None else sorted(set(text))
        self.stoi = {c: i for i, c in enumerate(self.itos)}
        self.unk = unk

    def __len__(self):
        return len(self.itos)

    def get_vocab_size(self):
        return len(self.itos)

    def encode(self, s):
        if self.unk is None:
            try:
                return [self.stoi[c] for c in s]
            except KeyError as e:
                raise KeyError(f"character {e.args[0]!r} is not in the vocabulary") from None
        u = self.stoi[self.unk]
        return [self.stoi.get(c, u) for c in s]

    def decode(self, ids):
        return "".join(self.itos[int(i)] for i in ids)

    def state_dict(self):
        return {"type": "char", "chars": "".join(self.itos), "unk": self.unk}

    @classmethod
    def from_state_dict(cls, state):
        return cls(chars=state["chars"], unk=state.get("unk"))

    def __repr__(self):
        return f"CharVocab(size={len(self)})"
