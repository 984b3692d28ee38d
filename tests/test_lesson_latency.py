"""The latency lab's lesson, fed synthetic rows: each case picks its own sentence, its measured
answer and its cards."""

from __future__ import annotations

from typing import Any

import pytest

from studyapp.labs.findings import put_interval
from studyapp.labs.lessons import latency as lesson
from studyapp.labs.predictions import measured
from studyapp.labs.readings import cautions
from studyapp.labs.result_cards import result_cards
from studyapp.labs.roofline import Ceiling, Roofline, Work, place
from studyapp.labs.stats import Interval

HERE = {"threads": 2, "device": "cpu", "status": "ok", "model": "mlp", "batch_size": 1}
ROOF = Roofline((Ceiling(2, 100.0, 20.0, 80.0), Ceiling(1, 60.0, 12.0, 50.0)),
                "2026-11-30T09:00:00+00:00", 0.2, 32_000_000)
SAME = Interval(1.0, 0.98, 1.04)


def cold(index: int, ms: float, trained_first: bool = False) -> dict[str, Any]:
    example = ms * 1.01
    return {"variant": f"1st call, fresh process {index}", "measurement": "cold",
            "latency_ms_cold": example, "latency_ms_cold_perf_counter": ms,
            "latency_ms_second": 0.1, "seed_printout": f"Inference time: {example / 1e3:.4f} "
            "seconds", "trained_first": trained_first,
            "train_seconds": 1.2 if trained_first else None, "samples": 1, **HERE}


def timing(measurement: str, median: float, p99: float, threads: int,
           noisy: bool = False, stalls: int = 0) -> dict[str, Any]:
    return {"variant": measurement, "measurement": measurement, **HERE, "threads": threads,
            "latency_ms_median": median, "latency_ms_low": median * 0.97,
            "latency_ms_high": median * 1.04, "latency_ms_p90": median * 1.12,
            "latency_ms_p99": p99, "latency_ms_min": median * 0.9, "latency_ms_max": p99 * 2,
            "spread": 1.12, "noisy": noisy, "rounds": 15, "samples": 3600, "warmup": 10,
            "stalls": stalls}


def rows(cold_ms: tuple[float, ...] = (0.55, 0.52, 0.60), median: float = 0.042,
         p99: float = 0.09, speedup: Interval | None = SAME, bound: str | None = "overhead",
         trained_first: bool = False, noisy: bool = False,
         stalls: int = 0) -> list[dict[str, Any]]:
    """One run: fresh processes, single readings, the harness at 2 threads (with its speed-up
    over one thread) and at one, the clocks; `bound` places the harness row."""
    main = timing("harness", median, p99, 2, noisy, stalls)
    put_interval(main, "speedup", speedup)
    if bound == "overhead":
        place(main, Work(100e3, 200e3), ROOF)
    elif bound == "compute":
        place(main, Work(400e6, 1e6), ROOF)
    assert main.get("bound") == bound
    one = timing("one_thread", median * (speedup.value if speedup else 1.0), p99, 1)
    singles = {"variant": "20 × time.time()", "measurement": "singles", **HERE,
               "latency_ms_min": 0.045, "latency_ms_max": 0.35, "latency_ms_median": 0.05,
               "samples": 20}
    clocks = [{"variant": "time.time()", "measurement": "clock", "step_ns": 238.0, **HERE},
              {"variant": "time.perf_counter()", "measurement": "clock", "step_ns": 50.0,
               **HERE}]
    return [*(cold(i, ms, trained_first) for i, ms in enumerate(cold_ms, start=1)), singles,
            main, *([one] if speedup else []), *clocks]


LATENCY = rows()


def en(texts: list) -> str:
    return " ".join(text.en for text in texts)


def test_the_measured_answer_is_the_fresh_processes_cold_call_against_the_warm_median() -> None:
    answer = measured("latency", LATENCY)
    assert answer is not None and answer.choice == 2 and list(answer.choices) == [2]
    assert answer.text.en == ("first call in a fresh process 0.550 ms (3 processes: "
                              "0.520–0.600 ms), warm median 0.042 ms: ×13 (×12–15)")
    assert answer.text.bg.startswith("първото извикване в нов процес 0.550 ms (3 процеса")


