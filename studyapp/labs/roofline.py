"""This machine's roofline, and where a timed row sits on it. Pure code: no torch here.

The roofline bounds how fast a kernel can run from two measured ceilings: the peak fp32
GEMM rate (GFLOP/s) and the memory bandwidth (GB/s). A kernel that does I FLOP per byte
moved (its arithmetic intensity) can reach at best min(peak, bandwidth × I). Below the ridge
point peak / bandwidth it is memory-bound, above it compute-bound. Data that fits in the
last-level cache is read from the cache, whose bandwidth is measured too.

A row is placed in one of three classes (`bound`):

- `memory`: bandwidth × intensity is the lower ceiling — only moving fewer bytes helps;
- `compute`: the arithmetic peak is the lower ceiling — only faster arithmetic helps;
- `overhead`: its data sits in the cache, the call is short (under OVERHEAD_MS) and the
  roofline allows it under OVERHEAD_SHARE of the time it took — fixed costs per call
  (dispatch, thread wake-up, small kernels) dominate, and neither fewer bytes nor faster
  arithmetic would show. A long call far below its roofline is not that: it stays memory-
  or compute-bound, with its small share said.

`share_of_roofline` is the row's achieved GFLOP/s over what its ceiling allows; above
ABOVE_ROOFLINE the probe was unlucky and is measured again (`roofline_probe.checked`).
The probe itself lives in `roofline_probe.py`; FLOPs and bytes of a model in `work.py`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from studyapp.jsonvalue import Json
from studyapp.labs.events import Parsed, Row
from studyapp.text import Text

OVERHEAD_SHARE = 0.25  # an in-cache row the roofline allows in under this share of its time…
OVERHEAD_MS = 1.0  # …in a call shorter than this: fixed costs are tens to hundreds of µs
ABOVE_ROOFLINE = 1.1  # a share above this means the ceiling was measured too low
BOUNDS = ("memory", "compute", "overhead")


def threads_text(count: int) -> Text:
    """"1 thread", "2 threads" in each language."""
    return Text(f"{count} нишк{'а' if count == 1 else 'и'}",
                f"{count} thread{'' if count == 1 else 's'}")


@dataclass(frozen=True)
class Ceiling:
    """The two roofs measured at one thread count, and the cache's bandwidth."""

    threads: int
    peak_gflops: float  # best fp32 GEMM
    bandwidth_gbs: float  # best read bandwidth over an array far larger than any cache
    cache_bandwidth_gbs: float  # best read bandwidth over an array that fits the cache

    @property
    def ridge(self) -> float:
        """FLOP per byte where memory stops being the limit."""
        return self.peak_gflops / self.bandwidth_gbs

    def best(self, other: Ceiling) -> Ceiling:
        """Each ceiling the higher of two probes: a roof is the best the machine did."""
        return Ceiling(self.threads, max(self.peak_gflops, other.peak_gflops),
                       max(self.bandwidth_gbs, other.bandwidth_gbs),
                       max(self.cache_bandwidth_gbs, other.cache_bandwidth_gbs))


