"""The onnx lab's readings and lesson, fed synthetic rows: each case picks its own sentence,
in both languages, and cards come only from rows whose intervals support them."""

from __future__ import annotations

from typing import Any

import pytest

from studyapp.labs.lessons.onnx import (
    compile_reading,
    export_reading,
    levels_reading,
    providers_reading,
    runtimes_reading,
)
from studyapp.labs.predictions import measured
from studyapp.labs.result_cards import result_cards
from studyapp.text import Text

HERE = {"threads": 2, "device": "cpu", "status": "ok"}  # every real row says where it ran
Row = dict[str, Any]


def ratio(key: str, value: float, low: float, high: float) -> Row:
    return {key: value, f"{key}_low": low, f"{key}_high": high}


def timed(ms: float, noisy: bool = False) -> Row:
    return {"latency_ms_median": ms, "latency_ms_low": 0.95 * ms, "latency_ms_high": 1.05 * ms,
            "noisy": noisy, "stalls": 0}


# --- export ----------------------------------------------------------------------------------


def check_rows(diff: float = 7.6e-6, status: str = "ok", fallback: str = "") -> list[Row]:
    return [{"section": "check", "variant": "ORT − torch", "batch_size": batch,
             "max_abs_diff": diff, "exporter": "torchscript" if fallback else "dynamo",
             "fallback_reason": fallback, "size_bytes": 165_580, **HERE, "status": status}
            for batch in (1, 7, 64)]


def test_the_export_reading_quotes_the_exporter_size_and_largest_difference() -> None:
    said = export_reading(check_rows())
    assert "dynamo exporter: 166 kB" in said.en and "batches 1, 7, 64" in said.en
    assert "7.6e-06 (limit 1e-04) — it matches." in said.en
    assert "Експорт с dynamo: 166 kB" in said.bg and "— съвпада." in said.bg


def test_a_large_export_is_said_in_megabytes() -> None:
    rows = [{**row, "size_bytes": 68_355_000} for row in check_rows()]
    said = export_reading(rows)
    assert ": 68.4 MB." in said.en and ": 68.4 MB." in said.bg


def test_a_mismatch_and_a_fallback_exporter_are_said() -> None:
    said = export_reading(check_rows(3e-3, "mismatch: largest difference", "Error: unsupported"))
    assert "(torch.export failed: Error: unsupported)" in said.en
    assert "it does NOT match" in said.en and "НЕ съвпада" in said.bg


# --- graph optimization levels ---------------------------------------------------------------

MLP_GRAPH = {"disable": (5, {}), "basic": (5, {}),
             "extended": (3, {"fused": "Gemm+Relu → FusedGemm ×2"}), "all": (3, {})}
CNN_GRAPH = {"disable": (10, {}), "basic": (10, {}),
             "extended": (7, {"fused": "Conv+Relu → FusedConv ×2, Gemm+Relu → FusedGemm"}),
             "all": (8, {"layout": "NCHWc Conv+Relu ×2, NCHWc MaxPool, ReorderOutput"})}


def level_rows(graph: dict[str, tuple[int, dict[str, str]]],
               gains: dict[str, tuple[float, float, float]], model: str = "cnn") -> list[Row]:
    """Levels at batch 1 and 64 with the same graph facts; `gains[level]` at both batches."""
    rows, before = [], None
    for level, (nodes, change) in graph.items():
        for batch in (1, 64):
            row: Row = {"section": "levels", "model": model, "variant": f"ORT {level}",
                        "opt_level": level, "batch_size": batch, "nodes": nodes,
                        **timed(1.0), **HERE}
            if before is not None:
                row |= {"fused": "", "layout": "", "removed": "", "nodes_before": before,
                        **change, **ratio("gain", *gains.get(level, (1.0, 0.97, 1.03))),
                        **ratio("speedup", 1.5, 1.4, 1.6)}
            rows.append(row)
        before = nodes
    return rows


