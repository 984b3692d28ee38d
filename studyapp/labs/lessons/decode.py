"""What the decode lab teaches from its numbers, as pure functions of its rows (no torch).

The rows (named and picked out in `decode_rows.py`) carry the ratios the reading states,
with their intervals from the paired rounds: `growth` against the shortest length of the
same variant, `speedup` against the part's baseline. A difference is said only where its
interval excludes "no change"; a part whose rows are missing says nothing. Rows measured on a
GPU (`device` "cuda") are read in their own words where the CPU's would not be true: what a
small decode step pays for, and what the cache's memory did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.labs import decode_rows as vocab
from studyapp.labs.columns import skip_reason
from studyapp.labs.findings import Row, Rows, interval, number, spanned
from studyapp.labs.lesson import (
    SPEED_BOUNDS,
    SPEED_CHOICES,
    CardDraft,
    CardMaker,
    Lesson,
    Question,
    with_reading,
)
from studyapp.labs.readings import join, times
from studyapp.labs.stats import Interval
from studyapp.text import Text


def _num(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def _ms(row: Row) -> str:
    return f"{_num(number(row, 'latency_ms_median') or 0)} ms"


def _bytes(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.1f} MB"
    return f"{value / 1e3:.1f} kB" if value >= 1e3 else f"{value:.0f} B"


def _growth(row: Row) -> str:
    found = interval(row, "growth")
    return spanned(found) if found else "?"


MEMORY_SEEN = 0.5  # resident memory that grew by this share of the cache shows the cache
FAR_BELOW = 0.1  # an in-cache step under this share of its roofline pays for calls, not bytes

BOUND_WORDS = {"memory": Text("ограничен от паметта", "memory-bound"),
               "compute": Text("ограничен от изчисленията", "compute-bound"),
               "overhead": Text("ограничен от постоянните разходи на извикване",
                                "overhead-bound")}


def _bound(row: Row) -> Text:
    return BOUND_WORDS.get(str(row.get("bound")), Text("неразположен", "not placed"))


def _on_gpu(row: Row | None) -> bool:
    return row is not None and row.get("device") == "cuda"


# --- the models ----------------------------------------------------------------------------

def read_models(rows: Rows) -> Text | None:
    """The target's size, corpus and held-out loss, and the draft's."""
    target, draft = vocab.one(rows, vocab.MODEL, "target"), vocab.one(rows, vocab.MODEL, "draft")
    if target is None:
        return None
    layers, width = vocab.length_of(target, "layers"), vocab.length_of(target, "width")
    params, chars = vocab.length_of(target, "params_count"), vocab.length_of(target,
                                                                            "corpus_chars")
    loss, seconds = number(target, "held_out_loss") or 0, number(target, "train_seconds") or 0
    how = Text(f"зареден от кеша (обучен за {seconds:.0f} s)",
               f"loaded from the cache (trained in {seconds:.0f} s)") \
        if target.get("from_cache") else Text(f"обучен сега за {seconds:.0f} s",
                                               f"trained now in {seconds:.0f} s")
    head = Text(
        f"Моделът: {layers} слоя с ширина {width}, {params} параметъра, по един символ на "
        f"токен, обучен върху {chars} символа от картите на модула на двата езика — "
        f"{how.bg}. Загубата върху отделения край на текста е {loss:.2f} nats на символ.",
        f"The model: {layers} layers of width {width}, {params} parameters, one character "
        f"per token, trained on {chars} characters of the module's cards in both languages — "
        f"{how.en}. Its loss on the held-out end of the text is {loss:.2f} nats per "
        "character.")
    if _on_gpu(target):
        head = join(head, Text(
            "Обучен е на процесора и после преместен на GPU: всички времена по-долу са мерени "
            "на GPU.",
            "It was trained on the CPU and then moved to the GPU: every time below is measured "
            "on the GPU."))
    if draft is None:
        return head
    return join(head, Text(
        f"Помощният модел: {vocab.length_of(draft, 'layers')} слой, "
        f"{vocab.length_of(draft, 'params_count')} параметъра, загуба "
        f"{number(draft, 'held_out_loss') or 0:.2f}.",
        f"The draft model: {vocab.length_of(draft, 'layers')} layer, "
        f"{vocab.length_of(draft, 'params_count')} parameters, loss "
        f"{number(draft, 'held_out_loss') or 0:.2f}."))


# --- prefill against decode ------------------------------------------------------------------

def read_phases(rows: Rows) -> Text | None:
    """How the time to first token and the time per output token change with the prompt's
    length, and where each phase sits on the roofline."""
    prefill = vocab.timed(rows, vocab.PHASES, vocab.PREFILL, "prompt_tokens")
    decode = vocab.timed(rows, vocab.PHASES, vocab.DECODE, "prompt_tokens")
    if len(prefill) < 2 or len(decode) < 2:
        return None
    short, long = prefill[0], prefill[-1]
    step_short, step_long = decode[0], decode[-1]
    n_short, n_long = (vocab.length_of(row, "prompt_tokens") for row in (short, long))
    ttft = Text(
        f"Време до първия токен (prefill): {_ms(short)} за {n_short} токена, {_ms(long)} за "
        f"{n_long} ({_growth(long)} за {n_long / n_short:.0f} пъти повече токени).",
        f"Time to first token (prefill): {_ms(short)} for {n_short} tokens, {_ms(long)} for "
        f"{n_long} ({_growth(long)} for {n_long / n_short:.0f}× the tokens).")
    growth = interval(step_long, "growth")
    tpot = Text(
        f"Време на изходен токен (една стъпка decode): {_ms(step_short)} след {n_short} "
        f"токена, {_ms(step_long)} след {n_long} ({_growth(step_long)}).",
        f"Time per output token (one decode step): {_ms(step_short)} after {n_short} tokens, "
        f"{_ms(step_long)} after {n_long} ({_growth(step_long)}).")
    cheaper = Text("", "")
    if growth is not None and growth.high < n_long / n_short:
        per_token = (number(long, "latency_ms_median") or 0) / n_long
        cheaper = Text(
            f"Prefill смята всичките {n_long} токена с един проход: {_num(per_token)} ms на "
            f"токен срещу {_ms(step_long)} за една стъпка decode.",
            f"Prefill computes all {n_long} tokens in one pass: {_num(per_token)} ms per token "
            f"against {_ms(step_long)} for one decode step.")
    return join(ttft, tpot, cheaper, _intensities(long, step_long))


def _intensities(prefill: Row, decode: Row) -> Text:
    """The two phases' arithmetic intensity and class on the roofline."""
    low, high = (number(row, "arithmetic_intensity") for row in (decode, prefill))
    if low is None or high is None:
        return Text("", "")
    tokens = vocab.length_of(prefill, "prompt_tokens")
    said = Text(
        f"Аритметична интензивност: prefill на {tokens} токена {high:.3g} FLOP/B "
        f"({_bound(prefill).bg}), стъпка decode {low:.3g} FLOP/B ({_bound(decode).bg}).",
        f"Arithmetic intensity: prefill of {tokens} tokens {high:.3g} FLOP/B "
        f"({_bound(prefill).en}), a decode step {low:.3g} FLOP/B ({_bound(decode).en}).")
    if low < high:
        said = join(said, Text(
            "Стъпката decode чете всички тегла за един-единствен токен; prefill ги използва "
            "за всички токени на подадения текст.",
            "A decode step reads every weight for a single token; prefill uses them for every "
            "token of the prompt."))
    if decode.get("bound") == "overhead" or _far_below_its_roof(decode):
        share = number(decode, "share_of_roofline")
        reached = Text("", "") if share is None else Text(
            f" (достига {share:.1%} от тавана си по roofline)",
            f" (it reaches {share:.1%} of its roofline ceiling)")
        said = join(said, Text(
            "Този модел е толкова малък, че стъпката decode на GPU плаща главно пускането на "
            "многото си малки кернели едно след друго, не байтовете или аритметиката"
            f"{reached.bg}.",
            "This model is so small that a decode step on the GPU pays mostly for launching "
            f"its many small kernels one after another, not for bytes or arithmetic"
            f"{reached.en}.") if _on_gpu(decode) else Text(
            "Този модел е толкова малък, че теглата му стоят в кеша и стъпката decode плаща "
            f"главно постоянните разходи на операциите, не байтовете{reached.bg}.",
            "This model is so small that its weights sit in the cache, and a decode step pays "
            f"mostly the fixed costs of its operations, not bytes{reached.en}."))
    return said


