"""The serving lab's row vocabulary and how its rows are picked out. Pure code, no torch.

The lab times one request and a full batch in the harness (`comparison == SERVICE`, one row
per batch size), then serves a request queue at several loads under each policy, in shuffled
rounds (`comparison == SWEEP`, one row per `policy` and load). `load` is the offered rate as a
share of one-at-a-time capacity (one over the time of one request). The lab writes its rows
with these names, and its lesson reads them back with these functions.
"""

from __future__ import annotations

from studyapp.labs.findings import Row, Rows, number
from studyapp.text import Text

ONE_AT_A_TIME = "one at a time"
DYNAMIC = "dynamic batching"
POLICIES = (ONE_AT_A_TIME, DYNAMIC)
LABELS = {ONE_AT_A_TIME: Text("една по една", ONE_AT_A_TIME),
          DYNAMIC: Text("динамично пакетиране", DYNAMIC)}
SHORT = {ONE_AT_A_TIME: LABELS[ONE_AT_A_TIME],  # in a table row, beside its load
         DYNAMIC: Text("динамично", "dynamic")}
ONE_REQUEST = Text("една заявка", "one request")  # the `variant` of the SERVICE rows
FULL_BATCH = Text("пълен пакет", "full batch")
DEFAULT_BUDGET_MS = 2.0  # the p99 target the lab and its question take unless one is set
SERVICE = "service"  # `comparison`: one request and a full batch, timed by the harness
SWEEP = "sweep"  # `comparison`: the queue at each load under each policy


def load_of(row: Row | None) -> float:
    return number(row, "load") or 0.0


def sweep(rows: Rows, policy: str) -> list[Row]:
    """One policy's queue rows, lightest load first."""
    return sorted((row for row in rows if row.get("comparison") == SWEEP
                   and row.get("policy") == policy
                   and number(row, "latency_ms_p99") is not None), key=load_of)


def service(rows: Rows) -> list[Row]:
    """The harness rows of one request and of a full batch, smallest batch first."""
    return sorted((row for row in rows if row.get("comparison") == SERVICE
                   and number(row, "latency_ms_median") is not None),
                  key=lambda row: number(row, "batch_size") or 0)


def label(policy: str) -> Text:
    return LABELS.get(policy, Text(policy, policy))
