"""The quantize lab's lesson, fed synthetic rows: every reading paragraph picks the sentence
its rows support (int8 faster, slower or no different; memory-, compute- or overhead-bound;
a weak or a fair fp32 baseline; native or converted 16-bit arithmetic), in both languages,
and the cards come only from rows whose intervals support them."""

from __future__ import annotations

from typing import Any

import pytest

from studyapp.labs import columns
from studyapp.labs import quantize_accuracy as accuracy
from studyapp.labs.lessons import quantize as lesson
from studyapp.labs.predictions import measured
from studyapp.labs.quantize_arithmetic import Isa, arithmetic
from studyapp.labs.result_cards import result_cards
from studyapp.labs.roofline import Ceiling, Roofline
from studyapp.text import Text

HERE = {"threads": 2, "device": "cpu", "status": "ok"}  # every real row says where it ran
QUANTIZE = [
    {"model": "mlp", "variant": f"torch {name}", "runtime": "torch", "precision": precision,
     "batch_size": batch, "speedup": speedup, "speedup_low": low, "speedup_high": high, **HERE}
    for name, precision, batch, speedup, low, high in (
        ("int8-dyn", "int8", 64, 3.1, 2.9, 3.3), ("int8-dyn", "int8", 1, 1.04, 1.0, 1.08),
        ("fp32", "fp32", 1, 1.0, 1.0, 1.0), ("fp32", "fp32", 64, 1.0, 1.0, 1.0))
]
for _row in QUANTIZE:  # what the batch and the file cards read besides the speed-ups
    _row["bound"] = "overhead" if _row["batch_size"] == 1 else "compute"
    _row["size_ratio"] = 1.0 if _row["precision"] == "fp32" else 0.277
READING = [Text("Общо.", "General."),
           Text("mlp, пакет 1: int8 е ×1.04.", "mlp, batch 1: int8 is ×1.04."),
           Text("mlp, файлове: 0.28.", "mlp, files against fp32: 0.28.")]

AVX2 = Isa(vnni=False, amx=False, bf16=False, fp16=False)
ZEN4 = Isa(vnni=True, amx=False, bf16=True, fp16=False)
SAPPHIRE_RAPIDS = Isa(vnni=True, amx=True, bf16=True, fp16=True)
GRANITE_RAPIDS = Isa(vnni=True, amx=True, bf16=True, fp16=True, amx_fp16=True)
ROOF = Roofline((Ceiling(2, 100.0, 20.0, 80.0), Ceiling(1, 55.0, 12.0, 50.0)),
                "2026-03-02T09:00:00+00:00", 0.3, 32 * 2**20)


def both(text: Text | None) -> str:
    """The two languages of a paragraph, for asserting on either."""
    assert text is not None and text.bg and text.en
    return f"{text.bg}\n{text.en}"


def span(value: float, low: float | None = None, high: float | None = None,
         key: str = "speedup") -> dict[str, float]:
    low = value if low is None else low
    high = value if high is None else high
    return {key: value, f"{key}_low": low, f"{key}_high": high}


def row(variant: str, batch: int, *, model: str = "wide_mlp", **keys: Any) -> dict[str, Any]:
    """A timed CPU row as the lab writes it (its speed-ups and roofline keys given)."""
    runtime, _, precision = variant.partition(" ")
    precision = precision.split("-")[0]
    return {"model": model, "variant": variant, "runtime": runtime, "precision": precision,
            "batch_size": batch, "latency_ms_median": 1.0, "noisy": False, **HERE, **keys}


def on_roofline(bound: str, *, gflops: float = 10.0, of_peak: float = 0.1, speed: float = 1.0,
                bytes_moved: float = 68e6, in_cache: bool = False, share: float = 0.5,
                ) -> dict[str, Any]:
    return {"bound": bound, "arithmetic_intensity": 0.5 if bound == "memory" else 60.0,
            "ridge_flop_per_byte": 5.0, "bytes_moved": bytes_moved, "data_in_cache": in_cache,
            "gflops": gflops, "flops": 3.4e7, "attainable_gflops": 100.0,
            "latency_ms_median": 1.0, "of_fp32_peak": of_peak, "precision_speed": speed,
            "share_of_roofline": share}