def _far_below_its_roof(row: Row) -> bool:
    """A row whose whole interval stays under FAR_BELOW of its roofline ceiling, with its
    data in the CPU's cache or on a GPU: what bounds it is neither its bytes nor its
    arithmetic (a GPU's roofline has no cache level; there the fixed cost is launching
    kernels)."""
    high = number(row, "share_of_roofline_high")
    return (bool(row.get("data_in_cache")) or _on_gpu(row)) and high is not None \
        and high < FAR_BELOW


# --- the KV cache ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CacheGrowth:
    first: int
    last: int
    cached: Row  # at the last position
    recompute: Row
    cached_first: Row
    recompute_first: Row
    cached_growth: Interval
    recompute_growth: Interval
    speedup: Interval | None  # the cache against recomputing, at the last position


def cache_growth(rows: Rows) -> CacheGrowth | None:
    cached = vocab.timed(rows, vocab.KV, vocab.CACHED, "position")
    again = vocab.timed(rows, vocab.KV, vocab.RECOMPUTE, "position")
    if len(cached) < 2 or len(again) < 2:
        return None
    grow, regrow = interval(cached[-1], "growth"), interval(again[-1], "growth")
    if grow is None or regrow is None:
        return None
    return CacheGrowth(vocab.length_of(cached[0], "position"),
                       vocab.length_of(cached[-1], "position"), cached[-1], again[-1],
                       cached[0], again[0], grow, regrow, interval(cached[-1], "speedup"))


