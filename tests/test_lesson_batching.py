"""The batching lab's lesson, fed synthetic rows: each paragraph of its reading for each case,
its measured answer and its cards."""

from __future__ import annotations

from typing import Any

from studyapp.labs import batching_rows as vocab
from studyapp.labs.lessons import batching as lesson
from studyapp.labs.predictions import measured
from studyapp.labs.result_cards import result_cards
from studyapp.labs.roofline import Ceiling, Roofline
from studyapp.text import Text

HERE = {"device": "cpu", "status": "ok", "comparison": vocab.SWEEP, "noisy": False}
ROOF = Roofline((Ceiling(2, 100.0, 30.0, 200.0), Ceiling(1, 50.0, 17.0, 100.0)),
                "2026-03-02T09:00:00+00:00", 0.1, 32 * 2**20)


def ratio(value: float, spread: float = 0.05) -> tuple[float, float, float]:
    """A measured ratio and an interval `spread` either side of it."""
    return value, value * (1 - spread), value * (1 + spread)


def row(variant: str, batch: int, ms: float, *, threads: int = 2, spread: float = 0.03,
        bound: str | None = None, **ratios: tuple[float, float, float]) -> dict[str, Any]:
    """A sweep row as the lab writes it: its time with an interval, its ratios, and where
    the roofline placed it."""
    made: dict[str, Any] = {
        "variant": variant, "variant_bg": f"{variant} (бг)", "batch_size": batch,
        "threads": threads, "latency_ms_median": ms, "latency_ms_low": ms * (1 - spread),
        "latency_ms_high": ms * (1 + spread), "latency_ms_per_item": ms / batch,
        "throughput_per_s": batch / ms * 1e3, "weights_bytes": 68_000_000.0,
        "gemm_library": "MKL" if variant == vocab.EAGER else None, "bound": bound, **HERE}
    for key, (value, low, high) in ratios.items():
        made |= {key: value, f"{key}_low": low, f"{key}_high": high}
    return made


def sweep(variant: str, times_ms: dict[int, float], shares: dict[int, tuple] | None = None,
          **extra: Any) -> list[dict[str, Any]]:
    """One variant's rows: the throughput gain against batch 1 from the times, and each
    batch's share of the best as given (or from the times, ±3%)."""
    base = times_ms[min(times_ms)]
    best = max(batch / ms for batch, ms in times_ms.items())
    made = []
    for batch, ms in times_ms.items():
        gain = batch * base / ms
        share = (shares or {}).get(batch) or ratio(batch / ms / best, 0.03)
        made.append(row(variant, batch, ms, throughput_gain=ratio(gain, 0.03),
                        share_of_best=share, **extra))
    return made


def en(text: Text | None) -> str:
    assert text is not None and text.bg and text.en
    return text.en


# --- throughput --------------------------------------------------------------------------

def test_throughput_that_keeps_growing_has_no_knee() -> None:
    rows = sweep(vocab.EAGER, {1: 1.0, 4: 1.2, 16: 1.6, 64: 2.0})
    text = lesson.read_throughput(rows)
    assert "grows from 1000 items/s at batch 1 to 32000 items/s at batch 64: ×32 (×31–33)" \
        in en(text)
    assert "There is no knee up to batch 64" in en(text)
    assert "коляно няма" in text.bg
    assert "The price is latency: batch 64 takes 2 ms (1.94–2.06)" in en(text)


def test_a_knee_where_a_batch_is_measurably_near_the_best() -> None:
    rows = sweep(vocab.EAGER, {1: 1.0, 4: 1.5, 16: 4.2, 64: 16.0},
                 shares={16: (0.96, 0.93, 0.99), 64: (1.0, 1.0, 1.0)})
    text = en(lesson.read_throughput(rows))
    assert "The knee is at batch 16: it already gives 96% (93%–99%) of the best" in text
    assert "larger batches add at most ×1.08" in text
    assert "batch 16 takes 4.2 ms (4.07–4.33) against 1 ms (0.97–1.03)" in text


