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

from studyapp.labs.findings import Row, Rows, number
from studyapp.text import Text

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
