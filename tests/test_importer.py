"""The Markdown importer on the seed, on broken files, and through `studyapp import`.

The seed's prompts are counted and read here with one simple regex per section,
independently of the importer's parser.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import is_cut_from

from studyapp.cli import main
from studyapp.cli.authoring_commands import draft_labels
from studyapp.deck import Card, ContentError, Module, load_module
from studyapp.deck.importer import (
    Draft,
    DraftLabels,
    parse_markdown,
    read_markdown,
    render_draft,
)
from studyapp.labs.catalog import LAB_IDS

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "fixtures" / "inference_optimization.md"
SHIPPED = ROOT / "content" / "inference-optimization" / "module.toml"
SEED_TEXT = SEED.read_text(encoding="utf-8")


def seed_sections() -> dict[int, str]:
    parts = re.split(r"^## (\d+)\. .*$", SEED_TEXT, flags=re.M)
    return {int(n): body for n, body in zip(parts[1::2], parts[2::2], strict=True)}


SECTION = seed_sections()


def bullets(section: int) -> list[str]:
    return [b.replace("**", "").strip() for b in re.findall(r"^- (.+)$", SECTION[section], re.M)]


def seed_prompts() -> dict[str, list[str]]:
    """Every prompt of the seed, by the card kind it becomes."""
    concepts = re.findall(r"^- \*\*(.+?)\*\* – (.+)$", SECTION[3], re.M)
    pitfalls = re.findall(r"^- \*\*(.+?)\*\* – (.+)$", SECTION[6], re.M)
    recall_lines = re.findall(r"Въпроси за припомняне: (.+)$", SECTION[4], re.M)
    return {
        "prior": bullets(1),
        # a reverse card asks with the definition, started as a sentence
        "concept": [t for t, _ in concepts] + [d[:1].upper() + d[1:].strip() for _, d in concepts],
        "step": re.findall(r"^\d+\. \*\*(.+)\*\*$", SECTION[4], re.M),
        "recall": [q.strip() + "?" for line in recall_lines for q in line.split("?") if q.strip()],
        "example": re.findall(r"^### Пример \d+: (.+)$", SECTION[5], re.M),
        "pitfall": [name for name, _ in pitfalls],
        "quiz": re.findall(r"^\d+\. (.+)$", SECTION[7], re.M),
        "recap": bullets(8),
        "plan": re.findall(r"^\| \d+ \S+\s+\| (.+?)\s*\|$", SECTION[9], re.M),
    }


def seed_details() -> list[str]:
    """Texts the seed gives besides fronts: definitions, explanations, focus, task, code."""
    return (
        [d.strip() for _, d in re.findall(r"^- \*\*(.+?)\*\* – (.+)$", SECTION[3], re.M)]
        + [e.strip() for _, e in re.findall(r"^- \*\*(.+?)\*\* – (.+)$", SECTION[6], re.M)]
        + re.findall(r"Фокус: (.+)$", SECTION[4], re.M)
        + re.findall(r"Практическа задача: (.+)$", SECTION[4], re.M)
        + re.findall(r"^```python\n(.*?)\n```$", SECTION[5], re.M | re.S)
    )


def labels() -> DraftLabels:
    return draft_labels("en", SEED.name)


def draft_toml(text: str = SEED_TEXT) -> dict[str, Any]:
    draft = parse_markdown(text, SEED)
    return tomllib.loads(render_draft(draft, labels(), LAB_IDS))


@pytest.fixture(scope="module")
def draft() -> Draft:
    return read_markdown(SEED)


@pytest.fixture(scope="module")
def rendered(draft: Draft) -> dict[str, Any]:
    return tomllib.loads(render_draft(draft, labels(), LAB_IDS))


@pytest.fixture(scope="module")
def shipped() -> Module:
    return load_module(SHIPPED, LAB_IDS)


def by_id(rendered: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {card["id"]: card for card in rendered["cards"]}


# --- the seed -------------------------------------------------------------------------------


def test_the_independent_count_matches_the_mapping() -> None:
    counts = {kind: len(prompts) for kind, prompts in seed_prompts().items()}
    assert counts == {"prior": 3, "concept": 14, "step": 5, "recall": 9, "example": 3,
                      "pitfall": 5, "quiz": 7, "recap": 7, "plan": 4}


def test_every_prompt_of_the_seed_is_in_the_draft(rendered: dict[str, Any]) -> None:
    fronts: dict[str, list[str]] = {}
    for card in rendered["cards"]:
        fronts.setdefault(card["kind"], []).append(card["front"]["bg"])
    for kind, prompts in seed_prompts().items():
        assert sorted(fronts[kind]) == sorted(prompts), kind
    assert Counter(card["kind"] for card in rendered["cards"]) == Counter(
        {kind: len(prompts) for kind, prompts in seed_prompts().items()}
    )


def test_every_detail_of_the_seed_is_in_the_draft(rendered: dict[str, Any]) -> None:
    texts = {
        value["bg"] if isinstance(value, dict) else value
        for card in rendered["cards"]
        for key, value in card.items()
        if key in ("back", "focus", "task", "code")
    }
    for detail in seed_details():
        assert detail in texts


def from_the_seed(shipped: Module, rendered: dict[str, Any]) -> list[Card]:
    """The shipped cards the draft has too, in the module's order; the rest are the module's
    own: study texts and recall questions it adds to the seed's steps."""
    drafted = by_id(rendered)
    own = [card for card in shipped.cards if card.id not in drafted]
    assert all(card.kind in ("reading", "recall") and card.step for card in own)
    return [card for card in shipped.cards if card.id in drafted]


