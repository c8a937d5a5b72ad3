"""Running a reader or a command in a child process under a memory limit and a timeout, for the hostile-input
tests: a regression (a reader that allocates what a file declares, hangs on a FIFO, or crashes on a
pickle) then fails its test — a MemoryError traceback, a timeout, a signal — instead of the machine.

    outcome = load_dataset_limited(path)          # Outcome: .refused (the DatasetError line) or .loaded
    result = main_limited("train", ..., env={...})   # CompletedProcess of `main.py ...`
    result = python_limited("code", "arg", ...)      # CompletedProcess of `python -c code arg ...`

The child's address space is limited with RLIMIT_AS (MEMORY bytes unless told), which is also what the
engine's memory guard sees (engine.sysmem); CNN_DESIGNER_MEMORY_LIMIT is removed from its environment
unless a test sets it.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEMORY = 768 << 20          # the interpreter with NumPy, Pillow and the engine takes about 170 MB of it
TIMEOUT = 60

_PRELUDE = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))\n"
            "sys.path.insert(0, {root!r})\n")


def python_limited(code: str, *args, memory: int = MEMORY, timeout: float = TIMEOUT, env: dict | None = None,
                   cwd: str | os.PathLike | None = None) -> subprocess.CompletedProcess:
    """`python -c code args...` with the limit; a timeout raises subprocess.TimeoutExpired (the child is killed)."""
    environment = {key: value for key, value in os.environ.items() if key != "CNN_DESIGNER_MEMORY_LIMIT"}
    environment.update(env or {})
    prelude = _PRELUDE.format(memory=int(memory), root=str(ROOT))
    return subprocess.run([sys.executable, "-c", prelude + code, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=environment, cwd=cwd or ROOT)


def main_limited(*args, **kwargs) -> subprocess.CompletedProcess:
    """`main.py args...` (the command line, as a user runs it) with the limit."""
    code = ("import runpy\n"
            f"sys.argv = [{str(ROOT / 'main.py')!r}, *sys.argv[1:]]\n"
            f"runpy.run_path({str(ROOT / 'main.py')!r}, run_name='__main__')\n")
    return python_limited(code, *args, **kwargs)


@dataclass
class Outcome:
    returncode: int
    loaded: str | None       # Dataset.describe() when it loaded
    refused: str | None      # the DatasetError / SpecError line when it was refused
    stderr: str


_LOAD_DATASET = """
import ast
from engine.data import DatasetError, load_dataset
try:
    dataset = load_dataset(sys.argv[1], **ast.literal_eval(sys.argv[2]))
except DatasetError as exc:
    print("REFUSED", exc)
else:
    print("LOADED", dataset.describe())
"""

_LOAD_WEIGHTS = """
from engine import Network, SpecError
try:
    net = Network.load(sys.argv[1])
except SpecError as exc:
    print("REFUSED", exc)
else:
    print("LOADED", net.num_params)
"""


def _outcome(result: subprocess.CompletedProcess) -> Outcome:
    lines = result.stdout.splitlines()
    last = lines[-1] if lines else ""
    word, _, rest = last.partition(" ")
    return Outcome(result.returncode, rest if word == "LOADED" else None, rest if word == "REFUSED" else None,
                   result.stderr)


def load_dataset_limited(path, options: dict | None = None, **kwargs) -> Outcome:
    """load_dataset(path, **options) in a limited child: what it gave, or the one-line refusal."""
    return _outcome(python_limited(_LOAD_DATASET, path, repr(options or {}), **kwargs))


def load_weights_limited(path, **kwargs) -> Outcome:
    """Network.load(path) in a limited child."""
    return _outcome(python_limited(_LOAD_WEIGHTS, path, **kwargs))


def assert_refused(outcome: Outcome, *words: str) -> str:
    """The refusal line, after checking that the child refused cleanly (no crash, no traceback) with every
    one of `words` in its message."""
    assert outcome.returncode == 0 and outcome.refused is not None, (outcome.returncode, outcome.stderr[-2000:])
    assert "Traceback" not in outcome.stderr, outcome.stderr[-2000:]
    for word in words:
        assert word in outcome.refused, outcome.refused
    return outcome.refused