def test_a_knee_the_rounds_cannot_place_is_given_as_a_range() -> None:
    rows = sweep(vocab.EAGER, {1: 1.0, 4: 1.5, 16: 4.2, 64: 16.0},
                 shares={4: (0.85, 0.80, 0.95), 16: (0.97, 0.95, 0.99), 64: (1.0, 1.0, 1.0)})
    text = en(lesson.read_throughput(rows))
    assert "The knee lies between batch 4 and batch 16" in text
    assert "batch 4 gives 85% (80%–95%) of the best — an interval that spans 90%" in text


def test_a_sweep_whose_best_batch_is_not_the_largest_peaks_there() -> None:
    rows = sweep(vocab.ORT, {1: 1.0, 16: 2.0, 64: 10.0},
                 shares={16: (1.0, 1.0, 1.0), 64: (0.8, 0.7, 0.85)})
    text = en(lesson.read_throughput(rows, vocab.ORT))
    assert "to 8000 items/s at batch 16" in text
    assert "Throughput peaks at batch 16; the larger batches gave no more." in text


def test_no_measurable_gain_says_batching_buys_only_a_wait() -> None:
    rows = [row(vocab.EAGER, 1, 1.0, throughput_gain=(1.0, 1.0, 1.0),
                share_of_best=ratio(0.98)),
            row(vocab.EAGER, 16, 15.7, throughput_gain=(1.02, 0.95, 1.08),
                share_of_best=(1.0, 1.0, 1.0))]
    text = lesson.read_throughput(rows)
    assert en(text) == "torch eager: no batch gave measurably more items per second than " \
        "batch 1 (batch 16: ×1.02 (×0.95–1.08)). Here batching buys nothing but a longer wait."
    assert "не купува нищо" in text.bg


def test_a_gain_too_noisy_to_measure_claims_nothing_more() -> None:
    rows = [row(vocab.EAGER, 1, 1.0, throughput_gain=(1.0, 1.0, 1.0),
                share_of_best=ratio(0.5)),
            row(vocab.EAGER, 16, 8.0, throughput_gain=(2.0, 0.5, 6.0),
                share_of_best=(1.0, 1.0, 1.0))]
    assert en(lesson.read_throughput(rows)).endswith("(batch 16: ×2.00 (×0.50–6.00)).")


# --- the packing plateau -----------------------------------------------------------------

def plateau_rows(eager_ms: dict[int, float], speedups: dict[str, float],
                 library: str = "MKL") -> list[dict[str, Any]]:
    """Eager torch at `eager_ms`, and each packed-once variant `speedups[variant]`× faster
    at every batch."""
    eager = sweep(vocab.EAGER, eager_ms)
    for made in eager:
        made["gemm_library"] = library
    packed = [row(variant, batch, ms / speedup, speedup=ratio(speedup),
                  throughput_gain=ratio(1.0))
              for variant, speedup in speedups.items() for batch, ms in eager_ms.items()]
    return eager + packed


PLATEAU = {1: 6.0, 2: 12.5, 4: 30.0, 8: 31.0, 16: 60.0, 64: 80.0}
COPY_AND_KERNEL = {vocab.MKL_PACKED: 1.4, vocab.ONEDNN_PACKED: 2.7, vocab.ORT: 4.0}


def test_the_packing_plateau_is_named_and_split_into_the_copy_and_the_kernel() -> None:
    rows = plateau_rows(PLATEAU, COPY_AND_KERNEL)
    text = lesson.read_packing(rows)
    assert "Packing plateau: at batches 2, 4 eager torch's throughput shows no measurable gain " \
        "over batch 1 — at batch 2 it is ×0.96 (×0.93–0.99) that of batch 1 (12.5 ms against " \
        "6 ms per call)" in en(text)
    assert "against eager: torch MKL prepacked: ×1.40 faster (×1.33–1.47); torch oneDNN " \
        "prepacked: ×2.70 faster (×2.56–2.84); ONNX Runtime: ×4.00 faster" in en(text)
    assert "MKL's SGEMM, which on every call copies (packs) the weight matrix (68 MB) into its " \
        "blocked layout: with the weights packed once, the same MKL ran ×1.40 faster" in en(text)
    assert "The rest is MKL's kernel for few rows: with packed weights too it stays measurably " \
        "slower than torch oneDNN prepacked, ONNX Runtime." in en(text)
    assert "SGEMM на MKL" in text.bg and "Плато от пакетиране" in text.bg
    found = lesson.plateau(rows)
    assert found is not None and found.batches == (2, 4)


