"""Which module runs which lab, and how a lab module looks.

A lab is a module with:

    PARAMS: dict[str, ParamSpec]         # its own parameters (see `params.py`); may be empty
    def run(params: Params, emit: Emitter) -> None:
        ...                              # measure; progress/table/series/note events
        emit.result(rows, reading)       # last: every row and the reading of this run

`params` holds the lab's own parameters plus `size`, `threads`, `device` and `seed`. The
module must be cheap to import (no torch/onnxruntime at module level): the parent imports it
to validate parameters; `run` imports the heavy libraries and runs only in the child process.

The app's labs are `studyapp.labs.<id>` for every id in `catalog.LABS`. Other labs (test
labs, experiments) are added with `register(lab_id, "dotted.module")`; the runner passes
the module path to the child, so the registration holds there too.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Protocol, cast

from studyapp.labs import params
from studyapp.labs.catalog import LABS
from studyapp.labs.events import Emitter
from studyapp.labs.params import LabParamError, Params, ParamSpec, ParamValue, param_error
from studyapp.text import Text

BUILTIN: dict[str, str] = {lab.id: f"studyapp.labs.{lab.id}" for lab in LABS}
_extra: dict[str, str] = {}


class LabModule(Protocol):
    PARAMS: dict[str, ParamSpec]
    run: Callable[[Params, Emitter], None]


def register(lab_id: str, module: str) -> None:
    """Make `lab_id` run `module` (a dotted path importable by this and the child process)."""
    _extra[lab_id] = module


def unregister(lab_id: str) -> None:
    _extra.pop(lab_id, None)


def lab_ids() -> list[str]:
    """The app's labs in catalogue order, then registered ones."""
    return [*BUILTIN, *(lab_id for lab_id in _extra if lab_id not in BUILTIN)]


def module_path(lab_id: str) -> str:
    path = _extra.get(lab_id) or BUILTIN.get(lab_id)
    if path is None:
        known = ", ".join(lab_ids())
        raise LabParamError(Text(f"няма лаборатория {lab_id!r} (има: {known})",
                                 f"unknown lab {lab_id!r} (known: {known})"))
    return path


def is_registered(lab_id: str) -> bool:
    """True for a lab added with `register` rather than shipped with the app."""
    return lab_id in _extra


def is_available(lab_id: str) -> bool:
    """Whether the lab's module exists (without importing it)."""
    try:
        return importlib.util.find_spec(module_path(lab_id)) is not None
    except (ImportError, ValueError):
        return False


def load(lab_id: str) -> LabModule:
    """The lab's module, checked for `PARAMS` and `run`."""
    path = module_path(lab_id)
    try:
        module: ModuleType = importlib.import_module(path)
    except ImportError as exc:
        raise param_error(lab_id, f"не може да се зареди от {path}: {exc}",
                          f"cannot be loaded from {path}: {exc}") from exc
    if not callable(getattr(module, "run", None)) or not isinstance(
        getattr(module, "PARAMS", None), dict
    ):
        raise param_error(lab_id, f"{path} трябва да определя PARAMS и run(params, emit)",
                          f"{path} must define PARAMS and run(params, emit)")
    return cast(LabModule, module)


def params_of(lab_id: str) -> dict[str, ParamSpec]:
    """The lab's parameters: the common ones, then its own."""
    return params.all_specs(load(lab_id).PARAMS)


def validate(lab_id: str, given: Mapping[str, object]) -> dict[str, ParamValue]:
    """Every parameter of `lab_id`, checked (see `params.validate`)."""
    return params.validate(load(lab_id).PARAMS, given, lab_id)