def test_fusion_that_saves_no_measurable_time_is_credited_with_none() -> None:
    said = levels_reading(level_rows(MLP_GRAPH, {"extended": (1.02, 0.99, 1.05)}, "mlp"))
    assert "Nodes in the optimized graph: disable 5, basic 5, extended 3, all 3." in said.en
    assert ("Level extended (5 → 3 nodes) fused Gemm+Relu → FusedGemm ×2 — no measurable "
            "difference (×0.99–1.05) at batch 1") in said.en
    assert "Here fusion saved no measurable time at any batch." in said.en
    assert "credited" not in said.en and "NCHWc" not in said.en
    assert "Тук сливането не спести измеримо време" in said.bg
    assert "Ниво basic (5 → 5 възела) остави графа какъвто беше" in said.bg


def test_a_measurable_fusion_gain_is_credited_to_fusion() -> None:
    said = levels_reading(level_rows(MLP_GRAPH, {"extended": (1.2, 1.1, 1.3)}, "mlp"))
    assert "The gain at batches 1 and 64 is credited to fusion: a fused kernel" in said.en
    assert "Печалбата при пакети 1 и 64 идва от сливането" in said.bg


def test_the_cnns_gain_at_level_all_goes_to_the_nchwc_layout_not_to_fusion() -> None:
    said = levels_reading(level_rows(CNN_GRAPH, {"extended": (1.0, 0.98, 1.02),
                                                 "all": (2.14, 2.0, 2.3)}))
    assert ("Level all (7 → 8 nodes) moved to the blocked NCHWc layout (NCHWc Conv+Relu ×2, "
            "NCHWc MaxPool, ReorderOutput) — ×2.14 faster (×2.00–2.30) at batch 1") in said.en
    assert "The gain at batches 1 and 64 is credited to the NCHWc layout" in said.en
    assert "credited to fusion" not in said.en
    assert "Here fusion saved no measurable time" in said.en
    assert "идва от блоковия формат NCHWc" in said.bg
    assert "Level all against disable: ×1.50 faster (×1.40–1.60) at batch 1" in said.en


def test_a_gain_from_a_row_that_stalled_is_neither_stated_nor_credited() -> None:
    rows = level_rows(CNN_GRAPH, {"extended": (4.4, 3.2, 5.6), "all": (2.14, 2.0, 2.3)})
    for row in rows:
        if row["opt_level"] == "basic" and row["batch_size"] == 64:
            row["noisy"] = True  # the level below extended, at batch 64
    said = levels_reading(rows)
    assert ("Level extended (10 → 7 nodes) fused Conv+Relu → FusedConv ×2, Gemm+Relu → "
            "FusedGemm — ×4.40 faster (×3.20–5.60) at batch 1, not measured cleanly "
            "(×3.20–5.60) at batch 64.") in said.en
    assert "The gain at batch 1 is credited to fusion" in said.en
    assert "не е измерено чисто (×3.20–5.60) при пакет 64" in said.bg


def test_no_gain_is_claimed_for_batches_that_were_not_measured_cleanly() -> None:
    rows = level_rows(MLP_GRAPH, {"extended": (1.02, 0.99, 1.05)}, "mlp")
    for row in rows:
        if row["opt_level"] == "extended" and row["batch_size"] == 64:
            row["noisy"] = True
    said = levels_reading(rows)
    assert ("Here fusion saved no measurable time at batch 1 (the only batch measured cleanly)."
            in said.en)
    assert "at any batch" not in said.en
    assert "не спести измеримо време при пакет 1 (единственият пакет, измерен чисто)" in said.bg


def test_a_level_that_ran_slower_says_its_change_cost_time() -> None:
    said = levels_reading(level_rows(CNN_GRAPH, {"all": (0.8, 0.75, 0.85)}))
    assert "×0.80, slower (×0.75–0.85) at batch 1" in said.en
    assert "At batches 1 and 64 the change cost time." in said.en
    assert "При пакети 1 и 64 промяната забави изпълнението." in said.bg


