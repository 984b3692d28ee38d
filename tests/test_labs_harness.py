"""The harness: consistent statistics, the noisy flag, warm-up, thread count, fingerprint."""

from __future__ import annotations

import math
import statistics
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from studyapp.labs import envinfo, harness, models, roofline
from studyapp.labs.harness import NOISY_CV, measure, summarize


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
    timing = summarize(samples)
    assert timing.min_ms <= timing.median_ms <= timing.p90_ms <= timing.p99_ms <= timing.max_ms
    assert timing.median_ms == pytest.approx(statistics.median(samples))
    assert timing.mean_ms == pytest.approx(statistics.fmean(samples))
    assert timing.std_ms == pytest.approx(statistics.stdev(samples))
    assert timing.cv == pytest.approx(timing.std_ms / timing.mean_ms)
    assert timing.samples == len(samples)


def test_noisy_flag_follows_cv_threshold() -> None:
    steady = summarize([10.0, 10.1, 9.9, 10.0, 10.05])
    assert steady.cv < NOISY_CV and not steady.noisy
    jumpy = summarize([10.0, 30.0, 5.0, 12.0, 9.0])
    assert jumpy.cv > NOISY_CV and jumpy.noisy


def test_cold_call_is_apart_and_warmup_is_not_timed() -> None:
    clock = FakeClock()
    # cold 50 ms, 10 warm-up calls of 7 ms, then 2 ms per call
    fn, calls = scripted(clock, [50.0] + [7.0] * 10 + [2.0])
    timing = measure(fn, threads=1, clock=clock, min_samples=25, min_time_s=0.0)
    assert timing.cold_ms == pytest.approx(50.0)
    assert timing.warmup == 10
    assert timing.samples == 25 and calls["n"] == 1 + 10 + 25
    assert timing.median_ms == pytest.approx(2.0)
    assert timing.cv == pytest.approx(0.0, abs=1e-9) and not timing.noisy


def test_repeats_until_the_minimum_time() -> None:
    clock = FakeClock()
    fn, _ = scripted(clock, [1.0])
    timing = measure(fn, threads=1, clock=clock, min_time_s=0.2)
    assert timing.samples >= 200  # 1 ms each for 0.2 s
    assert sum(timing.samples_ms) >= 200.0 - 1e-6


def test_at_least_the_minimum_samples_even_when_slow() -> None:
    clock = FakeClock()
    fn, _ = scripted(clock, [100.0])
    assert measure(fn, threads=1, clock=clock, min_time_s=0.5).samples == 20


def test_refuses_too_little_warmup_or_samples() -> None:
    with pytest.raises(ValueError):
        measure(lambda: None, threads=1, warmup=3)
    with pytest.raises(ValueError):
        measure(lambda: None, threads=1, min_samples=5)


def test_real_sleeps_are_measured_loosely() -> None:
    timing = measure(lambda: time.sleep(0.002), threads=1, min_time_s=0.0)
    assert 1.9 <= timing.median_ms < 50.0
    assert timing.median_ms <= timing.p90_ms <= timing.p99_ms


def test_thread_count_is_held_during_the_call_and_recorded() -> None:
    before = torch.get_num_threads()
    seen: list[int] = []
    timing = measure(lambda: seen.append(torch.get_num_threads()), threads=1, min_time_s=0.0)
    assert set(seen) == {1}
    assert timing.as_row()["threads"] == 1 and timing.threads == 1
    assert torch.get_num_threads() == before


def test_calls_run_in_inference_mode() -> None:
    modes: list[bool] = []
    measure(lambda: modes.append(torch.is_inference_mode_enabled()), threads=1, min_time_s=0.0)
    assert all(modes)


def test_row_has_every_timing_column() -> None:
    clock = FakeClock()
    fn, _ = scripted(clock, [3.0, 1.0, 2.0])
    timing = measure(fn, threads=2, clock=clock, min_time_s=0.0)
    row = timing.as_row()
    assert [col.key for col in harness.TIMING_COLUMNS] == list(row)
    assert timing.as_row(samples=True) == {**row, "samples": timing.samples}
    assert row["latency_ms_cold"] == pytest.approx(3.0)
    assert all(not isinstance(v, float) or math.isfinite(v) for v in row.values())


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the legacy exporter says it is old
def test_torch_and_ort_helpers_time_a_real_model(tmp_path) -> None:
    model = models.build("mlp").eval()
    x = np.zeros((1, 64), dtype=np.float32)
    timing = harness.measure_torch(model, x, threads=1, min_time_s=0.0)
    assert timing.samples >= 20 and timing.median_ms > 0
    path = tmp_path / "mlp.onnx"
    torch.onnx.export(model, (torch.from_numpy(x),), str(path), dynamo=False,
                      input_names=["x"])
    optimized = tmp_path / "mlp-basic.onnx"
    session = harness.ort_session(path, threads=1, opt_level="basic", optimized_path=optimized)
    assert session.get_session_options().intra_op_num_threads == 1
    assert optimized.stat().st_size > 0  # the optimized graph, written as the session starts
    ort_timing = harness.measure_ort(session, {"x": x}, threads=1, min_time_s=0.0)
    assert ort_timing.threads == 1 and ort_timing.median_ms > 0
    assert harness.file_size(path) == path.stat().st_size > 0
    with pytest.raises(ValueError, match="opt_level"):
        harness.ort_session(path, threads=1, opt_level="max")


