"""The profile lab's readings and lesson, fed synthetic rows: each case picks its own sentence,
in both languages, and cards come only from rows whose intervals support them."""

from __future__ import annotations

from typing import Any

from studyapp.labs.lessons.profile import (
    bottleneck_reading,
    gpu_time_reading,
    memory_reading,
    operators_reading,
    ort_reading,
    roofline_reading,
)
from studyapp.labs.predictions import measured
from studyapp.labs.result_cards import result_cards
from studyapp.labs.roofline import Ceiling, Roofline, Work, place
from studyapp.text import Text

HERE = {"threads": 2, "device": "cpu", "status": "ok"}  # every real row says where it ran
Row = dict[str, Any]
ROOF = Roofline((Ceiling(2, 100.0, 20.0, 80.0),), "2026-11-30T09:00:00+00:00", 0.2, 32_000_000)
OPERATORS = [{"section": "operators", "variant": "aten::mkldnn_convolution", "calls": 2.0,
              "self_cpu_ms": 1.54, "share": 0.52, **HERE},
             {"section": "operators", "variant": "aten::max_pool2d_with_indices", "calls": 1.0,
              "self_cpu_ms": 0.89, "share": 0.30, **HERE},
             {"section": "operators", "variant": "aten::addmm", "calls": 2.0,
              "self_cpu_ms": 0.2, "share": 0.07, **HERE}]
LAYERS = [{"section": "modules", "variant": "3", "layer_type": "Conv2d", "params_count": 4640,
           "time_ms": 1.2, "share": 0.4, "bottleneck": True, **HERE},
          {"section": "modules", "variant": "5", "layer_type": "MaxPool2d", "params_count": 0,
           "time_ms": 0.9, "share": 0.3, "bottleneck": False, **HERE},
          {"section": "modules", "variant": "7", "layer_type": "Linear", "params_count": 32832,
           "time_ms": 0.3, "share": 0.1, "bottleneck": False, **HERE}]


def operation(kind: str, torch_ops: str, torch_ms: float, ort_ops: str, ort_ms: float,
              speedup: tuple[float, float, float] | None, share: float = 0.2) -> Row:
    value, low, high = speedup or (None, None, None)
    return {"section": "operations", "variant": kind, "torch_ops": torch_ops,
            "torch_ms": torch_ms, "ort_ops": ort_ops, "ort_ms": ort_ms, "share": share,
            "speedup": value, "speedup_low": low, "speedup_high": high, **HERE}


CONV = operation("convolution", "aten::mkldnn_convolution, aten::_convolution, …", 1.54,
                 "NCHWc Conv+Relu", 0.73, (2.1, 1.9, 2.3), 0.52)
POOL = operation("pooling", "aten::max_pool2d_with_indices, aten::max_pool2d", 0.89,
                 "NCHWc MaxPool", 0.065, (13.7, 12.0, 15.5), 0.30)
ACTIVATION = operation("activation", "aten::clamp_min, aten::relu", 0.11, "", 0.0, None, 0.04)
MATMUL = operation("matmul", "aten::addmm, aten::linear", 0.2, "FusedGemm, Gemm", 0.12,
                   (1.05, 0.9, 1.2), 0.07)


def test_the_top_operator_and_the_top_three_are_said() -> None:
    said = operators_reading(OPERATORS)
    assert ("The operator with the most self CPU time is aten::mkldnn_convolution: 52% of the "
            "time (1.54 ms per pass, calls per pass: 2). The top three") in said.en
    assert "take 89%" in said.en and "заемат 89%" in said.bg


def test_the_device_time_is_read_only_on_a_gpu() -> None:
    assert gpu_time_reading(OPERATORS) == Text("", "")
    on_gpu = [{**row, "self_device_ms": ms, "device": "cuda"}
              for row, ms in zip(OPERATORS, (0.3, 0.1, 0.1), strict=True)]
    said = gpu_time_reading(on_gpu)
    assert "by aten::mkldnn_convolution: 0.3 ms per pass, 60% of the GPU time" in said.en


