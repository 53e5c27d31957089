"""`torchlet train --task lm`: train a character/BPE language model (GPT or LSTM) on a text.

    torchlet train --task lm                                   # char GPT on the shipped Shakespeare
    torchlet train --task lm --model lstm --dataset timemachine --download
    torchlet train --task lm --dataset my.txt --tokenizer bpe:512

The text is tokenized (``char``: its sorted characters; ``bpe:N``: a byte-level BPE of N tokens
trained on it), split 90/10 into train / validation streams. An epoch is ``--steps-per-epoch``
minibatches of random ``--block-size`` windows of the train stream (drawn from torchlet's global
generator, so ``--resume`` continues with the very batches an uninterrupted run would see);
validation is the mean loss over up to ``--eval-batches`` batches of contiguous blocks of the
validation stream, printed with its perplexity exp(loss). Checkpoints (last.pt, best.pt) hold the
model config, the tokenizer and the optimizer/RNG state; `torchlet generate` samples from them.
"""

import math
import sys
import time

from .registry import UsageError
from . import checkpoint as ckpt

__all__ = ["train_lm", "LM_DEFAULTS", "build_lm", "tokenizer_from_state"]

LM_DEFAULTS = {
    "task": "lm",
    "model": "gpt",
    "dataset": "shakespeare",
    "data_root": "data",
    "download": False,
    "tokenizer": "char",
    "epochs": 6,
    "steps_per_epoch": 100,
    "batch_size": 32,
    "block_size": 64,
    "n_layer": 2,
    "n_head": 4,
    "n_embd": 128,
    "dropout": 0.0,
    "lr": 3e-3,
    "optimizer": "adamw",
    "momentum": 0.9,
    "weight_decay": 0.0,
    "scheduler": "cosine",
    "grad_clip": 1.0,
    "val_fraction": 0.1,
    "eval_batches": 8,
    "workers": 0,
    "seed": 0,
    "device": "auto",
    "logdir": None,
    "checkpoint_dir": "checkpoints",
}
RESUMABLE = ("epochs", "device", "logdir", "checkpoint_dir", "data_root", "download", "workers")


def _settings(args):
    given = {k: v for k, v in vars(args).items() if k in LM_DEFAULTS and v is not None}
    s, state = dict(LM_DEFAULTS), None
    if getattr(args, "resume", None):
        state = ckpt.load(args.resume)
        if state["args"].get("task") != "lm":
            raise UsageError(f"checkpoint {args.resume} is not a language model (train it without --task lm)")
        for key in ("model", "dataset", "tokenizer"):
            if key in given and given[key] != state["args"][key]:
                raise UsageError(f"checkpoint {args.resume} has {key} {state['args'][key]}, not {given[key]}")
        s.update(state["args"])
        given = {k: v for k, v in given.items() if k in RESUMABLE}
    s.update(given)
    if s["model"] not in ("gpt", "lstm"):
        raise UsageError(f"--model for --task lm must be gpt or lstm, got {s['model']!r}")
    for key in ("epochs", "steps_per_epoch", "batch_size", "block_size", "n_layer", "n_head", "n_embd", "eval_batches"):
        if s[key] < 1:
            raise UsageError(f"--{key.replace('_', '-')} must be at least 1, got {s[key]}")
    if s["n_embd"] % s["n_head"]:
        raise UsageError(f"--n-embd {s['n_embd']} must be divisible by --n-head {s['n_head']}")
    if not s["lr"] > 0:
        raise UsageError(f"--lr must be positive, got {s['lr']}")
    if not 0 < s["val_fraction"] < 1:
        raise UsageError(f"--val-fraction must be in (0, 1) for --task lm, got {s['val_fraction']}")
    return s, state


def _make_tokenizer(spec, text):
    """(tokenizer, its checkpoint state). spec: 'char' or 'bpe:N'."""
    from ..text.datasets import CharVocab

    if spec == "char":
        tok = CharVocab(text)
        return tok, tok.state_dict()
    if spec.startswith("bpe:"):
        try:
            n = int(spec[4:])
        except ValueError:
            n = 0
        if n < 257:
            raise UsageError(f"--tokenizer bpe:N needs an integer N >= 257 (256 bytes + merges), got {spec!r}")
        from ..text.tokenizers import ByteLevelBPETokenizer

        tok = ByteLevelBPETokenizer()
        tok.train_from_iterator(text.splitlines(keepends=True), vocab_size=n, min_frequency=2, show_progress=False)
        return tok, {"type": "bpe", "json": tok.to_str()}
    raise UsageError(f"--tokenizer must be char or bpe:N, got {spec!r}")


