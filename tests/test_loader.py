"""Every validation rule of the module loader: one ContentError, one line, naming
file, card id and field; and through the real command line, exit 1 with one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from studyapp.deck import ContentError, load_module, load_modules
from studyapp.deck.model import PlanOffset
from studyapp.labs.catalog import LAB_IDS
from studyapp.text import Text

ROOT = Path(__file__).resolve().parents[1]

VALID = '''\
[module]
id = "mini"
title = { bg = "Мини", en = "Mini" }
overview = { bg = "Преглед", en = "Overview" }

[[cards]]
id = "prior.1"
kind = "prior"
front = { bg = "Какво знаете?", en = "What do you know?" }

[[cards]]
id = "step.1"
kind = "step"
step = 1
lab = "latency"
front = { bg = "Стъпка", en = "Step" }
focus = { bg = "Фокус", en = "Focus" }
task = { bg = "Задача", en = "Task" }

[[cards]]
id = "step1.reading.1"
kind = "reading"
step = 1
front = { bg = "Четиво", en = "Reading" }
body = { bg = "Текст", en = "Text" }

[[cards]]
id = "step1.recall.1"
kind = "recall"
step = 1
front = { bg = "Въпрос?", en = "Question?" }
back = { bg = "Отговор", en = "Answer" }
notes = { bg = "Бележка", en = "Note" }

[[cards]]
id = "example.1"
kind = "example"
lab = "onnx"
code_lang = "python"
front = { bg = "Пример", en = "Example" }
code = """
print("hi")"""
cue = { bg = "Какво отпечатва?", en = "What does it print?" }
back = { bg = "Обяснение", en = "Explanation" }

[[cards]]
id = "example.2"
kind = "example"
lab = "onnx"
front = { bg = "Коментар", en = "Comment" }
code.bg = """
# здравей
    x = 1
"""
code.en = """
# hello
    x = 1
