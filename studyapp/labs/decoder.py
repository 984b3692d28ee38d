"""The decoder labs' language model: trained on the module's own text, cached on disk.

The corpus is every card's front, back, notes and study text of the shipped module, in
Bulgarian and in English (read from its TOML: labs know nothing of the deck), one character
per token. Training is deterministic (fixed seed, one thread, fixed batches): AdamW with a
linear warm-up and a cosine decay, dropout, and the weights kept from the evaluation with
the lowest loss on the held-out tail of the corpus (the last tenth), which is reported.

    model = trained("default")                  # the 2-layer target, from the cache or now
    draft = trained("default", draft=True)      # the 1-layer draft, trained the same way
    logits, cache = model.net.prefill(model.encode("Кеш")[None])

Weights are cached under `paths.cache_dir()/models/` by size, role, corpus and
`CODE_VERSION` (changed whenever the model or its training does); a file that does not
read back whole is trained again, and the progress says so.

A child-only module: it imports torch at the top, so only the lab child imports it.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from studyapp.labs.cache_notice import invalid_cache
from studyapp.labs.decoder_net import Decoder, Shape
from studyapp.paths import SHIPPED_CONTENT, cache_dir
from studyapp.text import Text

CODE_VERSION = "3"
MODULE_FILE = SHIPPED_CONTENT / "inference-optimization" / "module.toml"
CARD_FIELDS = ("front", "back", "notes", "body")
HELD_OUT = 0.1  # the corpus's tail kept for the held-out loss
TRAIN_SEED = 0
TRAIN_THREADS = 2  # fixed, so a machine trains the same model whatever the lab's threads
EVAL_WINDOWS = 16

Progress = Callable[[int, int, Text], None]


@dataclass(frozen=True)
class Recipe:
    """A model's shape (less its vocabulary) and how it is trained."""

    layers: int
    width: int
    heads: int
    context: int
    steps: int
    batch: int = 8
    window: int = 256  # characters per training sequence
    learning_rate: float = 3e-3
    warmup: int = 50
    eval_every: int = 50


# The target and its 1-layer draft, by lab size. The default target reached a held-out loss
# of 1.47 nats per character in 52 s on 2 cores here (570 steps of 16 × 128 characters at
# 8e-3; 620 steps reached 1.46 in 62 s, a rate of 6e-3 1.47, windows of 256 at the same time
# 1.57), its draft 1.67 in 21–23 s (1.82 after 300 steps); the quick ones train in a second
# or two and write little but letters.
RECIPES: dict[str, dict[str, Recipe]] = {
    "quick": {"target": Recipe(2, 32, 4, 256, steps=40, window=64, warmup=10,
                               eval_every=20),
              "draft": Recipe(1, 32, 4, 256, steps=30, window=64, warmup=10, eval_every=15)},
    "default": {"target": Recipe(2, 128, 4, 768, steps=570, batch=16, window=128,
                                 learning_rate=8e-3, eval_every=25),
                "draft": Recipe(1, 128, 4, 768, steps=400, batch=16, window=128,
                                learning_rate=8e-3, eval_every=25)},
}


def corpus(path: Path = MODULE_FILE) -> str:
    """The module's card texts, both languages, one paragraph per text."""
    with path.open("rb") as handle:
        module = tomllib.load(handle)
    texts: list[str] = []
    for card in module.get("cards", []):
        for field in CARD_FIELDS:
            value = card.get(field)
            if isinstance(value, dict):
                texts += [str(value[lang]).strip() for lang in ("bg", "en") if value.get(lang)]
    return "\n".join(texts) + "\n"


@dataclass
class TrainedDecoder:
    """A trained model, its vocabulary and how it was made."""

    name: str  # "target" or "draft"
    net: Decoder  # in eval mode, float32, trained and loaded on the CPU (a lab may move it)
    vocab: str  # the characters, in token order
    held_out_loss: float  # nats per character on the corpus's held-out tail
    train_seconds: float
    from_cache: bool = False

    def encode(self, text: str) -> torch.Tensor:
        """`text`'s tokens, on the model's device."""
        index = {char: token for token, char in enumerate(self.vocab)}
        return self.net.tokens([index[char] for char in text])

    def decode(self, tokens: list[int]) -> str:
        return "".join(self.vocab[token] for token in tokens)

    @property
    def params_count(self) -> int:
        return sum(parameter.numel() for parameter in self.net.parameters())


def _shape(recipe: Recipe, vocab: int) -> Shape:
    return Shape(recipe.layers, recipe.width, recipe.heads, recipe.context, vocab)


def _windows(data: torch.Tensor, starts: torch.Tensor,
             window: int) -> tuple[torch.Tensor, torch.Tensor]:
    rows = torch.stack([data[start:start + window + 1] for start in starts.tolist()])
    return rows[:, :-1], rows[:, 1:]


