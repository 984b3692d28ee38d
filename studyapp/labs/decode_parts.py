"""The decode lab's four comparisons: the calls each times, and the rows it writes
(named in `decode_rows.py`).

Every call holds its own inputs and caches; a call that decodes at a position first moves
its cache's index back there, so each timed call does the same work. The models are trained
on the CPU and then moved to the lab's device, where every input and cache is made; on a GPU
each timed call waits for the work it queued (`harness.synchronizer`). torch is imported
inside the functions (lab child process only).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from studyapp.labs import decode_rows as vocab
from studyapp.labs import harness
from studyapp.labs.columns import skipped
from studyapp.labs.envinfo import cpu_info
from studyapp.labs.events import Emitter, Row, RowValue
from studyapp.labs.findings import put_interval
from studyapp.labs.roofline import Roofline, Work, place
from studyapp.text import Text

if TYPE_CHECKING:
    import torch

    from studyapp.labs.decode import Size
    from studyapp.labs.decoder_net import Decoder

TEMPERATURE = 0.8
SAMPLE_CHARS = 160
SPEC_PROMPT = 64  # characters before each place the speculative comparison writes at


def _rss_bytes() -> int | None:
    """The process's resident memory (Linux), or None."""
    try:
        pages = int(open("/proc/self/statm", encoding="ascii").read().split()[1])  # noqa: SIM115
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _memory_in_use(device: str) -> int | None:
    """What a new tensor on `device` adds to: the process's resident memory on the CPU, the
    bytes torch holds allocated on a GPU."""
    if device == "cpu":
        return _rss_bytes()
    import torch

    return torch.cuda.memory_allocated()


MEMORY_KEYS = {"cpu": "rss_delta_bytes", "cuda": "cuda_allocated_delta_bytes"}


def unavailable(device: str) -> dict[str, Text]:
    """The weights part's variants that cannot run on `device`, and why. On a GPU: torch.ao's
    dynamic int8 (CPU kernels only), and bf16 or the int8 weight-only matmul where the GPU or
    the torch build lacks them (torch 2.13 registers a CUDA kernel for the latter)."""
    missing: dict[str, Text] = {}
    if device == "cpu":
        if not cpu_info()["isa"].get("bf16"):
            missing[vocab.LAYER_BF16] = Text("процесорът няма bf16 аритметика",
                                             "the CPU has no bf16 arithmetic")
        return missing
    import torch

    missing[vocab.DECODER_INT8] = Text(
        "динамичната int8 квантизация на torch работи само на процесора",
        "torch's dynamic int8 quantization runs on the CPU only")
    if not torch.cuda.is_bf16_supported():
        missing[vocab.LAYER_BF16] = Text("този GPU няма bf16 аритметика",
                                         "this GPU has no bf16 arithmetic")
    if not torch._C._dispatch_has_kernel_for_dispatch_key("aten::_weight_int8pack_mm", "CUDA"):
        missing[vocab.LAYER_INT8] = Text(
            "тази компилация на torch няма CUDA кернел за int8 тегла",
            "this torch build has no CUDA kernel for int8 weights")
    return missing


class Models:
    """The target and the draft, trained or from the cache, and the text prompts come from."""

    def __init__(self, size: str, seed: int, emit: Emitter, device: str = "cpu") -> None:
        from studyapp.labs import decoder

        self.text = decoder.corpus()
        self.target = decoder.trained(size, progress=emit.progress, text=self.text)
        self.draft = decoder.trained(size, draft=True, progress=emit.progress, text=self.text)
        for model in (self.target, self.draft):
            model.net.to(device)
        self.seed, self.device = seed, device

    def prompt(self, length: int) -> torch.Tensor:
        """`length` characters of the module's text, from a seeded place in it."""
        return self.prompts(length, 1)[0]

    def prompts(self, length: int, count: int) -> list[torch.Tensor]:
        """`count` stretches of `length` characters from seeded places in the text, the
        first at `prompt`'s place."""
        import random

        places = random.Random(self.seed)
        starts = [places.randrange(len(self.text) - length) for _ in range(count)]
        return [self.target.encode(self.text[start:start + length]) for start in starts]

    def rows(self, threads: int) -> list[Row]:
        return [{
            "part": vocab.MODEL, "variant": model.name, "layers": model.net.shape.layers,
            "width": model.net.shape.width, "heads": model.net.shape.heads,
            "params_count": model.params_count, "held_out_loss": model.held_out_loss,
            "train_seconds": model.train_seconds, "from_cache": model.from_cache,
            "corpus_chars": len(self.text), "vocab": len(model.vocab), "threads": threads,
            "device": self.device, "status": "ok"} for model in (self.target, self.draft)]

    def sample_text(self) -> str:
        """Seeded sampled text after a short prompt, newlines shown as ↵."""
        import torch

        from studyapp.labs.decoder_generate import sample

        prompt = self.prompt(16)
        with torch.inference_mode():
            tokens = sample(self.target.net, prompt, SAMPLE_CHARS, TEMPERATURE,
                            torch.Generator(self.device).manual_seed(self.seed))
        shown = self.target.decode(prompt.tolist()) + "|" + self.target.decode(tokens)
        return shown.replace("\n", " ↵ ")


