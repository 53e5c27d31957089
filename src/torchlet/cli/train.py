"""`torchlet train`: train a vision model on a dataset, with validation,
TensorBoard logging, checkpoints and exact resume.

    torchlet train                                # LeNet on the built-in Digits
    torchlet train --model resnet18 --dataset cifar10 --download --epochs 5

Each epoch: a tqdm bar with the running loss and accuracy, then one summary
line. At the end: a table (best epoch, accuracies, time, samples/s) and the
paths written. The checkpoints (`last.pt` after every epoch, `best.pt` at the
best validation accuracy) hold everything `--resume`, `torchlet evaluate`
and `torchlet predict` need: model name and arguments, class names,
preprocessing (size, channels, normalization), optimizer and scheduler
state, epoch, RNG state and history. Ctrl-C stops; `last.pt` then holds the
last finished epoch and `--resume` continues from it exactly (same batches,
same numbers as an uninterrupted run).
"""

import math
import os
import sys
import time

from .registry import UsageError, build_model, preprocess, transform_for, load_split
from . import checkpoint as ckpt

__all__ = ["train", "DEFAULTS"]

DEFAULTS = {
    "model": "lenet",
    "dataset": "digits",
    "data_root": "data",
    "download": False,
    "epochs": 10,
    "batch_size": 64,
    "lr": None,
    "optimizer": "adam",
    "momentum": 0.9,
    "weight_decay": 0.0,
    "scheduler": "none",
    "val_fraction": 0.1,
    "workers": 0,
    "seed": 0,
    "device": "auto",
    "logdir": None,
    "checkpoint_dir": "checkpoints",
}
DEFAULT_LR = {"sgd": 0.05, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3}
# options that --resume may change; the others come from the checkpoint
RESUMABLE = ("epochs", "workers", "device", "logdir", "checkpoint_dir", "data_root", "download")
MATERIALIZE_BYTES = 256 << 20


def _settings(args):
    """The run's settings: defaults, then a resumed checkpoint's, then the options given."""
    given = {k: v for k, v in vars(args).items() if k in DEFAULTS and v is not None}
    settings = dict(DEFAULTS)
    state = None
    if getattr(args, "resume", None):
        state = ckpt.load(args.resume)
        if "model" in given and given["model"] != state["model"]:
            raise UsageError(f"checkpoint {args.resume} is a {state['model']} model, not {given['model']}")
        for key in ("dataset",):
            if key in given and given[key] != state["args"][key]:
                raise UsageError(f"checkpoint {args.resume} was trained on {state['args'][key]}, not {given[key]}")
        settings.update(state["args"])
        given = {k: v for k, v in given.items() if k in RESUMABLE}
    settings.update(given)
    if settings["lr"] is None:
        settings["lr"] = DEFAULT_LR[settings["optimizer"]]
    if not settings["lr"] > 0:
        raise UsageError(f"--lr must be positive, got {settings['lr']}")
    for key in ("epochs", "batch_size"):
        if settings[key] < 1:
            raise UsageError(f"--{key.replace('_', '-')} must be at least 1, got {settings[key]}")
    if not 0 <= settings["val_fraction"] < 1:
        raise UsageError(f"--val-fraction must be in [0, 1), got {settings['val_fraction']}")
    if settings["weight_decay"] < 0 or settings["momentum"] < 0:
        raise UsageError("--weight-decay and --momentum must not be negative")
    if settings["workers"] < 0:
        raise UsageError(f"--workers must not be negative, got {settings['workers']}")
    return settings, state


def _device(name):
    """--device: cpu, cuda, cuda:N, or auto (cuda when available, else cpu)."""
    import torchlet

    if name == "auto":
        return torchlet.device("cuda" if torchlet.cuda.is_available() else "cpu")
    try:
        device = torchlet.device(name)
    except (RuntimeError, ValueError, TypeError) as e:
        raise UsageError(f"bad --device {name!r}: {e}") from None
    if device.type == "cuda" and not torchlet.cuda.is_available():
        raise UsageError("--device cuda: CUDA is not available (torchlet uses CuPy for CUDA)")
    return device