def held_out_loss(net: Decoder, data: torch.Tensor, window: int) -> float:
    """Mean cross-entropy, nats per character, over evenly spaced windows of `data`."""
    last = len(data) - window - 1
    starts = torch.linspace(0, last, EVAL_WINDOWS).long()
    x, y = _windows(data, starts, window)
    was_training = net.training
    net.eval()
    with torch.no_grad():
        loss = F.cross_entropy(net(x).flatten(0, 1), y.flatten()).item()
    net.train(was_training)
    return loss


def _rate(recipe: Recipe, step: int) -> float:
    """Linear warm-up, then a cosine decay to a tenth."""
    if step < recipe.warmup:
        return recipe.learning_rate * (step + 1) / recipe.warmup
    done = (step - recipe.warmup) / max(1, recipe.steps - recipe.warmup)
    return recipe.learning_rate * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * done)))


def train(recipe: Recipe, text: str, name: str, progress: Progress | None = None,
          message: Text | None = None) -> TrainedDecoder:
    """A model trained now on `text`, deterministic for the same recipe and text."""
    vocab = "".join(sorted(set(text)))
    tokens = torch.tensor([vocab.index(char) for char in text], dtype=torch.long)
    split = int(len(tokens) * (1 - HELD_OUT))
    train_part, held_part = tokens[:split], tokens[split:]
    message = message or Text(f"обучение на езиковия модел ({name})",
                              f"training the language model ({name})")
    before = torch.get_num_threads()
    torch.set_num_threads(TRAIN_THREADS)
    try:
        torch.manual_seed(TRAIN_SEED)
        net = Decoder(_shape(recipe, len(vocab)))
        order = torch.Generator().manual_seed(TRAIN_SEED)
        optimizer = torch.optim.AdamW(net.parameters(), lr=recipe.learning_rate, fused=True)
        best, best_state = math.inf, net.state_dict()
        started = time.perf_counter()
        net.train()
        for step in range(recipe.steps):
            for group in optimizer.param_groups:
                group["lr"] = _rate(recipe, step)
            starts = torch.randint(0, len(train_part) - recipe.window - 1, (recipe.batch,),
                                   generator=order)
            x, y = _windows(train_part, starts, recipe.window)
            optimizer.zero_grad()
            F.cross_entropy(net(x).flatten(0, 1), y.flatten()).backward()
            optimizer.step()
            if (step + 1) % recipe.eval_every == 0 or step + 1 == recipe.steps:
                loss = held_out_loss(net, held_part, recipe.window)
                if loss < best:
                    best = loss
                    best_state = {key: value.clone() for key, value in net.state_dict().items()}
            if progress is not None:
                progress(step + 1, recipe.steps, message)
        seconds = time.perf_counter() - started
    finally:
        torch.set_num_threads(before)
    net.load_state_dict(best_state)
    return TrainedDecoder(name, net.eval(), vocab, best, seconds)


def cache_path(size: str, name: str, text: str) -> Path:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return cache_dir() / "models" / f"decoder-{size}-{name}-{digest}-v{CODE_VERSION}.pt"


def _save(path: Path, model: TrainedDecoder) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        torch.save({"state_dict": model.net.state_dict(), "vocab": model.vocab,
                    "held_out_loss": model.held_out_loss,
                    "train_seconds": model.train_seconds, "code_version": CODE_VERSION}, tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _finite(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"not a measurement: {value!r}")
    return float(value)


def _load(path: Path, recipe: Recipe, name: str, text: str) -> TrainedDecoder | None:
    """The cached model, or None when there is none or it does not read back whole."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        vocab = saved["vocab"]
        if not isinstance(vocab, str) or set(vocab) != set(text):
            raise ValueError("another vocabulary")
        loss, seconds = _finite(saved["held_out_loss"]), _finite(saved["train_seconds"])
        net = Decoder(_shape(recipe, len(vocab)))
        net.load_state_dict(saved["state_dict"])
    except (OSError, RuntimeError, KeyError, TypeError, ValueError, EOFError,
            pickle.UnpicklingError):
        return None
    return TrainedDecoder(name, net.eval(), vocab, loss, seconds, from_cache=True)


def trained(size: str, *, draft: bool = False, progress: Progress | None = None,
            text: str | None = None) -> TrainedDecoder:
    """The target (or, with `draft`, the draft) model of lab size `size`: from the cache,
    else trained now (reporting steps, and that the cache was invalid where a file was
    there) and cached."""
    name = "draft" if draft else "target"
    recipe = RECIPES[size][name]
    text = corpus() if text is None else text
    path = cache_path(size, name, text)
    cached = _load(path, recipe, name, text)
    if cached is not None:
        return cached
    message = invalid_cache(path.name) if path.exists() else None
    model = train(recipe, text, name, progress, message)
    _save(path, model)
    return model
