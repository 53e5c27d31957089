"""BPE training: the lesson's algorithm (merge the most frequent adjacent pair, repeat), made fast.

The lesson recounts every pair after each merge. Here the pairs are counted once; a merge then
only visits the words that contain the merged pair (an index pair -> word positions) and updates
the counts of the pairs it destroys and creates. The most frequent pair comes from a heap with
lazy invalidation: an entry whose count went stale is pushed back with the current count when it
reaches the top, instead of being searched for and fixed at every update.

The rules are those of the Hugging Face `tokenizers` BpeTrainer, so that both learn the same
merges and ids from the same words:
- ids: special tokens first (in the order given), then the alphabet (the characters of the words
  plus `initial_alphabet`) sorted by code point, then one new id per merge;
- the next merge is the pair with the highest count; among equal counts, the pair with the
  smallest (left id, right id), i.e. ids, not strings, decide ties (tokenizers' `Merge::cmp`);
- training stops when the vocabulary reaches `vocab_size` or the best count is below
  `min_frequency` (or below 1);
- inside a word, a pair is merged left to right without overlap ('a a a' -> 'aa a'), and the
  counts of the merged pair itself are not decremented (its heap entry is consumed), exactly as
  tokenizers' `Word::merge` does;
- a merge that produces a string already in the vocabulary reuses its id.
"""

import heapq
from collections import defaultdict


def train_bpe(
    word_counts,
    vocab_size,
    min_frequency=0,
    special_tokens=(),
    initial_alphabet=(),
    limit_alphabet=None,
    continuing_subword_prefix=None,
    end_of_word_suffix=None,
):
    """Learn BPE merges from {word: count}.

    Returns (vocab {token: id}, merges [(left, right)] in rank order).
    """
    id2w, w2id = [], {}

    def add(token):
        if token not in w2id:
            w2id[token] = len(id2w)
            id2w.append(token)

    for token in special_tokens:
        add(token)

    # 2. alphabet: every character seen (weighted by count) plus the initial alphabet, which always stays
    freq = defaultdict(int)
    for word, count in word_counts.items():
        for ch in word:
            freq[ch] += count
    forced = set(initial_alphabet)
    for ch in forced:
        freq[ch] = float("inf")
    kept = list(freq)
    if limit_alphabet is not None and len(kept) > limit_alphabet:
        kept.sort(key=lambda ch: freq[ch])  # the rarest go
        kept = kept[len(kept) - limit_alphabet :]
    for ch in sorted(kept):
        add(ch)

    # 3. words as lists of ids
    words, counts = [], []
    plain = not continuing_subword_prefix and not end_of_word_suffix and limit_alphabet is None
    for word, count in word_counts.items():
        if plain:  # every character is in the alphabet, as itself
            words.append([w2id[ch] for ch in word])
            counts.append(count)
            continue
        ids, last = [], len(word) - 1
        for i, ch in enumerate(word):
            if ch not in w2id:
                continue  # dropped from the alphabet
            s = ch
            if i > 0 and continuing_subword_prefix:
                s = continuing_subword_prefix + s
            if i == last and end_of_word_suffix:
                s = s + end_of_word_suffix
            add(s)
            ids.append(w2id[s])
        words.append(ids)
        counts.append(count)

    # 4. count pairs once, with where each occurs
    pair_counts = defaultdict(int)
    where = defaultdict(set)
    for i, ids in enumerate(words):
        count = counts[i]
        for pair in zip(ids, ids[1:]):
            pair_counts[pair] += count
            where[pair].add(i)
    seq = 0
    heap = []
    for pair, pos in where.items():
        if pair_counts[pair] > 0:
            heap.append((-pair_counts[pair], pair[0], pair[1], seq, pos))
            seq += 1
    heapq.heapify(heap)

    # 5. merge
    merges = []
    prefix_len = len(continuing_subword_prefix) if continuing_subword_prefix else 0
    while len(w2id) < vocab_size and heap:
        neg, a, b, _, pos = heapq.heappop(heap)
        current = pair_counts[a, b]
        if -neg != current:  # stale: back in with its current count
            heapq.heappush(heap, (-current, a, b, seq, pos))
            seq += 1
            continue
        if current < 1 or current < min_frequency:
            break
        right = id2w[b]
        if prefix_len and right.startswith(continuing_subword_prefix):
            right = right[prefix_len:]
        new_token = id2w[a] + right
        add(new_token)
        new = w2id[new_token]
        merges.append((id2w[a], id2w[b]))

        created = defaultdict(set)
        for i in pos:
            ids = words[i]
            end = len(ids) - 1  # a pair starts before the last symbol
            if end < 1:
                continue
            count = counts[i]
            out, last, k = [], 0, 0
            while k < end:
                try:
                    k = ids.index(a, k, end)  # C-speed scan to the next candidate
                except ValueError:
                    break
                if ids[k + 1] != b:
                    k += 1
                    continue
                if k > last:
                    out.extend(ids[last:k])
                if out:
                    prev = out[-1]
                    pair_counts[prev, a] -= count
                    pair_counts[prev, new] += count
                    created[prev, new].add(i)
                out.append(new)
                k += 2
                last = k
                if k <= end:
                    nxt = ids[k]
                    pair_counts[b, nxt] -= count
                    pair_counts[new, nxt] += count
                    created[new, nxt].add(i)
            if last:
                out.extend(ids[last:])
                words[i] = out
        for pair, where_new in created.items():
            count = pair_counts[pair]
            if count > 0:
                heapq.heappush(heap, (-count, pair[0], pair[1], seq, where_new))
                seq += 1
    return w2id, merges


class BpeTrainer:
    """The settings of a BPE training run, as tokenizers' `trainers.BpeTrainer`."""

    def __init__(
        self,
        vocab_size=30000,
        min_frequency=0,
        show_progress=True,
        special_tokens=(),
        limit_alphabet=None,
        initial_alphabet=(),
        continuing_subword_prefix=None,
        end_of_word_suffix=None,
        max_token_length=None,
    ):
        if max_token_length is not None:
            raise NotImplementedError("max_token_length is not supported")
        self.vocab_size, self.min_frequency, self.show_progress = vocab_size, min_frequency, show_progress
        self.special_tokens = [getattr(t, "content", t) for t in special_tokens]
        self.limit_alphabet, self.initial_alphabet = limit_alphabet, list(initial_alphabet)
        self.continuing_subword_prefix, self.end_of_word_suffix = continuing_subword_prefix, end_of_word_suffix

    def train(self, word_counts):
        return train_bpe(
            word_counts,
            self.vocab_size,
            self.min_frequency,
            self.special_tokens,
            self.initial_alphabet,
            self.limit_alphabet,
            self.continuing_subword_prefix,
            self.end_of_word_suffix,
        )
