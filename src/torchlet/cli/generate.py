"""`torchlet generate`: sample text from a `torchlet train --task lm` checkpoint.

torchlet generate --checkpoint checkpoints/best.pt --prompt "ROMEO:" --max-new-tokens 200
"""

import sys

from .registry import UsageError
from . import checkpoint as ckpt

__all__ = ["generate"]


def generate(args, out=None):
    import torchlet
    from .train_lm import build_lm, encode, tokenizer_from_state

    out = out or sys.stdout
    state = ckpt.load(args.checkpoint)
    if state["args"].get("task") != "lm":
        raise UsageError(
            f"{args.checkpoint} holds a {state['model']} classifier, not a language model "
            f"(train one with `torchlet train --task lm`)"
        )
    if args.max_new_tokens < 0:
        raise UsageError(f"--max-new-tokens must not be negative, got {args.max_new_tokens}")
    if args.temperature < 0:
        raise UsageError(f"--temperature must not be negative, got {args.temperature}")
    tok = tokenizer_from_state(state["tokenizer"])
    model = build_lm(state["model"], state["model_args"])
    ckpt.restore(state, model)
    model.eval()
    try:
        ids = encode(tok, args.prompt)
    except KeyError as e:
        raise UsageError(f"the prompt has a character the model's vocabulary lacks: {e.args[0]}") from None
    if not ids:
        ids = [0]
    gen = torchlet.Generator().manual_seed(args.seed) if args.seed is not None else None
    x = torchlet.tensor([ids] * args.num_samples, dtype=torchlet.long)
    result = model.generate(
        x, args.max_new_tokens, temperature=args.temperature, top_k=args.top_k, top_p=args.top_p, generator=gen
    )
    for i, row in enumerate(result.tolist()):
        if i:
            print("-" * 40, file=out)
        print(tok.decode(row), file=out, flush=True)
    return 0
