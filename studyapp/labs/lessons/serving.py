"""What the serving lab teaches from its numbers, as pure functions of its rows (no torch).

The lab's rows (named and picked out in `serving_rows.py`): two harness rows, one request
and a full batch, with the batch's `throughput_gain`; and a row per policy and load ρ (the
offered rate as a share of one-at-a-time capacity) with, over the rounds, p50/p90/p99
latency, requests served per second, `busy` (the share of the run the model was running),
`keeps_up` (requests finished per request arrived in the middle of the run: under 1 when
the queue fell behind) and, from
the paired rounds, `p99_growth` (against the policy's lightest load), `throughput_vs_one`
and `p50_vs_one` (dynamic batching against one at a time). Every sentence below is chosen
from those intervals: a growth, a cost or a win is stated only when its interval says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.labs.findings import Row, Rows, interval, number, spanned
from studyapp.labs.lesson import CardDraft, CardMaker, Lesson, Question, with_reading
from studyapp.labs.lessons import serving_decoder as decoder
from studyapp.labs.readings import join
from studyapp.labs.serving_rows import (
    DEFAULT_BUDGET_MS,
    DYNAMIC,
    ONE_AT_A_TIME,
    label,
    load_of,
    service,
    sweep,
)
from studyapp.labs.stats import Interval
from studyapp.text import Text

KEEPS_UP = 0.9  # at least this many requests finished per request arrived: the queue kept up
KNEE_GROWTH = 2.0  # the knee: the last load whose p99 is not measurably over ×2 the lightest


# --- how a reader sees a number ----------------------------------------------------------

def _num(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def _ms(row: Row, key: str) -> str:
    return f"{_num(number(row, key) or 0)} ms"


def _load(row: Row) -> str:
    return f"ρ {load_of(row):.2g}"


def _rate(row: Row, key: str = "throughput_per_s") -> str:
    return f"{number(row, key) or 0:.0f}"


def _busy(row: Row) -> str:
    return f"{number(row, 'busy') or 0:.0%}"


def keeps_up(row: Row) -> bool:
    """Whether the queue surely kept up with the arrivals at this load."""
    found = interval(row, "keeps_up")
    return found is not None and found.low >= KEEPS_UP


def fell_behind(row: Row) -> bool:
    """Whether the queue surely fell behind the arrivals: more came than it could serve."""
    found = interval(row, "keeps_up")
    return found is not None and found.high < KEEPS_UP


# --- the service time: what one at a time can do, and the room batching has --------------

def read_capacity(rows: Rows) -> Text | None:
    timed = service(rows)
    if len(timed) < 2:
        return None
    one, full = timed[0], timed[-1]
    batch = int(number(full, "batch_size") or 0)
    gain = interval(full, "throughput_gain")
    head = Text(
        f"Една заявка сама отнема {_ms(one, 'latency_ms_median')}: една по една моделът "
        f"обслужва най-много {_rate(one)} заявки/s — това е ρ = 1, товарът, на който "
        f"лабораторията мери всичко останало.",
        f"One request alone takes {_ms(one, 'latency_ms_median')}: one at a time the model "
        f"serves at most {_rate(one)} requests/s — that is ρ = 1, the load the lab measures "
        "everything else against.")
    if gain is not None and gain.direction() > 0:
        room = Text(
            f"Пакет от {batch} отнема {_ms(full, 'latency_ms_median')}: {_rate(full)} "
            f"заявки/s, {spanned(gain)} — толкова място има пакетирането.",
            f"A batch of {batch} takes {_ms(full, 'latency_ms_median')}: {_rate(full)} "
            f"requests/s, {spanned(gain)} — the room batching has.")
    else:
        shown = spanned(gain) if gain is not None else "?"
        room = Text(
            f"Пакет от {batch} не дава измеримо повече заявки/s ({shown}): тук пакетирането "
            "няма място.",
            f"A batch of {batch} gives no measurably more requests/s ({shown}): batching has "
            "no room here.")
    return join(head, room)


@dataclass(frozen=True)
class Room:
    """One request alone against a full batch: the room batching has (its interval above 1)."""

    one: Row
    full: Row
    gain: Interval


def room(rows: Rows) -> Room | None:
    timed = service(rows)
    gain = interval(timed[-1], "throughput_gain") if len(timed) >= 2 else None
    if gain is None or gain.direction() <= 0:
        return None
    return Room(timed[0], timed[-1], gain)


# --- one at a time: utilisation and the tail ---------------------------------------------

@dataclass(frozen=True)
class Tail:
    """One at a time: the lightest load, the heaviest load the queue kept up with, and its
    p99 against the lightest's."""

    light: Row
    heavy: Row
    growth: Interval


