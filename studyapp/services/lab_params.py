"""A lab's parameters as the command line names and checks them: which labs exist, what each
accepts, a typed value converted and checked. A lab or value that does not exist raises
`LabParamError`, in either language.

A lab's module is imported to read its parameters (it is cheap to import: no torch there).
"""

from __future__ import annotations

from studyapp.labs import registry
from studyapp.labs.params import COMMON_PARAMS, LabParamError, ParamSpec, parse_text

__all__ = ["COMMON_PARAMS", "LabParamError", "ParamSpec", "check_lab", "params_of", "parse_text"]


def check_lab(lab_id: str) -> None:
    """Nothing for a lab that exists (the app's or a registered one), else LabParamError."""
    registry.module_path(lab_id)


def params_of(lab_id: str) -> dict[str, ParamSpec]:
    """The lab's parameters: the common ones, then its own."""
    return registry.params_of(lab_id)
