"""Tensors through multiprocessing queues and pipes share their storage.

Registered on multiprocessing's ForkingPickler (what Queue, Pipe and Process
arguments use): a tensor is first moved into shared memory, then pickled as
(file descriptor, offset, shape, strides, dtype); the receiver maps the same
memory. The descriptor travels as multiprocessing.reduction.DupFd, which the
standard library passes over a Unix socket (or through spawn's handle list).
"""

from multiprocessing.reduction import DupFd, ForkingPickler

import numpy as np

from ._shared import SharedMap, mapping_of, share

_registered = [False]


def _rebuild(cls, dupfd, nbytes, dtype, shape, strides, offset, requires_grad):
    from .._tensor import wrap

    fd = dupfd.detach()
    m = SharedMap.attach(fd, nbytes)
    arr = np.ndarray(shape, dtype, buffer=m, offset=offset, strides=strides)
    t = wrap(arr)
    if cls is not type(t):
        from ..nn.parameter import Parameter

        if issubclass(cls, Parameter):
            return cls(t, requires_grad)
    t._requires_grad = requires_grad
    return t


def reduce_tensor(t):
    if t._grad_fn is not None:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
            "autograd does not support crossing process boundaries.  If you just want to "
            "transfer the data, call detach() on the tensor before serializing (e.g., "
            "putting it on the queue)."
        )
    share(t)
    a = t._data
    m = mapping_of(a)
    start = np.frombuffer(m, np.uint8).__array_interface__["data"][0]
    offset = a.__array_interface__["data"][0] - start
    return (_rebuild, (type(t), DupFd(m.fd), len(m), a.dtype, a.shape, a.strides, offset, t._requires_grad))


def init_reductions():
    if _registered[0]:
        return
    _registered[0] = True
    from .._tensor import Tensor
    from ..nn.parameter import Parameter

    for cls in (Tensor, Parameter):
        ForkingPickler.register(cls, reduce_tensor)
