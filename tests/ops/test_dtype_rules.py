"""Every op that declares a result-dtype rule in the op table (ops/_table.py, `dtype_rule`,
`define_unary(..., dtype=)`) gives PyTorch's result dtype for bool / integer / float / complex
inputs: the rule itself (`_table.result_dtype`) and the op's actual result are both compared with
torch. Input dtypes torch refuses for an op are skipped (their errors are tested elsewhere)."""

import itertools

import pytest
import torch as T

import torchlet as torch
from torchlet.ops import _table

DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64", "complex64", "complex128"]
VALUES = {"b": [True, False], "i": [1, 2], "u": [1, 2], "f": [0.25, 0.75], "c": [0.25 + 0.5j, 0.75 - 0.25j]}


def _kind(name):
    return "b" if name == "bool" else "u" if name == "uint8" else "i" if "int" in name else name[0]


def _pair(name):
    vals = VALUES[_kind(name)]
    return T.tensor(vals, dtype=getattr(T, name)), torch.tensor(vals, dtype=getattr(torch, name))


def _name(dt):
    return str(dt).split(".")[-1]


RULED = sorted((name, op.dtype_rule) for name, op in _table.ops().items() if op.dtype_rule and op.function)


def _arity(name):
    try:
        getattr(T, name)(T.ones(2))
        return 1
    except TypeError:
        return 2


def test_every_rule_is_known_and_the_table_has_rules():
    assert len(RULED) >= 50
    assert {rule for _, rule in RULED} == {"same", "promote", "float", "bool", "long"}


@pytest.mark.parametrize("name, rule", RULED)
def test_result_dtype_matches_torch(name, rule):
    n = _arity(name)
    checked = 0
    for dts in itertools.product(DTYPES, repeat=n):
        pairs = [_pair(d) for d in dts]
        try:
            ref = getattr(T, name)(*(p[0] for p in pairs))
        except (RuntimeError, TypeError, NotImplementedError):
            continue
        ours = getattr(torch, name)(*(p[1] for p in pairs))
        want = _name(ref.dtype)
        ruled = _name(_table.result_dtype(rule, *(getattr(torch, d) for d in dts)))
        assert ruled == want, f"{name}{dts}: rule {rule!r} says {ruled}, torch gives {want}"
        assert _name(ours.dtype) == want, f"{name}{dts}: torchlet gives {ours.dtype}, torch {want}"
        checked += 1
    assert checked, f"{name}: torch accepted no input dtype"


def test_rule_follows_the_default_dtype():
    torch.set_default_dtype(torch.float64)
    try:
        assert torch.exp(torch.tensor([1, 2])).dtype == torch.float64
        assert _table.result_dtype("float", torch.int32) == torch.float64
    finally:
        torch.set_default_dtype(torch.float32)
    assert torch.exp(torch.tensor([1, 2])).dtype == torch.float32
