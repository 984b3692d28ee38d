"""The prune lab's lesson, fed synthetic rows: each case picks its own sentence, its measured
answer and its cards."""

from __future__ import annotations

from typing import Any

import pytest

from studyapp.labs.findings import put_interval
from studyapp.labs.lessons import prune as lesson
from studyapp.labs.predictions import measured
from studyapp.labs.result_cards import result_cards
from studyapp.labs.roofline import Ceiling, Roofline, Work, place
from studyapp.labs.stats import Interval
from studyapp.text import Text

HERE = {"threads": 2, "device": "cpu", "status": "ok", "batch_size": 256}
ROOF = Roofline((Ceiling(2, 100.0, 20.0, 80.0),), "2026-11-30T09:00:00+00:00", 0.2, 32_000_000)
DENSE_MS = 0.4
SAME, FASTER, SLOWER = Interval(1.01, 0.97, 1.06), Interval(2.2, 2.0, 2.4), \
    Interval(0.75, 0.7, 0.8)
SPARSE_SLOWER = Interval(0.93, 0.9, 0.98)


def accuracy(method: str, amount: float, correct: int, lost: int = 0, gained: int = 0,
             tuned: bool = False, **extra: Any) -> dict[str, Any]:
    return {"variant": f"{method} {amount:.0%}{' +FT' if tuned else ''}", "method": method,
            "amount": amount, "sparsity": amount, "fine_tuned": tuned,
            "accuracy": correct / 355, "correct_images": correct, "test_images": 355,
            "lost_images": lost, "gained_images": gained, "params_count": 50826,
            "shapes": "256×64, 128×256, 10×128", **HERE, **extra}


def timed(row: dict[str, Any], speedup: Interval | None, noisy: bool = False,
          flops: float = 25.8e6) -> dict[str, Any]:
    ms = DENSE_MS / speedup.value if speedup else DENSE_MS
    row |= {"latency_ms_median": ms, "latency_ms_low": ms * 0.95, "latency_ms_high": ms * 1.05,
            "noisy": noisy, "stalls": 0}
    put_interval(row, "speedup", speedup)
    return place(row, Work(flops, 280e3), ROOF)


def sweep(unstructured: Interval = SAME, structured: Interval = FASTER,
          masked: Interval = SLOWER, csr: Interval | None = SPARSE_SLOWER,
          plain_top: tuple[int, int, int] = (224, 124, 0),
          tuned_top: tuple[int, int, int, int, int] = (297, 52, 1, 78, 5),
          noisy: bool = False) -> list[dict[str, Any]]:
    """A quick run's rows: dense, 50% and 90% zeros (as pruned and fine-tuned), the 90% zeros
    masked and as CSR, and −50% neurons; `plain_top`: correct, lost, gained at 90% before
    fine-tuning, `tuned_top` the same after it with the images fixed and broken."""
    correct, lost, gained = plain_top
    t_correct, t_lost, t_gained, fixed, broken = tuned_top
    top = accuracy("unstructured", 0.9, t_correct, t_lost, t_gained, tuned=True,
                   fixed_images=fixed, broken_images=broken, size_bytes=203304,
                   size_bytes_csr=43508, size_bytes_csr_int64=65268)
    rows = [
        timed(accuracy("dense", 0.0, 348, size_bytes=203304, size_bytes_csr=406620,
                       size_bytes_csr_int64=609936), None, noisy),
        accuracy("unstructured", 0.5, 347, 2, 1),
        timed(accuracy("unstructured", 0.5, 348, 1, 1, tuned=True, fixed_images=1,
                       broken_images=0, size_bytes=203304, size_bytes_csr=204892,
                       size_bytes_csr_int64=307344), Interval(0.99, 0.95, 1.04)),
        accuracy("unstructured", 0.9, correct, lost, gained),
        timed(top, unstructured),
        timed(accuracy("masked", 0.9, t_correct, t_lost, t_gained), masked),
        accuracy("structured", 0.5, 327, 21, 0, params_count=17226,
                 shapes="128×64, 64×128, 10×64"),
        timed(accuracy("structured", 0.5, 349, 0, 1, tuned=True, fixed_images=22,
                       broken_images=0, params_count=17226, shapes="128×64, 64×128, 10×64"),
              structured, flops=8.6e6),
    ]
    if csr is not None:
        row = accuracy("csr", 0.9, t_correct, t_lost, t_gained)
        row |= {"latency_ms_median": DENSE_MS / csr.value, "noisy": False}
        put_interval(row, "speedup", csr)
        rows.append(row)
    return rows


