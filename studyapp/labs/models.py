"""The project's own digits models, built as `nn.Sequential` stacks; torch is imported in `build`.

Every model takes a batch of flat images, float32 of shape (n, 64) scaled to 0..1, and
returns (n, 10) logits, so a lab can feed any of them the same input:

- `mlp`: 64 → 256 → 128 → 10 with ReLU;
- `cnn`: (n, 64) unflattened to (n, 1, 8, 8), two 3×3 convolutions (16 and 32 channels),
  a 2×2 max-pool, then a flatten → 64 → 10 head. The flatten head keeps where a stroke is;
  global average pooling would throw that away and stop near 80% accuracy on 8×8 digits;
- `wide_mlp`: 64 → 4096 → 4096 → 10, 17 million weights (68 MB in fp32): at small batches
  its time goes into reading weights from memory, not into arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from studyapp.errors import StudyappError
from studyapp.labs.digits import N_CLASSES, N_PIXELS, SIDE
from studyapp.text import Text

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class ModelSpec:
    """One named model: what it is and how it is trained."""

    name: str
    title: Text
    epochs: int
    batch_size: int
    learning_rate: float


MODEL_SPECS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("mlp", Text("MLP 64→256→128→10", "MLP 64→256→128→10"), 20, 128, 5e-3),
        ModelSpec("cnn", Text("CNN: 2 свивки + плосък изход", "CNN: 2 convolutions + flatten head"),
                  15, 128, 5e-3),
        ModelSpec("wide_mlp", Text("Широк MLP 64→4096→4096→10 (тегла 68 MB)",
                                   "Wide MLP 64→4096→4096→10 (68 MB of weights)"), 2, 128, 1e-3),
    )
}


def spec(name: str) -> ModelSpec:
    found = MODEL_SPECS.get(name)
    if found is None:
        raise StudyappError(f"unknown model {name!r} (known: {', '.join(MODEL_SPECS)})")
    return found


def _mlp(*widths: int) -> nn.Sequential:
    from torch import nn

    layers: list[nn.Module] = []
    for fan_in, fan_out in pairwise(widths):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no ReLU after the last layer: logits


def _cnn(channels: int = 16, head: int = 64) -> nn.Sequential:
    from torch import nn

    pooled = 2 * channels * (SIDE // 2) ** 2
    return nn.Sequential(
        nn.Unflatten(1, (1, SIDE, SIDE)),
        nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(),
        nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(pooled, head), nn.ReLU(),
        nn.Linear(head, N_CLASSES),
    )


def build(name: str) -> nn.Module:
    """A freshly initialised model `name` (torch's default init, seeded by the caller)."""
    spec(name)
    if name == "cnn":
        return _cnn()
    if name == "wide_mlp":
        return _mlp(N_PIXELS, 4096, 4096, N_CLASSES)
    return _mlp(N_PIXELS, 256, 128, N_CLASSES)


def input_shape(name: str) -> tuple[int, ...]:
    """The per-sample input shape model `name` takes: (64,) for every model."""
    spec(name)
    return (N_PIXELS,)
