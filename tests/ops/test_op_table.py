"""The op table (ops/_table.py) is the only place Tensor methods and torchlet.*
op functions come from; the binder (torchlet/_bind.py) lists every op file."""

import ast
import pathlib
import re

import pytest
import torch

import torchlet
from torchlet import _bind
from torchlet._tensor import Tensor
from torchlet.ops import _table

OPS_DIR = pathlib.Path(_table.__file__).parent


def _class_body_names():
    tree = ast.parse(pathlib.Path(torchlet._tensor.__file__).read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    names = set()
    for n in cls.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(n.name)
        elif isinstance(n, ast.Assign):
            names.update(t.id for t in n.targets if isinstance(t, ast.Name))
    return names


def _unwrapped(f):
    while hasattr(f, "__wrapped__"):
        f = f.__wrapped__
    return f


def test_every_tensor_attribute_is_from_the_class_body_or_the_table():
    own = (
        _class_body_names()
        | {"__module__", "__slots__", "__doc__", "__dict__", "__weakref__", "__hash__", "__annotations__"}
        | set(Tensor.__slots__)
    )
    stray = []
    for name, value in vars(Tensor).items():
        if name in own:
            continue
        rec = _table.METHODS.get(name)
        if rec is None or _unwrapped(value) is not _unwrapped(rec):
            stray.append(name)
    assert not stray, f"Tensor attributes set outside the op table: {stray}"


def test_every_op_function_is_from_the_table():
    stray = []
    for name, value in vars(torchlet).items():
        mod = getattr(_unwrapped(value), "__module__", "") or ""
        if callable(value) and mod.startswith("torchlet.ops.") and not name.startswith("_"):
            if _unwrapped(_table.FUNCTIONS.get(name)) is not _unwrapped(value):
                stray.append(name)
    assert not stray, f"torchlet.* op functions not bound from the op table: {stray}"
    assert set(_bind.__all__) == set(_table.FUNCTIONS)


def _records_ops(src):
    return re.search(r"^\s*@method\(|^\s*methods\.\w+\s*=|setattr\(methods,", src, re.M) is not None


def test_every_op_file_that_records_ops_is_listed_in_the_binder():
    missing = [
        p.stem
        for p in OPS_DIR.glob("*.py")
        if not p.stem.startswith("_") and _records_ops(p.read_text()) and p.stem not in _bind.OP_MODULES
    ]
    assert not missing, f"ops files recording Tensor methods but not listed in torchlet._bind.OP_MODULES: {missing}"
    for p in OPS_DIR.glob("*.py"):
        assert "setattr(Tensor" not in p.read_text(), f"{p.name}: record methods with `methods.NAME = ...`"


def test_recording_after_binding_fails_loudly():
    with pytest.raises(RuntimeError, match="OP_MODULES"):
        _table.method("late_op")(lambda self: self)
    assert "late_op" not in _table.METHODS


@pytest.mark.parametrize(
    "name, file",
    [
        ("relu", "relu_sigmoid_tanh.py"),
        ("add_", "pointwise.py"),
        ("linear", "linear.py"),
        ("cosine_similarity", "distance.py"),
        ("__getitem__", "subscript.py"),
        ("backward", "_api.py"),
        ("cat", "joining.py"),
    ],
)
def test_where_finds_the_file_of_an_op(name, file):
    assert _table.where(name).endswith(file)


def test_ops_group_the_forms_of_one_op():
    ops = _table.ops()
    relu = ops["relu"]
    assert relu.function == "relu" and "relu" in relu.methods and "relu_" in relu.inplace
    assert ops["add"].out_dtype == "cast"
    assert ops["add"].module == "torchlet.ops.pointwise"


def test_bound_methods_match_pytorch_signature_aliases():
    """Bound methods keep the argument parser's aliases (the binder applies them)."""
    x = torchlet.arange(6.0).reshape(2, 3)
    t = torch.arange(6.0).reshape(2, 3)
    assert x.sum(axis=1).tolist() == t.sum(axis=1).tolist()
    assert torchlet.sum(x, axis=0, keepdims=True).tolist() == torch.sum(t, axis=0, keepdims=True).tolist()
