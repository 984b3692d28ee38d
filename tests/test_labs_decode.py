"""The decoder and the decode lab: the model's physical truths, a quick run for real, and the
reading chosen from synthetic rows, case by case."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import torch
from real_rows import assert_rows_drive_verdict_and_cards

from studyapp.labs import decode_rows as vocab
from studyapp.labs import decoder, registry
from studyapp.labs.decoder_generate import (
    NeuralDraft,
    PromptLookup,
    Speculation,
    greedy,
    speculative,
)
from studyapp.labs.decoder_net import (
    Decoder,
    KVCache,
    Shape,
    causal_mask,
    rotary_tables,
    rotate,
)
from studyapp.labs.events import Emitter, Note, Result, decode
from studyapp.labs.lessons import decode as lesson
from studyapp.labs.predictions import measured
from studyapp.labs.result_cards import result_cards

pytestmark = pytest.mark.usefixtures("one_thread")
TINY = decoder.Recipe(1, 16, 2, 64, steps=4, window=32, warmup=2, eval_every=2)
SHAPE = Shape(layers=2, width=32, heads=4, context=128, vocab=40)
GPU = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
DEVICES = ["cpu", pytest.param("cuda", marks=[pytest.mark.cuda, GPU])]


@pytest.fixture(scope="module")
def one_thread() -> Any:
    """Tiny models at one thread: their operations are too short to share."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _net(seed: int, shape: Shape = SHAPE, device: str = "cpu") -> Decoder:
    torch.manual_seed(seed)
    return Decoder(shape).eval().to(device)


def _prompt(length: int, seed: int = 0, device: str = "cpu") -> torch.Tensor:
    return torch.randint(0, SHAPE.vocab, (length,),
                         generator=torch.Generator().manual_seed(seed)).to(device)


# --- the model -------------------------------------------------------------------------------

def test_training_is_deterministic_and_reports_a_held_out_loss() -> None:
    text = decoder.corpus()[:3000]
    first, second = (decoder.train(TINY, text, "target") for _ in range(2))
    assert first.held_out_loss == second.held_out_loss
    assert 0 < first.held_out_loss < 10
    for key, value in first.net.state_dict().items():
        assert torch.equal(value, second.net.state_dict()[key]), key
    assert first.decode(first.encode(text[100:140]).tolist()) == text[100:140]


def test_the_corpus_is_the_modules_cards_in_both_languages() -> None:
    text = decoder.corpus()
    assert "KV кешът" in text and "The KV cache" in text and len(text) > 40_000


def test_rope_turns_each_pair_of_features_by_its_positions_angle() -> None:
    x = torch.randn(2, 3, 5, 8, generator=torch.Generator().manual_seed(0))
    cos, sin = rotary_tables(8, 5)
    turned = rotate(x, cos, sin)
    even, odd = x[..., 0::2], x[..., 1::2]
    torch.testing.assert_close(turned[..., 0::2], even * cos - odd * sin)
    torch.testing.assert_close(turned[..., 1::2], even * sin + odd * cos)
    torch.testing.assert_close(turned[..., 0, :], x[..., 0, :])  # position 0 is not turned


