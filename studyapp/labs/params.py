"""Lab parameters: declared by each lab, validated in the parent before the child starts.

A lab module declares `PARAMS: dict[str, ParamSpec]`; every lab also accepts
`COMMON_PARAMS`: `size` ("quick" for tests, "default" for learners), `threads`, `device`
and `seed`. Unknown names, wrong types and out-of-range values raise `LabParamError`, one
line naming the lab, the parameter and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from studyapp.ascii_numbers import ascii_float, ascii_int
from studyapp.errors import StudyappError
from studyapp.labs.envinfo import usable_cores
from studyapp.text import Text

SIZES = ("quick", "default")

ParamValue = bool | int | float | str  # the kinds a parameter's spec may name
Params = Mapping[str, ParamValue]  # what a lab's `run` is given: every parameter, checked


class LabParamError(StudyappError):
    """A lab or parameter the user asked for does not exist or is out of range.

    `str()` is English; `text(lang)` gives either language.
    """

    def __init__(self, message: Text) -> None:
        self.message = message
        super().__init__(message.en)

    def text(self, lang: str) -> str:
        return self.message.get(lang)


def param_error(lab_id: str, bg: str, en: str) -> LabParamError:
    """The error, prefixed with the lab it concerns (when there is one)."""
    if lab_id:
        return LabParamError(Text(f"лаборатория {lab_id!r}: {bg}", f"lab {lab_id!r}: {en}"))
    return LabParamError(Text(bg, en))


_KIND_NAMES = {"en": {int: "int", float: "number", str: "text"},
               "bg": {int: "цяло число", float: "число", str: "текст"}}


@dataclass(frozen=True)
class ParamSpec:
    kind: type  # int | float | str | bool
    default: ParamValue
    choices: tuple[ParamValue, ...] | None = None
    min: float | None = None  # inclusive
    max: float | None = None
    help: str | Text = ""

    def allowed(self, lang: str = "en") -> str:
        """What the parameter accepts, for error messages and `lab list`."""
        if self.choices:
            return " | ".join(str(choice) for choice in self.choices)
        if self.kind is bool:
            return "true | false"
        low, high = (
            "" if bound is None else str(int(bound)) if float(bound).is_integer() else str(bound)
            for bound in (self.min, self.max)
        )
        within = " в " if lang == "bg" else " in "
        name = _KIND_NAMES["bg" if lang == "bg" else "en"].get(self.kind, self.kind.__name__)
        return name + (f"{within}{low}..{high}" if low or high else "")


COMMON_PARAMS: dict[str, ParamSpec] = {
    "size": ParamSpec(str, "default", choices=SIZES,
                      help=Text("quick: няколко секунди (за проверки); default: до 30 s",
                                "quick: a few seconds (for checks); default: up to 30 s")),
    "threads": ParamSpec(int, usable_cores(), min=1, max=4 * usable_cores(),
                         help=Text("нишки на torch и ONNX Runtime",
                                   "torch and ONNX Runtime threads")),
    "device": ParamSpec(str, "cpu", choices=("cpu", "cuda"),
                        help=Text("устройство за torch", "torch device")),
    "seed": ParamSpec(int, 0, min=0, max=2**31 - 1,
                      help=Text("начално число за входовете", "seed for the inputs")),
}


def timing_model(default: str, *others: str) -> ParamSpec:
    """The `model` parameter of a lab that times a model with seeded random weights."""
    return ParamSpec(str, default, choices=(default, *others),
                     help=Text("моделът (необучен: теглата не променят времето)",
                               "the model (untrained: weights do not change the timing)"))


def check_value(name: str, spec: ParamSpec, value: object, lab_id: str = "") -> ParamValue:
    """`value` if `spec` accepts it (an int widens to a float), else `LabParamError`."""
    wrong = param_error(lab_id, f"{name} трябва да е {spec.allowed('bg')}, а не {value!r}",
                        f"{name} must be {spec.allowed()}, not {value!r}")
    if spec.kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    # a spec's kind is one of ParamValue's; the second test says so to the type checker too
    if not (isinstance(value, spec.kind) and isinstance(value, int | float | str)) or (
            spec.kind is int and isinstance(value, bool)):
        raise wrong
    if spec.choices and value not in spec.choices:
        raise wrong
    if isinstance(value, int | float) and (
            (spec.min is not None and value < spec.min)
            or (spec.max is not None and value > spec.max)):
        raise param_error(lab_id, f"{name}={value!r} е извън границите ({spec.allowed('bg')})",
                          f"{name}={value!r} is out of range ({spec.allowed()})")
    return value


def parse_text(name: str, spec: ParamSpec, text: str, lab_id: str = "") -> ParamValue:
    """A value typed on the command line (`threads=2`, `model=cnn`), converted and checked."""
    value: ParamValue = text
    try:
        if spec.kind is bool:
            lowered = text.strip().lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            value = lowered in ("true", "1", "yes")
        elif spec.kind in (int, float):
            value = (ascii_int if spec.kind is int else ascii_float)(text)
    except ValueError:
        raise param_error(lab_id, f"{name} трябва да е {spec.allowed('bg')}, а не {text!r}",
                          f"{name} must be {spec.allowed()}, not {text!r}") from None
    return check_value(name, spec, value, lab_id)


def all_specs(specs: Mapping[str, ParamSpec]) -> dict[str, ParamSpec]:
    """The common parameters, then the lab's own."""
    return {**COMMON_PARAMS, **specs}


def validate(
    specs: Mapping[str, ParamSpec], given: Mapping[str, object], lab_id: str = ""
) -> dict[str, ParamValue]:
    """Every parameter (common and the lab's `specs`): `given` values checked, the rest defaults."""
    known = all_specs(specs)
    unknown = sorted(set(given) - set(known))
    if unknown:
        names = ", ".join(known)
        raise param_error(lab_id, f"няма параметър {unknown[0]!r} (има: {names})",
                          f"no parameter {unknown[0]!r} (known: {names})")
    resolved = {name: spec.default for name, spec in known.items()}
    resolved.update({name: check_value(name, known[name], value, lab_id)
                     for name, value in given.items()})
    return resolved
