"""Labs in the app: predict, run, read the result, keep cards; cancel; a crashing lab."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import platformdirs
import pytest
from lab_records import (
    app_over_a_recorded_run,
    record_quantize_run,
    record_real_run,
)
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual_plotext import PlotextPlot
from tui_support import (
    MODULE_TOML,
    FakeClock,
    build_app,
    drive,
    opened_service,
    running,
    screen_after,
)

from studyapp.labs import registry
from studyapp.labs.events import Progress
from studyapp.labs.findings import measured_cleanly
from studyapp.paths import SHIPPED_CONTENT
from studyapp.store import lab_runs
from studyapp.text import Text
from studyapp.tui.app import StudyApp, make_app
from studyapp.tui.lab_messages import LabFinished, LabProgress
from studyapp.tui.screens.dashboard import DashboardScreen
from studyapp.tui.screens.lab_compare import LabCompareScreen
from studyapp.tui.screens.lab_failure import LabFailureDialog
from studyapp.tui.screens.lab_history import LabHistoryScreen
from studyapp.tui.screens.lab_result import LabResultScreen
from studyapp.tui.screens.lab_run import LabRunScreen
from studyapp.tui.screens.labs import LabsScreen
from studyapp.tui.screens.prediction import ChoiceDialog, PredictionDialog
from studyapp.tui.screens.result_cards import ResultCardsDialog
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.screens.study import StudyScreen


def probe_defaults(monkeypatch: pytest.MonkeyPatch, probe: str, mode: str, steps: int) -> None:
    """The app starts a lab with its defaults: make them the probe's `mode` and `steps`."""
    specs = registry.load(probe).PARAMS
    monkeypatch.setitem(specs, "mode", replace(specs["mode"], default=mode))
    monkeypatch.setitem(specs, "steps", replace(specs["steps"], default=steps))


