"""The BPE model: a vocabulary, a merge-rank table, and the per-word encoder with its cache.

Encoding one word applies the learned merges in the order they were learned: repeatedly take the
adjacent pair with the lowest rank (the earliest merge) and merge all of its occurrences left to
right, until no adjacent pair is a merge. This is the lesson's "tokenize with the learned merges";
the result equals tokenizers' heap-based `Word::merge_all`. A text repeats the same words over and
over, so each word's result is cached.
"""

_CACHE_LIMIT = 1 << 17


class BPE:
    """vocab {token: id}, merges [(left, right)] in rank order (rank 0 first)."""

    def __init__(
        self,
        vocab=None,
        merges=None,
        unk_token=None,
        continuing_subword_prefix=None,
        end_of_word_suffix=None,
        dropout=None,
    ):
        if dropout:
            raise NotImplementedError("BPE dropout is not supported")
        self.vocab = dict(vocab or {})
        self.merges = [tuple(m) for m in (merges or [])]
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.end_of_word_suffix = end_of_word_suffix
        self._build()

    def _build(self):
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        prefix = self.continuing_subword_prefix or ""
        ranks = {}
        for rank, (left, right) in enumerate(self.merges):
            if left not in self.vocab or right not in self.vocab:
                raise ValueError(f"merge {rank} ({left!r}, {right!r}) uses a token that is not in the vocabulary")
            merged = left + (right[len(prefix) :] if prefix and right.startswith(prefix) else right)
            if merged not in self.vocab:
                raise ValueError(f"merge {rank} ({left!r}, {right!r}) makes {merged!r}, which is not in the vocabulary")
            pair = (self.vocab[left], self.vocab[right])
            if pair not in ranks:
                ranks[pair] = (rank, self.vocab[merged])
        self._ranks = ranks
        self._cache = {}

    def get_vocab_size(self):
        return len(self.vocab)

    def _symbols(self, word):
        """Initial ids of a word: one per character (with prefix/suffix), unknown ones as unk_token."""
        vocab, prefix, suffix = self.vocab, self.continuing_subword_prefix, self.end_of_word_suffix
        ids, last = [], len(word) - 1
        unk = self.vocab.get(self.unk_token) if self.unk_token is not None else None
        for i, ch in enumerate(word):
            s = ch
            if prefix and i > 0:
                s = prefix + s
            if suffix and i == last:
                s = s + suffix
            t = vocab.get(s)
            if t is None:
                if unk is None:
                    continue  # no unknown token: the character is dropped, as in tokenizers
                t = unk
            ids.append(t)
        return ids

    def _merge(self, ids):
        ranks = self._ranks
        while len(ids) > 1:
            best = None
            for pair in zip(ids, ids[1:]):
                r = ranks.get(pair)
                if r is not None and (best is None or r[0] < best[0]):
                    best, left, right = r, pair[0], pair[1]
            if best is None:
                break
            new, out, k, n = best[1], [], 0, len(ids)
            while k < n:
                if k + 1 < n and ids[k] == left and ids[k + 1] == right:
                    out.append(new)
                    k += 2
                else:
                    out.append(ids[k])
                    k += 1
            ids = out
        return ids

    def tokenize_ids(self, word):
        """ids of one (pre-tokenized, byte-level when the model is byte-level) word, cached."""
        ids = self._cache.get(word)
        if ids is None:
            ids = self._merge(self._symbols(word))
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = ids
        return ids

    def save(self, folder, prefix=None):
        """Writes GPT-2's vocab.json and merges.txt (as tokenizers' `model.save`); returns the paths."""
        from ._files import write_vocab_merges

        return write_vocab_merges(self, folder, prefix)