def tail(rows: Rows) -> Tail | None:
    rows_of = sweep(rows, ONE_AT_A_TIME)
    kept = [row for row in rows_of[1:] if keeps_up(row) and interval(row, "p99_growth")]
    if not rows_of or not kept:
        return None
    growth = interval(kept[-1], "p99_growth")
    assert growth is not None  # every kept row has one
    return Tail(rows_of[0], kept[-1], growth)


def read_tail(rows: Rows) -> Text | None:
    """How p99 grows with utilisation one at a time, and what happens past capacity."""
    found = tail(rows)
    if found is None:
        return None
    light, heavy = found.light, found.heavy
    head = Text(
        f"Една по една, при {_load(light)} моделът работи {_busy(light)} от времето и p99 е "
        f"{_ms(light, 'latency_ms_p99')}; при {_load(heavy)} работи {_busy(heavy)} и p99 е "
        f"{_ms(heavy, 'latency_ms_p99')}:",
        f"One at a time, at {_load(light)} the model runs {_busy(light)} of the time and p99 is "
        f"{_ms(light, 'latency_ms_p99')}; at {_load(heavy)} it runs {_busy(heavy)} and p99 is "
        f"{_ms(heavy, 'latency_ms_p99')}:")
    if found.growth.direction() > 0:
        why = Text(
            f"{spanned(found.growth)}. Заявка, дошла докато моделът е зает, чака всички преди "
            "нея; колкото по-близо е ρ до 1, толкова по-дълго се изчерпва опашката, която "
            "оставя всеки случаен наплив — средното чакане расте като ρ/(1−ρ), а опашката на "
            "разпределението още по-бързо.",
            f"{spanned(found.growth)}. A request that arrives while the model is busy waits "
            "for every one ahead of it; the closer ρ is to 1, the longer the queue left by "
            "each random burst takes to drain — the mean wait grows as ρ/(1−ρ), and the tail "
            "faster still.")
    else:
        why = Text(f"без измерим ръст ({spanned(found.growth)}).",
                   f"no measurable growth ({spanned(found.growth)}).")
    over = next((row for row in sweep(rows, ONE_AT_A_TIME) if fell_behind(row)), None)
    beyond = Text("", "") if over is None else Text(
        f"При {_load(over)} идват повече заявки, отколкото моделът смогва: обслужва "
        f"{_rate(over)} от {_rate(over, 'rate_per_s')} заявки/s, опашката расте без край и p99 "
        f"({_ms(over, 'latency_ms_p99')}) зависи от това колко дълго е продължило пускането, "
        "не от модела.",
        f"At {_load(over)} more requests arrive than the model can serve: it serves "
        f"{_rate(over)} of {_rate(over, 'rate_per_s')} requests/s offered, the queue grows "
        f"without end, and p99 ({_ms(over, 'latency_ms_p99')}) is set by how long the run "
        "lasted, not by the model.")
    left = int(number(over, "unfinished") or 0)
    cut = Text("", "") if over is None or not left else Text(
        f"{left} заявки още чакаха, когато пускането беше спряно.",
        f"{left} requests were still waiting when the run was stopped.")
    return join(head, why, beyond, cut)


# --- the knee ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Knee:
    """Where a policy's p99 leaves its light-load value: the last load surely within
    KNEE_GROWTH times it, and the first load surely beyond it (or where the queue fell
    behind); None where the sweep shows none."""

    within: Row | None
    past: Row | None


def knee(rows_of: Sequence[Row]) -> Knee:
    past_index = next((index for index, row in enumerate(rows_of) if fell_behind(row) or (
        (growth := interval(row, "p99_growth")) is not None and growth.low > KNEE_GROWTH)),
        None)
    before = rows_of if past_index is None else rows_of[:past_index]
    within = [row for index, row in enumerate(before) if index == 0 or (
        (growth := interval(row, "p99_growth")) is not None and growth.high <= KNEE_GROWTH)]
    return Knee(within[-1] if within else None,
                None if past_index is None else rows_of[past_index])


def _capital(text: Text) -> Text:
    """The text with its first letter a capital, to open a paragraph."""
    return Text(text.bg[:1].upper() + text.bg[1:], text.en[:1].upper() + text.en[1:])


