"""The shared reading vocabulary, fed synthetic rows: each case picks its own sentence."""

from __future__ import annotations

import pytest

from studyapp.labs.readings import (
    bound_sentence,
    busy_cpu_caution,
    cautions,
    measurement_caution,
    plot_roofline,
    read_roofline,
    times,
    verdict,
)
from studyapp.labs.roofline import Ceiling, Roofline, Work, place
from studyapp.labs.stats import Interval
from studyapp.text import Text

ROOF = Roofline((Ceiling(2, 100.0, 20.0, 80.0),), "2026-11-30T09:00:00+00:00", 0.2, 32_000_000)
FASTER, SLOWER, SAME = Text("по-бързо", "faster"), Text("по-бавно", "slower"), Text("=", "=")


@pytest.mark.parametrize(("speedup", "en", "bg"), [
    (Interval(2.9, 2.71, 3.05), "×2.90 faster (×2.71–3.05)", "×2.90 по-бързо (×2.71–3.05)"),
    (Interval(0.7, 0.66, 0.74), "×0.70, slower (×0.66–0.74)", "×0.70, по-бавно (×0.66–0.74)"),
    (Interval(1.63, 0.98, 2.4), "no measurable difference (×0.98–2.40)",
     "без измерима разлика (×0.98–2.40)"),
    (Interval(1.02, 1.0, 1.02), "no measurable difference (×1.00–1.02)",
     "без измерима разлика (×1.00–1.02)"),
    (None, "not measured", "не е измерено"),
])
def test_a_ratio_is_said_as_its_interval_allows(speedup: Interval | None, en: str,
                                                bg: str) -> None:
    assert times(speedup) == Text(bg, en)


def test_the_verdict_follows_the_interval_not_the_median() -> None:
    assert verdict(Interval(1.63, 0.98, 2.4), FASTER, SLOWER, SAME) == SAME
    assert verdict(Interval(1.05, 1.01, 1.09), FASTER, SLOWER, SAME) == FASTER
    assert verdict(Interval(0.5, 0.4, 0.6), FASTER, SLOWER, SAME) == SLOWER
    assert verdict(Interval(1.0, 0.9, 1.1), FASTER, SLOWER) == Text("", "")
    assert verdict(None, FASTER, SLOWER, SAME) == Text("", "")


def timed(variant: str, noisy: bool = False, stalls: int = 0, batch: int | None = 1) -> dict:
    return {"variant": variant, "variant_bg": f"{variant} (bg)", "batch_size": batch,
            "latency_ms_median": 1.0, "noisy": noisy, "stalls": stalls}


def test_a_clean_run_says_nothing_of_its_measurement() -> None:
    assert measurement_caution([timed("a"), timed("b"), {"variant": "skipped"}]) is None


def test_stalled_rounds_measured_again_are_said_and_the_run_stays_clean() -> None:
    said = measurement_caution([timed("a", stalls=2), timed("b", stalls=1)])
    assert said is not None and said.en.startswith("Up to 2 rounds stalled")
    assert "No review cards" not in said.en and said.bg.startswith("До 2 кръга заседнаха")


def test_a_disturbed_run_names_its_rows_and_offers_no_cards() -> None:
    said = measurement_caution([timed("fp32"), timed("int8", noisy=True, batch=64),
                                timed("ORT fp32", noisy=True) | {"model": "wide_mlp"}])
    assert said is not None
    assert said.en.startswith("Could not measure cleanly: int8, batch 64; wide_mlp ORT fp32, "
                              "batch 1 —")
    assert "offers no review cards" in said.en
    assert "int8 (bg), пакет 64" in said.bg and "не се предлагат карти" in said.bg


def test_a_disturbed_run_names_four_rows_and_counts_the_rest() -> None:
    said = measurement_caution([timed(f"v{index}", noisy=True) for index in range(7)])
    assert said is not None
    assert said.en.startswith("Could not measure cleanly: v0, batch 1; v1, batch 1; v2, batch 1; "
                              "v3, batch 1; and 3 more —")
    assert "v3 (bg), пакет 1; и още 3 —" in said.bg


def test_a_busy_cpu_is_said_only_when_the_load_reached_the_cores() -> None:
    assert busy_cpu_caution(None, 2) is None and busy_cpu_caution(1.2, 2) is None
    said = busy_cpu_caution(4.3, 2)
    assert said is not None and "4.3 on 2 cores" in said.en
    assert cautions(None, [timed("a", noisy=True)])[0].en.startswith("Could not measure")


def placed(ms: float, flops: float, nbytes: float, batch: int) -> dict:
    return place({"latency_ms_median": ms, "threads": 2, "batch_size": batch},
                 Work(flops, nbytes), ROOF)