def english(texts: list) -> str:
    return " ".join(text.en for text in texts)


def bulgarian(texts: list) -> str:
    return " ".join(text.bg for text in texts)


@pytest.mark.parametrize(("worse", "better", "change"), [
    (0, 0, 0), (5, 0, 0), (6, 0, -1), (0, 6, 1), (124, 0, -1), (10, 4, 0), (30, 10, -1)])
def test_the_sign_test_says_what_355_images_resolve(worse: int, better: int,
                                                     change: int) -> None:
    assert lesson.sign_test(worse, better) == change


def test_accuracy_holds_while_the_images_pass_for_chance_and_falls_where_they_do_not() -> None:
    said = lesson.read_accuracy(sweep())
    assert said[0].en.startswith("The dense model gets 348 of 355 test images right (98.0%); "
                                 "one image is 0.28 percentage points.")
    assert ("stays level with the dense model up to 50% and first drops measurably at 90%: "
            "63.1% (−34.9 percentage points; 124 images lost, 0 gained)") in said[0].en
    assert "до 50% и пада измеримо за първи път при 90%" in said[0].bg
    assert "fixed 78 images and broke 5: the remaining weights took over" in said[1].en
    assert "поправи 78 от изображенията и развали 5" in said[1].bg
    assert ("−50%: 92.1% (−5.9 percentage points; 21 images lost, 0 gained) — measurably lower, "
            "after fine-tuning 98.3% (+0.3 percentage points; 0 images lost, 1 gained) — level"
            in said[2].en)


def test_one_image_is_one_image_in_both_languages() -> None:
    assert lesson.lost_and_gained(1, 0) == Text("загубени изображения: 1, спечелени: 0",
                                                "1 image lost, 0 gained")
    assert lesson.lost_and_gained(1, 2, 355).en == "1 of 355 images lost, 2 gained"


def test_accuracy_that_never_drops_measurably_stays_level_to_the_end() -> None:
    said = lesson.read_accuracy(sweep(plain_top=(345, 5, 2), tuned_top=(347, 2, 1, 3, 1)))
    assert ("stays level with the dense model up to 90%: 97.2% (−0.8 percentage points; "
            "5 images lost" in said[0].en)
    assert "fixed 3 images and broke 1: a difference the test set cannot tell from chance" \
        in said[1].en
    assert "разлика, която тестовото множество не може да различи" in said[1].bg


def test_a_drop_at_the_first_level_is_said_without_a_level_before_it() -> None:
    rows = [row | {"lost_images": 40, "correct_images": 308, "accuracy": 308 / 355}
            if row["method"] == "unstructured" and not row["fine_tuned"] else row
            for row in sweep()]
    said = lesson.read_accuracy(rows)
    assert "unstructured model first drops measurably at 50%" in said[0].en
    assert "; at 90% it is 86.8%" in said[0].en


def test_zeros_in_a_dense_kernel_make_no_measurable_difference() -> None:
    said = lesson.read_latency(sweep())
    unstructured = said[0]
    assert unstructured.en.startswith(
        "Unstructured, 90% zeros: 0.396 ms against 0.400 ms for the dense model — no "
        "measurable difference (×0.97–1.06).")
    assert "No level from 50% to 90% differs measurably." in unstructured.en
    assert "a dense kernel (GEMM, convolution) multiplies a zero like any other weight" \
        in unstructured.en
    assert "без измерима разлика" in unstructured.bg and "умножава нулата" in unstructured.bg
    assert "small difference" not in unstructured.en
    assert "work 25.8 MFLOP per 256 digits" in unstructured.en