def _past_the_knee(row: Row) -> Text:
    """What the first load past the knee shows: the queue fell behind, or p99 measurably
    beyond KNEE_GROWTH times its light-load value."""
    growth = interval(row, "p99_growth")
    p99 = _ms(row, "latency_ms_p99")
    if fell_behind(row):
        return Text(
            f"опашката изостава: обслужва {_rate(row)} от {_rate(row, 'rate_per_s')} "
            f"заявки/s, p99 {p99}",
            f"the queue falls behind: it serves {_rate(row)} of {_rate(row, 'rate_per_s')} "
            f"requests/s, p99 {p99}")
    shown = spanned(growth) if growth is not None else "?"
    return Text(f"p99 е {p99}, {shown} спрямо лекия товар",
                f"p99 is {p99}, {shown} its light-load value")


def read_knee(rows: Rows, policy: str) -> Text | None:
    rows_of = sweep(rows, policy)
    if len(rows_of) < 2:
        return None
    found = knee(rows_of)
    name = _capital(label(policy))
    if found.past is None:
        return Text(
            f"{name.bg}: до най-тежкия товар ({_load(rows_of[-1])}) p99 не се отдалечава "
            f"измеримо на повече от ×{KNEE_GROWTH:.0f} от стойността си при лек товар.",
            f"{name.en}: up to the heaviest load ({_load(rows_of[-1])}) p99 does not move "
            f"measurably beyond ×{KNEE_GROWTH:.0f} its light-load value.")
    then = _past_the_knee(found.past)
    if found.past is rows_of[0]:
        return Text(f"{name.bg}: още при {_load(found.past)} {then.bg}.",
                    f"{name.en}: already at {_load(found.past)} {then.en}.")
    within = found.within or rows_of[0]
    if within is rows_of[0]:
        next_one = found.past is rows_of[1]
        already = Text("още " if next_one else "", "already " if next_one else "")
        return Text(
            f"{name.bg}: при {_load(within)} ({_rate(within)} заявки/s) p99 е "
            f"{_ms(within, 'latency_ms_p99')}, а {already.bg}при {_load(found.past)} {then.bg}.",
            f"{name.en}: at {_load(within)} ({_rate(within)} requests/s) p99 is "
            f"{_ms(within, 'latency_ms_p99')}, and {already.en}at {_load(found.past)} "
            f"{then.en}.")
    return Text(
        f"{name.bg}: коляното — до {_load(within)} ({_rate(within)} заявки/s) p99 остава в "
        f"рамките на ×{KNEE_GROWTH:.0f} от стойността си при лек товар "
        f"({_ms(within, 'latency_ms_p99')}); при {_load(found.past)} {then.bg}.",
        f"{name.en}: the knee — up to {_load(within)} ({_rate(within)} requests/s) p99 stays "
        f"within ×{KNEE_GROWTH:.0f} its light-load value ({_ms(within, 'latency_ms_p99')}); "
        f"at {_load(found.past)} {then.en}.")


# --- the wait window: latency at low load, throughput at high load -----------------------

@dataclass(frozen=True)
class Window:
    """Dynamic batching against one at a time: p50 at the lightest load, requests served
    at the heaviest."""

    light: Row
    light_one: Row
    cost: Interval  # p50, dynamic over one at a time, at the lightest load
    heavy: Row
    heavy_one: Row
    win: Interval  # requests served, dynamic over one at a time, at the heaviest load


def window(rows: Rows) -> Window | None:
    dynamic, one = sweep(rows, DYNAMIC), sweep(rows, ONE_AT_A_TIME)
    if len(dynamic) < 2 or len(one) != len(dynamic):
        return None
    cost, win = interval(dynamic[0], "p50_vs_one"), interval(dynamic[-1], "throughput_vs_one")
    if cost is None or win is None:
        return None
    return Window(dynamic[0], one[0], cost, dynamic[-1], one[-1], win)


def _why_it_costs(found: Window) -> Text:
    """Why p50 rose at the lightest load, as far as the rows tell: the batch waited out its
    window (the rise is within the window and batches stayed small), or the queue fell
    behind (more than the window explains); else nothing."""
    light = found.light
    window_ms = number(light, "window_ms") or 0
    batch, most = number(light, "mean_batch") or 0, number(light, "max_batch") or 0
    rise = (number(light, "latency_ms_median") or 0) - (
        number(found.light_one, "latency_ms_median") or 0)
    if rise <= window_ms and batch < most / 2:
        return Text(f"Заявките идват рядко, пакетът чака прозореца да изтече и тръгва средно "
                    f"с {batch:.1f}.",
                    f"Requests arrive rarely, so the batch waits out its window and leaves "
                    f"with {batch:.1f} on average.")
    if fell_behind(light):
        return Text("Това е повече, отколкото прозорецът обяснява: опашката е изоставала.",
                    "That is more than the window explains: the queue fell behind.")
    return Text("", "")


