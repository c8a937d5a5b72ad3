"""Load time and peak memory of a full-size CIFAR-10 binary set (50,000 + 10,000 generated records).

    PYTHONPATH=. python benchmarks/bench_data_load.py [--archive]

Writes cifar-10-batches-bin (five data batches + test batch + meta) with random records to a temporary
folder — or the .tar.gz with --archive — then loads it in a fresh process with ``engine.load_dataset`` and
reports the seconds and the peak resident memory (VmHWM, else ru_maxrss) above the process's baseline against the
dataset's uint8 size (60,000 · 3,072 bytes = 184 MB). Goals for the folder: under 3 s, peak under 2× the
uint8 size (the images stay uint8; float32 would be 737 MB).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RECORD = 3073

MEASURE = r"""
import json, resource, sys, time
import numpy as np
import engine                                          # the imports are part of the baseline
from engine.data import load_dataset

def peak_rss():
    # VmHWM belongs to this process's memory map; ru_maxrss can carry the parent's peak across exec.
    try:
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

base = peak_rss()
start = time.perf_counter()
ds = load_dataset(sys.argv[1])
seconds = time.perf_counter() - start
peak = peak_rss()
print(json.dumps({"seconds": seconds, "peak_above_baseline": peak - base, "baseline": base,
                  "uint8_bytes": ds.x_train.nbytes + ds.x_test.nbytes, "describe": ds.describe()}))
"""


def write_cifar(folder: Path, seed: int = 0) -> dict[str, bytes]:
    rng = np.random.default_rng(seed)
    files = {}
    for name, n in [(f"data_batch_{k}.bin", 10_000) for k in range(1, 6)] + [("test_batch.bin", 10_000)]:
        records = rng.integers(0, 256, (n, RECORD), dtype=np.uint8)
        records[:, 0] %= 10
        files[name] = records.tobytes()
    files["batches.meta.txt"] = b"airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n"
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", action="store_true", help="load cifar-10-binary.tar.gz instead of the folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_cifar(Path(tmp))
        if args.archive:
            target = Path(tmp) / "cifar-10-binary.tar.gz"
            with tarfile.open(target, "w:gz", compresslevel=1) as archive:
                for name, data in files.items():
                    info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
        else:
            target = Path(tmp) / "cifar-10-batches-bin"
            target.mkdir()
            for name, data in files.items():
                (target / name).write_bytes(data)
        del files
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        result = subprocess.run([sys.executable, "-c", MEASURE, str(target)], env=env, capture_output=True,
                                text=True, check=True)
    r = json.loads(result.stdout)
    ratio = r["peak_above_baseline"] / r["uint8_bytes"]
    print(f"{'archive' if args.archive else 'folder'}: {r['describe']}")
    print(f"load {r['seconds']:.2f} s (goal < 3 s); peak RSS above baseline {r['peak_above_baseline'] / 1e6:.0f} MB"
          f" = {ratio:.2f}× the uint8 size {r['uint8_bytes'] / 1e6:.0f} MB (goal < 2×); baseline "
          f"{r['baseline'] / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
