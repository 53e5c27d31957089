"""The result of encoding one text, with the attributes of tokenizers' `Encoding`."""


class Encoding:
    __slots__ = ("ids", "tokens", "offsets", "special_tokens_mask")

    def __init__(self, ids, tokens, offsets, special_tokens_mask):
        self.ids, self.tokens, self.offsets, self.special_tokens_mask = ids, tokens, offsets, special_tokens_mask

    @property
    def attention_mask(self):
        return [1] * len(self.ids)

    @property
    def type_ids(self):
        return [0] * len(self.ids)

    def __len__(self):
        return len(self.ids)

    def __repr__(self):
        return (
            f"Encoding(num_tokens={len(self.ids)}, attributes=[ids, type_ids, tokens, offsets, attention_mask, "
            "special_tokens_mask, overflowing])"
        )
