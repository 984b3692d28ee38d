"""The onnx lab, run for real (quick size, the CNN) in its child process, its graph and
compile readers, and its export helper.

Only physical truths are asserted: the exported graph computes what torch computes, at batch
sizes the export never saw; the extended level fuses and shrinks the graph; every timing has
its interval and every row says where and with how many threads it ran. Never a timing goal.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from real_rows import assert_rows_drive_verdict_and_cards

from studyapp.labs import findings
from studyapp.labs.events import Result, Table, decode
from studyapp.labs.harness import OPT_LEVELS
from studyapp.labs.lessons.onnx import ort_against_torch
from studyapp.labs.onnx_compile import broken_guard
from studyapp.labs.onnx_export import NCHWC_DOMAIN
from studyapp.labs.onnx_graph import Change, change, counted, node_of
from studyapp.labs.readings import bounds
from studyapp.labs.result_cards import result_cards

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick_run(labs_data_dir: Path) -> Result:
    """The result of `python -m studyapp.labs run onnx` (quick, model=cnn)."""
    params = {"size": "quick", "model": "cnn"}
    done = subprocess.run(
        [sys.executable, "-m", "studyapp.labs", "run", "onnx", "--params", json.dumps(params)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    events = [decode(line) for line in done.stdout.splitlines()]  # every line is an event
    tables = {event.name for event in events if isinstance(event, Table)}
    assert tables == {"onnx_check", "onnx_graphs", "onnx_levels", "onnx_runtimes",
                      "onnx_compile", "onnx_providers"}
    assert isinstance(events[-1], Result)
    return events[-1]


def _section(result: Result, section: str) -> list[dict]:
    rows = [row for row in result.rows if row["section"] == section]
    assert rows, f"no {section} rows"
    return rows


def test_onnx_output_matches_torch_within_1e_4(quick_run: Result) -> None:
    for row in _section(quick_run, "check"):
        assert row["status"] == "ok", row
        assert 0 <= row["max_abs_diff"] <= 1e-4


def test_dynamic_batch_axis_serves_batch_1_and_7(quick_run: Result) -> None:
    shapes = {row["batch_size"]: row["output_shape"] for row in _section(quick_run, "check")}
    assert shapes == {1: "1×10", 7: "7×10", 64: "64×10"}


def test_the_four_levels_are_timed_together_with_each_steps_interval(quick_run: Result) -> None:
    levels = _section(quick_run, "levels")
    assert {(row["opt_level"], row["batch_size"]) for row in levels} == {
        (level, batch) for level in OPT_LEVELS for batch in (1, 64)}
    for row in levels:
        assert row["latency_ms_low"] <= row["latency_ms_median"] <= row["latency_ms_high"]
        gain = findings.interval(row, "gain")
        if row["opt_level"] == "disable":
            assert gain is None
        else:
            assert gain is not None and gain.low <= gain.value <= gain.high


def test_each_level_says_what_it_did_to_the_graph(quick_run: Result) -> None:
    levels = {row["opt_level"]: row for row in _section(quick_run, "levels")}
    assert 0 < levels["extended"]["nodes"] < levels["disable"]["nodes"]
    assert levels["extended"]["nodes_before"] == levels["basic"]["nodes"]
    # the CPU provider fuses a convolution or Gemm with its ReLU on every machine
    assert "Conv+Relu → FusedConv" in levels["extended"]["fused"]
    assert "Gemm+Relu → FusedGemm" in levels["extended"]["fused"]
    assert "FusedConv" in levels["all"]["ops"] or "NCHWc Conv+Relu" in levels["all"]["layout"]
    if levels["all"]["layout"]:  # the blocked layout, where this CPU's MLAS has one
        assert "ReorderOutput" in levels["all"]["layout"]


def test_every_row_carries_threads_and_device(quick_run: Result) -> None:
    threads = quick_run.env["threads"]
    for row in quick_run.rows:
        assert row["threads"] == threads
        assert row["device"] in ("cpu", "cuda")


def test_runtimes_name_their_kernels_and_their_speedup_against_eager(quick_run: Result) -> None:
    runtimes = _section(quick_run, "runtimes")
    assert {(row["variant"], row["batch_size"]) for row in runtimes} >= {
        (variant, batch) for variant in ("torch eager", "ORT all") for batch in (1, 64)}
    for row in runtimes:
        speedup = findings.interval(row)
        assert (speedup is None) == (row["variant"] == "torch eager")
        assert row["gemm_library"] and row["conv_library"]  # the CNN has both
    assert {row["gemm_library"] for row in runtimes if row["variant"] == "ORT all"} == {"MLAS"}


def test_quick_skips_compile_and_says_why_each_absent_provider_is_missing(
    quick_run: Result,
) -> None:
    import onnxruntime

    [compiled] = _section(quick_run, "compile")
    assert compiled["status"] == "skipped: not in the quick size"
    providers = {row["provider"]: row for row in _section(quick_run, "providers")}
    available = onnxruntime.get_available_providers()
    assert set(available) <= set(providers)
    for name in ("CUDAExecutionProvider", "TensorrtExecutionProvider",
                 "OpenVINOExecutionProvider"):
        assert (providers[name]["status"] == "absent") == (name not in available)
    assert any("OpenVINO" in text.en for text in quick_run.reading)


def test_reading_quotes_the_measured_numbers(quick_run: Result) -> None:
    levels = _section(quick_run, "levels")
    counts = ", ".join(f"{level} {next(r['nodes'] for r in levels if r['opt_level'] == level)}"
                       for level in OPT_LEVELS)
    assert any(counts in text.en and counts in text.bg for text in quick_run.reading)
    ort_b1 = next(row for row in _section(quick_run, "runtimes")
                  if row["variant"] == "ORT all" and row["batch_size"] == 1)
    assert any(bounds(findings.interval(ort_b1)) in text.en for text in quick_run.reading)
    assert all(text.bg and text.en for text in quick_run.reading)


def test_the_real_rows_give_a_verdict_and_cards(quick_run: Result) -> None:
    found = ort_against_torch(quick_run.rows)
    assert found is not None
    ort_all = [findings.interval(row) for row in _section(quick_run, "runtimes")
               if row["variant"] == "ORT all"]
    assert [found.small, found.large] == ort_all
    if not findings.measured_cleanly(quick_run.rows):  # a busy machine: said, and no cards
        assert result_cards("onnx", quick_run.rows, quick_run.reading) == []
        assert any("Could not measure cleanly" in text.en for text in quick_run.reading)
        return
    assert_rows_drive_verdict_and_cards("onnx", quick_run.rows, quick_run.reading)


def test_graph_changes_are_read_from_the_nodes() -> None:
    disable = [node_of("Gemm", ""), node_of("Relu", ""), node_of("Conv", ""),
               node_of("Relu", ""), node_of("MaxPool", "")]
    extended = [node_of("FusedGemm", "com.microsoft", "Relu"),
                node_of("FusedConv", "com.microsoft", "Relu"), node_of("MaxPool", "")]
    layout = [node_of("FusedGemm", "com.microsoft", "Relu"),
              node_of("Conv", NCHWC_DOMAIN, "Relu"), node_of("MaxPool", NCHWC_DOMAIN),
              node_of("ReorderOutput", NCHWC_DOMAIN)]
    fused = change(disable, extended)
    assert (fused.fused, fused.layout, fused.removed) == (
        "Gemm+Relu → FusedGemm, Conv+Relu → FusedConv", "", "")
    moved = change(extended, layout)
    assert (moved.fused, moved.layout) == ("", "NCHWc Conv+Relu, NCHWc MaxPool, ReorderOutput")
    assert (moved.nodes_before, moved.nodes_after) == (3, 4)
    folded = change([node_of("Mod", ""), *disable, node_of("Reshape", "")], disable)
    assert folded.removed == "Mod, Reshape"
    assert change(disable, disable) == Change("", "", "", 5, 5)
    assert counted(["Conv", "Relu", "Conv"]) == "Conv ×2, Relu"


def test_the_guard_a_new_shape_broke_is_read_from_dynamos_failures() -> None:
    reasons = ["0/1: 16 <= args[0].size()[0]  # return F.conv2d(  # nn/modules/conv.py:560 in "
               "_conv_forward (_subclasses/fake_impls.py:1811 in conv)",
               "0/0: tensor 'args[0]' size mismatch at index 0. expected 1, actual 7"]
    assert broken_guard(reasons) == ("16 <= batch", "nn/modules/conv.py:560")
    assert broken_guard(reasons[1:]) == (
        "tensor 'args[0]' size mismatch at index 0. expected 1, actual 7", "")
    assert broken_guard([]) == ("", "")


def test_the_lab_module_does_not_hide_the_onnx_package() -> None:
    """`studyapp.labs.onnx` is the lab; `import onnx` is still the ONNX package, and importing
    the lab loads neither torch nor onnxruntime."""
    code = (
        "import sys, studyapp.labs.onnx as lab, studyapp.labs.onnx_export as helper;"
        "import onnx;"
        "assert onnx is not lab and hasattr(onnx, 'load') and hasattr(lab, 'run');"
        "print(sorted({'torch', 'onnxruntime', 'onnx'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "['onnx']"  # only the explicit import above


def test_export_falls_back_to_torchscript_when_torch_export_fails(tmp_path: Path) -> None:
    import onnxruntime
    import torch

    from studyapp.labs.onnx_export import export

    class DataDependent(torch.nn.Module):
        """A branch on the input's values: torch.export refuses it, tracing takes one path."""

        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(64, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(x) if x.sum() > 0 else -self.linear(x)

    sample = np.random.default_rng(0).random((4, 64), dtype=np.float32)
    exported = export(DataDependent().eval(), sample, tmp_path / "branch.onnx")
    assert exported.exporter == "torchscript"
    assert "torch.export" in exported.fallback_reason or "Export" in exported.fallback_reason
    assert "\x1b" not in exported.fallback_reason
    session = onnxruntime.InferenceSession(str(exported.path))
    assert session.run(None, {"x": sample[:3]})[0].shape == (3, 10)


def test_the_torchscript_exporter_can_be_asked_for_directly(tmp_path: Path) -> None:
    import onnxruntime

    from studyapp.labs import models
    from studyapp.labs.onnx_export import export

    sample = np.random.default_rng(0).random((4, 64), dtype=np.float32)
    exported = export(models.build("mlp").eval(), sample, tmp_path / "mlp.onnx",
                      exporter="torchscript")
    assert (exported.exporter, exported.fallback_reason) == ("torchscript", "")
    session = onnxruntime.InferenceSession(str(exported.path))
    assert session.run(None, {"x": sample[:3]})[0].shape == (3, 10)
    with pytest.raises(ValueError, match="exporter"):
        export(models.build("mlp").eval(), sample, tmp_path / "x.onnx", exporter="tracer")