def test_a_difference_with_an_unchanged_graph_is_credited_to_no_optimization() -> None:
    said = levels_reading(level_rows(MLP_GRAPH, {"all": (1.1, 1.05, 1.15)}, "mlp"))
    assert "Level all (3 → 3 nodes) left the graph as it was — ×1.10 faster" in said.en
    assert "credits that difference to no optimization" in said.en
    assert "не приписва тази разлика на никоя оптимизация" in said.bg


def test_nodes_removed_without_fusion_are_named() -> None:
    graph = {"disable": (18, {}), "basic": (14, {"removed": "Mod, Reshape ×2, Add"})}
    said = levels_reading(level_rows(graph, {"basic": (1.1, 1.05, 1.2)}))
    assert "Level basic (18 → 14 nodes) removed Mod, Reshape ×2, Add" in said.en
    assert "credited to the nodes it removed" in said.en and "махна Mod" in said.bg


# --- runtimes --------------------------------------------------------------------------------

TORCH_KERNELS = {"gemm_library": "MKL", "conv_library": "oneDNN"}
ORT_KERNELS = {"gemm_library": "MLAS", "conv_library": "MLAS"}


def runtime_rows(ort: dict[int, tuple[float, float, float]], model: str = "cnn",
                 extra: tuple[Row, ...] = ()) -> list[Row]:
    rows: list[Row] = []
    for batch, speed in ort.items():
        rows.append({"section": "runtimes", "model": model, "variant": "torch eager",
                     "batch_size": batch, **TORCH_KERNELS, **timed(0.2 * batch ** 0.5), **HERE,
                     **ratio("speedup", None, None, None)})  # type: ignore[arg-type]
        rows.append({"section": "runtimes", "model": model, "variant": "ORT all",
                     "batch_size": batch, **ORT_KERNELS, **timed(0.2 * batch ** 0.5 / speed[0]),
                     **HERE, **ratio("speedup", *speed)})
    return rows + list(extra)


def test_a_gap_that_narrows_with_the_batch_is_a_cost_per_call() -> None:
    said = runtimes_reading(runtime_rows({1: (5.3, 4.2, 6.5), 64: (1.3, 1.2, 1.4)}))
    assert ("ONNX Runtime against eager torch: ×5.30 faster (×4.20–6.50) at batch 1, ×1.30 "
            "faster") in said.en
    assert ("eager torch calls MKL for its Linear layers and oneDNN for its convolutions; "
            "ONNX Runtime calls its own MLAS kernels, with the constant weights prepacked") \
        in said.en
    assert "most of it is paid per call, not per digit" in said.en
    assert "similar GEMM kernels" not in said.en
    assert "главно се плаща на извикване, не на цифра" in said.bg


def test_a_gap_that_does_not_narrow_is_the_kernels_not_only_the_cost_per_call() -> None:
    said = runtimes_reading(runtime_rows({1: (5.3, 4.2, 6.5), 64: (7.0, 5.0, 10.0)}))
    assert ("At batch 64, where the cost per call is shared by 64 digits, ONNX Runtime is "
            "ahead: on these shapes its kernels and graph do the arithmetic faster.") in said.en
    assert "paid per call" not in said.en
    assert "ONNX Runtime е напред" in said.bg


def test_a_speedup_against_a_stalled_eager_row_explains_nothing() -> None:
    rows = runtime_rows({1: (5.3, 4.2, 6.5), 64: (1.3, 1.2, 1.4)})
    rows[0]["noisy"] = True  # eager torch at batch 1
    said = runtimes_reading(rows)
    assert "not measured cleanly (×4.20–6.50) at batch 1, ×1.30 faster" in said.en
    assert "paid per call" not in said.en and "ONNX Runtime is ahead" in said.en