def tokenizer_from_state(state):
    from ..text.datasets import CharVocab

    if state["type"] == "char":
        return CharVocab.from_state_dict(state)
    from ..text.tokenizers import Tokenizer

    return Tokenizer.from_str(state["json"])


def encode(tok, text):
    """Token ids of text with a CharVocab or a torchlet.text.tokenizers Tokenizer."""
    return tok.encode_ids(text) if hasattr(tok, "encode_ids") else tok.encode(text)


def build_lm(name, args):
    from ..models import GPT, GPTConfig, RNNLM

    if name == "gpt":
        return GPT(GPTConfig(**args))
    return RNNLM(**args)


def _model_args(s, vocab_size):
    if s["model"] == "gpt":
        return dict(
            vocab_size=vocab_size,
            block_size=s["block_size"],
            n_layer=s["n_layer"],
            n_head=s["n_head"],
            n_embd=s["n_embd"],
            dropout=s["dropout"],
        )
    return dict(
        vocab_size=vocab_size,
        embed_size=s["n_embd"],
        hidden_size=2 * s["n_embd"],
        num_layers=s["n_layer"],
        dropout=s["dropout"],
    )


def _random_batch(data, batch_size, block_size):
    import torchlet

    ix = torchlet.randint(0, len(data) - block_size - 1, (batch_size, 1))
    pos = ix + torchlet.arange(block_size)
    return data[pos], data[pos + 1]


def evaluate_lm(model, val_set, batch_size, max_batches):
    import torchlet
    from ..utils.data import DataLoader

    model.eval()
    total, n = 0.0, 0
    with torchlet.no_grad():
        for i, (x, y) in enumerate(DataLoader(val_set, batch_size=batch_size)):
            if i == max_batches:
                break
            _, loss = model(x, y)
            total += loss.item() * x.shape[0]
            n += x.shape[0]
    model.train()
    return total / max(n, 1)


def _ppl(loss):
    return math.exp(loss) if loss < 700 else math.inf


def sample_text(model, tok, prompt, max_new_tokens, temperature=0.8, top_k=None, top_p=None, generator=None):
    import torchlet

    ids = encode(tok, prompt) or [0]
    out = model.generate(
        torchlet.tensor([ids], dtype=torchlet.long),
        max_new_tokens,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        generator=generator,
    )
    return tok.decode(out[0].tolist())