def fp32_rows(batch: int, gap: tuple[float, float, float], bound: str, **placed: Any,
              ) -> list[dict[str, Any]]:
    """torch fp32 and ORT fp32; `gap` is torch fp32 against ORT fp32 (below 1: ORT faster)."""
    where = on_roofline(bound, **placed)
    return [row("torch fp32", batch, **span(1.0), **span(1.0, key="speedup_vs_torch"),
                **span(*gap, key="speedup_vs_ort"), **where),
            row("ORT fp32", batch, **span(1.0), **span(1.0, key="speedup_vs_ort"),
                **span(1 / gap[0], 1 / gap[2], 1 / gap[1], key="speedup_vs_torch"), **where)]


def int8_row(variant: str, batch: int, vs_torch: tuple[float, float, float],
             vs_ort: tuple[float, float, float], **placed: Any) -> dict[str, Any]:
    own = vs_torch if variant.startswith("torch") else vs_ort
    return row(variant, batch, **span(*own), **span(*vs_torch, key="speedup_vs_torch"),
               **span(*vs_ort, key="speedup_vs_ort"), **on_roofline(**placed))


# --- the ceilings -------------------------------------------------------------------------


@pytest.mark.parametrize(("isa", "int8", "bf16", "fp16"), [
    (AVX2, 2.0, 1.0, 1.0), (ZEN4, 4.0, 2.0, 1.0), (SAPPHIRE_RAPIDS, 32.0, 16.0, 2.0),
    (GRANITE_RAPIDS, 32.0, 16.0, 16.0)])
def test_each_precision_ceiling_follows_the_instruction_set(
        isa: Isa, int8: float, bf16: float, fp16: float) -> None:
    assert arithmetic("fp32", isa).speed == 1.0
    assert arithmetic("int8", isa).speed == int8
    assert arithmetic("bf16", isa).speed == bf16
    assert arithmetic("fp16", isa).speed == fp16
    assert arithmetic("bf16", isa).native == (bf16 > 1)
    with pytest.raises(ValueError, match="unknown precision"):
        arithmetic("int4", isa)


def test_the_ceilings_paragraph_names_the_instructions_and_the_measured_roofline() -> None:
    plain = both(lesson.arithmetic_paragraph(AVX2, ROOF))
    assert "fp32 peak 100 GFLOP/s" in plain and "20.0 GB/s from memory" in plain
    assert "int8 ×2 (no VNNI" in plain and "pmaddubsw" in plain
    assert "bf16 ×1 (no native bf16" in plain and "converted to fp32" in plain
    assert "int8 ×2 (без VNNI" in plain and "not promises" in plain
    vnni = both(lesson.arithmetic_paragraph(ZEN4, ROOF))
    assert "int8 ×4 (VNNI" in vnni and "bf16 ×2" in vnni and "fp16 ×1" in vnni


# --- int8 against fp32 --------------------------------------------------------------------


def test_a_weak_torch_baseline_is_named_and_int8_read_against_ort_fp32() -> None:
    rows = [*fp32_rows(1, (0.4, 0.37, 0.43), "memory"),
            int8_row("torch int8-dyn", 1, (3.0, 2.8, 3.2), (1.2, 1.1, 1.3), bound="memory",
                     bytes_moved=17e6, in_cache=True, speed=2.0),
            int8_row("ORT int8-dyn", 1, (8.0, 7.5, 8.5), (3.2, 3.0, 3.4), bound="memory",
                     bytes_moved=17e6, in_cache=True, speed=2.0)]
    text = both(lesson.int8_paragraph(rows, "wide_mlp", 1))
    assert "ORT fp32 against torch fp32: ×2.50 faster (×2.33–2.70)" in text
    assert "The fastest fp32 here is ORT fp32" in text and "trust that comparison" in text
    assert "torch int8-dyn reads ×3.00 faster (×2.80–3.20) — the weak baseline" in text
    assert "int8 against ORT fp32: torch int8-dyn ×1.20 faster (×1.10–1.30)" in text
    assert "ORT fp32 is memory-bound" in text and "68.0 MB" in text and "17.0 MB" in text
    assert "small enough for the last-level cache" in text
    assert "Gain: torch int8-dyn and ORT int8-dyn — from the fewer bytes" in text
    assert "Печалба: torch int8-dyn и ORT int8-dyn — от по-малкото байтове" in text


