"""Predict first: questions per lab, the measured answer from result rows, the verdict."""

from __future__ import annotations

import pytest

from studyapp.labs.catalog import LAB_IDS
from studyapp.labs.predictions import Prediction, measured, question_for, verdict

HERE = {"threads": 2, "device": "cpu", "status": "ok"}  # every real row says where it ran
LATENCY = [{"variant": "harness, perf_counter", "latency_ms_cold": 16.0,
            "latency_ms_median": 0.064, "latency_ms_p99": 12.6, **HERE}]
QUANTIZE = [
    {"model": "mlp", "variant": f"torch {name}", "runtime": "torch", "precision": precision,
     "batch_size": batch, "speedup": speedup, "speedup_low": low, "speedup_high": high, **HERE}
    for name, precision, batch, speedup, low, high in (
        ("int8-dyn", "int8", 64, 3.1, 2.9, 3.3), ("int8-dyn", "int8", 1, 1.04, 1.0, 1.08),
        ("fp32", "fp32", 1, 1.0, 1.0, 1.0))
]
PRUNE = [{"variant": f"L1 unstr {int(s * 100)}%", "sparsity": s, "accuracy": a,
          "fine_tuned": False, **HERE} for s, a in ((0.0, 0.98), (0.5, 0.975), (0.9, 0.63))]
BATCHING = [{"variant": "cpu 2T", "batch_size": b, "throughput_per_s": t,
             "latency_ms_per_item": 1000 / t, **HERE} for b, t in ((1, 100.0), (64, 2500.0))]
ONNX = [{"section": "runtimes", "variant": "ORT all", "batch_size": 1, "speedup": 0.8,
         "speedup_low": 0.75, "speedup_high": 0.84, **HERE}]
PROFILE = [{"section": "operators", "variant": "aten::addmm", "share": 0.8, **HERE},
           {"section": "operators", "variant": "aten::relu", "share": 0.1, **HERE}]


@pytest.mark.parametrize(("lab", "rows", "choice", "shown"), [
    ("latency", LATENCY, 3, "×250"),
    ("quantize", QUANTIZE, 1, "int8 ×1.04 (×1.00–1.08)"),
    ("prune", PRUNE, 3, "−35.0 points"),
    ("batching", BATCHING, 3, "×25"),
    ("onnx", ONNX, 0, "×0.80 (×0.75–0.84)"),
    ("profile", PROFILE, 3, "aten::addmm: 80%"),
])
def test_the_measured_answer_is_read_from_the_rows(lab: str, rows: list[dict[str, object]],
                                                   choice: int, shown: str) -> None:
    answer = measured(lab, rows)
    assert answer is not None
    assert answer.choice == choice
    assert shown in answer.text.en and answer.text.bg


def test_every_app_lab_asks_a_bilingual_question_with_one_choice_per_range() -> None:
    for lab in LAB_IDS:
        question = question_for(lab)
        assert question is not None, lab
        assert question.prompt.bg and question.prompt.en
        assert len(question.choices) == len(question.bounds) + 1
        assert list(question.bounds) == sorted(question.bounds)
        assert all(choice.bg and choice.en for choice in question.choices)
    assert question_for("probe") is None


def test_rows_without_the_numbers_give_no_answer() -> None:
    skipped = {**QUANTIZE[1], "device": "cuda", "status": "skipped: no CUDA GPU", "speedup": None}
    assert measured("quantize", [skipped]) is None
    assert measured("latency", []) is None
    assert measured("probe", LATENCY) is None


def test_verdict_says_right_close_or_far_and_the_prediction_round_trips() -> None:
    question = question_for("quantize")
    assert question is not None
    answer = measured("quantize", QUANTIZE)
    assert answer is not None
    saved = Prediction.of(question, 1).to_json()
    again = Prediction.from_json(saved)
    assert again is not None and again.answer.en == "about the same (±10%)"
    assert verdict(again, answer).en.startswith("Right:")
    assert verdict(Prediction.of(question, 2), answer).en.startswith("Close")
    assert verdict(Prediction.of(question, 3), answer).bg.startswith("Далеч")
    assert Prediction.from_json(None) is None
    with pytest.raises(ValueError):
        Prediction.of(question, 4)


def test_an_interval_reaching_two_answers_cannot_tell_the_prediction_apart() -> None:
    question = question_for("quantize")
    assert question is not None
    straddling = [{**row, "speedup_low": 0.85} if row["batch_size"] == 1 else row
                  for row in QUANTIZE]  # ×1.04 with ×0.85–1.08: "slower" or "about the same"
    answer = measured("quantize", straddling)
    assert answer is not None and list(answer.choices) == [0, 1]
    assert verdict(Prediction.of(question, 1), answer).en.startswith("Cannot tell")
    assert verdict(Prediction.of(question, 0), answer).bg.startswith("Не може да се каже")
    assert verdict(Prediction.of(question, 2), answer).en.startswith("Close")
    assert verdict(Prediction.of(question, 3), answer).en.startswith("Far off")


def test_a_run_that_could_not_measure_cleanly_gives_no_answer() -> None:
    disturbed = [{**row, "latency_ms_median": 1.0, "noisy": row["precision"] == "int8"}
                 for row in QUANTIZE]
    assert measured("quantize", disturbed) is None