def test_a_plateau_the_copy_explains_whole() -> None:
    rows = plateau_rows(PLATEAU, {vocab.MKL_PACKED: 2.6, vocab.ONEDNN_PACKED: 2.7})
    assert en(lesson.read_packing(rows)).endswith(
        "the same MKL ran ×2.60 faster (×2.47–2.73). No measurable gap is left between it and "
        "the others.")


def test_a_plateau_packing_once_does_not_help_is_the_kernel() -> None:
    rows = plateau_rows(PLATEAU, {vocab.MKL_PACKED: 1.0, vocab.ORT: 4.0})
    text = en(lesson.read_packing(rows))
    assert "packing its weights once changed its time by less than 10% (no measurable " \
        "difference (×0.95–1.05)): the plateau comes from MKL's kernel for few rows" in text
    assert "copies (packs)" not in text


def test_a_plateau_whose_rounds_cannot_tell_the_copy_from_the_kernel_says_so() -> None:
    rows = plateau_rows(PLATEAU, {vocab.MKL_PACKED: 1.0, vocab.ORT: 4.0})
    for made in rows:
        if made["variant"] == vocab.MKL_PACKED:
            made |= {"speedup_low": 0.5, "speedup_high": 2.0}
    text = en(lesson.read_packing(rows))
    assert "MKL with its weights packed once, against eager: no measurable difference " \
        "(×0.50–2.00) — these rounds cannot tell the copy" in text
    assert "the plateau comes from" not in text


def test_a_blas_other_than_mkl_is_not_named_mkl_nor_blamed() -> None:
    rows = plateau_rows({1: 6.0, 4: 30.0, 16: 60.0}, {vocab.ONEDNN_PACKED: 2.7},
                        library="BLAS")
    text = en(lesson.read_packing(rows))
    assert "its BLAS library's GEMM; these rows do not separate the copy" in text
    assert "MKL" not in text


def test_no_plateau_when_eager_torch_gains_at_small_batches() -> None:
    rows = plateau_rows({1: 6.0, 4: 7.0, 16: 9.0}, {vocab.ONEDNN_PACKED: 1.0})
    text = lesson.read_packing(rows)
    assert "No packing plateau: at batch 4 eager torch gives ×3.43 (×3.33–3.53) the " \
        "throughput of batch 1" in en(text)
    assert "torch oneDNN prepacked: no measurable difference (×0.95–1.05)" in en(text)
    assert lesson.plateau(rows) is None


def test_no_plateau_when_weights_packed_once_are_not_faster_either() -> None:
    rows = plateau_rows({1: 6.0, 4: 30.0, 16: 60.0}, {vocab.ONEDNN_PACKED: 1.0})
    assert lesson.plateau(rows) is None  # then packing is not what the rows show


# --- the batch order ---------------------------------------------------------------------

def test_a_smaller_batch_that_took_longer_is_named_with_its_cause() -> None:
    rows = sweep(vocab.ORT, {1: 3.0, 4: 30.0, 8: 20.0, 16: 22.0})
    pairs = lesson.order_anomalies(rows, vocab.ORT)
    assert [(small["batch_size"], large["batch_size"]) for small, large in pairs] == \
        [(4, 8), (4, 16)]
    text = en(lesson.read_order(rows))
    assert "ONNX Runtime: batch 4 (30 ms (29.1–30.9)) against batch 8 (20 ms (19.4–20.6)); " \
        "batch 4 (30 ms (29.1–30.9)) against batch 16" in text
    assert "measured cleanly in the same shuffled rounds" in text and "not in the machine" in text


def test_an_order_anomaly_on_a_disturbed_row_is_not_blamed_on_the_library() -> None:
    rows = sweep(vocab.ORT, {1: 3.0, 4: 30.0, 8: 20.0})
    rows[1]["noisy"] = True
    text = en(lesson.read_order(rows))
    assert "batch 4 (30 ms (29.1–30.9)) against batch 8" in text
    assert "do not say whether the cause is the library or the machine" in text
    assert "not in the machine" not in text


def test_overlapping_intervals_are_no_anomaly() -> None:
    rows = [row(vocab.ORT, 4, 20.0, spread=0.3), row(vocab.ORT, 8, 18.0, spread=0.3)]
    assert lesson.order_anomalies(rows, vocab.ORT) == []
    assert "no smaller batch took measurably longer" in en(lesson.read_order(rows))


