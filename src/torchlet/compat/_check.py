"""`python -m torchlet.compat --check PROGRAM.py`: which torch/torchvision
names a program uses and which of them torchlet lacks, without running it.

The program's source is parsed (ast); imports of `torch...`, `torchvision...`,
`safetensors.torch` and `torchsummary` give the local names (`torch`, `nn`,
`F`, `transforms`, `Conv2d`, ...); every attribute chain on such a name
(`nn.functional.relu`, `torch.optim.lr_scheduler.StepLR`) is a use. Each use
is looked up in torchlet through the same mapping as the import hook. Names
reached through values (`x.view`, `model.parameters`) are not followed: their
type is not known without running the program. A local name that the program
also rebinds (`data = ...` after `from torch.utils import data`) is ambiguous:
its chains are listed only when torchlet has them.
"""

import ast
import importlib
import sys

from ._finder import target_name

__all__ = ["check_file", "check_source", "main"]


def _imports(tree):
    """local name -> dotted PyTorch name, and the dotted names imported (with lines)."""
    aliases, imported = {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if target_name(a.name) is None:
                    continue
                imported.append((a.name, node.lineno))
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    root = a.name.split(".")[0]
                    aliases[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if target_name(node.module) is None:
                continue
            for a in node.names:
                if a.name == "*":
                    imported.append((node.module, node.lineno))
                    continue
                full = f"{node.module}.{a.name}"
                imported.append((full, node.lineno))
                aliases[a.asname or a.name] = full
    return aliases, imported


def _rebound(tree, aliases):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names & set(aliases)


def _chains(tree, aliases):
    """(dotted name, line, local root) of every maximal attribute chain on an imported name."""
    inner = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner.add(id(node.value))
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or id(node) in inner:
            continue
        parts, cur = [], node
        while isinstance(cur, ast.Attribute):
            parts.append(cur.attr)
            cur = cur.value
        if isinstance(cur, ast.Name) and cur.id in aliases:
            out.append((".".join([aliases[cur.id]] + parts[::-1]), node.lineno, cur.id))
    return out


def resolve(dotted):
    """True when torchlet has the PyTorch name `dotted` (through the compat mapping)."""
    parts = dotted.split(".")
    obj, start = None, 0
    # the longest importable module prefix (torch.utils.data, torchvision.transforms, ...)
    for k in range(len(parts), 0, -1):
        name = target_name(".".join(parts[:k]))
        if name is None:
            continue
        try:
            obj = importlib.import_module(name)
        except ImportError:
            continue
        start = k
        break
    if obj is None:
        return False
    for part in parts[start:]:
        try:
            obj = getattr(obj, part)
        except (AttributeError, NotImplementedError):
            return False
    return True


def check_source(source, filename="<program>"):
    """(used, missing): sorted lists of (dotted name, [lines])."""
    tree = ast.parse(source, filename)
    aliases, imported = _imports(tree)
    ambiguous = _rebound(tree, aliases)
    uses = {}
    for name, line in imported:
        uses.setdefault(name, set()).add(line)
    weak = set()
    for name, line, root in _chains(tree, aliases):
        uses.setdefault(name, set()).add(line)
        if root in ambiguous:
            weak.add(name)
    used, missing = [], []
    for name in sorted(uses):
        ok = resolve(name)
        if not ok and name in weak:
            continue  # e.g. `data.shape` where `data` is also a variable
        entry = (name, sorted(uses[name]))
        used.append(entry)
        if not ok:
            missing.append(entry)
    return used, missing


def check_file(path):
    with open(path, encoding="utf-8") as f:
        return check_source(f.read(), path)


def _lines(lines):
    return (
        ("line " if len(lines) == 1 else "lines ")
        + ", ".join(map(str, lines[:8]))
        + (", ..." if len(lines) > 8 else "")
    )


def main(path):
    try:
        used, missing = check_file(path)
    except OSError as e:
        print(f"python -m torchlet.compat --check: can't open file {path!r}: {e.strerror}", file=sys.stderr)
        return 2
    except SyntaxError as e:
        print(f"python -m torchlet.compat --check: {path}:{e.lineno}: SyntaxError: {e.msg}", file=sys.stderr)
        return 2
    lacking = {name for name, _ in missing}
    width = max([len(name) for name, _ in used] + [10])
    print(f"{path}: uses {len(used)} torch/torchvision names; torchlet lacks {len(missing)}")
    for name, lines in used:
        mark = "MISSING" if name in lacking else "ok"
        print(f"  {mark:<8} {name:<{width}}  ({_lines(lines)})")
    if missing:
        print("torchlet does not implement: " + ", ".join(name for name, _ in missing))
    return 1 if missing else 0
