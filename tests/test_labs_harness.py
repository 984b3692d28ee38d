"""The harness: interleaved rounds, stalls measured again, robust statistics, warm-up, thread
count; and the environment fingerprint."""

from __future__ import annotations

import gc
import math
import os
import statistics
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from studyapp.labs import envinfo, harness, models
from studyapp.labs.harness import measure, summarize


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


def test_percentiles_are_ordered_and_the_median_comes_from_the_rounds() -> None:
    samples = [1.0, 2.0, 2.0, 3.0, 10.0, 2.5, 1.5, 2.2, 2.1, 1.9]
    rounds = [2.0, 2.1, 1.9, 2.2, 2.0, 2.05]
    timing = summarize(samples, rounds_ms=rounds)
    assert timing.min_ms <= timing.p90_ms <= timing.p99_ms <= timing.max_ms
    assert timing.median_ms == pytest.approx(statistics.median(rounds))
    assert timing.low_ms == min(rounds) and timing.high_ms == max(rounds)  # 6 rounds: the ends
    assert timing.mean_ms == pytest.approx(statistics.fmean(samples))
    assert timing.std_ms == pytest.approx(statistics.stdev(samples))
    assert timing.spread == pytest.approx(timing.p90_ms / timing.median_ms)
    assert timing.samples == len(samples) and timing.rounds == len(rounds)


def test_a_rare_slow_call_does_not_make_a_timing_noisy() -> None:
    """What the coefficient of variation used to flag: one outlier among steady calls."""
    steady = summarize([1.0] * 99 + [30.0], rounds_ms=[1.0, 1.01, 0.99, 1.0, 1.02, 1.0])
    assert steady.clean and not steady.noisy


def test_a_wide_interval_is_a_reading_and_a_stall_that_stayed_is_noise() -> None:
    wide = summarize([1.0, 2.0], rounds_ms=[1.0, 1.9, 0.8, 2.5, 1.2, 1.0])
    assert wide.clean and (wide.low_ms, wide.high_ms) == (0.8, 2.5)
    stalled = summarize([1.0, 1.0], rounds_ms=[1.0] * 6, stalled_left=True)
    assert stalled.noisy


def test_cold_call_is_apart_and_warmup_is_not_timed() -> None:
    clock = FakeClock()
    # cold 50 ms, 10 warm-up calls of 7 ms, then 2 ms per call
    fn, calls = scripted(clock, [50.0] + [7.0] * 10 + [2.0])
    plan = harness.Plan(rounds=6, block_s=0.004, min_s=0.0)
    timing = measure(fn, threads=1, clock=clock, plan=plan)
    assert timing.cold_ms == pytest.approx(50.0)
    assert timing.warmup == 10
    assert timing.samples == 6 * 1 and calls["n"] == 1 + 10 + 6  # a block: 7 ms ≥ 4 ms
    assert timing.median_ms == pytest.approx(2.0) and timing.clean


def test_a_block_of_calls_lasts_at_least_the_plan_block() -> None:
    clock = FakeClock()
    fn, _ = scripted(clock, [1.0])
    plan = harness.Plan(rounds=8, block_s=0.01, min_s=0.0)
    timing = measure(fn, threads=1, clock=clock, plan=plan)
    assert timing.rounds == 8 and timing.samples == 8 * 9  # each block's first call aside
    assert sum(timing.samples_ms) == pytest.approx(72.0)


def test_the_first_call_of_a_block_pays_the_switch_and_stays_out_of_the_percentiles() -> None:
    clock = FakeClock()
    calls = {"n": 0}

    def switching() -> None:  # every 4th call (the first of each 4-call block) is slow
        calls["n"] += 1
        clock.now += (9.0 if calls["n"] > 3 and (calls["n"] - 4) % 4 == 0 else 1.0) / 1e3

    plan = harness.Plan(rounds=6, block_s=0.004, warmup=2, warmup_s=0.0, min_s=0.0)
    timing = measure(switching, threads=1, clock=clock, plan=plan)
    assert timing.samples == 6 * 3 and timing.p99_ms == pytest.approx(1.0)


def test_each_variant_runs_at_its_own_thread_count() -> None:
    seen: dict[str, set[int]] = {"one": set(), "two": set()}
    found = harness.interleaved(
        {name: (lambda name=name: seen[name].add(torch.get_num_threads())) for name in seen},
        threads={"one": 1, "two": 2}, plan=harness.QUICK)
    assert seen == {"one": {1}, "two": {2}}
    assert found["one"].threads == 1 and found["two"].as_row()["threads"] == 2


def test_a_slow_call_gets_one_call_per_round_and_fewer_warm_ups() -> None:
    clock = FakeClock()
    fn, calls = scripted(clock, [100.0])
    plan = harness.Plan(rounds=6, block_s=0.001, warmup_s=0.25)
    timing = measure(fn, threads=1, clock=clock, plan=plan)
    assert timing.warmup == 3 and timing.samples == 6 and calls["n"] == 1 + 3 + 6