def read_window(rows: Rows) -> Text | None:
    found = window(rows)
    if found is None:
        return None
    light, heavy = found.light, found.heavy
    wait = f"{number(light, 'window_ms') or 0:g} ms"
    compared = Text(
        f"p50 {_ms(light, 'latency_ms_median')} срещу {_ms(found.light_one, 'latency_ms_median')} "
        f"една по една, {spanned(found.cost)}",
        f"p50 {_ms(light, 'latency_ms_median')} against "
        f"{_ms(found.light_one, 'latency_ms_median')} one at a time, {spanned(found.cost)}")
    if found.cost.direction() > 0:
        low = join(Text(f"При {_load(light)} прозорецът от {wait} струва латентност: "
                        f"{compared.bg}.",
                        f"At {_load(light)} the {wait} window costs latency: {compared.en}."),
                   _why_it_costs(found))
    elif found.cost.direction() < 0:
        low = Text(f"При {_load(light)} p50 с прозорец от {wait} е по-ниска, отколкото една по "
                   f"една: {compared.bg}.",
                   f"At {_load(light)} p50 is lower with the {wait} window than one at a "
                   f"time: {compared.en}.")
    else:
        low = Text(f"При {_load(light)} прозорецът от {wait} не струва измерима латентност: "
                   f"{compared.bg}.",
                   f"At {_load(light)} the {wait} window costs no measurable latency: "
                   f"{compared.en}.")
    served = Text(
        f"{_rate(heavy)} заявки/s срещу {_rate(found.heavy_one)} една по една, "
        f"{spanned(found.win)}",
        f"{_rate(heavy)} requests/s against {_rate(found.heavy_one)} one at a time, "
        f"{spanned(found.win)}")
    if found.win.direction() > 0:
        high = Text(
            f"При {_load(heavy)} печели пропускателна способност: {served.bg}, в пакети средно "
            f"по {number(heavy, 'mean_batch') or 0:.1f} — едно извикване за няколко заявки "
            "поделя постоянните си разходи между тях.",
            f"At {_load(heavy)} it wins throughput: {served.en}, in batches of "
            f"{number(heavy, 'mean_batch') or 0:.1f} on average — one call for several "
            "requests shares its fixed costs among them.")
    else:
        high = Text(f"При {_load(heavy)} не обслужва измеримо повече: {served.bg}.",
                    f"At {_load(heavy)} it serves no measurably more: {served.en}.")
    return join(low, high)


# --- the budget --------------------------------------------------------------------------

@dataclass(frozen=True)
class Budget:
    """The heaviest load a policy surely sustained with p99 within the budget, and the
    heaviest it may have (its interval reaches the budget); None: not even the lightest."""

    policy: str
    budget_ms: float
    sure: Row | None
    maybe: Row | None
    heaviest: Row


def budget(rows: Rows, policy: str) -> Budget | None:
    rows_of = sweep(rows, policy)
    budget_ms = number(rows_of[0], "p99_budget_ms") if rows_of else None
    if not rows_of or budget_ms is None:
        return None

    def within(row: Row, key: str) -> bool:
        return (number(row, key) or 0) <= budget_ms

    sure = [row for row in rows_of if keeps_up(row) and within(row, "latency_ms_p99_high")]
    # p99 only grows with the load: past a load that surely broke the target (or fell
    # behind), a heavier one whose wide interval still reaches it is noise, not a "perhaps"
    maybe: list[Row] = []
    for row in rows_of:
        if fell_behind(row) or not within(row, "latency_ms_p99_low"):
            break
        maybe.append(row)
    return Budget(policy, budget_ms, sure[-1] if sure else None, maybe[-1] if maybe else None,
                  rows_of[-1])


