"""One term per concept, one register, no calques: every catalogue, lab text and card text
is scanned for the variants the app no longer uses."""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyapp.i18n import LOCALES

ROOT = Path(__file__).resolve().parents[1]
LABS = ROOT / "studyapp" / "labs"
CONTENT = ROOT / "content"
SEED = ROOT / "tests" / "fixtures" / "inference_optimization.md"

# Bulgarian variants that each have one chosen term (in the comment).
BANNED_BG = {
    r"упражнени": "лаборатория",
    r"закъснени": "латентност",
    r"пропускателност(?!\w)|пропускателността": "пропускателна способност",
    r"Запис №": "пускане №",
    r"модулът е учен": "учен is a scientist",
    r"(?<![Пп]ре)[Мм]ахна": "премахнати",
    r"(?<![а-я])маха(?![а-я])": "премахва",
    r"(?<![а-я])сметки": "изчисления",
    r"часовника на стената": "системния часовник",
    r"една по едно време": "само една наведнъж",
    r"последното ниво кеш": "кеша от последно ниво",
    r"отклонения в 32 бита": "отмествания (biases)",
    r"пълно блокиране": "пълна празнота (grade 0)",
    r"(?<!тензорни )(?<!тензорните )(?<!физическо )ядр[оа]\w* \(kernels?\)": "кернел",
    r"(?:CSR|MLAS|плътно|плътното|слетото|GPU) ядр": "кернел",
    r"ядра за (?:GEMM|свивки)": "кернели",
    r"по-бързо: ONNX Runtime е": "ONNX Runtime is masculine",
    r"единични измервания": "единични отчитания (one time.time() is a reading)",
    r"ограничен\w* от смятането": "ограничен от изчисленията (compute-bound)",
    r"засякоха": "заседнаха (засякоха is 'timed')",
    r"(?<![а-яА-Я])[Мм]ахане": "премахване",
    # the learner is "ти": no polite plural imperatives or possessives
    r"(?<![а-яА-Я])(?:[Вв]ашият|[Пп]уснете|[Вв]ижте|[Оо]птимизирайте|[Дд]обавете|[Оо]бновете"
    r"|[Вв]ъзстановете|[Зз]атворете|[Пп]опълнете|[Пп]роверете|[Вв]ъведете|[Ии]зползвайте"
    r"|[Оо]тговорете|[Тт]ествайте|[Дд]айте|[Оо]бяснете|[Нн]апишете|[Вв]ярвайте)(?![а-я])": "ти",
}
# English wording the app replaced.
BANNED_EN = {
    r"\bto repeat\b|· repeat\b|\brepeats:": "re-drill, as in the app",
    r"cannot win more than their share": "Amdahl: the rest can win at most the rest of the time",
    r"spaced-review prompt": "review-plan prompt, as the kind is named",
}


def _locale_texts() -> Iterator[tuple[str, str, str]]:
    for path in sorted(LOCALES.glob("*.toml")):
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
        for lang, table in tables.items():
            for key, text in table.items():
                yield f"{path.name}:{lang}.{key}", lang, text


def _lab_strings() -> Iterator[tuple[str, str]]:
    """Every string literal in the labs' code, f-string parts included."""
    for path in sorted(LABS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node.value


def _content_lines() -> Iterator[tuple[str, str]]:
    for path in sorted(CONTENT.rglob("*.toml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield f"{path.relative_to(ROOT)}:{number}", line


def found(banned: dict[str, str], texts: Iterator[tuple[str, str]]) -> list[str]:
    pattern = re.compile("|".join(f"(?:{variant})" for variant in banned))
    return [f"{where}: {match.group(0)!r}" for where, text in texts
            for match in pattern.finditer(text)]


def test_the_scanners_find_texts() -> None:
    assert sum(1 for _ in _locale_texts()) > 300
    assert sum(1 for _ in _lab_strings()) > 1000
    assert sum(1 for _ in _content_lines()) > 1000


@pytest.mark.parametrize(("text", "hit"), [
    ("пуснете упражнението отново", True), ("пусни лабораторията отново", False),
    ("Запис №3", True), ("пускане №3", False), ("махнатите възли", True),
    ("премахнатите възли", False), ("плътното ядро умножава", True),
    ("тензорните ядра на GPU", False), ("по една на физическо ядро", False),
    ("пропускателността расте", True), ("пропускателната способност расте", False),
    ("на него вярвайте", True), ("вярвай на това сравнение", False),
    ("ограничен от смятането", True), ("ограничен от изчисленията", False),
    ("3 кръга засякоха", True), ("3 кръга заседнаха", False),
    ("Махането на 50%", True), ("Премахването на 50%", False),
    ("20 единични измервания", True), ("20 единични отчитания", False),
])
def test_a_banned_variant_is_found_and_its_replacement_is_not(text: str, hit: bool) -> None:
    assert bool(found(BANNED_BG, iter([("example", text)]))) is hit


def test_catalogues_use_one_term_per_concept_and_one_register() -> None:
    bg = ((where, text) for where, lang, text in _locale_texts() if lang == "bg")
    en = ((where, text) for where, lang, text in _locale_texts() if lang == "en")
    assert found(BANNED_BG, bg) == []
    assert found(BANNED_EN, en) == []


def test_lab_texts_use_one_term_per_concept_and_one_register() -> None:
    assert found(BANNED_BG, _lab_strings()) == []
    assert found(BANNED_EN, _lab_strings()) == []


def test_card_texts_use_one_term_per_concept_and_one_register() -> None:
    """The module's own words; where a card quotes the seed, it keeps the seed's words."""
    seed = SEED.read_text(encoding="utf-8")
    pattern = re.compile("|".join(f"(?:{variant})" for variant in BANNED_BG))
    own = [f"{where}: {match.group(0)!r}" for where, line in _content_lines()
           for match in pattern.finditer(line)
           if line[match.start():].split('"')[0].split('.')[0] not in seed]
    assert own == []
