"""`stack_module_state(models)`: the parameters and buffers of same-shaped models stacked
along a new leading dim, for vmap over `functional_call` (model ensembling).

The stacked parameters are new leaves that require grad (not views of the models' own), as
PyTorch makes them; buffers are stacked as they are.
"""

__all__ = ["stack_module_state"]


def stack_module_state(models):
    from ..ops.joining import stack

    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    first = type(models[0])
    if not all(type(m) is first for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    params = {
        k: stack([dict(m.named_parameters())[k] for m in models]).detach().requires_grad_(v.requires_grad)
        for k, v in models[0].named_parameters()
    }
    buffers = {k: stack([dict(m.named_buffers())[k] for m in models]).detach() for k, _ in models[0].named_buffers()}
    return params, buffers