def _budget_line(found: Budget) -> Text:
    name, sure = label(found.policy), found.sure
    if sure is None:
        return Text(f"{name.bg}: дори най-лекият товар не остава сигурно в целта",
                    f"{name.en}: not even the lightest load surely stays within it")
    said = Text(f"{name.bg}: до {_rate(sure)} заявки/s ({_load(sure)})",
                f"{name.en}: up to {_rate(sure)} requests/s ({_load(sure)})")
    if sure is found.heaviest:
        return join(said, Text("— и най-тежкият товар; коляното е отвъд",
                               "— the heaviest load too; its limit lies beyond"))
    if found.maybe is not None and found.maybe is not sure:
        return join(said, Text(f"(може би и до {_load(found.maybe)}: интервалът на p99 "
                               "обхваща целта)",
                               f"(perhaps up to {_load(found.maybe)}: the p99 interval spans "
                               "the target)"))
    return said


def read_budget(rows: Rows) -> Text | None:
    found = [found for policy in (ONE_AT_A_TIME, DYNAMIC)
             if (found := budget(rows, policy)) is not None]
    if not found:
        return None
    target = f"{found[0].budget_ms:g} ms"
    lines = [_budget_line(item) for item in found]
    return Text(
        f"Най-висока пропускателна способност с p99 ≤ {target}, без опашката да изостава — "
        + "; ".join(line.bg for line in lines) + ".",
        f"Highest throughput with p99 ≤ {target}, without the queue falling behind — "
        + "; ".join(line.en for line in lines) + ".")


def reading(rows: Rows) -> list[Text]:
    """The lab's reading, paragraph by paragraph, each chosen from the rows."""
    paragraphs = [read_capacity(rows), read_tail(rows), read_knee(rows, ONE_AT_A_TIME),
                  read_knee(rows, DYNAMIC), read_window(rows), read_budget(rows)]
    return [text for text in paragraphs if text is not None] + decoder.reading(rows)


# --- the lesson: the prediction and the review cards -------------------------------------

def one_at_a_time_budget(rows: Rows) -> Budget | None:
    return budget(rows, ONE_AT_A_TIME)


def describe(found: Budget) -> tuple[Interval, Text]:
    sure = load_of(found.sure) if found.sure is not None else 0.0
    maybe = load_of(found.maybe) if found.maybe is not None else sure
    target = f"{found.budget_ms:g} ms"
    if found.sure is None:
        return Interval(sure, sure, maybe), Text(
            f"една по една, p99 ≤ {target}: дори най-лекият товар не остава сигурно в целта",
            f"one at a time, p99 ≤ {target}: not even the lightest load surely meets it")
    return Interval(sure, sure, maybe), Text(
        f"една по една, p99 ≤ {target}: до {_load(found.sure)}, {_rate(found.sure)} заявки/s",
        f"one at a time, p99 ≤ {target}: up to {_load(found.sure)}, {_rate(found.sure)} "
        "requests/s")


def tail_cards(found: Tail, reading: Sequence[Text]) -> list[CardDraft]:
    if found.growth.direction() <= 0:
        return []  # no measurable growth: nothing for the card to ask about
    light, heavy = found.light, found.heavy
    return [CardDraft(
        Text(f"Една по една на твоята машина: p99 {_ms(light, 'latency_ms_p99')} при "
             f"{_load(light)}, {_ms(heavy, 'latency_ms_p99')} при {_load(heavy)} (моделът "
             f"работи {_busy(heavy)} от времето). Защо p99 избухва близо до насищането?",
             f"One at a time on your machine: p99 {_ms(light, 'latency_ms_p99')} at "
             f"{_load(light)}, {_ms(heavy, 'latency_ms_p99')} at {_load(heavy)} (the model "
             f"busy {_busy(heavy)} of the time). Why does p99 explode near saturation?"),
        with_reading(Text(
            "Заявките идват на случайни напливи. Заявка, дошла докато моделът е зает, чака "
            "всички преди нея, а при ρ близо до 1 почти няма свободно време, в което опашката "
            "от наплива да се изчерпи: чакането расте като ρ/(1−ρ).",
            "Requests arrive in random bursts. One that arrives while the model is busy waits "
            "for all ahead of it, and near ρ = 1 there is almost no idle time in which a "
            "burst's queue can drain: the wait grows as ρ/(1−ρ)."), reading, "One at a time,"))]