# --- threads -----------------------------------------------------------------------------

def thread_rows(speedup: tuple[float, float, float], bound: str,
                counts: tuple[int, ...] = (1, 2)) -> list[dict[str, Any]]:
    """ONNX Runtime at batch 1 and 64 at each thread count; the top count `speedup`× one."""
    made = []
    for batch in (1, 64):
        for count in counts:
            ratios = {"thread_speedup": speedup} if count > 1 else {}
            made.append(row(vocab.ORT, batch, 4.0, threads=count, bound=bound, **ratios))
    return made


def test_threads_that_help_a_memory_bound_call_are_said_to_add_bandwidth() -> None:
    text = en(lesson.read_threads(thread_rows((1.7, 1.6, 1.8), "memory")))
    assert "Batch 1, 2 threads against 1: ×1.70 faster (×1.60–1.80)" in text
    assert "one core alone does not draw the whole memory bandwidth" in text


def test_threads_that_help_a_compute_bound_call_split_the_arithmetic() -> None:
    text = en(lesson.read_threads(thread_rows((1.9, 1.8, 1.95), "compute", (1, 2, 4))))
    assert "Batch 64, 4 threads against 1 (2: ×1.90 faster (×1.80–1.95)): ×1.90" in text
    assert "the ideal is ×4" in text


def test_threads_with_no_measurable_difference_say_so_and_nothing_more() -> None:
    text = en(lesson.read_threads(thread_rows((1.0, 0.95, 1.05), "memory")))
    assert "2 threads against 1: no measurable difference (×0.95–1.05)." in text
    assert "bandwidth" not in text and "busy" not in text


def test_far_slower_threads_mean_a_busy_core_not_the_model() -> None:
    text = lesson.read_threads(thread_rows((0.3, 0.25, 0.35), "memory"))
    assert "×0.30, slower (×0.25–0.35)" in en(text)
    assert "that is not the model — another program kept a core busy, and every parallel " \
        "step waited" in en(text)
    assert "друга програма" in text.bg


def test_a_busy_core_is_named_with_what_the_harness_measured() -> None:
    rows = thread_rows((0.3, 0.25, 0.35), "memory")
    for made in rows:
        made["others_cores"] = 0.9
    text = en(lesson.read_threads(rows))
    assert "another program kept a core busy (0.9 cores on average while it was timed)" in text


def test_far_slower_threads_with_the_cores_measured_free_are_not_blamed_on_others() -> None:
    rows = thread_rows((0.3, 0.25, 0.35), "overhead")
    for made in rows:
        made["others_cores"] = 0.1
    text = en(lesson.read_threads(rows))
    assert "another program" not in text
    assert "handing it to the threads and waiting for them costs more" in text


def test_more_threads_than_cores_are_named_not_another_program() -> None:
    rows = thread_rows((0.3, 0.25, 0.35), "memory", (1, 2, 4))
    for made in rows:
        made["cores"] = 2
    text = en(lesson.read_threads(rows))
    assert "There are more threads than cores (4 on 2)" in text
    assert "another program" not in text


def test_slower_threads_on_an_overhead_bound_call_cost_more_than_they_share() -> None:
    text = en(lesson.read_threads(thread_rows((0.8, 0.75, 0.85), "overhead")))
    assert "handing it to the threads and waiting for them costs more" in text


def test_one_thread_has_no_sweep() -> None:
    rows = sweep(vocab.ORT, {1: 1.0, 4: 2.0}, threads=1)
    assert en(lesson.read_threads(rows)) == "With one thread there is no thread sweep."


# --- the demonstrations ------------------------------------------------------------------