def test_a_weak_ort_baseline_sends_the_reader_to_torch_fp32() -> None:
    rows = [*fp32_rows(64, (1.5, 1.4, 1.6), "compute", gflops=60, of_peak=0.6),
            int8_row("torch int8-dyn", 64, (1.1, 1.05, 1.15), (1.65, 1.5, 1.8),
                     bound="compute", gflops=66, of_peak=0.66, speed=2.0),
            int8_row("ORT int8-dyn", 64, (1.2, 1.1, 1.3), (1.8, 1.7, 1.9), bound="compute",
                     gflops=72, of_peak=0.72, speed=2.0)]
    text = both(lesson.int8_paragraph(rows, "wide_mlp", 64))
    assert "The fastest fp32 here is torch fp32" in text
    assert "Against ORT fp32 alone ORT int8-dyn reads ×1.80 faster" in text
    assert "int8 against torch fp32: torch int8-dyn ×1.10 faster (×1.05–1.15)" in text
    assert "torch fp32 is compute-bound" in text and "only faster arithmetic helps" in text
    assert "int8's ceiling here is ×2 the fp32 peak" in text
    assert "ORT int8-dyn 72 GOP/s (×0.72 the fp32 peak, 50% of its ceiling)" in text


def test_int8_slower_where_the_work_is_arithmetic_is_said_without_praising_the_ceiling(
) -> None:
    rows = [*fp32_rows(64, (1.0, 0.95, 1.06), "compute", gflops=80, of_peak=0.8),
            int8_row("torch int8-dyn", 64, (0.82, 0.78, 0.86), (0.82, 0.77, 0.87),
                     bound="compute", gflops=66, of_peak=0.66, speed=4.0)]
    text = both(lesson.int8_paragraph(rows, "wide_mlp", 64))
    assert "differ by nothing measurable" in text
    assert "int8 against fp32 of its own runtime: torch int8-dyn ×0.82, slower" in text
    assert "Loss: torch int8-dyn — below fp32's own rate" in text
    assert "ceiling here is ×4" in text and "cheap" not in text


def test_an_overhead_bound_call_with_no_measurable_int8_difference() -> None:
    rows = [*fp32_rows(1, (0.98, 0.9, 1.05), "overhead", bytes_moved=204e3, in_cache=True),
            int8_row("ORT int8-dyn", 1, (1.0, 0.96, 1.03), (1.0, 0.97, 1.04),
                     bound="overhead", bytes_moved=52e3, in_cache=True, speed=2.0),
            int8_row("torch int8-dyn", 1, (0.3, 0.28, 0.33), (0.3, 0.27, 0.33),
                     bound="overhead", bytes_moved=52e3, in_cache=True, speed=2.0)]
    text = both(lesson.int8_paragraph(rows, "wide_mlp", 1))
    assert "is overhead-bound: its 204 kB of weights and data sit in the cache" in text
    assert "the roofline allows 0.34 ms, yet a call takes 1 ms" in text
    assert "no measurable difference: ORT int8-dyn" in text
    assert "Loss: torch int8-dyn — turning the input into int8" in text
    assert "Загуба: torch int8-dyn" in text


def test_a_noisy_comparison_states_no_difference_rather_than_a_gain() -> None:
    rows = [*fp32_rows(1, (0.7, 0.3, 1.6), "memory"),
            int8_row("torch int8-dyn", 1, (2.0, 0.6, 3.5), (1.4, 0.4, 2.9), bound="memory",
                     bytes_moved=17e6, speed=2.0)]
    text = both(lesson.int8_paragraph(rows, "wide_mlp", 1))
    assert "no measurable difference (×0.62–3.33)" in text  # the fp32 gap
    assert "torch int8-dyn no measurable difference (×0.60–3.50)" in text
    assert "faster" not in text and "Gain" not in text
    assert "No measurable difference: torch int8-dyn" in text


def test_without_both_fp32_rows_or_any_int8_row_there_is_no_int8_paragraph() -> None:
    fp32 = fp32_rows(1, (0.5, 0.45, 0.55), "memory")
    assert lesson.int8_paragraph(fp32[:1], "wide_mlp", 1) is None
    assert lesson.int8_paragraph(fp32, "wide_mlp", 1) is None


# --- fp16 and bf16 --------------------------------------------------------------------------


def half_rows(*, small_bound: str, speed: float, fp16_small: tuple[float, float, float],
              ) -> list[dict[str, Any]]:
    fits = small_bound == "memory"
    return [
        row("torch fp32", 1, **span(1.0), **on_roofline(small_bound, bytes_moved=68e6)),
        row("torch fp16", 1, **span(*fp16_small), **on_roofline(
            small_bound, bytes_moved=34e6, in_cache=fits, speed=speed)),
        row("torch bf16", 1, **span(1.01, 0.95, 1.08), **on_roofline(
            small_bound, bytes_moved=34e6, speed=speed)),
        row("torch fp32", 64, **span(1.0), **on_roofline("compute", gflops=60, of_peak=0.6)),
        row("torch fp16", 64, **span(0.05, 0.04, 0.06), **on_roofline(
            "compute", gflops=3, of_peak=0.03, speed=speed)),
        row("torch bf16", 64, **span(0.06, 0.05, 0.07), **on_roofline(
            "compute", gflops=3.6, of_peak=0.036, speed=speed)),
    ]


