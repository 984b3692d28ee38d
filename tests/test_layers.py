"""The layers of the design hold: the pure core stays pure, the app stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "onnxruntime", "onnx")


def imported_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(out.stdout.split())


@pytest.mark.parametrize("package", ["studyapp.text", "studyapp.deck", "studyapp.srs.sm2",
                                     "studyapp.srs.calendar"])
def test_domain_core_imports_no_framework(package: str) -> None:
    loaded = imported_after(f"import {package}")
    for framework in ("textual", "sqlmodel", "sqlalchemy", *HEAVY):
        assert framework not in loaded, f"{package} pulls in {framework}"


def test_command_line_starts_without_torch() -> None:
    loaded = imported_after("import studyapp.cli; studyapp.cli.build_parser()")
    assert not loaded & set(HEAVY)


def test_lab_catalogue_is_light() -> None:
    loaded = imported_after("import studyapp.labs.catalog")
    assert not loaded & set(HEAVY)