def _separated(found: CacheGrowth) -> bool:
    """Recomputing grew measurably more than the cached step."""
    return found.recompute_growth.low > found.cached_growth.high


def read_cache(rows: Rows) -> Text | None:
    found = cache_growth(rows)
    if found is None:
        return None
    head = Text(
        f"От позиция {found.first} до {found.last}: стъпка с KV кеша {_ms(found.cached_first)} "
        f"→ {_ms(found.cached)} ({spanned(found.cached_growth)}), без кеш (целият текст "
        f"наново) {_ms(found.recompute_first)} → {_ms(found.recompute)} "
        f"({spanned(found.recompute_growth)}).",
        f"From position {found.first} to {found.last}: a step with the KV cache "
        f"{_ms(found.cached_first)} → {_ms(found.cached)} ({spanned(found.cached_growth)}), "
        f"without it (the whole text again) {_ms(found.recompute_first)} → "
        f"{_ms(found.recompute)} ({spanned(found.recompute_growth)}).")
    if _separated(found):
        why = Text(
            "Без кеша всяка стъпка смята ключовете и стойностите на всички предишни токени "
            "наново, така че работата на стъпка расте с дължината (а на целия текст — с "
            "квадрата ѝ); с кеша стъпката смята само новия токен и чете запазените.",
            "Without the cache every step computes the keys and values of every earlier token "
            "again, so the work per step grows with the length (and for the whole text with "
            "its square); with the cache a step computes the new token only and reads the "
            "saved ones.")
    else:
        why = Text("Тези позиции не разделиха измеримо двата растежа.",
                   "These positions did not measurably separate the two growths.")
    speed = Text("", "") if found.speedup is None else Text(
        f"При позиция {found.last} кешът: {times(found.speedup).bg}.",
        f"At position {found.last} the cache: {times(found.speedup).en}.")
    return join(head, why, speed, _cache_memory(rows))


