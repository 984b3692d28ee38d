"""What the quantize lab says of accuracy, file size and ONNX Runtime's static recipes, from
its rows. Pure code, no torch: tests feed it synthetic rows.

Accuracy is measured on 355 test images, so one image is 0.28 percentage points: a variant "keeps"
accuracy only within that resolution. Static recipes are compared pair by pair (the same
recipe but for its weight scales, or but for its format) and against dynamic int8.
"""

from __future__ import annotations

from collections.abc import Sequence

from studyapp.labs.findings import Row, Rows, find, interval, number
from studyapp.labs.quantize_onnx import METHODS
from studyapp.labs.quantize_rows import (
    NOTHING,
    ORT_DYNAMIC,
    TORCH_FP32,
    batches,
    each,
    listing,
    study,
    timed,
    value,
)
from studyapp.labs.readings import join, times
from studyapp.text import Text


def image_points(row: Row) -> float | None:
    """One test image in accuracy percentage points: the resolution of the accuracy figures."""
    images = number(row, "test_images")
    return 100 / images if images else None


def accuracy_change(row: Row) -> Text:
    """How a variant's answers differ from fp32's, with the test's resolution."""
    changed, pp, point = (number(row, "images_changed"), number(row, "accuracy_change_pp"),
                          image_points(row))
    if changed is None or pp is None or point is None:
        return Text("не е измерено", "not measured")
    if changed == 0:
        return Text("същият отговор за всяко изображение", "the same answer on every image")
    answers = Text("1 сменен отговор", "1 answer changed") if changed == 1 else \
        Text(f"{changed:.0f} сменени отговора", f"{changed:.0f} answers changed")
    net = round(pp / point)
    if net == 0:
        return Text(f"{answers.bg}, точността нетно без промяна",
                    f"{answers.en}, accuracy unchanged net")
    images = Text("изобр.", "image" if abs(net) == 1 else "images")
    return Text(f"{answers.bg}, нетно {pp:+.2f} процентни пункта ({net:+d} {images.bg})",
                f"{answers.en}, net {pp:+.2f} percentage points ({net:+d} {images.en})")


def kept_accuracy(row: Row) -> bool | None:
    """Whether the net change is within one test image (None when not measured)."""
    pp, point = number(row, "accuracy_change_pp"), image_points(row)
    if pp is None or point is None:
        return None
    return abs(pp) <= point * 1.001  # one image, whatever the float rounding


def accuracy_paragraph(rows: Rows, model: str) -> Text | None:
    """Accuracy of every CPU variant of the trained model against torch fp32, with the
    resolution of the test: "kept" means within one image."""
    sizes = batches(rows, model)
    if not sizes:
        return None
    scored = [row for row in rows if row.get("model") == model and row.get("device") == "cpu"
              and row.get("batch_size") == sizes[0] and number(row, "accuracy") is not None]
    fp32 = find(scored, variant=TORCH_FP32)
    point = image_points(fp32) if fp32 else None
    if fp32 is None or point is None:
        return None
    others = [row for row in scored if row is not fp32]
    listed = each([Text(f"{row['variant']}: {accuracy_change(row).bg}",
                         f"{row['variant']}: {accuracy_change(row).en}") for row in others], "; ")
    kept = [str(row["variant"]) for row in others if kept_accuracy(row)]
    moved = [str(row["variant"]) for row in others if kept_accuracy(row) is False]
    verdicts = []
    if kept:
        verdicts.append(Text(f"{listing(kept).bg} запазиха точността до тази разделителна "
                             "способност", f"{listing(kept).en} kept accuracy to that resolution"))
    if moved:
        verdicts.append(Text(f"{listing(moved).bg} я промениха с повече",
                             f"{listing(moved).en} moved it by more"))
    return Text(
        f"{model}, точност върху {fp32['test_images']} тестови изображения (едно изображение е "
        f"{point:.2f} процентни пункта): torch fp32 {fp32['accuracy']:.2%}. {listed.bg}. "
        f"В рамките на едно изображение този тест не различава промяна от липса на промяна: "
        f"{each(verdicts, '; ').bg}.",
        f"{model}, accuracy on {fp32['test_images']} test images (one image is {point:.2f} "
        f"percentage points): torch fp32 {fp32['accuracy']:.2%}. {listed.en}. Within one image "
        f"this test cannot tell a change from none: {each(verdicts, '; ').en}.")


