"""What the serving lab's language-model part teaches from its numbers, as pure functions of
its rows (no torch).

The rows (named in `serving_rows.py`): the harness's `DECODER_SERVICE` rows — a decode step
for one sequence and for a full batch (with its `throughput_gain` in tokens/s) and one
prompt's prefill; and a `DECODER_SWEEP` row per policy and load ρ (offered output tokens as a
share of full batches' rate) with, over the rounds, p50/p99 latency, time to first token,
time per output token (`tpot_ms`), output tokens/s, the p99 of the short requests, and, for
continuous batching, its ratios to dynamic batching from the paired rounds. Every sentence is
chosen from those intervals: a win or a cost is said only when its interval excludes ×1.
Rows measured on a GPU (`device` "cuda") say so, and say why a batch pays there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.labs.findings import Row, Rows, interval, number, spanned
from studyapp.labs.lesson import CardDraft, with_reading
from studyapp.labs.readings import join
from studyapp.labs.serving_rows import (
    BATCH_STEP,
    CONTINUOUS,
    DECODER_SERVICE,
    DECODER_SWEEP,
    DYNAMIC,
    ONE_STEP,
    PREFILL,
    load_of,
    service,
    sweep,
)
from studyapp.labs.stats import Interval
from studyapp.text import Text


def _num(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def _ms(row: Row, key: str = "latency_ms_median") -> str:
    return f"{_num(number(row, key) or 0)} ms"


def _tokens(row: Row) -> str:
    return f"{number(row, 'tokens_per_s') or 0:.0f}"


def _load(row: Row) -> str:
    return f"ρ {load_of(row):.2g}"


def _batch(row: Row) -> str:
    return f"{number(row, 'mean_batch') or 0:.1f}"


def timed(rows: Rows, name: Text) -> Row | None:
    """The harness row of a decode step (one sequence or a full batch) or of a prefill."""
    return next((row for row in service(rows, DECODER_SERVICE) if row.get("variant") == name.en),
                None)


def _pair(rows: Rows, heaviest: bool) -> tuple[Row, Row] | None:
    """Continuous and dynamic batching at the lightest (or heaviest) load they share."""
    continuous, dynamic = sweep(rows, CONTINUOUS, DECODER_SWEEP), sweep(rows, DYNAMIC,
                                                                        DECODER_SWEEP)
    if not continuous or [load_of(row) for row in continuous] != [load_of(row) for row in
                                                                  dynamic]:
        return None
    index = -1 if heaviest else 0
    return continuous[index], dynamic[index]


# --- the step: why batching pays for a decoder -------------------------------------------

def one_at_a_time_load(rows: Rows) -> tuple[float, float] | None:
    """What one at a time could serve, from the timed prefill and single step: requests/s
    for a request of the mean length, and that as a load ρ."""
    one, full, prefill = timed(rows, ONE_STEP), timed(rows, BATCH_STEP), timed(rows, PREFILL)
    if one is None or full is None or prefill is None:
        return None
    tokens = ((number(one, "tokens_low") or 0) + (number(one, "tokens_high") or 0)) / 2
    seconds = ((number(prefill, "latency_ms_median") or 0)
               + (tokens - 1) * (number(one, "latency_ms_median") or 0)) / 1e3
    full_rate = number(full, "tokens_per_s") or 0
    if seconds <= 0 or full_rate <= 0:
        return None
    return 1 / seconds, tokens / seconds / full_rate


def read_steps(rows: Rows) -> Text | None:
    one, full = timed(rows, ONE_STEP), timed(rows, BATCH_STEP)
    gain = interval(full, "throughput_gain") if full is not None else None
    if one is None or full is None or gain is None:
        return None
    batch = int(number(full, "batch_size") or 0)
    on_gpu = one.get("device") == "cuda"
    where = Text(" на GPU", " on the GPU") if on_gpu else Text("", "")
    head = Text(
        f"Езиковият модел{where.bg}: стъпка decode за една последователност отнема {_ms(one)} "
        f"({_tokens(one)} токена/s); за {batch} последователности, всяка на своята позиция — "
        f"{_ms(full)}: {_tokens(full)} токена/s, {spanned(gain)}",
        f"The language model{where.en}: a decode step for one sequence takes {_ms(one)} "
        f"({_tokens(one)} tokens/s); for {batch} sequences, each at its own position, "
        f"{_ms(full)}: {_tokens(full)} tokens/s, {spanned(gain)}")
    if gain.direction() > 0 and on_gpu:
        why = Text("— на GPU кернелите на линейните слоеве се пускат веднъж на стъпка и "
                   "обслужват всичките ѝ редове; само вниманието се смята поотделно за всяка "
                   "последователност.",
                   "— on the GPU the linear layers' kernels are launched once per step and "
                   "serve all its rows; only attention runs per sequence.")
    elif gain.direction() > 0:
        why = Text("— линейните слоеве четат теглата си веднъж за всички редове на стъпката.",
                   "— the linear layers read their weights once for all the step's rows.")
    else:
        why = Text("— не измеримо повече токени/s: тук пакетът няма какво да спечели.",
                   "— no measurably more tokens/s: here the batch has nothing to win.")
    alone = one_at_a_time_load(rows)
    lightest = sweep(rows, CONTINUOUS, DECODER_SWEEP)
    capacity = Text("", "") if alone is None or not lightest else Text(
        f"Една по една: заявка със средна дължина би отнела своя prefill и стъпка след "
        f"стъпка — най-много {alone[0]:.0f} заявки/s, ρ {alone[1]:.2g}"
        + (" — под най-лекия товар тук, затова опашката се обслужва само на пакети."
           if alone[1] < load_of(lightest[0]) else "."),
        f"One at a time, a request of the mean length would take its prefill and one step "
        f"after another: at most {alone[0]:.0f} requests/s, ρ {alone[1]:.2g}"
        + (" — below the lightest load here, so the queue is served in batches only."
           if alone[1] < load_of(lightest[0]) else "."))
    return join(head, why, capacity)


# --- throughput at the heaviest load -----------------------------------------------------

@dataclass(frozen=True)
class Continuous:
    """Continuous against dynamic batching: tokens/s at the heaviest load, the short
    requests' p99 at the lightest."""

    heavy: Row
    heavy_batch: Row
    tokens: Interval  # tokens/s, continuous over dynamic
    light: Row
    light_batch: Row
    short: Interval  # the short requests' p99, continuous over dynamic


