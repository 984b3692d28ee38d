"""Lab `decode` (step 3): how a language model generates text, measured on this machine.

The project's own character-level decoder (`decoder.py`, trained once on the module's cards
and cached) and a 1-layer draft model trained the same way. Four comparisons, each timed
in interleaved rounds (`harness.interleaved`), so every ratio comes with its interval:

- prefill against decode: the prompt in one pass (time to first token) and one decode step
  after it (time per output token), at several prompt lengths, each placed on the roofline;
- the KV cache on and off as the sequence grows: one step with the cache against the whole
  sequence recomputed, at several positions; the cache's bytes against the formula, what a
  large cache does to the process's memory, and the outputs compared token by token;
- weight-only int8 (and bf16 where the device has bf16 arithmetic) at decode and at prefill:
  for the decoder itself (dynamic int8, on the CPU only), and for one wide layer whose
  weights far outgrow the cache;
- speculative decoding with the draft model and with prompt lookup against plain greedy
  decoding, whose output each must equal.

With `device=cuda` and a GPU, the models (trained on the CPU) and every comparison run on
the GPU and are placed on its probed roofline; without one the lab says so and measures on
the CPU. The reading is chosen from the rows by `lessons/decode.py`; the parts' calls are
built in `decode_parts.py`. torch is imported inside the functions (lab child process only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.labs import decode_parts, harness, readings, roofline_probe
from studyapp.labs import decode_rows as vocab
from studyapp.labs.columns import columns
from studyapp.labs.envinfo import cuda_available, load_average
from studyapp.labs.events import Column, Emitter, Row
from studyapp.labs.findings import number
from studyapp.labs.lessons import decode as lesson
from studyapp.labs.params import Params, ParamSpec
from studyapp.labs.roofline import Roofline
from studyapp.text import Text

PARAMS: dict[str, ParamSpec] = {}


@dataclass(frozen=True)
class Size:
    prompts: tuple[int, ...]  # prompt lengths of the prefill/decode comparison
    positions: tuple[int, ...]  # sequence lengths of the cache comparison
    generated: int  # tokens of the cache comparison's generation, cached and not
    speculated: tuple[int, int]  # places in the text the speculative comparison starts
    # from, and the tokens it writes after each: one place's greedy text soon loops, and
    # how much a drafter guesses right depends on where it starts
    draft_k: int  # proposals per target pass
    layer: tuple[int, int]  # the wide layer's input and output features
    prefill_rows: int  # its rows at prefill
    memory_cache: tuple[int, int]  # batch and tokens of the cache whose memory is measured
    plan: harness.Plan


SIZES: dict[str, Size] = {
    "quick": Size((8, 32), (8, 64), 16, (2, 8), 4, (1024, 4096), 16, (64, 256),
                  harness.Plan(rounds=6, block_s=0.002, warmup=1, retries=2)),
    # 8192 × 4096 fp32 weights are 128 MB, far past any last-level cache; their int8 copy
    # is a quarter of that.
    "default": Size((16, 64, 256), (32, 128, 256, 512), 64, (4, 24), 4, (4096, 8192), 64,
                    (64, 768), harness.Plan(rounds=6, block_s=0.005, warmup=1, retries=2)),
}


def _ratio(key: str, label: Text) -> tuple[Column, ...]:
    return (Column(key, label, "×"), Column(f"{key}_low", Text("95% от", "95% from"), "×"),
            Column(f"{key}_high", Text("95% до", "95% to"), "×"))


TIMED = ("latency_ms_median", "latency_ms_low", "latency_ms_high")
TABLES: dict[str, tuple[Text, tuple[Column, ...]]] = {
    vocab.MODEL: (Text("Моделите", "The models"), columns(
        "variant", Column("layers", Text("слоеве", "layers")),
        Column("width", Text("ширина", "width")), "params_count",
        Column("held_out_loss", Text("загуба върху отделения текст", "held-out loss"),
               "nats/char"),
        Column("train_seconds", Text("обучение", "training"), "s"),
        Column("from_cache", Text("от кеша", "from cache")))),
    vocab.PHASES: (Text("Prefill срещу decode", "Prefill versus decode"), columns(
        "variant", Column("prompt_tokens", Text("подадени токени", "prompt tokens")), *TIMED,
        *_ratio("growth", Text("спрямо най-краткия", "vs shortest")),
        "arithmetic_intensity", "bound", "gflops", "noisy")),
    vocab.KV: (Text("KV кеш: време на токен по позиция", "KV cache: time per token by position"),
               columns("variant", Column("position", Text("позиция", "position")), *TIMED,
                       *_ratio("growth", Text("спрямо първата", "vs first")),
                       *_ratio("speedup", Text("спрямо без кеш", "vs no cache")), "noisy")),
    vocab.KV_MEMORY: (Text("KV кеш: байтове", "KV cache: bytes"), columns(
        Column("batch_size", Text("последователности", "sequences")),
        Column("cache_tokens", Text("токени", "tokens")),
        Column("cache_bytes", Text("байтове на кеша", "cache bytes"), "B"),
        Column("formula_bytes", Text("по формулата", "by the formula"), "B"),
        Column("rss_delta_bytes", Text("ръст на паметта", "memory growth"), "B"),
        Column("cuda_allocated_delta_bytes", Text("ръст на заделеното на GPU",
                                                  "GPU allocation growth"), "B"),
        Column("identical", Text("еднакъв изход", "same output")),
        Column("tokens_compared", Text("сравнени токени", "tokens compared")))),
    vocab.WEIGHTS: (Text("Тегла в int8 и bf16: decode срещу prefill",
                         "int8 and bf16 weights: decode versus prefill"), columns(
        "variant", Column("phase", Text("фаза", "phase")), "batch_size", *TIMED,
        *_ratio("speedup", Text("спрямо fp32", "vs fp32")),
        Column("weights_bytes", Text("тегла", "weights"), "B"), "bound", "noisy", "status")),
    vocab.SPECULATIVE: (Text("Спекулативно декодиране", "Speculative decoding"), columns(
        "variant", Column("prompts", Text("места в текста", "places in the text")),
        Column("generated", Text("токени след всяко", "tokens after each")), *TIMED,
        *_ratio("speedup", Text("спрямо алчно", "vs greedy")),
        Column("acceptance", Text("приети", "accepted"), "0..1"),
        Column("tokens_per_pass", Text("токени на проход", "tokens per pass")),
        Column("equal_to_greedy", Text("като алчното", "as greedy")), "noisy")),
}


def emit_tables(emit: Emitter, rows: Sequence[Row]) -> None:
    for name, (title, cols) in TABLES.items():
        found = vocab.part(rows, name)
        if found:
            emit.table(f"decode_{name}", title, cols, found)


def plot(emit: Emitter, rows: Sequence[Row]) -> None:
    """Time per token against the position with and without the cache; time to first token
    and time per output token against the prompt's length."""
    for name, key, variants, x_label in (
            (vocab.KV, "position", (vocab.CACHED, vocab.RECOMPUTE), Text("позиция", "position")),
            (vocab.PHASES, "prompt_tokens", (vocab.PREFILL, vocab.DECODE),
             Text("подадени токени", "prompt tokens"))):
        for variant in variants:
            found = vocab.timed(rows, name, variant, key)
            if len(found) > 1:
                emit.series(vocab.label(found[0]), x_label, Text("ms", "ms"),
                            [vocab.length_of(row, key) for row in found],
                            [number(row, "latency_ms_median") for row in found], log_x=True,
                            log_y=True)


