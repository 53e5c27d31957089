"""The batch call of transformers' tokenizers, and a padding collate function for DataLoader.

    batch = tokenizer(["a text", "another one"], padding=True, truncation=True, max_length=64,
                      return_tensors="pt")
    batch["input_ids"], batch["attention_mask"]      # torchlet int64 tensors [2, L]

padding: False / "do_not_pad", True / "longest" (to the longest in the batch) or "max_length";
pad on `tokenizer.padding_side` ("right") with `tokenizer.pad_token`. truncation keeps the first
`max_length` ids (or the last ones when `truncation_side` is "left").
"""


def _as_output(rows, return_tensors):
    if return_tensors is None:
        return rows
    if return_tensors == "pt":
        import torchlet

        return torchlet.tensor(rows, dtype=torchlet.int64)
    if return_tensors == "np":
        import numpy as np

        return np.array(rows, dtype=np.int64)
    raise ValueError(f"Unable to convert output to tensors format {return_tensors}")


class BatchEncoding(dict):
    """A dict of input_ids / attention_mask (/ labels) whose keys also read as attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def to(self, device):
        return BatchEncoding({k: v.to(device) if hasattr(v, "to") else v for k, v in self.items()})


def pad_rows(rows, pad_id, padding_side="right", length=None, pad_to_multiple_of=None):
    """(padded rows, attention masks), every row `length` long (default: the longest)."""
    target = max((len(r) for r in rows), default=0) if length is None else length
    if pad_to_multiple_of:
        target = -(-target // pad_to_multiple_of) * pad_to_multiple_of
    ids, masks = [], []
    for r in rows:
        r = list(r)
        n = target - len(r)
        if n > 0 and pad_id is None:
            raise ValueError(
                "Asking to pad but the tokenizer does not have a padding token. Please select a token "
                "to use as `pad_token` `(tokenizer.pad_token = tokenizer.eos_token e.g.)` or add a new "
                "pad token via `tokenizer.add_special_tokens({'pad_token': '[PAD]'})`."
            )
        n = max(n, 0)
        if padding_side == "left":
            ids.append([pad_id] * n + r)
            masks.append([0] * n + [1] * len(r))
        else:
            ids.append(r + [pad_id] * n)
            masks.append([1] * len(r) + [0] * n)
    return ids, masks


class BatchMixin:
    padding_side = "right"
    truncation_side = "right"
    model_max_length = None
    _pad_token = None

    @property
    def pad_token(self):
        if self._pad_token is not None:
            return self._pad_token
        for t in ("<pad>", "[PAD]", "<|pad|>"):
            if self.token_to_id(t) is not None:
                return t
        return None

    @pad_token.setter
    def pad_token(self, token):
        self._pad_token = token

    @property
    def pad_token_id(self):
        return None if self.pad_token is None else self.token_to_id(self.pad_token)

    def __call__(
        self,
        text,
        padding=False,
        truncation=False,
        max_length=None,
        return_tensors=None,
        return_attention_mask=True,
        pad_to_multiple_of=None,
    ):
        single = isinstance(text, str)
        texts = [text] if single else list(text)
        if not all(isinstance(t, str) for t in texts):
            raise ValueError("text input must be of type `str` (single example) or `List[str]` (batch)")
        rows = [self.encode_ids(t) for t in texts]
        if truncation and truncation != "do_not_truncate":
            limit = max_length if max_length is not None else self.model_max_length
            if limit is not None:
                rows = [r[-limit:] if self.truncation_side == "left" and limit else r[:limit] for r in rows]
        if padding is True or padding == "longest":
            rows, masks = pad_rows(rows, self.pad_token_id, self.padding_side, None, pad_to_multiple_of)
        elif padding == "max_length":
            length = max_length if max_length is not None else self.model_max_length
            if length is None:
                raise ValueError("padding='max_length' needs max_length")
            rows, masks = pad_rows(rows, self.pad_token_id, self.padding_side, length, pad_to_multiple_of)
        elif padding in (False, None, "do_not_pad"):
            masks = [[1] * len(r) for r in rows]
        else:
            raise ValueError(f"padding={padding!r}: use True, 'longest', 'max_length' or False")
        if return_tensors is not None:
            lengths = {len(r) for r in rows}
            if len(lengths) > 1:
                raise ValueError(
                    "Unable to create tensor, you should probably activate truncation and/or padding "
                    "with 'padding=True' 'truncation=True' to have batched tensors with the same length."
                )
        if single and return_tensors is None:
            rows, masks = rows[0], masks[0]
        out = BatchEncoding(input_ids=_as_output(rows, return_tensors))
        if return_attention_mask:
            out["attention_mask"] = _as_output(masks, return_tensors)
        return out

    def batch_decode(self, sequences, skip_special_tokens=False):
        if hasattr(sequences, "tolist"):
            sequences = sequences.tolist()
        return [self.decode(ids, skip_special_tokens=skip_special_tokens) for ids in sequences]


class DataCollatorWithPadding:
    """collate_fn for DataLoader: pads a list of {"input_ids": [...], ...} features to the longest
    (or `max_length`) and stacks them into tensors; "label"/"labels" become a "labels" tensor."""

    def __init__(self, tokenizer, padding=True, max_length=None, pad_to_multiple_of=None, return_tensors="pt"):
        self.tokenizer, self.padding, self.max_length = tokenizer, padding, max_length
        self.pad_to_multiple_of, self.return_tensors = pad_to_multiple_of, return_tensors

    def __call__(self, features):
        rows = [
            list(f["input_ids"].tolist() if hasattr(f["input_ids"], "tolist") else f["input_ids"]) for f in features
        ]
        length = self.max_length if self.padding == "max_length" else None
        ids, masks = pad_rows(
            rows, self.tokenizer.pad_token_id, self.tokenizer.padding_side, length, self.pad_to_multiple_of
        )
        batch = BatchEncoding(
            input_ids=_as_output(ids, self.return_tensors), attention_mask=_as_output(masks, self.return_tensors)
        )
        for key in ("label", "labels"):
            if key in features[0]:
                values = [f[key] for f in features]
                values = [v.tolist() if hasattr(v, "tolist") else v for v in values]
                batch["labels"] = _as_output(values, self.return_tensors)
        return batch
