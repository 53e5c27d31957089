"""torchlet.nn.attention.flex_attention: attention with a user score_mod and a block mask,
computed exactly (PyTorch's eager "math" path; there is no fused kernel here).

    scores = (Q K^T) * scale                       (in float64 for float64 inputs, else float32)
    scores = where(mask_mod(b, h, q, kv), score_mod(scores, b, h, q, kv), -inf)
    out    = safe_softmax(scores) V                (rows with nothing to attend give 0)

PyTorch vmaps score_mod / mask_mod over (b, h, q_idx, kv_idx); here they are called once on
index tensors shaped to broadcast against the (B, H, L, S) scores: b (B,1,1,1), h (1,H,1,1),
q_idx (1,1,L,1), kv_idx (1,1,1,S). Functions written for vmap (arithmetic, comparisons,
torch.where, indexing a captured tensor with the indices) work unchanged; Python `if` on a
tensor's value does not (nor does it under vmap). Gradients come from autograd through these
Tensor ops, so they equal the math path's (PyTorch itself refuses backward through
flex_attention on a CPU; tests compare with its autograd of the same dense computation).

A BlockMask records which (BLOCK_SIZE x BLOCK_SIZE) tiles contain allowed entries, in PyTorch's
layout (kv_num_blocks / kv_indices, full blocks apart), and keeps its mask_mod, which is what
the computation uses.
"""

import itertools
import math
from typing import NamedTuple

import torchlet
from ..._device import namespace_for

__all__ = [
    "BlockMask",
    "flex_attention",
    "AuxOutput",
    "AuxRequest",
    "create_block_mask",
    "create_mask",
    "create_nested_block_mask",
    "or_masks",
    "and_masks",
    "noop_mask",
]

_DEFAULT_SPARSE_BLOCK_SIZE = 128
_LARGE_SPARSE_BLOCK_SIZE = 1 << 30


class AuxRequest(NamedTuple):
    lse: bool = False
    max_scores: bool = False


class AuxOutput(NamedTuple):
    lse: object = None
    max_scores: object = None


def noop_mask(b, h, q_idx, kv_idx):
    """Every position may be attended."""
    return b.new_ones((), dtype=torchlet.bool)


def _identity(score, b, h, q_idx, kv_idx):
    return score


def or_masks(*mask_mods):
    """A mask_mod that is the union of mask_mods."""
    if not all(callable(a) for a in mask_mods):
        raise RuntimeError(f"All inputs should be callable mask_mods: {mask_mods}")

    def or_mask(b, h, q_idx, kv_idx):
        result = b.new_zeros((), dtype=torchlet.bool)
        for mod in mask_mods:
            result = result | mod(b, h, q_idx, kv_idx)
        return result

    return or_mask


def and_masks(*mask_mods):
    """A mask_mod that is the intersection of mask_mods."""
    if not all(callable(a) for a in mask_mods):
        raise RuntimeError(f"All inputs should be callable mask_mods: {mask_mods}")

    def and_mask(b, h, q_idx, kv_idx):
        result = b.new_ones((), dtype=torchlet.bool)
        for mod in mask_mods:
            result = result & mod(b, h, q_idx, kv_idx)
        return result

    return and_mask


def _indices(B, H, L, S):
    a = torchlet.arange
    return (a(B).reshape(B, 1, 1, 1), a(H).reshape(1, H, 1, 1), a(L).reshape(1, 1, L, 1), a(S).reshape(1, 1, 1, S))


def _n_params(fn):
    import inspect

    try:
        return sum(
            1
            for p in inspect.signature(fn).parameters.values()
            if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        )
    except (TypeError, ValueError):
        return 4


def create_mask(mod_fn, B, H, Q_LEN, KV_LEN, device=None):
    """The dense (B, H, Q_LEN, KV_LEN) bool mask of a mask_mod (or of a score_mod: where it
    does not give -inf)."""
    namespace_for(device)  # PyTorch's error for a device this build lacks
    B, H = B or 1, H or 1
    b, h, m, n = _indices(B, H, Q_LEN, KV_LEN)
    if _n_params(mod_fn) == 5:
        out = mod_fn(torchlet.zeros(B, H, Q_LEN, KV_LEN), b, h, m, n)
        return out.isneginf().logical_not().expand(B, H, Q_LEN, KV_LEN).contiguous()
    return mod_fn(b, h, m, n).to(torchlet.bool).expand(B, H, Q_LEN, KV_LEN).contiguous()


def _dense_to_ordered(dense):
    """(count per row, column indices with the set blocks first), int32, as PyTorch."""
    d = dense.to(torchlet.int32)
    num = d.sum(-1).to(torchlet.int32)
    idx = d.argsort(dim=-1, descending=True, stable=True).to(torchlet.int32)
    return num, idx