def test_draft_ids_and_order_equal_the_shipped_module(
    rendered: dict[str, Any], shipped: Module
) -> None:
    seed_cards = from_the_seed(shipped, rendered)
    assert [card["id"] for card in rendered["cards"]] == [card.id for card in seed_cards]
    assert [card["kind"] for card in rendered["cards"]] == [card.kind for card in seed_cards]
    assert rendered["module"]["id"] == shipped.id


def test_reverse_fronts_start_as_sentences() -> None:
    reverse = [card for card in read_markdown(SEED).cards if card.id.endswith(".reverse")]
    assert reverse
    assert all(card.front[:1].isupper() for card in reverse), [c.front[:20] for c in reverse]


def test_shipped_bulgarian_prompts_are_the_drafts(
    rendered: dict[str, Any], shipped: Module
) -> None:
    cards = by_id(rendered)
    for card in from_the_seed(shipped, rendered):
        drafted = cards[card.id]
        if card.is_reverse:  # the definition, less any words that would give the term away
            assert is_cut_from(card.front.bg, drafted["front"]["bg"]), card.id
        else:
            assert card.front.bg == drafted["front"]["bg"], card.id
        for key in ("focus", "task"):
            value = getattr(card, key)
            assert (value.bg if value else None) == drafted.get(key, {}).get("bg"), card.id
        assert (card.code.bg if card.code else None) == drafted.get("code"), card.id
        assert card.step == drafted.get("step"), card.id
        if card.offset is not None:
            assert {k: v for k, v in vars(card.offset).items() if v} == drafted["offset"]
    assert shipped.overview.bg == rendered["module"]["overview"]["bg"]


def test_seed_explanations_start_the_shipped_answers(
    rendered: dict[str, Any], shipped: Module
) -> None:
    cards = by_id(rendered)
    for card in shipped.cards:
        if card.kind in ("concept", "pitfall"):
            assert card.back is not None
            assert card.back.bg.startswith(cards[card.id]["back"]["bg"]), card.id


def test_draft_leaves_english_answers_and_labs_to_the_author(draft: Draft) -> None:
    text = render_draft(draft, labels(), LAB_IDS)
    data = tomllib.loads(text)
    assert all(card["front"]["en"] == "" for card in data["cards"])
    assert all("lab" not in card for card in data["cards"])
    answers = [c for c in data["cards"] if c["kind"] in ("recall", "example", "quiz", "plan")]
    assert len(answers) == 9 + 3 + 7 + 4
    assert all(card["back"]["bg"] == "" for card in answers)
    # every empty field carries a comment that says what to write
    empty_lines = [line for line in text.splitlines()
                   if re.search(r'= ""(\s|$)', line) and not line.startswith("#")]
    assert empty_lines
    assert all("FILL IN" in line for line in empty_lines)
    required = [line for line in text.splitlines() if line.startswith('# lab = ""  # REQUIRED')]
    assert len(required) == 5 + 3  # steps and examples