def test_cpuinfo_parsing_finds_model_and_isa_flags() -> None:
    text = ("processor\t: 0\nmodel name\t: Example CPU @ 2.5GHz\n"
            "flags\t\t: fpu sse avx2 avx512f avx512_vnni\n\nprocessor\t: 1\n"
            "model name\t: Example CPU @ 2.5GHz\nflags\t\t: fpu\n")
    model, flags = envinfo.parse_cpuinfo(text)
    assert model == "Example CPU @ 2.5GHz"
    assert {"avx2", "avx512f", "avx512_vnni"} <= flags and "amx_tile" not in flags


def test_fingerprint_has_what_a_result_needs() -> None:
    env = envinfo.fingerprint(threads=2, device="cpu")
    for key in ("cpu_model", "isa", "cores", "threads", "torch", "onnxruntime",
                "ort_providers", "gpu"):
        assert key in env
    assert env["threads"] == 2 and env["torch"] == torch.__version__
    assert "CPUExecutionProvider" in env["ort_providers"]
    assert set(envinfo.ISA_FLAGS) <= set(env["isa"]) and "amx" in env["isa"]
    if env["isa"]["avx512_vnni"]:
        assert envinfo.has_vnni()
    assert envinfo.has_amx() == bool(env["isa"]["amx"])
    assert envinfo.has_bf16() == bool(env["isa"]["bf16"])
    assert envinfo.has_fp16() == bool(env["isa"]["fp16"])
    assert env["last_level_cache_bytes"] == envinfo.last_level_cache_bytes()


def test_last_level_cache_is_the_largest_cache_sysfs_lists(tmp_path: Path) -> None:
    for index, size in enumerate(("48K", "2048K", "36M", "garbled")):
        (tmp_path / f"index{index}").mkdir()
        (tmp_path / f"index{index}" / "size").write_text(f"{size}\n", encoding="ascii")
    assert envinfo.last_level_cache_bytes(tmp_path) == 36 * 1024**2
    assert envinfo.last_level_cache_bytes(tmp_path / "absent") is None


def test_roofline_bends_at_the_ridge_point() -> None:
    line = roofline.Roofline(peak_gflops=100.0, bandwidth_gbs=20.0)
    assert line.ridge_flop_per_byte == pytest.approx(5.0)
    assert line.attainable_gflops(1.0) == pytest.approx(20.0)
    assert line.attainable_gflops(50.0) == pytest.approx(100.0)


def test_flops_and_weight_bytes_of_the_models() -> None:
    mlp = models.build("mlp")
    assert roofline.linear_flops(mlp, 1) == 2 * (64 * 256 + 256 * 128 + 128 * 10)
    assert roofline.linear_flops(mlp, 8) == 8 * roofline.linear_flops(mlp, 1)
    weights = 64 * 256 + 256 * 128 + 128 * 10
    assert roofline.weight_bytes(mlp) == 4 * (weights + 256 + 128 + 10)
    convs = 2 * 1 * 9 * 16 * 64 + 2 * 16 * 9 * 32 * 64  # both convolutions keep 8×8
    assert roofline.linear_flops(models.build("cnn"), 1) == convs + 2 * (512 * 64 + 64 * 10)


@pytest.mark.usefixtures("labs_data_dir")
def test_roofline_probe_measures_and_a_quiet_probe_is_cached(monkeypatch) -> None:
    quiet = {**envinfo.cpu_info(), "load_average_1m": 0.0}
    monkeypatch.setattr(roofline, "cpu_info", lambda: quiet)
    measured = roofline.roofline(threads=1, fresh=True)
    assert measured.peak_gflops > 1.0 and measured.bandwidth_gbs > 0.5
    monkeypatch.setattr(roofline, "probe", lambda *a, **k: pytest.fail("probed again"))
    assert roofline.roofline(threads=1) == measured


@pytest.mark.usefixtures("labs_data_dir")
def test_a_probe_on_a_busy_machine_is_not_cached(monkeypatch) -> None:
    busy = {**envinfo.cpu_info(), "load_average_1m": 99.0}
    monkeypatch.setattr(roofline, "cpu_info", lambda: busy)
    line = roofline.Roofline(peak_gflops=1.0, bandwidth_gbs=1.0, threads=3)
    probes: list[int] = []
    monkeypatch.setattr(roofline, "probe", lambda threads: probes.append(threads) or line)
    assert roofline.roofline(threads=3) == line and roofline.roofline(threads=3) == line
    assert probes == [3, 3]
