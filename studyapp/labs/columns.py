"""Table columns for the row keys the labs share, each with one label in both languages, and
a row's values in a language.

A lab builds a table as `columns("variant", "batch_size", "latency_ms_median", …)`. Where a
key means something particular in one table (the `variant` of an operator table is an
operator), the lab passes its own `Column` in that place instead.

A value that reads differently in Bulgarian is stored twice: under its key in English (what
lessons and predictions read) and under `KEY_bg`; a `_bg` key is never a column of its own.
No torch here.
"""

from __future__ import annotations

from collections.abc import Mapping

from studyapp.labs.events import Column, Scalar
from studyapp.text import Text

SKIPPED = "skipped: "  # how a row's English status starts when the row could not run here
SKIPPED_BG = "пропуснато: "  # and its Bulgarian twin

SHARED: dict[str, Column] = {column.key: column for column in (
    Column("variant", Text("вариант", "variant")),
    Column("model", Text("модел", "model")),
    Column("batch_size", Text("пакет", "batch")),
    Column("latency_ms_median", Text("медиана", "median"), "ms"),
    Column("latency_ms_low", Text("95% от", "95% from"), "ms"),
    Column("latency_ms_high", Text("95% до", "95% to"), "ms"),
    Column("latency_ms_p90", Text("p90", "p90"), "ms"),
    Column("latency_ms_p99", Text("p99", "p99"), "ms"),
    Column("latency_ms_cold", Text("студено", "cold"), "ms"),
    Column("spread", Text("p90/медиана", "p90/median"), "×"),
    Column("noisy", Text("шумно", "noisy")),
    Column("samples", Text("проби", "samples")),
    Column("rounds", Text("кръгове", "rounds")),
    Column("stalls", Text("повторени кръгове", "rounds redone")),
    Column("speedup", Text("ускорение", "speed-up"), "×"),
    Column("speedup_low", Text("95% от", "95% from"), "×"),
    Column("speedup_high", Text("95% до", "95% to"), "×"),
    Column("accuracy", Text("точност", "accuracy"), "0..1"),
    Column("size_bytes", Text("размер", "size"), "B"),
    Column("params_count", Text("параметри", "parameters")),
    Column("share", Text("дял", "share"), "0..1"),
    Column("gflops", Text("постигнати", "achieved"), "GFLOP/s"),
    Column("arithmetic_intensity", Text("аритм. интензивност", "arithmetic intensity"),
           "FLOP/B"),
    Column("ridge_flop_per_byte", Text("праг (пик/честотна лента)", "ridge (peak/bandwidth)"),
           "FLOP/B"),
    Column("bound", Text("ограничен от", "bound by")),
    Column("attainable_gflops", Text("достижими", "attainable"), "GFLOP/s"),
    Column("share_of_roofline", Text("дял от roofline", "share of roofline"), "0..1"),
    Column("threads", Text("нишки", "threads")),
    Column("device", Text("устройство", "device")),
    Column("status", Text("състояние", "status")),
)}


def columns(*picks: str | Column) -> tuple[Column, ...]:
    """The shared columns named by key, in order, with a lab's own `Column`s where given."""
    return tuple(SHARED[pick] if isinstance(pick, str) else pick for pick in picks)


def interval_columns(key: str, label: Text, unit: str) -> tuple[Column, ...]:
    """A measured column and the two ends of its 95% interval (`KEY_low`, `KEY_high`)."""
    return (Column(key, label, unit), Column(f"{key}_low", Text("95% от", "95% from"), unit),
            Column(f"{key}_high", Text("95% до", "95% to"), unit))


def skipped(why: Text) -> dict[str, str]:
    """The status of a row that could not run here, saying `why` in both languages."""
    return {"status": f"{SKIPPED}{why.en}", "status_bg": f"{SKIPPED_BG}{why.bg}"}


def skip_reason(row: Mapping[str, object]) -> Text:
    """Why a `skipped` row could not run, in both languages; in English in both for a row
    recorded before its status had a Bulgarian twin."""
    why = str(row.get("status") or "").removeprefix(SKIPPED)
    return Text(str(row.get("status_bg") or "").removeprefix(SKIPPED_BG) or why, why)


def row_value(row: Mapping[str, Scalar], key: str, lang: str) -> Scalar:
    """The row's value under `key` in `lang`: in Bulgarian, `KEY_bg` where the lab gave one."""
    if lang == "bg" and row.get(f"{key}_bg"):
        return row[f"{key}_bg"]
    return row.get(key)
