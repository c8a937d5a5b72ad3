"""Importing a ResNet-50 written by PyTorch (about 100 MB): seconds and peak memory, beside the onnx package's
own reading of the same file and onnxruntime's loading of it, each in a fresh process.

    PYTHONPATH=. python benchmarks/bench_onnx_import.py [--net resnet50|small] [--reps 3] [--model FILE.onnx]

Builds the model in PyTorch with random weights (tests/engine/torch_models.py, torchvision's layout, batch
norms kept), exports it with torch.onnx.export (TorchScript exporter, opset 17, no constant folding) to a
temporary folder — or takes --model — then measures, each in its own child process, the seconds and the
peak resident memory above the child's baseline (VmHWM after the imports):

* CNN Designer, design and weights: engine.onnx_import.import_onnx(path);
* CNN Designer, design only (what `summary model.onnx` needs): import_onnx(path, weights=False);
* the onnx package: onnx.load(path) and numpy_helper.to_array of every initializer (any Python reader);
* onnxruntime: creating an InferenceSession (a runtime's load, graph optimisations included).

Goals (issue 23): a few seconds, and at most about twice the file's size in memory.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = r"""
import json, resource, sys, time
import numpy as np
import onnx, onnx.numpy_helper
import engine, engine.onnx_import                       # the imports are part of the baseline
WHAT, PATH = sys.argv[1], sys.argv[2]
if WHAT == "onnxruntime":
    import onnxruntime

def peak_rss():
    try:
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

base = peak_rss()
start = time.perf_counter()
if WHAT == "designer":
    imported = engine.onnx_import.import_onnx(PATH)
    detail = sum(a.size for a in imported.params.values())
elif WHAT == "designer-design":
    imported = engine.onnx_import.import_onnx(PATH, weights=False)
    detail = len(engine.summarize(imported.spec).rows) - 1
elif WHAT == "onnx":
    model = onnx.load(PATH)
    arrays = [onnx.numpy_helper.to_array(t) for t in model.graph.initializer]
    detail = sum(a.size for a in arrays)
else:
    session = onnxruntime.InferenceSession(PATH, providers=["CPUExecutionProvider"])
    detail = len(session.get_inputs())
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak": peak_rss() - base, "detail": int(detail)}))
"""

READERS = [("designer", "CNN Designer: design and weights"),
           ("designer-design", "CNN Designer: design only (summary)"),
           ("onnx", "onnx.load + numpy_helper.to_array"),
           ("onnxruntime", "onnxruntime.InferenceSession")]


def export_model(net: str, folder: Path) -> Path:
    sys.path.insert(0, str(ROOT / "tests" / "engine"))
    import torch
    import torch_models as tm
    torch.manual_seed(0)
    model = tm.with_trained_statistics(tm.ResNet50() if net == "resnet50" else tm.SmallResNet())
    path = folder / f"{net}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm.export(model, path, fold=False)
    print(f"{net}: {tm.parameter_count(model):,} parameters in PyTorch")
    return path


def measure(what: str, path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", MEASURE, what, str(path)], env=env, capture_output=True,
                            text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"{what} failed: {result.stderr.strip().splitlines()[-1]}")
    return json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--net", choices=("resnet50", "small"), default="resnet50")
    parser.add_argument("--model", type=Path, help="an .onnx file to measure instead of the exported ResNet-50")
    parser.add_argument("--reps", type=int, default=3, help="fresh processes per reader (default: 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.model or export_model(args.net, Path(tmp))
        size = path.stat().st_size
        print(f"file: {path.name}, {size / 1e6:.1f} MB; {args.reps} fresh processes per reader, median seconds, "
              "largest peak")
        print()
        print("| reader | seconds | peak memory above baseline | peak / file size |")
        print("|---|---|---|---|")
        for what, title in READERS:
            runs = [measure(what, path) for _ in range(args.reps)]
            seconds = statistics.median(run["seconds"] for run in runs)
            peak = max(run["peak"] for run in runs)
            print(f"| {title} | {seconds:.2f} | {peak / 1e6:.0f} MB | {peak / size:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
