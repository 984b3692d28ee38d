"""Trained digits models, cached on disk; torch is imported inside the functions.

Training is deterministic (fixed seed, one thread, fixed data order) and takes seconds:
about 1 s for `mlp`, 2–3 s for `cnn`, 10–15 s for `wide_mlp` on 2 cores. Weights are cached
under `paths.cache_dir()/models/NAME-vVERSION.pt`; `CODE_VERSION` changes whenever a model or
the training code does, so stale weights are never reused. Writes are atomic, so two labs
training the same model at once do no harm. Weights that do not load, or whose accuracy or
training time is missing or not a number, are trained again, and the progress says so.
"""

from __future__ import annotations

import math
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from studyapp.labs.cache_notice import invalid_cache
from studyapp.labs.digits import load_digits
from studyapp.labs.models import ModelSpec, build, spec
from studyapp.paths import cache_dir
from studyapp.text import Text

if TYPE_CHECKING:
    import torch
    from torch import nn

CODE_VERSION = "2"
TRAIN_SEED = 0
TRAIN_THREADS = 1  # small batches: one thread is both the fastest and reproducible
FINE_TUNE_LR = 1e-3

# Called after each optimizer step with (steps done, steps in all, what is being done).
Progress = Callable[[int, int, Text], None]


@dataclass
class TrainedModel:
    name: str
    model: nn.Module  # in eval mode, float32, on the CPU
    accuracy: float | None  # on the 355 test digits; None for a timing-only model
    trained: bool  # False: random weights, good for timing only
    train_seconds: float = 0.0  # how long training took when the weights were made
    from_cache: bool = False
    path: Path | None = None
    seed: int | None = None  # the seed of random weights (a timing-only model)

    @property
    def key(self) -> str:
        """Names these exact weights, for files derived from them (ONNX exports, say)."""
        weights = "trained" if self.trained else f"seed{self.seed}"
        return f"{self.name}-{weights}-v{CODE_VERSION}"


def digits_tensors() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """x_train, y_train, x_test, y_test as torch tensors (copies of the read-only arrays)."""
    import torch

    split = load_digits()
    arrays = (split.x_train, split.y_train, split.x_test, split.y_test)
    return tuple(torch.tensor(array) for array in arrays)


def cache_path(name: str) -> Path:
    return cache_dir() / "models" / f"{name}-v{CODE_VERSION}.pt"


def evaluate(model: nn.Module, x: np.ndarray | torch.Tensor, y: np.ndarray | torch.Tensor,
             batch_size: int = 256) -> float:
    """Share of `x` (an array or tensor of flat images) that `model` classifies as `y`."""
    import torch

    device = next(model.parameters()).device
    inputs, labels = torch.tensor(np.asarray(x)), torch.tensor(np.asarray(y))
    right = 0
    with torch.inference_mode():
        for start in range(0, len(inputs), batch_size):
            batch = inputs[start:start + batch_size].to(device)
            predicted = model(batch).argmax(dim=1).cpu()
            right += int((predicted == labels[start:start + batch_size]).sum())
    return right / len(inputs)


def _fit(model: nn.Module, epochs: int, batch_size: int, learning_rate: float,
         progress: Progress | None, message: Text) -> float:
    """Adam on the training split, seeded; returns the seconds it took. Leaves eval mode."""
    import torch
    from torch import nn

    x_train, y_train, _, _ = digits_tensors()
    threads_before = torch.get_num_threads()
    torch.set_num_threads(TRAIN_THREADS)
    try:
        torch.manual_seed(TRAIN_SEED)
        order = torch.Generator().manual_seed(TRAIN_SEED)
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
        loss_fn = nn.CrossEntropyLoss()
        steps_per_epoch = -(-len(x_train) // batch_size)
        total = epochs * steps_per_epoch
        started = time.perf_counter()
        model.train()
        for epoch in range(epochs):
            batches = torch.randperm(len(x_train), generator=order).split(batch_size)
            for step, batch in enumerate(batches, start=epoch * steps_per_epoch + 1):
                optimizer.zero_grad()
                loss_fn(model(x_train[batch]), y_train[batch]).backward()
                optimizer.step()
                if progress is not None:
                    progress(step, total, message)
        return time.perf_counter() - started
    finally:
        model.eval()
        torch.set_num_threads(threads_before)


def train(model_spec: ModelSpec, progress: Progress | None = None,
          message: Text | None = None) -> tuple[nn.Module, float]:
    """A freshly trained model (eval mode) and the seconds training took; `message` says
    what is being done in each progress step (by default, training the model)."""
    import torch

    torch.manual_seed(TRAIN_SEED)
    model = build(model_spec.name)
    message = message or Text(f"обучение на {model_spec.name}", f"training {model_spec.name}")
    seconds = _fit(model, model_spec.epochs, model_spec.batch_size, model_spec.learning_rate,
                   progress, message)
    return model, seconds


def fine_tune(model: nn.Module, epochs: int, progress: Progress | None = None) -> None:
    """`epochs` more epochs on the training split (Adam, lr 1e-3, batch 128), deterministic.

    Works on pruned models too: torch's pruning masks stay applied while the weights move.
    """
    message = Text("дообучение", "fine-tuning")
    _fit(model, epochs, 128, FINE_TUNE_LR, progress, message)


def _save(path: Path, model: nn.Module, accuracy: float, seconds: float) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        torch.save({"state_dict": model.state_dict(), "accuracy": accuracy,
                    "train_seconds": seconds, "code_version": CODE_VERSION}, tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _measure(value: object, top: float = math.inf) -> float:
    """A saved number that must lie in [0, top]; ValueError or TypeError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"not a number: {value!r}")
    if not 0 <= value <= top:  # NaN fails this too
        raise ValueError(f"out of range: {value!r}")
    return float(value)


def _load_cached(name: str, path: Path) -> TrainedModel | None:
    """The cached model, or None when there is none or it cannot be read whole."""
    import torch

    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        accuracy, seconds = _measure(saved["accuracy"], 1.0), _measure(saved["train_seconds"])
        model = build(name)
        model.load_state_dict(saved["state_dict"])
    except (OSError, RuntimeError, KeyError, TypeError, ValueError, EOFError,
            pickle.UnpicklingError):
        return None
    return TrainedModel(name, model.eval(), accuracy, trained=True, train_seconds=seconds,
                        from_cache=True, path=path)


def trained(name: str, progress: Progress | None = None) -> TrainedModel:
    """The trained model `name`: from the cache, else trained now (reporting steps, and
    that the cache was invalid where a file was there) and cached."""
    model_spec = spec(name)
    path = cache_path(name)
    cached = _load_cached(name, path)
    if cached is not None:
        return cached
    message = invalid_cache(path.name) if path.exists() else None
    model, seconds = train(model_spec, progress, message)
    split = load_digits()
    accuracy = evaluate(model, split.x_test, split.y_test)
    _save(path, model, accuracy, seconds)
    return TrainedModel(name, model, accuracy, trained=True, train_seconds=seconds, path=path)


def untrained(name: str, seed: int = TRAIN_SEED) -> TrainedModel:
    """Model `name` with seeded random weights: for timing only (its accuracy means nothing)."""
    import torch

    torch.manual_seed(seed)
    return TrainedModel(name, build(name).eval(), accuracy=None, trained=False, seed=seed)