def text(app: StudyApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def finished(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    for _ in range(5):
        await pilot.pause()


async def progressed(pilot: Pilot) -> None:
    """Wait until the running lab has reported its first step."""
    app = pilot.app
    assert isinstance(app, StudyApp)
    for _ in range(500):
        await pilot.pause(0.02)
        if app.lab_run is not None and app.lab_run.progress is not None:
            return
    raise AssertionError("the lab reported no progress")


@drive
async def test_a_lab_from_a_study_step_predicts_runs_and_its_cards_are_reviewed(
    tmp_path: Path, labs_data_dir: Path
) -> None:
    clock = FakeClock()
    app = build_app(tmp_path, clock, lang="en")
    app.lab_size = "quick"
    async with running(app) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, StudyScreen)
        while app.screen.sections[app.screen.index].step is None:
            await pilot.press("n")
        await pilot.press("l")
        assert isinstance(app.screen, PredictionDialog)
        await pilot.press("3")  # "10–100×" slower for the first call
        assert isinstance(app.screen, LabRunScreen)
        await finished(pilot)
        result = app.screen
        assert isinstance(result, LabResultScreen)
        await pilot.press("k")

        if not isinstance(app.screen, ResultCardsDialog):  # a machine too busy to measure
            assert not measured_cleanly(result.record.run.rows)
            assert not result.query("#lab-result-verdict")
            assert any(text.en.startswith("Could not measure cleanly")
                       for text in result.record.run.reading)
            return
        assert app.screen.chosen == {0, 1}
        assert result.record.run.status == "ok"
        assert "Your prediction: 10–100×" in _outcome(result)
        verdict = str(result.query_one("#lab-result-verdict").render())
        assert verdict.split(":")[0] in ("Right", "Close, one step off", "Far off", "Cannot tell")
        assert "first call" in verdict
        assert len(result.query(".lab-table")) == 2  # timings and clocks
        assert len(result.query(PlotextPlot)) == 1  # the single readings against the harness
        assert "torch" in str(result.query_one("#lab-result-env").render())

        await pilot.press("space", "a")  # leave the first card out, add the second
        assert isinstance(app.screen, LabResultScreen)
        run_id = result.record.id
        await pilot.press("escape", "escape", "escape")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("r")
        assert isinstance(app.screen, ReviewScreen)
        item = app.screen.item
        assert item is not None and item.card.id == f"result.{run_id}.1"
        assert "Why report percentiles" in text(app, "#card-front")
        await pilot.press("space", "5")

    with opened_service(tmp_path, clock) as service:
        record = lab_runs.get_run(service.engine, run_id)
        assert (record.lab_id, record.status, record.card_id) == ("latency", "ok", "step.1")
        assert record.prediction["choice"] == 2
        assert [entry.grade for entry in service.card_info(f"result.{run_id}.1").history] == [5]
        assert not [item for item in service.queue() if item.card.kind == "result"]


def _outcome(screen: LabResultScreen) -> str:
    return " ".join(str(widget.render()) for widget in screen.query("#lab-result-outcome Plain"))


@drive
async def test_a_running_lab_belongs_to_the_app_and_can_be_cancelled(
    tmp_path: Path, probe: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe_defaults(monkeypatch, probe, "sleep", steps=1000)  # 200 s: it is stopped first
    app = build_app(tmp_path, FakeClock(), lang="en")
    notices: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **_: notices.append(message))
    async with running(app) as pilot:
        app.launch_lab(probe)
        await progressed(pilot)
        assert isinstance(app.screen, LabRunScreen)
        await pilot.press("b")  # the lab keeps running while the learner reviews
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("r")
        assert isinstance(app.screen, ReviewScreen) and app.lab_run is not None
        await pilot.press("space", "5")
        app.launch_lab("latency")  # one lab at a time
        assert notices == ["The probe lab is still running: one at a time."]
        assert isinstance(app.screen, ReviewScreen)

        await pilot.press("escape", "l")
        assert isinstance(app.screen, LabsScreen)
        assert text(app, "#labs-running").startswith("▶ probe:")
        await pilot.press("v")
        assert isinstance(app.screen, LabRunScreen)
        await pilot.press("c")
        await finished(pilot)
        assert isinstance(app.screen, LabFailureDialog)
        assert "cancelled by the user" in text(app, "#lab-failure-reason")
        await pilot.press("escape")
        assert isinstance(app.screen, LabsScreen) and app.lab_run is None
        await pilot.press("o")  # the last run of the highlighted lab (latency): none yet
        assert isinstance(app.screen, LabsScreen)

    with opened_service(tmp_path, FakeClock()) as service:
        [record] = lab_runs.list_runs(service.engine, probe)
        assert record.status == "cancelled"
        assert service.stats().total_reviews == 1  # the answer given meanwhile stands


@drive
async def test_a_crashing_lab_shows_why_and_the_app_keeps_working(
    tmp_path: Path, probe: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe_defaults(monkeypatch, probe, "raise", steps=1)
    app = build_app(tmp_path, FakeClock(), lang="bg")
    async with running(app) as pilot:
        app.launch_lab(probe)
        await finished(pilot)
        assert isinstance(app.screen, LabFailureDialog)
        assert "ValueError" in text(app, "#lab-failure-reason")
        assert not app.screen.query_one("#lab-failure-details").display
        await pilot.press("d")
        assert app.screen.query_one("#lab-failure-details").display
        details = text(app, "#lab-failure-text")
        assert "the probe failed on purpose" in details and "labs_probe.py" in details
        await pilot.press("enter")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("r")
        assert isinstance(app.screen, ReviewScreen) and app.screen.item is not None

    with opened_service(tmp_path, FakeClock()) as service:
        [record] = lab_runs.list_runs(service.engine, probe)
        assert record.status == "failed" and "ValueError" in (record.error or "")


@drive
async def test_review_runs_the_lab_of_the_card_on_screen(tmp_path: Path) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        review = await screen_after(pilot, ReviewScreen, "r")
        while review.item is not None and review.item.card.lab is None:
            await pilot.press("space", "5")
        assert review.item is not None
        card = review.item.card
        await pilot.press("l")
        assert isinstance(app.screen, PredictionDialog)
        assert "first (cold) call" in text(app, "#choice-prompt")
        await pilot.press("escape")  # not now: nothing runs, the card is still there
        assert app.screen is review and review.item.card == card and app.lab_run is None


@drive
async def test_history_lists_runs_and_compares_two_side_by_side(tmp_path: Path) -> None:
    first = record_quantize_run(tmp_path, threads=2)
    second = record_quantize_run(tmp_path, choice=3, minutes_later=30, threads=1)
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        history = await screen_after(pilot, LabHistoryScreen, "l", "down", "h")
        assert [record.id for record in history.runs] == [second, first]  # newest first
        await pilot.press("c")  # nothing marked: nothing to compare
        assert app.screen is history
        await pilot.press("space", "down", "space", "c")
        assert isinstance(app.screen, LabCompareScreen)
        console = Console(width=78, file=io.StringIO())
        console.print(app.screen.comparison())
        lines = console.file.getvalue().splitlines()
        narrow = Console(width=56, file=io.StringIO())  # 60 columns less the scroll bar
        narrow.print(app.screen.comparison(narrow=True))  # the ratio keeps its column
        shown = narrow.file.getvalue().splitlines()
        assert shown[0].split()[-1] == "#2/#1"
        assert any(line.split()[-2:] == ["0.02", "×1"] for line in shown)
        assert lines[0].split() == ["#1", "#2", "#2/#1"]
        threads = next(line for line in lines if line.startswith("threads"))
        assert threads.split()[1:] == ["2", "1"]
        assert not any(line.startswith(("cpu_model", "CPU", "size")) for line in lines)
        assert "CPU, cores, " in text(app, "#lab-compare-same")  # the same machine
        at_one = [line.strip() for line in lines].index("torch int8-dyn · 1")
        assert lines[at_one + 1].split() == ["median,", "ms", "0.02", "0.02", "×1"]
        assert not any(line.split()[-2:] == ["—", "—"] for line in lines)
        await pilot.press("escape", "enter")  # open the highlighted (older) run
        assert isinstance(app.screen, LabResultScreen) and app.screen.record.id == first
        assert text(app, "#lab-result-verdict").startswith("Far off:")  # "about the same"


@drive
async def test_closing_the_app_cancels_its_lab(
    tmp_path: Path, probe: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe_defaults(monkeypatch, probe, "sleep", steps=1000)  # 200 s: it is stopped first
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        app.launch_lab(probe)
        await progressed(pilot)
    await app.workers.wait_for_complete()

    with opened_service(tmp_path, FakeClock()) as service:
        [record] = lab_runs.list_runs(service.engine, probe)
        assert record.status == "cancelled"


@drive
async def test_lab_screens_follow_a_language_change_and_list_their_keys_in_help(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_over_a_recorded_run(tmp_path, "en", monkeypatch)
    async with running(app) as pilot:
        result = await screen_after(pilot, LabResultScreen, "l", "down", "o")
        await pilot.press("question_mark")
        keys = " ".join(str(row.render()) for row in app.screen.query(".help-row"))
        assert "k  cards" in keys and "r  run" in keys
        await pilot.press("escape")
        app.language = "bg"
        for _ in range(5):
            await pilot.pause()
        assert app.screen is result
        assert text(app, "#lab-result-verdict").startswith("Далеч")  # "about the same": ×3.1
        assert "Твоето предположение" in _outcome(result)
        await pilot.press("escape")
        assert isinstance(app.screen, LabsScreen)
        assert "Последно:" in str(app.screen.query_one("#labs-list").get_option_at_index(1)
                                  .prompt)


def test_progress_messages_replace_each_other_but_nothing_else() -> None:
    step = Progress(1, 3, Text("a", "a"))
    assert LabProgress(step).can_replace(LabProgress(Progress(2, 3, Text("b", "b"))))
    assert not LabProgress(step).can_replace(LabFinished(None))


@drive
async def test_the_examples_section_asks_which_example_s_lab_to_run(tmp_path: Path) -> None:
    second_example = '''
[[cards]]
id = "example.2"
kind = "example"
lab = "onnx"
front = { bg = "Експорт към ONNX", en = "Export to ONNX" }
code = "torch.onnx.export(model, x, 'model.onnx')"
back = { bg = "Графът с динамична ос.", en = "The graph with a dynamic axis." }
'''
    content = tmp_path / "content" / "mini"
    content.mkdir(parents=True)
    (content / "module.toml").write_text(MODULE_TOML + second_example, encoding="utf-8")
    app = make_app(db_path=tmp_path / "study.db", content_dir=content.parent, lang="en",
                   clock=FakeClock())
    async with running(app) as pilot:
        study = await screen_after(pilot, StudyScreen, "s")
        while study.sections[study.index].kind != "examples":
            await pilot.press("n")
        await pilot.press("l")
        assert isinstance(app.screen, ChoiceDialog)
        assert "Export to ONNX — onnx" in " ".join(
            str(app.screen.query_one("#choice-list").get_option_at_index(index).prompt)
            for index in range(2))
        await pilot.press("2")
        assert isinstance(app.screen, PredictionDialog)
        assert "ONNX Runtime" in text(app, "#choice-prompt")
        await pilot.press("escape")
        assert app.screen is study and app.lab_run is None


@drive
async def test_step_3_offers_its_language_model_labs_beside_its_own(tmp_path: Path) -> None:
    app = make_app(db_path=tmp_path / "study.db", content_dir=SHIPPED_CONTENT, lang="en",
                   clock=FakeClock())
    async with running(app) as pilot:
        study = await screen_after(pilot, StudyScreen, "s")
        steps = [section.step.step if section.step else None for section in study.sections]
        for _ in range(steps.index(3)):
            await pilot.press("n")
        titles = [str(line.render()) for line in study.query(".item-title")]
        assert [title.split(":")[0] for title in titles if title.startswith("Lab ")] == [
            "Lab batching", "Lab decode", "Lab serving"]
        await pilot.press("l")
        assert isinstance(app.screen, ChoiceDialog)
        offered = [str(app.screen.query_one("#choice-list").get_option_at_index(index).prompt)
                   for index in range(3)]
        assert [line.rsplit(" — ", 1)[1] for line in offered] == ["batching", "decode",
                                                                   "serving"]
        await pilot.press("escape")
        assert app.screen is study and app.lab_run is None


@drive
async def test_a_finished_run_offers_its_cards_in_a_notice_not_a_dialog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = record_quantize_run(tmp_path)
    app = build_app(tmp_path, FakeClock(), lang="en")
    notices: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **_: notices.append(message))
    async with running(app) as pilot:
        record = app.study_labs().get(run_id)
        await app.push_screen(LabResultScreen(record, fresh=True))
        await pilot.pause()
        assert isinstance(app.screen, LabResultScreen)
        assert notices == ["Cards from your numbers: 2 · k: choose them"]
        await pilot.press("k")
        assert isinstance(app.screen, ResultCardsDialog)


@drive
async def test_the_labs_screen_runs_a_lab_at_the_quick_size_or_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(tmp_path, FakeClock(), lang="en")
    sizes: list[str] = []

    def start_lab(lab_id: str, *, size: str, **_: object) -> bool:
        sizes.append(size)
        return False

    monkeypatch.setattr(app, "start_lab", start_lab)
    async with running(app) as pilot:
        await screen_after(pilot, LabsScreen, "l")
        await pilot.press("R", "1", "r", "1")  # each run is predicted first
        assert sizes == ["quick", "default"]


@drive
@pytest.mark.parametrize(("lang", "said", "shared"), [
    ("bg", "устройство: процесор · размер: стандартен · нишки: 2",
     ("ограничен от: разходите на извикване", "шумно: не", "състояние: наред")),
    ("en", "device: CPU · size: default · threads: 2",
     ("bound by: per-call overhead", "noisy: no", "status: ok")),
])
async def test_a_run_names_its_parameters_and_shared_values_in_the_learner_s_language(
    tmp_path: Path, lang: str, said: str, shared: tuple[str, ...]
) -> None:
    run_id = record_real_run(tmp_path, "quantize")  # size, threads, device; bound, noisy
    app = build_app(tmp_path, FakeClock(), lang=lang)  # type: ignore[arg-type]
    async with running(app) as pilot:
        await app.push_screen(LabResultScreen(app.study_labs().get(run_id)))
        await pilot.pause()
        summary = text(app, "#lab-result-summary")
        assert summary.endswith(said) and "=" not in summary
        common = " · ".join(str(line.render()) for line in app.screen.query(".lab-common"))
        assert all(part in common for part in shared), common
        assert not {"overhead", "disturbed", "смутено"} & set(common.split(": "))
        await screen_after(pilot, LabHistoryScreen, "h")
        assert text(app, "#lab-history-run").splitlines()[0].endswith(f"{run_id}: {said}")


@drive
async def test_the_palette_exports_the_learner_s_data_to_the_documents_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "Documents"
    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(folder))
    record_quantize_run(tmp_path)
    app = build_app(tmp_path, FakeClock(), lang="en")
    async with running(app) as pilot:
        await pilot.press("ctrl+p", *"export my data", "enter")
        await app.workers.wait_for_complete()
        for _ in range(5):
            await pilot.pause()
        [written] = folder.glob("studyapp-export-*.json")
        assert [notice.message for notice in app._notifications] == [
            f"Exporting into {folder}…", f"Your data is saved in {written}"]
    document = json.loads(written.read_text(encoding="utf-8"))
    assert document["format"] == "studyapp-export"
    assert [run["lab_id"] for run in document["tables"]["lab_run"]] == ["quantize"]


@drive
@pytest.mark.parametrize("lang", ["bg", "en"])
async def test_history_fits_80_columns_with_the_machine_in_view(tmp_path: Path, lang: str) -> None:
    cpu = "Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.00GHz"
    first = record_quantize_run(tmp_path, cpu=cpu)
    second = record_quantize_run(tmp_path, minutes_later=30, threads=1, cpu=cpu)
    app = build_app(tmp_path, FakeClock(), lang=lang)  # type: ignore[arg-type]
    async with running(app) as pilot:
        history = await screen_after(pilot, LabHistoryScreen, "l", "down", "h")
        table = history.query_one(DataTable)
        assert table.max_scroll_x == 0  # every column, the machine's last, in view
        assert str(table.get_cell(str(first), "machine")) == "Intel Xeon Platinum\n8480+ · 2"
        said = text(app, "#lab-history-run")
        assert f"{second}: " in said and cpu in said  # the highlighted run in full
        await pilot.press("down")
        assert f"{first}: " in text(app, "#lab-history-run")