def test_chunks_appended_to_the_cache_give_the_whole_sequences_logits() -> None:
    net, tokens = _net(0), _prompt(40)[None]
    whole = net(tokens)
    logits, cache = net.prefill(tokens[:, :17])
    parts = [logits, net.extend(tokens[:, 17:30], cache),
             *(net.decode_step(tokens[:, i], cache)[:, None] for i in range(30, 40))]
    torch.testing.assert_close(torch.cat(parts, dim=1), whole, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cached_and_recomputed_greedy_decoding_give_the_same_tokens(seed: int,
                                                                    device: str) -> None:
    with torch.inference_mode():
        net, prompt = _net(seed, device=device), _prompt(12, seed, device)
        assert greedy(net, prompt, 50) == greedy(net, prompt, 50, cache=False)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("k", [1, 3, 5])
def test_speculative_output_is_the_targets_greedy_output(k: int, device: str) -> None:
    with torch.inference_mode():
        target = _net(0, device=device)
        draft = _net(7, Shape(1, 16, 2, 128, SHAPE.vocab), device)
        prompt = torch.cat([_prompt(10), _prompt(10)]).to(device)  # a repeat for lookup
        expected = greedy(target, prompt, 40)
        for drafter in (NeuralDraft(draft, 128), PromptLookup()):
            run = speculative(target, drafter, prompt, 40, k)
            assert run.tokens == expected
            assert run.accepted <= run.proposed and run.target_passes <= 40
            assert run.tokens_per_pass == pytest.approx(40 / run.target_passes)


def test_generations_counted_together_sum_their_passes_and_proposals() -> None:
    with torch.inference_mode():
        target, draft = _net(0), _net(7, Shape(1, 16, 2, 128, SHAPE.vocab))
        runs = [speculative(target, NeuralDraft(draft, 128), _prompt(12, seed), 20, 3)
                for seed in (0, 1)]
        both = Speculation.together(runs)
    assert both.tokens == runs[0].tokens + runs[1].tokens
    assert both.target_passes == runs[0].target_passes + runs[1].target_passes
    assert both.acceptance == pytest.approx(
        (runs[0].accepted + runs[1].accepted) / (runs[0].proposed + runs[1].proposed))
    assert both.tokens_per_pass == pytest.approx(40 / both.target_passes)


def test_the_caches_bytes_are_the_formula() -> None:
    cache = _net(0).new_cache(batch=3, capacity=50)
    assert cache.nbytes == vocab.kv_formula(SHAPE.layers, SHAPE.heads, SHAPE.head_dim, 50, 3)


@pytest.mark.parametrize("device", DEVICES)
def test_caches_masks_and_tokens_are_made_on_the_models_device(device: str) -> None:
    net = _net(0, device=device)
    assert net.device.type == device and net.tokens([[1, 2]]).device.type == device
    assert net.new_cache(2, 8).keys.device.type == device
    assert KVCache(SHAPE, 1, 4, device=device).values.device.type == device
    mask = causal_mask(2, 5, net.device)
    assert mask is not None and mask.device.type == device
    assert mask.tolist() == [[True, True, True, True, False], [True] * 5]


def test_the_wide_layer_has_the_same_numbers_wherever_it_is_made() -> None:
    from studyapp.labs.decode_parts import WideLayer

    here, moved = WideLayer(64, 32, seed=3), WideLayer(64, 32, seed=3, device="cpu")
    assert torch.equal(here.int8, moved.int8) and torch.equal(here.scales, moved.scales)
    assert list(here.calls(2)) == [vocab.LAYER_FP32, vocab.LAYER_INT8, vocab.LAYER_BF16]


def test_what_the_cpu_cannot_run_is_bf16_only_without_bf16_arithmetic() -> None:
    from studyapp.labs.decode_parts import unavailable
    from studyapp.labs.envinfo import cpu_info

    missing = unavailable("cpu")
    assert set(missing) == (set() if cpu_info()["isa"].get("bf16") else {vocab.LAYER_BF16})


def test_decodes_arithmetic_intensity_is_below_prefills() -> None:
    args = (100_000, 2, 128, 400_000.0)
    prefill = vocab.pass_work(args[0], args[1], args[2], 256, 256, args[3])
    step = vocab.pass_work(args[0], args[1], args[2], 1, 257, args[3])
    assert step.intensity < 1 < prefill.intensity


# --- a quick run, for real -------------------------------------------------------------------

def _quick(device: str) -> dict[str, Any]:
    stream = io.StringIO()
    params = registry.validate("decode", {"size": "quick", "threads": 1, "device": device})
    registry.load("decode").run(params, Emitter(stream))
    events = [decode(line) for line in stream.getvalue().splitlines()]
    assert isinstance(events[-1], Result)
    return {"rows": list(events[-1].rows), "reading": events[-1].reading,
            "notes": [event for event in events if isinstance(event, Note)]}


@pytest.fixture(scope="module")
def quick_run(labs_data_dir: Path) -> dict[str, Any]:
    """The CPU run; without a GPU asked for with device=cuda, which falls back to the CPU
    and says so (the GPU's own run is `test_a_quick_run_on_the_gpu`)."""
    return _quick("cpu" if torch.cuda.is_available() else "cuda")


def test_a_quick_run_checks_its_outputs_and_the_cache_formula(quick_run: dict) -> None:
    rows = quick_run["rows"]
    memory = vocab.one(rows, vocab.KV_MEMORY)
    assert memory is not None and memory["identical"] is True
    assert memory["cache_bytes"] == memory["formula_bytes"]
    speculation = vocab.part(rows, vocab.SPECULATIVE)
    assert {row["variant"] for row in speculation} == {vocab.GREEDY, vocab.NEURAL_DRAFT,
                                                       vocab.LOOKUP}
    assert all(row["equal_to_greedy"] is True for row in speculation)
    prefill = vocab.timed(rows, vocab.PHASES, vocab.PREFILL, "prompt_tokens")
    steps = vocab.timed(rows, vocab.PHASES, vocab.DECODE, "prompt_tokens")
    assert steps[-1]["arithmetic_intensity"] < prefill[-1]["arithmetic_intensity"]
    notes = [note.text.en for note in quick_run["notes"]]
    assert any("Text from the model" in note for note in notes)
    measured = [row for row in rows if row["status"] == "ok"]
    assert measured and all(row["device"] == "cpu" for row in measured)
    assert all(row["rss_delta_bytes"] is not None for row in vocab.part(rows, vocab.KV_MEMORY))
    if not torch.cuda.is_available():  # device=cuda fell back, and said so
        assert "No CUDA device: the language model was measured on the CPU." in notes
        assert [row["variant"] for row in rows if row["status"] != "ok"
                and row.get("part") != vocab.WEIGHTS] == ["cuda"]
    assert_rows_drive_verdict_and_cards("decode", rows, quick_run["reading"])


@pytest.mark.cuda
@GPU
def test_a_quick_run_on_the_gpu(labs_data_dir: Path) -> None:
    run = _quick("cuda")
    rows = run["rows"]
    assert all(row["device"] == "cuda" for row in rows)
    memory = vocab.one(rows, vocab.KV_MEMORY)
    assert memory is not None and memory["identical"] is True
    assert memory["cache_bytes"] == memory["formula_bytes"]
    # torch's allocator rounds each block up, to 512 B or by up to 1 MB where it reuses one
    assert 0 <= memory["cuda_allocated_delta_bytes"] - memory["cache_bytes"] <= 2 * 2**20
    assert all(row["equal_to_greedy"] is True for row in vocab.part(rows, vocab.SPECULATIVE))
    int8 = vocab.one(rows, vocab.WEIGHTS, vocab.DECODER_INT8)
    assert int8 is not None and "CPU only" in int8["status"]
    layer = vocab.timed(rows, vocab.WEIGHTS, vocab.LAYER_FP32, "batch_size")
    assert layer and all(row["share_of_roofline"] > 0 for row in layer)  # the GPU's roofline
    steps = vocab.timed(rows, vocab.PHASES, vocab.DECODE, "prompt_tokens")
    assert all(row["share_of_roofline"] > 0 for row in steps)
    assert any("measured on the GPU" in text.en for text in run["reading"])
    assert_rows_drive_verdict_and_cards("decode", rows, run["reading"])


def test_the_model_is_cached_after_the_run(quick_run: dict) -> None:
    progress: list[str] = []
    again = decoder.trained("quick", draft=True, progress=lambda *step: progress.append("x"))
    assert again.from_cache and not progress
    path = decoder.cache_path("quick", "draft", decoder.corpus())
    path.write_bytes(b"not a model")
    said: list[str] = []
    rebuilt = decoder.trained("quick", draft=True,
                              progress=lambda done, total, message: said.append(message.en))
    assert not rebuilt.from_cache and said and "invalid" in said[0]


def test_without_the_cache_time_per_token_grows_more(quick_run: dict) -> None:
    found = lesson.cache_growth(quick_run["rows"])
    assert found is not None
    if not any(row.get("noisy") for row in vocab.part(quick_run["rows"], vocab.KV)):
        assert found.recompute_growth.value > found.cached_growth.value


# --- the reading, from synthetic rows --------------------------------------------------------

def _timed(part: str, variant: str, ms: float, **extra: Any) -> dict[str, Any]:
    return {"part": part, "variant": variant, "latency_ms_median": ms,
            "latency_ms_low": ms * 0.95, "latency_ms_high": ms * 1.05, "noisy": False,
            **extra}


def _ratio(key: str, value: float, low: float, high: float) -> dict[str, float]:
    return {key: value, f"{key}_low": low, f"{key}_high": high}


def _kv_rows(recompute_growth: tuple[float, float, float]) -> list[dict[str, Any]]:
    return [
        _timed(vocab.KV, vocab.CACHED, 0.4, position=32, **_ratio("growth", 1, 1, 1)),
        _timed(vocab.KV, vocab.CACHED, 0.42, position=512, **_ratio("growth", 1.05, 0.98, 1.1),
               **_ratio("speedup", 29, 25, 31)),
        _timed(vocab.KV, vocab.RECOMPUTE, 0.8, position=32, **_ratio("growth", 1, 1, 1)),
        _timed(vocab.KV, vocab.RECOMPUTE, 12.4, position=512,
               **_ratio("growth", *recompute_growth)),
    ]


def test_the_cache_reading_states_the_growth_only_when_the_intervals_part() -> None:
    apart = lesson.read_cache(_kv_rows((15.5, 14.0, 17.0)))
    assert apart is not None and "grows with the length" in apart.en
    assert "расте с дължината" in apart.bg and "×29.0 faster" in apart.en
    close = lesson.read_cache(_kv_rows((1.05, 0.9, 1.2)))
    assert close is not None and "did not measurably separate" in close.en
    found = lesson.cache_growth(_kv_rows((1.05, 0.9, 1.2)))
    assert found is not None and lesson.cache_cards(found, []) == []


def _memory(grew: int, identical: bool = True) -> dict[str, Any]:
    return {"part": vocab.KV_MEMORY, "batch_size": 64, "cache_tokens": 768, "layers": 2,
            "heads": 4, "head_dim": 32, "cache_bytes": 100_663_296,
            "formula_bytes": 100_663_296, "rss_delta_bytes": grew, "identical": identical,
            "tokens_compared": 64}


def test_the_memory_reading_says_what_the_process_did() -> None:
    rows = _kv_rows((15.5, 14.0, 17.0))
    shown = lesson.read_cache([*rows, _memory(100_700_000)])
    assert shown is not None and "exactly the formula" in shown.en
    assert "grew by 100.7 MB" in shown.en and "identical, token by token" in shown.en
    reused = lesson.read_cache([*rows, _memory(4096, identical=False)])
    assert reused is not None and "reused memory" in reused.en and "DIFFERS" in reused.en


def _spec(variant: str, speedup: tuple[float, float, float], acceptance: float,
          per_pass: float) -> dict[str, Any]:
    return _timed(vocab.SPECULATIVE, variant, 40, prompts=4, generated=24, draft_k=4,
                  acceptance=acceptance, tokens_per_pass=per_pass, equal_to_greedy=True,
                  **_ratio("speedup", *speedup))


@pytest.mark.parametrize(("speedup", "says"), [
    ((0.5, 0.45, 0.55), "Slower, because a pass"),
    ((1.8, 1.6, 2.0), "Faster, because a pass"),
    ((1.0, 0.9, 1.1), "came out even"),
])
def test_speculation_is_read_as_its_interval_says(speedup: tuple[float, float, float],
                                                  says: str) -> None:
    rows = [_spec(vocab.NEURAL_DRAFT, speedup, 0.4, 2.0)]
    said = lesson.read_speculative(rows)
    assert len(said) == 1 and says in said[0].en and "token by token" in said[0].en
    assert "(up to 4 proposals; 24 tokens after each of 4 places in the text)" in said[0].en
    assert "(до 4 предложения; 24 токена след всяко от 4 места в текста)" in said[0].bg
    cards = result_cards("decode", rows, said)
    assert len(cards) == (0 if says == "came out even" else 1)


def test_the_prediction_reads_the_draft_models_speed_up() -> None:
    answer = measured("decode", [_spec(vocab.NEURAL_DRAFT, (0.5, 0.45, 0.55), 0.3, 1.6)])
    assert answer is not None and answer.choice == 0 and "×0.50" in answer.text.en
    assert measured("decode", [{**_spec(vocab.NEURAL_DRAFT, (0.5, 0.45, 0.55), 0.3, 1.6),
                                "noisy": True}]) is None


def _weights(variant: str, phase: str, rows: int, speedup: tuple[float, float, float] | None,
             ) -> dict[str, Any]:
    ratio = _ratio("speedup", *speedup) if speedup else {}
    return _timed(vocab.WEIGHTS, variant, 5, phase=phase, batch_size=rows,
                  weights_bytes=134_217_728, **ratio)


def test_int8_weights_are_read_against_fp32_at_decode_and_prefill() -> None:
    rows = [_weights(vocab.LAYER_FP32, vocab.DECODE, 1, None),
            _weights(vocab.LAYER_INT8, vocab.DECODE, 1, (3.2, 3.0, 3.4)),
            _weights(vocab.LAYER_INT8, vocab.PREFILL, 64, (1.1, 0.95, 1.2))]
    said = lesson.read_weights(rows)
    assert said is not None and "four times fewer bytes" in said.en
    assert "134.2 MB" in said.en and "×3.20 faster" in said.en
    slow = lesson.read_weights([rows[0], _weights(vocab.LAYER_INT8, vocab.DECODE, 1,
                                                  (0.8, 0.7, 0.9)), rows[2]])
    assert slow is not None and "did not speed up one row" in slow.en
    assert lesson.read_weights([]) is None


def test_phases_say_what_prefill_and_decode_cost() -> None:
    rows = [_timed(vocab.PHASES, vocab.PREFILL, 2.0, prompt_tokens=16, arithmetic_intensity=9,
                   bound="compute", **_ratio("growth", 1, 1, 1)),
            _timed(vocab.PHASES, vocab.PREFILL, 20.0, prompt_tokens=256, arithmetic_intensity=30,
                   bound="compute", **_ratio("growth", 10, 9, 11)),
            _timed(vocab.PHASES, vocab.DECODE, 0.4, prompt_tokens=16, arithmetic_intensity=0.5,
                   bound="overhead", **_ratio("growth", 1, 1, 1)),
            _timed(vocab.PHASES, vocab.DECODE, 0.45, prompt_tokens=256, arithmetic_intensity=0.6,
                   bound="overhead", **_ratio("growth", 1.1, 1.0, 1.2))]
    said = lesson.read_phases(rows)
    assert said is not None
    assert "0.0781 ms per token against 0.45 ms" in said.en
    assert "reads every weight for a single token" in said.en
    assert "fixed costs" in said.en and "постоянните разходи" in said.bg
    assert lesson.read_phases(rows[:1]) is None


@pytest.mark.parametrize(("share", "low", "high", "fixed_costs"), [
    (0.013, 0.011, 0.016, True),   # memory-bound by its place, far below its ceiling
    (0.08, 0.05, 0.12, False),     # the interval reaches FAR_BELOW: not said
    (0.6, 0.5, 0.7, False),
])
def test_a_decode_step_far_below_its_roof_is_said_to_pay_for_calls(
    share: float, low: float, high: float, fixed_costs: bool
) -> None:
    def phase(name: str, ms: float, tokens: int, growth: tuple[float, float, float],
              **placed: Any) -> dict[str, Any]:
        return _timed(vocab.PHASES, name, ms, prompt_tokens=tokens, **_ratio("growth", *growth),
                      **placed)

    decode = {"arithmetic_intensity": 0.5, "bound": "memory", "data_in_cache": True,
              "share_of_roofline": share, "share_of_roofline_low": low,
              "share_of_roofline_high": high}
    rows = [phase(vocab.PREFILL, 2.0, 16, (1, 1, 1), arithmetic_intensity=9, bound="compute"),
            phase(vocab.PREFILL, 7.0, 256, (3.5, 3, 4), arithmetic_intensity=100,
                  bound="compute"),
            phase(vocab.DECODE, 1.5, 16, (1, 1, 1), **decode),
            phase(vocab.DECODE, 1.6, 256, (1.05, 1, 1.1), **decode)]
    said = lesson.read_phases(rows)
    assert said is not None and "(memory-bound)" in said.en
    assert ("fixed costs" in said.en) is fixed_costs
    assert (f"reaches {share:.1%} of its roofline" in said.en) is fixed_costs


def test_the_models_paragraph_says_where_the_weights_came_from() -> None:
    model = {"part": vocab.MODEL, "variant": "target", "layers": 2, "width": 128,
             "params_count": 431_000, "corpus_chars": 83_000, "held_out_loss": 1.45,
             "train_seconds": 31.0, "from_cache": True}
    said = lesson.read_models([model])
    assert said is not None and "loaded from the cache (trained in 31 s)" in said.en
    fresh = lesson.read_models([{**model, "from_cache": False}])
    assert fresh is not None and "trained now in 31 s" in fresh.en and "1.45" in fresh.bg


# --- the reading of rows measured on a GPU ---------------------------------------------------

def test_the_models_paragraph_says_the_times_are_the_gpus() -> None:
    model = {"part": vocab.MODEL, "variant": "target", "layers": 2, "width": 128,
             "params_count": 431_000, "corpus_chars": 83_000, "held_out_loss": 1.45,
             "train_seconds": 31.0, "from_cache": True, "device": "cuda"}
    said = lesson.read_models([model])
    assert said is not None and "trained on the CPU and then moved to the GPU" in said.en
    assert "обучен е на процесора" in said.bg.lower()
    cpu = lesson.read_models([{**model, "device": "cpu"}])
    assert cpu is not None and "GPU" not in cpu.en


@pytest.mark.parametrize(("device", "in_cache", "says"), [
    ("cuda", False, "launching its many small kernels"),
    ("cpu", True, "its weights sit in the cache"),
    ("cpu", False, None),  # far below a CPU's memory roof, but not in its cache: not said
])
def test_a_small_decode_step_is_said_to_pay_for_what_its_device_does(
    device: str, in_cache: bool, says: str | None
) -> None:
    decode = {"arithmetic_intensity": 0.5, "bound": "memory", "data_in_cache": in_cache,
              "share_of_roofline": 0.002, "share_of_roofline_low": 0.0018,
              "share_of_roofline_high": 0.0022, "device": device}
    rows = [_timed(vocab.PHASES, vocab.PREFILL, 0.3, prompt_tokens=16, arithmetic_intensity=9,
                   bound="memory", device=device, **_ratio("growth", 1, 1, 1)),
            _timed(vocab.PHASES, vocab.PREFILL, 0.35, prompt_tokens=256,
                   arithmetic_intensity=100, bound="memory", device=device,
                   **_ratio("growth", 1.15, 1.1, 1.2)),
            _timed(vocab.PHASES, vocab.DECODE, 0.25, prompt_tokens=16,
                   **_ratio("growth", 1, 1, 1), **decode),
            _timed(vocab.PHASES, vocab.DECODE, 0.26, prompt_tokens=256,
                   **_ratio("growth", 1.04, 1, 1.08), **decode)]
    said = lesson.read_phases(rows)
    assert said is not None
    if says is None:
        assert "This model is so small" not in said.en
    else:
        assert says in said.en and "reaches 0.2% of its roofline" in said.en
        assert ("кернели" in said.bg) is (device == "cuda")


def test_the_gpu_caches_memory_is_torchs_allocation() -> None:
    memory = {**_memory(0), "device": "cuda", "cuda_allocated_delta_bytes": 100_663_296}
    del memory["rss_delta_bytes"]
    said = lesson.read_cache([*_kv_rows((15.5, 14.0, 17.0)), memory])
    assert said is not None and "exactly the formula" in said.en
    assert "allocated on the GPU grew by 100.7 MB" in said.en and "на GPU" in said.bg
    assert "process's memory" not in said.en


def test_weights_a_device_cannot_run_are_said_with_their_reason() -> None:
    from studyapp.labs.columns import skipped
    from studyapp.text import Text

    rows = [_weights(vocab.LAYER_FP32, vocab.DECODE, 1, None),
            _weights(vocab.LAYER_INT8, vocab.DECODE, 1, (0.4, 0.35, 0.45)),
            _weights(vocab.LAYER_INT8, vocab.PREFILL, 64, (0.1, 0.09, 0.11)),
            _weights(vocab.LAYER_BF16, vocab.DECODE, 1, (1.9, 1.8, 2.0)),
            _weights(vocab.LAYER_BF16, vocab.PREFILL, 64, (1.7, 1.6, 1.8)),
            {"part": vocab.WEIGHTS, "variant": vocab.DECODER_INT8, "device": "cuda",
             **skipped(Text("само на процесора", "runs on the CPU only"))}]
    said = lesson.read_weights(rows)
    assert said is not None and "did not speed up one row" in said.en
    assert "The wide layer in bf16 against fp32: decode (1 row) ×1.90 faster" in said.en
    assert "Not timed — decoder int8 dynamic: runs on the CPU only." in said.en
    assert "Не е мерено — декодер int8 динамично: само на процесора." in said.bg
    assert "The decoder in dynamic int8" not in said.en