def test_sixteen_bit_halves_the_bytes_at_batch_1_and_converts_at_batch_64() -> None:
    text = both(lesson.half_paragraph(
        half_rows(small_bound="memory", speed=1.0, fp16_small=(1.9, 1.8, 2.0)), "wide_mlp"))
    assert "fp16 ×1.90 faster (×1.80–2.00) at batch 1, ×0.05, slower (×0.04–0.06) at batch 64"\
        in text
    assert "torch fp32 is memory-bound, reading 68.0 MB from memory" in text
    assert "half the bytes (34.0 MB), which fit in the last-level cache" in text
    assert "Gain: fp16 — from the halved bytes; no measurable difference: bf16" in text
    assert "At batch 64 each weight serves 64 inputs and torch fp32 is compute-bound" in text
    assert "fp16 3 GFLOP/s (×0.03 the fp32 peak)" in text
    assert "no native fp16 or bf16 arithmetic (ceiling ×1)" in text
    assert "няма собствена fp16 или bf16 аритметика" in text


def test_native_sixteen_bit_arithmetic_is_said_from_the_rows_ceiling() -> None:
    text = both(lesson.half_paragraph(
        half_rows(small_bound="overhead", speed=2.0, fp16_small=(0.9, 0.85, 0.95)), "wide_mlp"))
    assert "At batch 1 the call is overhead-bound: half the bytes have little to save" in text
    assert "the CPU computes fp16 natively (ceiling ×2 the fp32 peak)" in text
    assert "no native" not in text


# --- accuracy, size and static quantization -------------------------------------------------


def scored(variant: str, accuracy: float, changed: int, **keys: Any) -> dict[str, Any]:
    return row(variant, 1, model="mlp", accuracy=accuracy, test_images=355,
               accuracy_change_pp=100 * (accuracy - 348 / 355), images_changed=changed, **keys)


def test_accuracy_is_said_with_the_resolution_of_one_test_image() -> None:
    rows = [scored("torch fp32", 348 / 355, 0), scored("ORT int8-dyn", 348 / 355, 0),
            scored("torch int8-dyn", 348 / 355, 1), scored("ORT int8-static", 347 / 355, 2),
            scored("torch fp16", 345 / 355, 3)]
    text = both(accuracy.accuracy_paragraph(rows, "mlp"))
    assert "355 test images (one image is 0.28 percentage points): torch fp32 98.03%" in text
    assert "ORT int8-dyn: the same answer on every image" in text
    assert "torch int8-dyn: 1 answer changed, accuracy unchanged net" in text
    assert "ORT int8-static: 2 answers changed, net -0.28 percentage points (-1 image)" in text
    assert "torch fp16: 3 answers changed, net -0.85 percentage points (-3 images)" in text
    assert "ORT int8-dyn, torch int8-dyn and ORT int8-static kept accuracy to that resolution"\
        in text
    assert "torch fp16 moved it by more" in text
    assert "1 сменен отговор" in text and "едно изображение е 0.28 процентни пункта" in text


def study_row(method: str, scales: str, form: str, accuracy: float) -> dict[str, Any]:
    return {"model": "mlp", "variant": f"ORT int8-static {method} {scales} {form}",
            "runtime": "ORT", "precision": "int8", "calibration": method,
            "weight_scales": scales, "format": form, "reduce_range": True,
            "calibration_images": 128, "accuracy": accuracy, "test_images": 355,
            "timed": method == "MinMax", **HERE}


def static_rows(per_channel_gain: int) -> list[dict[str, Any]]:
    return [study_row(method, scales, form,
                      (348 + (per_channel_gain if scales == "per-channel" else 0)) / 355)
            for method in accuracy.METHODS for scales in ("per-tensor", "per-channel")
            for form in ("QDQ", "QOperator")]


