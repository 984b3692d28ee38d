"""Reading the quantize lab's rows, and the small pieces of wording its paragraphs share.

Pure code, no torch: the lesson (`lessons/quantize.py`) and the accuracy paragraphs
(`quantize_accuracy.py`) read the rows with these.
"""

from __future__ import annotations

from collections.abc import Sequence

from studyapp.i18n import as_sentence
from studyapp.labs.findings import Row, Rows, find, number
from studyapp.labs.readings import factor
from studyapp.labs.roofline import BOUNDS
from studyapp.labs.stats import Interval
from studyapp.text import Text

TORCH_FP32, ORT_FP32, ORT_DYNAMIC = "torch fp32", "ORT fp32", "ORT int8-dyn"
SIXTEEN_BIT = ("fp16", "bf16")
NOTHING = Text("", "")
PLACED = ("arithmetic_intensity", "ridge_flop_per_byte", "bytes_moved", "gflops", "flops",
          "attainable_gflops", "latency_ms_median", "of_fp32_peak", "precision_speed")


def value(row: Row, key: str) -> float:
    """A number the row is known to hold (its caller checked)."""
    return number(row, key) or 0.0


def rate(row: Row) -> str:
    """A placed row's achieved GFLOP/s (GOP/s for int8), as printed."""
    return f"{value(row, 'gflops'):.3g}"


def of_peak(row: Row) -> str:
    """"×0.45": a placed row's rate as a multiple of the fp32 peak."""
    return factor(value(row, "of_fp32_peak"))


def placed(row: Row | None) -> bool:
    """Whether a row was placed on the roofline (it has a class and every number of it)."""
    return row is not None and row.get("bound") in BOUNDS \
        and all(number(row, key) is not None for key in PLACED)


def timed(rows: Rows, model: str, variant: str, batch: int, device: str = "cpu") -> Row | None:
    """The timed row of one variant, model and batch."""
    row = find(rows, model=model, variant=variant, batch_size=batch, device=device)
    return row if number(row, "latency_ms_median") is not None else None


def models(rows: Rows) -> list[str]:
    """The models with timed rows, in the order they were measured."""
    return list(dict.fromkeys(str(row["model"]) for row in rows
                              if number(row, "latency_ms_median") is not None))


def batches(rows: Rows, model: str) -> list[int]:
    """The batch sizes `model` was timed at on the CPU, smallest first."""
    return sorted({int(value(row, "batch_size")) for row in rows
                   if row.get("model") == model and row.get("device") == "cpu"
                   and number(row, "latency_ms_median") is not None})


def study(rows: Rows, model: str) -> list[Row]:
    """The untimed rows of ONNX Runtime's static recipes on `model` (accuracy, size)."""
    return [row for row in rows if row.get("model") == model and row.get("calibration")
            and row.get("batch_size") is None and number(row, "accuracy") is not None]


def each(parts: Sequence[Text], separator: str = ", ") -> Text:
    """Texts one after another, `separator` apart, in each language."""
    return Text(separator.join(part.bg for part in parts),
                separator.join(part.en for part in parts))


def listing(names: Sequence[str]) -> Text:
    """"a, b and c" in both languages."""
    if len(names) < 2:
        return Text("".join(names), "".join(names))
    head = ", ".join(names[:-1])
    return Text(f"{head} и {names[-1]}", f"{head} and {names[-1]}")


def size_text(nbytes: float) -> str:
    """"68.2 MB" or "204 kB"."""
    return f"{nbytes / 1e6:.1f} MB" if nbytes >= 1e6 else f"{nbytes / 1e3:.0f} kB"


def where_read(row: Row) -> Text:
    """Where a placed row's data is read from: the cache or memory."""
    return (Text("от кеша", "from the cache") if row.get("data_in_cache")
            else Text("от паметта", "from memory"))


def by_direction(found: dict[str, Interval | None]) -> tuple[list[str], list[str], list[str]]:
    """The names measurably faster, measurably slower, and with no measurable difference."""
    faster = [name for name, value in found.items() if value and value.direction() > 0]
    slower = [name for name, value in found.items() if value and value.direction() < 0]
    same = [name for name, value in found.items() if value and value.direction() == 0]
    return faster, slower, same


def outcomes(found: dict[str, Interval | None], faster: Text, slower: Text,
              same: Text = NOTHING) -> Text:
    """"Gain: A — why; loss: B — why; no measurable difference: C." from the intervals (a
    label and a list, so no verb has to agree with how many there are)."""
    labels = (Text("печалба", "gain"), Text("загуба", "loss"),
              Text("без измерима разлика", "no measurable difference"))
    parts = [Text(f"{label.bg}: {listing(names).bg}{why.bg}",
                  f"{label.en}: {listing(names).en}{why.en}")
             for names, label, why in zip(by_direction(found), labels, (faster, slower, same),
                                          strict=True) if names]
    if not parts:
        return NOTHING
    joined = each(parts, "; ")
    return Text(f"{as_sentence(joined.bg)}.", f"{as_sentence(joined.en)}.")
