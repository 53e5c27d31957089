"""_tensor.py, ops/ and autograd/ import in one direction only.

Walks the package's source with `ast` (no import runs): every `import` /
`from ... import` anywhere in a file, at module level or deferred inside a
function (a deferred import is still a dependency, only a hidden one), is an
edge to the module it names (`from .pkg import name` -> `pkg.name` when that
is a module, else `pkg`). A package's `__init__` is a node of its own: it is
the namespace of its submodules, so a submodule's import of a sibling is not
an edge to the package. Any cycle among these modules fails, with its path."""

import ast
import pathlib

import torchlet

SRC = pathlib.Path(torchlet.__file__).parent
PKG = "torchlet"


def _modules():
    mods = {}
    for p in SRC.rglob("*.py"):
        rel = p.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        mods[".".join(parts)] = p
    return mods


def _resolve(mod, is_pkg, level, name):
    if not level:
        return name
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _edges(mods):
    graph = {}
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_pkg, node.level, node.module)
                for a in node.names:
                    full = f"{base}.{a.name}"
                    deps.add(full if full in mods else base)
        graph[mod] = {d for d in deps if d in mods and d != mod}
    return graph


def _in_scope(mod):
    return mod == f"{PKG}._tensor" or mod.startswith((f"{PKG}.ops.", f"{PKG}.autograd")) or mod == f"{PKG}.ops"


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _path(graph, comp):
    """One concrete cycle through comp, for the failure message."""
    start = comp[0]
    prev, todo = {start: None}, [start]
    while todo:
        v = todo.pop(0)
        for w in sorted(graph[v]):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return " -> ".join(reversed(path)) + f" -> {start}"
            if w in comp and w not in prev:
                prev[w] = v
                todo.append(w)
    return ", ".join(comp)


def test_no_import_cycle_among_tensor_ops_autograd():
    graph = _edges(_modules())
    sub = {m: {d for d in deps if _in_scope(d)} for m, deps in graph.items() if _in_scope(m)}
    assert len(sub) > 40  # the walk found the op files
    cycles = _cycles(sub)
    assert not cycles, "import cycles:\n" + "\n".join(_path(sub, c) for c in cycles)


def test_tensor_imports_no_op_module():
    deps = _edges(_modules())[f"{PKG}._tensor"]
    assert not {d for d in deps if d.startswith(f"{PKG}.ops")}, deps


def test_the_walk_sees_a_cycle():
    """The checker itself: a planted deferred import closing a loop is reported."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _path(graph, ["a", "b", "c"]) == "a -> b -> c -> a"
    mods = {"torchlet.ops.x": None}
    assert _resolve("torchlet.ops.x", False, 1, "y") == "torchlet.ops.y"
    assert _resolve("torchlet.autograd", True, 2, "ops._util") == "torchlet.ops._util"
    assert mods