def room_cards(found: Room, reading: Sequence[Text]) -> list[CardDraft]:
    one, full = found.one, found.full
    batch = int(number(full, "batch_size") or 0)
    return [CardDraft(
        Text(f"На твоята машина една заявка сама отнема {_ms(one, 'latency_ms_median')}, а "
             f"пакет от {batch} — {_ms(full, 'latency_ms_median')}: {_rate(full)} срещу "
             f"{_rate(one)} заявки/s. Защо пакетът обслужва толкова повече?",
             f"On your machine one request alone takes {_ms(one, 'latency_ms_median')}, a "
             f"batch of {batch} {_ms(full, 'latency_ms_median')}: {_rate(full)} against "
             f"{_rate(one)} requests/s. Why does the batch serve so many more?"),
        with_reading(Text(
            "Едно извикване с малко данни плаща главно постоянни разходи и четене на теглата; "
            "пакетът ги поделя между всички заявки в него, затова времето расте много по-бавно "
            "от броя им.",
            "A call on little data pays mostly fixed costs and reading the weights; a batch "
            "shares them among all its requests, so its time grows far slower than their "
            "number."), reading, "the room batching has"))]


def window_cards(found: Window, reading: Sequence[Text]) -> list[CardDraft]:
    if found.cost.direction() <= 0 or found.win.direction() <= 0:
        return []  # the card asks why the window both costs and wins
    light, heavy = found.light, found.heavy
    return [CardDraft(
        Text(f"Динамичното пакетиране на твоята машина: при {_load(light)} p50 "
             f"{_ms(light, 'latency_ms_median')} срещу "
             f"{_ms(found.light_one, 'latency_ms_median')} една по една; при {_load(heavy)} "
             f"{_rate(heavy)} срещу {_rate(found.heavy_one)} заявки/s. Защо прозорецът "
             "губи при лек товар, а печели при тежък?",
             f"Dynamic batching on your machine: at {_load(light)} p50 "
             f"{_ms(light, 'latency_ms_median')} against "
             f"{_ms(found.light_one, 'latency_ms_median')} one at a time; at {_load(heavy)} "
             f"{_rate(heavy)} against {_rate(found.heavy_one)} requests/s. Why does the "
             "window lose at low load and win at high load?"),
        with_reading(Text(
            "При лек товар пакетът почти не се пълни, а първата заявка чака прозореца да "
            "изтече. При тежък товар пакетът се пълни веднага и едно извикване обслужва много "
            "заявки, с общи постоянни разходи.",
            "At low load the batch barely fills, and its first request waits out the window. "
            "At high load it fills at once, and one call serves many requests, sharing its "
            "fixed costs."), reading, "window costs"))]


def budget_cards(found: Budget, reading: Sequence[Text]) -> list[CardDraft]:
    sure = found.sure
    if sure is None or sure is found.heaviest:
        return []  # the card asks why the budget stops short of capacity
    return [CardDraft(
        Text(f"С цел p99 ≤ {found.budget_ms:g} ms една по една на твоята машина издържа до "
             f"{_rate(sure)} заявки/s, {_load(sure)}. Защо услуга с цел за p99 не може да "
             "работи при ρ = 1?",
             f"With a p99 target of {found.budget_ms:g} ms, one at a time on your machine held "
             f"up to {_rate(sure)} requests/s, {_load(sure)}. Why can a service with a p99 "
             "target not run at ρ = 1?"),
        with_reading(Text(
            "Колкото по-близо е ρ до 1, толкова по-дълги са опашките след всеки наплив и p99 "
            "расте без граница. Затова капацитетът се избира по p99 при нарастващ товар: "
            "най-високата пропускателна способност, при която p99 още е в целта.",
            "The closer ρ is to 1, the longer the queue after each burst, and p99 grows "
            "without bound. So capacity is chosen by p99 under rising load: the highest "
            "throughput at which p99 still meets the target."), reading, "Highest throughput"))]


LESSON = Lesson(
    Question(
        Text(f"Целта е p99 ≤ {DEFAULT_BUDGET_MS:g} ms, ако не зададеш друга (p99_budget_ms). "
             "До какъв товар ρ (дял от капацитета при една заявка наведнъж) обслужването една "
             "по една остава в нея?",
             f"The target is p99 ≤ {DEFAULT_BUDGET_MS:g} ms unless you set another "
             "(p99_budget_ms). Up to what load ρ (a share of the capacity at one request at a "
             "time) does serving one at a time stay within it?"),
        (Text("под 0.5", "under 0.5"), Text("0.5–0.8", "0.5–0.8"), Text("0.8–0.95", "0.8–0.95"),
         Text("0.95 и повече", "0.95 or more")),
        (0.5, 0.8, 0.95)),
    one_at_a_time_budget, describe,
    (CardMaker(tail, tail_cards), CardMaker(window, window_cards),
     CardMaker(decoder.continuous, decoder.continuous_cards),
     CardMaker(one_at_a_time_budget, budget_cards), CardMaker(room, room_cards)))