def weights_bytes(net: Decoder) -> float:
    """Bytes of the weights one pass reads: every parameter but the embedding table (a
    pass reads only its tokens' rows)."""
    return float(sum(parameter.numel() * parameter.element_size()
                     for name, parameter in net.named_parameters() if name != "embed.weight"))


def _pass_params(net: Decoder) -> int:
    return sum(parameter.numel() for name, parameter in net.named_parameters()
               if name != "embed.weight")


def _dynamic_int8(net: Decoder) -> Decoder:
    """A copy of `net` whose linear layers torch.ao quantizes to int8 dynamically (CPU)."""
    import torch
    from torch import nn

    from studyapp.labs.quantize_onnx import quiet_quantizer

    with quiet_quantizer():  # torch.ao's deprecation warnings
        quantized: Decoder = torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(net), {nn.Linear}, dtype=torch.qint8)
    return quantized


class Parts:
    """The four comparisons over the same models, thread count and plan."""

    def __init__(self, models: Models, size: Size, threads: int, plan: harness.Plan,
                 on_round: Callable[[int, int], None]) -> None:
        self.models, self.size, self.threads = models, size, threads
        self.plan, self.on_round = plan, on_round
        self.net, self.device = models.target.net, models.device
        self.sync = harness.synchronizer(self.device)

    def _compare(self, calls: dict[str, harness.Call]) -> harness.Comparison:
        return harness.interleaved(calls, threads=self.threads, plan=self.plan,
                                   synchronize=dict.fromkeys(calls, self.sync),
                                   on_round=self.on_round)

    def _row(self, part: str, variant: str, timing: harness.Timing, **extra: RowValue) -> Row:
        name = vocab.LABELS.get(variant)
        return {"part": part, "variant": variant, "variant_bg": name.bg if name else variant,
                **extra, **timing.as_row(samples=True), "device": self.device, "status": "ok"}

    def _work(self, tokens: int, context: int) -> Work:
        shape = self.net.shape
        return vocab.pass_work(_pass_params(self.net), shape.layers, shape.width, tokens,
                               context, weights_bytes(self.net))

    def _stepper(self, net: Decoder, prompt: torch.Tensor) -> harness.Call:
        """One decode step after `prompt`, the cache moved back before each."""
        _, cache = net.prefill(prompt[None], capacity=len(prompt) + 1)
        token = prompt[-1:]

        def step() -> object:
            cache.length = len(prompt)
            return net.decode_step(token, cache)

        return step

    def phases(self, roof: Roofline) -> list[Row]:
        """Prefill of each prompt length, and one decode step after it."""
        calls: dict[str, harness.Call] = {}
        for length in self.size.prompts:
            prompt = self.models.prompt(length)
            calls[f"{vocab.PREFILL}|{length}"] = \
                (lambda p: lambda: self.net.prefill(p[None]))(prompt)
            calls[f"{vocab.DECODE}|{length}"] = self._stepper(self.net, prompt)
        comparison = self._compare(calls)
        rows = []
        for key in calls:
            variant, tokens_text = key.split("|")
            tokens = int(tokens_text)
            row = self._row(vocab.PHASES, variant, comparison[key], prompt_tokens=tokens)
            first = f"{variant}|{self.size.prompts[0]}"
            put_interval(row, "growth", comparison.speedup(key, first))
            work = self._work(tokens, tokens) if variant == vocab.PREFILL \
                else self._work(1, tokens + 1)
            rows.append(place(row, work, roof))
        return rows

    def kv_cache(self) -> list[Row]:
        """One step with the cache against the whole sequence again, at each position; the
        cache's bytes; cached and recomputed greedy output compared."""
        from studyapp.labs.decoder_generate import greedy

        calls: dict[str, harness.Call] = {}
        for position in self.size.positions:
            prompt = self.models.prompt(position + 1)
            calls[f"{vocab.CACHED}|{position}"] = self._stepper(self.net, prompt[:position])
            calls[f"{vocab.RECOMPUTE}|{position}"] = \
                (lambda p: lambda: self.net(p[None]))(prompt)
        comparison = self._compare(calls)
        rows = []
        for key in calls:
            variant, at = key.split("|")
            row = self._row(vocab.KV, variant, comparison[key], position=int(at))
            put_interval(row, "growth", comparison.speedup(
                key, f"{variant}|{self.size.positions[0]}"))
            if variant == vocab.CACHED:
                put_interval(row, "speedup", comparison.speedup(f"{vocab.RECOMPUTE}|{at}", key))
            rows.append(row)
        import torch

        prompt = self.models.prompt(self.size.positions[0])
        with torch.inference_mode():
            same = greedy(self.net, prompt, self.size.generated) == greedy(
                self.net, prompt, self.size.generated, cache=False)
        return [*rows, {**self.memory(), "identical": same,
                        "tokens_compared": self.size.generated}]

    def memory(self) -> Row:
        """A cache for many long sequences, filled: its bytes, the formula's, and how much
        the memory in use grew (the process's resident memory on the CPU, torch's
        allocations on a GPU)."""
        shape = self.net.shape
        batch, tokens = self.size.memory_cache
        before = _memory_in_use(self.device)
        cache = self.net.new_cache(batch, tokens)
        cache.keys.fill_(1.0)
        cache.values.fill_(1.0)
        after = _memory_in_use(self.device)
        grew = None if before is None or after is None else after - before
        row: Row = {"part": vocab.KV_MEMORY, "variant": "KV cache", "batch_size": batch,
                    "cache_tokens": tokens, "cache_bytes": cache.nbytes,
                    "formula_bytes": vocab.kv_formula(shape.layers, shape.heads,
                                                      shape.head_dim, tokens, batch),
                    "layers": shape.layers, "heads": shape.heads, "head_dim": shape.head_dim,
                    MEMORY_KEYS[self.device]: grew, "device": self.device, "status": "ok"}
        del cache
        return row

    def weights(self, roof: Roofline) -> list[Row]:
        """The decoder in fp32 and dynamic int8 (on the CPU), and one wide layer in fp32,
        int8 weights (bf16 activations) and bf16, at decode (one row) and at prefill; a
        variant the device cannot run is a skipped row that says why."""
        missing = unavailable(self.device)
        nets = {vocab.DECODER_FP32: self.net}
        if vocab.DECODER_INT8 not in missing:
            nets[vocab.DECODER_INT8] = _dynamic_int8(self.net)
        prompt = self.models.prompt(self.size.prompts[-1])
        calls: dict[str, harness.Call] = {
            f"{variant}|{vocab.DECODE}|1": self._stepper(net, prompt)
            for variant, net in nets.items()}
        for variant, net in nets.items():
            calls[f"{variant}|{vocab.PREFILL}|{len(prompt)}"] = \
                (lambda n: lambda: n.prefill(prompt[None]))(net)
        layer = WideLayer(*self.size.layer, seed=self.models.seed, device=self.device)
        for phase, count in ((vocab.DECODE, 1), (vocab.PREFILL, self.size.prefill_rows)):
            for variant, call in layer.calls(count).items():
                if variant not in missing:
                    calls[f"{variant}|{phase}|{count}"] = call
        comparison = self._compare(calls)
        out = []
        for key in calls:
            variant, phase, rows = key.split("|")
            row = self._row(vocab.WEIGHTS, variant, comparison[key], phase=phase,
                            batch_size=int(rows))
            base = vocab.LAYER_FP32 if variant.startswith("layer") else vocab.DECODER_FP32
            if variant != base:
                put_interval(row, "speedup", comparison.speedup(f"{base}|{phase}|{rows}", key))
            if variant.startswith("layer"):
                row["weights_bytes"] = layer.nbytes[variant]
                place(row, layer.work(variant, int(rows)), roof)
            else:
                row["weights_bytes"] = weights_bytes(self.net) / (4 if "int8" in variant else 1)
            out.append(row)
        return [*out, *({"part": vocab.WEIGHTS, "variant": variant,
                         "variant_bg": vocab.LABELS[variant].bg, "device": self.device,
                         **skipped(why)} for variant, why in missing.items())]

    def speculative(self) -> list[Row]:
        """Greedy decoding against speculative decoding with each drafter, same tokens."""
        import torch

        from studyapp.labs.decoder_generate import (
            Drafter,
            NeuralDraft,
            PromptLookup,
            Speculation,
            greedy,
            speculative,
        )

        places, new = self.size.speculated
        prompts = self.models.prompts(SPEC_PROMPT, places)
        k, capacity = self.size.draft_k, SPEC_PROMPT + new + self.size.draft_k
        draft = self.models.draft.net
        drafters: dict[str, Callable[[], Drafter]] = {
            vocab.NEURAL_DRAFT: lambda: NeuralDraft(draft, capacity),
            vocab.LOOKUP: PromptLookup,
        }

        def greedy_all() -> list[int]:
            return [token for prompt in prompts for token in greedy(self.net, prompt, new)]

        def speculative_all(make: Callable[[], Drafter]) -> Speculation:
            return Speculation.together(
                [speculative(self.net, make(), prompt, new, k) for prompt in prompts])

        calls: dict[str, harness.Call] = {vocab.GREEDY: greedy_all}
        for name, make in drafters.items():
            calls[name] = (lambda m: lambda: speculative_all(m))(make)
        with torch.inference_mode():
            expected = greedy_all()
            runs = {name: speculative_all(make) for name, make in drafters.items()}
        comparison = self._compare(calls)
        rows = [self._row(vocab.SPECULATIVE, vocab.GREEDY, comparison[vocab.GREEDY],
                          prompts=places, generated=new, tokens_per_pass=1.0,
                          equal_to_greedy=True)]
        for name, found in runs.items():
            row = self._row(vocab.SPECULATIVE, name, comparison[name], prompts=places,
                            generated=new, draft_k=k, acceptance=found.acceptance,
                            tokens_per_pass=found.tokens_per_pass,
                            target_passes=found.target_passes,
                            equal_to_greedy=found.tokens == expected)
            put_interval(row, "speedup", comparison.speedup(vocab.GREEDY, name))
            rows.append(row)
        return rows


