"""The labs the module's cards can launch: ids, steps and descriptions.

Light on purpose (no torch): the content validator and the app read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from studyapp.text import Text


@dataclass(frozen=True)
class LabInfo:
    id: str
    step: int
    title: Text
    description: Text


LABS: tuple[LabInfo, ...] = (
    LabInfo(
        "latency", 1,
        Text("Латентност: едно отчитане срещу истинско измерване",
             "Latency: one reading versus a real measurement"),
        Text("Първо извикване в нови процеси срещу топлата медиана, разсейване на 20 единични "
             "отчитания, медиана/p90/p99 с интервали, 1 срещу N нишки — защо едно "
             "time.time() не е измерване.",
             "The first call in fresh processes against the warm median, the spread of 20 "
             "single readings, median/p90/p99 with intervals, 1 against N threads — why one "
             "time.time() is not a measurement."),
    ),
    LabInfo(
        "quantize", 2,
        Text("Квантизация: fp32 срещу int8, fp16 и bf16",
             "Quantization: fp32 versus int8, fp16 and bf16"),
        Text("Динамична int8 в PyTorch, динамична и статична int8 в ONNX Runtime (MinMax, "
             "Entropy, Percentile; по канал; QDQ/QOperator), fp16/bf16: точност, латентност "
             "при пакет 1 и 64 върху roofline, размер на диска.",
             "Dynamic int8 in PyTorch, dynamic and static int8 in ONNX Runtime (MinMax, "
             "Entropy, Percentile; per channel; QDQ/QOperator), fp16/bf16: accuracy, latency "
             "at batch 1 and 64 on the roofline, size on disk."),
    ),
    LabInfo(
        "prune", 2,
        Text("Окъсяване (pruning): точност срещу разреденост",
             "Pruning: accuracy versus sparsity"),
        Text("Глобално окъсяване по големина 0–90% с и без дообучение, маската на torch и "
             "CSR кернел, структурирано окъсяване на неврони и канали: точност, размер и "
             "латентност, измерени една до друга.",
             "Global magnitude pruning 0–90% with and without fine-tuning, torch's mask and a "
             "CSR kernel, structured pruning of neurons and channels: accuracy, size and "
             "latency, timed side by side."),
    ),
    LabInfo(
        "batching", 3,
        Text("Пакетиране: пропускателна способност срещу латентност",
             "Batching: throughput versus latency"),
        Text("Пакет 1…256 в eager torch, с пакетирани тегла и в ONNX Runtime: пропускателна "
             "способност, латентност на елемент, платото от пакетирането, нишки 1…N, CPU "
             "срещу GPU и две демонстрации на roofline.",
             "Batch size 1…256 in eager torch, with packed weights and in ONNX Runtime: "
             "throughput, latency per item, the packing plateau, threads 1…N, CPU versus GPU "
             "and two roofline demonstrations."),
    ),
    LabInfo(
        "decode", 3,
        Text("Генериране на текст: prefill, decode, KV кеш и спекулативно декодиране",
             "Generating text: prefill, decode, the KV cache and speculative decoding"),
        Text("Малък езиков модел, обучен върху картите на модула: време до първия токен и на "
             "изходен токен, KV кешът срещу преизчисляване, int8 тегла при decode и prefill, "
             "спекулативно декодиране с помощен модел и с търсене в текста.",
             "A small language model trained on the module's cards: time to first token and "
             "per output token, the KV cache against recomputing, int8 weights at decode and "
             "prefill, speculative decoding with a draft model and with prompt lookup."),
    ),
    LabInfo(
        "serving", 3,
        Text("Обслужване: опашка от заявки под целта за p99",
             "Serving: a request queue under a p99 target"),
        Text("Моделът зад истинска опашка: случайни (Поасонови) заявки при товар от 0.2 до "
             "1.5 пъти капацитета, една по една срещу динамично пакетиране — p50/p99, "
             "пропускателна способност, заетост, коляното и най-високият товар в целта за p99; "
             "после езиковият модел: динамично срещу непрекъснато пакетиране.",
             "The model behind a real queue: random (Poisson) requests at 0.2 to 1.5 times "
             "capacity, one at a time against dynamic batching — p50/p99, throughput, "
             "utilisation, the knee and the highest load within the p99 target; then the "
             "language model: dynamic against continuous batching."),
    ),
    LabInfo(
        "onnx", 4,
        Text("ONNX Runtime: експорт, проверка и оптимизация на графа",
             "ONNX Runtime: export, check and graph optimization"),
        Text("Експорт с динамична ос на пакета, числова проверка спрямо torch, какво слива "
             "или преподрежда всяко ниво на оптимизация на графа и колко печели, torch срещу "
             "ONNX Runtime срещу torch.compile.",
             "Export with a dynamic batch axis, numeric check against torch, what each graph "
             "optimization level fuses or re-lays out and what that gains, torch versus ONNX "
             "Runtime versus torch.compile."),
    ),
    LabInfo(
        "profile", 5,
        Text("Профилиране: къде отива времето",
             "Profiling: where the time goes"),
        Text("torch.profiler и профилът на ONNX Runtime един до друг по вид операция, тясното "
             "място, пикова памет и мястото на модела върху roofline на тази машина.",
             "torch.profiler and ONNX Runtime's profile side by side by kind of operation, "
             "the bottleneck, peak memory and where the model sits on this machine's "
             "roofline."),
    ),
)

LAB_IDS: frozenset[str] = frozenset(lab.id for lab in LABS)


def lab_info(lab_id: str) -> LabInfo:
    for lab in LABS:
        if lab.id == lab_id:
            return lab
    raise KeyError(lab_id)
