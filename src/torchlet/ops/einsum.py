"""Index-notation products: einsum, and inner, tensordot, kron built on it.

einsum parses the equation into one label per operand dim ('...' becomes
fresh letters, right-aligned across operands), runs it as one backend
einsum call, and differentiates it by einsum again: the gradient of operand
k contracts the output gradient with the other operands into k's labels.
Labels k sums out alone are broadcast back with expand; a label repeated in
k (a diagonal, 'ii->i') is put back on the diagonal by contracting with an
identity matrix. Size-1 dims that broadcast against a bigger size are
dropped from the operand up front, so the gradient just reshapes back."""

import math
import string

import numpy as np

from .. import _dtype
from .._dtype import _FROM_NP
from ..autograd import grad_mode
from ._util import Node, Tensor, attach, method, wrap

from ._out import out_form
from .linalg import matmul

__all__ = ["inner", "einsum", "tensordot", "kron"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


@method()
@out_form()
def inner(input, other):
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    return (
        matmul(input, other.mT if other._data.ndim > 1 else other) if other._data.ndim <= 2 else _inner_nd(input, other)
    )


def _inner_nd(a, b):
    return tensordot(a, b, ([-1], [-1]))


class _EinsumBackward(Node):
    """d einsum(terms -> out)/d operand k = einsum(out, other terms -> term k)"""

    def backward(self, g):
        ops = self.saved_tensors
        terms, out, sizes = self.terms, self.out_labels, self.sizes
        grads = []
        for k, term in enumerate(terms):
            if not self.needs_input_grad(k):
                grads.append(None)
                continue
            shape, dt = self.input_meta[k]
            others = [
                ops[j] if self.squeezed[j] is None else ops[j].reshape(self.squeezed[j])
                for j in range(len(terms))
                if j != k
            ]
            other_terms = [out] + [terms[j] for j in range(len(terms)) if j != k]
            gk = _grad_for(term, other_terms, [g] + others, sizes)
            if tuple(gk.shape) != shape:
                gk = gk.reshape(shape)
            if gk._data.dtype != dt:
                gk = gk.to(_FROM_NP[dt])
            grads.append(gk)
        return tuple(grads)


def _grad_for(term, other_terms, tensors, sizes):
    seen = set("".join(other_terms))
    uniq = "".join(dict.fromkeys(term))
    avail = "".join(c for c in uniq if c in seen)
    g = _einsum(other_terms, avail, tensors, sizes)
    if avail != uniq:  # labels only this operand had: broadcast the gradient over them
        shape = [sizes[c] if c in seen else 1 for c in uniq]
        g = g.reshape(shape).expand(*[sizes[c] for c in uniq])
    if len(uniq) != len(term):  # repeated labels: back onto the diagonal
        free = iter(c for c in _LETTERS if c not in term and c not in seen)
        ins, outs, eyes = [uniq], [], []
        used = set()
        for c in term:
            if c in used:
                f = next(free)
                sizes = dict(sizes, **{f: sizes[c]})
                ins.append(c + f)
                eyes.append(wrap(g._xp.eye(sizes[c], dtype=g._data.dtype)))
                outs.append(f)
            else:
                used.add(c)
                outs.append(c)
        g = _einsum(ins, "".join(outs), [g] + eyes, sizes)
    return g


_NAMES = {}


def _node(name):
    cls = _NAMES.get(name)
    if cls is None:
        cls = _NAMES[name] = type(name, (_EinsumBackward,), {})
    return cls


def _node_name(terms, out):
    """The grad_fn name PyTorch's einsum ends with for this kind of equation."""
    if len(terms) == 1:
        if sorted(terms[0]) == sorted(out) or set(terms[0]) == set(out):
            return "PermuteBackward0"
        return "SumBackward1"
    if all(c in out for t in terms for c in t):
        return "MulBackward0"
    return "ViewBackward0"


def _einsum(terms, out, tensors, sizes, squeezed=None):
    """einsum on already-parsed labels (one letter per dim of each operand)."""
    first = tensors[0]
    xp = first._xp
    arrays = [t._data for t in tensors]
    dt = arrays[0].dtype
    for t in tensors[1:]:
        if t._data.dtype != dt:
            raise RuntimeError(
                f"expected scalar type {_dtype.scalar_name(first._data.dtype)} but found "
                f"{_dtype.scalar_name(t._data.dtype)}"
            )
    low = dt.itemsize == 2 and dt.kind == "f" or dt.name == "bfloat16"
    if low:
        arrays = [a.astype(np.float32) for a in arrays]
    if len(arrays) == 2:
        arr = _pair(terms[0], terms[1], out, arrays[0], arrays[1], xp)
    else:
        arr = xp.einsum(",".join(terms) + "->" + out, *arrays, optimize=len(arrays) > 2)
    if len(arrays) == 1 and np.may_share_memory(arr, arrays[0]):
        arr = arr.copy()
    elif not isinstance(arr, xp.ndarray):
        arr = xp.asarray(arr)
    if low:
        arr = arr.astype(dt)
    return _record(wrap(arr), terms, out, tensors, sizes, squeezed or [None] * len(tensors))


def _record(res, terms, out, tensors, sizes, squeezed):
    """Attach einsum's backward node (named as PyTorch's for this equation) to `res`."""
    return attach(
        res,
        _node(_node_name(terms, out)),
        tensors,
        tensors,
        terms=terms,
        out_labels=out,
        sizes=sizes,
        squeezed=squeezed,
    )


def _alone(x, t, other, out, xp):
    """Sum out labels no one else has and take repeated-label diagonals."""
    keep = "".join(c for c in dict.fromkeys(t) if c in other or c in out)
    if keep == t:
        return x, t
    return xp.einsum(t + "->" + keep, x), keep


def _pair(ta, tb, out, x, y, xp):
    """Two-operand einsum as one batched matmul (batch, free_a, k) @ (batch, k, free_b)
    (or a broadcast product when nothing is contracted), as PyTorch does."""
    x, ta = _alone(x, ta, tb, out, xp)
    y, tb = _alone(y, tb, ta, out, xp)
    size = dict(zip(ta, x.shape))
    size.update(zip(tb, y.shape))
    contr = [c for c in ta if c in tb and c not in out]
    if not contr:  # outer / elementwise: broadcast both to the output's label order
        return _align(x, ta, out) * _align(y, tb, out)
    batch = [c for c in out if c in ta and c in tb]
    lfree = [c for c in out if c in ta and c not in tb]
    rfree = [c for c in out if c in tb and c not in ta]
    nb, nl, nr, nc = (math.prod([size[c] for c in g]) for g in (batch, lfree, rfree, contr))
    xa = x.transpose([ta.index(c) for c in batch + lfree + contr]).reshape(nb, nl, nc)
    ya = y.transpose([tb.index(c) for c in batch + contr + rfree]).reshape(nb, nc, nr)
    r = xp.matmul(xa, ya).reshape([size[c] for c in batch + lfree + rfree])
    order = batch + lfree + rfree
    perm = [order.index(c) for c in out]
    return r if perm == sorted(perm) else r.transpose(perm)


def _align(x, t, out):
    """x (labels t, all in out) transposed to out's order with size-1 dims for the rest."""
    mine = [c for c in out if c in t]
    x = x.transpose([t.index(c) for c in mine])
    return x.reshape([x.shape[mine.index(c)] if c in t else 1 for c in out])


def _parse(equation, tensors):
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    raw = lhs.split(",")
    if len(raw) > len(tensors):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(raw) < len(tensors):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for i, ch in enumerate(eq):
        if ch not in _LETTERS and ch not in ".,->":
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {i} in the equation string, subscripts must be in [a-zA-Z]"
            )
    letters_used = set(c for c in eq if c in _LETTERS)
    n_ell = 0
    parts = []
    for k, (term, t) in enumerate(zip(raw, tensors)):
        nd = t._data.ndim
        if "..." in term:
            head, _, tail = term.partition("...")
            if "." in head or "." in tail:
                raise RuntimeError(f"einsum(): found '.' for operand {k} that is not part of any ellipsis")
            e = nd - len(head) - len(tail)
            if e < 0:
                n_sub = len(head) + len(tail)
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({n_sub}"
                    f") is more than the number of dimensions ({nd}) for operand {k}"
                )
            n_ell = max(n_ell, e)
            parts.append((head, e, tail))
        else:
            if "." in term:
                raise RuntimeError(f"einsum(): found '.' for operand {k} that is not part of any ellipsis")
            if len(term) != nd:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({len(term)}) does "
                    f"not match the number of dimensions ({nd}) for operand {k} and no "
                    "ellipsis was given"
                )
            parts.append((term, None, ""))
    free = [c for c in _LETTERS if c not in letters_used]
    ell = "".join(free[:n_ell])
    terms = [h if e is None else h + (ell[n_ell - e :] if e else "") + tl for h, e, tl in parts]
    has_ell = any(e is not None for _, e, _ in parts)
    if arrow:
        if "..." in rhs:
            head, _, tail = rhs.partition("...")
            out = head + ell + tail
        else:
            out = rhs
        if "." in out:
            raise RuntimeError("einsum(): found '.' for output but an ellipsis (...) was already found")
        inputs = set("".join(terms))
        for c in out:
            if c not in inputs:
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any input operand"
                )
            if out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
    else:
        counts = {}
        for h, _, tl in parts:
            for c in h + tl:
                counts[c] = counts.get(c, 0) + 1
        out = (ell if has_ell else "") + "".join(sorted(c for c, n in counts.items() if n == 1))
    return terms, out