def demo_rows(memory: tuple[float, float, float],
              compute: tuple[float, float, float]) -> list[dict[str, Any]]:
    common = {"comparison": vocab.DEMOS, "device": "cpu", "status": "ok", "noisy": False}
    return [
        {**common, "variant": "8192×8192 layer, torch eager", "variant_bg": "слой 8192×8192",
         "demo": vocab.MEMORY_DEMO, "batch_size": 1, "latency_ms_median": 9.0,
         "weights_bytes": 268_468_224.0, "llc_bytes": 33_554_432, "bandwidth_gbs": 29.8,
         "probe_gbs": 33.1, "probe_bytes": 536_870_912.0, "threshold": 0.85,
         "share_of_probe": memory[0], "share_of_probe_low": memory[1],
         "share_of_probe_high": memory[2]},
        {**common, "variant": "wide_mlp, ONNX Runtime", "variant_bg": "wide_mlp, ONNX Runtime",
         "demo": vocab.COMPUTE_DEMO, "batch_size": 256, "latency_ms_median": 70.0,
         "gflops": 127.0, "probe_gflops": 140.0, "probe_gemm_n": 1024, "threshold": 0.8,
         "share_of_probe": compute[0], "share_of_probe_low": compute[1],
         "share_of_probe_high": compute[2]},
    ]


def test_demonstrations_that_reach_their_marks_say_so() -> None:
    memory, compute = lesson.read_demos(demo_rows((0.9, 0.87, 0.93), (0.91, 0.85, 0.95)))
    assert "(268 MB of weights, 8× the last-level cache) reads its weights at 29.8 GB/s — " \
        "90% (87%–93%) of the 33.1 GB/s that a read of 537 MB reached in the same rounds: " \
        "the 85% mark is reached." in memory.en
    assert "прагът 85% е достигнат" in memory.bg
    assert "computes at 127 GFLOP/s — 91% (85%–95%) of the faster fp32 GEMM 1024×1024" \
        in compute.en
    assert compute.en.endswith("the 80% mark is reached.")


def test_a_demonstration_that_outruns_its_probe_says_the_probe_is_low() -> None:
    memory, compute = lesson.read_demos(demo_rows((0.9, 0.87, 0.93), (1.2, 1.1, 1.3)))
    assert "probe" not in memory.en.partition("same rounds")[2]
    assert compute.en.endswith("the 80% mark is reached. That is more than the probe itself "
                               "(GEMM 1024×1024), which sets the roofline's peak: the probe "
                               "underestimates that ceiling.")
    assert "пробата подценява" in compute.bg


def test_a_memory_demonstration_that_fits_the_cache_claims_no_bandwidth() -> None:
    rows = demo_rows((0.9, 0.87, 0.93), (0.91, 0.85, 0.95))
    rows[0]["llc_bytes"] = 512 * 2**20
    memory, _ = lesson.read_demos(rows)
    assert memory.en.endswith("fits this CPU's last-level cache (537 MB), so here it does not "
                              "show the memory limit.")
    assert "mark" not in memory.en


def test_demonstrations_that_miss_or_straddle_their_marks_say_so() -> None:
    memory, compute = lesson.read_demos(demo_rows((0.6, 0.55, 0.65), (0.8, 0.7, 0.9)))
    assert memory.en.endswith("the 85% mark is not reached.")
    assert compute.en.endswith("it cannot tell whether it was reached.")
    assert "не може да се каже" in compute.bg


# --- the GPU and the whole reading -------------------------------------------------------

def test_the_gpu_against_the_cpu_with_and_without_the_copy() -> None:
    rows = sweep(vocab.EAGER, {1: 1.0, 64: 20.0})
    rows += [row(vocab.GPU, 1, 0.1, speedup=ratio(10.0), throughput_gain=ratio(1.0)),
             row(vocab.GPU, 64, 0.12, speedup=ratio(166.0), throughput_gain=ratio(53.0)),
             row(vocab.GPU_COPY, 1, 0.15, speedup=ratio(6.6)),
             row(vocab.GPU_COPY, 64, 0.3, speedup=ratio(66.0))]
    for made in rows[2:]:
        made["device"] = "cuda"
    text = en(lesson.read_cuda(rows))
    assert "with the input already on the device ×166 faster" in text
    assert "with the host→device copy in the call ×66.0 faster" in text
    assert "launching kernels" in text


