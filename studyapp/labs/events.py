"""The lab child's event protocol: one JSON object per line on its stdout.

Every line is `{"type": TYPE, ...fields}` with TYPE one of:

- `progress` — `done`, `total`, `message` (bilingual text);
- `table` — `name`, `title`, `columns` (key, label, unit), `rows` (objects keyed by column key);
  a table sent again under the same name replaces the earlier one (live tables grow that way);
- `series` — one line of a plot: `plot`, `title`, `x_label`, `y_label`, `label`, `x`, `y`;
  sent again with the same plot and label, it replaces the earlier one;
- `note` — `text`: one paragraph of the lab's reading of what it measured;
- `result` — `summary` (the key figures), `env` (the environment fingerprint), `duration_s`;
  the last line of a successful run;
- `error` — `message` (one line) and `detail` (a traceback or the child's last stderr lines);
  the last line of a failed run.

Bilingual texts are `{"bg": "…", "en": "…"}`. No torch here: the parent reads these.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from studyapp.deck.model import Text
from studyapp.errors import StudyappError

Scalar = str | int | float | bool | None


class ProtocolError(StudyappError):
    """A line from the lab child that is not a valid event."""


@dataclass(frozen=True)
class Column:
    key: str
    label: Text
    unit: str = ""  # "ms", "MB", "%", "GFLOP/s"…; empty for counts and names


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    message: Text


@dataclass(frozen=True)
class Table:
    name: str
    title: Text
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Scalar], ...]


@dataclass(frozen=True)
class Series:
    plot: str
    title: Text
    x_label: Text
    y_label: Text
    label: Text
    x: tuple[float, ...]
    y: tuple[float | None, ...]


@dataclass(frozen=True)
class Note:
    text: Text


@dataclass(frozen=True)
class Result:
    summary: dict[str, Scalar] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0


@dataclass(frozen=True)
class Error:
    message: str
    detail: str = ""


Event = Progress | Table | Series | Note | Result | Error

_TYPE_NAMES: dict[type, str] = {
    Progress: "progress", Table: "table", Series: "series",
    Note: "note", Result: "result", Error: "error",
}


def _clean(value: Any) -> Any:
    """JSON-safe: non-finite floats become null, tuples lists, Text a bilingual object."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Text):
        return {"bg": value.bg, "en": value.en}
    if isinstance(value, Column):
        return {"key": value.key, "label": _clean(value.label), "unit": value.unit}
    if isinstance(value, Mapping):
        return {str(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    if hasattr(value, "item") and callable(value.item):  # a NumPy or torch scalar
        return _clean(value.item())
    return value


def encode(event: Event) -> str:
    """One line of JSON, without the newline."""
    payload = {"type": _TYPE_NAMES[type(event)]}
    payload.update({name: _clean(getattr(event, name)) for name in event.__dataclass_fields__})
    return json.dumps(payload, ensure_ascii=False, allow_nan=False)


def _text(value: Any, what: str) -> Text:
    if isinstance(value, str):
        return Text(value, value)
    if isinstance(value, Mapping) and isinstance(value.get("bg"), str):
        return Text(value["bg"], str(value.get("en") or ""))
    raise ProtocolError(f"{what} is not a text")


def _decode_fields(kind: str, data: Mapping[str, Any]) -> Event:
    if kind == "progress":
        return Progress(int(data["done"]), int(data["total"]), _text(data["message"], "message"))
    if kind == "table":
        columns = tuple(
            Column(str(col["key"]), _text(col["label"], "column label"), str(col.get("unit", "")))
            for col in data["columns"]
        )
        return Table(str(data["name"]), _text(data["title"], "title"), columns,
                     tuple(dict(row) for row in data["rows"]))
    if kind == "series":
        return Series(
            str(data["plot"]), _text(data["title"], "title"), _text(data["x_label"], "x_label"),
            _text(data["y_label"], "y_label"), _text(data["label"], "label"),
            tuple(float(v) for v in data["x"]),
            tuple(None if v is None else float(v) for v in data["y"]),
        )
    if kind == "note":
        return Note(_text(data["text"], "note"))
    if kind == "result":
        return Result(dict(data.get("summary") or {}), dict(data.get("env") or {}),
                      float(data.get("duration_s") or 0.0))
    if kind == "error":
        return Error(str(data["message"]), str(data.get("detail") or ""))
    raise ProtocolError(f"unknown event type {kind!r}")


def decode(line: str) -> Event:
    """The event on one line; anything else raises `ProtocolError` quoting the line."""
    shown = line.strip()[:120]
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise ProtocolError(f"not an event: {shown!r}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ProtocolError(f"not an event: {shown!r}")
    try:
        return _decode_fields(data["type"], data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"malformed {data['type']} event: {shown!r}") from exc


class Emitter:
    """What a lab writes its events with; one flushed line per event.

    Progress is rate-limited: a step that comes sooner than `progress_interval_s` after
    the last one sent is dropped, except the first and the last (done == total), so a
    lab may report every step of a loop.
    """

    def __init__(self, stream: TextIO, progress_interval_s: float = 0.1) -> None:
        self._stream = stream
        self._progress_interval_s = progress_interval_s
        self._last_progress: float | None = None

    def emit(self, event: Event) -> None:
        self._stream.write(encode(event) + "\n")
        self._stream.flush()

    def progress(self, done: int, total: int, message: Text) -> None:
        now = time.monotonic()
        last = self._last_progress
        if done < total and last is not None and now - last < self._progress_interval_s:
            return
        self._last_progress = now
        self.emit(Progress(done, total, message))

    def table(
        self, name: str, title: Text, columns: Sequence[Column],
        rows: Iterable[Mapping[str, Any]],
    ) -> None:
        self.emit(Table(name, title, tuple(columns), tuple(dict(row) for row in rows)))

    def series(
        self, plot: str, title: Text, x_label: Text, y_label: Text, label: Text,
        x: Sequence[float], y: Sequence[float | None],
    ) -> None:
        self.emit(Series(plot, title, x_label, y_label, label, tuple(x), tuple(y)))

    def note(self, text: Text) -> None:
        self.emit(Note(text))