def _cache_memory(rows: Rows) -> Text:
    row = vocab.one(rows, vocab.KV_MEMORY)
    if row is None:
        return Text("", "")
    cache, formula = number(row, "cache_bytes") or 0, number(row, "formula_bytes") or 0
    batch, tokens = vocab.length_of(row, "batch_size"), vocab.length_of(row, "cache_tokens")
    shape = (f"2 × {vocab.length_of(row, 'layers')} × {vocab.length_of(row, 'heads')} × "
             f"{vocab.length_of(row, 'head_dim')} × {tokens} × 4 B × {batch}")
    equal = Text("точно колкото", "exactly") if cache == formula else Text(
        "различно от", "not what")
    said = Text(
        f"Кеш за {batch} последователности по {tokens} токена: {_bytes(cache)}, {equal.bg} "
        f"формулата {shape} = {_bytes(formula)}.",
        f"A cache for {batch} sequences of {tokens} tokens: {_bytes(cache)}, {equal.en} the "
        f"formula {shape} = {_bytes(formula)} gives.")
    grew = number(row, "rss_delta_bytes")
    allocated = number(row, "cuda_allocated_delta_bytes")
    if allocated is not None:
        said = join(said, Text(
            f"Заделената от torch памет на GPU порасна с {_bytes(allocated)}, щом кешът се "
            "създаде.",
            f"The memory torch holds allocated on the GPU grew by {_bytes(allocated)} once the "
            "cache was made."))
    elif grew is not None and grew >= MEMORY_SEEN * cache:
        said = join(said, Text(f"Паметта на процеса порасна с {_bytes(grew)}, щом се напълни.",
                               f"The process's memory grew by {_bytes(grew)} once it was "
                               "filled."))
    elif grew is not None:
        said = join(said, Text(
            f"Паметта на процеса порасна само с {_bytes(grew)}: заделянето е преизползвало "
            "освободена по-рано памет.",
            f"The process's memory grew by only {_bytes(grew)}: the allocator reused memory "
            "freed earlier."))
    if row.get("identical") is True:
        said = join(said, Text(
            f"Изходът с кеша и без него: еднакъв, токен по токен "
            f"({vocab.length_of(row, 'tokens_compared')} токена).",
            f"The output with and without the cache: identical, token by token "
            f"({vocab.length_of(row, 'tokens_compared')} tokens)."))
    elif row.get("identical") is False:
        said = join(said, Text("Изходът с кеша и без него се РАЗЛИЧАВА: това е грешка.",
                               "The output with and without the cache DIFFERS: that is a "
                               "bug."))
    return said


# --- weights in int8 and bf16 ----------------------------------------------------------------

def _weights_row(rows: Rows, variant: str, phase: str) -> Row | None:
    return next((row for row in vocab.part(rows, vocab.WEIGHTS, variant)
                 if row.get("phase") == phase and interval(row) is not None), None)


def _pair(rows: Rows, variant: str, name: Text) -> Text | None:
    """A variant against fp32 at decode and at prefill."""
    step, whole = _weights_row(rows, variant, vocab.DECODE), _weights_row(rows, variant,
                                                                          vocab.PREFILL)
    if step is None or whole is None:
        return None
    rows_at = vocab.length_of(whole, "batch_size")
    return Text(
        f"{name.bg} спрямо fp32: decode (1 ред) {times(interval(step)).bg}; prefill "
        f"({rows_at} реда) {times(interval(whole)).bg}.",
        f"{name.en} against fp32: decode (1 row) {times(interval(step)).en}; prefill "
        f"({rows_at} rows) {times(interval(whole)).en}.")