MEMORY = placed(3.4, 34e6, 68e6, 1)  # 0.5 FLOP/B from memory, 10 GFLOP/s of the 10 allowed
COMPUTE = placed(100.0, 8.7e9, 70e6, 256)  # 124 FLOP/B, 87 GFLOP/s of 100
OVERHEAD = placed(0.1, 0.6e6, 0.15e6, 1)  # a CNN's 150 kB in cache, 6 GFLOP/s


@pytest.mark.parametrize(("row", "en", "bg"), [
    (MEMORY, "Batch 1: 0.5 FLOP/B is below the ridge 5 (data from memory) → memory-bound; 10 "
     "GFLOP/s is 100% of what it allows", "под прага 5 (данни от паметта) → ограничен от паметта"),
    (COMPUTE, "Batch 256: 124 FLOP/B is above the ridge 5 (data from memory) → compute-bound; 87 "
     "GFLOP/s is 87% of the peak", "ограничен от изчисленията"),
    (OVERHEAD, "Batch 1: its 150 kB of weights and data sit in the cache and the roofline allows "
     "0.006 ms, yet a call takes 0.1 ms → overhead-bound", "постоянните разходи"),
])
def test_each_bound_class_has_its_own_sentence(row: dict, en: str, bg: str) -> None:
    said = bound_sentence(row, Text(f"Пакет {row['batch_size']}", f"Batch {row['batch_size']}"))
    assert said.en.startswith(en) and bg in said.bg


def test_a_sweep_from_memory_to_compute_explains_the_shared_weight_read() -> None:
    said = read_roofline([MEMORY, COMPUTE], ROOF)
    assert said.en.startswith("This machine's roofline at 2 threads: 100 GFLOP/s, 20.0 GB/s "
                              "from memory (ridge 5.0 FLOP/B) and 80 GB/s from the cache.")
    assert "the same read serves the whole batch" in said.en
    assert "fixed costs" not in said.en


def test_an_overhead_bound_start_says_so_and_never_that_weights_come_from_memory() -> None:
    said = read_roofline([OVERHEAD, COMPUTE], ROOF)
    assert "overhead-bound" in said.en
    assert "At batch 1 a call pays mostly its fixed costs" in said.en
    assert "read from memory" not in said.en
    assert "главно за постоянните му разходи" in said.bg


def test_one_row_is_placed_once() -> None:
    said = read_roofline([MEMORY], ROOF)
    assert said.en.count("Batch 1:") == 1


def test_rows_at_one_thread_are_read_on_the_one_thread_roofline() -> None:
    roof = Roofline((Ceiling(2, 100.0, 20.0, 80.0), Ceiling(1, 60.0, 12.0, 50.0)),
                    "2026-11-30T09:00:00+00:00", 0.2, 32_000_000)
    row = place({"latency_ms_median": 0.1, "threads": 1, "batch_size": 1},
                Work(0.6e6, 0.15e6), roof)
    said = read_roofline([row], roof)
    assert said.en.startswith("This machine's roofline at 1 thread: 60 GFLOP/s")
    assert said.bg.startswith("Roofline на тази машина при 1 нишка:")
    assert "Below the ridge" not in said.en  # nothing here is bound by bytes or arithmetic


def test_the_roofline_plot_draws_both_roofs_and_each_group_of_rows() -> None:
    import io

    from studyapp.labs.events import Emitter, Series, decode

    out = io.StringIO()
    plot_roofline(Emitter(out), ROOF, [(Text("cpu", "cpu"), [MEMORY, COMPUTE]),
                                       (Text("празно", "empty"), [{"variant": "skipped"}])])
    series = [decode(line) for line in out.getvalue().splitlines()]
    assert [s.name.en for s in series] == ["roofline (memory)", "roofline (cache)", "cpu"]
    assert all(isinstance(s, Series) and s.log_x and s.log_y for s in series)
    memory = series[0]
    assert max(memory.y) == pytest.approx(100.0)  # flat at the peak past the ridge
    assert memory.x[0] <= 0.25 and memory.x[-1] >= 2 * 124
    assert series[2].x == (MEMORY["arithmetic_intensity"], COMPUTE["arithmetic_intensity"])


def test_a_row_crowded_by_other_programs_says_how_many_cores_they_took() -> None:
    crowded = timed("ORT all", noisy=True) | {"others_cores": 1.14}
    said = measurement_caution([timed("torch"), crowded])
    assert said is not None
    assert "other programs kept 1.1 cores busy on average while they were timed" in said.en
    assert "други програми заемаха средно 1.1 ядра" in said.bg


@pytest.mark.parametrize(("value", "shown"), [
    (0.0085, "×0.0085"), (0.7, "×0.70"), (2.9, "×2.90"), (14.27, "×14.3"), (166.0, "×166")])
def test_a_factor_keeps_about_three_digits(value: float, shown: str) -> None:
    from studyapp.labs.readings import factor

    assert factor(value) == shown
