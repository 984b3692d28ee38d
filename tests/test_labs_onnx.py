"""The onnx lab, run for real (quick size, the CNN) in its child process, and its export helper.

Only physical truths are asserted: the exported graph computes what torch computes, at batch
sizes the export never saw; graph optimization never adds nodes to the unoptimized graph;
every row says where and with how many threads it ran. Never a timing.
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
from studyapp.labs.readings import factor

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
    assert tables == {"onnx_check", "onnx_levels", "onnx_runtimes"}
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
    assert shapes[1] == "1×10"
    assert shapes[7] == "7×10"


def test_all_four_optimization_levels_are_measured_at_both_batches(quick_run: Result) -> None:
    levels = _section(quick_run, "levels")
    assert {(row["opt_level"], row["batch_size"]) for row in levels} == {
        (level, batch) for level in OPT_LEVELS for batch in (1, 64)}
    assert set(OPT_LEVELS) == {"disable", "basic", "extended", "all"}
    assert all(row["status"] == "ok" and row["latency_ms_median"] > 0 for row in levels)


def test_optimized_graphs_have_no_more_nodes_than_the_unoptimized_one(quick_run: Result) -> None:
    nodes = {row["opt_level"]: row["nodes"] for row in _section(quick_run, "levels")}
    assert nodes["disable"] > 0
    for level in ("basic", "extended", "all"):
        assert nodes[level] <= nodes["disable"]
    assert nodes["extended"] < nodes["disable"]  # Conv+Relu and Gemm+Relu are fused


def test_every_row_carries_threads_and_device(quick_run: Result) -> None:
    threads = quick_run.env["threads"]
    for row in quick_run.rows:
        assert row["threads"] == threads
        assert row["device"] in ("cpu", "cuda")


def test_quick_skips_compile_and_says_why_each_absent_provider_is_missing(
    quick_run: Result,
) -> None:
    import onnxruntime

    runtimes = _section(quick_run, "runtimes")
    compiled = [row for row in runtimes if row["variant"] == "torch.compile"]
    assert len(compiled) == 2 and all(row["status"].startswith("skipped: ") for row in compiled)
    available = onnxruntime.get_available_providers()
    for short in ("CUDA", "TensorRT", "OpenVINO"):
        rows = [row for row in runtimes if row["variant"] == f"ORT {short}"]
        assert len(rows) == 2
        if not any(name.lower().startswith(short.lower()) for name in available):
            assert all("not in this onnxruntime build" in row["status"] for row in rows)
    assert any(short in text.en for text in quick_run.reading for short in ("OpenVINO",))


def test_reading_quotes_the_measured_numbers(quick_run: Result) -> None:
    levels = _section(quick_run, "levels")
    counts = ", ".join(f"{level} {next(r['nodes'] for r in levels if r['opt_level'] == level)}"
                       for level in OPT_LEVELS)
    assert any(counts in text.en and counts in text.bg for text in quick_run.reading)
    ort_b1 = next(row for row in _section(quick_run, "runtimes")
                  if row["variant"] == "ORT all" and row["batch_size"] == 1)
    assert any(factor(ort_b1["speedup"]) in text.en for text in quick_run.reading)
    assert all(text.bg and text.en for text in quick_run.reading)



def test_the_real_rows_give_a_verdict_and_cards(quick_run: Result) -> None:
    found = findings.ort_against_torch(quick_run.rows)
    assert found is not None
    ort_all = [row for row in _section(quick_run, "runtimes") if row["variant"] == "ORT all"]
    assert [found.small, found.large] == [row["speedup"] for row in ort_all]
    assert len(assert_rows_drive_verdict_and_cards("onnx", quick_run.rows,
                                                   quick_run.reading)) == 1


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