class BlockMask:
    """Block sparsity of an attention mask plus the mask_mod that defines it exactly."""

    def __init__(
        self,
        seq_lengths,
        kv_num_blocks,
        kv_indices,
        full_kv_num_blocks,
        full_kv_indices,
        q_num_blocks,
        q_indices,
        full_q_num_blocks,
        full_q_indices,
        BLOCK_SIZE,
        mask_mod,
    ):
        self.seq_lengths = tuple(seq_lengths)
        self.kv_num_blocks, self.kv_indices = kv_num_blocks, kv_indices
        self.full_kv_num_blocks, self.full_kv_indices = full_kv_num_blocks, full_kv_indices
        self.q_num_blocks, self.q_indices = q_num_blocks, q_indices
        self.full_q_num_blocks, self.full_q_indices = full_q_num_blocks, full_q_indices
        self.BLOCK_SIZE = tuple(BLOCK_SIZE)
        self.mask_mod = mask_mod if mask_mod is not None else noop_mask

    @classmethod
    def _from_dense_blocks(cls, partial, full, seq_lengths, block_size, mask_mod):
        kv_num, kv_idx = _dense_to_ordered(partial)
        q_num, q_idx = _dense_to_ordered(partial.transpose(-2, -1))
        fkv_num = fkv_idx = fq_num = fq_idx = None
        if full is not None:
            fkv_num, fkv_idx = _dense_to_ordered(full)
            fq_num, fq_idx = _dense_to_ordered(full.transpose(-2, -1))
        return cls(seq_lengths, kv_num, kv_idx, fkv_num, fkv_idx, q_num, q_idx, fq_num, fq_idx, block_size, mask_mod)

    @property
    def shape(self):
        return tuple(self.kv_indices.shape[:-2]) + self.seq_lengths

    def numel(self):
        return math.prod(self.shape)

    def sparsity(self):
        """The percentage of blocks that need no computation."""
        total = math.prod(self.kv_num_blocks.shape[:-1])
        for n, bs in zip(self.seq_lengths, self.BLOCK_SIZE):
            total *= -(-n // bs)
        computed = int(self.kv_num_blocks.sum())
        if self.full_kv_num_blocks is not None:
            computed += int(self.full_kv_num_blocks.sum())
        return 100 * (1 - computed / total)

    def to_dense(self):
        """The (B, H, q blocks, kv blocks) int32 map of blocks that are computed."""
        dense = _ordered_to_dense(self.kv_num_blocks, self.kv_indices)
        if self.full_kv_num_blocks is not None:
            dense = dense | _ordered_to_dense(self.full_kv_num_blocks, self.full_kv_indices)
        return dense

    def to_string(self, grid_size=(20, 20), limit=4):
        dense = self.to_dense()
        *batch, rows, cols = dense.shape
        max_rows, max_cols = (
            (grid_size, grid_size) if isinstance(grid_size, int) else ((rows, cols) if grid_size == -1 else grid_size)
        )
        rstep, cstep = max(1, -(-rows // max_rows)), max(1, -(-cols // max_cols))
        out = []
        for i, bidx in enumerate(itertools.product(*[range(n) for n in batch])):
            if i == limit:
                out += [
                    "...",
                    "To print out more, set BlockMask.to_string(limit=N)",
                    "You can also index (BlockMask[batch, head]) to choose a specific batch or head",
                ]
                break
            cur = dense
            for j in bidx:
                cur = cur[j]
            vis = f"{bidx}\n"
            for r in range(0, rows, rstep):
                for c in range(0, cols, cstep):
                    p = cur[r : r + rstep, c : c + cstep].float().mean().item()
                    vis += ("█" if p == 1 else " " if p == 0 else "░") * 2
                vis += "\n"
            out.append(vis)
        return "\n".join(out)

    def __str__(self):
        return f"BlockMask(shape={self.shape}, sparsity={self.sparsity():.2f}%, \n{self.to_string().strip()}\n)"

    def __repr__(self):
        def shp(x):
            return None if x is None else x.shape

        name = getattr(self.mask_mod, "__name__", self.mask_mod)
        return (
            f"BlockMask(\n    kv_num_blocks={self.kv_num_blocks.shape},\n"
            f"    kv_indices={self.kv_indices.shape},\n"
            f"    full_kv_num_blocks={shp(self.full_kv_num_blocks)},\n"
            f"    full_kv_indices={shp(self.full_kv_indices)},\n"
            f"    q_num_blocks={shp(self.q_num_blocks)},\n    q_indices={shp(self.q_indices)},\n"
            f"    full_q_num_blocks={shp(self.full_q_num_blocks)},\n"
            f"    full_q_indices={shp(self.full_q_indices)},\n    BLOCK_SIZE={self.BLOCK_SIZE},\n"
            f"    shape={self.shape},\n    sparsity={self.sparsity():.2f}%,\n    mask_mod={name}\n)"
        )

    def to(self, device):
        namespace_for(device)
        return self

    def as_tuple(self, flatten=True):
        return (
            *self.seq_lengths,
            self.kv_num_blocks,
            self.kv_indices,
            self.full_kv_num_blocks,
            self.full_kv_indices,
            self.q_num_blocks,
            self.q_indices,
            self.full_q_num_blocks,
            self.full_q_indices,
            *self.BLOCK_SIZE,
            self.mask_mod,
        )


def _ordered_to_dense(num, idx):
    cols = idx.shape[-1]
    rank = torchlet.arange(cols).expand(*idx.shape)
    keep = (rank < num.unsqueeze(-1).to(torchlet.int64)).to(torchlet.int32)
    dense = torchlet.zeros(*idx.shape[:-1], cols + 1, dtype=torchlet.int32)
    target = torchlet.where(keep.bool(), idx.to(torchlet.int64), torchlet.tensor(cols))
    dense.scatter_(-1, target, keep)
    return dense[..., :cols]


def create_block_mask(
    mask_mod,
    B,
    H,
    Q_LEN,
    KV_LEN,
    device=None,
    BLOCK_SIZE=_DEFAULT_SPARSE_BLOCK_SIZE,
    _compile=False,
    separate_full_blocks=True,
    compute_dq_write_order=False,
    dq_kv_order=True,
):
    """The BlockMask of mask_mod for (B, H, Q_LEN, KV_LEN); B/H None broadcast (size 1)."""
    if _n_params(mask_mod) != 4:
        raise AssertionError(f"create-block_mask requires a mask_mod function! Got {mask_mod}")
    qb, kb = (BLOCK_SIZE, BLOCK_SIZE) if isinstance(BLOCK_SIZE, int) else BLOCK_SIZE
    mask = create_mask(mask_mod, B, H, Q_LEN, KV_LEN, device)
    Bm, Hm = mask.shape[0], mask.shape[1]
    pq, pk = -(-Q_LEN // qb) * qb - Q_LEN, -(-KV_LEN // kb) * kb - KV_LEN
    mask = torchlet.nn.functional.pad(mask, (0, pk, 0, pq))
    Q, KV = Q_LEN + pq, KV_LEN + pk
    tiles = mask.reshape(Bm, Hm, Q // qb, qb, KV // kb, kb).permute(0, 1, 2, 4, 3, 5).sum([-2, -1])
    if separate_full_blocks:
        full = tiles == qb * kb
        partial = (tiles > 0) & (tiles < qb * kb)
        full = full.to(torchlet.int8)
    else:
        partial, full = tiles > 0, None
    return BlockMask._from_dense_blocks(partial.to(torchlet.int8), full, (Q_LEN, KV_LEN), (qb, kb), mask_mod)


def _empty_block_mask(query, key):
    one = torchlet.ones(1, 1, 1, dtype=torchlet.int32)
    zero = torchlet.zeros(1, 1, 1, 1, dtype=torchlet.int32)
    return BlockMask(
        (1, 1),
        one,
        zero,
        None,
        None,
        one,
        zero,
        None,
        None,
        (_LARGE_SPARSE_BLOCK_SIZE, _LARGE_SPARSE_BLOCK_SIZE),
        noop_mask,
    )


def create_nested_block_mask(mask_mod, B, H, q_nt, kv_nt=None, BLOCK_SIZE=_DEFAULT_SPARSE_BLOCK_SIZE, _compile=False):
    """A BlockMask over the packed jagged sequences of nested tensors q_nt / kv_nt: mask_mod
    sees each sequence's own (b, q_idx, kv_idx), and positions of different sequences never
    attend each other. Shape (B, H, total q length, total kv length)."""
    from ...nested import jagged_offsets

    kv_nt = q_nt if kv_nt is None else kv_nt
    q_off, kv_off = jagged_offsets(q_nt), jagged_offsets(kv_nt)
    Q, KV = int(q_off[-1]), int(kv_off[-1])
    q_seq = _seq_ids(q_off, Q)
    kv_seq = _seq_ids(kv_off, KV)

    def nested_mask(b, h, q_idx, kv_idx):
        qs, ks = q_seq[q_idx], kv_seq[kv_idx]
        inner = mask_mod(qs, h, q_idx - q_off[qs], kv_idx - kv_off[ks])
        return (qs == ks) & inner

    nested_mask.__name__ = getattr(mask_mod, "__name__", "nested_mask")
    return create_block_mask(nested_mask, B, H, Q, KV, BLOCK_SIZE=BLOCK_SIZE)


def _seq_ids(offsets, total):
    pos = torchlet.arange(total)
    return (pos.unsqueeze(-1) >= offsets[1:].unsqueeze(0)).sum(-1)


def flex_attention(
    query,
    key,
    value,
    score_mod=None,
    block_mask=None,
    scale=None,
    enable_gqa=False,
    return_lse=False,
    kernel_options=None,
    *,
    return_aux=None,
):
    """Attention with score_mod and block_mask.mask_mod applied to every score (see the module)."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if getattr(t, "is_nested", False):
            raise ValueError(
                "FlexAttention does not support nested tensors. Please use a block mask "
                "created with create_nested_block_mask on the nested tensors' values"
            )
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            f"Expect query and key to have the same embedding dimension but got "
            f"E={query.shape[-1]} and E={key.shape[-1]}."
        )
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        raise NotImplementedError("NYI: query, key, and value must be 4D tensors")
    Hq, Hkv = query.shape[-3], key.shape[-3]
    if not enable_gqa and Hq != Hkv:
        raise ValueError(
            f"Expect query and key/value to have the same number of heads but got Hq={Hq} "
            f"and Hkv={Hkv}. Try setting enable_gqa=True for GQA."
        )
    if enable_gqa and Hq % Hkv:
        raise ValueError(
            f"Expect number of query heads to be a multiple of kv heads for GQA but got Hq={Hq} and Hkv={Hkv}."
        )
    if query.shape[0] != key.shape[0] and block_mask is None:
        raise ValueError(
            f"Expect query and key/value to have the same batch size, or non-none block_mask, "
            f"but got block_mask=None, Bq={query.shape[0]}, and Bkv={key.shape[0]}."
        )
    if return_lse and return_aux is not None:
        raise ValueError(
            "Cannot specify both return_lse and return_aux. return_lse is deprecated, please "
            "use return_aux=AuxRequest(lse=True) instead."
        )
    if return_aux is not None and return_aux.max_scores:
        raise NotImplementedError("Returning max scores is not supported on CPU.")
    score_mod = _identity if score_mod is None else score_mod
    if block_mask is None:
        block_mask = _empty_block_mask(query, key)
    elif block_mask.BLOCK_SIZE[0] != _LARGE_SPARSE_BLOCK_SIZE:
        L, S = query.shape[-2], key.shape[-2]
        bq, bk = block_mask.seq_lengths
        if L > bq or S > bk:
            raise RuntimeError(
                "block_mask was created for a smaller length than you're using it for, you "
                "likely need to create a new block mask."
            )
        if L < bq or S < bk:
            raise RuntimeError(
                "block_mask was created for a larger length than you're using it for, you can "
                "either 1. create a new block mask with the correct length, or 2. 'adjust' "
                "the existing block mask to the correct length by calling "
                "block_mask._adjust(q_len, kv_len). This essentially 'crops' the block mask "
                "to the upper left corner, which does not work for all mask_mods!"
            )
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    out, lse = _math_attention(query, key, value, score_mod, block_mask.mask_mod, scale)
    want_lse = return_lse or (return_aux is not None and return_aux.lse)
    if return_aux is not None:
        return out, AuxOutput(lse=lse if want_lse else None, max_scores=None)
    if return_lse:
        return out, lse
    return out


def _math_attention(query, key, value, score_mod, mask_mod, scale):
    G = query.shape[1] // key.shape[1]
    key = key.repeat_interleave(G, 1) if G > 1 else key
    value = value.repeat_interleave(G, 1) if G > 1 else value
    Bq = query.shape[0]
    if not (Bq == key.shape[0] or key.shape[0] == 1):
        raise RuntimeError(f"Bq and Bkv must broadcast. Got Bq={Bq} and Bkv={key.shape[0]}")
    key = key.expand(Bq, *key.shape[1:])
    value = value.expand(Bq, *value.shape[1:])
    work = torchlet.float64 if query.dtype is torchlet.float64 else torchlet.float32
    scores = query.to(work).matmul(key.to(work).transpose(-2, -1))
    B, H, L, S = scores.shape
    b, h, m, n = _indices(B, H, L, S)
    scores = scores * scale
    modded = score_mod(scores, b, h, m, n)
    allowed = mask_mod(b, h, m, n)
    post = torchlet.where(allowed, modded, torchlet.tensor(float("-inf"), dtype=work))
    if tuple(post.shape) != (B, H, L, S):
        post = post.expand(B, H, L, S)
    dead = (post == float("-inf")).all(-1)
    lse = post.logsumexp(-1).masked_fill(dead, float("-inf"))
    safe = post.masked_fill(dead.unsqueeze(-1), 0.0)
    weights = safe.softmax(-1).masked_fill(dead.unsqueeze(-1), 0.0)
    out = weights.to(query.dtype).matmul(value.to(query.dtype))
    return out, lse
