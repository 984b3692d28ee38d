"""Starting the app loads neither torch nor onnxruntime."""

from __future__ import annotations

import subprocess
import sys

HEAVY = {"torch", "onnxruntime"}


def modules_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, timeout=60)
    return set(result.stdout.split())


def test_importing_the_command_line_and_the_app_loads_no_heavy_runtime() -> None:
    loaded = modules_after("import studyapp.cli, studyapp.tui.app")
    assert "textual" in loaded
    assert not loaded & HEAVY


def test_every_screen_module_stays_light() -> None:
    loaded = modules_after(
        "import studyapp.tui.app\n"
        "from studyapp.tui.screens import MAIN_SCREENS\n"
        "from importlib import import_module\n"
        "for module, _ in MAIN_SCREENS.values(): import_module(module)"
    )
    assert "studyapp.tui.screens.review" in loaded
    assert not loaded & HEAVY


def test_the_first_paint_waits_for_no_database_layer() -> None:
    """The database opens in the background after the dashboard is drawn: the modules that
    draw it do not import SQLAlchemy."""
    loaded = modules_after("import studyapp.cli.context, studyapp.tui.app, "
                           "studyapp.tui.screens.dashboard")
    assert "studyapp.tui.screens.dashboard" in loaded
    assert "sqlalchemy" not in loaded
