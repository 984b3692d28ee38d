"""The serving lab's row vocabulary and how its rows are picked out. Pure code, no torch.

The lab times one request and a full batch in the harness (`comparison == SERVICE`, one row
per batch size), then serves a request queue at several loads under each policy, in shuffled
rounds (`comparison == SWEEP`, one row per `policy` and load). `load` is the offered rate as a
share of one-at-a-time capacity (one over the time of one request). The lab writes its rows
with these names, and its lesson reads them back with these functions.

The language-model part has its own two comparisons: `DECODER_SERVICE`, the harness's rows
(a decode step for one sequence and for a full batch, and one prompt's prefill), and
`DECODER_SWEEP`, a row per policy and load, where `load` is the offered output tokens per
second as a share of what full batches decoding back to back produce.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING

from studyapp.labs.findings import Row, Rows, number
from studyapp.text import Text

if TYPE_CHECKING:  # the queue imports numpy; the app reads these rows without it
    from studyapp.labs.serving_queue import Point

ONE_AT_A_TIME = "one at a time"
DYNAMIC = "dynamic batching"
CONTINUOUS = "continuous batching"  # the decoder's requests join and leave between steps
POLICIES = (ONE_AT_A_TIME, DYNAMIC)
DECODER_POLICIES = (DYNAMIC, CONTINUOUS)  # one at a time: from its timed step alone
LABELS = {ONE_AT_A_TIME: Text("една по една", ONE_AT_A_TIME),
          DYNAMIC: Text("динамично пакетиране", DYNAMIC),
          CONTINUOUS: Text("непрекъснато пакетиране", CONTINUOUS)}
SHORT = {ONE_AT_A_TIME: LABELS[ONE_AT_A_TIME],  # in a table row, beside its load
         DYNAMIC: Text("динамично", "dynamic"), CONTINUOUS: Text("непрекъснато", "continuous")}
ONE_REQUEST = Text("една заявка", "one request")  # the `variant` of the SERVICE rows
FULL_BATCH = Text("пълен пакет", "full batch")
ONE_STEP = Text("стъпка decode, 1 последователност", "decode step, 1 sequence")  # and of
BATCH_STEP = Text("стъпка decode, пълен пакет", "decode step, full batch")  # DECODER_SERVICE
PREFILL = Text("prefill на една подкана", "prefill of one prompt")
DEFAULT_BUDGET_MS = 2.0  # the p99 target the lab and its question take unless one is set
SERVICE = "service"  # `comparison`: one request and a full batch, timed by the harness
SWEEP = "sweep"  # `comparison`: the queue at each load under each policy
DECODER_SERVICE = "decoder service"  # `comparison`: the decoder's step and prefill times
DECODER_SWEEP = "decoder sweep"  # `comparison`: the decoder's queue, each load and policy


def case_row(comparison: str, policy: str, load: float, rounds: Sequence[Point]) -> Row:
    """What both sweeps' rows say alike of a policy at a load, from its every round: its
    name, the medians of p90, utilisation and batch size, and the requests served and left
    unfinished."""
    name = SHORT[policy]

    def median(key: str) -> float:
        return statistics.median(float(getattr(point, key)) for point in rounds)

    return {"comparison": comparison, "policy": policy, "load": load,
            "variant": f"{name.en}, ρ {load:g}", "variant_bg": f"{name.bg}, ρ {load:g}",
            "latency_ms_p90": median("p90_ms"), "busy": median("busy"),
            "mean_batch": median("mean_batch"), "requests": sum(point.served for point in rounds),
            "rounds": len(rounds), "unfinished": sum(point.unfinished for point in rounds)}


def load_of(row: Row | None) -> float:
    return number(row, "load") or 0.0


def sweep(rows: Rows, policy: str, comparison: str = SWEEP) -> list[Row]:
    """One policy's queue rows (of the one-shot model, or of the decoder's
    `DECODER_SWEEP`), lightest load first."""
    return sorted((row for row in rows if row.get("comparison") == comparison
                   and row.get("policy") == policy
                   and number(row, "latency_ms_p99") is not None), key=load_of)


def service(rows: Rows, comparison: str = SERVICE) -> list[Row]:
    """The harness rows of one request and of a full batch (or the decoder's), smallest
    batch first."""
    return sorted((row for row in rows if row.get("comparison") == comparison
                   and number(row, "latency_ms_median") is not None),
                  key=lambda row: number(row, "batch_size") or 0)


def label(policy: str) -> Text:
    return LABELS.get(policy, Text(policy, policy))
