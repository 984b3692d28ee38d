"""The latency lab: a real quick run in a child process, and its pieces."""

from __future__ import annotations

import re

import pytest
from real_rows import assert_rows_drive_verdict_and_cards

from studyapp.labs import findings, latency
from studyapp.labs.runner import LabRun, run_lab


@pytest.fixture(scope="module")
def quick_run(labs_data_dir) -> LabRun:
    return run_lab("latency", {"size": "quick", "threads": 2, "readings": 12}, timeout_s=120)


def rows_by_variant(run: LabRun) -> dict[str, dict]:
    return {str(row["variant"]): row for row in run.rows}


def test_quick_run_finishes_with_rows_and_a_reading(quick_run: LabRun) -> None:
    assert quick_run.status == "ok", (quick_run.error, quick_run.detail)
    assert all("threads" in row and "device" in row for row in quick_run.rows)
    assert len(quick_run.reading) == 5
    assert all(text.bg and text.en and text.bg != text.en for text in quick_run.reading)
    assert {"timings", "clocks"} <= set(quick_run.tables)
    assert quick_run.env["threads"] == 2


def test_first_call_is_read_like_the_example(quick_run: LabRun) -> None:
    first = rows_by_variant(quick_run)["1st call, time.time() (example)"]
    assert first["latency_ms_cold"] > 0
    printout = str(first["seed_printout"])
    assert re.fullmatch(r"Inference time: \d+\.\d{4} seconds", printout)
    assert float(printout.split()[2]) == pytest.approx(first["latency_ms_cold"] / 1e3, abs=6e-5)
    assert printout in quick_run.reading[0].en


def test_single_readings_and_harness_statistics_are_consistent(quick_run: LabRun) -> None:
    rows = rows_by_variant(quick_run)
    singles = rows["12 × time.time()"]
    assert singles["samples"] == 12
    assert 0 < singles["latency_ms_min"] <= singles["latency_ms_median"] <= singles[
        "latency_ms_max"]
    assert singles["spread_ratio"] == pytest.approx(
        singles["latency_ms_max"] / singles["latency_ms_min"])
    harness_row = rows["harness, perf_counter"]
    assert harness_row["samples"] >= 20 and harness_row["warmup"] >= 10
    assert (harness_row["latency_ms_min"] <= harness_row["latency_ms_median"]
            <= harness_row["latency_ms_p90"] <= harness_row["latency_ms_p99"]
            <= harness_row["latency_ms_max"])
    assert harness_row["cv"] == pytest.approx(
        harness_row["latency_ms_std"] / harness_row["latency_ms_mean"])
    assert harness_row["noisy"] == (harness_row["cv"] > 0.15)
    assert rows["harness, 1 thread"]["threads"] == 1 and harness_row["threads"] == 2


def test_clock_rows_describe_both_clocks(quick_run: LabRun) -> None:
    rows = rows_by_variant(quick_run)
    wall, counter = rows["time.time()"], rows["time.perf_counter()"]
    assert counter["monotonic"] is True and wall["monotonic"] is False
    assert wall["step_ns"] > 0 and counter["step_ns"] > 0


def test_the_series_hold_every_single_reading(quick_run: LabRun) -> None:
    singles = next(s for name, s in quick_run.series.items() if "time.time" in name.en)
    assert len(singles.y) == 12 and list(singles.x) == list(range(1, 13))



def test_the_real_rows_give_a_verdict_and_cards(quick_run: LabRun) -> None:
    found = findings.latency(quick_run.rows)
    harness_row = rows_by_variant(quick_run)["harness, perf_counter"]
    assert found is not None
    assert found.median_ms == harness_row["latency_ms_median"]
    assert found.p99_ms == harness_row["latency_ms_p99"]
    assert len(assert_rows_drive_verdict_and_cards("latency", quick_run.rows,
                                                   quick_run.reading)) == 2


def test_smallest_step_of_a_coarse_clock() -> None:
    ticks = iter(x * 0.015625 for x in range(10_000) for _ in range(3))
    assert latency.smallest_step_ns(lambda: next(ticks), 10) == pytest.approx(15_625_000)


def test_seed_style_first_call_times_only_the_first() -> None:
    calls: list[int] = []
    wrapped = latency.SeedStyleFirstCall(lambda: calls.append(1), None)
    wrapped()
    first = wrapped.seconds
    wrapped()
    assert first is not None and wrapped.seconds == first and len(calls) == 2


def test_threads_reading_names_the_cause_when_more_threads_are_slower() -> None:
    from studyapp.labs.harness import summarize

    many = summarize([5.0, 6.0, 20.0] * 10, threads=2)
    one = summarize([1.0, 1.1, 1.2] * 10, threads=1)
    text = latency.threads_reading(many, one, load=3.9, cores=2)
    assert "descheduled" in text.en and "3.9 on 2 cores" in text.en
    same = latency.threads_reading(one, one, load=None, cores=2)
    assert "barely changes" in same.en and "load" not in same.en


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.skipif(_has_cuda(), reason="checks the machine without a GPU")
def test_cuda_without_a_gpu_is_a_note_and_a_skipped_row(labs_data_dir) -> None:
    run = run_lab("latency", {"size": "quick", "threads": 1, "device": "cuda"}, timeout_s=120)
    assert run.status == "ok", (run.error, run.detail)
    assert any("CUDA" in note.en for note in run.notes)
    skipped = rows_by_variant(run)["cuda"]
    assert skipped["status"].startswith("skipped") and skipped["device"] == "cuda"
    assert rows_by_variant(run)["harness, perf_counter"]["device"] == "cpu"


@pytest.mark.cuda
@pytest.mark.skipif(not _has_cuda(), reason="needs an NVIDIA GPU")
def test_cuda_run_times_on_the_gpu(labs_data_dir) -> None:
    run = run_lab("latency", {"size": "quick", "threads": 1, "device": "cuda"}, timeout_s=300)
    assert run.status == "ok", (run.error, run.detail)
    assert run.env["gpu"]
    harness_row = rows_by_variant(run)["harness, perf_counter"]
    assert harness_row["device"] == "cuda"
    assert 0 < harness_row["latency_ms_median"] <= harness_row["latency_ms_p90"]
