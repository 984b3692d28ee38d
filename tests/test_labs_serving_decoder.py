"""The serving lab's language-model part: one batched decode step for sequences at different
positions equals decoding each alone, the queue's engine writes each request's greedy reply
whoever shares its steps, and the reading's sentences from synthetic rows, case by case."""

from __future__ import annotations

import copy
import io
from typing import Any

import pytest
import torch
from queue_clock import QueueClock

from studyapp.labs import registry
from studyapp.labs import serving_rows as vocab
from studyapp.labs.decoder import TrainedDecoder
from studyapp.labs.decoder_batch import decode_rows, prefill_rows
from studyapp.labs.decoder_generate import greedy
from studyapp.labs.decoder_net import Decoder, Shape
from studyapp.labs.events import Emitter, Note, decode
from studyapp.labs.lessons import serving_decoder as lesson
from studyapp.labs.serving import ServingRun
from studyapp.labs.serving_decoder import DecoderEngine
from studyapp.labs.serving_queue import ContinuousBatching, DynamicBatching, Request, serve
from studyapp.text import Text

SHAPE = Shape(layers=2, width=32, heads=4, context=128, vocab=40)
GPU = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
DEVICES = ["cpu", pytest.param("cuda", marks=[pytest.mark.cuda, GPU])]


@pytest.fixture(scope="module")
def net() -> Decoder:
    torch.manual_seed(0)
    return Decoder(SHAPE).eval()


def _prompts(count: int, length: int) -> torch.Tensor:
    return torch.randint(0, SHAPE.vocab, (count, length),
                         generator=torch.Generator().manual_seed(1))


# --- batched decoding --------------------------------------------------------------------

def test_a_batched_step_at_different_positions_equals_each_sequence_alone(net: Decoder) -> None:
    prompts = _prompts(3, 8)
    alone = [greedy(net, prompt, 12) for prompt in prompts]
    with torch.inference_mode():
        logits, caches = prefill_rows(net, prompts[:1], 24)
        replies = [[int(logits[0].argmax())]]
        for _ in range(4):  # the first runs ahead alone, the others join 4 tokens behind
            replies[0].append(int(decode_rows(net, torch.tensor([replies[0][-1]]),
                                              caches)[0].argmax()))
        logits, more = prefill_rows(net, prompts[1:], 24)
        replies += [[int(token)] for token in logits.argmax(-1)]
        caches += more
        more_steps = decode_rows(net, torch.tensor([reply[-1] for reply in replies]), caches)
        assert [cache.length for cache in caches] == [13, 9, 9]
        for reply, row in zip(replies, more_steps.argmax(-1).tolist(), strict=True):
            reply.append(row)
        while len(replies[2]) < 12:
            picked = decode_rows(net, torch.tensor([reply[-1] for reply in replies]), caches)
            for reply, token in zip(replies, picked.argmax(-1).tolist(), strict=True):
                reply.append(token)
    assert [reply[:12] for reply in replies] == alone
    # the logits too, not only their argmax: the batch changes no sequence's numbers
    with torch.inference_mode():
        _, single = net.prefill(prompts[2:][:, :8])
        expected = net.decode_step(prompts[2, -1:], single)
        _, rows = prefill_rows(net, prompts, 16)
        together = decode_rows(net, prompts[:, -1], rows)
    assert torch.allclose(together[2], expected[0], atol=1e-5)


def test_batched_decoding_refuses_a_model_in_training(net: Decoder) -> None:
    net.train()
    try:
        with pytest.raises(ValueError, match="eval mode"):
            decode_rows(net, torch.tensor([1]), prefill_rows(net, _prompts(1, 4), 8)[1])
    finally:
        net.eval()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("policy", [ContinuousBatching(4), DynamicBatching(4, 0.0)])
def test_every_served_request_gets_its_own_greedy_reply(net: Decoder, policy: Any,
                                                        device: str) -> None:
    net = copy.deepcopy(net).to(device)
    model = TrainedDecoder("target", net, "".join(chr(65 + index) for index in range(40)),
                           0.0, 0.0)
    prompts = _prompts(5, 6).to(device)
    engine, clock = DecoderEngine(model, prompts), QueueClock()  # moved 1 ms by each engine step

    def step(active: list[Request]) -> None:
        engine(active)
        clock.t += 0.001

    requests = [Request(when, steps=count, key=index) for index, (when, count) in
                enumerate(zip((0.0, 0.0015, 0.0025, 0.004, 0.0041), (9, 3, 6, 2, 7),
                              strict=True))]
    with torch.inference_mode():
        serve(requests, policy, step, clock)
    for request in requests:
        assert engine.reply(request) == greedy(net, prompts[request.key], request.needed)
    assert not engine.caches  # every cache freed with its request
    if isinstance(policy, ContinuousBatching):
        assert requests[1].finish < requests[0].finish  # joined later, left earlier


