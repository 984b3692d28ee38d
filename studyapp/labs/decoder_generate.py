"""Generating text with the decoder (`decoder_net.Decoder`): greedy with and without the KV
cache, sampled, and speculative decoding with a neural draft model or with prompt lookup.

Speculative decoding here is greedy: a drafter proposes up to `k` tokens, the target checks
them all in one pass over the last accepted token and the proposals, keeps them up to the
first one its own greedy choice differs from, and adds its own token there. The output is
therefore the target's greedy output, token for token; the target's cache is rolled back
past the rejected proposals by moving its position. Every token tensor is made on the
model's device (`Decoder.tokens`); the prompt must be there already.

    tokens = greedy(net, prompt, 64)                       # with the cache
    tokens = greedy(net, prompt, 64, cache=False)          # every step recomputes it all
    run = speculative(net, NeuralDraft(draft_net), prompt, 64, k=4)
    run.tokens == tokens                                    # always

A child-only module: it imports torch at the top, so only the lab child imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import torch

from studyapp.labs.decoder_net import Decoder, KVCache

LOOKUP_NGRAM = 3  # the longest tail prompt lookup searches for earlier in the text


def _pick(logits: torch.Tensor) -> int:
    return int(logits.argmax())


def greedy(net: Decoder, prompt: torch.Tensor, new: int, *, cache: bool = True) -> list[int]:
    """`new` tokens after `prompt` (1-D), each the most likely; with `cache` each step feeds
    one token, without it each step runs the whole sequence again."""
    if not cache:
        sequence = prompt.tolist()
        for _ in range(new):
            sequence.append(_pick(net(net.tokens([sequence]))[0, -1]))
        return sequence[len(prompt):]
    logits, kv = net.prefill(prompt[None], capacity=len(prompt) + new)
    out = [_pick(logits[0, -1])]
    while len(out) < new:
        out.append(_pick(net.decode_step(net.tokens([out[-1]]), kv)[0]))
    return out


def sample(net: Decoder, prompt: torch.Tensor, new: int, temperature: float,
           generator: torch.Generator) -> list[int]:
    """`new` tokens after `prompt`, each drawn from the softmax at `temperature` (seeded by
    `generator`, on the model's device)."""
    logits, kv = net.prefill(prompt[None], capacity=len(prompt) + new)
    last = logits[0, -1]
    out: list[int] = []
    while True:
        probabilities = torch.softmax(last / temperature, dim=-1)
        out.append(int(torch.multinomial(probabilities, 1, generator=generator)))
        if len(out) == new:
            return out
        last = net.decode_step(net.tokens([out[-1]]), kv)[0]


class Drafter(Protocol):
    def propose(self, sequence: list[int], k: int) -> list[int]:
        """Up to `k` tokens guessed to follow `sequence`."""
        ...


class NeuralDraft:
    """A small model proposing its own greedy continuation, its cache kept in step with the
    accepted text (the part it fed that the target kept stays cached)."""

    def __init__(self, net: Decoder, capacity: int) -> None:
        self.net = net
        self.cache: KVCache = net.new_cache(1, capacity)
        self.fed: list[int] = []  # the tokens whose keys and values the cache holds

    def propose(self, sequence: list[int], k: int) -> list[int]:
        kept = 0
        for fed, token in zip(self.fed, sequence, strict=False):
            if fed != token:
                break
            kept += 1
        self.cache.length, self.fed = kept, self.fed[:kept]
        missing = sequence[kept:]
        logits = self.net.extend(self.net.tokens([missing]), self.cache)[0, -1]
        self.fed += missing
        out = [_pick(logits)]
        while len(out) < k:
            self.fed.append(out[-1])
            out.append(_pick(self.net.decode_step(self.net.tokens([out[-1]]), self.cache)[0]))
        return out


class PromptLookup:
    """Proposes what followed the latest earlier occurrence of the text's last few tokens
    (n-gram prompt lookup): no model at all."""

    def __init__(self, ngram: int = LOOKUP_NGRAM) -> None:
        self.ngram = ngram

    def propose(self, sequence: list[int], k: int) -> list[int]:
        for n in range(min(self.ngram, len(sequence) - 1), 0, -1):
            tail = sequence[-n:]
            for start in range(len(sequence) - n - 1, -1, -1):
                if sequence[start:start + n] == tail:
                    return sequence[start + n:start + n + k]
        return []


@dataclass(frozen=True)
class Speculation:
    tokens: list[int]
    proposed: int  # draft tokens offered to the target
    accepted: int  # of those, the ones the target kept
    target_passes: int  # the prompt's pass included

    @property
    def acceptance(self) -> float:
        return self.accepted / self.proposed if self.proposed else 0.0

    @property
    def tokens_per_pass(self) -> float:
        return len(self.tokens) / self.target_passes

    @classmethod
    def together(cls, runs: Sequence[Speculation]) -> Speculation:
        """Several generations counted as one: their tokens one after the other, their
        proposals, acceptances and passes summed."""
        return cls([token for run in runs for token in run.tokens],
                   sum(run.proposed for run in runs), sum(run.accepted for run in runs),
                   sum(run.target_passes for run in runs))


def speculative(net: Decoder, drafter: Drafter, prompt: torch.Tensor, new: int,
                k: int) -> Speculation:
    """`new` tokens after `prompt`, equal to `greedy(net, prompt, new)`, with the target
    checking up to `k` proposals of `drafter` per pass."""
    logits, kv = net.prefill(prompt[None], capacity=len(prompt) + new + k)
    sequence = [*prompt.tolist(), _pick(logits[0, -1])]  # the cache holds all but the last
    start, proposed, accepted, passes = len(prompt), 0, 0, 1
    while len(sequence) - start < new:
        room = new - (len(sequence) - start) - 1
        guesses = drafter.propose(sequence, min(k, room)) if room > 0 else []
        before = kv.length
        checked = net.extend(net.tokens([[sequence[-1], *guesses]]), kv)[0].argmax(-1)
        passes += 1
        kept = 0
        while kept < len(guesses) and guesses[kept] == int(checked[kept]):
            kept += 1
        sequence += [*guesses[:kept], int(checked[kept])]
        kv.length = before + kept + 1
        proposed, accepted = proposed + len(guesses), accepted + kept
    return Speculation(sequence[start:], proposed, accepted, passes)
