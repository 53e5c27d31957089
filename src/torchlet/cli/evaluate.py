"""`torchlet evaluate` and `torchlet predict` on a `torchlet train` checkpoint."""

import sys

from . import checkpoint as ckpt
from .registry import UsageError, transform_for, load_split


def _class_width(classes):
    return max([len(c) for c in classes] + [5])


def confusion_matrix(model, loader, num_classes):
    """(mean loss, confusion matrix as nested lists: [true][predicted])."""
    import numpy as np
    import torchlet
    from .. import nn

    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    total, seen = 0.0, 0
    with torchlet.no_grad():
        for x, y in loader:
            out = model(x)
            total += loss_fn(out, y).item()
            seen += y.shape[0]
            np.add.at(cm, (y.numpy(), out.argmax(1).numpy()), 1)
    return total / max(seen, 1), cm


def plot_confusion(cm, classes, path):
    """A PNG of the confusion matrix (row-normalized shades, counts written in)."""
    from PIL import Image, ImageDraw

    n = len(classes)
    cell, margin = 36 if n <= 20 else 12, 60
    img = Image.new("RGB", (margin + n * cell + 10, margin + n * cell + 10), "white")
    draw = ImageDraw.Draw(img)
    rows = cm.sum(axis=1, keepdims=True).clip(min=1)
    for i in range(n):
        for j in range(n):
            shade = int(255 * (1 - cm[i, j] / rows[i, 0]))
            box = (margin + j * cell, margin + i * cell, margin + (j + 1) * cell - 1, margin + (i + 1) * cell - 1)
            draw.rectangle(box, fill=(shade, shade, 255), outline=(200, 200, 200))
            if n <= 20 and cm[i, j]:
                draw.text((box[0] + 3, box[1] + 10), str(cm[i, j]), fill="black" if shade > 110 else "white")
        if n <= 20:
            draw.text((4, margin + i * cell + 10), classes[i][:8], fill="black")
            draw.text((margin + i * cell + 3, margin - 14), classes[i][:4], fill="black")
    draw.text((margin, 4), "rows: true class, columns: predicted", fill="black")
    img.save(path)


def evaluate(args, out=None):
    from ..utils.data import DataLoader

    out = out or sys.stdout
    state = ckpt.load(args.checkpoint)
    model = ckpt.model_from(state, args.model)
    s = state["args"]
    dataset = args.dataset or s["dataset"]
    if dataset != s["dataset"]:
        raise UsageError(f"the checkpoint was trained on {s['dataset']}, not {dataset}")
    classes = state["classes"]
    test = load_split(
        dataset, args.data_root or s["data_root"], False, args.download, transform_for(state["preprocess"])
    )
    if test is None:
        raise UsageError(f"{dataset} has no test/ or val/ folder to evaluate on")
    loss, cm = confusion_matrix(model, DataLoader(test, batch_size=args.batch_size), len(classes))
    total = int(cm.sum())
    print(f"checkpoint  {args.checkpoint} ({state['model']}, epoch {state['epoch']})", file=out)
    print(f"dataset     {dataset} test split, {total} images", file=out)
    print(f"loss        {loss:.4f}", file=out)
    print(f"accuracy    {100 * cm.trace() / max(total, 1):.2f}%  ({int(cm.trace())}/{total})", file=out)
    w = _class_width(classes)
    print("\nper-class accuracy:", file=out)
    for i, c in enumerate(classes):
        n = int(cm[i].sum())
        acc = f"{100 * cm[i, i] / n:6.2f}%" if n else "     -"
        print(f"  {c:<{w}}  {acc}  ({int(cm[i, i])}/{n})", file=out)
    if len(classes) <= 30:
        cw = max(len(str(int(cm.max()))), max(len(c) for c in classes), 3)
        print("\nconfusion matrix (rows: true class, columns: predicted):", file=out)
        print("  " + " " * w + " " + " ".join(f"{c[:cw]:>{cw}}" for c in classes), file=out)
        for i, c in enumerate(classes):
            print(f"  {c:<{w}} " + " ".join(f"{int(v):>{cw}}" for v in cm[i]), file=out)
    if args.plot:
        plot_confusion(cm, classes, args.plot)
        print(f"\nwrote {args.plot}", file=out)
    return 0


def predict(args, out=None):
    import torchlet
    from PIL import Image, UnidentifiedImageError

    out = out or sys.stdout
    state = ckpt.load(args.checkpoint)
    model = ckpt.model_from(state, args.model)
    classes = state["classes"]
    transform = transform_for(state["preprocess"])
    k = max(1, min(args.topk, len(classes)))
    w = _class_width(classes)
    for path in args.images:
        try:
            with Image.open(path) as img:
                img.load()
                x = transform(img)
        except FileNotFoundError:
            raise UsageError(f"no such image: {path}") from None
        except (UnidentifiedImageError, OSError, SyntaxError) as e:
            raise UsageError(f"{path} is not an image ({type(e).__name__})") from None
        with torchlet.no_grad():
            probs = torchlet.softmax(model(x.unsqueeze(0)), dim=1)[0]
        values, indices = probs.topk(k)
        print(f"{path}:", file=out)
        for p, i in zip(values.tolist(), indices.tolist()):
            print(f"  {classes[i]:<{w}}  {100 * p:6.2f}%", file=out)
    return 0
