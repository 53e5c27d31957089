"""The two engine hooks DistributedDataParallel is built on, against PyTorch:
post-accumulate-grad hooks and a callback queued for the end of backward."""

import torch

import torchlet


def _trace(lib, queue):
    w = lib.ones(3, requires_grad=True)
    log = []
    w.register_post_accumulate_grad_hook(lambda p: log.append(("post", p.grad.tolist())))
    y = w * 2
    y.register_hook(lambda g: queue(lambda: log.append(("end", w.grad.tolist()))))
    (y * y).sum().backward()
    h = w.register_post_accumulate_grad_hook(lambda p: log.append("second"))
    h.remove()
    y = w * 3
    y.register_hook(lambda g: queue(lambda: log.append(("end2", w.grad.tolist()))))
    y.sum().backward()
    return log


def test_post_accumulate_and_final_callback_match_torch():
    from torchlet.autograd import engine

    ours = _trace(torchlet, engine.queue_callback)
    theirs = _trace(torch, torch.autograd.Variable._execution_engine.queue_callback)
    assert ours == theirs


def test_errors_match_torch():
    from torchlet.autograd import engine

    for lib, queue in (
        (torchlet, engine.queue_callback),
        (torch, torch.autograd.Variable._execution_engine.queue_callback),
    ):
        try:
            queue(lambda: None)
        except RuntimeError as e:
            assert "during backward pass" in str(e)
        else:
            raise AssertionError(lib)
        x = lib.ones(2, requires_grad=True) * 2
        try:
            x.register_post_accumulate_grad_hook(lambda p: None)
        except RuntimeError as e:
            assert "non-leaf" in str(e)
        else:
            raise AssertionError(lib)
