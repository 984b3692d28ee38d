"""The roofline: the three bound classes, shares, the probe, its cache and its re-check."""

from __future__ import annotations

import json

import pytest

from studyapp.labs import envinfo, models, roofline_probe, work
from studyapp.labs.roofline import (
    ABOVE_ROOFLINE,
    Ceiling,
    Roofline,
    Work,
    above_roofline,
    place,
)

MB = 1_000_000
ROOF = Roofline((Ceiling(2, 100.0, 20.0, 80.0), Ceiling(1, 60.0, 12.0, 50.0)),
                "2026-11-30T09:00:00+00:00", 0.2, 32 * MB)


def timed(ms: float, threads: int = 2) -> dict:
    return {"latency_ms_median": ms, "latency_ms_low": 0.9 * ms, "latency_ms_high": 1.1 * ms,
            "threads": threads}


def test_the_ridge_is_peak_over_bandwidth() -> None:
    assert ROOF.ridge == pytest.approx(5.0)
    one = ROOF.at(1)
    assert one is not None and one.ridge == pytest.approx(5.0) and ROOF.at(7) is None


def test_a_row_at_a_thread_count_never_probed_is_left_unplaced() -> None:
    row = place(timed(1.0, threads=7), Work(flops=100 * MB, bytes=200 * MB), ROOF)
    assert "bound" not in row and "share_of_roofline" not in row


def test_weights_far_larger_than_the_cache_at_low_intensity_are_memory_bound() -> None:
    row = place(timed(10.0), Work(flops=100 * MB, bytes=200 * MB), ROOF)  # 0.5 FLOP/B
    assert row["bound"] == "memory" and not row["data_in_cache"]
    assert row["attainable_gflops"] == pytest.approx(10.0)  # 20 GB/s × 0.5
    assert row["gflops"] == pytest.approx(10.0) and row["share_of_roofline"] == pytest.approx(1.0)
    assert row["share_of_roofline_low"] < 1.0 < row["share_of_roofline_high"]


def test_high_intensity_is_compute_bound_on_the_peak() -> None:
    row = place(timed(4.0), Work(flops=200e6 * 2, bytes=40 * MB), ROOF)  # 10 FLOP/B
    assert row["bound"] == "compute" and row["attainable_gflops"] == pytest.approx(100.0)
    assert row["share_of_roofline"] == pytest.approx(1.0)


def test_small_work_in_the_cache_far_below_its_roofline_is_overhead_bound() -> None:
    row = place(timed(0.1), Work(flops=600_000, bytes=150_000), ROOF)
    assert row["data_in_cache"] and row["bound"] == "overhead"
    assert row["share_of_roofline"] < 0.25


def test_a_long_call_far_below_its_roofline_is_not_called_overhead() -> None:
    """int8 of a 17 MB model at batch 64 taking 30 ms: a slow kernel, not per-call costs."""
    row = place(timed(30.0), Work(flops=1.1e9, bytes=17 * MB, speed=2.0), ROOF)
    assert row["data_in_cache"] and row["bound"] == "compute"
    assert row["share_of_roofline"] < 0.25


def test_work_in_the_cache_that_reaches_its_roofline_is_not_overhead() -> None:
    row = place(timed(1.0), Work(flops=40 * MB, bytes=10 * MB), ROOF)  # 4 FLOP/B, cache roof 320
    assert row["data_in_cache"] and row["bound"] == "compute"


def test_a_row_is_placed_on_its_own_thread_count() -> None:
    row = place(timed(10.0, threads=1), Work(flops=100 * MB, bytes=200 * MB), ROOF)
    assert row["attainable_gflops"] == pytest.approx(6.0)  # 12 GB/s × 0.5


def test_a_faster_precision_raises_the_compute_roof_only() -> None:
    fp32 = place(timed(1.0), Work(flops=400 * MB, bytes=40 * MB), ROOF)
    int8 = place(timed(1.0), Work(flops=400 * MB, bytes=40 * MB, speed=4.0), ROOF)
    assert fp32["attainable_gflops"] == pytest.approx(100.0)
    assert int8["attainable_gflops"] == pytest.approx(200.0)  # now the memory line: 20 × 10


def test_a_row_above_its_roofline_is_found() -> None:
    fast = place(timed(1.0), Work(flops=200 * MB, bytes=1000 * MB), ROOF)  # beats 20 GB/s
    assert fast["share_of_roofline"] > ABOVE_ROOFLINE and above_roofline(fast)
    assert not above_roofline({"share_of_roofline": 1.05}) and not above_roofline({})


def test_the_roofline_survives_json_and_refuses_wrong_values() -> None:
    data = json.loads(json.dumps(ROOF.to_json()))
    assert Roofline.from_json(data) == ROOF
    for key in ("peak_gflops", "threads"):
        for wrong in (0, -1.0, "fast", None, float("nan"), True):
            broken = json.loads(json.dumps(data))
            broken["ceilings"][0][key] = wrong
            assert Roofline.from_json(broken) is None, (key, wrong)
    assert Roofline.from_json({"ceilings": []}) is None
    assert Roofline.from_json("fast") is None and Roofline.from_json({}) is None