def test_the_cold_call_is_read_like_the_example_with_both_clocks() -> None:
    said = lesson.read_cold(lesson.cold_call(LATENCY))
    assert said.en.startswith(
        "In 3 fresh Python processes that each loaded the cached model, the first call, timed "
        "like the example with time.time(), took 0.556 ms (the example would print "
        "\"Inference time: 0.0006 seconds\"); perf_counter around the same call: 0.550 ms "
        "(0.520–0.600 ms) — ×13 (×12–15) the warm median of 0.042 ms. The second call in the "
        "same process took 0.100 ms.")
    assert "trained first" not in said.en
    assert "„Inference time: 0.0006 seconds“" in said.bg


def test_a_process_that_had_to_train_the_model_is_not_a_cold_call() -> None:
    run = [row | {"from_cache": False} if row.get("variant", "").endswith("3") else row
           for row in LATENCY]
    found = lesson.cold_call(run)
    assert found is not None and found.processes == 2


def test_a_model_trained_first_in_this_run_is_said_so() -> None:
    said = lesson.read_cold(lesson.cold_call(rows(trained_first=True)))
    assert "The model had to be trained first in this run (1.2 s) and was cached" in said.en
    assert "Моделът трябваше първо да се обучи в това пускане (1.2 s)" in said.bg


def test_a_cold_call_within_the_warm_interval_is_no_measurable_difference_and_no_card() -> None:
    close = rows(cold_ms=(0.041, 0.043, 0.045))
    said = lesson.read_cold(lesson.cold_call(close))
    assert "no measurable difference from the warm median of 0.042 ms (×0.94–1.10)" in said.en
    assert "без измерима разлика от топлата медиана" in said.bg
    assert not [card for card in result_cards("latency", close, [said]) if "fresh" in
                card.front.en]


def test_the_harness_row_replaces_the_cv_sentence_with_its_interval_and_tail() -> None:
    said = lesson.read_harness(lesson.harness_row(LATENCY))
    assert said.en == (
        "The harness ran 15 interleaved rounds (3600 timed calls after 10 warm-up calls) with "
        "perf_counter at 2 threads: median 0.042 ms (95% interval from the rounds: "
        "0.041–0.044 ms), p90 0.047 ms, p99 0.090 ms. Spread p90/median 1.12: nine calls in "
        "ten take at most 1.12× the median, one in a hundred 2.1× or longer.")
    assert "CV" not in said.en and "девет извиквания от десет" in said.bg


@pytest.mark.parametrize(("speedup", "bound", "said", "card"), [
    (Interval(1.8, 1.6, 2.0), "compute", "×1.80 faster (×1.60–2.00). The call has enough work "
     "to share between threads.", "When do more threads help?"),
    (SAME, "overhead", "no measurable difference (×0.98–1.04). The load average", None),
    (Interval(0.7, 0.65, 0.76), "overhead", "×0.70, slower (×0.65–0.76). The call is "
     "overhead-bound (see the roofline)", "Why can more threads slow a small call down?"),
    (Interval(0.9, 0.86, 0.94), "overhead", "×0.90, slower (×0.86–0.94). The call is "
     "overhead-bound", None),  # measurable, but not worth a card
    (Interval(0.7, 0.65, 0.76), "compute", "×0.70, slower (×0.65–0.76). The load average",
     None),
])
def test_one_thread_against_two_follows_the_interval(speedup: Interval, bound: str, said: str,
                                                    card: str | None) -> None:
    run = rows(speedup=speedup, bound=bound)
    found = lesson.threads(run)
    assert found is not None and not found.busy
    text = lesson.read_threads(found, 0.4, 2)
    assert said in text.en and "The load average as the lab started was 0.4 on 2 cores." \
        in text.en
    assert "натоварването" in text.bg.lower()
    asked = [c.front.en.split(". ")[-1].split(") ")[-1] for c in result_cards("latency", run, [])
             if "thread" in c.front.en]
    assert asked == ([card] if card else [])