def test_each_kind_onnx_runtime_does_faster_is_said_with_what_its_names_show() -> None:
    said = bottleneck_reading([*LAYERS, CONV, POOL, ACTIVATION, MATMUL])
    assert "The bottleneck is layer 3 (Conv2d): 1.2 ms per pass, 40%" in said.en
    assert "torch spends most on convolutions: 1.54 ms per pass (52%)" in said.en
    assert ("For max-pooling torch took 0.89 ms per pass (aten::max_pool2d_with_indices, "
            "aten::max_pool2d), ONNX Runtime 0.065 ms (NCHWc MaxPool): ONNX Runtime is ×13.7 "
            "faster (×12.0–15.5).") in said.en
    assert "Torch's operator also writes the int64 position of every maximum" in said.en
    assert said.en.count("blocked NCHWc layout") == 2  # the convolutions and the max-pool
    # the most milliseconds saved first: max-pooling (0.825 ms) before convolutions (0.81 ms)
    assert said.en.index("For max-pooling") < said.en.index("For convolutions")
    assert "matrix products" not in said.en  # ×0.90–1.20: no measurable difference
    assert "ONNX Runtime ran no separate activations" in said.en
    assert "За max-pool torch даде 0.89 ms на проход" in said.bg
    assert "записва и int64 позицията на всеки максимум" in said.bg


def test_no_measurable_gap_is_said_so_and_torch_ahead_is_named() -> None:
    slower = operation("matmul", "aten::addmm", 0.2, "Gemm", 0.3, (0.67, 0.6, 0.75))
    said = bottleneck_reading([*LAYERS, slower, MATMUL | {"variant": "other"}])
    assert "No kind of operation is measurably faster in ONNX Runtime." in said.en
    assert ("For matrix products (Linear/Gemm), torch is faster: ONNX Runtime is ×0.67, "
            "slower (×0.60–0.75).") in said.en
    assert "Никой вид операция не е измеримо по-бърз в ONNX Runtime." in said.bg


def test_a_gap_whose_names_say_nothing_is_stated_without_a_cause() -> None:
    plain = operation("convolution", "aten::conv2d", 1.0, "Conv", 0.5, (2.0, 1.8, 2.2))
    said = bottleneck_reading([plain])
    assert "ONNX Runtime is ×2.00 faster (×1.80–2.20)." in said.en
    assert "NCHWc" not in said.en and "int64" not in said.en


MEMORY = [{"section": "memory", "variant": "weights", "size_bytes": 153_128, **HERE},
          {"section": "memory", "variant": "peak activations", "size_bytes": 1_048_576, **HERE},
          {"section": "memory", "variant": "process peak RSS", "size_bytes": 422_000_000, **HERE}]


def test_memory_says_what_each_figure_counts() -> None:
    said = memory_reading(MEMORY)
    assert "Weights 0.15 MB; the activations peak during a pass at 1049 kB" in said.en
    assert "peaked at 422 MB RSS" in said.en and "Тегла 0.15 MB" in said.bg
    gpu = [MEMORY[0], {"section": "memory", "variant": "peak GPU memory",
                       "size_bytes": 2_500_000, **HERE}]
    assert "peak GPU memory over one pass is 2.50 MB" in memory_reading(gpu).en


def test_onnx_runtimes_optimized_nodes_are_named_only_when_it_ran_them() -> None:
    ort = [{"section": "ort", "variant": name, "share": share, **HERE}
           for name, share in (("NCHWc Conv+Relu", 0.7), ("FusedGemm", 0.1), ("Shape", 0.05))]
    said = ort_reading(ort)
    assert "most time goes into NCHWc Conv+Relu (70%)" in said.en
    assert ("NCHWc Conv+Relu, FusedGemm: the graph optimizer's work — fused operators and the "
            "blocked NCHWc layout") in said.en
    fused_only = ort_reading([{**ort[1], "share": 0.9}])
    assert "FusedGemm: the graph optimizer's work — fused operators (see" in fused_only.en
    assert "FusedGemm: работа на оптимизатора на графа — слети оператори" in fused_only.bg
    plain = ort_reading([{"section": "ort", "variant": "Gemm", "share": 0.9, **HERE}])
    assert "graph optimizer" not in plain.en and "Gemm (90%)" in plain.bg


def placed(variant: str, batch: int, work: Work, ms: float, low: float | None = None) -> Row:
    row = {"section": "roofline", "variant": variant, "batch_size": batch,
           "latency_ms_median": ms, "latency_ms_low": low or 0.95 * ms,
           "latency_ms_high": 1.05 * ms, "noisy": False, "stalls": 0, **HERE}
    return place(row, work, ROOF)


