"""Labs benchmark: each lab's default wall time, the harness against torch's own Timer, and
the spread of the roofline probe.

1. Wall time of every lab at its default size, as a learner starts it (`studyapp lab run`
   does the same: a child process, parent-side wall time). The first pass runs on an empty
   data folder, so models are trained, exported and the roofline probed; later passes reuse
   the cache. Target: <= 20 s per lab on 2 CPU cores at load <= 1.
2. The harness median against `torch.utils.benchmark.Timer.blocked_autorange` on the same
   model, input and thread count, both under `torch.inference_mode()`, interleaved: a short
   harness measurement, then a short Timer measurement, round after round, so both see the
   same machine (its speed moves by tens of percent within seconds here); the median of the
   per-round ratios is compared, with its interval. Target: within 5% on every row. Timer
   takes the median of block means, the harness the median of its rounds' block medians.
3. The roofline probe run five times in a row at each thread count: the spread (max / min)
   of its peak and its bandwidth says how far one probe on this machine can be trusted.

Run: .venv/bin/python benchmarks/bench_labs.py [--labs a,b] [--passes N] [--skip-labs]
     [--skip-timer] [--skip-probe] [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile

from studyapp.labs import registry
from studyapp.labs.envinfo import cpu_info, load_average, usable_cores
from studyapp.labs.runner import run_lab

LAB_TARGET_S = 20.0
TIMER_TOLERANCE = 0.05
ROUND_S = 0.05  # each tool's share of one round
PROBES = 5
TIMER_CASES = (("mlp", 1), ("cnn", 64), ("wide_mlp", 1))  # (model, batch)


def bench_labs(labs: list[str], passes: int) -> bool:
    print(f"1. Default wall time per lab (target <= {LAB_TARGET_S:.0f} s), "
          f"pass 1 on an empty cache; load average {load_average()}")
    print(f"   {'lab':<9} " + " ".join(f"{f'pass {n + 1}':>9}" for n in range(passes))
          + "  status")
    all_ok = True
    with tempfile.TemporaryDirectory(prefix="bench-labs-") as folder:
        os.environ["STUDYAPP_DATA_DIR"] = folder
        for lab in labs:
            times, statuses = [], []
            for _ in range(passes):
                run = run_lab(lab, {"size": "default"}, timeout_s=600)
                times.append(run.duration_s)
                statuses.append(run.status if run.status == "ok" else
                                f"{run.status}: {run.error.en if run.error else ''}")
            ok = all(status == "ok" for status in statuses) and max(times[1:] or times) <= (
                LAB_TARGET_S)
            all_ok = all_ok and ok
            print(f"   {lab:<9} " + " ".join(f"{seconds:8.1f}s" for seconds in times)
                  + f"  {', '.join(sorted(set(statuses)))}{'' if ok else '  <- over target'}")
    return all_ok


def bench_timer(threads_list: list[int], repeats: int) -> bool:
    import torch
    from torch.utils.benchmark import Timer

    from studyapp.labs import harness, models, stats
    from studyapp.labs.digits import sample_batch

    print(f"2. Harness vs torch.utils.benchmark.Timer, {repeats} interleaved rounds of "
          f"{ROUND_S * 1e3:.0f} ms each (target: median ratio within {TIMER_TOLERANCE:.0%}); "
          f"load average {load_average()}")
    print(f"   {'model':<9} {'batch':>5} {'threads':>7} {'harness ms':>11} {'Timer ms':>9} "
          f"{'ratio':>6} {'95% interval':>13}  {'p90/median':>10}")
    plan = harness.Plan(rounds=6, block_s=ROUND_S / 6, warmup_s=0.01)
    all_ok = True
    for name, batch in TIMER_CASES:
        torch.manual_seed(0)
        model = models.build(name).eval()
        x = torch.from_numpy(sample_batch(batch))
        for threads in threads_list:
            ours, theirs, spread = [], [], []
            timer = Timer("model(x)", globals={"model": model, "x": x}, num_threads=threads)
            for _ in range(repeats):
                timing = harness.measure(lambda model=model, x=x: model(x), threads=threads,
                                         plan=plan)
                ours.append(timing.median_ms)
                spread.append(timing.spread)
                with torch.inference_mode():
                    theirs.append(timer.blocked_autorange(min_run_time=ROUND_S).median * 1e3)
            ratio = stats.paired_ratio(theirs, ours)  # harness time / Timer time, per round
            ok = abs(ratio.value - 1) <= TIMER_TOLERANCE
            all_ok = all_ok and ok
            print(f"   {name:<9} {batch:>5} {threads:>7} {statistics.median(ours):11.4f} "
                  f"{statistics.median(theirs):9.4f} {1 / ratio.value:6.3f} "
                  f"{1 / ratio.high:6.3f}–{1 / ratio.low:<6.3f}  "
                  f"{statistics.median(spread):10.2f}{'' if ok else '  <- apart'}")
    return all_ok


def bench_probe(threads: int) -> None:
    from studyapp.labs.roofline_probe import probe

    print(f"3. Roofline probe, {PROBES} probes in a row; load average {load_average()}")
    probes = [probe(threads) for _ in range(PROBES)]
    print(f"   {'threads':>7} {'what':<22} {'min':>8} {'median':>8} {'max':>8} {'max/min':>8}")
    for ceiling in probes[0].ceilings:
        for label, unit, pick in (
                ("peak", "GFLOP/s", lambda c: c.peak_gflops),
                ("bandwidth", "GB/s", lambda c: c.bandwidth_gbs),
                ("cache bandwidth", "GB/s", lambda c: c.cache_bandwidth_gbs)):
            values = [pick(found.at(ceiling.threads)) for found in probes]
            print(f"   {ceiling.threads:>7} {f'{label}, {unit}':<22} {min(values):8.1f} "
                  f"{statistics.median(values):8.1f} {max(values):8.1f} "
                  f"{max(values) / min(values):8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", default=",".join(
        lab for lab in registry.lab_ids() if registry.is_available(lab)),
        help="comma-separated lab ids (default: every available lab)")
    parser.add_argument("--passes", type=int, default=2, help="runs per lab (default 2)")
    parser.add_argument("--repeats", type=int, default=21,
                        help="interleaved harness/Timer rounds per case (default 21)")
    parser.add_argument("--skip-labs", action="store_true")
    parser.add_argument("--skip-timer", action="store_true")
    parser.add_argument("--skip-probe", action="store_true")
    args = parser.parse_args()

    info = cpu_info()
    print(f"{info['cpu_model']} · {info['usable_cores']} cores · load average "
          f"{info['load_average_1m']}")
    ok = True
    if not args.skip_labs:
        ok = bench_labs([lab for lab in args.labs.split(",") if lab], args.passes) and ok
    if not args.skip_timer:
        ok = bench_timer(sorted({1, usable_cores()}), args.repeats) and ok
    if not args.skip_probe:
        bench_probe(usable_cores())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