def test_draft_loads_once_the_author_has_filled_it(tmp_path: Path, draft: Draft) -> None:
    text = render_draft(draft, labels(), LAB_IDS)
    text = re.sub(r'= ""  # FILL IN: .*', '= "filled"', text)
    text = text.replace('# lab = ""  # REQUIRED', 'lab = "latency"  # REQUIRED')
    path = tmp_path / "module.toml"
    path.write_text(text, encoding="utf-8")
    module = load_module(path, LAB_IDS)
    assert len(module.cards) == 57
    code = module.card("example.1").code
    assert code is not None
    assert code.bg == draft.cards[[c.id for c in draft.cards].index("example.1")].code


def test_draft_without_labs_names_the_missing_lab(tmp_path: Path, draft: Draft) -> None:
    text = re.sub(r'= ""  # FILL IN: .*', '= "filled"',
                  render_draft(draft, labels(), LAB_IDS))
    path = tmp_path / "module.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=r"card 'step\.1': field 'lab': required"):
        load_module(path, LAB_IDS)


def test_bulgarian_draft_marks_fields_in_bulgarian(draft: Draft) -> None:
    text = render_draft(draft, draft_labels("bg", SEED.name), LAB_IDS)
    assert "ПОПЪЛНИ: превод на английски" in text
    assert "FILL IN" not in text


# --- tolerance ------------------------------------------------------------------------------


def test_extra_blank_lines_change_nothing() -> None:
    spaced = re.sub(r"\n", "\n\n", SEED_TEXT)
    # code blocks keep their own lines: compare everything but the code
    original, loose = draft_toml(), draft_toml(spaced)
    for card in (*original["cards"], *loose["cards"]):
        card.pop("code", None)
    assert original == loose


def test_headings_match_by_number_and_title_in_any_case_and_spacing() -> None:
    text = SEED_TEXT.replace("## 4. Step-by-step Learning Path",
                             "##  4.  step-by-step  learning path")
    assert draft_toml(text) == draft_toml()


def test_a_heading_inside_code_is_code() -> None:
    text = SEED_TEXT.replace("import onnxruntime as ort",
                             "## 6. Common Pitfalls\nimport onnxruntime")
    code = by_id(draft_toml(text))["example.3"]["code"]
    assert code.startswith("## 6. Common Pitfalls\nimport onnxruntime\n")


@pytest.mark.parametrize(
    ("times", "offsets"),
    [
        (("1 day", "3 days", "1 week", "1 month"),
         [("plan.1d", {"days": 1}), ("plan.3d", {"days": 3}), ("plan.1w", {"weeks": 1}),
          ("plan.1m", {"months": 1})]),
        (("2 дни", "2 седмици", "3 месеца", "10 Days"),
         [("plan.2d", {"days": 2}), ("plan.2w", {"weeks": 2}), ("plan.3m", {"months": 3}),
          ("plan.10d", {"days": 10})]),
        (("1 ден", "2 weeks", "1 месец", "6 months"),
         [("plan.1d", {"days": 1}), ("plan.2w", {"weeks": 2}), ("plan.1m", {"months": 1}),
          ("plan.6m", {"months": 6})]),
    ],
)
def test_plan_times_in_bulgarian_and_english(
    times: tuple[str, ...], offsets: list[tuple[str, dict[str, int]]]
) -> None:
    new_times = dict(zip(("1 ден", "3 дни", "1 седмица", "1 месец"), times, strict=True))
    text = re.sub(r"^\| (\d+ \w+)", lambda row: f"| {new_times[row.group(1)]}", SEED_TEXT,
                  flags=re.M)
    plan = [c for c in draft_toml(text)["cards"] if c["kind"] == "plan"]
    assert [(c["id"], c["offset"]) for c in plan] == offsets


# --- files not in the template -------------------------------------------------------------


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def without_section(number: int) -> str:
    start = SEED_TEXT.index(f"## {number}. ")
    end = SEED_TEXT.index(f"## {number + 1}. ")
    return SEED_TEXT[:start] + SEED_TEXT[end:]