class WideLayer:
    """One wide layer with seeded random weights in fp32, in bf16, and as int8 with a scale
    per output row (symmetric), timed with bf16 activations: int8 weights with fp32
    activations take a slow reference path in torch. Made on the CPU, then moved to
    `device`, so its numbers are the same on every device."""

    def __init__(self, features_in: int, features_out: int, seed: int,
                 device: str = "cpu") -> None:
        import torch

        generator = torch.Generator().manual_seed(seed)
        weight = torch.rand(features_out, features_in, generator=generator) - 0.5
        scales = weight.abs().amax(dim=1) / 127
        self.weight = weight.to(device)
        self.int8 = (weight / scales[:, None]).round().to(torch.int8).to(device)
        self.scales = scales.to(torch.bfloat16).to(device)
        self.bf16 = weight.to(torch.bfloat16).to(device)
        self.shape = (features_out, features_in)
        self.nbytes = {vocab.LAYER_FP32: float(self.weight.nbytes),
                       vocab.LAYER_BF16: float(self.bf16.nbytes),
                       vocab.LAYER_INT8: float(self.int8.nbytes + self.scales.nbytes)}
        self.generator, self.device = generator, device

    def calls(self, rows: int) -> dict[str, harness.Call]:
        import torch
        import torch.nn.functional as F

        x = torch.rand(rows, self.shape[1], generator=self.generator).to(self.device)
        half = x.to(torch.bfloat16)
        return {
            vocab.LAYER_FP32: lambda: F.linear(x, self.weight),
            vocab.LAYER_INT8: lambda: torch._weight_int8pack_mm(half, self.int8, self.scales),
            vocab.LAYER_BF16: lambda: F.linear(half, self.bf16),
        }

    def work(self, variant: str, rows: int) -> Work:
        out, into = self.shape
        value = 4 if variant == vocab.LAYER_FP32 else 2
        return Work(2.0 * rows * out * into, self.nbytes[variant] + rows * (out + into) * value)
