"""The quantize lab's lesson, fed synthetic rows: its measured answer and its cards."""

from __future__ import annotations

from studyapp.deck.model import Text
from studyapp.labs.predictions import measured
from studyapp.labs.result_cards import result_cards

HERE = {"threads": 2, "device": "cpu", "status": "ok"}  # every real row says where it ran
QUANTIZE = [
    {"model": "mlp", "variant": f"torch {name}", "runtime": "torch", "precision": precision,
     "batch_size": batch, "speedup": speedup, "speedup_low": low, "speedup_high": high, **HERE}
    for name, precision, batch, speedup, low, high in (
        ("int8-dyn", "int8", 64, 3.1, 2.9, 3.3), ("int8-dyn", "int8", 1, 1.04, 1.0, 1.08),
        ("fp32", "fp32", 1, 1.0, 1.0, 1.0))
]
READING = [Text("Общо.", "General."),
           Text("mlp, пакет 1: int8 е ×1.04.", "mlp, batch 1: int8 is ×1.04.")]


def test_the_measured_answer_is_read_from_the_rows() -> None:
    answer = measured("quantize", QUANTIZE)
    assert answer is not None
    assert answer.choice == 1
    assert 'int8 ×1.04 (×1.00–1.08)' in answer.text.en and answer.text.bg


def test_quantize_cards_quote_the_measured_speedups_and_the_matching_reading() -> None:
    cards = result_cards("quantize", QUANTIZE, READING)
    assert len(cards) == 1  # no size or fp16 rows in this run: no cards about them
    card = cards[0]
    assert "×1.04 (×1.00–1.08) at batch 1 but ×3.10 (×2.90–3.30) at batch 64" in card.front.en
    assert "×1.04 (×1.00–1.08) при пакет 1, но ×3.10 (×2.90–3.30) при пакет 64" in card.front.bg
    assert card.back.en.endswith("From the run's reading: mlp, batch 1: int8 is ×1.04.")
    assert card.back.bg.endswith("mlp, пакет 1: int8 е ×1.04.")


def test_the_int8_file_card_quotes_the_size_share_and_the_points_as_written() -> None:
    sizes = [{**row, "size_ratio": 1.0 if row["precision"] == "fp32" else 0.277,
              "accuracy_change_pp": 0.0 if row["precision"] == "fp32" else -1.5}
             for row in QUANTIZE]
    cards = result_cards("quantize", sizes, [Text("файловете int8", "the int8 files are 0.28")])
    assert len(cards) == 2
    assert "0.28 of the fp32 one and accuracy moved by -1.5 points" in cards[1].front.en
    assert "0.28 от fp32, а точността се промени с -1.5 пункта" in cards[1].front.bg
    assert cards[1].back.en.endswith("From the run's reading: the int8 files are 0.28")


def test_fp16_on_the_cpu_is_not_read_from_the_gpu_rows_of_the_same_run() -> None:
    half = [{**row, "variant": "torch fp16", "precision": "fp16", "batch_size": batch,
             "speedup": speedup, "speedup_low": 0.95 * speedup, "speedup_high": 1.05 * speedup,
             "device": device}
            for row in QUANTIZE[:1] for batch, speedup, device in (
                (1, 0.9, "cpu"), (1, 1.8, "cuda"), (64, 0.56, "cpu"), (64, 7.5, "cuda"))]
    cards = result_cards("quantize", QUANTIZE + half, [])
    assert "fp16 on the CPU gave ×0.56 (×0.53–0.59) against fp32 at batch 64" in cards[-1].front.en


def test_the_batch_card_needs_speedups_whose_intervals_do_not_overlap() -> None:
    overlapping = [{**row, "speedup_high": 3.3, "speedup_low": 0.9} for row in QUANTIZE]
    assert result_cards("quantize", overlapping, READING) == []
