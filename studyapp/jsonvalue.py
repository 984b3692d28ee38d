"""JSON values, typed: what the store keeps in its JSON columns and reads back (`JsonValue`),
and any JSON-shaped value a caller hands over to be written (`Json`: read-only containers,
so that a `dict[str, float]` is one).

    value = parse_json('{"choice": 2}')      # a JsonValue
    if isinstance(value, dict):              # now a JsonObject
        value.get("choice")

Pure: imports the standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TypeAlias

JsonScalar: TypeAlias = str | int | float | bool | None
JsonValue: TypeAlias = JsonScalar | list["JsonValue"] | dict[str, "JsonValue"]
JsonObject: TypeAlias = dict[str, JsonValue]
Json: TypeAlias = JsonScalar | Sequence["Json"] | Mapping[str, "Json"]


def parse_json(text: str | bytes) -> JsonValue:
    """`json.loads(text)`, typed: with no hooks the parser makes only JSON values. A text
    that is not JSON raises ValueError (`json.JSONDecodeError`), undecodable bytes
    UnicodeDecodeError."""
    value: JsonValue = json.loads(text)  # typeshed gives Any, though nothing else can come
    return value
