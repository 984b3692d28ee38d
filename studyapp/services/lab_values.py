"""The lab values the app and the command line handle: the events a run streams (progress,
tables, plots), the run they fold into, and the card drafts a finished run offers; with
`stopped_by_signals`, under which a run followed in the foreground stops on SIGTERM or
SIGHUP and is still recorded (`LabService.run`).
"""

from __future__ import annotations

from studyapp.labs.events import Event, Progress, Series, Table
from studyapp.labs.lesson import CardDraft
from studyapp.labs.runner import LabRun, stopped_by_signals

__all__ = ["CardDraft", "Event", "LabRun", "Progress", "Series", "Table", "stopped_by_signals"]
