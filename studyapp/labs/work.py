"""FLOPs and bytes of one forward pass of a digits model, for placing it on the roofline.

torch is imported inside the functions (lab child process only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studyapp.labs.digits import N_CLASSES, N_PIXELS
from studyapp.labs.roofline import Work

if TYPE_CHECKING:
    import torch
    from torch import nn


def weight_bytes(model: nn.Module) -> int:
    """Bytes of the model's parameters and buffers at their own dtypes (what a call reads)."""
    tensors = [*model.parameters(), *model.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors)


def linear_flops(model: nn.Module, batch_size: int) -> float:
    """FLOPs of one forward pass over `batch_size` digits: 2·in·out per fully connected layer
    (float or quantized) and 2·(in/groups)·k·k·out·H·W per convolution, per sample."""
    import torch
    from torch import nn

    convolutions: list[tuple[nn.Conv2d, torch.Size]] = []
    hooks = [
        module.register_forward_hook(
            lambda conv, _inputs, output: convolutions.append((conv, output.shape)))
        for module in model.modules() if isinstance(module, nn.Conv2d)
    ]
    try:
        if hooks:
            first = next(model.parameters())
            with torch.inference_mode():
                model(torch.zeros(1, N_PIXELS, device=first.device, dtype=first.dtype))
    finally:
        for hook in hooks:
            hook.remove()
    per_sample = sum(
        2 * module.in_features * module.out_features
        for module in model.modules()
        if hasattr(module, "in_features") and hasattr(module, "out_features")
    )
    for conv, shape in convolutions:
        kernel = conv.kernel_size[0] * conv.kernel_size[1]
        per_sample += (2 * conv.in_channels // conv.groups * kernel * conv.out_channels
                       * shape[-2] * shape[-1])
    return float(per_sample * batch_size)


def work(model: nn.Module, batch: int, *, weights: float | None = None, io_bytes: int = 4,
         speed: float = 1.0) -> Work:
    """FLOPs and bytes moved by `model` on `batch` flat digits: its weights (`weights` bytes
    where they are stored otherwise, int8 say), the input and the logits once each
    (`io_bytes` per value), activations left in cache; `speed` as in `Work`."""
    moved = (weight_bytes(model) if weights is None else weights) \
        + batch * (N_PIXELS + N_CLASSES) * io_bytes
    return Work(linear_flops(model, batch), float(moved), speed)
