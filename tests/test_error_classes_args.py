"""Second error-class table: integer dtypes in layers, odd argument shapes, non-int values
where PyTorch's argument parser wants an int (TypeError, through `ops/_args.int_arg`) or a
Number, and saved results overwritten by a later in-place op. Each bad call is compared with
PyTorch's class exactly; a sweep over the public namespace checks no NumPy exception leaks."""

import inspect
import warnings

import numpy as np
import pytest

import torchlet

from oracle import assert_same, check_error, from_torch


def Z(m, *s, **k):
    return m.zeros(*s, **k)


def I(m, *s):
    return m.ones(*s, dtype=m.int64)


F = lambda m: m.nn.functional

CASES = {
    # integer inputs: PyTorch has no kernel for these layers
    "max_pool1d_int": lambda m: F(m).max_pool1d(I(m, 1, 1, 4), 2),
    "max_pool2d_bool": lambda m: F(m).max_pool2d(m.ones(1, 1, 4, 4, dtype=m.bool), 2),
    "adaptive_max_pool2d_int": lambda m: F(m).adaptive_max_pool2d(I(m, 1, 1, 4, 4), 2),
    "adaptive_max_pool1d_int": lambda m: F(m).adaptive_max_pool1d(I(m, 1, 1, 4), 2),
    "adaptive_avg_pool2d_int": lambda m: F(m).adaptive_avg_pool2d(I(m, 1, 1, 4, 4), 2),
    "avg_pool2d_int32": lambda m: F(m).avg_pool2d(m.ones(1, 1, 4, 4, dtype=m.int32), 2),
    "avg_pool3d_int32": lambda m: F(m).avg_pool3d(m.ones(1, 1, 2, 2, 2, dtype=m.int32), 2),
    "glu_int": lambda m: F(m).glu(I(m, 4)),
    # negative output sizes (NumPy's ValueError leaked)
    "adaptive_avg_neg": lambda m: F(m).adaptive_avg_pool2d(Z(m, 1, 1, 4, 4), -1),
    "adaptive_avg1d_neg": lambda m: F(m).adaptive_avg_pool1d(Z(m, 1, 1, 4), -2),
    "adaptive_max_neg": lambda m: F(m).adaptive_max_pool2d(Z(m, 1, 1, 4, 4), -1),
    "adaptive_max_neg_pair": lambda m: F(m).adaptive_max_pool2d(Z(m, 1, 1, 4, 4), (2, -3)),
    # odd argument shapes
    "AvgPool2d_2d": lambda m: m.nn.AvgPool2d(2)(Z(m, 4, 4)),
    "AvgPool2d_1d": lambda m: m.nn.AvgPool2d(2)(Z(m, 4)),
    "addbmm_2d": lambda m: m.addbmm(Z(m, 2, 2), Z(m, 2, 2), Z(m, 2, 2)),
    "addbmm_batch2_2d": lambda m: m.addbmm(Z(m, 2, 2), Z(m, 2, 2, 2), Z(m, 2, 2)),
    "addbmm_batch1_1d": lambda m: m.addbmm(Z(m, 2, 2), Z(m, 2), Z(m, 2, 2, 2)),
    "addbmm_batch1_2d": lambda m: m.addbmm(Z(m, 2, 2), Z(m, 2, 2), Z(m, 2, 2, 2)),
    "baddbmm_2d": lambda m: m.baddbmm(Z(m, 2, 2, 2), Z(m, 2, 2), Z(m, 2, 2)),
    "baddbmm_batch2_1d": lambda m: m.baddbmm(Z(m, 2, 2, 2), Z(m, 2, 2, 2), Z(m, 3)),
    "Flatten_0d": lambda m: m.nn.Flatten()(m.tensor(1.0)),
    "flatten_0d_start1": lambda m: m.tensor(1.0).flatten(1, -1),
    "bitwise_and_inplace_float_bcast": lambda m: Z(m, 3).bitwise_and_(Z(m, 2, 3)),
    "bitwise_or_inplace_int_bcast": lambda m: I(m, 3).bitwise_or_(I(m, 2, 3)),
    "ixor_float_bcast": lambda m: Z(m, 3).__ixor__(Z(m, 2, 3)),
    "bitwise_xor_inplace_float": lambda m: Z(m, 3).bitwise_xor_(Z(m, 3)),
    # Number arguments (NumPy's UFuncTypeError leaked) and hardtanh's bounds
    "hardtanh_str": lambda m: F(m).hardtanh(Z(m, 3), "a"),
    "hardtanh_none": lambda m: F(m).hardtanh(Z(m, 3), None),
    "hardtanh_reversed": lambda m: F(m).hardtanh(Z(m, 3), 2.0, 1.0),
    "hardtanh_tensor3_bounds": lambda m: F(m).hardtanh(Z(m, 3), Z(m, 3), m.ones(3)),
    "hardtanh_tensor1_max": lambda m: F(m).hardtanh(Z(m, 3), -1.0, m.tensor([1.0])),
    "leaky_relu_str": lambda m: F(m).leaky_relu(Z(m, 3), "a"),
    "leaky_relu_tensor3": lambda m: F(m).leaky_relu(Z(m, 3), m.ones(3)),
    "softplus_str": lambda m: F(m).softplus(Z(m, 3), "a"),
    "softplus_threshold_tensor": lambda m: F(m).softplus(Z(m, 3), 1.0, m.ones(3)),
    "elu_str": lambda m: F(m).elu(Z(m, 3), "a"),
    "celu_tensor3": lambda m: F(m).celu(Z(m, 3), m.ones(3)),
    "threshold_str": lambda m: F(m).threshold(Z(m, 3), "a", 0.0),
    "threshold_value_none": lambda m: F(m).threshold(Z(m, 3), 0.0, None),
}