def test_two_threads_far_slower_than_one_is_a_busy_core_not_the_model() -> None:
    busy = rows(speedup=Interval(0.004, 0.003, 0.005), median=58.0, p99=70.0, bound=None)
    found = lesson.threads(busy)
    assert found is not None and found.busy
    text = lesson.read_threads(found, 2.9, 2)
    assert "another program is keeping the other core busy" in text.en
    assert "This says nothing about the model" in text.en
    assert "2.9 on 2 cores" in text.en and "друга програма държи другото ядро" in text.bg
    assert result_cards("latency", busy, [text]) == []
    assert measured("latency", busy) is None


def test_a_slow_down_short_of_a_busy_core_is_said_as_measured() -> None:
    found = lesson.threads(rows(speedup=Interval(0.7, 0.62, 0.8), bound="compute"))
    assert found is not None and not found.busy  # ×1.25–1.6 slower: not all beyond ×1.5
    assert "busy" not in lesson.read_threads(found, None, 2).en


def test_the_clocks_say_whether_resolution_or_spread_is_the_problem() -> None:
    fine = lesson.read_clocks(LATENCY, 0.042)
    assert fine is not None and "Resolution is not the problem here" in fine.en
    coarse = [row | {"step_ns": 15.6e6} if row["variant"] == "time.time()" else row
              for row in LATENCY]
    said = lesson.read_clocks(coarse, 0.042)
    assert said is not None and "comparable to the call: it can barely see it" in said.en
    assert "perf_counter е монотонен" in said.bg


def test_a_call_whose_weights_sit_in_the_cache_is_overhead_bound_on_the_roofline() -> None:
    said = lesson.read_roofline(lesson.harness_row(LATENCY), ROOF)
    assert said.en.startswith("This machine's roofline at 2 threads: 100 GFLOP/s, 20.0 GB/s "
                              "from memory, 80 GB/s from the cache. Batch 1: its 200 kB")
    assert "overhead-bound" in said.en and "постоянните разходи" in said.bg


def test_the_reading_follows_the_measurements_in_order() -> None:
    said = lesson.reading(LATENCY, ROOF, 0.4, 2)
    starts = [text.en.split(" ")[0] for text in said]
    assert starts == ["In", "20", "The", "With", "time.time()", "This"]
    assert all(text.bg and text.en and text.bg != text.en for text in said)
    assert len(lesson.reading(LATENCY, None, 0.4, 2)) == 5


def test_a_clean_run_offers_the_cold_and_tail_cards_with_their_numbers() -> None:
    run = rows(p99=0.09)
    reading = lesson.reading(run, ROOF, 0.4, 2)
    cards = result_cards("latency", run, reading)
    assert [card.front.en.split("). ")[-1] for card in cards] == [
        "Why?", "Why report percentiles rather than one mean?"]
    assert "took 0.550 ms (3 processes: 0.520–0.600 ms) and the warm median is 0.042 ms " \
           "(×13 (×12–15))" in cards[0].front.en
    assert "Your p99 is 0.090 ms with a median of 0.042 ms (×2.14)" in cards[1].front.en
    assert all("From the run's reading" in card.back.en and card.back.bg for card in cards)


def test_the_percentile_card_says_whether_this_run_had_a_long_tail_or_a_short_one() -> None:
    long, short = (next(card for card in result_cards("latency", rows(p99=p99), [])
                        if "p99" in card.front.en) for p99 in (0.09, 0.05))
    assert long.back.en.endswith("Here one call in a hundred takes ×2.14 the median.")
    assert short.back.en.endswith("Here the tail is short (p99 ×1.19 the median), but under "
                                  "load — other processes, a busy server — it grows.")
    assert "опашката е къса" in short.back.bg


def test_stalled_rounds_measured_again_are_said_and_the_cards_stay() -> None:
    run = rows(stalls=2)
    assert en(cautions(None, run)).startswith("Up to 2 rounds stalled")
    assert result_cards("latency", run, [])


def test_a_run_that_could_not_measure_cleanly_gives_no_answer_and_no_cards() -> None:
    run = rows(noisy=True)
    assert measured("latency", run) is None and result_cards("latency", run, []) == []
    assert en(cautions(None, run)).startswith("Could not measure cleanly: mlp harness, batch 1")
