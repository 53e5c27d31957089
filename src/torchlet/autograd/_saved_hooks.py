"""saved_tensors_hooks / save_on_cpu / disable_saved_tensors_hooks (torch.autograd.graph).

Inside `saved_tensors_hooks(pack, unpack)`, every tensor an op saves for backward is replaced
by `pack(tensor)` (any object), and `unpack(packed)` must give back a tensor of the same
values when backward needs it. The innermost active pair applies. `Node` keeps a `_Packed`
in place of its saved tuple. As in PyTorch, tensors kept by hooks are not checked for
in-place changes (the hooks own what they keep).
"""

import sys

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]

_stack = []  # active (pack, unpack) pairs, innermost last
_disabled = [None]  # the error message while disable_saved_tensors_hooks is on


class _Packed:
    """A node's saved tensors as packed by the hooks active when it was recorded."""

    __slots__ = ("packed", "unpack")

    def __init__(self, saved):
        pack, unpack = _stack[-1]
        hooks = _stack[:]
        _stack.clear()  # what pack itself computes is not packed again
        try:
            self.packed = tuple(pack(t) for t in saved)
        finally:
            _stack[:] = hooks
        self.unpack = unpack

    def __len__(self):
        return len(self.packed)

    def __iter__(self):  # identity checks on saved tensors (ops/_util._share_version) see none
        return iter(())

    def tensors(self):
        # Tensor from sys.modules: loaded whenever a tensor exists, and importing _tensor here
        # would close the circle _tensor -> autograd.graph -> this file -> _tensor.
        Tensor = sys.modules["torchlet._tensor"].Tensor
        out = []
        for p in self.packed:
            t = self.unpack(p)
            if not isinstance(t, Tensor):
                raise TypeError(
                    "Output of saved tensor unpack_hook expected to be a Tensor but got result "
                    f"of type {type(t).__name__}"
                )
            out.append(t)
        return tuple(out)


def pack_saved(saved):
    """The saved tuple as a node keeps it: packed when hooks are active."""
    return _Packed(saved) if _stack else saved


class saved_tensors_hooks:
    """Context manager: pack_hook(tensor) -> object at save time, unpack_hook(object) -> tensor
    when backward reads it."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _disabled[0] is not None:
            raise RuntimeError(_disabled[0])
        _stack.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc):
        _stack.pop()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are moved to the CPU when saved and back to their device in backward;
    `pin_memory` is accepted (tensors on the CPU are kept as they are: nothing is copied)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack(t):
            if t.device.type == "cpu":
                return (t.device, t)
            return (t.device, t.cpu())

        def unpack(packed):
            dev, t = packed
            return t if t.device == dev else t.to(dev)

        super().__init__(pack, unpack)


class disable_saved_tensors_hooks:
    """Context manager: using saved_tensors_hooks inside raises RuntimeError(error_message)."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        self._prev = _disabled[0]
        _disabled[0] = self.error_message
        if _stack:
            raise RuntimeError(self.error_message)
        return self

    def __exit__(self, *exc):
        _disabled[0] = self._prev