def test_a_small_measured_speed_up_still_comes_with_the_dense_kernel_sentence() -> None:
    said = lesson.read_latency(sweep(unstructured=Interval(1.08, 1.04, 1.12)))[0]
    assert "×1.08 faster (×1.04–1.12)" in said.en
    assert "From 50% to 90% the speed-ups lie between ×0.99 and ×1.08." in said.en
    assert "multiplies a zero like any other weight" in said.en
    assert "The small difference does not come from skipped zeros." in said.en
    assert "Малката разлика не идва от пропуснати нули." in said.bg


def test_a_large_speed_up_from_zeros_is_not_credited_to_fewer_multiplications() -> None:
    rows = sweep(unstructured=Interval(3.0, 2.6, 3.3))
    said = lesson.read_latency(rows)
    assert "×3.00 faster (×2.60–3.30)" in said[0].en
    assert "the difference does not come from fewer multiplications" in said[0].en
    assert "multiplies a zero" not in english(said)
    assert "Zeros pay only" not in english(said)  # the rows do not show it
    assert not [card for card in result_cards("prune", rows, said)
                if "rarely speed things up" in card.front.en]


def test_the_mask_before_prune_remove_is_said_with_what_it_cost() -> None:
    slower, same = (lesson.read_latency(sweep(masked=masked))[1] for masked in (SLOWER, SAME))
    assert "before prune.remove" in slower.en and "×0.75, slower (×0.70–0.80)" in slower.en
    assert "prune.remove folds the mask into the weight" in slower.en
    assert "преди prune.remove" in slower.bg
    assert "no measurable difference (×0.97–1.06) against the dense model" in same.en


def test_a_sparse_kernel_is_said_per_multiplication_whichever_way_it_went() -> None:
    slower = lesson.read_latency(sweep())[2]
    assert "multiplies only the 10% non-zeros: 0.430 ms, ×0.93, slower (×0.90–0.98)" in slower.en
    assert "but each costs ×10.8 as much as in the dense kernel, which walks no indices and " \
           "reads memory in order: the skipped zeros do not make up for it." in slower.en
    faster = lesson.read_latency(sweep(csr=Interval(1.27, 1.2, 1.37)))[2]
    assert "×1.27 faster" in faster.en and "skipping the zeros still pays" in faster.en
    assert "прескачането на нулите пак се изплаща" in faster.bg
    even = lesson.read_latency(sweep(csr=SAME))[2]
    assert "no measurable difference" in even.en and "only make up for it" in even.en


def test_removed_neurons_are_fewer_multiplications_when_they_are_faster() -> None:
    said = lesson.read_latency(sweep())
    structured = said[3]
    assert structured.en.startswith("Structured −50% neurons/channels: shapes 128×64, 64×128, "
                                    "10×64, parameters 50826 → 17226, 25.8 MFLOP → 8.6 MFLOP")
    assert "×2.20 faster (×2.00–2.40). Smaller matrices are fewer multiplications." \
        in structured.en
    pays = said[4]
    assert pays.en.startswith("Zeros pay only where the kernel skips them")
    assert "(−50%: ×2.20 faster (×2.00–2.40))" in pays.en and "2:4" in pays.en
    assert "(CSR at 90% here: ×0.93, slower (×0.90–0.98))" in pays.en
    assert "2:4" in pays.bg


def test_no_faster_structured_model_means_no_claim_that_zeros_pay_there() -> None:
    rows = sweep(structured=SAME)
    small = next(row for row in rows if row["method"] == "structured" and "bound" in row)
    place(small, Work(20e6, 280e3), ROOF)
    assert small["bound"] == "compute"
    said = lesson.read_latency(rows)
    assert not any("Zeros pay only" in text.en for text in said)
    structured = next(text for text in said if text.en.startswith("Structured"))
    assert "no measurable difference" in structured.en
    assert "fixed costs" not in structured.en


