"""The latency lab: a real quick run in a child process, and its pieces."""

from __future__ import annotations

import re
import statistics

import pytest
from real_rows import assert_rows_drive_verdict_and_cards

from studyapp.labs import findings, latency
from studyapp.labs.lessons import latency as lesson
from studyapp.labs.predictions import measured
from studyapp.labs.result_cards import result_cards
from studyapp.labs.roofline import BOUNDS
from studyapp.labs.runner import LabRun, run_lab


@pytest.fixture(scope="module")
def quick_run(labs_data_dir) -> LabRun:
    return run_lab("latency", {"size": "quick", "threads": 2, "readings": 12}, timeout_s=180)


def of(run: LabRun, measurement: str) -> list[dict]:
    return [row for row in run.rows if row.get("measurement") == measurement]


def test_quick_run_finishes_with_rows_and_a_reading(quick_run: LabRun) -> None:
    assert quick_run.status == "ok", (quick_run.error, quick_run.detail)
    assert all(row["threads"] in (1, 2) and row["device"] == "cpu" for row in quick_run.rows)
    assert {"timings", "clocks"} <= set(quick_run.tables)
    assert quick_run.env["threads"] == 2
    assert all(text.bg and text.en and text.bg != text.en for text in quick_run.reading)
    assert len(quick_run.reading) >= 6


def test_each_fresh_process_reads_its_first_call_like_the_example(quick_run: LabRun) -> None:
    processes = of(quick_run, "cold")
    assert len(processes) == latency.SIZES["quick"].processes
    for row in processes:
        printout = str(row["seed_printout"])
        assert re.fullmatch(r"Inference time: \d+\.\d{4} seconds", printout)
        assert float(printout.split()[2]) == pytest.approx(row["latency_ms_cold"] / 1e3,
                                                           abs=6e-5)
        # time.time() was read around perf_counter's reads of the same call
        assert row["latency_ms_cold"] >= row["latency_ms_cold_perf_counter"] * 0.99
        assert row["latency_ms_cold_perf_counter"] > row["latency_ms_second"]
        assert row["from_cache"] is True  # the lab cached the model before they loaded it
    assert any(str(row["seed_printout"]) in quick_run.reading[0].en for row in processes)


def test_a_fresh_process_first_call_is_slower_than_the_warm_median(quick_run: LabRun) -> None:
    warm = of(quick_run, "harness")[0]["latency_ms_median"]
    cold = statistics.median(row["latency_ms_cold_perf_counter"]
                             for row in of(quick_run, "cold"))
    assert cold > warm


def test_the_reading_says_whether_the_model_was_trained_first(quick_run: LabRun) -> None:
    trained_first = of(quick_run, "cold")[0]["trained_first"]
    assert all(row["trained_first"] == trained_first for row in of(quick_run, "cold"))
    assert ("had to be trained first in this run" in quick_run.reading[0].en) == trained_first


def test_single_readings_and_harness_statistics_are_consistent(quick_run: LabRun) -> None:
    [singles] = of(quick_run, "singles")
    assert singles["samples"] == 12
    assert 0 < singles["latency_ms_min"] <= singles["latency_ms_median"] <= singles[
        "latency_ms_max"]
    [main] = of(quick_run, "harness")
    [one] = of(quick_run, "one_thread")
    assert main["threads"] == 2 and one["threads"] == 1
    assert main["rounds"] == one["rounds"] >= 6  # interleaved: the same rounds
    assert main["samples"] >= main["rounds"] and main["warmup"] >= 2
    assert (main["latency_ms_min"] <= main["latency_ms_median"] <= main["latency_ms_p90"]
            <= main["latency_ms_p99"] <= main["latency_ms_max"])
    assert main["latency_ms_low"] <= main["latency_ms_median"] <= main["latency_ms_high"]
    assert main["spread"] == pytest.approx(main["latency_ms_p90"] / main["latency_ms_median"])
    assert main["latency_ms_cold"] is None  # the fresh processes measure the cold call
    speedup = findings.interval(main)
    assert speedup is not None and speedup.low <= speedup.value <= speedup.high


def test_the_harness_rows_sit_on_the_roofline(quick_run: LabRun) -> None:
    assert quick_run.roofline is not None and quick_run.roofline["threads"] == 2
    for row in of(quick_run, "harness") + of(quick_run, "one_thread"):
        assert row["bound"] in BOUNDS and row["share_of_roofline"] > 0
        assert row["flops"] == 2 * (64 * 256 + 256 * 128 + 128 * 10)  # the mlp at batch 1


def test_clock_rows_describe_both_clocks(quick_run: LabRun) -> None:
    clocks = {row["variant"]: row for row in of(quick_run, "clock")}
    wall, counter = clocks["time.time()"], clocks["time.perf_counter()"]
    assert counter["monotonic"] is True and wall["monotonic"] is False
    assert wall["step_ns"] > 0 and counter["step_ns"] > 0


def test_the_series_hold_every_single_reading(quick_run: LabRun) -> None:
    singles = next(s for name, s in quick_run.series.items() if "time.time" in name.en)
    assert len(singles.y) == 12 and list(singles.x) == list(range(1, 13))


def test_the_real_rows_give_a_verdict_and_cards_when_clean(quick_run: LabRun) -> None:
    rows, reading = quick_run.rows, quick_run.reading
    if not findings.measured_cleanly(rows) or lesson.busy(rows):  # said so, and no cards
        assert measured("latency", rows) is None
        assert result_cards("latency", rows, reading) == []
        return
    found = lesson.cold_call(rows)
    assert found is not None and found.processes == latency.SIZES["quick"].processes
    assert assert_rows_drive_verdict_and_cards("latency", rows, reading)


def test_smallest_step_of_a_coarse_clock() -> None:
    ticks = iter(x * 0.015625 for x in range(10_000) for _ in range(3))
    assert latency.smallest_step_ns(lambda: next(ticks), 10) == pytest.approx(15_625_000)


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.skipif(_has_cuda(), reason="checks the machine without a GPU")
def test_cuda_without_a_gpu_is_a_note_and_a_skipped_row(labs_data_dir) -> None:
    run = run_lab("latency", {"size": "quick", "threads": 1, "device": "cuda"}, timeout_s=180)
    assert run.status == "ok", (run.error, run.detail)
    assert any("CUDA" in note.en for note in run.notes)
    [skipped] = [row for row in run.rows if row["device"] == "cuda"]
    assert skipped["status"].startswith("skipped")
    assert of(run, "harness")[0]["device"] == "cpu"
    assert not of(run, "one_thread")  # one thread only: nothing to compare it with


@pytest.mark.cuda
@pytest.mark.skipif(not _has_cuda(), reason="needs an NVIDIA GPU")
def test_cuda_run_times_on_the_gpu(labs_data_dir) -> None:
    run = run_lab("latency", {"size": "quick", "threads": 1, "device": "cuda"}, timeout_s=300)
    assert run.status == "ok", (run.error, run.detail)
    assert run.env["gpu"]
    [main] = of(run, "harness")
    assert main["device"] == "cuda"
    assert 0 < main["latency_ms_median"] <= main["latency_ms_p90"]
    assert all(row["device"] == "cuda" for row in of(run, "cold"))
    assert run.roofline is None  # the roofline is this CPU's
