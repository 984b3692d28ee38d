"""The labs the app offers, in catalogue order, with their steps, titles and descriptions.

Light on purpose (no lab module is imported): the app's command palette and screens read it
at start-up.
"""

from __future__ import annotations

from studyapp.labs.catalog import LAB_IDS, LABS, LabInfo, lab_info

__all__ = ["LABS", "LAB_IDS", "LabInfo", "lab_info"]