def size_paragraph(rows: Rows, model: str) -> Text | None:
    """Each variant's file against fp32 of the same runtime."""
    sizes = batches(rows, model)
    shares = [row for row in rows if sizes and row.get("model") == model
              and row.get("device") == "cpu" and row.get("batch_size") == sizes[0]
              and row.get("precision") != "fp32" and number(row, "size_ratio") is not None]
    if not shares:
        return None
    listed = ", ".join(f"{row['variant']} {row['size_ratio']:.2f}" for row in shares)
    return Text(
        f"{model}, файлове спрямо fp32 в същата среда: {listed}. Едно int8 тегло е 1 байт "
        "вместо 4, но файлът пази и мащаби, нулеви точки, отмествания в 32 бита и графа — "
        "постоянна част, която тежи повече при малък модел; 16-битовото тегло е 2 байта.",
        f"{model}, files against fp32 of the same runtime: {listed}. An int8 weight is 1 byte "
        "instead of 4, but the file also keeps scales, zero points, 32-bit biases and the "
        "graph — a fixed part that weighs more in a small model; a 16-bit weight is 2 bytes.")


# --- ONNX Runtime static quantization -----------------------------------------------------


def _span(values: Sequence[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.2%}" if low == high else f"{low:.2%}–{high:.2%}"


def _pairs(rows: Sequence[Row], key: str, first: str, second: str) -> list[float]:
    """Accuracy differences (second − first, in percentage points) between recipes alike
    but in `key`."""
    def alike(row: Row) -> tuple[object, ...]:
        return tuple(row.get(name) for name in ("calibration", "weight_scales", "format")
                     if name != key)

    changes = []
    for row in rows:
        if row.get(key) != first:
            continue
        other = next((match for match in rows if match.get(key) == second
                      and alike(match) == alike(row)), None)
        if other is not None:
            changes.append(100 * (value(other, "accuracy") - value(row, "accuracy")))
    return changes


def _pair_sentence(changes: Sequence[float], what: Text) -> Text:
    if not changes:
        return NOTHING
    if all(abs(change) < 1e-9 for change in changes):
        return Text(f"{what.bg} не промени точността в нито една двойка.",
                    f"{what.en} changed accuracy in no pair.")
    low, high = min(changes), max(changes)
    span = f"{low:+.2f}" if abs(high - low) < 1e-9 else f"{low:+.2f}…{high:+.2f}"
    return Text(f"{what.bg} промени точността с {span} процентни пункта.",
                f"{what.en} moved accuracy by {span} percentage points.")


STATIC_BUYS = Text(
    "Статичната квантизация печели скорост: с обхвати, фиксирани предварително, "
    "графът смята в int8 от слой до слой и не изчислява обхват при всяко извикване. "
    "Динамичната мери обхвата на всеки вход при всяко извикване, така че мащабите ѝ пасват на "
    "входа — обикновено тя е по-точната. Калибрирането не прави статичната по-точна; то избира "
    "фиксираните обхвати: MinMax пази всичко видяно, Entropy и Percentile отрязват редките "
    "крайности за по-ситни стъпки.",
    "What static quantization buys is speed: with every range fixed ahead of time the graph "
    "runs int8 from layer to layer and computes no range per call. Dynamic quantization "
    "measures each input's range on every call, so its scales fit the input in hand — it is "
    "usually the more accurate. Calibration does not make static more accurate; it picks the "
    "fixed ranges: MinMax keeps everything it saw, Entropy and Percentile clip rare extremes "
    "for finer steps.")


def static_paragraph(rows: Rows, model: str) -> Text | None:
    """ONNX Runtime's static recipes on the trained model: accuracy by calibration method,
    weight scales and format, against dynamic int8 and fp32, and what static buys."""
    recipes = study(rows, model)
    if not recipes:
        return None
    first = recipes[0]
    point = image_points(first)
    methods = [Text(f"{method} {_span([value(r, 'accuracy') for r in found])}",
                    f"{method} {_span([value(r, 'accuracy') for r in found])}")
               for method in METHODS
               if (found := [r for r in recipes if r.get("calibration") == method])]
    sizes = batches(rows, model)
    dynamic = timed(rows, model, ORT_DYNAMIC, sizes[0]) if sizes else None
    fp32 = timed(rows, model, TORCH_FP32, sizes[0]) if sizes else None
    compared = Text(
        f"; динамична int8 {dynamic['accuracy']:.2%}, torch fp32 {fp32['accuracy']:.2%}",
        f"; dynamic int8 {dynamic['accuracy']:.2%}, torch fp32 {fp32['accuracy']:.2%}") \
        if dynamic and fp32 and number(dynamic, "accuracy") is not None \
        and number(fp32, "accuracy") is not None else NOTHING
    seven = Text(" в 7 бита, както ONNX Runtime съветва без VNNI",
                 " in 7 bits, as ONNX Runtime advises without VNNI") \
        if first.get("reduce_range") else NOTHING
    accuracies = [value(row, "accuracy") for row in recipes]
    spread = (max(accuracies) - min(accuracies)) * 100
    resolution = Text(
        f"Всички {len(recipes)} статични варианта са в рамките на едно изображение един от "
        "друг: на този тест изборът между тях не се вижда.",
        f"All {len(recipes)} static variants lie within one image of each other: on this test "
        "the choice between them does not show.") \
        if point is not None and spread <= point * 1.001 else Text(
        f"Статичните варианти се разминават с до {spread:.2f} процентни пункта.",
        f"The static variants differ by up to {spread:.2f} percentage points.")
    return join(
        Text(f"{model}, статична int8 в ONNX Runtime (активации u8, тегла s8{seven.bg}, обхвати "
             f"от {first.get('calibration_images')} обучаващи изображения), точност: "
             f"{each(methods).bg}{compared.bg}.",
             f"{model}, static int8 in ONNX Runtime (activations u8, weights s8{seven.en}, ranges "
             f"from {first.get('calibration_images')} training images), accuracy: "
             f"{each(methods).en}{compared.en}."),
        _pair_sentence(_pairs(recipes, "weight_scales", "per-tensor", "per-channel"),
                       Text("Мащаб на тегла по канал вместо на тензор",
                            "Per-channel weight scales instead of per-tensor")),
        _pair_sentence(_pairs(recipes, "format", "QDQ", "QOperator"),
                       Text("QOperator вместо QDQ (същите мащаби, записани другояче)",
                            "QOperator instead of QDQ (the same scales, written another way)")),
        resolution, STATIC_BUYS)


def static_speed_paragraph(rows: Rows) -> Text | None:
    """The timed static recipes against dynamic int8 in ONNX Runtime, per model and batch."""
    found = [row for row in rows if interval(row, "speedup_vs_dyn") is not None]
    if not found:
        return None
    groups: dict[tuple[object, object], list[Row]] = {}
    for row in found:
        groups.setdefault((row["model"], row["batch_size"]), []).append(row)
    parts = []
    for (model, batch), here in groups.items():
        listed = each([Text(f"{row['variant']} {times(interval(row, 'speedup_vs_dyn')).bg}",
                             f"{row['variant']} {times(interval(row, 'speedup_vs_dyn')).en}")
                        for row in here])
        parts.append(Text(f"{model}, пакет {batch}: {listed.bg}",
                          f"{model}, batch {batch}: {listed.en}"))
    joined = each(parts, "; ")
    recipes = ", ".join(dict.fromkeys(
        f"{row['variant']} = {row['calibration']} {row['weight_scales']} {row['format']}"
        for row in found))
    return Text(
        f"Статичната срещу динамичната int8 в ONNX Runtime, в едни и същи кръгове: {joined.bg}. "
        f"Измерени рецепти: {recipes}. Форматът и мащабите на теглата могат да сменят кернелите, "
        "а методът на калибриране сменя само стойностите на мащабите, затова от методите е "
        "измерен само MinMax.",
        f"Static against dynamic int8 in ONNX Runtime, in the same rounds: {joined.en}. Recipes "
        f"timed: {recipes}. The format and the weight scales can change the kernels, while the "
        "calibration method changes only the scale values, so of the methods only MinMax was "
        "timed.")