CNN_1 = Work(675_000.0, 153_424.0)  # FLOPs and bytes of the CNN at batch 1: in the cache
CNN_256 = Work(172_800_000.0, 229_000.0)
WIDE_1 = Work(34_200_000.0, 68_000_000.0)  # 68 MB of weights: read from memory


def test_the_cnn_at_batch_1_is_overhead_bound_not_compute_bound() -> None:
    rows = [placed("torch eager", 1, CNN_1, 0.2), placed("torch eager", 256, CNN_256, 4.0),
            placed("ORT all", 1, CNN_1, 0.04), placed("ORT all", 256, CNN_256, 2.0)]
    assert [row["bound"] for row in rows] == ["overhead", "compute", "overhead", "compute"]
    said = roofline_reading(rows, ROOF)
    assert "Batch 1: its 153 kB of weights and data sit in the cache" in said.en
    assert "overhead-bound" in said.en and "compute-bound at" not in said.en
    assert "every weight is read from memory" not in said.en
    assert "ONNX Runtime, batch 256: 755 FLOP/B is above the ridge" in said.en
    assert "ONNX Runtime, пакет 1" in said.bg


def test_a_model_far_larger_than_the_cache_is_memory_bound() -> None:
    said = roofline_reading([placed("torch eager", 1, WIDE_1, 4.0)], ROOF)
    assert "(data from memory) → memory-bound; 8.55 GFLOP/s is 85% of what it allows" in said.en


def test_the_measured_answer_is_read_from_the_rows() -> None:
    answer = measured("profile", OPERATORS)
    assert answer is not None
    assert answer.choice == 2
    assert "aten::mkldnn_convolution: 52%" in answer.text.en and answer.text.bg


READING = [Text("Операторът aten::mkldnn_convolution", "The operator aten::mkldnn_convolution…"),
           Text("…в едни и същи проходи…", "… profiled in the same passes …"),
           Text("Roofline на тази машина", "This machine's roofline …")]


def test_a_clean_run_gives_the_hotspot_the_gap_and_the_bound_cards() -> None:
    rows = [*OPERATORS, *LAYERS, CONV, POOL, ACTIVATION,
            placed("torch eager", 1, CNN_1, 0.2), placed("torch eager", 256, CNN_256, 4.0)]
    hotspot, gap, bound = result_cards("profile", rows, READING)
    assert "gave 52% of the time to aten::mkldnn_convolution" in hotspot.front.en
    assert ("torch took 0.89 ms per pass for max-pooling (aten::max_pool2d_with_indices, "
            "aten::max_pool2d), ONNX Runtime 0.065 ms (NCHWc MaxPool): ×14 (×12–16)") \
        in gap.front.en
    assert "torch даде 0.89 ms на проход за max-pool" in gap.front.bg
    assert gap.back.en.startswith("ONNX Runtime does it in its blocked NCHWc layout")
    assert gap.back.en.endswith("From the run's reading: … profiled in the same passes …")
    assert ("the model at batch 256 is bound by compute and reaches 43% (41%–45%) of the "
            "attainable GFLOP/s") in bound.front.en
    assert "ограничен от изчисленията" in bound.front.bg


def test_an_overhead_class_the_latency_interval_does_not_hold_gives_no_bound_card() -> None:
    # allowed 6.75 µs: overhead-bound at 0.03 ms, but not at the interval's fast end 0.02 ms
    shaky = placed("torch eager", 1, CNN_1, 0.03, low=0.02)
    assert shaky["bound"] == "overhead"
    cards = result_cards("profile", [*OPERATORS, shaky], READING)
    assert [card.front.en.startswith("Your machine's profile") for card in cards] == [True]
    steady = placed("torch eager", 1, CNN_1, 0.2)
    cards = result_cards("profile", [*OPERATORS, steady], READING)
    assert "bound by per-call overhead" in cards[-1].front.en


def test_no_gap_card_without_a_measurable_gap_and_none_from_a_noisy_run() -> None:
    cards = result_cards("profile", [*OPERATORS, MATMUL], READING)
    assert len(cards) == 1  # the hotspot only: ×0.90–1.20 is no measurable difference
    noisy = placed("torch eager", 256, CNN_256, 4.0) | {"noisy": True}
    assert result_cards("profile", [*OPERATORS, POOL, noisy], READING) == []
    assert measured("profile", [*OPERATORS, noisy]) is None