def _materialize(dataset, workers):
    """A TensorDataset of the preprocessed images when they fit in memory, so
    epochs don't redo the (deterministic) decoding and resizing."""
    import torchlet
    from ..utils.data import DataLoader, TensorDataset

    if dataset is None or len(dataset) == 0:
        return dataset
    x0, _ = dataset[0]
    if len(dataset) * x0.numel() * 4 > MATERIALIZE_BYTES:
        return dataset
    xs, ys = [], []
    for x, y in DataLoader(dataset, batch_size=256, num_workers=workers):
        xs.append(x)
        ys.append(torchlet.as_tensor(y))
    return TensorDataset(torchlet.cat(xs), torchlet.cat(ys))


def _optimizer(s, params):
    from .. import optim

    if s["optimizer"] == "sgd":
        return optim.SGD(params, lr=s["lr"], momentum=s["momentum"], weight_decay=s["weight_decay"])
    if s["optimizer"] == "adam":
        return optim.Adam(params, lr=s["lr"], weight_decay=s["weight_decay"])
    if s["optimizer"] == "adamw":
        return optim.AdamW(params, lr=s["lr"], weight_decay=s["weight_decay"] or 0.01)
    if s["optimizer"] == "rmsprop":
        return optim.RMSprop(params, lr=s["lr"], momentum=s["momentum"], weight_decay=s["weight_decay"])
    raise UsageError(f"unknown optimizer {s['optimizer']!r} (sgd, adam, adamw, rmsprop)")