@dataclass(frozen=True)
class Roofline:
    """Ceilings at the lab's thread count (first) and at one thread, with when and under
    what load they were probed, and the last-level cache size they assume."""

    ceilings: tuple[Ceiling, ...]
    measured_at: str  # ISO 8601, UTC
    load_average: float | None  # the 1-minute load average as the probe started
    llc_bytes: int | None
    device: str = "cpu"

    def __post_init__(self) -> None:
        if not self.ceilings:
            raise ValueError("a roofline needs at least one ceiling")

    @property
    def main(self) -> Ceiling:
        return self.ceilings[0]

    @property
    def peak_gflops(self) -> float:
        return self.main.peak_gflops

    @property
    def bandwidth_gbs(self) -> float:
        return self.main.bandwidth_gbs

    @property
    def threads(self) -> int:
        return self.main.threads

    @property
    def ridge(self) -> float:
        return self.main.ridge

    def at(self, threads: int) -> Ceiling | None:
        """The ceiling probed at `threads`; None for a thread count never probed."""
        return next((c for c in self.ceilings if c.threads == threads), None)

    def summary(self) -> Text:
        """One line for the result screen: the ceilings, and when and under what load."""
        parts_bg, parts_en = [], []
        for ceiling in self.ceilings:
            threads = threads_text(ceiling.threads)
            parts_bg.append(f"{ceiling.peak_gflops:.0f} GFLOP/s и {ceiling.bandwidth_gbs:.1f} "
                            f"GB/s (кеш {ceiling.cache_bandwidth_gbs:.0f}) при {threads.bg}")
            parts_en.append(f"{ceiling.peak_gflops:.0f} GFLOP/s and {ceiling.bandwidth_gbs:.1f} "
                            f"GB/s (cache {ceiling.cache_bandwidth_gbs:.0f}) at {threads.en}")
        when = self.measured_at.replace("T", " ").removesuffix("+00:00")
        load = "?" if self.load_average is None else f"{self.load_average:.2f}"
        return Text(f"{'; '.join(parts_bg)} · измерен {when} UTC при натоварване {load}",
                    f"{'; '.join(parts_en)} · probed {when} UTC at load {load}")

    def to_json(self) -> dict[str, Json]:
        """What `--json` results carry under `roofline`."""
        return {
            "peak_gflops": self.peak_gflops, "bandwidth_gbs": self.bandwidth_gbs,
            "cache_bandwidth_gbs": self.main.cache_bandwidth_gbs, "threads": self.threads,
            "measured_at": self.measured_at, "load_average": self.load_average,
            "llc_bytes": self.llc_bytes, "device": self.device,
            "ceilings": [asdict(ceiling) for ceiling in self.ceilings],
        }

    @classmethod
    def from_json(cls, data: object) -> Roofline | None:
        """The roofline `to_json` wrote, or None when anything in it is missing or wrong."""
        if not isinstance(data, Mapping) or not isinstance(data.get("ceilings"), list):
            return None
        try:
            ceilings = tuple(_ceiling(item) for item in data["ceilings"])
            load, llc = data.get("load_average"), data.get("llc_bytes")
            roof = cls(ceilings, str(data["measured_at"]),
                       None if load is None else _positive(load, zero=True),
                       None if llc is None else int(_positive(llc)),
                       str(data.get("device") or "cpu"))
        except (KeyError, TypeError, ValueError):
            return None
        return roof


def _positive(value: object, zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"not a number: {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        raise ValueError(f"not a positive number: {value!r}")
    return float(value)


def _ceiling(item: Parsed) -> Ceiling:
    return Ceiling(int(_positive(item["threads"])), _positive(item["peak_gflops"]),
                   _positive(item["bandwidth_gbs"]), _positive(item["cache_bandwidth_gbs"]))


@dataclass(frozen=True)
class Work:
    """What one call asks of the machine."""

    flops: float  # arithmetic operations (a multiply-add is 2), whatever the precision
    bytes: float  # a lower bound on memory traffic: weights, input and output, once each
    speed: float = 1.0  # how many times the fp32 peak this precision's arithmetic can run

    @property
    def intensity(self) -> float:
        return self.flops / self.bytes


def place(row: Row, work: Work, roof: Roofline) -> Row:
    """`row` (with `latency_ms_median`, and its interval where measured) put on `roof` at its
    own thread count: achieved GFLOP/s, intensity, bound class and share of the roofline.
    A row at a thread count the roofline was not probed at stays where it is, unplaced."""
    ceiling = roof.at(int(row.get("threads") or roof.threads))
    if ceiling is None:
        return row
    seconds = row["latency_ms_median"] / 1e3
    in_cache = roof.llc_bytes is not None and work.bytes <= roof.llc_bytes
    bandwidth = ceiling.cache_bandwidth_gbs if in_cache else ceiling.bandwidth_gbs
    peak = ceiling.peak_gflops * work.speed
    attainable = min(peak, bandwidth * work.intensity)
    if in_cache and seconds < OVERHEAD_MS / 1e3 \
            and work.flops / (attainable * 1e9) < OVERHEAD_SHARE * seconds:
        bound = "overhead"
    else:
        bound = "memory" if bandwidth * work.intensity < peak else "compute"
    achieved = work.flops / seconds / 1e9
    row.update({
        "flops": work.flops, "precision_speed": work.speed, "gflops": achieved,
        "arithmetic_intensity": work.intensity, "bytes_moved": work.bytes,
        "data_in_cache": in_cache, "ridge_flop_per_byte": peak / bandwidth,
        "attainable_gflops": attainable, "bound": bound,
        "share_of_roofline": achieved / attainable,
    })
    if row.get("latency_ms_low") and row.get("latency_ms_high"):
        for key, ms in (("share_of_roofline_low", row["latency_ms_high"]),
                        ("share_of_roofline_high", row["latency_ms_low"])):
            row[key] = work.flops / (ms / 1e3) / 1e9 / attainable
    return row


def above_roofline(row: Mapping[str, object]) -> bool:
    """Whether a placed row ran faster than its ceiling allows (the probe was too low)."""
    share = row.get("share_of_roofline")
    return isinstance(share, int | float) and share > ABOVE_ROOFLINE
