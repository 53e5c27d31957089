"""torchlet.nested: nested (ragged) tensors, as torch.nested.

    nt = torch.nested.nested_tensor([a, b], layout=torch.jagged)   # a: (2, 6), b: (3, 6)
    nt.shape                  # Size([2, j1, 6])
    F.linear(nt, W), nn.Linear, pointwise ops, softmax, dropout, matmul, transpose,
    unflatten / flatten, F.scaled_dot_product_attention over nested q/k/v,
    nt.unbind(), nt.values(), nt.offsets(), torch.nested.to_padded_tensor(nt, 0.0)

See _tensor.NestedTensor for how ops apply and where PyTorch's restrictions (dim 0) hold.
"""

from .._layout import jagged, strided
from .._tensor import Tensor
from ._jagged import NestedInt, NestedTensor

__all__ = ["nested_tensor", "as_nested_tensor", "to_padded_tensor", "nested_tensor_from_jagged", "NestedTensor"]


def _check_list(tensor_list, what):
    if not isinstance(tensor_list, (list, tuple)):
        raise TypeError(f"{what}(): Expected a list of tensors, but got {type(tensor_list).__name__}")


def _as_tensors(tensor_list, dtype):
    from ..ops.creation import tensor

    out = []
    for t in tensor_list:
        t = t if isinstance(t, Tensor) else tensor(t)
        out.append(t if dtype is None else t.to(dtype))
    return out


def _check_jagged(comps):
    """The nested dim that is ragged (1 when none is): the jagged layout allows one."""
    if not comps:
        raise RuntimeError("Cannot construct a nested tensor from an empty tensor list")
    d = comps[0].dim()
    if d == 0:
        raise RuntimeError("Cannot construct a nested tensor from a list of scalars (0-dim tensors)")
    if any(c.dim() != d for c in comps):
        raise RuntimeError("When constructing a nested tensor, all tensors in list must have the same dim")
    ragged = [i for i in range(d) if len({c.shape[i] for c in comps}) > 1]
    if len(ragged) > 1:
        raise RuntimeError(
            "Cannot represent given tensor list as a nested tensor with the jagged layout. "
            "Note that the jagged layout only allows for a single ragged dimension. For "
            "example: (B, *, D_0, D_1, ..., D_N), with ragged * dim."
        )
    return ragged[0] + 1 if ragged else 1


def nested_tensor(tensor_list, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A new nested tensor (copies of the components; a leaf)."""
    _check_list(tensor_list, "nested_tensor")
    if device is not None:
        from .._device import namespace_for

        namespace_for(device)
    comps = [c.detach().clone() for c in _as_tensors(tensor_list, dtype)]
    layout = strided if layout is None else layout
    rd = _check_jagged(comps) if layout is jagged else 1
    if requires_grad:
        for c in comps:
            c.requires_grad_(True)
    return NestedTensor._make(comps, layout, ragged_dim=rd)


def as_nested_tensor(ts, dtype=None, device=None, layout=None):
    """A nested tensor that keeps the components' autograd history."""
    if isinstance(ts, NestedTensor):
        return ts if dtype is None else ts.to(dtype)
    if isinstance(ts, Tensor):
        ts = list(ts.unbind(0))
    _check_list(ts, "as_nested_tensor")
    comps = _as_tensors(ts, dtype)
    layout = strided if layout is None else layout
    rd = _check_jagged(comps) if layout is jagged else 1
    return NestedTensor._make(comps, layout, ragged_dim=rd)


def nested_tensor_from_jagged(values, offsets=None, lengths=None, jagged_dim=None, min_seqlen=None, max_seqlen=None):
    """A jagged nested tensor viewing `values` split at `offsets` (gradients reach values)."""
    if offsets is None:
        if lengths is None:
            raise RuntimeError("nested_tensor_from_jagged(): At least one of offsets or lengths is required.")
        from ..ops.creation import tensor

        acc = [0]
        for n in lengths.tolist():
            acc.append(acc[-1] + int(n))
        offsets = tensor(acc)
    bounds = [int(x) for x in offsets.tolist()]
    comps = [values[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    return NestedTensor._make(comps, jagged)


def to_padded_tensor(input, padding, output_size=None):
    """The nested tensor as one dense tensor, each component padded with `padding`."""
    from ..ops.joining import stack
    from ..ops.padding import pad

    if not isinstance(input, NestedTensor):
        raise RuntimeError("to_padded_tensor(): expected a nested tensor")
    comps = input._components
    nd = comps[0].dim()
    sizes = [max(c.shape[d] for c in comps) for d in range(nd)]
    if output_size is not None:
        sizes = list(output_size)[1:]
    padded = []
    for c in comps:
        widths = []
        for d in reversed(range(nd)):
            widths += [0, sizes[d] - c.shape[d]]
        padded.append(pad(c, widths, value=float(padding)) if any(widths) else c)
    return stack(padded)


def jagged_offsets(nt):
    """The offsets of a nested tensor's ragged dim, as an int64 tensor (for block masks)."""
    return nt.offsets()