def _scheduler(s, optimizer, steps_per_epoch):
    """(scheduler or None, stepped per batch?)"""
    from ..optim import lr_scheduler as sched

    name = s["scheduler"]
    if name == "none":
        return None, False
    if name == "step":
        return sched.StepLR(optimizer, step_size=max(1, s["epochs"] // 3), gamma=0.1), False
    if name == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=s["epochs"]), False
    if name == "onecycle":
        return sched.OneCycleLR(optimizer, max_lr=s["lr"], total_steps=s["epochs"] * steps_per_epoch), True
    raise UsageError(f"unknown scheduler {name!r} (none, step, cosine, onecycle)")


def run_epoch(model, loader, loss_fn, device, optimizer=None, scheduler=None, desc=None):
    """One pass; trains when an optimizer is given. Returns (mean loss, accuracy, samples)."""
    import torchlet
    from tqdm import tqdm

    training = optimizer is not None
    model.train(training)
    total_loss, correct, seen = 0.0, 0, 0
    bar = tqdm(
        loader,
        desc=desc,
        unit="batch",
        leave=False,
        disable=None if desc else True,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    with torchlet.set_grad_enabled(training):
        for i, (x, y) in enumerate(bar):
            x, y = x.to(device), y.to(device)
            out = model(x)
            loss = loss_fn(out, y)
            if training:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
            n = y.shape[0]
            total_loss += loss.item() * n
            correct += int((out.argmax(1) == y).sum().item())
            seen += n
            if i % 5 == 0:
                bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{100 * correct / seen:.2f}%")
    bar.close()
    return total_loss / max(seen, 1), correct / max(seen, 1), seen


def _log_epoch(writer, model, epoch, train, val, lr):
    if writer is None:
        return
    writer.add_scalar("loss/train", train[0], epoch)
    writer.add_scalar("accuracy/train", train[1], epoch)
    if val is not None:
        writer.add_scalar("loss/val", val[0], epoch)
        writer.add_scalar("accuracy/val", val[1], epoch)
    writer.add_scalar("lr", lr, epoch)
    for name, p in model.named_parameters():
        writer.add_histogram(f"weights/{name}", p.detach(), epoch)
        if p.grad is not None:
            writer.add_histogram(f"gradients/{name}", p.grad, epoch)


def _writer(logdir):
    if not logdir:
        return None
    try:
        from ..utils.tensorboard import SummaryWriter
    except ImportError as e:
        raise UsageError(f"--logdir needs TensorBoard: {e}") from None
    return SummaryWriter(log_dir=logdir)


def _join_world():
    """(world size, rank): a process group when a launcher started several ranks."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1 or "RANK" not in os.environ:
        return 1, 0
    from .. import distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("gloo")
    return dist.get_world_size(), dist.get_rank()


def _world_mean(result):
    """(mean loss, accuracy, samples) of one rank -> the same over every rank."""
    import torchlet
    from .. import distributed as dist

    loss, acc, seen = result
    t = torchlet.tensor([loss * seen, acc * seen, float(seen)], dtype=torchlet.float64)
    dist.all_reduce(t)
    total = max(t[2].item(), 1)
    return t[0].item() / total, t[1].item() / total, int(t[2].item())


def train(args, out=None):
    """Run `torchlet train` with parsed arguments; returns the exit status."""
    import random
    import numpy as np
    import torchlet
    from .. import nn
    from ..utils.data import DataLoader, random_split

    out = out or sys.stdout
    world, rank = _join_world()
    if rank:  # one report: rank 0's, with every rank's samples counted
        out = open(os.devnull, "w")
    s, state = _settings(args)
    device = _device(s["device"])
    torchlet.manual_seed(s["seed"])
    random.seed(s["seed"])
    np.random.seed(s["seed"])

    pre = preprocess(s["model"], s["dataset"])
    transform = transform_for(pre)
    train_full = load_split(s["dataset"], s["data_root"], True, s["download"], transform)
    test_set = load_split(s["dataset"], s["data_root"], False, s["download"], transform)
    classes = [str(c) for c in train_full.classes]
    n_val = int(round(len(train_full) * s["val_fraction"]))
    if n_val:
        split_gen = torchlet.Generator().manual_seed(s["seed"])
        train_set, val_set = random_split(train_full, [len(train_full) - n_val, n_val], generator=split_gen)
    else:
        train_set, val_set = train_full, None
    if test_set is None:  # an ImageFolder without test/ or val/: test on the validation split
        test_set = val_set
    train_set, val_set = _materialize(train_set, s["workers"]), _materialize(val_set, s["workers"])
    test_set = _materialize(test_set, s["workers"])

    model = build_model(s["model"], len(classes)).to(device)
    sampler = None
    if world > 1:  # each rank its share of every epoch's permutation; --batch-size is per rank
        from ..utils.data.distributed import DistributedSampler

        sampler = DistributedSampler(train_set, world, rank, shuffle=True, seed=s["seed"])
    loader = DataLoader(
        train_set, batch_size=s["batch_size"], shuffle=sampler is None, sampler=sampler, num_workers=s["workers"]
    )
    val_loader = DataLoader(val_set, batch_size=256, num_workers=s["workers"]) if val_set is not None else None
    test_loader = DataLoader(test_set, batch_size=256, num_workers=s["workers"]) if test_set is not None else None
    optimizer = _optimizer(s, model.parameters())
    scheduler, per_batch = _scheduler(s, optimizer, len(loader))
    loss_fn = nn.CrossEntropyLoss()

    start_epoch, history, best = 0, [], {"epoch": 0, "val_accuracy": -1.0}
    if state is not None:
        ckpt.restore(state, model, optimizer, scheduler)
        start_epoch, history, best = state["epoch"], list(state["history"]), dict(state["best"])
        print(f"resuming {state['model']} on {s['dataset']} from {args.resume} (epoch {start_epoch})", file=out)
    meta = {
        "model": s["model"],
        "model_args": {"num_classes": len(classes)},
        "classes": classes,
        "preprocess": pre,
        "args": s,
    }
    checkpoints = ckpt.Checkpoints(s["checkpoint_dir"], meta, writer=rank == 0)  # one writer
    net = model
    if world > 1:
        from ..nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model)  # rank 0's initial weights everywhere
    checkpoints.start(state is None, model, optimizer, scheduler, history, best)

    writer = _writer(s["logdir"]) if rank == 0 else None
    if writer is not None and state is None:
        example = next(iter(loader))[0][:1].to(device)
        try:
            writer.add_graph(model, example)
        except Exception as e:  # the graph is a nicety: say so and go on
            print(f"note: no model graph in TensorBoard ({type(e).__name__}: {e})", file=sys.stderr)

    n_params = sum(p.numel() for p in model.parameters())
    print(
        f"training {s['model']} ({n_params:,} parameters) on {s['dataset']}: {len(train_set)} train, "
        f"{len(val_set) if val_set is not None else 0} val, {len(test_set) if test_set is not None else 0} "
        f"test images, {len(classes)} classes; {s['optimizer']} lr {s['lr']:g}, batch {s['batch_size']}, "
        f"{s['epochs']} epochs" + (f" on {world} ranks" if world > 1 else ""),
        file=out,
    )
    t0, trained = time.time(), 0
    epoch = start_epoch
    try:
        for epoch in range(start_epoch + 1, s["epochs"] + 1):
            t_epoch = time.time()
            if sampler is not None:
                sampler.set_epoch(epoch)
            tr = run_epoch(
                net,
                loader,
                loss_fn,
                device,
                optimizer,
                scheduler if per_batch else None,
                desc=f"epoch {epoch}/{s['epochs']}" if rank == 0 else None,
            )
            if world > 1:
                tr = _world_mean(tr)
            lr = optimizer.param_groups[0]["lr"]
            if scheduler is not None and not per_batch:
                scheduler.step()
            trained += tr[2]
            va = run_epoch(model, val_loader, loss_fn, device)[:2] if val_loader is not None else None
            score = va[1] if va is not None else tr[1]
            improved = score > best["val_accuracy"]
            if improved:
                best = {"epoch": epoch, "val_accuracy": score}
            history.append(
                {
                    "epoch": epoch,
                    "train_loss": tr[0],
                    "train_accuracy": tr[1],
                    "val_loss": va[0] if va else None,
                    "val_accuracy": va[1] if va else None,
                    "lr": lr,
                }
            )
            _log_epoch(writer, model, epoch, tr, va, lr)
            line = (
                f"epoch {epoch:>{len(str(s['epochs']))}}/{s['epochs']}  train loss {tr[0]:.4f} acc {100 * tr[1]:6.2f}%"
            )
            if va is not None:
                line += f"  val loss {va[0]:.4f} acc {100 * va[1]:6.2f}%"
            line += f"  lr {lr:.3g}  {time.time() - t_epoch:.1f}s" + ("  *" if improved else "")
            print(line, file=out, flush=True)
            checkpoints.epoch_done(model, optimizer, scheduler, epoch, history, best, improved)
            if world > 1:
                from .. import distributed as dist

                dist.barrier()
    except KeyboardInterrupt:
        if writer is not None:
            writer.close()
        print(checkpoints.interrupted(epoch), file=out, flush=True)
        return 130
    elapsed = time.time() - t0

    checkpoints.load_best(model, best)
    test = run_epoch(model, test_loader, loss_fn, device)[:2] if test_loader is not None else (math.nan, math.nan)
    rows = [
        ("best epoch", str(best["epoch"])),
        ("best val accuracy" if val_set is not None else "best train accuracy", f"{100 * best['val_accuracy']:.2f}%"),
        ("test loss", f"{test[0]:.4f}"),
        ("test accuracy", f"{100 * test[1]:.2f}%"),
        ("time", f"{elapsed:.1f}s"),
        ("samples/s", f"{trained / elapsed:.0f}" if elapsed > 0 else "-"),
    ]
    width = max(len(k) for k, _ in rows)
    print("", file=out)
    for k, v in rows:
        print(f"{k:<{width}}  {v:>10}", file=out)
    written = checkpoints.written(best)
    if writer is not None:
        writer.add_hparams(
            {
                k: (v if isinstance(v, (int, float, str, bool)) else str(v))
                for k, v in s.items()
                if k not in ("data_root", "logdir", "checkpoint_dir")
            },
            {
                "hparam/test_accuracy": test[1],
                "hparam/test_loss": test[0],
                "hparam/best_val_accuracy": best["val_accuracy"],
            },
        )
        writer.close()
        written.append(f"{s['logdir']} (view with: tensorboard --logdir {s['logdir']})")
    if written:
        print("wrote " + ", ".join(written), file=out)
    if world > 1:
        from .. import distributed as dist

        dist.destroy_process_group()
    return 0
