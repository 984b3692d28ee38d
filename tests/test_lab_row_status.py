"""A lab row's values in the learner's language: a key's Bulgarian twin (`KEY_bg`) is read in
Bulgarian, and is never a column of its own."""

from __future__ import annotations

import pytest

from studyapp.labs.columns import row_value
from studyapp.labs.events import Scalar


@pytest.mark.parametrize("key", ["status", "variant", "model"])
def test_a_row_value_is_read_in_bulgarian_from_its_bg_twin_for_any_key(key: str) -> None:
    row: dict[str, Scalar] = {key: "english", f"{key}_bg": "български"}
    assert (row_value(row, key, "bg"), row_value(row, key, "en")) == ("български", "english")
    assert row_value({key: "english"}, key, "bg") == "english"
