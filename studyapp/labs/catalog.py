"""The labs the module's cards can launch: ids, steps and descriptions.

Light on purpose (no torch): the content validator and the app read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from studyapp.deck.model import Text


@dataclass(frozen=True)
class LabInfo:
    id: str
    step: int
    title: Text
    description: Text


LABS: tuple[LabInfo, ...] = (
    LabInfo(
        "latency", 1,
        Text("Латентност: едно измерване срещу истинско измерване",
             "Latency: one reading versus a real measurement"),
        Text("Студено срещу топло извикване, разсейване на 20 единични измервания, "
             "медиана/p90/p99 — защо едно time.time() не е измерване.",
             "Cold versus warm call, the spread of 20 single readings, "
             "median/p90/p99 — why one time.time() is not a measurement."),
    ),
    LabInfo(
        "quantize", 2,
        Text("Квантизация: fp32 срещу int8, fp16 и bf16",
             "Quantization: fp32 versus int8, fp16 and bf16"),
        Text("Динамична int8 в PyTorch, динамична и статична int8 в ONNX Runtime, fp16/bf16: "
             "точност, латентност при batch 1 и 64, размер на диска.",
             "Dynamic int8 in PyTorch, dynamic and static int8 in ONNX Runtime, fp16/bf16: "
             "accuracy, latency at batch 1 and 64, size on disk."),
    ),
    LabInfo(
        "prune", 2,
        Text("Окъсяване: точност срещу разреденост",
             "Pruning: accuracy versus sparsity"),
        Text("Глобално окъсяване по големина 0–90% с и без дообучение, структурно окъсяване "
             "на канали: точност, размер, латентност.",
             "Global magnitude pruning 0–90% with and without fine-tuning, structured channel "
             "pruning: accuracy, size, latency."),
    ),
    LabInfo(
        "batching", 3,
        Text("Пакетиране: пропускателна способност срещу латентност",
             "Batching: throughput versus latency"),
        Text("Размер на пакета 1…256: латентност на пакет и на елемент, пропускателна "
             "способност, 1 срещу всички нишки, CPU срещу GPU, дял от пиковите GFLOP/s.",
             "Batch size 1…256: latency per batch and per item, throughput, one thread versus "
             "all, CPU versus GPU, share of peak GFLOP/s."),
    ),
    LabInfo(
        "onnx", 4,
        Text("ONNX Runtime: експорт, проверка и оптимизация на графа",
             "ONNX Runtime: export, check and graph optimization"),
        Text("Експорт с динамична ос на пакета, числова проверка спрямо torch, нива на "
             "оптимизация на графа, torch срещу ONNX Runtime срещу torch.compile.",
             "Export with a dynamic batch axis, numeric check against torch, graph "
             "optimization levels, torch versus ONNX Runtime versus torch.compile."),
    ),
    LabInfo(
        "profile", 5,
        Text("Профилиране: къде отива времето",
             "Profiling: where the time goes"),
        Text("Таблица на операторите от torch.profiler, тясното място, пикова памет, профил "
             "на ONNX Runtime и мястото на модела върху roofline на тази машина.",
             "torch.profiler operator table, the bottleneck, peak memory, ONNX Runtime "
             "profile and where the model sits on this machine's roofline."),
    ),
)

LAB_IDS: frozenset[str] = frozenset(lab.id for lab in LABS)


def lab_info(lab_id: str) -> LabInfo:
    for lab in LABS:
        if lab.id == lab_id:
            return lab
    raise KeyError(lab_id)