def test_the_reading_has_a_paragraph_per_question_and_the_roofline() -> None:
    rows = plateau_rows({1: 6.0, 4: 30.0, 16: 60.0, 64: 80.0}, {vocab.ONEDNN_PACKED: 2.7})
    rows += sweep(vocab.ORT, {1: 3.0, 4: 4.0, 16: 8.0, 64: 20.0})
    rows += thread_rows((1.7, 1.6, 1.8), "memory")[:1]
    for made in rows:
        if made["variant"] == vocab.EAGER:
            made |= {"bound": "memory", "arithmetic_intensity": 0.5, "share_of_roofline": 0.8,
                     "ridge_flop_per_byte": 3.3, "gflops": 10.0, "data_in_cache": False}
    texts = [text.en for text in lesson.reading(rows, ROOF)]
    assert texts[0].startswith("torch eager: throughput grows")
    assert any(text.startswith("Packing plateau") for text in texts)
    assert any(text.startswith("This machine's roofline at 2 threads") for text in texts)
    assert all(text.bg for text in lesson.reading(rows, ROOF))


# --- the measured answer and the cards ---------------------------------------------------

def test_the_measured_answer_is_eager_torchs_gain_at_the_largest_batch() -> None:
    rows = sweep(vocab.EAGER, {1: 1.0, 64: 2.56})
    answer = measured("batching", rows)
    assert answer is not None and answer.choice == 3
    assert "×25 (×24–26)" in answer.text.en and answer.text.bg


def test_an_answer_whose_interval_spans_two_choices_reaches_both() -> None:
    rows = [row(vocab.EAGER, 1, 1.0, throughput_gain=(1.0, 1.0, 1.0)),
            row(vocab.EAGER, 16, 4.0, throughput_gain=(4.0, 3.5, 4.6))]
    answer = measured("batching", rows)
    assert answer is not None and list(answer.choices) == [1, 2]


CARDS_READING = [Text("…", "torch eager: throughput grows from 1000 items/s"),
                 Text("…", "Packing plateau: at batch 4"),
                 Text("…", "Threads, ONNX Runtime, in the same rounds: batch 1")]


def test_each_card_comes_from_a_finding_the_intervals_support() -> None:
    rows = plateau_rows({1: 6.0, 4: 30.0, 16: 60.0, 64: 80.0}, COPY_AND_KERNEL)
    rows += thread_rows((1.7, 1.6, 1.8), "memory")
    cards = result_cards("batching", rows, CARDS_READING)
    assert len(cards) == 3
    gain, packing, threads = cards
    assert "batch 64 gave 800 items/s against 167 at batch 1 (×4.80 (×4.66–4.94))" \
        in gain.front.en
    assert gain.back.en.endswith("torch eager: throughput grows from 1000 items/s")
    assert "At batch 4 eager torch gave ×0.80 (×0.78–0.82) the throughput of batch 1, while " \
        "the same model in ONNX Runtime ran ×4.00 (×3.80–4.20) faster" in packing.front.en
    assert "with the weights packed once, the same MKL ran ×1.40 faster" in packing.back.en
    assert "with 2 threads it took 4 ms against 4 ms with one (×1.70 (×1.60–1.80))" \
        in threads.front.en
    for card in cards:
        assert card.front.bg and card.back.bg


def test_no_plateau_card_while_the_rows_cannot_tell_its_cause() -> None:
    rows = plateau_rows({1: 6.0, 4: 30.0, 16: 60.0, 64: 80.0}, COPY_AND_KERNEL)
    for made in rows:
        if made["variant"] == vocab.MKL_PACKED:
            made |= {"speedup": 1.0, "speedup_low": 0.5, "speedup_high": 2.0}
    cards = result_cards("batching", rows, CARDS_READING)
    assert lesson.plateau(rows) is not None
    assert not any("small batch" in card.front.en for card in cards)


def test_no_card_where_the_intervals_do_not_support_one() -> None:
    flat = [row(vocab.EAGER, 1, 1.0, throughput_gain=(1.0, 1.0, 1.0)),
            row(vocab.EAGER, 16, 15.0, throughput_gain=(1.07, 0.95, 1.2))]
    busy = thread_rows((0.3, 0.25, 0.35), "memory")
    assert result_cards("batching", flat + busy, CARDS_READING) == []


def test_a_run_that_could_not_measure_cleanly_offers_no_answer_and_no_cards() -> None:
    rows = plateau_rows({1: 6.0, 4: 30.0, 16: 60.0, 64: 80.0}, COPY_AND_KERNEL)
    rows[1]["noisy"] = True
    assert measured("batching", rows) is None
    assert result_cards("batching", rows, CARDS_READING) == []
