"""The decode lab's row vocabulary, how its rows are picked out, and what a pass of the
decoder asks of the machine. Pure code, no torch.

Every row names its `part` of the lab:

- MODEL: the target and the draft model, with their held-out loss;
- PHASES: `variant` PREFILL (the prompt in one pass: time to first token) or DECODE (one
  step at the prompt's length: time per output token), by `prompt_tokens`;
- KV: `variant` CACHED or RECOMPUTE (no cache: the whole sequence again) at `position`;
- KV_MEMORY: one row, the cache's bytes against the formula and what the process's memory did;
- WEIGHTS: the decoder and a wide layer in fp32, int8 and bf16, at DECODE and PREFILL;
- SPECULATIVE: GREEDY, NEURAL_DRAFT and LOOKUP generating the same number of tokens.

Timed ratios carry their intervals: `growth` (against the smallest length of the same
variant), `speedup` (against the part's baseline at the same length or phase).
"""

from __future__ import annotations

from studyapp.labs.findings import Row, Rows, number
from studyapp.labs.roofline import Work
from studyapp.text import Text

MODEL, PHASES, KV, KV_MEMORY, WEIGHTS, SPECULATIVE = (
    "model", "phases", "kv", "kv_memory", "weights", "speculative")
PREFILL, DECODE = "prefill", "decode"
CACHED, RECOMPUTE = "KV cache", "no cache"
GREEDY, NEURAL_DRAFT, LOOKUP = "greedy", "draft model", "prompt lookup"
DECODER_FP32, DECODER_INT8 = "decoder fp32", "decoder int8 dynamic"
LAYER_FP32, LAYER_BF16, LAYER_INT8 = "layer fp32", "layer bf16", "layer int8 weight-only"
FLOAT_BYTES = 4

LABELS: dict[str, Text] = {
    PREFILL: Text("prefill", PREFILL), DECODE: Text("decode", DECODE),
    CACHED: Text("с KV кеш", CACHED), RECOMPUTE: Text("без кеш", RECOMPUTE),
    GREEDY: Text("алчно", GREEDY), NEURAL_DRAFT: Text("помощен модел", NEURAL_DRAFT),
    LOOKUP: Text("търсене в текста", LOOKUP),
    DECODER_FP32: Text("декодер fp32", DECODER_FP32),
    DECODER_INT8: Text("декодер int8 динамично", DECODER_INT8),
    LAYER_FP32: Text("слой fp32", LAYER_FP32), LAYER_BF16: Text("слой bf16", LAYER_BF16),
    LAYER_INT8: Text("слой int8 само тегла", LAYER_INT8),
}


def label(row: Row) -> Text:
    name = str(row.get("variant", "?"))
    return LABELS.get(name, Text(name, name))


def length_of(row: Row | None, key: str) -> int:
    return int(number(row, key) or 0)


def part(rows: Rows, name: str, variant: str | None = None) -> list[Row]:
    """The rows of one part (and variant), in the order the lab wrote them."""
    return [row for row in rows if row.get("part") == name
            and (variant is None or row.get("variant") == variant)]


def timed(rows: Rows, name: str, variant: str, key: str) -> list[Row]:
    """One variant's timed rows of a part, shortest `key` (a length) first."""
    return sorted((row for row in part(rows, name, variant)
                   if number(row, "latency_ms_median") is not None),
                  key=lambda row: length_of(row, key))


def one(rows: Rows, name: str, variant: str | None = None) -> Row | None:
    found = part(rows, name, variant)
    return found[0] if found else None


def pass_work(params: int, layers: int, width: int, tokens: int, context: int,
              weights_bytes: float) -> Work:
    """One pass of `tokens` new tokens after `context - tokens` cached ones: 2 FLOPs per
    weight and token, attention's 2 × 2 × width FLOPs per (query, visible key) pair in each
    layer; bytes: the weights once, the cache read (keys and values of every visible
    position in fp32) and written, the embeddings in."""
    earlier = context - tokens
    pairs = tokens * earlier + tokens * (tokens + 1) // 2  # causal: each sees those before
    flops = 2.0 * params * tokens + 4.0 * layers * width * pairs
    cache = 2.0 * layers * width * context * FLOAT_BYTES
    return Work(flops, weights_bytes + cache + tokens * width * FLOAT_BYTES)


def kv_formula(layers: int, heads: int, head_dim: int, tokens: int, batch: int,
               value_bytes: int = FLOAT_BYTES) -> int:
    """2 (keys and values) × layers × heads × head_dim × tokens × bytes, per sequence."""
    return 2 * layers * heads * head_dim * tokens * value_bytes * batch