def test_static_recipes_are_compared_by_method_scales_and_format_with_their_resolution(
) -> None:
    rows = [scored("torch fp32", 348 / 355, 0), scored("ORT int8-dyn", 349 / 355, 1),
            *static_rows(per_channel_gain=1)]
    text = both(accuracy.static_paragraph(rows, "mlp"))
    assert "weights s8 in 7 bits, as ONNX Runtime advises without VNNI" in text
    assert "ranges from 128 training images" in text
    assert "MinMax 98.03%–98.31%, Entropy 98.03%–98.31%" in text
    assert "dynamic int8 98.31%, torch fp32 98.03%" in text
    assert ("Per-channel weight scales instead of per-tensor moved accuracy by +0.28 percentage "
            "points" in text)
    assert "QOperator instead of QDQ (the same scales, written another way) changed accuracy "\
        "in no pair" in text
    assert "All 12 static variants lie within one image of each other" in text
    assert "What static quantization buys is speed" in text
    assert "Calibration does not make static more accurate" in text
    wider = both(accuracy.static_paragraph([*static_rows(per_channel_gain=3)], "mlp"))
    assert "differ by up to 0.85 percentage points" in wider and "+0.85 percentage points" in wider


def test_the_timed_static_recipes_are_read_against_dynamic_int8_by_model_and_batch() -> None:
    recipe = {"calibration": "MinMax", "weight_scales": "per-tensor", "format": "QDQ"}
    rows = [row("ORT int8-static", 1, **recipe, **span(1.3, 1.2, 1.4, key="speedup_vs_dyn")),
            row("ORT int8-static", 64, **recipe, **span(1.0, 0.9, 1.1, key="speedup_vs_dyn"))]
    text = both(accuracy.static_speed_paragraph(rows))
    assert "wide_mlp, batch 1: ORT int8-static ×1.30 faster (×1.20–1.40); wide_mlp, batch 64: "\
        "ORT int8-static no measurable difference (×0.90–1.10)" in text
    assert "ORT int8-static = MinMax per-tensor QDQ" in text
    assert "only MinMax was timed" in text
    assert accuracy.static_speed_paragraph(rows[:0]) is None


def test_file_sizes_are_read_against_fp32_of_the_same_runtime() -> None:
    rows = [row("torch fp32", 1, size_ratio=1.0), row("torch int8-dyn", 1, size_ratio=0.2534),
            row("torch fp16", 1, size_ratio=0.5)]
    text = both(accuracy.size_paragraph(rows, "wide_mlp"))
    assert "torch int8-dyn 0.25, torch fp16 0.50" in text and "1 byte instead of 4" in text


# --- the GPU and the whole reading --------------------------------------------------------


def test_the_gpu_paragraph_says_why_its_rows_were_skipped_or_what_they_measured() -> None:
    skipped = [{**row(f"torch {p}", batch, model="mlp"), "device": "cuda",
                "latency_ms_median": None, **columns.skipped(Text("няма CUDA GPU", "no CUDA GPU"))}
               for p in ("fp32", "fp16", "bf16") for batch in (1, 64)]
    said = lesson.gpu_paragraph(skipped, "mlp")
    assert said is not None and "GPU редовете са пропуснати — няма CUDA GPU." in said.bg
    assert "device=cuda: the GPU rows are skipped — no CUDA GPU" in said.en
    recorded_before = [{**gpu_row, "status_bg": None} for gpu_row in skipped]
    assert "пропуснати — no CUDA GPU." in both(lesson.gpu_paragraph(recorded_before, "mlp"))
    measured_rows = [{**row(f"torch {p}", 64, model="mlp", **span(*gain)), "device": "cuda"}
                     for p, gain in (("fp32", (1, 1, 1)), ("fp16", (3.0, 2.8, 3.2)),
                                     ("bf16", (1.0, 0.9, 1.1)))]
    text = both(lesson.gpu_paragraph(measured_rows, "mlp"))
    assert "fp16 ×3.00 faster (×2.80–3.20), bf16 no measurable difference" in text
    assert "Tensor cores" in text and "CPU-only" in text
    assert lesson.gpu_paragraph(QUANTIZE, "mlp") is None  # a CPU run has no GPU paragraph


def test_the_reading_has_one_paragraph_per_finding_in_order() -> None:
    rows = [*fp32_rows(1, (0.4, 0.37, 0.43), "memory"),
            int8_row("torch int8-dyn", 1, (3.0, 2.8, 3.2), (1.2, 1.1, 1.3), bound="memory",
                     bytes_moved=17e6, speed=2.0)]
    paragraphs = lesson.reading(rows, AVX2, ROOF)
    assert paragraphs[0].en.startswith("This machine's roofline")
    assert paragraphs[1].en.startswith("wide_mlp, batch 1:")
    assert paragraphs[-1] == lesson.TORCHAO