def read_weights(rows: Rows) -> Text | None:
    """int8 (and bf16) weights against fp32 at decode and at prefill, and why they differ."""
    parts = [_pair(rows, vocab.DECODER_INT8, Text("Декодерът с динамична int8",
                                                  "The decoder in dynamic int8")),
             _pair(rows, vocab.LAYER_INT8, Text(
                 f"Широкият слой ({_bytes(_layer_bytes(rows))} тегла във fp32) с int8 тегла",
                 f"The wide layer ({_bytes(_layer_bytes(rows))} of fp32 weights) with int8 "
                 "weights")),
             _pair(rows, vocab.LAYER_BF16, Text("Широкият слой в bf16",
                                                "The wide layer in bf16"))]
    said = [part for part in parts if part is not None]
    if not said:
        return None
    step = _weights_row(rows, vocab.LAYER_INT8, vocab.DECODE)
    whole = _weights_row(rows, vocab.LAYER_INT8, vocab.PREFILL)
    if step is not None and whole is not None:
        one, many = interval(step), interval(whole)
        assert one is not None and many is not None
        if one.direction() > 0 and one.low > many.high:
            said.append(Text(
                "При един ред слоят чете всяко тегло за едно умножение: четири пъти по-малко "
                "байтове се четат по-бързо. При много редове същото четене служи на всички и "
                "печалбата се свива.",
                "At one row the layer reads each weight for a single multiply: four times "
                "fewer bytes are read faster. At many rows the same read serves them all, and "
                "the gain shrinks."))
        elif one.direction() <= 0:
            said.append(Text(
                "Тук int8 теглата не ускориха един ред: на тази машина кернелът за int8 не "
                "използва спестените байтове.",
                "Here int8 weights did not speed up one row: on this machine the int8 kernel "
                "does not turn the saved bytes into time."))
    for row in vocab.part(rows, vocab.WEIGHTS):
        if str(row.get("status", "")).startswith("skipped"):
            name, why = vocab.label(row), skip_reason(row)
            said.append(Text(f"Не е мерено — {name.bg}: {why.bg}.",
                             f"Not timed — {name.en}: {why.en}."))
    return join(*said)


def _layer_bytes(rows: Rows) -> float:
    return number(vocab.one(rows, vocab.WEIGHTS, vocab.LAYER_FP32), "weights_bytes") or 0


# --- speculative decoding --------------------------------------------------------------------

@dataclass(frozen=True)
class Speculation:
    """One drafter against greedy decoding."""

    drafter: Text
    speedup: Interval
    acceptance: float
    tokens_per_pass: float
    draft_k: int
    places: int  # in the text, where generations started
    generated: int  # tokens after each
    equal: bool

    @property
    def pass_cost(self) -> float:
        """What one target pass (with the drafter's own work) cost, in greedy steps."""
        return self.tokens_per_pass / self.speedup.value


def speculation(rows: Rows, variant: str = vocab.NEURAL_DRAFT) -> Speculation | None:
    row = vocab.one(rows, vocab.SPECULATIVE, variant)
    found = interval(row)
    if row is None or found is None:
        return None
    return Speculation(vocab.label(row), found, number(row, "acceptance") or 0,
                       number(row, "tokens_per_pass") or 0,
                       vocab.length_of(row, "draft_k"), vocab.length_of(row, "prompts"),
                       vocab.length_of(row, "generated"),
                       row.get("equal_to_greedy") is True)


def _speculation_line(found: Speculation) -> Text:
    name = found.drafter
    equal = Text("изходът е същият като алчния, токен по токен",
                 "the output equals greedy decoding's, token by token") if found.equal else \
        Text("изходът се РАЗЛИЧАВА от алчния: това е грешка",
             "the output DIFFERS from greedy decoding's: that is a bug")
    head = Text(
        f"Спекулативно с {name.bg} (до {found.draft_k} предложения; {found.generated} токена "
        f"след всяко от {found.places} места в текста): приети {found.acceptance:.0%}, "
        f"{found.tokens_per_pass:.2f} токена на проход на целевия модел; спрямо алчното "
        f"{times(found.speedup).bg}; {equal.bg}.",
        f"Speculative with {name.en} (up to {found.draft_k} proposals; {found.generated} "
        f"tokens after each of {found.places} places in the text): {found.acceptance:.0%} "
        f"accepted, {found.tokens_per_pass:.2f} tokens per target pass; against greedy "
        f"{times(found.speedup).en}; {equal.en}.")
    cost = f"×{found.pass_cost:.2f}"
    direction = found.speedup.direction()
    if direction < 0:
        why = Text(
            f"По-бавно, защото проход с проверката и работата на предложителя струва {cost} "
            f"стъпка на алчното, а дава само {found.tokens_per_pass:.2f} токена.",
            f"Slower, because a pass with its check and the drafter's work costs {cost} a "
            f"greedy step, yet yields only {found.tokens_per_pass:.2f} tokens.")
    elif direction > 0:
        why = Text(
            f"По-бързо, защото проход струва {cost} стъпка на алчното, а дава "
            f"{found.tokens_per_pass:.2f} токена.",
            f"Faster, because a pass costs {cost} a greedy step and yields "
            f"{found.tokens_per_pass:.2f} tokens.")
    else:
        why = Text("Печалбата от приетите токени и цената на проверката се изравниха.",
                   "The tokens gained and the cost of checking them came out even.")
    return join(head, why)


