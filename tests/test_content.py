"""The shipped module: it loads, follows the seed-to-card mapping and is complete in both languages.

The seed (`tests/fixtures/inference_optimization.md`) is parsed here independently of the
Markdown importer, so the two are checked against each other only through the seed itself.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from studyapp.deck import load_modules
from studyapp.deck.model import REVIEWABLE_KINDS, Module, PlanOffset, Text
from studyapp.labs.catalog import LAB_IDS

ROOT = Path(__file__).resolve().parents[1]
CONTENT_DIR = ROOT / "content"
SEED = ROOT / "tests" / "fixtures" / "inference_optimization.md"
MODULE_ID = "inference-optimization"

EXPECTED_COUNTS = {
    "prior": 3, "concept": 14, "step": 5, "recall": 9, "example": 3,
    "pitfall": 5, "quiz": 7, "recap": 7, "plan": 4,
}
KIND_ORDER = ("prior", "concept", "step", "example", "pitfall", "quiz", "recap", "plan")
STEP_LABS = {1: "latency", 2: "quantize", 3: "batching", 4: "onnx", 5: "profile"}
EXAMPLE_LABS = {1: "quantize", 2: "latency", 3: "onnx"}
PLAN_UNITS = {"ден": "days", "дни": "days", "седмица": "weeks", "месец": "months"}
MODEL_ANSWER_KINDS = ("recall", "example", "pitfall", "quiz", "plan")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=\S)")


# --- the seed, parsed by section -------------------------------------------------------------

def _sections() -> dict[int, str]:
    parts = re.split(r"^## (\d+)\. .*$", SEED.read_text(encoding="utf-8"), flags=re.M)
    return {int(number): body for number, body in zip(parts[1::2], parts[2::2], strict=True)}


SECTIONS = _sections()


def _bullets(section: int) -> list[str]:
    return [line.strip() for line in re.findall(r"^- (.+)$", SECTIONS[section], re.M)]


def _bold_items(section: int) -> list[tuple[str, str]]:
    """`- **Term** – text` bullets as (term, text)."""
    return [(term.strip(), text.strip())
            for term, text in re.findall(r"^- \*\*(.+?)\*\* – (.+)$", SECTIONS[section], re.M)]


def _step_blocks() -> list[str]:
    return re.split(r"^(?=\d+\. \*\*)", SECTIONS[4], flags=re.M)[1:]


def _step_field(block: str, label: str) -> str:
    match = re.search(rf"^\s*- {label}: (.+)$", block, re.M)
    assert match is not None, f"seed step without '{label}'"
    return match.group(1).strip()


def _plan_rows() -> list[tuple[str, str]]:
    rows = re.findall(r"^\|\s*(\d+ \S+)\s*\|\s*(.+?)\s*\|$", SECTIONS[9], re.M)
    return [(when.strip(), prompt.strip()) for when, prompt in rows]


def _slug(term: str) -> str:
    return term.split(" (")[0].lower().replace(" ", "-")


def _step_ids(step: int, recalls: int) -> list[str]:
    return [f"step.{step}"] + [f"step{step}.recall.{k}" for k in range(1, recalls + 1)]


def _sentences(text: str) -> int:
    return len(SENTENCE_END.split(text.strip()))


# --- the module --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def module() -> Module:
    modules = {loaded.id: loaded for loaded in load_modules(CONTENT_DIR, LAB_IDS)}
    return modules[MODULE_ID]


def _texts(module: Module) -> list[tuple[str, Text]]:
    texts = [("module.title", module.title), ("module.overview", module.overview)]
    for card in module.cards:
        for field in ("front", "back", "focus", "task"):
            value = getattr(card, field)
            if value is not None:
                texts.append((f"{card.id}.{field}", value))
    return texts


def test_the_shipped_module_loads_with_its_header(module: Module) -> None:
    assert module.path == CONTENT_DIR / MODULE_ID / "module.toml"
    assert module.source == "000_167c5bc6ddabd915.txt"
    assert module.title == Text("Оптимизация на инференцията", "Inference optimization")


def test_counts_per_kind_follow_the_mapping(module: Module) -> None:
    assert Counter(card.kind for card in module.cards) == EXPECTED_COUNTS
    assert len(module.cards) == 57


def test_cards_follow_the_seed_section_order(module: Module) -> None:
    kinds = ["step" if card.kind == "recall" else card.kind for card in module.cards]
    positions = [KIND_ORDER.index(kind) for kind in kinds]
    assert positions == sorted(positions)
    current_step = 0
    for card in module.cards:
        if card.kind == "step":
            current_step = card.step or 0
        if card.kind == "recall":
            assert card.step == current_step, f"{card.id} is not under its step"


def test_ids_follow_the_mapping(module: Module) -> None:
    recall_counts = Counter(card.step for card in module.of_kind("recall"))
    assert recall_counts == {1: 2, 2: 2, 3: 2, 4: 1, 5: 2}
    expected = (
        [f"prior.{n}" for n in range(1, 4)]
        + [f"concept.{_slug(term)}" for term, _ in _bold_items(3)]
        + [f"concept.{_slug(term)}.reverse" for term, _ in _bold_items(3)]
        + [card_id for step in range(1, 6) for card_id in _step_ids(step, recall_counts[step])]
        + [f"example.{n}" for n in range(1, 4)]
        + [f"pitfall.{n}" for n in range(1, 6)]
        + [f"quiz.{n}" for n in range(1, 8)]
        + [f"recap.{n}" for n in range(1, 8)]
        + ["plan.1d", "plan.3d", "plan.1w", "plan.1m"]
    )
    assert [card.id for card in module.cards] == expected


def test_every_text_has_bulgarian_and_english(module: Module) -> None:
    for where, text in _texts(module):
        assert text.bg.strip(), f"{where}: empty bg"
        assert text.en.strip(), f"{where}: empty en"


def test_reviewable_cards_have_a_back_and_study_cards_have_none(module: Module) -> None:
    for card in module.cards:
        if card.kind in REVIEWABLE_KINDS:
            assert card.back is not None, card.id
        else:
            assert card.back is None, card.id


def test_steps_and_examples_launch_their_labs(module: Module) -> None:
    assert {card.step: card.lab for card in module.of_kind("step")} == STEP_LABS
    for card in module.of_kind("example"):
        assert card.lab == EXAMPLE_LABS[int(card.id.removeprefix("example."))]
        assert card.code_lang == "python"
    for card in module.of_kind("recall"):
        assert card.id.startswith(f"step{card.step}.recall.")
        expected = "prune" if card.id == "step2.recall.2" else STEP_LABS[card.step or 0]
        assert card.lab == expected, card.id
    assert all(card.lab in LAB_IDS for card in module.cards if card.lab is not None)


def test_plan_offsets_are_one_day_three_days_one_week_one_month(module: Module) -> None:
    offsets = [card.offset for card in module.of_kind("plan")]
    assert offsets == [PlanOffset(days=1), PlanOffset(days=3), PlanOffset(weeks=1),
                       PlanOffset(months=1)]
    from_seed = []
    for when, _ in _plan_rows():
        amount, unit = when.split()
        from_seed.append(PlanOffset(**{PLAN_UNITS[unit]: int(amount)}))
    assert offsets == from_seed


# --- Bulgarian: the seed's own words ----------------------------------------------------------

def test_overview_is_the_seeds_three_paragraphs(module: Module) -> None:
    paragraphs = [part.strip() for part in SECTIONS[2].strip().split("\n\n")]
    assert len(paragraphs) == 3
    assert module.overview.bg == "\n\n".join(paragraphs)
    assert len(module.overview.en.split("\n\n")) == 3


def test_prior_quiz_recap_and_plan_fronts_are_the_seeds_text(module: Module) -> None:
    quiz = [line.strip() for line in re.findall(r"^\d+\. (.+)$", SECTIONS[7], re.M)]
    assert [card.front.bg for card in module.of_kind("prior")] == _bullets(1)
    assert [card.front.bg for card in module.of_kind("quiz")] == quiz
    assert [card.front.bg for card in module.of_kind("recap")] == _bullets(8)
    assert [card.front.bg for card in module.of_kind("plan")] == [p for _, p in _plan_rows()]


def test_steps_and_recall_questions_are_the_seeds_text(module: Module) -> None:
    blocks = _step_blocks()
    steps = module.of_kind("step")
    assert len(blocks) == len(steps)
    for block, card in zip(blocks, steps, strict=True):
        title = re.match(r"\d+\. \*\*(.+?)\*\*", block)
        assert title is not None
        assert card.front.bg == title.group(1).strip()
        assert card.focus is not None and card.focus.bg == _step_field(block, "Фокус")
        assert card.task is not None and card.task.bg == _step_field(block, "Практическа задача")
        questions = [q.strip() for q in re.findall(r"[^?]+\?",
                                                   _step_field(block, "Въпроси за припомняне"))]
        recalls = [c for c in module.of_kind("recall") if c.step == card.step]
        assert [c.front.bg for c in recalls] == questions


def test_concepts_are_the_seeds_terms_and_definitions_both_ways(module: Module) -> None:
    items = _bold_items(3)
    forward = [card for card in module.of_kind("concept") if not card.id.endswith(".reverse")]
    assert [(card.front.bg, card.back.bg if card.back else "") for card in forward] == items
    for card in forward:
        reverse = module.card(f"{card.id}.reverse")
        assert reverse.front == card.back
        assert reverse.back == card.front
        assert reverse.lab is None


def test_examples_are_the_seeds_titles_and_code(module: Module) -> None:
    titles = re.findall(r"^### Пример \d+: (.+)$", SECTIONS[5], re.M)
    code = re.findall(r"^```python\n(.*?)\n```$", SECTIONS[5], re.M | re.S)
    examples = module.of_kind("example")
    assert [card.front.bg for card in examples] == [title.strip() for title in titles]
    assert [card.code.bg if card.code else None for card in examples] == code


def test_pitfalls_start_with_the_seeds_explanation(module: Module) -> None:
    pitfalls = module.of_kind("pitfall")
    items = _bold_items(6)
    assert [card.front.bg for card in pitfalls] == [name for name, _ in items]
    for card, (_, explanation) in zip(pitfalls, items, strict=True):
        assert card.back is not None
        assert card.back.bg.startswith(explanation), card.id
        assert len(card.back.bg) > len(explanation) + 40, f"{card.id}: no advice added"


# --- English and model answers -----------------------------------------------------------------

def test_english_is_a_translation_not_a_copy(module: Module) -> None:
    for where, text in _texts(module):
        assert text.en != text.bg, f"{where}: en is a copy of bg"
        assert not CYRILLIC.search(text.en), f"{where}: Cyrillic in en"


def test_model_answers_are_short_and_translated_sentence_for_sentence(module: Module) -> None:
    for kind in MODEL_ANSWER_KINDS:
        for card in module.of_kind(kind):
            assert card.back is not None
            bg, en = _sentences(card.back.bg), _sentences(card.back.en)
            assert 2 <= bg <= 5, f"{card.id}: {bg} sentences in bg"
            assert en == bg, f"{card.id}: {bg} sentences in bg, {en} in en"
            assert len(card.back.bg) <= 900, f"{card.id}: bg too long to check oneself against"
            assert 0.75 <= len(card.back.en) / len(card.back.bg) <= 1.3, card.id


def test_example_answers_say_what_the_lab_runs_instead(module: Module) -> None:
    for card in module.of_kind("example"):
        assert card.back is not None
        assert "Лабораторията" in card.back.bg and "lab" in card.back.en, card.id
    tflite = module.card("example.1").back
    assert tflite is not None
    assert "TensorFlow не е инсталиран" in tflite.bg
    assert "TensorFlow is not installed" in tflite.en
    timing = module.card("example.2").back
    assert timing is not None
    for point in ("time.time()", "inference_mode", "pretrained=True"):
        assert point in timing.bg and point in timing.en