def test_rounds_interleave_the_variants_in_shuffled_orders() -> None:
    clock = FakeClock()
    seen: list[str] = []

    def call(name: str):
        def run() -> None:
            seen.append(name)
            clock.now += 0.001
        return run

    harness.interleaved({name: call(name) for name in "abc"}, threads=1, clock=clock,
                        plan=harness.Plan(rounds=8, block_s=0.001, warmup=10, warmup_s=0.0,
                                          min_s=0.0))
    timed = seen[3 * (1 + 2):]  # after each variant's cold call and two warm-ups
    rounds = [tuple(timed[i:i + 3]) for i in range(0, len(timed), 3)]
    assert len(rounds) == 8 and all(sorted(r) == ["a", "b", "c"] for r in rounds)
    assert len(set(rounds)) > 1  # not the same order every round


def test_a_stalled_round_is_measured_again_and_leaves_the_timing_clean() -> None:
    """The lab's process stopped for a moment mid-row: that round is thrown away and redone."""
    clock = FakeClock()
    calls = {"n": 0}

    def variant(ms: float, stall_at: int | None):
        def run() -> None:
            calls["n"] += 1
            clock.now += (ms + (400.0 if calls["n"] == stall_at else 0.0)) / 1e3
        return run

    plan = harness.Plan(rounds=8, block_s=0.001, warmup=10, warmup_s=0.0, min_s=0.0)
    # calls 1..6 are the two variants' cold calls and warm-ups; the stall hits a timed call
    found = harness.interleaved({"fast": variant(1.0, 12), "slow": variant(2.0, 12)},
                                threads=1, clock=clock, plan=plan)
    assert found["fast"].stalls == 1 and found["slow"].stalls == 1
    assert found.clean and found["fast"].rounds == 8
    assert max(found["fast"].rounds_ms) < 2.0 and max(found["slow"].rounds_ms) < 3.0
    speedup = found.speedup("slow", "fast")
    assert speedup.value == pytest.approx(2.0) and speedup.excludes(1.0)


def test_a_stall_that_keeps_coming_back_leaves_the_timing_noisy() -> None:
    clock = FakeClock()
    count = {"n": 0}

    def stalls_often() -> None:
        count["n"] += 1
        clock.now += (1.0 if count["n"] % 4 else 500.0) / 1e3

    plan = harness.Plan(rounds=8, block_s=0.0001, warmup=10, warmup_s=0.0, retries=1)
    timing = measure(stalls_often, threads=1, clock=clock, plan=plan)
    assert timing.noisy and timing.stalls == 1
    assert timing.median_ms == pytest.approx(1.0)  # the stalled rounds are left out


def test_a_budget_cuts_the_rounds_but_never_below_the_minimum() -> None:
    clock = FakeClock()
    fn, _ = scripted(clock, [50.0])
    plan = harness.Plan(rounds=30, block_s=0.001, warmup_s=0.0, budget_s=0.1)
    assert measure(fn, threads=1, clock=clock, plan=plan).rounds == 6


def test_a_plan_needs_enough_rounds_for_an_interval() -> None:
    with pytest.raises(ValueError):
        harness.Plan(rounds=5)


def test_real_sleeps_are_measured_loosely() -> None:
    timing = measure(lambda: time.sleep(0.002), threads=1, plan=harness.QUICK)
    assert 1.9 <= timing.median_ms < 50.0
    assert timing.low_ms <= timing.median_ms <= timing.high_ms
    assert timing.median_ms <= timing.p90_ms <= timing.p99_ms


def test_thread_count_is_held_during_the_call_and_recorded() -> None:
    before = torch.get_num_threads()
    seen: list[int] = []
    timing = measure(lambda: seen.append(torch.get_num_threads()), threads=1,
                     plan=harness.QUICK)
    assert set(seen) == {1}
    assert timing.as_row()["threads"] == 1 and timing.threads == 1
    assert torch.get_num_threads() == before


def test_calls_run_in_inference_mode_with_the_collector_paused() -> None:
    modes: list[tuple[bool, bool]] = []
    measure(lambda: modes.append((torch.is_inference_mode_enabled(), gc.isenabled())),
            threads=1, plan=harness.QUICK)
    assert all(mode == (True, False) for mode in modes)
    assert gc.isenabled()


