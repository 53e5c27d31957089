"""Next-token sampling shared by the language models' ``generate``.

logits (B, V) -> ids (B, 1): divided by ``temperature`` (0 means greedy argmax), then cut to
the ``top_k`` largest, then to the smallest set of most likely tokens whose probability mass
reaches ``top_p`` (nucleus sampling), then one draw from the softmax (torchlet.multinomial, so
a seeded generator gives PyTorch's draw)."""

__all__ = ["sample_next"]


def sample_next(logits, temperature=1.0, top_k=None, top_p=None, generator=None):
    import torchlet

    if temperature == 0:
        return logits.argmax(-1, keepdim=True)
    if temperature < 0:
        raise ValueError(f"temperature must be non-negative, got {temperature}")
    logits = logits / temperature
    if top_k is not None:
        v, _ = torchlet.topk(logits, min(int(top_k), logits.shape[-1]))
        logits = logits.masked_fill(logits < v[:, -1:], float("-inf"))
    if top_p is not None and top_p < 1.0:
        sorted_logits, order = logits.sort(-1, descending=True)
        probs = torchlet.softmax(sorted_logits, -1)
        drop = (torchlet.cumsum(probs, -1) - probs) > top_p  # mass before this token already >= top_p
        logits = logits.scatter(-1, order, sorted_logits.masked_fill(drop, float("-inf")))
    return torchlet.multinomial(torchlet.softmax(logits, -1), 1, generator=generator)
