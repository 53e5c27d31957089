"""Differential testing against PyTorch: convert tensors both ways, compare
values/dtypes/shapes, and run an op-table entry through forward, backward,
float64 gradcheck and gradgradcheck.

An op table is a list of `Op` entries; `check_op(entry)` does the whole job,
so a test file is mostly its table:

    OPS = [Op("add", lambda m, a, b: m.add(a, b), [((3, 4), (4,)), ((), (2, 1))])]

    @pytest.mark.parametrize("op", OPS, ids=str)
    def test_op(op): check_op(op)

`m` is the module (torchlet or torch). Each sample is a tuple of input
specs: a shape (random values), a NumPy array (used as is), `T(shape)` for a
non-contiguous (transposed) input, or a non-array Python value passed as is.
"""

import numpy as np

import torchlet

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def to_torch(x, requires_grad=False):
    if isinstance(x, torchlet.Tensor):
        a = x.detach()._data
        if x.dtype is torchlet.bfloat16:
            t = torch.from_numpy(a.astype(np.float32)).to(torch.bfloat16)
        else:
            t = torch.from_numpy(np.array(a))
        return t.requires_grad_(requires_grad) if requires_grad else t
    return x


def from_torch(t, requires_grad=False):
    if t.dtype == torch.bfloat16:
        return torchlet.tensor(t.float().numpy()).to(torchlet.bfloat16)
    x = torchlet.tensor(t.detach().numpy().copy())
    return x.requires_grad_(requires_grad) if requires_grad else x


def dtype_name(d):
    return str(d).split(".")[-1]


def assert_same(ours, theirs, rtol=None, atol=None, check_dtype=True, what="value"):
    """Compare a torchlet result with a torch result: type, shape, dtype, values
    (recursing into tuples/lists/named tuples)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, torchlet.Tensor), f"{what}: expected a Tensor, got {type(ours)}"
        assert tuple(ours.shape) == tuple(theirs.shape), (
            f"{what}: shape {tuple(ours.shape)} != torch {tuple(theirs.shape)}"
        )
        if check_dtype:
            assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), (
                f"{what}: dtype {ours.dtype} != torch {theirs.dtype}"
            )
        a = ours.detach()._data
        b = theirs.detach()
        if b.dtype == torch.bfloat16:
            b = b.float()
            a = a.astype(np.float32)
        b = b.numpy()
        tol = TOL.get(dtype_name(theirs.dtype), dict(rtol=1e-5, atol=1e-6))
        if rtol is not None:
            tol = dict(rtol=rtol, atol=atol if atol is not None else tol["atol"])
        if b.dtype.kind in "fc":
            np.testing.assert_allclose(a, b, equal_nan=True, err_msg=what, **tol)
        else:
            np.testing.assert_array_equal(a, b, err_msg=what)
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)), f"{what}: expected a sequence, got {type(ours)}"
        assert len(ours) == len(theirs), f"{what}: length {len(ours)} != {len(theirs)}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same(o, t, rtol, atol, check_dtype, what=f"{what}[{i}]")
    elif theirs is None:
        assert ours is None, f"{what}: expected None, got {ours!r}"
    elif isinstance(theirs, torch.Size):
        assert tuple(ours) == tuple(theirs)
    elif isinstance(theirs, float):
        assert np.isclose(ours, theirs, rtol=rtol or 1e-6, atol=atol or 1e-7, equal_nan=True), (
            f"{what}: {ours} != {theirs}"
        )
    else:
        assert ours == theirs, f"{what}: {ours!r} != torch {theirs!r}"


class T:
    """Input spec for a non-contiguous tensor: made as shape[::-1], then transposed."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def __repr__(self):
        return f"T{self.shape}"


class Op:
    """One op-table entry.

    fn:      callable(module, *inputs) -> result (tensor or tuple of tensors)
    samples: list of input-spec tuples (see module docstring)
    dtypes:  dtypes (names) to run; float ones also check gradients
    grad:    check gradients for float dtypes
    gradcheck: run float64 gradcheck/gradgradcheck (numerical, torchlet's own)
    domain:  (lo, hi) range of random values (e.g. (0.1, 2) for log)
    rtol/atol: overrides for ops known to be less exact
    """

    def __init__(
        self,
        name,
        fn,
        samples,
        dtypes=("float32", "float64"),
        grad=True,
        gradcheck=True,
        gradgradcheck=True,
        domain=(-2.0, 2.0),
        rtol=None,
        atol=None,
        integer=False,
        check_dtype=True,
    ):
        self.name, self.fn, self.samples = name, fn, samples
        self.dtypes, self.grad = dtypes, grad
        self.gradcheck, self.gradgradcheck = gradcheck, gradgradcheck
        self.domain, self.rtol, self.atol = domain, rtol, atol
        self.integer, self.check_dtype = integer, check_dtype

    def __str__(self):
        return self.name


def _make_array(spec, dtype, rng, domain):
    if isinstance(spec, np.ndarray):
        return spec.astype(dtype) if spec.dtype.kind == "f" and np.dtype(dtype).kind == "f" else spec
    shape = spec.shape[::-1] if isinstance(spec, T) else spec
    lo, hi = domain
    if np.dtype(dtype).kind == "f":
        arr = rng.uniform(lo, hi, size=shape).astype(dtype)
    elif np.dtype(dtype).kind == "b":
        arr = rng.integers(0, 2, size=shape).astype(bool)
    else:
        arr = rng.integers(int(lo) if lo < 0 else 0, max(int(hi), 1) + 3, size=shape).astype(dtype)
    return arr


def _is_spec(spec):
    return isinstance(spec, (tuple, T, np.ndarray)) and not (
        isinstance(spec, tuple) and any(not isinstance(s, int) for s in spec)
    )


