"""The shipped module: it loads, follows the seed-to-card mapping and is complete in both languages.

The seed (`tests/fixtures/inference_optimization.md`) is parsed here independently of the
Markdown importer, so the two are checked against each other only through the seed itself.
The module's own additions to the learning path (study text and the recall cards that test it)
are told apart from the seed's cards by their ids; `test_content_cards.py` holds every card to
the rules of a good card.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import is_cut_from

from studyapp.deck import load_modules
from studyapp.deck.model import REVIEWABLE_KINDS, Card, Module, PlanOffset
from studyapp.labs.catalog import LAB_IDS
from studyapp.text import Text

ROOT = Path(__file__).resolve().parents[1]
CONTENT_DIR = ROOT / "content"
SEED = ROOT / "tests" / "fixtures" / "inference_optimization.md"
MODULE_ID = "inference-optimization"

SEED_COUNTS = {
    "prior": 3, "concept": 14, "step": 5, "recall": 9, "example": 3,
    "pitfall": 5, "quiz": 7, "recap": 7, "plan": 4,
}
# the module's own: a reading per topic it adds, and the recall cards that test them
OWN_COUNTS = {"reading": 14, "recall": 50}
KIND_ORDER = ("prior", "concept", "step", "example", "pitfall", "quiz", "recap", "plan")
PATH_KINDS = ("step", "reading", "recall")  # the learning path: a step and what follows it
SEED_RECALL_ID = re.compile(r"^step(\d+)\.recall\.\d+\Z")
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


def _is_own(card: Card) -> bool:
    """A card the module adds to the seed: a reading, or a recall card with a topic id."""
    return card.kind == "reading" or (card.kind == "recall" and not SEED_RECALL_ID.match(card.id))


def _seed_recalls(module: Module, step: int) -> list[Card]:
    return [card for card in module.of_kind("recall") if card.step == step and not _is_own(card)]


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
        for field in ("front", "back", "focus", "task", "cue", "notes", "body"):
            value = getattr(card, field)
            if value is not None:
                texts.append((f"{card.id}.{field}", value))
    return texts


def test_the_shipped_module_loads_with_its_header(module: Module) -> None:
    assert module.path == CONTENT_DIR / MODULE_ID / "module.toml"
    assert module.source == "000_167c5bc6ddabd915.txt"
    assert module.title == Text("Оптимизация на инференцията", "Inference optimization")


def test_counts_per_kind_follow_the_mapping(module: Module) -> None:
    seed = Counter(card.kind for card in module.cards if not _is_own(card))
    assert seed == SEED_COUNTS
    assert Counter(card.kind for card in module.cards if _is_own(card)) == OWN_COUNTS
    assert len(module.cards) == 57 + 64


def test_cards_follow_the_seed_section_order(module: Module) -> None:
    kinds = ["step" if card.kind in PATH_KINDS else card.kind for card in module.cards]
    positions = [KIND_ORDER.index(kind) for kind in kinds]
    assert positions == sorted(positions)
    current_step = 0
    for card in module.cards:
        if card.kind == "step":
            current_step = card.step or 0
        if card.kind in ("recall", "reading"):
            assert card.step == current_step, f"{card.id} is not under its step"


def test_every_step_has_study_text_of_its_own(module: Module) -> None:
    readings = Counter(card.step for card in module.of_kind("reading"))
    assert set(readings) == {1, 2, 3, 4, 5}


def test_ids_follow_the_mapping(module: Module) -> None:
    recall_counts = Counter(card.step for card in module.of_kind("recall") if not _is_own(card))
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
    assert [card.id for card in module.cards if not _is_own(card)] == expected


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
    for step in STEP_LABS:
        for card in _seed_recalls(module, step):
            expected = "prune" if card.id == "step2.recall.2" else STEP_LABS[step]
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
        assert [c.front.bg for c in _seed_recalls(module, card.step or 0)] == questions


def test_concepts_are_the_seeds_terms_and_definitions_both_ways(module: Module) -> None:
    items = _bold_items(3)
    forward = [card for card in module.of_kind("concept") if not card.id.endswith(".reverse")]
    assert [(card.front.bg, card.back.bg if card.back else "") for card in forward] == items
    for card in forward:
        reverse = module.card(f"{card.id}.reverse")
        assert card.back is not None
        # the definition, less any words that would give the term away
        assert is_cut_from(reverse.front.bg, card.back.bg), reverse.id
        assert is_cut_from(reverse.front.en, card.back.en), reverse.id
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
            assert 1 <= bg <= 3, f"{card.id}: {bg} sentences in bg"
            assert en == bg, f"{card.id}: {bg} sentences in bg, {en} in en"
            assert len(card.back.bg) <= 900, f"{card.id}: bg too long to check oneself against"
            assert 0.75 <= len(card.back.en) / len(card.back.bg) <= 1.3, card.id


def test_example_notes_say_what_the_lab_runs_instead(module: Module) -> None:
    """What the lab does is shown after the answer, not graded."""
    for card in module.of_kind("example"):
        assert card.back is not None and card.notes is not None
        assert "лабораторията" in card.notes.bg.casefold() and " lab " in card.notes.en, card.id
        assert "лаборатор" not in card.back.bg.casefold() and " lab " not in card.back.en, card.id
    tflite = module.card("example.1").notes
    assert tflite is not None
    assert "TensorFlow не е инсталиран" in tflite.bg
    assert "TensorFlow is not installed" in tflite.en
    for point in ("TFLITE_BUILTINS_INT8", "from_saved_model", "tf_keras", "LiteRT"):
        assert point in tflite.bg and point in tflite.en, point


def test_example_critiques_name_what_an_engineer_would(module: Module) -> None:
    timing = module.card("example.2")
    assert timing.back is not None and timing.notes is not None
    assert "time.time()" in timing.back.bg and "time.time()" in timing.back.en
    for point in ("inference_mode", "pretrained=True", "weights=ResNet18_Weights.DEFAULT",
                  "torch.cuda.synchronize()"):
        assert point in timing.notes.bg and point in timing.notes.en, point
    session = module.card("example.3").notes
    assert session is not None
    for point in ("providers=", "get_inputs()[0].name", "get_providers()"):
        assert point in session.bg and point in session.en, point
