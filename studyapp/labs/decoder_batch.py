"""Decoding many sequences at once when each is at its own position, as a continuous-batching
server does: every sequence keeps its own KV cache (`decoder_net.KVCache`, batch 1), and one
step gives each of them its next token.

In a step the linear layers (qkv, out, the MLP, the head) run once over all the rows — the
weights are read once for the whole batch, which is where batching pays — while attention
runs per sequence against its own cache, of its own length (as paged-attention servers do).
The prompts of sequences that join together are prefilled in one pass and their caches
split into one per sequence. Tokens, prompts and caches live on the model's device.

    logits, caches = prefill_rows(net, prompts, capacities)   # prompts: [k, tokens]
    logits = decode_rows(net, tokens, caches)                 # tokens: [B] → [B, vocab]

A child-only module: it imports torch at the top, so only the lab child imports it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from studyapp.labs.decoder_net import Attention, Block, Decoder, KVCache, rotate


def row_cache(cache: KVCache, index: int) -> KVCache:
    """The cache of one sequence of a batch's cache: views on its tensors, its own length."""
    row = copy.copy(cache)
    row.keys = cache.keys[:, index:index + 1]
    row.values = cache.values[:, index:index + 1]
    return row


def prefill_rows(net: Decoder, prompts: torch.Tensor,
                 capacity: int) -> tuple[torch.Tensor, list[KVCache]]:
    """The prompts ([k, tokens], one length) in one pass: the logits at their last position
    ([k, vocab]) and a cache for each sequence, room for `capacity` tokens."""
    logits, cache = net.prefill(prompts, capacity=capacity)
    return logits[:, -1], [row_cache(cache, index) for index in range(prompts.shape[0])]


def _attend(attention: Attention, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor,
            caches: Sequence[KVCache], layer: int) -> torch.Tensor:
    """Self-attention of one new token per row ([B, 1, width]), row i against caches[i]."""
    rows, _, width = x.shape
    q, k, v = (part.view(rows, 1, attention.heads, attention.head_dim).transpose(1, 2)
               for part in attention.qkv(x).split(width, dim=-1))
    q, k = rotate(q, cos, sin), rotate(k, cos, sin)
    outputs = []
    for index, cache in enumerate(caches):
        keys, values = cache.append(layer, k[index:index + 1], v[index:index + 1])
        outputs.append(F.scaled_dot_product_attention(q[index:index + 1], keys, values))
    y = torch.cat(outputs)
    return attention.out(y.transpose(1, 2).reshape(rows, 1, width))


def _block(block: Block, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor,
           caches: Sequence[KVCache], layer: int) -> torch.Tensor:
    x = x + _attend(block.attention, block.norm1(x), cos, sin, caches, layer)
    return x + block.mlp(block.norm2(x))


def decode_rows(net: Decoder, tokens: torch.Tensor, caches: Sequence[KVCache]) -> torch.Tensor:
    """One new token per sequence ([B]), sequence i after what caches[i] holds, each at its
    own position: the next-token logits, [B, vocab]. Inference only (no dropout)."""
    if net.training:
        raise ValueError("batched decoding is for a model in eval mode")
    if len(caches) != tokens.shape[0]:
        raise ValueError(f"{tokens.shape[0]} tokens for {len(caches)} caches")
    lengths = [cache.length for cache in caches]
    if max(lengths) >= net.shape.context:
        raise ValueError(f"the model sees {net.shape.context} positions")
    positions = net.tokens(lengths)
    cos = net.cos[positions][:, None, None]  # [B, 1, 1, head_dim / 2]: a row's own angle
    sin = net.sin[positions][:, None, None]
    x = net.embed(tokens)[:, None]
    for layer, block in enumerate(net.blocks):
        x = _block(block, x, cos, sin, caches, layer)
    return net.head(net.norm(x))[:, -1]
