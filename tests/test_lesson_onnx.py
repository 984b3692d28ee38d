"""The onnx lab's lesson, fed synthetic rows: its measured answer and its cards."""

from __future__ import annotations

from studyapp.labs.predictions import measured

HERE = {"threads": 2, "device": "cpu", "status": "ok"}  # every real row says where it ran
ONNX = [{"section": "runtimes", "variant": "ORT all", "batch_size": 1, "speedup": 0.8,
         "speedup_low": 0.75, "speedup_high": 0.84, **HERE}]


def test_the_measured_answer_is_read_from_the_rows() -> None:
    answer = measured("onnx", ONNX)
    assert answer is not None
    assert answer.choice == 0
    assert '×0.80 (×0.75–0.84)' in answer.text.en and answer.text.bg