"""
back = { bg = "Обяснение", en = "Explanation" }

[[cards]]
id = "plan.1w"
kind = "plan"
offset = { weeks = 1 }
front = { bg = "Преговор", en = "Review" }
back = { bg = "Отговор", en = "Answer" }
'''


def write(folder: Path, text: str, name: str = "mini") -> Path:
    path = folder / name / "module.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def broken(old: str, new: str) -> str:
    assert old in VALID, old
    return VALID.replace(old, new, 1)


def refused(path: Path) -> ContentError:
    """The error that loading the module at `path` raises."""
    with pytest.raises(ContentError) as caught:
        load_module(path, LAB_IDS)
    return caught.value


def test_the_valid_module_loads(tmp_path: Path) -> None:
    module = load_module(write(tmp_path, VALID), LAB_IDS)
    assert [card.id for card in module.cards] == [
        "prior.1", "step.1", "step1.reading.1", "step1.recall.1", "example.1", "example.2",
        "plan.1w",
    ]
    assert [card.order for card in module.cards] == [0, 1, 2, 3, 4, 5, 6]
    example = module.card("example.1")
    assert (example.code, example.code_lang, example.lab) == (
        Text('print("hi")', 'print("hi")'), "python", "onnx")
    assert example.cue == Text("Какво отпечатва?", "What does it print?")
    # code in a table of languages keeps its indentation; only its line breaks at the ends go
    assert module.card("example.2").code == Text("# здравей\n    x = 1", "# hello\n    x = 1")
    reading = module.card("step1.reading.1")
    assert (reading.step, reading.body, reading.reviewable) == (1, Text("Текст", "Text"), False)
    assert module.card("step1.recall.1").notes == Text("Бележка", "Note")
    assert module.card("plan.1w").offset == PlanOffset(weeks=1)
    assert module.card("step1.recall.1").back is not None


CARD_RULES = [
    # (old, new, card id, field, words of the message)
    pytest.param('id = "step1.recall.1"', 'id = "prior.1"', "prior.1", "id", "duplicate id",
                 id="duplicate-id"),
    pytest.param('front = { bg = "Стъпка", en = "Step" }', 'front = { en = "Step" }',
                 "step.1", "front", "missing 'bg' text", id="missing-bg"),
    pytest.param('back = { bg = "Обяснение", en = "Explanation" }',
                 'back = { bg = "  ", en = "Explanation" }',
                 "example.1", "back", "missing 'bg' text", id="blank-bg"),
    pytest.param('front = { bg = "Пример", en = "Example" }', 'front = "Пример"',
                 "example.1", "front", "must be a table of languages", id="text-not-a-table"),
    pytest.param('front = { bg = "Пример", en = "Example" }',
                 'front = { bg = "Пример", de = "Beispiel" }',
                 "example.1", "front", "unknown language 'de'", id="unknown-language"),
    pytest.param('front = { bg = "Пример", en = "Example" }', 'front = { bg = "Пример", en = 1 }',
                 "example.1", "front", "'en' text must be a string", id="text-not-a-string"),
    pytest.param('kind = "recall"', 'kind = "flashcard"', "step1.recall.1", "kind",
                 "unknown kind 'flashcard'", id="unknown-kind"),
    pytest.param('code_lang = "python"', 'code_lang = "python"\nhint = "x"', "example.1", "hint",
                 "unknown key for a example card", id="unknown-key"),
    pytest.param('kind = "prior"', 'kind = "prior"\nstep = 1', "prior.1", "step",
                 "unknown key for a prior card", id="key-of-another-kind"),
    pytest.param('lab = "onnx"', 'lab = "tensorrt"', "example.1", "lab",
                 "unknown lab id 'tensorrt'", id="unknown-lab"),
    pytest.param('offset = { weeks = 1 }', 'offset = { weeks = -1 }', "plan.1w", "offset",
                 "'weeks' must be a whole number >= 0", id="negative-offset"),
    pytest.param('offset = { weeks = 1 }', 'offset = { years = 1 }', "plan.1w", "offset",
                 "must be a table of days, weeks and/or months", id="offset-unit"),
    pytest.param('offset = { weeks = 1 }', 'offset = { days = 0 }', "plan.1w", "offset",
                 "must be later than the first study day", id="offset-zero"),
    pytest.param('offset = { weeks = 1 }', 'offset = "1w"', "plan.1w", "offset",
                 "must be a table of days", id="offset-not-a-table"),
    pytest.param('offset = { weeks = 1 }', 'offset = { days = true }', "plan.1w", "offset",
                 "'days' must be a whole number", id="offset-bool"),
    pytest.param('lab = "latency"\n', '', "step.1", "lab", "required for a step card",
                 id="missing-step-lab"),
    pytest.param('offset = { weeks = 1 }\n', '', "plan.1w", "offset", "required for a plan card",
                 id="missing-offset"),
    pytest.param('step = 1\nfront = { bg = "Въпрос?"', 'front = { bg = "Въпрос?"',
                 "step1.recall.1", "step", "required for a recall card", id="missing-step"),
    pytest.param('back = { bg = "Обяснение", en = "Explanation" }\n', '', "example.1", "back",
                 "required for a example card", id="missing-back"),
    pytest.param('step = 1\nlab = "latency"', 'step = 0\nlab = "latency"', "step.1", "step",
                 "must be a positive whole number", id="step-zero"),
    pytest.param('code = """\nprint("hi")"""', 'code = "  "', "example.1", "code",
                 "must be non-empty text", id="blank-code"),
    pytest.param('code_lang = "python"', 'code_lang = 3', "example.1", "code_lang",
                 "must be a string", id="code-lang-not-a-string"),
    pytest.param('code = """\nprint("hi")"""', 'code = 3', "example.1", "code",
                 "must be non-empty text", id="code-not-text"),
    pytest.param('code.bg = """\n# здравей', 'code.de = """\n# hallo', "example.2", "code",
                 "unknown language 'de'", id="code-in-an-unknown-language"),
    pytest.param('kind = "prior"', 'kind = "prior"\nnotes = { bg = "Б", en = "N" }', "prior.1",
                 "notes", "unknown key for a prior card", id="notes-on-an-ungraded-card"),
    pytest.param('kind = "prior"', 'kind = "prior"\ncue = { bg = "В?", en = "Q?" }', "prior.1",
                 "cue", "unknown key for a prior card", id="cue-on-an-ungraded-card"),
    pytest.param('notes = { bg = "Бележка", en = "Note" }', 'notes = { en = "Note" }',
                 "step1.recall.1", "notes", "missing 'bg' text", id="notes-without-bg"),
    pytest.param('body = { bg = "Текст", en = "Text" }\n', '', "step1.reading.1", "body",
                 "required for a reading card", id="reading-without-body"),
    pytest.param('kind = "reading"\nstep = 1\n', 'kind = "reading"\n', "step1.reading.1", "step",
                 "required for a reading card", id="reading-without-step"),
    pytest.param('id = "prior.1"', 'id = "Prior One"', "Prior One", "id",
                 "id must be lower-case letters", id="bad-id"),
    pytest.param('id = "prior.1"', 'id = "prior.1\\nkind = \\"quiz\\""', 'prior.1\\nkind = "quiz"',
                 "id", "id must be lower-case letters", id="id-with-a-line-break"),
    pytest.param('id = "prior.1"', 'id = "prior.1\\n"', "prior.1\\n", "id",
                 "id must be lower-case letters", id="id-ending-in-a-line-break"),
    pytest.param('id = "prior.1"\n', '', "#1", "id", "id must be lower-case letters",
                 id="missing-id"),
    pytest.param('front = { bg = "Пример", en = "Example" }',
                 'front = { bg = "Пример", en = "Ex\\u001b[2Jample" }', "example.1", "front",
                 "'en' text holds the control character \\u001b", id="escape-in-a-text"),
    pytest.param('back = { bg = "Обяснение", en = "Explanation" }',
                 'back = { bg = "Обяснение\\u009b2J", en = "Explanation" }', "example.1", "back",
                 "'bg' text holds the control character \\u009b", id="c1-csi-in-a-text"),
    pytest.param('code = """\nprint("hi")"""', 'code = "print(1)\\r"', "example.1", "code",
                 "holds the control character \\u000d", id="carriage-return-in-code"),
    pytest.param('code_lang = "python"', 'code_lang = "py\\u0007"', "example.1", "code_lang",
                 "holds the control character \\u0007", id="bell-in-code-lang"),
]


