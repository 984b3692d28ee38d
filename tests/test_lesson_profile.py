"""The profile lab's lesson, fed synthetic rows: its measured answer and its cards."""

from __future__ import annotations

from studyapp.labs.predictions import measured

HERE = {"threads": 2, "device": "cpu", "status": "ok"}  # every real row says where it ran
PROFILE = [{"section": "operators", "variant": "aten::addmm", "share": 0.8, **HERE},
           {"section": "operators", "variant": "aten::relu", "share": 0.1, **HERE}]


def test_the_measured_answer_is_read_from_the_rows() -> None:
    answer = measured("profile", PROFILE)
    assert answer is not None
    assert answer.choice == 3
    assert 'aten::addmm: 80%' in answer.text.en and answer.text.bg
