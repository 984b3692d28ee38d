"""The harness: consistent statistics, the noisy flag, warm-up, thread count, fingerprint."""

from __future__ import annotations

import math
import statistics
import time

import pytest
import torch

from studyapp.labs import envinfo, harness, roofline
from studyapp.labs.harness import NOISY_CV, TimingConfig, measure, summarize


class FakeClock:
    """A clock that only the fake workload moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def scripted(clock: FakeClock, durations_ms: list[float]):
    """A callable whose k-th call takes durations_ms[k] (the last repeats)."""
    calls = {"n": 0}

    def call() -> None:
        index = min(calls["n"], len(durations_ms) - 1)
        clock.now += durations_ms[index] / 1e3
        calls["n"] += 1

    return call, calls


def test_percentiles_are_ordered_and_cv_is_std_over_mean() -> None:
    samples = [1.0, 2.0, 2.0, 3.0, 10.0, 2.5, 1.5, 2.2, 2.1, 1.9]
    stats = summarize(samples)
    assert stats.min_ms <= stats.median_ms <= stats.p90_ms <= stats.p99_ms <= stats.max_ms
    assert stats.median_ms == pytest.approx(statistics.median(samples))
    assert stats.mean_ms == pytest.approx(statistics.fmean(samples))
    assert stats.std_ms == pytest.approx(statistics.stdev(samples))
    assert stats.cv == pytest.approx(stats.std_ms / stats.mean_ms)


def test_noisy_flag_follows_cv_threshold() -> None:
    steady = summarize([10.0, 10.1, 9.9, 10.0, 10.05])
    assert steady.cv < NOISY_CV and not steady.noisy
    jumpy = summarize([10.0, 30.0, 5.0, 12.0, 9.0])
    assert jumpy.cv > NOISY_CV and jumpy.noisy


def test_cold_call_is_apart_and_warmup_is_not_timed() -> None:
    clock = FakeClock()
    # cold 50 ms, 10 warm-up calls of 7 ms, then 2 ms per call
    fn, calls = scripted(clock, [50.0] + [7.0] * 10 + [2.0])
    timing = measure(fn, threads=1, clock=clock,
                     config=TimingConfig(min_samples=25, min_time_s=0.0))
    assert timing.cold_ms == pytest.approx(50.0)
    assert timing.warmup == 10
    assert len(timing.samples_ms) == 25 and calls["n"] == 1 + 10 + 25
    assert timing.stats.median_ms == pytest.approx(2.0)
    assert timing.stats.cv == pytest.approx(0.0, abs=1e-9) and not timing.stats.noisy


def test_repeats_until_the_minimum_time() -> None:
    clock = FakeClock()
    fn, _ = scripted(clock, [1.0])
    timing = measure(fn, threads=1, clock=clock, config=TimingConfig(min_time_s=0.2))
    assert len(timing.samples_ms) >= 200  # 1 ms each for 0.2 s
    assert sum(timing.samples_ms) >= 200.0 - 1e-6


def test_at_least_the_minimum_samples_even_when_slow() -> None:
    clock = FakeClock()
    fn, _ = scripted(clock, [100.0])
    timing = measure(fn, threads=1, clock=clock, config=TimingConfig(min_time_s=0.5))
    assert len(timing.samples_ms) == 20


def test_config_refuses_too_little_warmup_or_samples() -> None:
    with pytest.raises(ValueError):
        TimingConfig(warmup=3)
    with pytest.raises(ValueError):
        TimingConfig(min_samples=5)


def test_real_sleeps_are_measured_loosely() -> None:
    timing = measure(lambda: time.sleep(0.002), threads=1,
                     config=TimingConfig(min_time_s=0.0))
    assert 1.9 <= timing.stats.median_ms < 50.0
    assert timing.stats.median_ms <= timing.stats.p90_ms <= timing.stats.p99_ms


def test_thread_count_is_held_during_the_call_and_recorded() -> None:
    before = torch.get_num_threads()
    seen: list[int] = []
    timing = measure(lambda: seen.append(torch.get_num_threads()), threads=1,
                     config=TimingConfig(min_time_s=0.0))
    assert set(seen) == {1}
    assert timing.row()["threads"] == 1 and timing.threads == 1
    assert torch.get_num_threads() == before


def test_calls_run_in_inference_mode() -> None:
    modes: list[bool] = []
    measure(lambda: modes.append(torch.is_inference_mode_enabled()), threads=1,
            config=TimingConfig(min_time_s=0.0))
    assert all(modes)


def test_row_has_every_timing_column() -> None:
    clock = FakeClock()
    fn, _ = scripted(clock, [3.0, 1.0, 2.0])
    row = measure(fn, threads=2, clock=clock, config=TimingConfig(min_time_s=0.0)).row()
    assert [col.key for col in harness.TIMING_COLUMNS] == list(row)
    assert all(not isinstance(v, float) or math.isfinite(v) for v in row.values())


def test_ort_options_carry_the_thread_count() -> None:
    options = harness.ort_session_options(3)
    assert options.intra_op_num_threads == 3 and options.inter_op_num_threads == 1


def test_cpuinfo_parsing_finds_model_and_isa_flags() -> None:
    text = ("processor\t: 0\nmodel name\t: Example CPU @ 2.5GHz\n"
            "flags\t\t: fpu sse avx2 avx512f avx512_vnni\n\nprocessor\t: 1\n"
            "model name\t: Example CPU @ 2.5GHz\nflags\t\t: fpu\n")
    model, flags = envinfo.parse_cpuinfo(text)
    assert model == "Example CPU @ 2.5GHz"
    assert {"avx2", "avx512f", "avx512_vnni"} <= flags and "amx_tile" not in flags


def test_fingerprint_has_what_a_result_needs() -> None:
    env = envinfo.fingerprint(threads=2)
    for key in ("cpu_model", "isa", "logical_cores", "threads", "torch", "onnxruntime",
                "ort_providers", "gpu"):
        assert key in env
    assert env["threads"] == 2 and env["torch"] == torch.__version__
    assert "CPUExecutionProvider" in env["ort_providers"]
    assert set(envinfo.ISA_FLAGS) <= set(env["isa"]) and "amx" in env["isa"]


def test_roofline_bends_at_the_ridge_point() -> None:
    line = roofline.Roofline(peak_gflops=100.0, bandwidth_gbs=20.0, threads=1)
    assert line.ridge_flop_per_byte == pytest.approx(5.0)
    assert line.attainable_gflops(1.0) == pytest.approx(20.0)
    assert line.attainable_gflops(50.0) == pytest.approx(100.0)


@pytest.mark.usefixtures("labs_data_dir")
def test_roofline_probe_measures_and_is_cached(monkeypatch) -> None:
    measured = roofline.roofline(threads=1)
    assert measured.peak_gflops > 1.0 and measured.bandwidth_gbs > 0.5
    monkeypatch.setattr(roofline, "probe", lambda *a, **k: pytest.fail("probed again"))
    assert roofline.roofline(threads=1) == measured
