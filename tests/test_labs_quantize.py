"""The quantize lab, run for real (quick size) in its child process: physical truths only.

One run serves every test. It asks for `device=cuda`, so on a machine without a GPU it also
shows that the GPU rows are skipped cleanly rather than failing the lab.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from real_rows import assert_rows_drive_verdict_and_cards

from studyapp.labs import findings
from studyapp.labs.events import Note, Result, Series, Table, decode
from studyapp.labs.readings import factor

pytestmark = pytest.mark.slow
INT8 = ("torch int8-dyn", "ORT int8-dyn", "ORT int8-static")


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.fixture(scope="module")
def quick_run(labs_data_dir: Path) -> dict:
    """Rows, reading and result of `python -m studyapp.labs run quantize` (quick, cuda)."""
    params = {"size": "quick", "device": "cuda"}
    done = subprocess.run(
        [sys.executable, "-m", "studyapp.labs", "run", "quantize", "--params",
         json.dumps(params)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    events = [decode(line) for line in done.stdout.splitlines()]  # every line is an event
    result = events[-1]
    assert isinstance(result, Result)
    table = [event for event in events if isinstance(event, Table)][-1]
    assert list(table.rows) == list(result.rows)
    return {
        "rows": list(result.rows),
        "reading": list(result.reading),
        "notes": [event.text for event in events if isinstance(event, Note)],
        "series": [event for event in events if isinstance(event, Series)],
        "result": result,
    }


def _rows(run: dict, variant: str, device: str = "cpu") -> list[dict]:
    rows = [row for row in run["rows"] if row["variant"] == variant and row["device"] == device]
    assert rows, f"no {variant} row on {device}"
    return rows


def test_int8_files_are_under_a_third_of_fp32(quick_run: dict) -> None:
    for variant in INT8:
        for row in _rows(quick_run, variant):
            assert row["size_ratio"] < 1 / 3, row
    fp32 = _rows(quick_run, "torch fp32")[0]["size_bytes"]
    for variant in ("torch fp16", "torch bf16"):
        half = _rows(quick_run, variant)[0]["size_bytes"]
        assert 0.4 * fp32 < half < 0.6 * fp32


def test_int8_keeps_accuracy_of_a_well_trained_fp32_model(quick_run: dict) -> None:
    fp32 = _rows(quick_run, "torch fp32")[0]["accuracy"]
    assert fp32 >= 0.95
    for variant in (*INT8, "ORT fp32"):
        row = _rows(quick_run, variant)[0]
        assert abs(row["accuracy"] - fp32) <= 0.03, row
        assert row["accuracy_change_pp"] == pytest.approx(100 * (row["accuracy"] - fp32))


def test_every_row_carries_threads_and_device(quick_run: dict) -> None:
    threads = quick_run["result"].env["threads"]
    assert quick_run["rows"]
    for row in quick_run["rows"]:
        assert row["threads"] == threads
        assert row["device"] in ("cpu", "cuda")
        assert row["batch_size"] in (1, 64)


def test_measured_rows_have_positive_latencies_and_fp32_is_its_own_baseline(
    quick_run: dict,
) -> None:
    measured = [row for row in quick_run["rows"] if row["status"] == "ok"]
    assert measured
    for row in measured:
        assert row["latency_ms_median"] > 0
        assert row["speedup"] > 0
    for variant in ("torch fp32", "ORT fp32"):
        for row in _rows(quick_run, variant):
            assert row["speedup"] == pytest.approx(1.0)
            assert row["size_ratio"] == pytest.approx(1.0)


def test_reading_quotes_the_measured_int8_speedup(quick_run: dict) -> None:
    for row in _rows(quick_run, "torch int8-dyn"):
        quoted = factor(row["speedup"])
        batch = f"batch {row['batch_size']}:"
        matching = [text for text in quick_run["reading"] if batch in text.en]
        assert matching and quoted in matching[0].en and quoted in matching[0].bg
    assert all(text.bg and text.en for text in quick_run["reading"])
    assert any("torchao" in text.en for text in quick_run["reading"])


def test_speedup_plot_draws_each_cpu_variant_from_its_rows(quick_run: dict) -> None:
    lines = {line.name.en: line for line in quick_run["series"]}
    assert set(lines) == {f"mlp {variant}" for variant in (*INT8, "torch fp16", "torch bf16")}
    for name, line in lines.items():
        rows = _rows(quick_run, name.removeprefix("mlp "))
        assert line.x == (1.0, 64.0)
        assert line.y == pytest.approx([row["speedup"] for row in rows])


@pytest.mark.skipif(_has_cuda(), reason="checks the machine without a GPU")
def test_gpu_rows_are_skipped_cleanly_without_a_gpu(quick_run: dict) -> None:
    for variant in ("torch fp32", "torch fp16", "torch bf16", "torch int8-dyn"):
        for row in _rows(quick_run, variant, "cuda"):
            assert row["status"].startswith("skipped: ")
            assert row.get("latency_ms_median") is None
    assert any("device=cuda" in text.en for text in quick_run["reading"])
    assert any("no CUDA GPU" in text.en for text in quick_run["notes"])


@pytest.mark.cuda
@pytest.mark.skipif(not _has_cuda(), reason="needs an NVIDIA GPU")
def test_fp16_and_bf16_run_on_the_gpu(quick_run: dict) -> None:
    fp32 = _rows(quick_run, "torch fp32", "cuda")[0]
    assert fp32["status"] == "ok" and fp32["accuracy"] >= 0.95
    for variant in ("torch fp16", "torch bf16"):
        for row in _rows(quick_run, variant, "cuda"):
            if row["status"] == "ok":
                assert row["latency_ms_median"] > 0
                assert abs(row["accuracy"] - fp32["accuracy"]) <= 0.03
            else:
                assert variant == "torch bf16" and "bf16" in row["status"]
    int8 = _rows(quick_run, "torch int8-dyn", "cuda")[0]
    assert int8["status"].startswith("skipped: ") and "CPU" in int8["status"]



def test_the_real_rows_give_a_verdict_and_cards(quick_run: dict) -> None:
    rows = quick_run["rows"]
    int8 = findings.int8_in_torch(rows)
    assert int8 is not None and (int8.small_batch, int8.large_batch) == (1, 64)
    assert int8.small == _rows(quick_run, "torch int8-dyn")[0]["speedup"]
    half = findings.half_in_torch(rows)
    assert half is not None and half.large is not None
    size = findings.int8_size(rows)
    assert size is not None
    assert size.int8_share == _rows(quick_run, "torch int8-dyn")[0]["size_ratio"]
    assert size.accuracy_change_pp == _rows(quick_run, "torch int8-dyn")[0]["accuracy_change_pp"]
    cards = assert_rows_drive_verdict_and_cards("quantize", rows, quick_run["reading"])
    assert len(cards) == 3  # the batch, the file size and fp16
    assert f"{size.int8_share:.2f} of the fp32 one" in cards[1].front.en


def test_speedup_wording_follows_the_number() -> None:
    from studyapp.labs.readings import busy_cpu_caution, times

    assert times(2.904).en == "×2.90 faster"
    assert times(0.7).en == "×0.70 (slower)" and times(0.7).bg == "×0.70 (по-бавно)"
    assert times(1.02).en == "×1.02 (no change)"
    assert times(None).en == "not measured"
    assert factor(0.00845) == "×0.00845"
    assert busy_cpu_caution(None, 2) is None and busy_cpu_caution(1.2, 2) is None
    caution = busy_cpu_caution(4.3, 2)
    assert caution is not None and "4.3" in caution.en and "4.3" in caution.bg


def test_a_small_batch_slower_than_a_large_one_is_flagged() -> None:
    from studyapp.labs.readings import batch_order_caution, cautions

    rows = [{"variant": "a", "batch_size": 1, "latency_ms_median": 9.0},
            {"variant": "a", "batch_size": 64, "latency_ms_median": 1.0},
            {"variant": "b", "batch_size": 1, "latency_ms_median": 0.1},
            {"variant": "b", "batch_size": 64, "latency_ms_median": 1.0},
            {"variant": "c", "batch_size": 1, "latency_ms_median": 5.0}]
    caution = batch_order_caution(rows, lambda row: row["variant"], 1, 64)
    assert caution is not None and "a took longer" in caution.en and "a " in caution.bg
    assert batch_order_caution(rows[2:], lambda row: row["variant"], 1, 64) is None
    assert cautions(None, rows, lambda row: row["variant"], 1, 64) == [caution]
    assert cautions(None, rows) == [] and cautions(None) == []