def _inputs(sample, dtype, rng, domain):
    ours, theirs, float_idx = [], [], []
    for i, spec in enumerate(sample):
        if _is_spec(spec):
            arr = _make_array(spec, dtype, rng, domain)
            a = torchlet.from_numpy(arr.copy())
            b = torch.from_numpy(arr.copy())
            if isinstance(spec, T):
                a, b = a.transpose(0, -1) if arr.ndim > 1 else a, b.transpose(0, -1) if arr.ndim > 1 else b
            if arr.dtype.kind == "f":
                float_idx.append(i)
            ours.append(a)
            theirs.append(b)
        else:
            ours.append(spec)
            theirs.append(spec)
    return ours, theirs, float_idx


def _leafify(xs, idx, lib):
    out = list(xs)
    for i in idx:
        x = xs[i]
        if lib is torch:
            out[i] = x.detach().clone().requires_grad_(True)
        else:
            out[i] = x.detach().clone().requires_grad_(True)
        if isinstance(x, (torch.Tensor,)) and not x.is_contiguous():
            out[i] = x.detach().clone().transpose(0, -1).contiguous().transpose(0, -1).requires_grad_(True)
        if isinstance(x, torchlet.Tensor) and not x.is_contiguous():
            out[i] = x.detach().clone().transpose(0, -1).contiguous().transpose(0, -1).requires_grad_(True)
    return out


def _flat_tensors(res):
    if isinstance(res, (tuple, list)):
        out = []
        for r in res:
            out.extend(_flat_tensors(r))
        return out
    return [res] if hasattr(res, "shape") else []


def check_op(op, seed=0):
    rng = np.random.default_rng(seed)
    for si, sample in enumerate(op.samples):
        for dt in op.dtypes:
            ours, theirs, fidx = _inputs(sample, dt, rng, op.domain)
            what = f"{op.name} sample {si} {dt}"
            res_t = op.fn(torch, *theirs)
            res_o = op.fn(torchlet, *ours)
            assert_same(res_o, res_t, op.rtol, op.atol, op.check_dtype, what=what + " forward")
            if not (op.grad and fidx and np.dtype(dt).kind == "f"):
                continue
            lo = _leafify(ours, fidx, torchlet)
            lt = _leafify(theirs, fidx, torch)
            outs_o = [r for r in _flat_tensors(op.fn(torchlet, *lo)) if r.dtype.is_floating_point]
            outs_t = [r for r in _flat_tensors(op.fn(torch, *lt)) if r.dtype.is_floating_point]
            outs_o = [o for o, t in zip(outs_o, outs_t) if t.requires_grad]
            outs_t = [t for t in outs_t if t.requires_grad]
            if not outs_t:
                continue
            gs = [rng.uniform(-1, 1, size=tuple(t.shape)).astype(dt) for t in outs_t]
            grads_t = torch.autograd.grad(
                outs_t, [lt[i] for i in fidx], [torch.from_numpy(g.copy()) for g in gs], allow_unused=True
            )
            grads_o = torchlet.autograd.grad(
                outs_o, [lo[i] for i in fidx], [torchlet.from_numpy(g.copy()) for g in gs], allow_unused=True
            )
            for k, (go, gt) in enumerate(zip(grads_o, grads_t)):
                if gt is None:
                    assert go is None or not go.detach()._data.any(), f"{what}: grad {k} should be None/0"
                    continue
                assert go is not None, f"{what}: grad {k} is None, torch has one"
                assert_same(go, gt, op.rtol, op.atol, what=f"{what} grad of input {fidx[k]}")
            if dt == "float64" and op.gradcheck:
                _gradchecks(op, lo, fidx)


def _gradchecks(op, leaves, fidx):
    from torchlet.autograd import gradcheck, gradgradcheck

    def f(*xs):
        args = list(leaves)
        for i, x in zip(fidx, xs):
            args[i] = x
        res = op.fn(torchlet, *args)
        outs = [r for r in _flat_tensors(res) if r.dtype.is_floating_point]
        return tuple(outs) if len(outs) > 1 else outs[0]

    xs = tuple(leaves[i].detach().clone().requires_grad_(True) for i in fidx)
    assert gradcheck(f, xs, eps=1e-6, atol=1e-5, rtol=1e-3), f"{op.name}: gradcheck failed"
    if op.gradgradcheck:
        assert gradgradcheck(f, xs, eps=1e-6, atol=1e-5, rtol=1e-3), f"{op.name}: gradgradcheck failed"


def _builtin_bases(cls):
    return [c for c in cls.__mro__ if c.__module__ == "builtins"]


def same_error_class(eo, et):
    """Exactly PyTorch's class: the same builtin class, or for a class of PyTorch's own
    (torch.linalg.LinAlgError, ...) ours of the same name over the same builtin classes.
    A subclass (NotImplementedError for RuntimeError) is not the same class."""
    to, tt = type(eo), type(et)
    if tt.__module__ == "builtins":
        return to is tt
    return to.__name__ == tt.__name__ and _builtin_bases(to) == _builtin_bases(tt)


def check_error(fn, *args, **kwargs):
    """The same bad call raises exactly the same exception class in both libraries; returns
    (our exception, torch's exception) for message checks."""

    def run(lib):
        try:
            fn(lib, *args, **kwargs)
        except Exception as e:  # the class is what is compared
            return e
        return None

    et = run(torch)
    eo = run(torchlet)
    assert et is not None, "torch did not raise"
    assert eo is not None, f"torchlet did not raise (torch raised {type(et).__name__}: {et})"
    assert same_error_class(eo, et), (
        f"torchlet raised {type(eo).__module__}.{type(eo).__qualname__}: {eo}; "
        f"torch raised {type(et).__module__}.{type(et).__qualname__}: {et}"
    )
    return eo, et