# (id, the seed's text, what it becomes, where the error points, words of the message)
CHANGED = [
    ("misspelled-heading", "## 3. Key Concepts", "## 3. Key Concept",
     "## 3. Key Concept", "expected section '## 3. Key Concepts', found '## 3. Key Concept'"),
    ("wrong-number", "## 5. Examples", "## 6. Examples",
     "## 6. Examples", "expected section '## 5. Examples', found '## 6. Examples'"),
    ("concept-not-bold", "- **Latency (Латентност)** –", "- Latency (Латентност) –",
     "- Latency (Латентност) –", "section '3. Key Concepts': expected '- **Term** – text'"),
    ("concept-without-english-term", "- **Pruning (Окъсяване)**", "- **Окъсяване**",
     "- **Окъсяване**", "cannot make a card id from the term 'Окъсяване'"),
    ("step-without-focus", "   - Фокус: Квантизация и окъсяване.\n", "",
     "2. **Изучете", "step 2 has no '- Фокус: …' line"),
    ("step-unknown-line", "   - Фокус: ONNX Runtime", "   - Цел: ONNX Runtime",
     "   - Цел:", "unknown line 'цел:'"),
    ("step-numbering", "3. **Оптимизирайте", "4. **Оптимизирайте",
     "4. **Оптимизирайте", "item 3 expected, found 4"),
    ("unclosed-code", "print(outputs[0].shape)\n```", "print(outputs[0].shape)\n",
     "```python\nimport onnxruntime", "code block is not closed"),
    ("example-heading", "### Пример 2: Профилиране на инференция с PyTorch\n", "",
     "```python\nimport torch\n", "expected '### Пример 2: Title'"),
    ("quiz-not-numbered", "4. Как batching", "Как batching",
     "Как batching", "section '7. Short Retrieval Quiz': expected '4. …'"),
    ("plan-time-unit", "| 1 седмица ", "| 2 години ",
     "| 2 години", "cannot read the time '2 години'"),
    ("plan-same-time-twice", "| 3 дни ", "| 1 ден ",
     "| 1 ден                | Избройте", "a second card with the id 'plan.1d'"),
    ("recap-not-a-bullet", "- Inference optimization подобрява", "Inference optimization подобрява",
     "Inference optimization подобрява", "section '8. Quick Recap': expected a '- ' bullet"),
]
BROKEN = [
    pytest.param(
        without_section(6), "## 7. Short Retrieval Quiz",
        "expected section '## 6. Common Pitfalls', found '## 7. Short Retrieval Quiz'",
        id="missing-section",
    ),
    pytest.param(
        SEED_TEXT + "\n## 10. Extra\n", "## 10. Extra", "unexpected section '## 10. Extra'",
        id="extra-section",
    ),
    pytest.param(
        re.sub(r"^\|-+\|-+\|\n", "", SEED_TEXT, flags=re.M),
        "| Време след изучаване", "expected a table", id="plan-without-separator",
    ),
] + [
    pytest.param(SEED_TEXT.replace(old, new), where, message, id=case)
    for case, old, new, where, message in CHANGED
]


@pytest.mark.parametrize(("text", "where", "message"), BROKEN)
def test_broken_file_gives_one_error_with_section_and_line(
    text: str, where: str, message: str
) -> None:
    with pytest.raises(ContentError) as caught:
        parse_markdown(text, SEED)
    error = str(caught.value)
    assert "\n" not in error
    assert error.startswith(f"{SEED}: line {line_of(text, where)}: ")
    assert message in error


def test_truncated_file_names_the_first_missing_section() -> None:
    text = SEED_TEXT[: SEED_TEXT.index("## 5. Examples")]
    with pytest.raises(ContentError, match=r"line \d+: section '## 5\. Examples' is missing"):
        parse_markdown(text, SEED)


def test_a_file_with_no_sections_is_refused() -> None:
    with pytest.raises(ContentError, match=r"'## 1\. Activate Prior Knowledge' is missing"):
        parse_markdown("# Just a title\n\nSome text.\n", SEED)


