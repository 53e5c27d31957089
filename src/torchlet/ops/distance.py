"""Vector geometry of nn.functional: normalize (x / max(||x||_p, eps)),
cosine_similarity (x1.x2 / sqrt(max(||x1||^2 ||x2||^2, eps^2))) and
pairwise_distance (||x1 - x2 + eps||_p), composed from Tensor ops (their
gradients come from the norm's and the pointwise ops' nodes)."""

from ._out import out_form

__all__ = ["normalize", "cosine_similarity", "pairwise_distance"]


@out_form(grad_name="div")
def normalize(input, p=2.0, dim=1, eps=1e-12):
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    w12 = (x1 * x2).sum(dim)
    n1 = (x1 * x1).sum(dim)
    n2 = (x2 * x2).sum(dim)
    return w12 / ((n1 * n2).clamp_min(eps * eps)).sqrt()


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)