def test_torch_faster_at_batch_1_is_said_so() -> None:
    said = runtimes_reading(runtime_rows({1: (0.8, 0.7, 0.9), 64: (0.9, 0.85, 0.95)}, "mlp"))
    assert "×0.80, slower (×0.70–0.90) at batch 1" in said.en
    assert "Here eager torch is faster at batch 1" in said.en
    assert "eager torch е по-бърз при пакет 1" in said.bg


def test_torch_ahead_at_the_large_batch_names_its_kernels() -> None:
    said = runtimes_reading(runtime_rows({1: (2.0, 1.8, 2.2), 64: (0.8, 0.7, 0.9)}))
    assert "At batch 64 eager torch is faster: there its kernels (MKL/oneDNN) beat MLAS" \
        in said.en


def test_onnx_runtime_ahead_only_at_the_large_batch_is_its_kernels() -> None:
    said = runtimes_reading(runtime_rows({1: (1.02, 0.95, 1.1), 64: (1.5, 1.4, 1.6)}))
    assert "no measurable difference (×0.95–1.10) at batch 1" in said.en
    assert "At batch 64, where the cost per call is shared by 64 digits" in said.en
    assert "paid per call" not in said.en


def test_no_measurable_difference_explains_nothing() -> None:
    said = runtimes_reading(runtime_rows({1: (1.02, 0.95, 1.1), 64: (1.0, 0.9, 1.1)}, "mlp"))
    assert "no measurable difference (×0.95–1.10) at batch 1" in said.en
    for explained in ("per call", "faster at batch 1", "ONNX Runtime is ahead"):
        assert explained not in said.en


def test_a_model_without_convolutions_names_only_the_blas() -> None:
    rows = [{**row, "conv_library": None} for row in runtime_rows({1: (1.5, 1.4, 1.6)}, "mlp")]
    said = runtimes_reading(rows)
    assert "eager torch calls MKL for its Linear layers;" in said.en
    assert "convolutions" not in said.en


def test_eager_torch_on_a_gpu_is_set_against_the_cpu() -> None:
    gpu = tuple({"section": "runtimes", "variant": "torch eager", "batch_size": batch,
                 **timed(0.1), **HERE, "device": "cuda", **ratio("speedup", *speed)}
                for batch, speed in ((1, (0.5, 0.4, 0.6)), (64, (8.0, 7.0, 9.0))))
    said = runtimes_reading(runtime_rows({1: (5.3, 4.2, 6.5), 64: (1.3, 1.2, 1.4)},
                                         extra=gpu))
    assert ("torch eager on the GPU against the CPU: ×0.50, slower (×0.40–0.60) at batch 1, "
            "×8.00 faster (×7.00–9.00) at batch 64") in said.en


# --- torch.compile ---------------------------------------------------------------------------


def compile_rows(graphs: tuple[int, int, int] = (1, 1, 0), guard: str = "",
                 source: str = "") -> list[Row]:
    rows = [{"section": "compile", "variant": "torch.compile", "batch_size": batch,
             "first_call_s": seconds, "graphs_compiled": new, "broken_guard": "",
             "guard_source": "", **HERE}
            for batch, seconds, new in zip((1, 64, 7), (4.0, 1.0, 0.01), graphs, strict=True)]
    rows[2] |= {"broken_guard": guard, "guard_source": source}
    return rows


def compiled_rows(speeds: dict[int, tuple[float, float, float]]) -> list[Row]:
    return [{"section": "runtimes", "variant": "torch.compile", "batch_size": batch,
             **timed(0.1), **HERE, **ratio("speedup", *speed)} for batch, speed in speeds.items()]