def continuous(rows: Rows) -> Continuous | None:
    heavy, light = _pair(rows, heaviest=True), _pair(rows, heaviest=False)
    if heavy is None or light is None:
        return None
    tokens, short = interval(heavy[0], "tokens_vs_batch"), interval(light[0],
                                                                     "short_p99_vs_batch")
    if tokens is None or short is None:
        return None
    return Continuous(heavy[0], heavy[1], tokens, light[0], light[1], short)


def _unfinished(row: Row) -> int:
    return int(number(row, "unfinished") or 0)


def read_throughput(rows: Rows) -> Text | None:
    found = continuous(rows)
    if found is None:
        return None
    heavy, other = found.heavy, found.heavy_batch
    served = Text(
        f"{_tokens(heavy)} токена/s срещу {_tokens(other)} при динамично пакетиране, "
        f"{spanned(found.tokens)}",
        f"{_tokens(heavy)} tokens/s against {_tokens(other)} with dynamic batching, "
        f"{spanned(found.tokens)}")
    if found.tokens.direction() > 0:
        said = Text(
            f"При {_load(heavy)} непрекъснатото пакетиране дава {served.bg}, в пакети средно по "
            f"{_batch(heavy)} срещу {_batch(other)}: мястото на завършила заявка веднага "
            "отива на чакаща, а пакетът, пуснат докрай, декодира напразно редовете на "
            "завършилите, докато свърши най-дългата му заявка, и новите чакат.",
            f"At {_load(heavy)} continuous batching gives {served.en}, in batches of "
            f"{_batch(heavy)} against {_batch(other)} on average: a finished request's place "
            "goes at once to a waiting one, while a batch run to completion decodes its "
            "finished requests' rows for nothing until its longest one ends, and new ones "
            "wait.")
    elif found.tokens.direction() < 0:
        said = Text(f"При {_load(heavy)} непрекъснатото пакетиране дава по-малко: {served.bg}.",
                    f"At {_load(heavy)} continuous batching gives fewer: {served.en}.")
    else:
        said = Text(f"При {_load(heavy)} непрекъснатото пакетиране не дава измеримо повече: "
                    f"{served.bg}.",
                    f"At {_load(heavy)} continuous batching gives no measurably more: "
                    f"{served.en}.")
    left = [(row, _unfinished(row)) for row in (heavy, other) if _unfinished(row)]
    stopped = Text("", "") if not left else Text(
        "Недовършени при спирането на пусканията: " + ", ".join(
            f"{count} ({'непрекъснато' if row is heavy else 'динамично'})" for row, count in left)
        + " — опашката е изоставала.",
        "Unfinished when the runs were stopped: " + ", ".join(
            f"{count} ({'continuous' if row is heavy else 'dynamic'})" for row, count in left)
        + " — the queue fell behind.")
    return join(said, stopped)


# --- short requests at the lightest load -------------------------------------------------

