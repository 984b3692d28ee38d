"""Predict first: a question per lab, the verdict beside the measured answer (each lab's
answer from its rows is tested in its own `test_lesson_<lab>.py`)."""

from __future__ import annotations

import pytest
from test_lesson_latency import LATENCY
from test_lesson_quantize import QUANTIZE

from studyapp.labs.catalog import LAB_IDS
from studyapp.labs.predictions import Prediction, measured, question_for, verdict


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
