"""Byte-pair encoding step by step: the lesson's low/lower/newest/widest example, then the same
algorithm at scale with torchlet.text.tokenizers.

1. The lesson's algorithm as written: count every adjacent pair (weighted by word frequency), merge
   the most frequent one everywhere, repeat, printing each step.
2. torchlet's trainer (`train_bpe`: counts pairs once, then updates them incrementally with a heap)
   learns the same merges from the same words.
3. Tokenize new words with the learned merges, and map the tokens to ids for a model.
4. A byte-level BPE (GPT-2's scheme) trained on a small corpus: any text, Chinese and emoji
   included, encodes and decodes back exactly.
"""

import collections

import torchlet as torch
from torchlet.text.tokenizers import ByteLevelBPETokenizer, CharBPETokenizer, train_bpe

# 1. the lesson: words as space-separated symbols, '</w>' marks the end of a word
vocab = {"l o w </w>": 5, "l o w e r </w>": 2, "n e w e s t </w>": 6, "w i d e s t </w>": 3}


def get_stats(vocab):
    pairs = collections.Counter()
    for word, freq in vocab.items():
        symbols = word.split()
        for pair in zip(symbols, symbols[1:]):
            pairs[pair] += freq
    return pairs


def merge_vocab(pair, vocab):
    out = {}
    for word, freq in vocab.items():
        symbols, merged, i = word.split(), [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
                merged.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        out[" ".join(merged)] = freq
    return out


num_merges = 10
lesson_merges = []
print("lesson:", vocab)
for step in range(1, num_merges + 1):
    pairs = get_stats(vocab)
    best = max(pairs, key=pairs.get)  # ties: the first pair counted
    if pairs[best] < 2:
        break
    vocab = merge_vocab(best, vocab)
    lesson_merges.append(best)
    print(f"step {step:2d}: merge {best} ({pairs[best]} times) -> {vocab}")

# 2. the fast trainer on the same words (each word a tuple of symbols)
words = {
    ("l", "o", "w", "</w>"): 5,
    ("l", "o", "w", "e", "r", "</w>"): 2,
    ("n", "e", "w", "e", "s", "t", "</w>"): 6,
    ("w", "i", "d", "e", "s", "t", "</w>"): 3,
}
alphabet = {s for w in words for s in w}
learned_vocab, merges = train_bpe(words, vocab_size=len(alphabet) + len(lesson_merges), min_frequency=2)
# Replay them with the lesson's functions: each is a most frequent pair at its step. Among pairs of
# equal count the lesson takes the first one counted; torchlet (like Hugging Face tokenizers) takes the
# pair with the smallest ids (alphabet sorted, '</w>' first, then merged tokens in order of creation),
# so at some steps it picks another of the tied pairs.
vocab = {" ".join(w): n for w, n in words.items()}
for step, pair in enumerate(merges, 1):
    pairs = get_stats(vocab)
    assert pairs[pair] == max(pairs.values()), (pair, pairs)
    ties = sorted(p for p, n in pairs.items() if n == pairs[pair])
    vocab = merge_vocab(pair, vocab)
    print(f"torchlet step {step:2d}: merge {pair} ({pairs[pair]} times; tied: {ties})")
same = [a == b for a, b in zip(merges, lesson_merges)]
print(f"torchlet merges = lesson merges at {sum(same)} of {len(same)} steps; each is a most frequent pair")

# 3. the word-level tokenizer: the same merges learned from raw text ("</w>" fused to the last letter)
corpus = ["low " * 5 + "lower " * 2 + "newest " * 6 + "widest " * 3]
tok = CharBPETokenizer()
tok.train_from_iterator(corpus, vocab_size=len(alphabet) + 4 + 10, min_frequency=2, special_tokens=["<unk>"])
print("CharBPETokenizer merges:", tok.model.merges)
for word in ["lowest", "newer", "wider"]:
    enc = tok.encode(word)
    print(f"{word!r} -> {enc.tokens} ids {enc.ids}")
enc = tok.encode("lowest newest")
ids = torch.tensor(enc.ids)
print(ids, ids.dtype, ids.shape)
print("decoded:", tok.decode(enc.ids))

# 4. byte-level BPE: every UTF-8 string round-trips
text = ["The quick brown fox jumps over the lazy dog. It's 2024!\n", "你好，世界！BPE 把字节合并成词。🙂🚀\n"] * 50
bbpe = ByteLevelBPETokenizer()
bbpe.train_from_iterator(text, vocab_size=400, min_frequency=2, special_tokens=["<|endoftext|>"])
sample = "It's a fox: 你好 🙂<|endoftext|>"
enc = bbpe.encode(sample)
print(enc.tokens)
print("round trip:", bbpe.decode(enc.ids, skip_special_tokens=False) == sample)
