"""Trained digits models, cached on disk. Imports torch: use only from a lab's child process.

Training is deterministic (fixed seed, fixed thread count, fixed data order) and takes
seconds. Weights are cached under `paths.cache_dir()/models/NAME-vVERSION.pt`; bump
`CODE_VERSION` whenever a model or the training code changes, so stale weights are not
reused. Writes are atomic, so two labs training the same model at once do no harm.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from studyapp.errors import StudyappError
from studyapp.labs.digits import load_split
from studyapp.labs.models import MODEL_SPECS, ModelSpec
from studyapp.paths import cache_dir

CODE_VERSION = "1"
TRAIN_SEED = 0
TRAIN_THREADS = 1  # small batches: one thread is both fastest and reproducible

# Called after each optimizer step with (steps done, steps in all).
TrainProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class TrainedModel:
    name: str
    model: nn.Module  # in eval mode, float32, on the CPU
    test_accuracy: float  # share of the 355 test digits classified right
    train_seconds: float  # how long training took when the weights were made
    trained_now: bool  # False when the weights came from the cache
    path: Path


def digits_tensors() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """x_train, y_train, x_test, y_test as torch tensors (copies of the read-only arrays)."""
    split = load_split()
    arrays = (split.x_train, split.y_train, split.x_test, split.y_test)
    return tuple(torch.tensor(array) for array in arrays)  # type: ignore[return-value]


def cache_path(name: str) -> Path:
    return cache_dir() / "models" / f"{name}-v{CODE_VERSION}.pt"


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Share of `x` that `model` classifies as `y`."""
    with torch.inference_mode():
        predicted = model(x).argmax(dim=1)
    return float((predicted == y).float().mean())


def train(spec: ModelSpec, on_step: TrainProgress | None = None) -> tuple[nn.Module, float]:
    """A freshly trained model (eval mode) and the seconds training took."""
    x_train, y_train, _, _ = digits_tensors()
    threads_before = torch.get_num_threads()
    torch.set_num_threads(TRAIN_THREADS)
    try:
        torch.manual_seed(TRAIN_SEED)
        order = torch.Generator().manual_seed(TRAIN_SEED)
        model = spec.build()
        optimizer = torch.optim.Adam(model.parameters(), lr=spec.learning_rate)
        loss_fn = nn.CrossEntropyLoss()
        started = time.perf_counter()
        model.train()
        steps_per_epoch = -(-len(x_train) // spec.batch_size)
        total = spec.epochs * steps_per_epoch
        for epoch in range(spec.epochs):
            batches = torch.randperm(len(x_train), generator=order).split(spec.batch_size)
            for step, batch in enumerate(batches, start=epoch * steps_per_epoch + 1):
                optimizer.zero_grad()
                loss_fn(model(x_train[batch]), y_train[batch]).backward()
                optimizer.step()
                if on_step is not None:
                    on_step(step, total)
        seconds = time.perf_counter() - started
    finally:
        torch.set_num_threads(threads_before)
    return model.eval(), seconds


def _save(path: Path, model: nn.Module, test_accuracy: float, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        torch.save({"state_dict": model.state_dict(), "test_accuracy": test_accuracy,
                    "train_seconds": seconds, "code_version": CODE_VERSION}, tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _load_cached(spec: ModelSpec, path: Path) -> TrainedModel | None:
    """The cached model, or None when there is none or it cannot be read."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        model = spec.build()
        model.load_state_dict(saved["state_dict"])
    except (OSError, RuntimeError, KeyError, TypeError, ValueError, EOFError,
            pickle.UnpicklingError):
        return None
    return TrainedModel(spec.name, model.eval(), float(saved["test_accuracy"]),
                        float(saved["train_seconds"]), trained_now=False, path=path)


def is_cached(name: str) -> bool:
    return cache_path(name).is_file()


def load_model(name: str, on_step: TrainProgress | None = None) -> TrainedModel:
    """The trained model `name`: from the cache, else trained now and cached."""
    spec = MODEL_SPECS.get(name)
    if spec is None:
        raise StudyappError(f"unknown model {name!r} (known: {', '.join(MODEL_SPECS)})")
    path = cache_path(name)
    cached = _load_cached(spec, path)
    if cached is not None:
        return cached
    model, seconds = train(spec, on_step)
    _, _, x_test, y_test = digits_tensors()
    test_accuracy = accuracy(model, x_test, y_test)
    _save(path, model, test_accuracy, seconds)
    return TrainedModel(name, model, test_accuracy, seconds, trained_now=True, path=path)