def test_compiling_pays_back_only_where_the_gain_is_measurable() -> None:
    rows = [*runtime_rows({1: (5.0, 4.0, 6.0), 64: (1.3, 1.2, 1.4)}), *compile_rows(),
            *compiled_rows({1: (2.0, 1.8, 2.2), 64: (1.01, 0.97, 1.05)})]
    said = compile_reading(rows)
    assert ("torch.compile, first call: 4.00 s at batch 1 (1 new graph), 1.00 s at batch 64 "
            "(1 new graph), 0.01 s at batch 7 (0 new graphs).") in said.en
    # 5.01 s of first calls; eager 0.2 ms at batch 1, ×2 (×1.8–2.2): 0.1 ms saved per call
    # (0.089–0.109), so 5010 / 0.1 calls (5010 / 0.109 – 5010 / 0.089)
    assert "At batch 1 compiling (5.0 s) pays for itself after ≈50,100 (45,900–56,400) calls." \
        in said.en
    assert "At batch 64 there is no measurable gain, so compiling does not pay back there." \
        in said.en
    assert "се изплаща след ≈50 100 (45 900–56 400) извиквания" in said.bg


def test_a_slower_compiled_model_never_pays_back() -> None:
    rows = [*runtime_rows({1: (5.0, 4.0, 6.0)}), *compile_rows(),
            *compiled_rows({1: (0.8, 0.7, 0.9)})]
    assert "At batch 1 the compiled model is slower: compiling never pays back there." \
        in compile_reading(rows).en


def test_a_third_shape_that_compiles_nothing_shows_the_batch_became_dynamic() -> None:
    said = compile_reading(compile_rows((1, 1, 0)))
    assert ("At batch 7 nothing new was compiled: at the second shape torch.compile recompiled "
            "with the batch size dynamic (automatic_dynamic_shapes), and that graph served "
            "batch 7 too.") in said.en
    assert "each new shape compiles again" not in said.en
    assert "При пакет 7 не се компилира нищо ново" in said.bg


def test_a_third_shape_outside_the_dynamic_graphs_guard_names_the_guard() -> None:
    said = compile_reading(compile_rows((1, 1, 1), "16 <= batch", "nn/modules/conv.py:560"))
    assert ("At batch 7 the graph was compiled again: the one from batch 64 has a dynamic batch "
            "size, but only while `16 <= batch` holds (a guard, set at nn/modules/conv.py:560), "
            "and 7 is outside it.") in said.en
    assert "докато важи `16 <= batch`" in said.bg


def test_a_third_shape_after_a_static_graph_compiles_again() -> None:
    guard = "tensor 'args[0]' size mismatch at index 0. expected 64, actual 7"
    said = compile_reading(compile_rows((1, 1, 1), guard))
    assert f"the one from batch 64 fits its own size only ({guard})" in said.en
    assert "При пакет 7 графът се компилира отново" in said.bg


@pytest.mark.parametrize(("status", "en", "bg"), [
    ("skipped: not in the quick size", "skipped — not in the quick size", "не в quick"),
    ("skipped: off", "skipped — off (compile=false)", "изключен"),
    ("skipped: failed: InductorError: no compiler", "failed here: InductorError: no compiler",
     "не успя тук: InductorError"),
])
def test_a_skipped_compile_says_why(status: str, en: str, bg: str) -> None:
    said = compile_reading([{"section": "compile", "variant": "torch.compile", **HERE,
                             "status": status}])
    assert en in said.en and bg in said.bg


# --- execution providers ---------------------------------------------------------------------


def provider(short: str, status: str, device: str = "cpu") -> Row:
    return {"section": "providers", "variant": short, "provider": f"{short}ExecutionProvider",
            **HERE, "device": device, "status": status}