@pytest.mark.parametrize(("old", "new", "card_id", "field", "words"), CARD_RULES)
def test_card_rule_gives_one_line_naming_file_card_and_field(
    tmp_path: Path, old: str, new: str, card_id: str, field: str, words: str
) -> None:
    path = write(tmp_path, broken(old, new))
    error = refused(path)
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"{path}: card '{card_id}': field '{field}': ")
    assert words in message
    assert (error.path, error.field) == (path, field)


@pytest.mark.parametrize(("old", "new", "card_id", "field", "words"), CARD_RULES)
def test_card_rule_is_told_in_bulgarian_too(
    tmp_path: Path, old: str, new: str, card_id: str, field: str, words: str
) -> None:
    path = write(tmp_path, broken(old, new))
    message = refused(path).text("bg")
    assert "\n" not in message
    prefix = f"{path}: карта '{card_id}': поле '{field}': "
    assert message.startswith(prefix)
    assert re.search("[а-я]", message.removeprefix(prefix)), message


def test_a_step_without_a_lab_names_its_kind_as_the_file_does(tmp_path: Path) -> None:
    error = refused(write(tmp_path, broken('lab = "latency"\n', "")))
    assert error.text("en").endswith("field 'lab': required for a step card")
    assert error.text("bg").endswith('поле \'lab\': задължително за карта с kind = "step"')