# (id, the seed's text, what it becomes, the Bulgarian message, the English message)
TRANSLATED = [
    ("step-without-focus", "   - Фокус: Квантизация и окъсяване.\n", "",
     "ред 30: раздел '4. Step-by-step Learning Path': стъпка 2 няма ред '- Фокус: …'",
     "line 30: section '4. Step-by-step Learning Path': step 2 has no '- Фокус: …' line"),
    ("plan-time-unit", "| 1 седмица ", "| 2 години ",
     "раздел '9. Spaced Review Plan': времето '2 години' не може да се прочете",
     "section '9. Spaced Review Plan': cannot read the time '2 години'"),
    ("misspelled-heading", "## 3. Key Concepts", "## 3. Key Concept",
     "ред 15: очаква се раздел '## 3. Key Concepts', а е написано '## 3. Key Concept'",
     "line 15: expected section '## 3. Key Concepts', found '## 3. Key Concept'"),
    ("concept-without-english-term", "- **Pruning (Окъсяване)**", "- **Окъсяване**",
     "от термина 'Окъсяване' не може да се направи идентификатор на карта: напиши го като",
     "cannot make a card id from the term 'Окъсяване': write it as"),
]
# words of the English wrapper and messages that a Bulgarian line must not hold outside quotes
ENGLISH_WORDS = re.compile(r"\b(line|section|expected|found|cannot|step|has no)\b")


@pytest.mark.parametrize(
    ("old", "new", "bg", "en"),
    [pytest.param(old, new, bg, en, id=case) for case, old, new, bg, en in TRANSLATED],
)
def test_import_problems_read_in_the_learners_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, bg: str, en: str
) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text(SEED_TEXT.replace(old, new), encoding="utf-8")
    for lang, message in (("bg", bg), ("en", en)):
        assert main(["--lang", lang, "import", str(bad)]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith(f"studyapp: error: {bad}: ")
        assert captured.err.count("\n") == 1
        assert message in captured.err
    assert not ENGLISH_WORDS.search(re.sub(r"'[^']*'", "", bg))


def test_every_import_problem_has_bulgarian_and_english_texts() -> None:
    source = (ROOT / "studyapp" / "deck" / "importer.py").read_text(encoding="utf-8")
    used = set(re.findall(r"self\.error\([^\"]*?\"(\w+)\"", source))
    assert len(used) > 20  # the pattern still finds the importer's problems
    table = tomllib.loads((ROOT / "studyapp" / "locales" / "content.toml").read_text("utf-8"))
    for lang in ("bg", "en"):
        texts = {key.removeprefix("import_") for key in table[lang] if key.startswith("import_")}
        assert texts == used, lang
        assert all(table[lang][f"where_{key}"] for key in ("line", "section"))


# --- studyapp import ------------------------------------------------------------------------


def test_import_writes_stdout_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "import", str(SEED)]) == 0
    out = capsys.readouterr().out
    assert out == render_draft(read_markdown(SEED), labels(), LAB_IDS)


def test_import_round_trip_with_output_and_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "module.toml"
    assert main(["import", str(SEED), "-o", str(out)]) == 0
    written = out.read_text(encoding="utf-8")
    assert [c["id"] for c in tomllib.loads(written)["cards"]] == [
        c.id for c in read_markdown(SEED).cards
    ]
    assert "57" in capsys.readouterr().out

    out.write_text("edited by the author\n", encoding="utf-8")
    assert main(["import", str(SEED), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert "--force" in captured.err
    assert out.read_text(encoding="utf-8") == "edited by the author\n"

    assert main(["import", str(SEED), "-o", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8") == written
    assert [p.name for p in tmp_path.iterdir()] == ["module.toml"]


def test_import_of_a_bad_file_exits_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text(without_section(3), encoding="utf-8")
    out = tmp_path / "out.toml"
    assert main(["import", str(bad), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "'## 3. Key Concepts'" in captured.err
    assert not out.exists()


def test_import_of_a_missing_file_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(tmp_path / "nowhere.md")]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_import_into_a_missing_folder_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(SEED), "-o", str(tmp_path / "no" / "module.toml")]) == 1
    assert capsys.readouterr().err.count("\n") == 1