def read_speculative(rows: Rows) -> list[Text]:
    found = [speculation(rows, variant) for variant in (vocab.NEURAL_DRAFT, vocab.LOOKUP)]
    return [_speculation_line(item) for item in found if item is not None]


def reading(rows: Rows) -> list[Text]:
    """The lab's reading, paragraph by paragraph, each chosen from the rows (which carry
    their places on the roofline)."""
    paragraphs = [read_models(rows), read_phases(rows), read_cache(rows), read_weights(rows),
                  *read_speculative(rows)]
    return [text for text in paragraphs if text is not None]


# --- the lesson: the prediction and the review cards -----------------------------------------

def describe(found: Speculation) -> tuple[Interval, Text]:
    return found.speedup, Text(
        f"спекулативно с помощния модел спрямо алчното: {spanned(found.speedup)}",
        f"speculative with the draft model against greedy: {spanned(found.speedup)}")


def speculation_cards(found: Speculation, reading: Sequence[Text]) -> list[CardDraft]:
    if found.speedup.direction() == 0 or not found.equal:
        return []
    return [CardDraft(
        Text(f"На твоята машина спекулативното декодиране с {found.drafter.bg} прие "
             f"{found.acceptance:.0%} от предложенията и даде {spanned(found.speedup)} спрямо "
             "алчното. От какво зависи дали печели?",
             f"On your machine speculative decoding with {found.drafter.en} accepted "
             f"{found.acceptance:.0%} of its proposals and ran {spanned(found.speedup)} against "
             "greedy. What decides whether it pays?"),
        with_reading(Text(
            "От токените на проход на целевия модел срещу цената на прохода: проверката на "
            "k токена и работата на предложителя трябва да струват по-малко от стъпките, "
            "които приетите токени спестяват.",
            "Tokens per target pass against the cost of a pass: checking k tokens plus the "
            "drafter's work must cost less than the steps the accepted tokens save."),
            reading, f"Speculative with {found.drafter.en}"))]


def cache_cards(found: CacheGrowth, reading: Sequence[Text]) -> list[CardDraft]:
    if not _separated(found):
        return []
    return [CardDraft(
        Text(f"Без KV кеш стъпката отне {_ms(found.recompute_first)} при позиция {found.first} "
             f"и {_ms(found.recompute)} при {found.last}; с кеша — {_ms(found.cached_first)} и "
             f"{_ms(found.cached)}. Защо?",
             f"Without the KV cache a step took {_ms(found.recompute_first)} at position "
             f"{found.first} and {_ms(found.recompute)} at {found.last}; with it "
             f"{_ms(found.cached_first)} and {_ms(found.cached)}. Why?"),
        with_reading(Text(
            "Без кеша всяка стъпка смята наново ключовете и стойностите на целия текст, така "
            "че расте с дължината; с кеша смята само новия токен и чете запазените.",
            "Without the cache every step recomputes the keys and values of the whole text, "
            "so it grows with the length; with it a step computes the new token only and "
            "reads the saved ones."), reading, "From position"))]


def lookup(rows: Rows) -> Speculation | None:
    return speculation(rows, vocab.LOOKUP)


LESSON = Lesson(
    Question(
        Text("Спекулативното декодиране с 1-слоен помощен модел спрямо обикновеното алчно "
             "декодиране на тази машина:",
             "Speculative decoding with a 1-layer draft model against plain greedy decoding "
             "on this machine:"),
        SPEED_CHOICES, SPEED_BOUNDS),
    speculation, describe,
    (CardMaker(cache_growth, cache_cards), CardMaker(speculation, speculation_cards),
     CardMaker(lookup, speculation_cards)))
