"""Which checklist functions take `out=` in PyTorch, derived from PyTorch itself.

A function takes out= when its docstring documents `out (Tensor ...)` / `out (tuple ...)`,
when its Python signature has `out`, or when PyTorch's argument parser lists an `out`
argument for it (the TypeError a call with a bogus keyword raises lists every overload).
"""

import glob
import inspect
import os
import re

import torch

API_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "api")
if not os.path.isdir(API_DIR):
    API_DIR = "/work/shared/api"

SKIP_PREFIXES = (
    "nn.",
    "optim",
    "utils",
    "distributed",
    "autograd",
    "vision",
    "backends",
    "cuda",
    "testing",
    "random.",
    "onnx",
    "jit",
    "distributions",
    "profiler",
    "func",
    "sparse.",
)


def checklist_names():
    names = set()
    for f in glob.glob(os.path.join(API_DIR, "*.txt")):
        for line in open(f):
            if line.startswith("#"):
                continue
            for tok in line.split():
                for part in tok.split("/"):
                    if part.startswith("torchlet."):
                        names.add(part[len("torchlet.") :])
    return sorted(names)


def resolve(mod, path):
    obj = mod
    for p in path.split("."):
        obj = getattr(obj, p)
    return obj


def _probe_args():
    x, i = torch.zeros(1), torch.zeros(1, dtype=torch.long)
    return {  # positional arguments completing a call, where the parser reports them missing first
        "allclose": (x, x),
        "broadcast_to": (x, (1,)),
        "chunk": (x, 1),
        "dist": (x, x),
        "equal": (x, x),
        "flip": (x, [0]),
        "full_like": (x, 1),
        "isclose": (x, x),
        "median": (x, 0),
        "permute": (x, [0]),
        "reshape": (x, (1,)),
        "roll": (x, 1),
        "scatter_add": (x, 0, i, x),
        "scatter_reduce": (x, 0, i, x, "sum"),
        "take": (x, i),
        "tile": (x, (1,)),
        "transpose": (x, 0, 0),
        "unflatten": (x, 0, (1,)),
        "unsqueeze": (x, 0),
        "spmm": (x[None], x[None]),
        "nn.functional.avg_pool1d": (torch.zeros(1, 1, 2), 1),
        "nn.functional.avg_pool2d": (torch.zeros(1, 1, 2, 2), 1),
        "nn.functional.conv_transpose2d": (torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 1, 1)),
        "nn.functional.cosine_similarity": (x, x),
        "nn.functional.linear": (x, x[None]),
        "nn.functional.pixel_shuffle": (torch.zeros(1, 4, 1, 1), 2),
        "nn.functional.pixel_unshuffle": (torch.zeros(1, 1, 2, 2), 2),
        "nn.functional.scaled_dot_product_attention": (x[None], x[None], x[None]),
    }


class Unknown(Exception):
    pass


def _parser_takes_out(name, fn):
    """Ask PyTorch's argument parser: it lists every overload on a bad keyword, or
    refuses `out` by name."""
    x = torch.zeros(1)
    args = _probe_args().get(name, (x,))
    for kw in ("__not_an_argument__", "out"):
        try:
            fn(*args, **{kw: torch.empty(0)})
        except TypeError as e:
            msg = str(e)
            if "expected one of" in msg:
                return bool(re.search(r"\bout = None", msg))
            if "unexpected keyword argument 'out'" in msg:
                return False
            if "missing" in msg:
                raise Unknown(f"torch.{name}: add its positional arguments to _probe_args ({msg})")
            if kw == "out":
                return "argument 'out'" in msg
        except Exception:
            if kw == "out":
                return True
        else:
            if kw == "out":
                return True
    return False


def torch_takes_out(fn, name=None):
    doc = getattr(fn, "__doc__", None) or ""
    if re.search(r"\bout \((Tensor|tuple)", doc):
        return True
    if not inspect.isbuiltin(fn):
        try:
            return "out" in inspect.signature(fn).parameters
        except (TypeError, ValueError):
            return False
    return _parser_takes_out(name or fn.__name__, fn)


def torch_functions():
    """(name, torch function) for every callable checklist function outside nn/optim/..."""
    out = []
    for n in checklist_names():
        if (n.startswith(SKIP_PREFIXES) and not n.startswith("nn.functional.")) or n.startswith("Tensor."):
            continue
        try:
            f = resolve(torch, n)
        except AttributeError:
            continue
        if callable(f) and not inspect.isclass(f):
            out.append((n, f))
    return out


def out_functions():
    return [n for n, f in torch_functions() if torch_takes_out(f, n)]


def tensor_methods():
    """Tensor method names in the checklists: Tensor.* lines plus every function also a method."""
    names = set()
    for n in checklist_names():
        if n.startswith("Tensor."):
            names.add(n[len("Tensor.") :])
        elif "." not in n and callable(getattr(torch.Tensor, n, None)):
            names.add(n)
    return sorted(names)
