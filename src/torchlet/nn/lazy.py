"""Lazy modules: parameters whose shape is known only at the first call (nn.LazyLinear).

An `UninitializedParameter` has no data yet; `materialize(shape)` gives it data in place
(the same object, so an optimizer built before the first call keeps it) and turns it into
a plain `Parameter`. A lazy module registers a forward pre-hook that, on the first call,
reads the input's shape, materializes the parameters, runs `reset_parameters` (the same
draws, in the same order, as the eager layer) and becomes that layer's class.
"""

from .linear import Linear
from .parameter import Parameter

__all__ = ["UninitializedParameter", "LazyModuleMixin", "LazyLinear"]

_UNINIT = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually "
    "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
    "initialized one. Call `forward` to initialize the parameters before accessing their "
    "attributes."
)


class UninitializedParameter(Parameter):
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        self = Parameter.__new__(cls, None, requires_grad)
        self.__dict__["_factory"] = dict(device=device, dtype=dtype)
        return self

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    @property
    def shape(self):
        raise RuntimeError(_UNINIT)

    def size(self, dim=None):
        raise RuntimeError(_UNINIT)

    def numel(self):
        raise RuntimeError(_UNINIT)

    def materialize(self, shape, device=None, dtype=None):
        from ..ops.creation import empty

        f = self.__dict__.pop("_factory", {})
        data = empty(tuple(shape), device=device or f.get("device"), dtype=dtype or f.get("dtype"))
        self._data = data._data
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return "<UninitializedParameter>"

    def __reduce_ex__(self, protocol):
        return (UninitializedParameter, (self._requires_grad,))

    def __deepcopy__(self, memo):
        new = UninitializedParameter(self._requires_grad, **self.__dict__.get("_factory", {}))
        memo[id(self)] = new
        return new


def is_lazy(param):
    return isinstance(param, UninitializedParameter)


class LazyModuleMixin:
    """Materializes on the first call (or on loading a state_dict with the real shapes)."""

    cls_to_become = None

    def _lazy_setup(self):
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters, with_kwargs=True)

    def has_uninitialized_params(self):
        return any(is_lazy(p) for p in self._parameters.values() if p is not None)

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ):
        for name, param in self._parameters.items():
            key = prefix + name
            if param is not None and is_lazy(param) and key in state_dict and not is_lazy(state_dict[key]):
                with __import__("torchlet").no_grad():
                    param.materialize(state_dict[key].shape)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )
        # as PyTorch, the module keeps its lazy class until the next call

    def _lazy_finished(self):
        self._initialize_hook.remove()
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become


def _infer_parameters(module, args, kwargs):
    module.initialize_parameters(*args, **kwargs)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._lazy_finished()


class LazyLinear(LazyModuleMixin, Linear):
    """nn.Linear whose `in_features` is read from the first input's last dimension."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)
        self.out_features = out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        self._lazy_setup()

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            from ..autograd.grad_mode import no_grad

            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        elif self.in_features == 0:  # materialized by load_state_dict
            self.in_features = self.weight.shape[1]