def test_row_has_every_timing_column() -> None:
    clock = FakeClock()
    fn, _ = scripted(clock, [3.0, 1.0, 2.0])
    timing = measure(fn, threads=2, clock=clock, plan=harness.QUICK)
    row = timing.as_row()
    assert [col.key for col in harness.TIMING_COLUMNS] == [key for key in row
                                                           if key != "latency_ms_p99"]
    assert timing.as_row(samples=True) == {**row, "samples": timing.samples,
                                           "rounds": timing.rounds, "stalls": timing.stalls}
    assert row["latency_ms_cold"] == pytest.approx(3.0)
    assert all(not isinstance(v, float) or math.isfinite(v) for v in row.values())


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the legacy exporter says it is old
def test_torch_and_ort_helpers_time_a_real_model(tmp_path) -> None:
    model = models.build("mlp").eval()
    x = np.zeros((1, 64), dtype=np.float32)
    timing = measure(harness.torch_call(model, x), threads=1, plan=harness.QUICK)
    assert harness.QUICK.rounds <= timing.rounds <= harness.JUDGE_ROUNDS * harness.QUICK.rounds
    assert sum(timing.samples_ms) >= harness.QUICK.min_s / 2 and timing.median_ms > 0
    path = tmp_path / "mlp.onnx"
    torch.onnx.export(model, (torch.from_numpy(x),), str(path), dynamo=False,
                      input_names=["x"])
    optimized = tmp_path / "mlp-basic.onnx"
    session = harness.ort_session(path, threads=1, opt_level="basic", optimized_path=optimized)
    assert session.get_session_options().intra_op_num_threads == 1
    assert optimized.stat().st_size > 0  # the optimized graph, written as the session starts
    ort_timing = measure(harness.ort_call(session, {"x": x}), threads=1, plan=harness.QUICK)
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


def test_cpu_seconds_are_read_from_proc_stat(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  1000 50 200 9000 30 10 5 100 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n",
                    encoding="ascii")
    ticks = os.sysconf("SC_CLK_TCK")
    machine, mine = envinfo.cpu_seconds(stat)
    assert machine == pytest.approx((1000 + 50 + 200 + 10 + 5 + 100) / ticks)
    assert mine >= 0.0
    assert envinfo.cpu_seconds(tmp_path / "absent") is None


def test_other_programs_contend_only_for_cores_the_threads_needed(monkeypatch) -> None:
    monkeypatch.setattr(envinfo, "usable_cores", lambda: 2)
    assert envinfo.contended(2, 1.0) and envinfo.contended(1, 1.6)
    assert not envinfo.contended(1, 0.9)  # one thread still had a free core
    assert not envinfo.contended(2, 0.3) and not envinfo.contended(2, None)


def test_rounds_during_which_another_program_held_a_core_are_not_clean(monkeypatch) -> None:
    clock = FakeClock()
    fn, _ = scripted(clock, [1.0])
    # the machine got 1.2 s busier over the rounds, this process only 0.1 s of it
    readings = iter([(100.0, 10.0), (101.2, 10.1)])
    monkeypatch.setattr(harness, "cpu_seconds", lambda: next(readings))
    monkeypatch.setattr(envinfo, "usable_cores", lambda: 2)
    plan = harness.Plan(rounds=10, block_s=0.1, warmup_s=0.0)  # 1 s of rounds
    timing = measure(fn, threads=2, clock=clock, plan=plan)
    assert timing.others_cores == pytest.approx(1.1, rel=0.01) and timing.noisy
    assert timing.as_row()["others_cores"] == timing.others_cores


def test_onnx_runtime_threads_sleep_between_runs() -> None:
    options = harness.ort_session_options(2)
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert options.intra_op_num_threads == 2



def test_rounds_of_tiny_calls_last_long_enough_to_read_other_programs_share() -> None:
    clock = FakeClock()
    fn, _ = scripted(clock, [1.0])
    plan = harness.Plan(rounds=6, block_s=0.001, warmup_s=0.0, min_s=0.015)
    assert measure(fn, threads=1, clock=clock, plan=plan).rounds == 15
    capped = harness.Plan(rounds=6, block_s=0.001, warmup_s=0.0, min_s=1.0)
    assert measure(fn, threads=1, clock=clock, plan=capped).rounds == 6 * harness.JUDGE_ROUNDS


def test_shuffled_rounds_run_every_case_once_a_round_in_a_new_order() -> None:
    seen: list[tuple[int, str]] = []
    heard: list[int] = []

    def run(round_index: int, case: str) -> int:
        assert torch.is_inference_mode_enabled() and not gc.isenabled()
        seen.append((round_index, case))
        return round_index

    cases = [f"case {index}" for index in range(6)]
    results, _ = harness.shuffled_rounds(cases, 4, run, threads=1, seed=3,
                                         on_round=heard.append)
    assert results == {case: [0, 1, 2, 3] for case in cases}
    assert heard == [1, 2, 3, 4] and gc.isenabled()
    orders = [[case for index, case in seen if index == round_index] for round_index in range(4)]
    assert all(sorted(order) == cases for order in orders)
    assert len({tuple(order) for order in orders}) > 1  # shuffled afresh, not once