# --- the reading, from synthetic rows ----------------------------------------------------

def _with(row: dict[str, Any], key: str, found: tuple[float, float, float] | None) -> None:
    if found is not None:
        row[key], row[f"{key}_low"], row[f"{key}_high"] = found


def service_rows(gain: tuple[float, float, float] = (3.5, 3.2, 3.8)) -> list[dict[str, Any]]:
    common = {"comparison": vocab.DECODER_SERVICE, "tokens_low": 4, "tokens_high": 48}
    one = {**common, "variant": vocab.ONE_STEP.en, "batch_size": 1, "latency_ms_median": 1.0,
           "latency_ms_low": 0.95, "latency_ms_high": 1.05, "tokens_per_s": 1000.0}
    full = {**common, "variant": vocab.BATCH_STEP.en, "batch_size": 16,
            "latency_ms_median": 4.57, "latency_ms_low": 4.4, "latency_ms_high": 4.7,
            "tokens_per_s": 3500.0}
    _with(full, "throughput_gain", gain)
    prefill = {**common, "variant": vocab.PREFILL.en, "batch_size": 1,
               "latency_ms_median": 2.0, "tokens_per_s": 500.0}
    return [one, full, prefill]


def sweep_row(policy: str, load: float, tokens: float, short: float, ttft: float,
              unfinished: int = 0, **ratios: tuple[float, float, float]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "comparison": vocab.DECODER_SWEEP, "policy": policy, "load": load,
        "tokens_per_s": tokens, "latency_ms_p99": 2 * short, "short_p99_ms": short,
        "ttft_ms_median": ttft, "mean_batch": 12.0 if policy == vocab.CONTINUOUS else 7.0,
        "unfinished": unfinished, "short_tokens": 26, "noisy": False}
    _with(row, "tpot_ms", (6.0, 5.5, 6.5))
    for key, found in ratios.items():
        _with(row, key, found)
    return row


def textbook() -> list[dict[str, Any]]:
    """Continuous batching as servers find it: more tokens/s at high load, short requests
    and first tokens sooner at low load, and slower tokens for each request."""
    return [*service_rows(),
            sweep_row(vocab.DYNAMIC, 0.4, 1500.0, 230.0, 56.0),
            sweep_row(vocab.DYNAMIC, 1.2, 610.0, 257.0, 123.0, unfinished=162),
            sweep_row(vocab.CONTINUOUS, 0.4, 1730.0, 83.0, 5.3,
                      short_p99_vs_batch=(0.36, 0.28, 0.68), ttft_vs_batch=(0.1, 0.08, 0.17),
                      tokens_vs_batch=(1.14, 1.03, 1.25)),
            sweep_row(vocab.CONTINUOUS, 1.2, 1530.0, 180.0, 16.0, unfinished=73,
                      short_p99_vs_batch=(0.7, 0.58, 0.86), ttft_vs_batch=(0.13, 0.1, 0.67),
                      tokens_vs_batch=(2.5, 1.26, 13.8))]


def test_steps_say_where_batching_pays_and_what_one_at_a_time_could_serve() -> None:
    said = lesson.read_steps(textbook())
    assert said is not None
    assert said.en.startswith("The language model: a decode step for one sequence takes 1 ms "
                              "(1000 tokens/s); for 16 sequences, each at its own position, "
                              "4.57 ms: 3500 tokens/s, ×3.50 (×3.20–3.80) — the linear layers")
    # a request of 26 tokens: 2 ms + 25 × 1 ms = 27 ms → 37 requests/s, 963 of 3500 tokens/s
    assert "at most 37 requests/s, ρ 0.28 — below the lightest load here" in said.en
    assert "най-много 37 заявки/s, ρ 0.28 — под най-лекия товар" in said.bg
    flat = lesson.read_steps([*service_rows((1.05, 0.9, 1.2))])
    assert flat is not None and "no measurably more tokens/s" in flat.en
    assert "below the lightest" not in flat.en  # no sweep to compare with
    assert lesson.read_steps(service_rows()[:1]) is None


