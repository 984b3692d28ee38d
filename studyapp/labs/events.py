"""The lab child's event protocol: one JSON object per line on its stdout.

Every line is `{"event": KIND, ...fields}` with KIND one of:

- `progress` — `done`, `total`, `message`;
- `table` — `name`, `title`, `columns` (key, label, unit), `rows` (objects keyed by column key);
  a table sent again under the same name replaces the earlier one (live tables grow that way);
- `series` — one line of a plot: `name`, `x_label`, `y_label`, `x`, `y`, `log_x`, `log_y`;
  series with the same axis labels belong on one plot; sent again under the same name, it
  replaces the earlier one;
- `note` — `text`: a remark on the run (a skipped variant, a timing-only model);
- `result` — `rows` (every measured row), `reading` (paragraphs interpreting this run's
  numbers), `env` (the environment fingerprint) and `roofline` (the ceilings the rows were
  placed on, see `roofline.Roofline.to_json`; null for a lab that places none); the last
  line of a successful run;
- `error` — `message` (one line) and `detail` (a traceback); the last line of a failed run.

Texts the user reads are bilingual, `{"bg": "…", "en": "…"}`; a plain string is accepted
where a label is the same in both languages. Rows use the vocabulary of the labs contract
(`variant`, `latency_ms_median`, `threads`, `device`, …). No torch here: the parent reads these.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from studyapp.errors import StudyappError
from studyapp.jsonvalue import Json, JsonScalar
from studyapp.text import Text

Scalar = JsonScalar  # a table's cell
# A JSON value as `json.loads` gives it back: Any in its stubs. Its shape is checked where it
# is read (`from_dict`, `Roofline.from_json`, `Prediction.from_json`).
Parsed = Any
# A row's value as a lab builds it: the measurement's own number — Python, NumPy (whose
# float32 and int64 are neither float nor int) or torch (untyped here) — read back with
# arithmetic by the lab, and made a `Scalar` when the row is emitted.
RowValue = Any
# A row as a lab builds it, before it is sent.
Row = dict[str, RowValue]


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
    name: Text
    x_label: Text
    y_label: Text
    x: tuple[float, ...]
    y: tuple[float | None, ...]
    log_x: bool = False
    log_y: bool = False


@dataclass(frozen=True)
class Note:
    text: Text


@dataclass(frozen=True)
class Result:
    rows: tuple[dict[str, Scalar], ...] = ()
    reading: tuple[Text, ...] = ()
    env: Mapping[str, object] = field(default_factory=dict)
    roofline: Mapping[str, object] | None = None


@dataclass(frozen=True)
class Error:
    message: str
    detail: str = ""


Event = Progress | Table | Series | Note | Result | Error

_KINDS: dict[type, str] = {
    Progress: "progress", Table: "table", Series: "series",
    Note: "note", Result: "result", Error: "error",
}
Label = str | Text


def as_text(value: Label) -> Text:
    """A label as bilingual text; a plain string reads the same in both languages."""
    return value if isinstance(value, Text) else Text(value, value)


def _clean(value: object) -> Json:
    """JSON-safe: non-finite floats become null, tuples lists, Text a bilingual object."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Text):
        return value.to_json()
    if isinstance(value, Column):
        return {"key": value.key, "label": _clean(value.label), "unit": value.unit}
    if isinstance(value, Mapping):
        return {str(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    if hasattr(value, "item") and callable(value.item):  # a NumPy or torch scalar
        return _clean(value.item())
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def to_dict(event: Event) -> dict[str, Json]:
    """The event as a JSON-ready object, `{"event": KIND, ...}`."""
    payload: dict[str, Json] = {"event": _KINDS[type(event)]}
    payload.update({name: _clean(getattr(event, name)) for name in event.__dataclass_fields__})
    return payload


def encode(event: Event) -> str:
    """One line of JSON, without the newline."""
    return json.dumps(to_dict(event), ensure_ascii=False, allow_nan=False)


def text_from(value: object, what: str = "text") -> Text:
    """A text as the protocol sends it: a bilingual object, or a plain string for a label
    that reads the same in both languages."""
    if isinstance(value, str):
        return as_text(value)
    if isinstance(value, Mapping) and isinstance(value.get("bg"), str):
        return Text.from_json(value)
    raise ProtocolError(f"{what} is not a text")


def _rows(value: Parsed) -> tuple[dict[str, Scalar], ...]:
    return tuple(dict(row) for row in value)


def _mapping(value: object) -> dict[str, object] | None:
    return dict(value) if isinstance(value, Mapping) else None


def _decode_fields(kind: str, data: Mapping[str, Parsed]) -> Event:
    if kind == "progress":
        return Progress(int(data["done"]), int(data["total"]),
                        text_from(data["message"], "message"))
    if kind == "table":
        columns = tuple(
            Column(str(col["key"]), text_from(col["label"], "column label"),
                   str(col.get("unit", "")))
            for col in data["columns"]
        )
        return Table(str(data["name"]), text_from(data["title"], "title"), columns,
                     _rows(data["rows"]))
    if kind == "series":
        return Series(
            text_from(data["name"], "name"), text_from(data["x_label"], "x_label"),
            text_from(data["y_label"], "y_label"), tuple(float(v) for v in data["x"]),
            tuple(None if v is None else float(v) for v in data["y"]), bool(data.get("log_x")),
            bool(data.get("log_y")),
        )
    if kind == "note":
        return Note(text_from(data["text"], "note"))
    if kind == "result":
        return Result(_rows(data.get("rows") or ()),
                      tuple(text_from(item, "reading") for item in data.get("reading") or ()),
                      dict(data.get("env") or {}), _mapping(data.get("roofline")))
    if kind == "error":
        return Error(str(data["message"]), str(data.get("detail") or ""))
    raise ProtocolError(f"unknown event {kind!r}")


def from_dict(data: object, shown: str = "") -> Event:
    """The event an object from `to_dict` stands for; anything else raises `ProtocolError`."""
    shown = shown or repr(data)[:120]
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        raise ProtocolError(f"not an event: {shown!r}")
    try:
        return _decode_fields(data["event"], data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"malformed {data['event']} event: {shown!r}") from exc


def decode(line: str) -> Event:
    """The event on one line; anything else raises `ProtocolError` quoting the line."""
    shown = line.strip()[:120]
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise ProtocolError(f"not an event: {shown!r}") from exc
    return from_dict(data, shown)


class Emitter:
    """What a lab writes its events with; one flushed line per event.

    Progress is rate-limited: a step that comes sooner than `progress_interval_s` after
    the last one sent is dropped, except the last (done == total), so a lab may report
    every step of a loop. `env`, when given, supplies the fingerprint sent with the result.
    """

    def __init__(self, stream: TextIO, progress_interval_s: float = 0.1,
                 env: Callable[[], Mapping[str, object]] | None = None) -> None:
        self._stream = stream
        self._progress_interval_s = progress_interval_s
        self._last_progress: float | None = None
        self._env = env
        self.finished = False  # True once a result or an error was sent

    def emit(self, event: Event) -> None:
        self._stream.write(encode(event) + "\n")
        self._stream.flush()
        self.finished = self.finished or isinstance(event, Result | Error)

    def progress(self, done: int, total: int, message: Label) -> None:
        now = time.monotonic()
        last = self._last_progress
        if done < total and last is not None and now - last < self._progress_interval_s:
            return
        self._last_progress = now
        self.emit(Progress(done, total, as_text(message)))

    def table(
        self, name: str, title: Label, columns: Sequence[Column | str],
        rows: Iterable[Mapping[str, RowValue]],
    ) -> None:
        """The table `name` as it stands now (send it again as rows are added)."""
        cols = tuple(col if isinstance(col, Column) else Column(col, Text(col, col))
                     for col in columns)
        self.emit(Table(name, as_text(title), cols, tuple(dict(row) for row in rows)))

    def series(
        self, name: Label, x_label: Label, y_label: Label, x: Sequence[float],
        y: Sequence[float | None], log_x: bool = False, log_y: bool = False,
    ) -> None:
        self.emit(Series(as_text(name), as_text(x_label), as_text(y_label), tuple(x), tuple(y),
                         log_x, log_y))

    def note(self, bg: str, en: str) -> None:
        """A bilingual remark."""
        self.emit(Note(Text(bg, en)))

    def result(self, rows: Sequence[Mapping[str, RowValue]],
               reading: Sequence[Mapping[str, str] | Text],
               roofline: Mapping[str, object] | None = None) -> None:
        """Every measured row, the reading (`[{"bg": …, "en": …}, …]`) and the roofline the
        rows were placed on, if any; ends the run."""
        texts = tuple(item if isinstance(item, Text) else Text.from_json(item)
                      for item in reading)
        env = self._env() if self._env is not None else {}
        self.emit(Result(tuple(dict(row) for row in rows), texts, env,
                         None if roofline is None else dict(roofline)))
