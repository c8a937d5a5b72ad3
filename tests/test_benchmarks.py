"""The engine benchmark runs and reports what issue 13 asks of it (no timing is asserted: the numbers are
whatever this machine gives). Small settings: one net or two, one short repetition."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "bench_engine.py"
HAVE_TORCH = importlib.util.find_spec("torch") is not None


def bench(*args):
    result = subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_speed_report_has_every_ratio_the_geometric_mean_and_the_minimum_per_thread_count():
    out = bench("--quick", "--no-memory", "--no-scaling", "--nets", "digits,course39", "--reps", "1",
                "--seconds", "0.02")
    for net in ("digits", "course39"):
        for mode in ("training step", "inference"):
            throughput = [line for line in out.splitlines()
                          if line.startswith(f"| {net} | {mode} |") and "(processes)" not in line]
            assert len(throughput) == 2                                                      # 1, 2 threads
    if HAVE_TORCH:
        assert "| net | mode | batch | threads | allocator | engine | PyTorch | engine / PyTorch |" in out
        for mode in ("training step", "inference"):
            for threads in (1, 2):
                assert any(line.startswith(f"| {mode} | {threads} | tuned | 2 |") for line in out.splitlines())
    else:
        assert "PyTorch is not installed" in out
    # The engine's own speed-up from the second core, per net and mode, and its geometric mean.
    assert "## The engine's own speed-up from more cores" in out
    for net in ("digits", "course39"):
        assert sum(line.startswith(f"| {net} | ") and "| 2 (processes) |" in line for line in out.splitlines()) == 2
    assert any(line.startswith("| training step | 2 | 2 |") for line in out.splitlines())
    # Issue 24's goals at the end, each figure with its goal and whether it was met.
    goals = out[out.index("## Issue 24's goals"):].splitlines()
    if HAVE_TORCH:
        for figure in ("2 workers / PyTorch 2 threads, geometric mean", "2 workers / PyTorch 2 threads, worst net",
                       "1 worker / PyTorch 1 thread, geometric mean"):
            row = next(line for line in goals if line.startswith(f"| {figure} |"))
            assert row.endswith("| met |") or row.endswith("| NOT met |")
    speedup = next(line for line in goals if line.startswith("| the engine's own speed-up from a second core"))
    assert "(2 nets)" in speedup and "≥ 1.7" in speedup
    assert "Not the whole suite: lenet5, mnist" in out


def test_scaling_model_gives_fixed_costs_the_parallel_part_and_4_8_16_cores():
    out = bench("--scaling", "--nets", "lenet5", "--reps", "1", "--steps", "1")
    assert "| net | batch | T1 | of which loss + update | T2 (measured) |" in out
    assert any(line.startswith("| lenet5 | 256 |") for line in out.splitlines())
    assert "model at 4 (processes) | model at 8 (processes) | model at 16 (processes) |" in out
    row = next(line for line in out.splitlines() if line.startswith("| lenet5 |") and "(16)" in line)
    assert len(row.split("|")) == 8
    assert any(line.startswith("| geometric mean |") for line in out.splitlines())


def test_memory_report_gives_each_net_and_thread_count_and_the_largest_ratio():
    out = bench("--memory-only", "--nets", "digits")
    rows = [line for line in out.splitlines() if line.startswith("| digits | 256 |")]
    assert [row.split("|")[3].strip() for row in rows] == ["1", "2"]
    assert "every process's tracemalloc peak and the shared gradient and I/O blocks" in out
    if HAVE_TORCH:
        assert "Largest engine / PyTorch peak:" in out
        for threads in (1, 2):
            assert any(line.startswith(f"| peak memory engine / PyTorch at {threads} thread(s), every process "
                                       "summed, largest |") and "(digits)" in line for line in out.splitlines())


def test_profile_shows_each_layer_against_the_gemm_peak_and_the_parts_side_by_side():
    out = bench("--profile", "--nets", "lenet5,digits", "--threads", "2", "--reps", "1", "--steps", "1")
    assert "GEMM peak of this machine:" in out and "OpenBLAS kernel" in out
    assert "| CONV1 | Conv |" in out and "% of the GEMM peak" in out
    assert "## Batch parts side by side (2 threads)" in out
    assert "### lenet5 (batch 256, parts 128, 128)" in out                   # split: a per-layer table
    assert "### digits (batch 256): not split at this batch" in out          # too small to split


def test_onnx_import_benchmark_reports_each_reader_beside_the_file_size():
    """benchmarks/bench_onnx_import.py on the small ResNet (the full run exports a ResNet-50): a row per
    reader with seconds, peak memory and the ratio to the file's size."""
    for module in ("torch", "onnx", "onnxruntime"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"the ONNX import benchmark needs {module}")
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_onnx_import.py"), "--net", "small",
                             "--reps", "1"], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "small: 5,181 parameters in PyTorch" in out
    assert "| reader | seconds | peak memory above baseline | peak / file size |" in out
    for title in ("CNN Designer: design and weights", "CNN Designer: design only (summary)",
                  "onnx.load + numpy_helper.to_array", "onnxruntime.InferenceSession"):
        assert sum(line.startswith(f"| {title} | ") and line.endswith(" |") for line in out.splitlines()) == 1