def test_throughput_wins_at_the_heaviest_load_and_says_who_fell_behind() -> None:
    said = lesson.read_throughput(textbook())
    assert said is not None
    assert said.en.startswith("At ρ 1.2 continuous batching gives 1530 tokens/s against 610 "
                              "with dynamic batching, ×2.50 (×1.26–14), in batches of 12.0 "
                              "against 7.0")
    assert "Unfinished when the runs were stopped: 73 (continuous), 162 (dynamic)" in said.en
    assert "73 (непрекъснато), 162 (динамично)" in said.bg
    rows = textbook()
    _with(rows[-1], "tokens_vs_batch", (1.05, 0.9, 1.3))
    rows[-1]["unfinished"] = rows[4]["unfinished"] = 0  # continuous and dynamic, ρ 1.2
    flat = lesson.read_throughput(rows)
    assert flat is not None and "gives no measurably more" in flat.en
    assert "Unfinished" not in flat.en and "не дава измеримо повече" in flat.bg
    _with(rows[-1], "tokens_vs_batch", (0.8, 0.7, 0.9))
    fewer = lesson.read_throughput(rows)
    assert fewer is not None and "continuous batching gives fewer" in fewer.en


def test_short_requests_stop_waiting_for_long_ones_at_low_load() -> None:
    said = lesson.read_short(textbook())
    assert said is not None
    assert said.en.startswith("At ρ 0.4 the short requests (up to 26 tokens) no longer wait for "
                              "the long ones: p99 83 ms against 230 ms with dynamic batching, "
                              "×0.36 (×0.28–0.68)")
    assert "The first token comes in 5.3 ms against 56 ms (p50), ×0.10" in said.en
    assert "кратките заявки (до 26 токена) вече не чакат дългите" in said.bg
    rows = textbook()
    _with(rows[-2], "short_p99_vs_batch", (0.9, 0.7, 1.2))
    _with(rows[-2], "ttft_vs_batch", (0.9, 0.7, 1.2))
    flat = lesson.read_short(rows)
    assert flat is not None and "no measurable difference" in flat.en
    assert "first token" not in flat.en
    _with(rows[-2], "short_p99_vs_batch", (1.5, 1.2, 1.9))
    longer = lesson.read_short(rows)
    assert longer is not None and "wait longer" in longer.en and "чакат повече" in longer.bg


def test_the_cost_is_each_requests_slower_tokens() -> None:
    said = lesson.read_cost(textbook())
    assert said is not None
    # 6 ms (5.5–6.5) per token against a step alone of 1 ms (0.95–1.05)
    assert said.en.startswith("The cost: at ρ 1.2 each request gets its tokens more slowly — "
                              "6 ms per token against 1 ms for a sequence alone, ×6.00 "
                              "(×5.24–6.84)")
    assert "prefill" in said.bg
    rows = textbook()
    _with(rows[-1], "tpot_ms", (1.0, 0.9, 1.2))
    flat = lesson.read_cost(rows)
    assert flat is not None and "does not measurably grow" in flat.en


def test_the_card_asks_why_continuous_batching_wins_both() -> None:
    rows = textbook()
    found = lesson.continuous(rows)
    assert found is not None
    reading = lesson.reading(rows)
    assert [text.en[:12] for text in reading] == ["The language", "At ρ 1.2 con",
                                                  "At ρ 0.4 the", "The cost: at"]
    (card,) = lesson.continuous_cards(found, reading)
    assert "1530 against 610 tokens/s" in card.front.en and "83 ms against 230 ms" in \
        card.front.en and "1530 срещу 610 токена/s" in card.front.bg
    assert "From the run's reading: At ρ 1.2 continuous batching gives" in card.back.en
    _with(rows[-1], "tokens_vs_batch", (1.05, 0.9, 1.3))
    lost = lesson.continuous(rows)
    assert lost is not None and lesson.continuous_cards(lost, reading) == []
    assert lesson.continuous(service_rows()) is None and lesson.reading([]) == []


def test_every_sentence_has_both_languages() -> None:
    for text in lesson.reading(textbook()):
        assert isinstance(text, Text) and text.bg and text.en and text.bg != text.en


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is here")
def test_device_cuda_without_a_gpu_says_the_queue_is_served_on_the_cpu() -> None:
    stream = io.StringIO()
    run = ServingRun(registry.validate("serving", {"size": "quick", "threads": 1,
                                                   "device": "cuda"}), Emitter(stream))
    notes = [event.text.en for event in map(decode, stream.getvalue().splitlines())
             if isinstance(event, Note)]
    assert notes == ["No CUDA device: the queue was served on the CPU."]
    assert run.common["device"] == "cpu"  # both models' rows: the language model's too


def test_a_gpus_step_reading_says_where_and_why_a_batch_pays() -> None:
    rows = [{**row, "device": "cuda"} for row in service_rows()]
    said = lesson.read_steps(rows)
    assert said is not None and said.en.startswith("The language model on the GPU: ")
    assert "kernels are launched once per step" in said.en and "на GPU" in said.bg
    cpu = lesson.read_steps(service_rows())
    assert cpu is not None and "GPU" not in cpu.en and "read their weights once" in cpu.en