def _sizes(terms, tensors):
    """Size of each label (size-1 dims broadcast), and the operand shapes with
    broadcast size-1 dims dropped."""
    sizes = {}
    for k, (term, t) in enumerate(zip(terms, tensors)):
        shape = t._data.shape
        mine = {}
        for c, s in zip(term, shape):
            if c in mine and mine[c] != s:
                raise RuntimeError(
                    f"einsum(): subscript {c} is repeated for operand {k} but the sizes don't match, {s} != {mine[c]}"
                )
            mine[c] = s
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = s
            elif s != prev and s != 1:
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {s} for operand {k} which does not "
                    f"broadcast with previously seen size {prev}"
                )
    return sizes


_PARSED = {}  # (equation, operand ndims) -> (labels per operand, output labels)


def einsum(equation, *operands):
    """einsum('ij,jk->ik', a, b) or einsum('ij,jk->ik', [a, b])."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):  # sublist format: einsum(a, [0, 1], b, [1, 2], [0, 2])
        return _sublist(equation, *operands)
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    key = (equation, tuple(t._data.ndim for t in operands))
    parsed = _PARSED.get(key)
    if parsed is None:
        if len(_PARSED) > 512:
            _PARSED.clear()
        parsed = _PARSED[key] = _parse(equation, operands)
    terms, out = list(parsed[0]), parsed[1]
    sizes = _sizes(terms, operands)
    squeezed = [None] * len(operands)
    ops = list(operands)
    for k, (term, t) in enumerate(zip(terms, operands)):
        shape = t._data.shape
        if any(s == 1 and sizes[c] != 1 for c, s in zip(term, shape)):
            keep = [i for i, (c, s) in enumerate(zip(term, shape)) if not (s == 1 and sizes[c] != 1)]
            terms[k] = "".join(term[i] for i in keep)
            squeezed[k] = tuple(shape[i] for i in keep)
            ops[k] = wrap(t._data.reshape(squeezed[k]))
    if any(s is not None for s in squeezed):
        return _einsum_squeezed(terms, out, operands, ops, sizes, squeezed)
    return _einsum(terms, out, ops, sizes)


def _einsum_squeezed(terms, out, originals, ops, sizes, squeezed):
    """Compute on the squeezed arrays, record the node on the original tensors."""
    with grad_mode.no_grad():
        res = _einsum(terms, out, ops, sizes)
    return _record(res, terms, out, originals, sizes, squeezed)


def _sublist(*args):
    args = list(args)
    out = None
    if len(args) % 2 == 1:
        out = args.pop()
    tensors, terms = args[0::2], args[1::2]

    def letters(sub):
        return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sub)

    eq = ",".join(letters(t) for t in terms) + ("" if out is None else "->" + letters(out))
    return einsum(eq, *tensors)


# ----- tensordot ------------------------------------------------------------
_TENSORDOT_OUT_GRAD = (
    "tensordot(): the 'out' tensor was specified and requires gradients, and its "
    "shape does not match the expected result. Either remove the 'out' argument, "
    "ensure it does not require gradients, or make sure its shape matches the "
    "expected output."
)


@out_form(grad="composite", grad_message=_TENSORDOT_OUT_GRAD)
def tensordot(a, b, dims=2):
    """Contract a's dims_a with b's dims_b; the result has a's free dims then b's."""
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
        shown_a = [d - na for d in da]
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
        shown_a = da
    for x, y, sx in zip(da, db, shown_a):
        sa, sb = a._data.shape[x], b._data.shape[y]
        if sa != sb:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {sa} in dim {sx} "
                f"and second has size {sb} in dim {y}"
            )
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    da = [d % na for d in da]
    db = [d % nb for d in db]
    ta = list(_LETTERS[:na])
    tb = list(_LETTERS[na : na + nb])
    for x, y in zip(da, db):
        tb[y] = ta[x]
    out_l = "".join(c for i, c in enumerate(ta) if i not in da) + "".join(c for i, c in enumerate(tb) if i not in db)
    terms = ["".join(ta), "".join(tb)]
    sizes = dict(zip(ta, a._data.shape))
    sizes.update(zip(tb, b._data.shape))
    res = _einsum(terms, out_l, [a, b], sizes)
    return res


# ----- kron -----------------------------------------------------------------
@method()
@out_form()
def kron(input, other):
    """kron(a, b)[i*p + k, ...] = a[i, ...] * b[k, ...] (dims padded to the same count)."""
    n = max(input._data.ndim, other._data.ndim)
    a = input.reshape((1,) * (n - input._data.ndim) + tuple(input._data.shape))
    b = other.reshape((1,) * (n - other._data.ndim) + tuple(other._data.shape))
    la, lb = _LETTERS[:n], _LETTERS[n : 2 * n]
    inter = "".join(x + y for x, y in zip(la, lb))
    res = einsum(f"{la},{lb}->{inter}", a, b)
    shape = tuple(x * y for x, y in zip(a._data.shape, b._data.shape))
    res = res.reshape(shape)
    return res