def measure(lab: decode_parts.Parts, roof: Roofline, step: readings.Steps,
            emit: Emitter) -> list[Row]:
    """The four comparisons, one after another, each table sent as its part ends."""
    rows: list[Row] = []
    for message, part in (
            (Text("prefill срещу decode", "prefill versus decode"), lambda: lab.phases(roof)),
            (Text("KV кешът", "the KV cache"), lab.kv_cache),
            (Text("int8 и bf16 тегла", "int8 and bf16 weights"), lambda: lab.weights(roof)),
            (Text("спекулативно декодиране", "speculative decoding"), lab.speculative)):
        step(message)
        rows += part()
        emit_tables(emit, rows)
    return rows


def run(params: Params, emit: Emitter) -> None:
    import torch

    load = load_average()  # before the lab adds its own
    size = SIZES[str(params["size"])]
    threads = harness.set_threads(int(params["threads"]))
    device = "cuda" if params["device"] == "cuda" and cuda_available() else "cpu"
    rows: list[Row] = []
    if device != params["device"]:
        rows.append(readings.cuda_skipped(emit, threads, Text(
            "Няма CUDA устройство: езиковият модел е мерен на процесора.",
            "No CUDA device: the language model was measured on the CPU.")))
    step = readings.Steps(emit, 6 + 4 * size.plan.rounds)
    models = decode_parts.Models(str(params["size"]), int(params["seed"]), emit, device)
    rows += models.rows(threads)
    if device == "cpu":
        step(Text("roofline на тази машина", "this machine's roofline"))
        roof = roofline_probe.roofline(threads)
    else:
        step(Text("roofline на GPU", "the GPU's roofline"))
        roof = roofline_probe.probe(threads, device="cuda")

    def on_round(done: int, planned: int) -> None:
        step(Text(f"кръг {done} от {planned}", f"round {done} of {planned}"))

    with torch.inference_mode():
        rows += measure(decode_parts.Parts(models, size, threads, size.plan, on_round), roof,
                        step, emit)
        sample = models.sample_text()
    emit.note(f"Текст, генериран от модела (извадки при температура {decode_parts.TEMPERATURE}): "
              f"{sample}",
              f"Text from the model (sampled at temperature {decode_parts.TEMPERATURE}): "
              f"{sample}")
    plot(emit, rows)
    step.finish(Text("готово", "done"))
    emit.result(rows, [*lesson.reading(rows), *readings.cautions(load, rows)],
                roof.to_json())
