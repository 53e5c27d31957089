"""The v2 Transform base: flatten the (possibly nested) inputs, decide which leaves to transform,
draw the random parameters once, apply the same parameters to every leaf, rebuild the structure."""

import enum

import PIL.Image

import torchlet
from torchlet import nn
from ...tv_tensors import Image, TVTensor, Video


def _flatten(obj):
    """Leaves of nested tuples / lists / dicts (torch.utils._pytree's containers) and a rebuild."""
    if isinstance(obj, (tuple, list)) and not hasattr(obj, "_fields"):
        parts = [_flatten(o) for o in obj]
        leaves = [leaf for p in parts for leaf in p[0]]

        def rebuild(values, _parts=parts, _kind=type(obj)):
            out, pos = [], 0
            for p_leaves, p_rebuild in _parts:
                out.append(p_rebuild(values[pos : pos + len(p_leaves)]))
                pos += len(p_leaves)
            return _kind(out)

        return leaves, rebuild
    if isinstance(obj, tuple):  # a namedtuple
        leaves, inner = _flatten(tuple(obj))
        return leaves, lambda values, _t=type(obj): _t(*inner(values))
    if isinstance(obj, dict):
        keys = list(obj)
        leaves, inner = _flatten([obj[k] for k in keys])
        return leaves, lambda values, _t=type(obj): _t(zip(keys, inner(values)))
    return [obj], lambda values: values[0]


def is_pure_tensor(inpt):
    return isinstance(inpt, torchlet.Tensor) and not isinstance(inpt, TVTensor)


class Transform(nn.Module):
    _transformed_types = (torchlet.Tensor, PIL.Image.Image)

    def check_inputs(self, flat_inputs):
        pass

    def make_params(self, flat_inputs):
        return dict()

    def transform(self, inpt, params):
        raise NotImplementedError

    def _needs_transform_list(self, flat_inputs):
        """Every TVTensor / PIL image; a plain tensor only if it is the first one and there is no
        Image, Video or PIL image (it is then taken to be the image)."""
        transform_pure = not any(isinstance(i, (Image, Video, PIL.Image.Image)) for i in flat_inputs)
        needs = []
        for inpt in flat_inputs:
            need = isinstance(inpt, self._transformed_types)
            if need and is_pure_tensor(inpt):
                need, transform_pure = transform_pure, False
            needs.append(need)
        return needs

    def _apply(self, inputs, flat_inputs, rebuild):
        needs = self._needs_transform_list(flat_inputs)
        params = self.make_params([i for i, n in zip(flat_inputs, needs) if n])
        return rebuild([self.transform(i, params) if n else i for i, n in zip(flat_inputs, needs)])

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        flat_inputs, rebuild = _flatten(inputs)
        self.check_inputs(flat_inputs)
        return self._apply(inputs, flat_inputs, rebuild)

    def extra_repr(self):
        extra = []
        for name, value in self.__dict__.items():
            if name.startswith("_") or name == "training":
                continue
            if not isinstance(value, (bool, int, float, str, tuple, list, enum.Enum)):
                continue
            extra.append(f"{name}={value}")
        return ", ".join(extra)


class _RandomApplyTransform(Transform):
    """Transform with probability p: one torch.rand(1) draw per call, as torchvision."""

    def __init__(self, p=0.5):
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        super().__init__()
        self.p = p

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        flat_inputs, rebuild = _flatten(inputs)
        self.check_inputs(flat_inputs)
        if torchlet.rand(1) >= self.p:
            return inputs
        return self._apply(inputs, flat_inputs, rebuild)