# --- the question and the cards -----------------------------------------------------------


def test_the_measured_answer_is_read_from_the_rows() -> None:
    answer = measured("quantize", QUANTIZE)
    assert answer is not None
    assert answer.choice == 1
    assert "int8 ×1.04 (×1.00–1.08)" in answer.text.en and answer.text.bg


def test_the_batch_card_quotes_both_speedups_and_the_roofline_class_at_each_batch() -> None:
    cards = result_cards("quantize", QUANTIZE, READING)
    assert len(cards) == 2  # the batch and the file; no fp16 rows, no ORT baseline
    card = cards[0]
    assert "×1.04 (×1.00–1.08) at batch 1 but ×3.10 (×2.90–3.30) at batch 64" in card.front.en
    assert "×1.04 (×1.00–1.08) при пакет 1, но ×3.10 (×2.90–3.30) при пакет 64" in card.front.bg
    assert "at batch 1 torch fp32 was overhead-bound" in card.back.en
    assert "at batch 64 compute-bound (only faster arithmetic helps)" in card.back.en
    assert card.back.en.endswith("From the run's reading: mlp, batch 1: int8 is ×1.04.")
    assert card.back.bg.endswith("mlp, пакет 1: int8 е ×1.04.")


def test_a_run_without_roofline_classes_gets_the_batch_card_with_the_principle_alone() -> None:
    unplaced = [{key: value for key, value in row.items() if key != "bound"} for row in QUANTIZE]
    card = result_cards("quantize", unplaced, READING)[0]
    assert "×3.10 (×2.90–3.30) at batch 64" in card.front.en
    assert "The batch decides which of the three a call is — here between batch 1 and 64" \
        in card.back.en
    assert "между пакет 1 и 64" in card.back.bg


def test_the_batch_card_needs_speedups_whose_intervals_do_not_overlap() -> None:
    overlapping = [{**row, "speedup_high": 3.3, "speedup_low": 0.9} for row in QUANTIZE]
    assert [card.front.en[:5] for card in result_cards("quantize", overlapping, READING)] \
        == ["Your "]  # only the file card is left


def test_the_int8_file_card_quotes_the_size_share() -> None:
    cards = result_cards("quantize", QUANTIZE, READING)
    assert "Your torch int8 file of mlp is 0.28 of the fp32 one" in cards[-1].front.en
    assert "torch int8 файл на mlp е 0.28 от fp32" in cards[-1].front.bg
    assert cards[-1].back.en.endswith("From the run's reading: mlp, files against fp32: 0.28.")


def test_the_baseline_card_asks_which_fp32_to_read_int8_against() -> None:
    rows = [*fp32_rows(1, (0.4, 0.37, 0.43), "memory"),
            int8_row("torch int8-dyn", 1, (3.0, 2.8, 3.2), (1.2, 1.1, 1.3), bound="memory",
                     bytes_moved=17e6, speed=2.0)]
    cards = result_cards("quantize", rows, [Text("wide_mlp, пакет 1: …", "wide_mlp, batch 1: …")])
    assert len(cards) == 1
    assert "gave ×3.00 (×2.80–3.20) against torch fp32 but ×1.20 (×1.10–1.30) against ONNX " \
        "Runtime fp32" in cards[0].front.en
    assert "ran ×2.50 (×2.33–2.70) faster than torch fp32" in cards[0].back.en
    fair = [{**r, **span(1.0, 0.95, 1.05, key="speedup_vs_ort")} if r["variant"] == "torch fp32"
            else r for r in rows]
    assert result_cards("quantize", fair, []) == []  # no weak baseline: no card about one


def test_the_fp16_card_comes_only_from_a_measurable_difference_on_the_cpu() -> None:
    half = half_rows(small_bound="memory", speed=1.0, fp16_small=(1.9, 1.8, 2.0))
    gpu = [{**r, "device": "cuda", **span(7.5, 7.0, 8.0)} for r in half
           if r["variant"] == "torch fp16"]
    cards = result_cards("quantize", [*half, *gpu], [])
    assert "fp16 on the CPU gave ×0.05 (×0.04–0.06) against fp32 at batch 64" in cards[-1].front.en
    assert "no native fp16 arithmetic, so at batch 64 the values were converted" \
        in cards[-1].back.en
    same = [{**r, **span(1.0, 0.9, 1.1)} if r["variant"] == "torch fp16" else r for r in half]
    assert result_cards("quantize", same, []) == []