def test_an_overhead_bound_structured_model_that_is_no_faster_says_why() -> None:
    rows = sweep(structured=SAME)
    small = next(row for row in rows if row["method"] == "structured" and "bound" in row)
    place(small, Work(0.2e6, 60e3), ROOF)
    assert small["bound"] == "overhead"
    said = next(text for text in lesson.read_latency(rows) if text.en.startswith("Structured"))
    assert "At this size a call's fixed costs outweigh the arithmetic it saved." in said.en


def test_the_roofline_places_dense_and_structured_models_and_shares_the_unstructured_point(
) -> None:
    said = lesson.read_roofline(sweep(), ROOF)
    assert said is not None
    assert said.en.startswith("This machine's roofline at 2 threads: 100 GFLOP/s; 20.0 GB/s "
                              "from memory (ridge 5.0 FLOP/B) and 80 GB/s from the cache "
                              "(ridge 1.25 FLOP/B).")
    assert "The dense model: 92.1 FLOP/B is above the ridge 1.25" in said.en
    assert "compute-bound; 64.5 GFLOP/s is 64% of the peak" in said.en
    assert "The unstructured models have the same intensity" in said.en
    assert "Structured −50%" in said.en and "CSR" not in said.en
    assert lesson.read_roofline([{"method": "dense"}], ROOF) is None


def test_csr_pays_for_its_indices_exactly() -> None:
    said = lesson.read_size(sweep())[0]
    assert "CSR with int32 indices gets smaller than the dense format only from 90% sparsity " \
           "up; at 90%: 43508 B (int32) and 65268 B (int64) against 203304 B dense." in said.en
    assert "едва от 90% разреденост нагоре" in said.bg


def test_the_measured_answer_counts_the_images() -> None:
    answer = measured("prune", sweep())
    assert answer is not None and answer.choice == 3
    assert answer.text.en == ("at 90% sparsity accuracy is 63.1% against 98.0%: −34.9 percentage "
                              "points (124 of 355 images lost, 0 gained)")
    assert answer.text.bg.startswith("при 90% разреденост точността е 63.1%")


def test_a_clean_run_with_a_measurable_drop_recovery_and_speed_up_offers_three_cards() -> None:
    rows = sweep()
    reading = [*lesson.read_accuracy(rows), *lesson.read_latency(rows)]
    cards = result_cards("prune", rows, reading)
    assert [card.front.en.split(". ")[-1] for card in cards] == [
        "Why does fine-tuning help?", "Why does unstructured pruning rarely speed things up?",
        "Why does structured pruning speed it up when zeros do not?"]
    assert "(98.0% → 63.1%, 124 of 355 images lost, 0 gained) and was 83.7% after " \
           "fine-tuning" in cards[0].front.en
    assert "no measurable difference (×0.97–1.06) (0.400 ms → 0.396 ms)" in cards[1].front.en
    assert "×2.20 (×2.00–2.40) faster (0.182 ms)" in cards[2].front.en
    assert all(card.front.bg and card.back.bg and "From the run's reading" in card.back.en
               for card in cards)


def test_no_drop_the_test_set_resolves_asks_why_so_many_weights_can_go() -> None:
    rows = sweep(plain_top=(345, 5, 2), structured=SAME)
    cards = result_cards("prune", rows, lesson.read_accuracy(rows))
    assert [card.front.en.split(". ")[-1] for card in cards] == [
        "Why can so many weights go?", "Why does unstructured pruning rarely speed things up?"]
    assert "one image is 0.28 percentage points" in cards[0].back.en


def test_a_drop_that_fine_tuning_did_not_measurably_win_back_asks_nothing_about_it() -> None:
    rows = sweep(tuned_top=(226, 120, 0, 4, 2))
    assert not [card for card in result_cards("prune", rows, [])
                if "fine-tuning" in card.front.en]


def test_a_run_that_could_not_measure_cleanly_gives_no_answer_and_no_cards() -> None:
    rows = sweep(noisy=True)
    assert measured("prune", rows) is None
    assert result_cards("prune", rows, []) == []
