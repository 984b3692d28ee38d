"""The quantize lab, run for real (quick size) in its child process: physical truths only.

One run serves every test. It asks for `device=cuda`, so on a machine without a GPU it also
shows that the GPU rows are skipped cleanly rather than failing the lab.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from real_rows import assert_rows_drive_verdict_and_cards

from studyapp.labs import findings
from studyapp.labs.events import Note, Result, Series, Table, decode
from studyapp.labs.lessons import quantize as lesson
from studyapp.labs.predictions import measured
from studyapp.labs.quantize_arithmetic import Isa, arithmetic
from studyapp.labs.quantize_onnx import FORMATS, METHODS, SCALES
from studyapp.labs.readings import times
from studyapp.labs.result_cards import result_cards
from studyapp.labs.roofline import BOUNDS

pytestmark = pytest.mark.slow
INT8 = ("torch int8-dyn", "ORT int8-dyn", "ORT int8-static", "ORT int8-static per-channel",
        "ORT int8-static QOperator")
BATCH_INDEX = {1: 0, 64: 1}  # a variant's rows come smallest batch first


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.fixture(scope="module")
def quick_run(labs_data_dir: Path) -> dict:
    """Rows, reading and result of `python -m studyapp.labs run quantize` (quick, cuda)."""
    params = {"size": "quick", "device": "cuda"}
    done = subprocess.run(
        [sys.executable, "-m", "studyapp.labs", "run", "quantize", "--params",
         json.dumps(params)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    events = [decode(line) for line in done.stdout.splitlines()]  # every line is an event
    result = events[-1]
    assert isinstance(result, Result)
    tables = {event.name: event for event in events if isinstance(event, Table)}
    return {
        "rows": list(result.rows),
        "reading": list(result.reading),
        "notes": [event.text for event in events if isinstance(event, Note)],
        "series": [event for event in events if isinstance(event, Series)],
        "tables": tables,
        "result": result,
        "cache": labs_data_dir / "cache" / "onnx",
    }


def _rows(run: dict, variant: str, device: str = "cpu") -> list[dict]:
    rows = [row for row in run["rows"] if row["variant"] == variant and row["device"] == device
            and row.get("batch_size") is not None]
    assert rows, f"no {variant} row on {device}"
    return rows


def _timed(run: dict) -> list[dict]:
    return [row for row in run["rows"] if row.get("latency_ms_median") is not None]


def _study(run: dict) -> list[dict]:
    return [row for row in run["rows"] if row.get("batch_size") is None]


def test_the_tables_hold_the_result_rows(quick_run: dict) -> None:
    tables = quick_run["tables"]
    assert [*tables["quantize"].rows, *tables["quantize_static"].rows] == quick_run["rows"]


def test_int8_files_are_under_a_third_of_fp32_and_16_bit_ones_about_half(
    quick_run: dict,
) -> None:
    for variant in INT8:
        for row in _rows(quick_run, variant):
            assert row["size_ratio"] < 1 / 3, row
    for row in _study(quick_run):
        assert row["size_ratio"] < 1 / 3, row
    fp32 = _rows(quick_run, "torch fp32")[0]["size_bytes"]
    for variant in ("torch fp16", "torch bf16"):
        half = _rows(quick_run, variant)[0]["size_bytes"]
        assert 0.4 * fp32 < half < 0.6 * fp32


def test_int8_keeps_the_trained_models_accuracy_within_a_few_points(quick_run: dict) -> None:
    fp32 = _rows(quick_run, "torch fp32")[0]
    assert fp32["accuracy"] >= 0.95 and fp32["test_images"] == 355
    assert fp32["images_changed"] == 0 and fp32["accuracy_change_pp"] == 0
    for row in [*(_rows(quick_run, variant)[0] for variant in (*INT8, "ORT fp32")),
                *_study(quick_run)]:
        assert abs(row["accuracy"] - fp32["accuracy"]) <= 0.03, row
        assert row["accuracy_change_pp"] == pytest.approx(
            100 * (row["accuracy"] - fp32["accuracy"]))
        # a net change of k images needs at least k changed answers
        assert row["images_changed"] >= abs(round(row["accuracy_change_pp"] * 355 / 100))


def test_every_row_carries_threads_and_device(quick_run: dict) -> None:
    threads = quick_run["result"].env["threads"]
    assert quick_run["rows"]
    for row in quick_run["rows"]:
        assert row["threads"] == threads
        assert row["device"] in ("cpu", "cuda")
        assert row.get("batch_size") in (None, 1, 64)


def test_each_batch_times_every_cpu_variant_in_one_comparison(quick_run: dict) -> None:
    for batch in (1, 64):
        cpu = [row for row in _timed(quick_run)
               if row["device"] == "cpu" and row["batch_size"] == batch]
        assert {row["variant"] for row in cpu} == {
            "torch fp32", "torch fp16", "torch bf16", "ORT fp32", *INT8}
        assert len({row["rounds"] for row in cpu}) == 1  # the same rounds for all
        for row in cpu:
            for key in ("speedup", "speedup_vs_torch", "speedup_vs_ort"):
                found = findings.interval(row, key)
                assert found is not None and found.low <= found.value <= found.high
            own = "speedup_vs_torch" if row["runtime"] == "torch" else "speedup_vs_ort"
            assert findings.interval(row, "speedup") == findings.interval(row, own)
            assert (findings.interval(row, "speedup_vs_dyn") is not None) == (
                row["variant"].startswith("ORT int8-static"))
        for variant, key in (("torch fp32", "speedup_vs_torch"), ("ORT fp32", "speedup_vs_ort")):
            fp32 = next(row for row in cpu if row["variant"] == variant)
            assert (fp32["speedup"], fp32[key], fp32[f"{key}_low"]) == (1.0, 1.0, 1.0)


def test_timed_rows_sit_on_the_roofline_with_their_precisions_bytes_and_ceiling(
    quick_run: dict,
) -> None:
    roof = quick_run["result"].roofline
    assert roof is not None and roof["peak_gflops"] > 0 and roof["bandwidth_gbs"] > 0
    isa = Isa.here()
    for row in (row for row in _timed(quick_run) if row["device"] == "cpu"):
        assert row["bound"] in BOUNDS and row["share_of_roofline"] > 0
        assert row["precision_speed"] == arithmetic(row["precision"], isa).speed
        assert row["gflops"] == pytest.approx(row["flops"] / row["latency_ms_median"] / 1e6)
        assert row["of_fp32_peak"] == pytest.approx(row["gflops"] / roof["peak_gflops"])
    for batch in (1, 64):
        moved = {variant: _rows(quick_run, variant)[BATCH_INDEX[batch]]["bytes_moved"]
                 for variant in ("torch fp32", "torch fp16", "torch int8-dyn")}
        assert moved["torch int8-dyn"] < moved["torch fp16"] < moved["torch fp32"]


def test_every_static_recipe_is_scored_once_and_the_kernel_changing_ones_are_timed(
    quick_run: dict,
) -> None:
    study = _study(quick_run)
    recipes = [(row["calibration"], row["weight_scales"], row["format"]) for row in study]
    assert sorted(recipes) == sorted(
        (method, scales, form) for method in METHODS for scales in SCALES for form in FORMATS)
    timed = {(row["calibration"], row["weight_scales"], row["format"])
             for row in _timed(quick_run) if row["variant"].startswith("ORT int8-static")}
    assert timed == {recipe for recipe, row in zip(recipes, study, strict=True) if row["timed"]}
    assert {method for method, _, _ in timed} == {"MinMax"}
    assert all(row["calibration_images"] == 64 for row in study)


def test_the_quantized_files_are_cached_by_model_recipe_and_calibration(
    quick_run: dict,
) -> None:
    quantized = [path.name for path in quick_run["cache"].glob("mlp-*-q*-ort*.onnx")]
    assert len(quantized) == len(_study(quick_run)) + 1  # every static recipe, and dynamic
    assert sum("-dynamic" in name for name in quantized) == 1
    assert not list(quick_run["cache"].glob(".quantize-*"))  # no half-written entry left


def test_the_reading_quotes_int8_against_the_fp32_it_trusts(quick_run: dict) -> None:
    rows = quick_run["rows"]
    for batch in (1, 64):
        base = lesson.baseline(rows, "mlp", batch)
        assert base is not None
        key = base.key if base.measurable else "speedup"
        paragraph = next(text for text in quick_run["reading"]
                         if text.en.startswith(f"mlp, batch {batch}:"))
        for variant in ("torch int8-dyn", "ORT int8-dyn", "ORT int8-static"):
            quoted = times(findings.interval(_rows(quick_run, variant)[BATCH_INDEX[batch]], key))
            assert f"{variant} {quoted.en}" in paragraph.en
            assert f"{variant} {quoted.bg}" in paragraph.bg
    assert all(text.bg and text.en for text in quick_run["reading"])
    assert any("torchao" in text.en for text in quick_run["reading"])


def test_the_plots_draw_each_cpu_variant_from_its_rows(quick_run: dict) -> None:
    lines = {line.name.en: line for line in quick_run["series"]}
    speedups = {name for name in lines if name.startswith("mlp ")}
    assert speedups == {f"mlp {variant}" for variant in (*INT8, "torch fp16", "torch bf16")}
    for name in speedups:
        rows = _rows(quick_run, name.removeprefix("mlp "))
        assert lines[name].x == (1.0, 64.0)
        assert lines[name].y == pytest.approx([row["speedup"] for row in rows])
    assert {"roofline (memory)", "fp32", "int8"} <= set(lines)
    assert len(lines["int8"].x) == 2 * len(INT8)


@pytest.mark.skipif(_has_cuda(), reason="checks the machine without a GPU")
def test_gpu_rows_are_skipped_cleanly_without_a_gpu(quick_run: dict) -> None:
    for variant in ("torch fp32", "torch fp16", "torch bf16", "torch int8-dyn"):
        for row in _rows(quick_run, variant, "cuda"):
            assert row["status"].startswith("skipped: ")
            assert row.get("latency_ms_median") is None
    assert any("device=cuda" in text.en for text in quick_run["reading"])
    assert any("no CUDA GPU" in text.en for text in quick_run["notes"])


@pytest.mark.cuda
@pytest.mark.skipif(not _has_cuda(), reason="needs an NVIDIA GPU")
def test_fp16_and_bf16_run_on_the_gpu(quick_run: dict) -> None:
    fp32 = _rows(quick_run, "torch fp32", "cuda")[0]
    assert fp32["status"] == "ok" and fp32["accuracy"] >= 0.95
    for variant in ("torch fp16", "torch bf16"):
        for row in _rows(quick_run, variant, "cuda"):
            if row["status"] == "ok":
                assert row["latency_ms_median"] > 0
                assert abs(row["accuracy"] - fp32["accuracy"]) <= 0.03
            else:
                assert variant == "torch bf16" and "bf16" in row["status"]
    int8 = _rows(quick_run, "torch int8-dyn", "cuda")[0]
    assert int8["status"].startswith("skipped: ") and "CPU" in int8["status"]


def test_the_real_rows_drive_the_verdict_and_cards_when_measured_cleanly(
    quick_run: dict,
) -> None:
    rows, reading = quick_run["rows"], quick_run["reading"]
    int8 = lesson.int8_in_torch(rows)
    assert int8 is not None and (int8.small_batch, int8.large_batch) == (1, 64)
    assert int8.small == findings.interval(_rows(quick_run, "torch int8-dyn")[0])
    size = lesson.int8_size(rows)
    assert size is not None and size.share == _rows(quick_run, "torch int8-dyn")[0]["size_ratio"]
    if not findings.measured_cleanly(rows):  # a busy machine: an honest "could not measure"
        assert measured("quantize", rows) is None
        assert result_cards("quantize", rows, reading) == []
        assert any("Could not measure cleanly" in text.en for text in reading)
        return
    assert_rows_drive_verdict_and_cards("quantize", rows, reading)


def test_gpu_rows_are_built_like_cpu_ones_against_gpu_fp32() -> None:
    """The GPU rows' own logic, run on the CPU: speed-ups against fp32 on the same device
    only, a skipped variant kept as a row that says why. (The GPU itself is checked above.)"""
    import torch

    from studyapp.labs import harness
    from studyapp.labs.digits import load_digits
    from studyapp.labs.models import build
    from studyapp.labs.quantize import timed_rows, with_sizes_and_accuracy
    from studyapp.labs.quantize_variants import CPU_ONLY, skipped_variant, torch_variant

    model = build("mlp").eval()
    stand_ins = [
        replace(torch_variant(f"torch {name}", name, converted, dtype, "cpu", 1), device="cuda")
        for name, dtype, converted in (("fp32", torch.float32, model),
                                       ("bf16", torch.bfloat16, build("mlp").bfloat16()))]
    variants = [skipped_variant("torch int8-dyn", "int8", CPU_ONLY), *stand_ins]
    x = load_digits().x_test[:64]
    brief = harness.Plan(rounds=6, block_s=0.001, warmup=2, warmup_s=0.01)
    rows = with_sizes_and_accuracy(timed_rows("mlp", variants, x, 1, brief), variants, {})
    skipped, fp32, bf16 = rows
    assert skipped["status"] == "skipped: torch's dynamic int8 is CPU-only"
    assert skipped.get("latency_ms_median") is None and skipped["device"] == "cuda"
    assert fp32["speedup"] == 1.0 and "speedup_vs_ort" not in fp32
    assert findings.interval(bf16) is not None and bf16["size_ratio"] == pytest.approx(0.5, 0.1)
    paragraph = lesson.gpu_paragraph(rows, "mlp")
    assert paragraph is not None and "mlp on the GPU at batch 64" in paragraph.en
    assert "CPU-only" in paragraph.en
