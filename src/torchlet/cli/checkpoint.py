"""Checkpoints of `torchlet train`: one dict saved with torchlet.save (an
atomic write: a temporary file renamed into place), loaded with
weights_only=True."""

import os

from .registry import UsageError

FORMAT = "torchlet.train/1"


def save(path, meta, model, optimizer, scheduler, epoch, history, best):
    import torchlet

    state = dict(meta)
    state.update(
        {
            "format": FORMAT,
            "state_dict": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict() if scheduler is not None else None,
            "epoch": epoch,
            "history": history,
            "best": best,
            "rng_state": torchlet.get_rng_state(),
        }
    )
    torchlet.save(state, path)


def load(path):
    """A training checkpoint; UsageError when the file is missing or not one."""
    import torchlet

    if not os.path.isfile(path):
        raise UsageError(f"no checkpoint at {path}")
    try:
        state = torchlet.load(path, map_location="cpu")  # a GPU run's checkpoint opens anywhere
    except Exception as e:
        raise UsageError(f"{path} is not a torchlet checkpoint ({type(e).__name__}: {e})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise UsageError(f"{path} is not a checkpoint written by `torchlet train`")
    return state


def restore(state, model, optimizer=None, scheduler=None):
    """Load weights (and optimizer/scheduler/RNG state) into a freshly built model."""
    import torchlet

    try:
        model.load_state_dict(state["state_dict"])
    except (RuntimeError, KeyError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UsageError(f"the checkpoint's weights do not fit model {state['model']}: {first}") from None
    if optimizer is not None:
        optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None and state.get("scheduler") is not None:
        scheduler.load_state_dict(state["scheduler"])
    if optimizer is not None:
        torchlet.set_rng_state(state["rng_state"])


def model_from(state, expect_model=None):
    """The checkpoint's model, built and loaded, in eval mode."""
    from .registry import build_model

    if expect_model is not None and expect_model != state["model"]:
        raise UsageError(f"the checkpoint holds a {state['model']} model, not {expect_model}")
    model = build_model(state["model"], **state["model_args"])
    restore(state, model)
    return model.eval()


class Checkpoints:
    """last.pt and best.pt in `--checkpoint-dir` (none when `folder` is empty), as
    both trainers keep them: last.pt after every epoch (and at epoch 0, so a
    run is resumable from its start), best.pt when the epoch improved, each
    write atomic. `writer=False` (ranks other than 0) writes nothing."""

    def __init__(self, folder, meta, writer=True):
        self.folder, self.meta, self.writer = folder, meta, writer
        self.last = os.path.join(folder, "last.pt") if folder else None
        self.best = os.path.join(folder, "best.pt") if folder else None

    def start(self, fresh, model, optimizer, scheduler, history, best):
        if self.folder and self.writer:
            os.makedirs(self.folder, exist_ok=True)
            if fresh:
                save(self.last, self.meta, model, optimizer, scheduler, 0, history, best)

    def epoch_done(self, model, optimizer, scheduler, epoch, history, best, improved):
        if self.folder and self.writer:
            save(self.last, self.meta, model, optimizer, scheduler, epoch, history, best)
            if improved:
                save(self.best, self.meta, model, optimizer, scheduler, epoch, history, best)

    def interrupted(self, epoch):
        """The line printed when Ctrl-C stops epoch `epoch`."""
        if not self.folder:
            return f"\ninterrupted during epoch {epoch} (no --checkpoint-dir, nothing saved)"
        return (
            f"\ninterrupted during epoch {epoch}; {self.last} holds epoch {epoch - 1}: continue with "
            f"`torchlet train --resume {self.last}`"
        )

    def load_best(self, model, best):
        """Put the best epoch's weights into `model` (when there is a best.pt)."""
        if self.folder and best["epoch"] and os.path.exists(self.best):
            model.load_state_dict(load(self.best)["state_dict"])

    def written(self, best):
        return [self.last] + ([self.best] if best["epoch"] else []) if self.folder else []