def read_short(rows: Rows) -> Text | None:
    found = continuous(rows)
    if found is None:
        return None
    light, other = found.light, found.light_batch
    short = int(number(light, "short_tokens") or 0)
    p99 = Text(
        f"p99 {_ms(light, 'short_p99_ms')} срещу {_ms(other, 'short_p99_ms')} при динамично "
        f"пакетиране, {spanned(found.short)}",
        f"p99 {_ms(light, 'short_p99_ms')} against {_ms(other, 'short_p99_ms')} with dynamic "
        f"batching, {spanned(found.short)}")
    if found.short.direction() < 0:
        said = Text(
            f"При {_load(light)} кратките заявки (до {short} токена) вече не чакат дългите: "
            f"{p99.bg}. В пакет, пуснат докрай, кратката заявка свършва с най-дългата.",
            f"At {_load(light)} the short requests (up to {short} tokens) no longer wait for "
            f"the long ones: {p99.en}. In a batch run to completion a short request ends "
            "with the longest.")
    elif found.short.direction() > 0:
        said = Text(f"При {_load(light)} кратките заявки (до {short} токена) чакат повече: "
                    f"{p99.bg}.",
                    f"At {_load(light)} the short requests (up to {short} tokens) wait longer: "
                    f"{p99.en}.")
    else:
        said = Text(f"При {_load(light)} кратките заявки (до {short} токена): без измерима "
                    f"разлика, {p99.bg}.",
                    f"At {_load(light)} the short requests (up to {short} tokens): no "
                    f"measurable difference, {p99.en}.")
    first = interval(light, "ttft_vs_batch")
    ttft = Text("", "") if first is None or first.direction() >= 0 else Text(
        f"Първият токен идва за {_ms(light, 'ttft_ms_median')} срещу "
        f"{_ms(other, 'ttft_ms_median')} (p50), {spanned(first)}: заявката влиза на следващата "
        "стъпка, не след края на пакета.",
        f"The first token comes in {_ms(light, 'ttft_ms_median')} against "
        f"{_ms(other, 'ttft_ms_median')} (p50), {spanned(first)}: a request joins at the next "
        "step, not after the batch in progress ends.")
    return join(said, ttft)


# --- what it costs: time per output token ------------------------------------------------

def read_cost(rows: Rows) -> Text | None:
    """Each stream's time per token at the heaviest load against a step alone: a ratio whose
    interval takes the far ends of the two intervals."""
    pair, one = _pair(rows, heaviest=True), timed(rows, ONE_STEP)
    tpot = interval(pair[0], "tpot_ms") if pair is not None else None
    step = None if one is None else Interval(
        number(one, "latency_ms_median") or 0, number(one, "latency_ms_low") or 0,
        number(one, "latency_ms_high") or 0)
    if pair is None or tpot is None or step is None or step.low <= 0:
        return None
    heavy = pair[0]
    ratio = Interval(tpot.value / step.value, tpot.low / step.high, tpot.high / step.low)
    compared = Text(
        f"{_ms(heavy, 'tpot_ms')} на токен срещу {_num(step.value)} ms за една "
        f"последователност сама, {spanned(ratio)}",
        f"{_ms(heavy, 'tpot_ms')} per token against {_num(step.value)} ms for a sequence "
        f"alone, {spanned(ratio)}")
    if ratio.direction() > 0:
        return Text(
            f"Цената: при {_load(heavy)} всяка заявка получава токените си по-бавно — "
            f"{compared.bg}: стъпка за пакет от {_batch(heavy)} трае по-дълго, а prefill-ът "
            "на всяка влизаща заявка задържа следващия токен на останалите.",
            f"The cost: at {_load(heavy)} each request gets its tokens more slowly — "
            f"{compared.en}: a step for a batch of {_batch(heavy)} takes longer, and every "
            "joining request's prefill holds up the others' next token.")
    return Text(f"При {_load(heavy)} времето на токен не расте измеримо: {compared.bg}.",
                f"At {_load(heavy)} the time per token does not measurably grow: "
                f"{compared.en}.")


def reading(rows: Rows) -> list[Text]:
    """The language-model part's paragraphs, each chosen from the rows."""
    paragraphs = [read_steps(rows), read_throughput(rows), read_short(rows), read_cost(rows)]
    return [text for text in paragraphs if text is not None]


def continuous_cards(found: Continuous, reading: Sequence[Text]) -> list[CardDraft]:
    if found.tokens.direction() <= 0 or found.short.direction() >= 0:
        return []  # the card asks why it wins both
    heavy, light = found.heavy, found.light
    return [CardDraft(
        Text(f"Непрекъснатото пакетиране на твоята машина: при {_load(heavy)} "
             f"{_tokens(heavy)} срещу {_tokens(found.heavy_batch)} токена/s с динамично; при "
             f"{_load(light)} p99 на кратките заявки {_ms(light, 'short_p99_ms')} срещу "
             f"{_ms(found.light_batch, 'short_p99_ms')}. Защо печели и двете?",
             f"Continuous batching on your machine: at {_load(heavy)} {_tokens(heavy)} against "
             f"{_tokens(found.heavy_batch)} tokens/s with dynamic batching; at {_load(light)} "
             f"short requests' p99 {_ms(light, 'short_p99_ms')} against "
             f"{_ms(found.light_batch, 'short_p99_ms')}. Why does it win both?"),
        with_reading(Text(
            "След всяка стъпка завършилите заявки излизат и чакащите влизат: пакетът остава "
            "пълен с полезна работа, а кратката заявка не чака най-дългата в пакета си.",
            "After every step finished requests leave and waiting ones join: the batch stays "
            "full of useful work, and a short request does not wait for the longest in its "
            "batch."), reading, "continuous batching gives"))]