SAME_MESSAGE = [
    "max_pool1d_int",
    "adaptive_max_pool2d_int",
    "adaptive_avg_pool2d_int",
    "avg_pool2d_int32",
    "glu_int",
    "adaptive_avg_neg",
    "adaptive_max_neg",
    "AvgPool2d_2d",
    "addbmm_2d",
    "baddbmm_2d",
    "Flatten_0d",
    "bitwise_and_inplace_float_bcast",
    "hardtanh_reversed",
    "hardtanh_tensor1_max",
    "leaky_relu_str",
    "softplus_str",
    "elu_str",
    "celu_tensor3",
    "threshold_str",
]


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_call_raises_pytorchs_class(torch, name):
    eo, et = check_error(CASES[name])
    assert not type(eo).__module__.startswith("numpy")


@pytest.mark.parametrize("name", SAME_MESSAGE)
def test_message_as_pytorch(torch, name):
    eo, et = check_error(CASES[name])
    assert str(eo) == str(et)


# ----- the calls that now succeed as in PyTorch ---------------------------------------
GOOD = {
    "avg_pool2d_int64": lambda m, x: F(m).avg_pool2d(x, 2),
    "avg_pool2d_int64_pad": lambda m, x: F(m).avg_pool2d(x, 2, 1, 1),
    "avg_pool2d_int64_nopad_count": lambda m, x: F(m).avg_pool2d(x, 2, 1, 1, count_include_pad=False),
    "avg_pool2d_int64_divisor": lambda m, x: F(m).avg_pool2d(x, 2, 1, 1, divisor_override=3),
    "avg_pool3d_int64": lambda m, x: F(m).avg_pool3d(x[None].expand(1, 2, 2, 3, 3), 2, 1, 1),
    "avg_pool1d_int64": lambda m, x: F(m).avg_pool1d(x[0], 2, 1),
    "AvgPool2d_int64_3d": lambda m, x: m.nn.AvgPool2d(2, 1)(x[0]),
    "max_pool2d_int64": lambda m, x: F(m).max_pool2d(x, 2),
    "flatten_0d": lambda m, x: m.tensor(1.0).flatten(0, -1),
    "flatten_0d_neg": lambda m, x: m.tensor(1.0).flatten(-1, -1),
    "sum_int_tensor_dim": lambda m, x: x.sum(m.tensor(1)),
    "sum_one_elem_tensor_dim": lambda m, x: x.sum(m.tensor([2])),
    "sum_numpy_int_dim": lambda m, x: x.sum(np.int64(3)),
    "view_int_tensor": lambda m, x: x.view(m.tensor(9)),
    "zeros_int_tensor": lambda m, x: m.zeros(m.tensor(2), 3),
    "ones_bool_second": lambda m, x: m.ones(2, True),
    "topk_numpy_k": lambda m, x: x.reshape(-1).topk(np.int32(2)).values,
    "hardtanh_0d_bounds": lambda m, x: F(m).hardtanh(x.double(), m.tensor(-1.0), 1.0),
    "leaky_relu_0d_slope": lambda m, x: F(m).leaky_relu(x.double() - 2, m.tensor(0.5)),
    "split_0d_int_tensor": lambda m, x: x.split(m.tensor(1), 3)[0],
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_accepted_as_in_pytorch(torch, name):
    a = np.array([[[[1, 2, -7], [3, 5, -2], [1, 1, 1]]]], dtype=np.int64)
    assert_same(
        GOOD[name](__import__("torchlet"), from_torch(torch.from_numpy(a))), GOOD[name](torch, torch.from_numpy(a))
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_1d_input_size1_target(torch, reduction, weighted):
    """PyTorch's forward reads the size-1 target as 0-d; its backward raises 'size mismatch'."""
    import torchlet

    x = np.array([0.3, -1.2, 0.7])
    w = np.array([1.0, 2.0, 3.0]) if weighted else None
    res = []
    for m, conv in ((torchlet, lambda a: torchlet.tensor(a)), (torch, lambda a: torch.tensor(a))):
        xi = conv(x).requires_grad_()
        loss = m.nn.functional.nll_loss(xi, conv(np.array([1])), None if w is None else conv(w), reduction=reduction)
        res.append(loss)
    assert_same(res[0].detach(), res[1].detach())
    check_error(lambda m: res[m is torch].backward())


# ----- int arguments: PyTorch's argument parser's TypeError ----------------------------------
BAD = {
    "float": lambda m: 1.0,
    "str": lambda m: "a",
    "bool": lambda m: True,
    "ftensor": lambda m: m.tensor(1.0),
    "none": lambda m: None,
}


def X(m):
    return m.ones(2, 3, 4)


INT_CALLS = {
    "sum_dim": lambda m, b: X(m).sum(b),
    "mean_dim": lambda m, b: X(m).mean(b),
    "softmax": lambda m, b: X(m).softmax(b),
    "cumsum": lambda m, b: X(m).cumsum(b),
    "argmax": lambda m, b: X(m).argmax(b),
    "max_dim": lambda m, b: X(m).max(b),
    "transpose": lambda m, b: X(m).transpose(0, b),
    "unsqueeze": lambda m, b: X(m).unsqueeze(b),
    "squeeze": lambda m, b: X(m).squeeze(b),
    "flatten": lambda m, b: X(m).flatten(b),
    "select": lambda m, b: X(m).select(b, 0),
    "index_select": lambda m, b: X(m).index_select(b, m.tensor([0])),
    "cat": lambda m, b: m.cat([X(m), X(m)], b),
    "stack": lambda m, b: m.stack([X(m), X(m)], b),
    "chunk": lambda m, b: X(m).chunk(b),
    "split_dim": lambda m, b: X(m).split(1, b),
    "topk_k": lambda m, b: X(m).topk(b),
    "topk_dim": lambda m, b: X(m).topk(1, b),
    "kthvalue": lambda m, b: X(m).kthvalue(b),
    "diagonal": lambda m, b: X(m).diagonal(b),
    "tril": lambda m, b: X(m).tril(b),
    "triu": lambda m, b: X(m).triu(b),
    "narrow_dim": lambda m, b: X(m).narrow(b, 0, 1),
    "narrow_len": lambda m, b: X(m).narrow(0, 0, b),
    "view": lambda m, b: X(m).view(b, 12),
    "reshape": lambda m, b: X(m).reshape(b, 12),
    "expand": lambda m, b: m.ones(1, 3).expand(b, 3),
    "flip": lambda m, b: X(m).flip(b),
    "roll_shift": lambda m, b: X(m).roll(b),
    "roll_dims": lambda m, b: X(m).roll(1, b),
    "gather": lambda m, b: X(m).gather(b, m.zeros(1, 1, 1, dtype=m.int64)),
    "movedim": lambda m, b: X(m).movedim(b, 0),
    "zeros": lambda m, b: m.zeros(b, 2),
    "empty": lambda m, b: m.empty(b),
    "full": lambda m, b: m.full((b, 2), 1.0),
    "randint": lambda m, b: m.randint(0, 3, (b,)),
    "eye": lambda m, b: m.eye(b),
    "new_zeros": lambda m, b: X(m).new_zeros(b),
    "unbind": lambda m, b: X(m).unbind(b),
    "std_dim": lambda m, b: X(m).std(b),
    "all_dim": lambda m, b: X(m).all(b),
    "logsumexp": lambda m, b: X(m).logsumexp(b),
    "sort": lambda m, b: X(m).sort(b),
    "argsort": lambda m, b: X(m).argsort(b),
    "cumprod": lambda m, b: X(m).cumprod(b),
    "unfold": lambda m, b: X(m).unfold(0, b, 1),
    "repeat_interleave": lambda m, b: X(m).repeat_interleave(b),
    "tile": lambda m, b: X(m).tile((b,)),
    "max_pool2d_kernel": lambda m, b: F(m).max_pool2d(X(m), b),
    "max_pool2d_stride": lambda m, b: F(m).max_pool2d(X(m), 2, b),
    "avg_pool2d_kernel": lambda m, b: F(m).avg_pool2d(X(m), b),
    "max_pool1d_kernel": lambda m, b: F(m).max_pool1d(X(m), b),
    "avg_pool1d_kernel": lambda m, b: F(m).avg_pool1d(X(m), b),
    "adaptive_avg_pool2d": lambda m, b: F(m).adaptive_avg_pool2d(X(m), b),
    "adaptive_max_pool2d": lambda m, b: F(m).adaptive_max_pool2d(X(m), b),
    "conv2d_stride": lambda m, b: F(m).conv2d(m.ones(1, 1, 4, 4), m.ones(1, 1, 2, 2), stride=b),
    "conv2d_padding": lambda m, b: F(m).conv2d(m.ones(1, 1, 4, 4), m.ones(1, 1, 2, 2), padding=(b, 0)),
    "conv1d_dilation": lambda m, b: F(m).conv1d(m.ones(1, 1, 4), m.ones(1, 1, 2), dilation=b),
    "one_hot": lambda m, b: F(m).one_hot(m.tensor([0, 1]), b),
    "glu": lambda m, b: F(m).glu(m.ones(2, 4), b),
    "normalize": lambda m, b: F(m).normalize(X(m), dim=b),
    "unflatten": lambda m, b: X(m).unflatten(b, (2, 2)),
    "diag": lambda m, b: m.diag(m.ones(3), b),
    "diag_embed": lambda m, b: m.diag_embed(m.ones(3), b),
    "split_size": lambda m, b: X(m).split(b),
    "swapaxes": lambda m, b: X(m).swapaxes(b, 0),
    "index_add": lambda m, b: X(m).index_add(b, m.tensor([0]), m.ones(1, 3, 4)),
    "index_fill": lambda m, b: X(m).index_fill(b, m.tensor([0]), 1.0),
    "scatter": lambda m, b: X(m).scatter(b, m.zeros(1, 1, 1, dtype=m.int64), 1.0),
    "amax": lambda m, b: X(m).amax(b),
    "count_nonzero": lambda m, b: m.count_nonzero(X(m), b),
    "nansum": lambda m, b: m.nansum(X(m), b),
    "mode_dim": lambda m, b: X(m).mode(b),
    "cummax": lambda m, b: X(m).cummax(b),
    "logcumsumexp": lambda m, b: X(m).logcumsumexp(b),
    "Linear": lambda m, b: m.nn.Linear(b, 3),
    "Conv2d_kernel": lambda m, b: m.nn.Conv2d(1, 1, b)(m.ones(1, 1, 4, 4)),
    "MaxPool2d": lambda m, b: m.nn.MaxPool2d(b)(X(m)),
    "Flatten": lambda m, b: m.nn.Flatten(b)(X(m)),
    "Embedding": lambda m, b: m.nn.Embedding(b, 3),
}
# where torchlet still differs (a Python-level None default, or an op not yet written)
INT_KNOWN = {
    ("softmax", "none"),
    ("max_dim", "none"),
    ("squeeze", "none"),
    ("repeat_interleave", "none"),
    ("split_size", "bool"),
    ("Embedding", "ftensor"),
    ("Linear", "ftensor"),
    ("Linear", "bool"),
    ("Conv2d_kernel", "ftensor"),
    ("Conv2d_kernel", "bool"),
}
INT_IDS = [(c, b) for c in INT_CALLS for b in BAD if (c, b) not in INT_KNOWN]


def _run(m, fn, *a):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(m, *a)
    except Exception as e:
        return e
    return None


@pytest.mark.parametrize("call,bad", INT_IDS, ids=[f"{c}-{b}" for c, b in INT_IDS])
def test_int_argument_class(torch, call, bad):
    import torchlet

    et = _run(torch, lambda m: INT_CALLS[call](m, BAD[bad](m)))
    eo = _run(torchlet, lambda m: INT_CALLS[call](m, BAD[bad](m)))
    assert type(eo) is type(et), f"torchlet {type(eo).__name__}: {eo}; torch {type(et).__name__}: {et}"


def test_int_argument_message_names_op_and_argument(torch):
    for call, fn in [
        ("softmax", lambda m: X(m).softmax(1.0)),
        ("topk", lambda m: X(m).topk(1.0)),
        ("chunk", lambda m: X(m).chunk(2.0)),
        ("transpose", lambda m: X(m).transpose(0, 1.0)),
    ]:
        eo, et = check_error(fn)
        assert type(eo) is TypeError and str(eo).startswith(f"{call}(): argument '")
        assert str(eo).endswith("must be int, not float")
    assert len(INT_IDS) >= 100


# ----- saved results overwritten in place ------------------------------------------------
VERSION = {
    "scatter_reduce_prod_then_index_copy": lambda m, x: (
        lambda y: (
            y.scatter_reduce_(0, m.tensor([0, 1]), x, "prod"),
            y.index_copy_(0, m.tensor([0]), m.ones(1, dtype=x.dtype)),
            y,
        )
    )(m.ones(3, dtype=x.dtype) * 1),
    "tanh__then_add_": lambda m, x: (lambda y: (y.tanh_(), y.add_(1), y))(x * 1),
    "sigmoid__then_mul_": lambda m, x: (lambda y: (y.sigmoid_(), y.mul_(2), y))(x * 1),
    "exp__then_view_mod": lambda m, x: (lambda y: (y.exp_(), y[0].mul_(2), y))(x * 1),
    "exp_then_add_": lambda m, x: (lambda y: (y.add_(1), y))(x.exp()),
    # no later change: backward must run
    "tanh__alone": lambda m, x: (lambda y: (y.tanh_(), y))(x * 1),
    "scatter_reduce_prod_alone": lambda m, x: (lambda y: (y.scatter_reduce_(0, m.tensor([0, 1]), x, "prod"), y))(
        m.full((3,), 2.0, dtype=x.dtype) * 1
    ),
    "exp__then_out_of_place": lambda m, x: (lambda y: (y.exp_(), y + 1))(x * 1),
}


@pytest.mark.parametrize("name", sorted(VERSION))
def test_saved_result_modified_in_place(torch, name):
    import torchlet

    a = np.array([0.5, -0.25])
    out = []
    for m in (torchlet, torch):
        x = m.tensor(a, requires_grad=True)
        try:
            VERSION[name](m, x)[-1].sum().backward()
            out.append(x.grad)
        except Exception as e:
            out.append(e)
    eo, et = out
    if isinstance(et, Exception):
        assert type(eo) is type(et), f"torchlet: {eo!r}; torch: {et!r}"
        assert str(eo).startswith("one of the variables needed for gradient computation has been modified")
    else:
        assert_same(eo, et)


# ----- the sweep: no NumPy exception class reaches a user ----------------------------------
SWEEP_SKIP = {
    "save",
    "load",
    "set_default_dtype",
    "set_default_device",
    "set_default_tensor_type",
    "manual_seed",
    "seed",
    "set_rng_state",
    "set_printoptions",
    "use_deterministic_algorithms",
    "compile",
    "set_num_threads",
    "set_num_interop_threads",
    "set_grad_enabled",
    "set_flush_denormal",
    "set_warn_always",
    "from_file",
    "set_float32_matmul_precision",
    "set_anomaly_enabled",
    "backward",
    "register_hook",
    "numpy",
    "tolist",
    "storage",
    "untyped_storage",
}


def _bad_inputs(m):
    Zs = m.zeros
    return [
        (Zs(3), Zs(4)),
        (Zs(2, 3),),
        (Zs(0),),
        (m.ones(3, dtype=m.bool),),
        (m.ones(2, 2, dtype=m.int64),),
        (m.ones(2, dtype=m.complex64),),
        (None,),
        (Zs(2, 3), Zs(3, 2, 5)),
        (m.tensor(1.0), "a"),
        (Zs(2, 2), -1),
        (Zs(2, 2), 1.5),
        (Zs(2, 2), Zs(2, 2)),
    ]


def _targets(torchlet):
    import torchlet.nn.functional as Fn

    for mod, prefix in ((torchlet, "torchlet."), (Fn, "F."), (torchlet.linalg, "linalg.")):
        for n in sorted(dir(mod)):
            f = getattr(mod, n, None)
            if n.startswith("_") or n in SWEEP_SKIP or not callable(f) or inspect.isclass(f) or inspect.ismodule(f):
                continue
            yield prefix + n, f
    for n in sorted(dir(torchlet.Tensor)):
        if n.startswith("_") or n in SWEEP_SKIP or not callable(getattr(torchlet.Tensor, n, None)):
            continue
        yield (
            "Tensor." + n,
            (
                lambda n: (
                    lambda x, *a: getattr(x if isinstance(x, torchlet.Tensor) else torchlet.zeros(2), n)(
                        *((() if isinstance(x, torchlet.Tensor) else (x,)) + a)
                    )
                )
            )(n),
        )


def test_sweep_no_numpy_exception_reaches_a_user():
    """Every public function and Tensor method called with mismatched shapes, odd ndim, empty,
    bool/int/complex, None, str, negative and float sizes: whatever it raises is not NumPy's."""
    import torchlet

    leaks, count = [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, f in _targets(torchlet):
            for args in _bad_inputs(torchlet):
                count += 1
                try:
                    f(*args)
                except Exception as e:  # the class is what is checked
                    if type(e).__module__.startswith("numpy"):
                        leaks.append(
                            f"{name}{tuple(getattr(a, 'shape', a) for a in args)}: "
                            f"{type(e).__module__}.{type(e).__name__}: {e}"
                        )
    assert count > 5000
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.zeros(3).log_normal_(mean="a"),
        lambda m: m.zeros(3).log_normal_(1.0, None),
        lambda m: m.zeros(3).cauchy_("a"),
        lambda m: m.zeros(3).exponential_("a"),
        lambda m: m.zeros(3).geometric_([0.5]),
    ],
)
def test_sampler_float_arguments_are_read_as_pytorch(call, torch):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(Exception) as ours:
        call(torchlet)
    assert type(ours.value) is type(theirs.value)
    assert "must be float, not" in str(ours.value)