MODULE_RULES = [
    pytest.param('title = { bg = "Мини", en = "Mini" }', 'title = { bg = "Мини", en = "Mini" ',
                 "TOML syntax error", None, id="toml-syntax"),
    pytest.param('id = "prior.1"', 'id = "prior.1"\nid = "prior.2"', "TOML syntax error", None,
                 id="toml-duplicate-key"),
    pytest.param('[module]', '[module]\nauthor = "x"', "unknown key in [module]", "author",
                 id="unknown-module-key"),
    pytest.param('[module]', 'version = 2\n[module]', "unknown top-level key 'version'", None,
                 id="unknown-top-level-key"),
    pytest.param('title = { bg = "Мини", en = "Mini" }', 'title = { en = "Mini" }',
                 "missing 'bg' text", "title", id="module-title-without-bg"),
    pytest.param('overview = { bg = "Преглед", en = "Overview" }\n', '',
                 "must be a table of languages", "overview", id="missing-overview"),
    pytest.param('id = "mini"', 'id = "Mini Module"', "module id must be lower-case", "id",
                 id="bad-module-id"),
]


@pytest.mark.parametrize(("old", "new", "words", "field"), MODULE_RULES)
def test_module_rule_gives_one_line_naming_file_and_field(
    tmp_path: Path, old: str, new: str, words: str, field: str | None
) -> None:
    path = write(tmp_path, broken(old, new))
    error = refused(path)
    message = str(error)
    assert "\n" not in message
    prefix = f"{path}: field '{field}': " if field else f"{path}: "
    assert message.startswith(prefix)
    assert words in message
    assert error.card_id is None


def test_toml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, broken('kind = "plan"', 'kind = plan'))
    line = VALID[: VALID.index('kind = "plan"')].count("\n") + 1
    with pytest.raises(ContentError, match=rf"TOML syntax error: .*\(at line {line},"):
        load_module(path, LAB_IDS)


def test_a_module_without_cards_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, VALID[: VALID.index("[[cards]]")])
    with pytest.raises(ContentError, match=r"module.toml: no \[\[cards\]\] found$"):
        load_module(path, LAB_IDS)


def test_the_same_id_in_two_modules_is_refused(tmp_path: Path) -> None:
    write(tmp_path, VALID, "a-module")
    second = write(tmp_path, VALID.replace('id = "mini"', 'id = "other"'), "b-module")
    with pytest.raises(ContentError) as caught:
        load_modules(tmp_path, LAB_IDS)
    message = str(caught.value)
    assert message.startswith(f"{second}: card 'prior.1': field 'id': duplicate id (also in ")
    assert "a-module" in message


def test_a_missing_or_empty_content_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="content folder not found"):
        load_modules(tmp_path / "nowhere", LAB_IDS)
    with pytest.raises(ContentError, match=r"no \*/module.toml found"):
        load_modules(tmp_path, LAB_IDS)


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    path.write_bytes(VALID.encode("cp1251"))
    with pytest.raises(ContentError, match="cannot read file"):
        load_module(path, LAB_IDS)


def test_a_file_nested_thousands_deep_is_one_error_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "deep = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ContentError, match="nested too deeply") as caught:
        load_module(path, LAB_IDS)
    assert str(caught.value).startswith(f"{path}: ")


# --- through the command line ---------------------------------------------------------------


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STUDYAPP_DATA_DIR": str(home / "data"), "COLUMNS": "100"}
    env.pop("STUDYAPP_CONTENT", None)
    env.pop("STUDYAPP_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "studyapp", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('lab = "onnx"', 'lab = "tensorrt"', "card 'example.1': field 'lab': unknown lab id"),
        ('kind = "plan"', 'kind = plan', "TOML syntax error"),
    ],
    ids=["unknown-lab", "toml-syntax"],
)
def test_a_broken_module_exits_1_with_one_line_and_no_traceback(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    path = write(tmp_path / "content", broken(old, new))
    result = run_cli("--content", str(tmp_path / "content"), "--lang", "en", "cards",
                     home=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"studyapp: error: {path}: ")
    assert words in result.stderr
    assert "Traceback" not in result.stderr