def test_providers_present_absent_and_measured() -> None:
    rows = [provider("CPU", "in this build"), provider("CUDA", "measured", "cuda"),
            provider("TensorRT", "not in the quick size", "cuda"), provider("OpenVINO", "absent"),
            {"section": "runtimes", "variant": "ORT CUDA", "batch_size": 64, **timed(0.1),
             **HERE, "device": "cuda", **ratio("speedup", 3.0, 2.8, 3.2)}]
    said = providers_reading(rows)
    assert "Providers in this onnxruntime build: CPU, CUDA, TensorRT." in said.en
    assert "CUDA against eager torch on the CPU: ×3.00 faster (×2.80–3.20) at batch 64" \
        in said.en
    assert "TensorRT: not in the quick size." in said.en
    assert "OpenVINO: absent (needs the onnxruntime-openvino package (Intel))." in said.en
    assert "OpenVINO: няма го (нужно: пакета onnxruntime-openvino (Intel))." in said.bg


# --- prediction and cards --------------------------------------------------------------------


def test_the_measured_answer_is_read_from_the_rows() -> None:
    answer = measured("onnx", runtime_rows({1: (0.8, 0.75, 0.84)}))
    assert answer is not None
    assert answer.choice == 0
    assert "×0.80 (×0.75–0.84)" in answer.text.en and answer.text.bg


READING = [Text("Възли в оптимизирания граф", "Nodes in the optimized graph: …"),
           Text("torch eager 0.2 ms", "torch eager 0.2 ms, …"),
           Text("torch.compile, първо", "torch.compile, first call: …")]


def test_a_clean_cnn_run_gives_the_runtime_the_layout_and_the_compile_cards() -> None:
    rows = [*runtime_rows({1: (5.0, 4.0, 6.0), 64: (1.3, 1.2, 1.4)}),
            *level_rows(CNN_GRAPH, {"extended": (1.0, 0.98, 1.02), "all": (2.14, 2.0, 2.3)}),
            *compile_rows(), *compiled_rows({1: (2.0, 1.8, 2.2), 64: (1.01, 0.97, 1.05)})]
    ort, level, compiled = result_cards("onnx", rows, READING)
    assert "ONNX Runtime ran at ×5.00 (×4.00–6.00) against torch at batch 1" in ort.front.en
    assert "one C++ call" in ort.back.en and "MKL/oneDNN" in ort.back.en
    assert ort.back.en.endswith("From the run's reading: torch eager 0.2 ms, …")
    assert "level all ran at ×2.14 (×2.00–2.30) against level extended at batch 1 (cnn)" \
        in level.front.en
    assert level.back.en.startswith("It moved to the blocked NCHWc layout (NCHWc Conv+Relu ×2")
    assert "(7 → 8 nodes). The gain is credited to the NCHWc layout" in level.back.en
    assert "ниво all на ONNX Runtime беше ×2.14 (×2.00–2.30) спрямо ниво extended" \
        in level.front.bg
    assert "spent 5.0 s compiling, then ran at ×2.00 (×1.80–2.20) against eager at batch 1" \
        in compiled.front.en
    assert compiled.back.en.startswith("After ≈50,100 (45,900–56,400) calls")


def test_no_card_from_a_difference_the_intervals_do_not_support() -> None:
    rows = [*runtime_rows({1: (1.02, 0.95, 1.1)}, "mlp"),
            *level_rows(MLP_GRAPH, {"extended": (1.63, 0.98, 2.4)}, "mlp"),
            *compile_rows(), *compiled_rows({1: (1.01, 0.97, 1.05)})]
    assert result_cards("onnx", rows, READING) == []


def test_torch_ahead_gives_a_card_that_does_not_credit_onnx_runtime() -> None:
    [card] = result_cards("onnx", runtime_rows({1: (0.8, 0.7, 0.9)}, "mlp"), READING)
    assert "A prepared graph is not faster by itself" in card.back.en
    assert "Готовият граф не е по-бърз сам по себе си" in card.back.bg


def test_a_run_that_could_not_measure_cleanly_offers_no_cards_and_no_answer() -> None:
    rows = runtime_rows({1: (5.0, 4.0, 6.0), 64: (1.3, 1.2, 1.4)})
    rows[0] |= {"noisy": True}
    assert result_cards("onnx", rows, READING) == []
    assert measured("onnx", rows) is None