def test_flops_and_weight_bytes_of_the_models() -> None:
    mlp = models.build("mlp")
    assert work.linear_flops(mlp, 1) == 2 * (64 * 256 + 256 * 128 + 128 * 10)
    assert work.linear_flops(mlp, 8) == 8 * work.linear_flops(mlp, 1)
    weights = 64 * 256 + 256 * 128 + 128 * 10
    assert work.weight_bytes(mlp) == 4 * (weights + 256 + 128 + 10)
    convs = 2 * 1 * 9 * 16 * 64 + 2 * 16 * 9 * 32 * 64  # both convolutions keep 8×8
    assert work.linear_flops(models.build("cnn"), 1) == convs + 2 * (512 * 64 + 64 * 10)
    moved = work.work(mlp, 4, weights=1000)
    assert moved.bytes == 1000 + 4 * (64 + 10) * 4


@pytest.mark.usefixtures("labs_data_dir")
def test_a_probe_measures_both_thread_counts_and_a_quiet_one_is_cached(monkeypatch) -> None:
    monkeypatch.setattr(envinfo, "load_average", lambda: 0.0)
    measured = roofline_probe.roofline(threads=2, fresh=True)
    assert [ceiling.threads for ceiling in measured.ceilings] == [2, 1]
    for ceiling in measured.ceilings:
        assert ceiling.peak_gflops > 1.0 and ceiling.bandwidth_gbs > 0.5
        assert ceiling.cache_bandwidth_gbs >= ceiling.bandwidth_gbs
    assert measured.load_average == 0.0 and measured.measured_at.endswith("+00:00")
    monkeypatch.setattr(roofline_probe, "probe", lambda *a, **k: pytest.fail("probed again"))
    assert roofline_probe.roofline(threads=2) == measured


@pytest.mark.usefixtures("labs_data_dir")
def test_a_probe_on_a_busy_machine_is_not_cached(monkeypatch) -> None:
    busy = Roofline((Ceiling(3, 1.0, 1.0, 1.0),), "2026-11-30T09:00:00+00:00", 99.0, None)
    probes: list[int] = []
    monkeypatch.setattr(roofline_probe, "probe",
                        lambda threads, **_: probes.append(threads) or busy)
    assert roofline_probe.roofline(threads=3) == busy == roofline_probe.roofline(threads=3)
    assert probes == [3, 3]


@pytest.mark.usefixtures("labs_data_dir")
def test_a_cache_holding_wrong_values_is_probed_again(monkeypatch) -> None:
    path = roofline_probe.cache_dir() / roofline_probe.CACHE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    broken = ROOF.to_json() | {"ceilings": [{"threads": 4, "peak_gflops": "abc"}]}
    path.write_text(json.dumps({roofline_probe._key(4): broken}), encoding="utf-8")
    monkeypatch.setattr(roofline_probe, "probe", lambda threads, **_: ROOF)
    assert roofline_probe.roofline(threads=4) == ROOF


def test_a_row_above_the_roofline_makes_it_probe_again(monkeypatch) -> None:
    again = Roofline((Ceiling(2, 100.0, 60.0, 80.0), Ceiling(1, 70.0, 12.0, 50.0)),
                     "2026-11-30T09:05:00+00:00", 0.3, 32 * MB)
    monkeypatch.setattr(roofline_probe, "probe", lambda threads, **_: again)
    fast = place(timed(2.0) | {"variant": "gemv"}, Work(flops=200 * MB, bytes=80 * MB), ROOF)
    assert above_roofline(fast)  # 40 GB/s against 20
    better, notes = roofline_probe.checked([fast], ROOF)
    assert better.bandwidth_gbs == 60.0 and better.ceilings[1].peak_gflops == 70.0
    assert better.measured_at == again.measured_at and not above_roofline(fast)
    assert len(notes) == 1 and "probed again: 100 GFLOP/s, 60.0 GB/s" in notes[0].en


def test_a_row_still_above_after_the_second_probe_is_named(monkeypatch) -> None:
    monkeypatch.setattr(roofline_probe, "probe", lambda threads, **_: ROOF)
    fast = place(timed(2.0) | {"variant": "gemv"}, Work(flops=200 * MB, bytes=80 * MB), ROOF)
    _, notes = roofline_probe.checked([fast], ROOF)
    assert len(notes) == 2 and "Still above it: gemv (200%)" in notes[1].en
    assert "Още над него: gemv (200%)" in notes[1].bg


def test_rows_within_the_roofline_leave_it_alone(monkeypatch) -> None:
    monkeypatch.setattr(roofline_probe, "probe", lambda *a, **k: pytest.fail("probed"))
    row = place(timed(10.0), Work(flops=100 * MB, bytes=200 * MB), ROOF)
    assert roofline_probe.checked([row], ROOF) == (ROOF, [])


def test_the_summary_names_both_ceilings_and_when_and_under_what_load() -> None:
    said = ROOF.summary()
    assert said.en == ("100 GFLOP/s and 20.0 GB/s (cache 80) at 2 threads; 60 GFLOP/s and "
                       "12.0 GB/s (cache 50) at 1 thread · probed 2026-11-30 09:00:00 UTC at "
                       "load 0.20")
    assert said.bg.startswith("100 GFLOP/s и 20.0 GB/s (кеш 80) при 2 нишки; 60 GFLOP/s")
    assert "при 1 нишка" in said.bg and "натоварване 0.20" in said.bg
