"""The project's own digits models. Imports torch: use only from a lab's child process.

Every model takes a batch of flat images, float32 of shape (n, 64) scaled to 0..1, and
returns (n, 10) logits, so a lab can feed any of them the same input.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from studyapp.deck.model import Text
from studyapp.labs.digits import N_CLASSES, N_PIXELS, SIDE


class DigitsMLP(nn.Module):
    """64 → hidden → hidden → 10 with ReLU; `hidden=4096` is the weight-heavy variant."""

    def __init__(self, hidden: int = 128) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(N_PIXELS, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, N_CLASSES),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class DigitsCNN(nn.Module):
    """Two 3×3 convolutions, a 2×2 max-pool, then a flatten → linear head.

    The flatten head keeps where a stroke is; global average pooling would throw that away
    and stop near 80% accuracy on 8×8 digits.
    """

    def __init__(self, channels: int = 16, head: int = 64) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        pooled = 2 * channels * (SIDE // 2) ** 2
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(pooled, head), nn.ReLU(), nn.Linear(head, N_CLASSES),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x.reshape(-1, 1, SIDE, SIDE)))


@dataclass(frozen=True)
class ModelSpec:
    """How one named model is built and trained."""

    name: str
    title: Text
    epochs: int
    batch_size: int
    learning_rate: float

    def build(self) -> nn.Module:
        if self.name == "cnn":
            return DigitsCNN()
        return DigitsMLP(hidden=4096 if self.name == "wide_mlp" else 128)


MODEL_SPECS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("mlp", Text("MLP 64→128→128→10", "MLP 64→128→128→10"), 20, 128, 5e-3),
        ModelSpec("cnn", Text("CNN: 2 свивки + плосък изход", "CNN: 2 convolutions + flatten head"),
                  15, 128, 5e-3),
        ModelSpec("wide_mlp", Text("Широк MLP 64→4096→4096→10 (тегла 68 MB)",
                                   "Wide MLP 64→4096→4096→10 (68 MB of weights)"), 2, 128, 1e-3),
    )
}


def parameter_bytes(model: nn.Module) -> int:
    """Bytes held by the model's parameters and buffers, at their own dtypes."""
    tensors = [*model.parameters(), *model.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors)