def train_lm(args, out=None):
    import torchlet
    from tqdm import tqdm
    from ..nn.utils import clip_grad_norm_
    from ..text.datasets import LanguageModelDataset, load_corpus
    from .train import _device, _optimizer, _scheduler, _writer

    out = out or sys.stdout
    s, state = _settings(args)
    device = _device(s["device"])
    torchlet.manual_seed(s["seed"])
    try:
        text = load_corpus(s["dataset"], s["data_root"], download=s["download"])
    except (RuntimeError, ValueError, OSError) as e:
        raise UsageError(str(e).splitlines()[0]) from None
    if state is not None:
        tok, tok_state = tokenizer_from_state(state["tokenizer"]), state["tokenizer"]
    else:
        tok, tok_state = _make_tokenizer(s["tokenizer"], text)
    data = torchlet.tensor(encode(tok, text), dtype=torchlet.long)
    n_val = int(len(data) * s["val_fraction"])
    train_data, val_data = data[: len(data) - n_val], data[len(data) - n_val :]
    if len(train_data) <= s["block_size"] + 1 or len(val_data) <= s["block_size"] + 1:
        raise UsageError(f"the text ({len(data)} tokens) is too short for --block-size {s['block_size']}")
    val_set = LanguageModelDataset(val_data, s["block_size"])
    vocab_size = tok.get_vocab_size()
    model_args = _model_args(s, vocab_size)
    model = build_lm(s["model"], model_args).to(device)
    optimizer = _optimizer(s, model.parameters())
    scheduler, _ = _scheduler(s, optimizer, s["steps_per_epoch"])
    start_epoch, history, best = 0, [], {"epoch": 0, "val_loss": math.inf}
    if state is not None:
        ckpt.restore(state, model, optimizer, scheduler)
        start_epoch, history, best = state["epoch"], list(state["history"]), dict(state["best"])
        print(f"resuming {s['model']} on {s['dataset']} from {args.resume} (epoch {start_epoch})", file=out)
    meta = {"model": s["model"], "model_args": model_args, "tokenizer": tok_state, "args": s}
    checkpoints = ckpt.Checkpoints(s["checkpoint_dir"], meta)
    checkpoints.start(state is None, model, optimizer, scheduler, history, best)
    writer = _writer(s["logdir"])
    n_params = sum(p.numel() for p in model.parameters())
    print(
        f"training {s['model']} language model ({n_params:,} parameters) on {s['dataset']}: "
        f"{len(train_data):,} train / {len(val_data):,} val tokens, {s['tokenizer']} vocabulary of {vocab_size}; "
        f"{s['optimizer']} lr {s['lr']:g}, batch {s['batch_size']} x {s['block_size']}, "
        f"{s['epochs']} epochs of {s['steps_per_epoch']} steps",
        file=out,
        flush=True,
    )
    t0, epoch, width = time.time(), start_epoch, len(str(s["epochs"]))
    try:
        for epoch in range(start_epoch + 1, s["epochs"] + 1):
            t_epoch, total = time.time(), 0.0
            model.train()
            bar = tqdm(
                range(s["steps_per_epoch"]),
                desc=f"epoch {epoch}/{s['epochs']}",
                unit="step",
                leave=False,
                file=sys.stderr,
                dynamic_ncols=True,
                disable=None,
            )
            for i in bar:
                x, y = _random_batch(train_data, s["batch_size"], s["block_size"])
                _, loss = model(x.to(device), y.to(device))
                optimizer.zero_grad()
                loss.backward()
                if s["grad_clip"]:
                    clip_grad_norm_(model.parameters(), s["grad_clip"])
                optimizer.step()
                total += loss.item()
                if i % 5 == 0:
                    bar.set_postfix(loss=f"{total / (i + 1):.4f}")
            bar.close()
            lr = optimizer.param_groups[0]["lr"]
            if scheduler is not None:
                scheduler.step()
            train_loss = total / s["steps_per_epoch"]
            val_loss = evaluate_lm(model, val_set, s["batch_size"], s["eval_batches"])
            improved = val_loss < best["val_loss"]
            if improved:
                best = {"epoch": epoch, "val_loss": val_loss}
            history.append(
                {
                    "epoch": epoch,
                    "train_loss": train_loss,
                    "val_loss": val_loss,
                    "val_perplexity": _ppl(val_loss),
                    "lr": lr,
                }
            )
            if writer is not None:
                writer.add_scalar("loss/train", train_loss, epoch)
                writer.add_scalar("loss/val", val_loss, epoch)
                writer.add_scalar("perplexity/train", _ppl(train_loss), epoch)
                writer.add_scalar("perplexity/val", _ppl(val_loss), epoch)
                writer.add_scalar("lr", lr, epoch)
            print(
                f"epoch {epoch:>{width}}/{s['epochs']}  train loss {train_loss:.4f} ppl {_ppl(train_loss):7.2f}  "
                f"val loss {val_loss:.4f} ppl {_ppl(val_loss):7.2f}  lr {lr:.3g}  {time.time() - t_epoch:.1f}s"
                + ("  *" if improved else ""),
                file=out,
                flush=True,
            )
            checkpoints.epoch_done(model, optimizer, scheduler, epoch, history, best, improved)
    except KeyboardInterrupt:
        if writer is not None:
            writer.close()
        print(checkpoints.interrupted(epoch), file=out, flush=True)
        return 130
    elapsed = time.time() - t0
    checkpoints.load_best(model, best)
    sample = sample_text(
        model,
        tok,
        text[:1] if s["tokenizer"] == "char" else "\n",
        200,
        generator=torchlet.Generator().manual_seed(s["seed"]),
    )
    print(
        f"\nbest epoch {best['epoch']}: val loss {best['val_loss']:.4f} (perplexity {_ppl(best['val_loss']):.2f}); "
        f"{elapsed:.1f}s\nsample:\n{sample}\n",
        file=out,
    )
    written = checkpoints.written(best)
    if writer is not None:
        writer.add_text("sample", sample, epoch)
        writer.close()
        written.append(f"{s['logdir']} (view with: tensorboard --logdir {s['logdir']})")
    if written:
        print("wrote " + ", ".join(written), file=out)
    return 0
