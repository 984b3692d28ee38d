"""How fast each precision's arithmetic can run on a CPU, read from its instruction set. Pure.

The roofline's compute ceiling is the measured fp32 GEMM peak. A precision whose arithmetic
the CPU runs natively in narrower lanes can do more operations per cycle; its ceiling is the
fp32 peak times a theoretical multiplier (`Arithmetic.speed`, the `speed` of
`roofline.Work`). The multiplier is an upper bound set by the instructions, not a promise:
a kernel may stay far below it, and the lab's rows say how far.

- int8: ×4 with VNNI (four u8×s8 multiply-adds into an int32 per lane, one instruction);
  ×2 without it (pmaddubsw sums u8×s8 pairs into 16 bits, pmaddwd widens them: more
  instructions per multiply-add); ×32 with AMX tiles (2048 int8 operations per cycle and core
  against 64 fp32 FLOP of AVX-512 FMA).
- bf16: ×2 with AVX512-BF16 (two bf16 products per fp32 lane), ×16 with AMX-BF16.
- fp16: ×2 with AVX512-FP16 (twice the lanes of fp32), ×16 with AMX-FP16.
- A 16-bit type without native instructions is converted to fp32 for the arithmetic: ×1.
"""

from __future__ import annotations

from dataclasses import dataclass

from studyapp.text import Text

AMX_INT8_SPEED = 32.0
AMX_16BIT_SPEED = 16.0
VNNI_INT8_SPEED = 4.0
PLAIN_INT8_SPEED = 2.0
NATIVE_16BIT_SPEED = 2.0
PRECISIONS = ("fp32", "int8", "bf16", "fp16")


@dataclass(frozen=True)
class Isa:
    """The instruction-set facts that set each precision's ceiling."""

    vnni: bool  # AVX512-VNNI or AVX-VNNI
    amx: bool  # AMX tiles (int8 and bf16)
    bf16: bool  # AVX512-BF16 or AMX-BF16
    fp16: bool  # AVX512-FP16 or AMX-FP16
    amx_fp16: bool = False  # AMX tiles for fp16 as well

    @classmethod
    def here(cls) -> Isa:
        """This CPU's, from /proc/cpuinfo (all False where the OS does not say)."""
        from studyapp.labs import envinfo

        isa = envinfo.cpu_info()["isa"]
        return cls(vnni=envinfo.has_vnni(), amx=envinfo.has_amx(), bf16=envinfo.has_bf16(),
                   fp16=envinfo.has_fp16(), amx_fp16=bool(isa.get("amx_fp16")))


@dataclass(frozen=True)
class Arithmetic:
    """One precision's ceiling on a CPU: times the fp32 peak, and the instructions behind it."""

    precision: str
    speed: float
    native: bool  # False: converted to fp32 for the arithmetic
    why: Text


def arithmetic(precision: str, isa: Isa) -> Arithmetic:
    """The ceiling of `precision` ("fp32", "int8", "bf16", "fp16") on a CPU with `isa`."""
    if precision == "fp32":
        return Arithmetic("fp32", 1.0, True, Text("FMA върху fp32: измереният пик",
                                                   "fp32 FMA: the measured peak"))
    if precision == "int8":
        return _int8(isa)
    if precision in ("bf16", "fp16"):
        return _sixteen_bit(precision, isa)
    raise ValueError(f"unknown precision {precision!r} (known: {', '.join(PRECISIONS)})")


def _int8(isa: Isa) -> Arithmetic:
    if isa.amx:
        return Arithmetic("int8", AMX_INT8_SPEED, True, Text(
            "AMX: матрични блокове, 2048 int8 операции на такт срещу 64 fp32 FLOP",
            "AMX tiles: 2048 int8 operations per cycle against 64 fp32 FLOP"))
    if isa.vnni:
        return Arithmetic("int8", VNNI_INT8_SPEED, True, Text(
            "VNNI: четири int8 умножения-събирания в int32 с една инструкция",
            "VNNI: four int8 multiply-adds into an int32 in one instruction"))
    return Arithmetic("int8", PLAIN_INT8_SPEED, True, Text(
        "без VNNI: произведенията u8×s8 се събират по двойки в 16 бита (pmaddubsw) и се "
        "разширяват до 32 (pmaddwd) — повече инструкции на умножение-събиране",
        "no VNNI: u8×s8 products are summed in pairs into 16 bits (pmaddubsw) and widened to "
        "32 (pmaddwd) — more instructions per multiply-add"))


def _sixteen_bit(precision: str, isa: Isa) -> Arithmetic:
    amx = isa.amx and isa.bf16 if precision == "bf16" else isa.amx_fp16
    native = isa.bf16 if precision == "bf16" else isa.fp16
    if amx:
        return Arithmetic(precision, AMX_16BIT_SPEED, True, Text(
            f"AMX: матрични блокове, 1024 {precision} операции на такт срещу 64 fp32 FLOP",
            f"AMX tiles: 1024 {precision} operations per cycle against 64 fp32 FLOP"))
    if native:
        lanes = (Text("две bf16 произведения на всяка fp32 позиция (AVX512-BF16)",
                      "two bf16 products per fp32 lane (AVX512-BF16)") if precision == "bf16"
                 else Text("два пъти повече позиции от fp32 (AVX512-FP16)",
                           "twice the lanes of fp32 (AVX512-FP16)"))
        return Arithmetic(precision, NATIVE_16BIT_SPEED, True, lanes)
    return Arithmetic(precision, 1.0, False, Text(
        f"без собствени {precision} инструкции: стойностите се преобразуват към fp32 за "
        "смятането, така че fp32 пикът е горната граница",
        f"no native {precision} instructions: values are converted to fp32 for the "
        "arithmetic, so the fp32 peak is the limit"))
