"""The pruned variants the prune lab compares, and what each one costs in weights and bytes.

- unstructured: global magnitude pruning (L1) over every weight tensor at once. torch's
  `torch.nn.utils.prune` keeps the original weight and a 0/1 mask, and every call first
  computes `weight = weight_orig * mask`; `prune.remove` folds the mask into a plain weight.
  The layers keep their shapes, so a dense kernel still multiplies every zero;
- the same zeros with the mask attached again (`masked_again`), to time what the mask costs;
- the same zeros stored as CSR (`as_csr`) and run through torch's sparse kernel, which skips
  them at the price of walking their indices;
- structured: the hidden neurons (Linear) or channels (Conv2d) with the smallest L1 norm are
  removed and the next layer's inputs sliced to match, which builds a physically smaller model.

torch is imported inside the functions (lab child process only).
"""

from __future__ import annotations

import copy
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from torch import nn


def weighted_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The Linear and Conv2d layers, in the order the project's models apply them."""
    from torch import nn

    return [(name, layer) for name, layer in model.named_modules()
            if isinstance(layer, nn.Linear | nn.Conv2d)]


def prune_globally(model: nn.Module, amount: float) -> None:
    """Mask the `amount` share of smallest-|w| weights across all layers at once."""
    import torch.nn.utils.prune as torch_prune

    targets = [(layer, "weight") for _, layer in weighted_layers(model)]
    torch_prune.global_unstructured(targets, pruning_method=torch_prune.L1Unstructured,
                                    amount=amount)


def make_permanent(model: nn.Module) -> None:
    """Fold the pruning masks into plain weights: the zeros stay, the masks and hooks go."""
    import torch.nn.utils.prune as torch_prune

    for _, layer in weighted_layers(model):
        if torch_prune.is_pruned(layer):
            torch_prune.remove(layer, "weight")


def masked_again(model: nn.Module) -> nn.Module:
    """A copy of a pruned model (masks removed) with torch's masks attached again: the same
    numbers, computed as `weight_orig * mask` on every call, as before `prune.remove`."""
    import torch.nn.utils.prune as torch_prune

    masked = copy.deepcopy(model)
    for _, layer in weighted_layers(masked):
        torch_prune.custom_from_mask(layer, "weight", mask=layer.weight.detach() != 0)
    return masked.eval()


def _csr_linear(layer: nn.Linear) -> nn.Module:
    """`layer` with its weight stored as CSR: y = (W_csr · xᵀ)ᵀ + b, zeros never touched."""
    from torch import nn

    class CsrLinear(nn.Module):
        weight: torch.Tensor
        bias: torch.Tensor

        def __init__(self) -> None:
            super().__init__()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch calls its CSR support "beta"
                self.register_buffer("weight", layer.weight.detach().to_sparse_csr())
            self.register_buffer("bias", layer.bias.detach()[:, None].clone())

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            import torch

            return torch.addmm(self.bias, self.weight, x.T).T

    return CsrLinear()


def as_csr(model: nn.Module) -> nn.Module | None:
    """A copy of a pruned fully connected model whose layers run torch's CSR sparse kernel;
    None for a model with convolutions (torch has no sparse convolution kernel)."""
    from torch import nn

    layers = weighted_layers(model)
    if any(isinstance(layer, nn.Conv2d) for _, layer in layers):
        return None
    sparse = copy.deepcopy(model)
    for name, layer in layers:
        parent, _, leaf = name.rpartition(".")
        setattr(sparse.get_submodule(parent) if parent else sparse, leaf, _csr_linear(layer))
    return sparse.eval()


def shrink(model: nn.Module, fraction: float) -> nn.Module:
    """A smaller copy: each hidden layer keeps its highest-L1-norm neurons/channels.

    The output layer keeps all its units; the layer after a shrunk one keeps only the input
    columns that belonged to the kept units (a flattened conv channel owns H·W columns).
    """
    import torch
    from torch import nn

    small = copy.deepcopy(model)
    layers = weighted_layers(model)
    kept_before: tuple[torch.Tensor, int] | None = None  # kept unit indices, units before
    for position, (name, layer) in enumerate(layers):
        weight = layer.weight.detach()
        units = weight.shape[0]
        rows = torch.arange(units)
        if position < len(layers) - 1:
            norms = weight.abs().reshape(units, -1).sum(dim=1)
            rows = norms.topk(max(1, round(units * (1 - fraction)))).indices.sort().values
        weight = weight[rows]
        if kept_before is not None:
            kept, units_before = kept_before
            per_unit = weight.shape[1] // units_before
            weight = weight[:, (kept[:, None] * per_unit + torch.arange(per_unit)).reshape(-1)]
        smaller = copy.deepcopy(layer)
        smaller.weight = nn.Parameter(weight.clone())
        smaller.bias = nn.Parameter(layer.bias.detach()[rows].clone())
        if isinstance(smaller, nn.Linear):
            smaller.out_features, smaller.in_features = weight.shape
        else:
            smaller.out_channels, smaller.in_channels = weight.shape[:2]
        parent, _, leaf = name.rpartition(".")
        setattr(small.get_submodule(parent) if parent else small, leaf, smaller)
        kept_before = (rows, units)
    return small.eval()


def weight_count(model: nn.Module) -> int:
    return sum(layer.weight.numel() for _, layer in weighted_layers(model))


def nonzero_count(model: nn.Module) -> int:
    return sum(int((layer.weight != 0).sum()) for _, layer in weighted_layers(model))


def zero_share(model: nn.Module) -> float:
    """Measured share of weights that are exactly zero (biases not counted)."""
    return 1 - nonzero_count(model) / weight_count(model)


def dense_bytes(model: nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in model.parameters())


def csr_bytes(model: nn.Module, index_bits: int) -> int:
    """Bytes of the weights as CSR (one row per output unit) plus the dense biases.

    Measured on real CSR tensors: values, column indices and row pointers. torch stores the
    indices as int64 by default; int32 is the smallest standard index type for these shapes.
    """
    import torch

    index_dtype = torch.int64 if index_bits == 64 else torch.int32
    layers = weighted_layers(model)
    total = dense_bytes(model) - sum(
        layer.weight.numel() * layer.weight.element_size() for _, layer in layers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch calls its CSR support "beta"
        for _, layer in layers:
            weight = layer.weight.detach()
            csr = weight.reshape(weight.shape[0], -1).to_sparse_csr()
            total += csr.values().nbytes
            total += csr.col_indices().to(index_dtype).nbytes
            total += csr.crow_indices().to(index_dtype).nbytes
    return total


def layer_shapes(model: nn.Module) -> str:
    """The weight shapes the kernels see, e.g. "256×64, 128×256, 10×128"."""
    return ", ".join("×".join(str(d) for d in layer.weight.shape)
                     for _, layer in weighted_layers(model))


def predicted(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The class `model` picks for each image of `x`."""
    import torch

    with torch.inference_mode():
        return model(x).argmax(dim=1)
