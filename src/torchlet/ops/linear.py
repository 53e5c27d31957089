"""The affine ops of nn.functional: linear (x W^T + b, its node AddmmBackward0 /
MmBackward0 as PyTorch names them) and bilinear (x1^T W_k x2 + b_k)."""

from .. import _dtype
from ._util import Node, Tensor, attach, reduce_grad, same_device, wrap
from . import _gemm
from ._out import out_form

__all__ = ["linear", "bilinear"]


class AddmmBackward0(Node):
    """d (x W^T + b) = g W, g^T x (summed over batch dims), sum(g)"""

    def backward(self, g):
        x, w = self.saved_tensors
        k = w.shape[-1] if w.ndim == 2 else w.shape[0]
        gi = gw = gb = None
        if self.needs_input_grad(0):
            if w.ndim != 2:
                gi = g.unsqueeze(-1) * w
            elif g.ndim > 2:  # one GEMM, as in forward
                gi = g.reshape(-1, g.shape[-1]).matmul(w)
            else:
                gi = g.matmul(w)
            gi = gi.reshape(self.input_meta[0][0])
        if self.needs_input_grad(1):
            g2 = g.reshape(-1, g.shape[-1]) if w.ndim == 2 else g.reshape(-1, 1)
            x2 = x.reshape(-1, k)
            n_out, rows = g2.shape[1], g2.shape[0]
            if w.ndim != 2:
                gw = (g2 * x2).sum(0)
            elif n_out <= 16 < k and not _gemm.on_onednn(g._xp, g._data.dtype, n_out, k, rows):
                # few outputs (a classifier head): OpenBLAS ran x^T g 20% faster than g^T x (784 ->
                # 10); oneDNN's g^T x is faster than both (41 against 64 us with the transpose)
                gw = x2.t().mm(g2).t().contiguous()
            else:
                gw = g2.t().mm(x2)
        if len(self.input_meta) > 2 and self.needs_input_grad(2):
            gb = reduce_grad(g, self.input_meta[2])
        return (gi, gw, gb) if len(self.input_meta) > 2 else (gi, gw)


class MmBackward0(AddmmBackward0):
    pass


@out_form()
def linear(input, weight, bias=None):
    if input.__class__ is not Tensor and input.is_nested:  # torch.nested: each component
        return input._nested_apply(linear, weight, bias)
    same_device(input, weight, bias)
    x, w = input._data, weight._data
    k = w.shape[-1]
    if x.ndim == 0 or x.shape[-1] != k:
        rows = x.size // x.shape[-1] if x.ndim and x.shape[-1] else (x.shape[0] if x.ndim else 1)
        if w.ndim == 2:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({rows}x"
                f"{x.shape[-1] if x.ndim else 1} and {w.shape[1]}x{w.shape[0]})"
            )
        raise RuntimeError(
            f"size mismatch, got input ({x.shape[-1] if x.ndim else 1}), mat "
            f"({rows}x{x.shape[-1] if x.ndim else 1}), vec ({k})"
        )
    if x.dtype != w.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {_dtype.scalar_name(x.dtype)} and "
            f"{_dtype.scalar_name(w.dtype)}"
        )
    low = x.dtype.itemsize == 2 and x.dtype.kind not in "iub"  # bf16/f16: float32 sums, one rounding
    if low:
        x, w = x.astype("float32"), w.astype("float32")
    if bias is not None and bias._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: "
            f"{_dtype.scalar_name(input._data.dtype)} != {_dtype.scalar_name(bias._data.dtype)}"
        )
    b = None if bias is None else (bias._data.astype("float32") if low else bias._data)
    xp = input._xp
    if w.ndim != 2:
        out = _gemm.matmul(xp, x, w, b)
    elif x.ndim > 2:  # one GEMM over all leading dims: NumPy's batched matmul loops over them
        out = _gemm.matmul(xp, x.reshape(-1, k), w.T, b).reshape(x.shape[:-1] + (w.shape[0],))
    else:  # the bias rides in the product (oneDNN's sgemm: beta = 1 on a bias-filled output)
        out = _gemm.matmul(xp, x, w.T, b)
    out = out.astype(input._data.dtype) if low else out
    if bias is not None:
        return attach(wrap(out), AddmmBackward0, (input, weight, bias), (input, weight))
    return attach(wrap(out), MmBackward0, (input, weight), (input, weight))


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1^T W_k x2 + b_k, composed from Tensor ops (einsum-free)."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got "
            f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}"
        )
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear(): input size does not match weight size: got "
            f"{input1.shape[-1]} and {input2.shape[-1]} but expected "
            f"{weight.shape[1]} and {weight.shape[2]}"
        )
    lead = input1.shape[:-1]
    i1, i2 = weight.shape[1], weight.shape[2]
    x1 = input1.reshape(-1, i1)
    x2 = input2.reshape(-1, i2)
    o = weight.shape[0]
    # (B, i1) @ (i1, o*i2) -> (B, o, i2), times x2, summed over i2
    t = x1.mm(weight.permute(1, 0, 2).reshape(i1, o * i2)).reshape(-1, o, i2)
    y = (t * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(tuple(lead) + (o,))
