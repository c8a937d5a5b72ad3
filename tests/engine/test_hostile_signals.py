"""Signals during `train` do what the README says: the first Ctrl-C stops training gracefully (evaluate, save,
status 130); a second one — while the first is still being honoured, evaluating or saving — aborts at once
with status 2 and leaves no temporary file.

The child's evaluation and save are slowed down (a minute of short sleeps inside them), so the second Ctrl-C
surely arrives while they run.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from limited import ROOT

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGINT delivered with os.kill")

_SLOWED = """
import runpy, sys, time
import engine.network as network
import engine.fileio as fileio

real_evaluate, real_atomic = network.Network.evaluate, fileio.atomic_write

def work(seconds):
    # a minute of work that runs Python between short calls, as evaluating and saving do (one long sleep
    # would not notice a signal that the kernel handed to another thread)
    for _ in range(int(seconds / 0.02)):
        time.sleep(0.02)

def slow_evaluate(self, *args, **kwargs):
    # the final evaluation only (the command's own call), not the trainer's validation of each epoch
    if "{where}" == "evaluate" and sys._getframe(1).f_code.co_filename.endswith("train.py") \
            and "cli" in sys._getframe(1).f_code.co_filename:
        print("evaluating", file=sys.stderr, flush=True)
        work(60)
    return real_evaluate(self, *args, **kwargs)

def slow_atomic(path, write, binary=False):
    def stall(handle):
        write(handle)
        print("saving", file=sys.stderr, flush=True)
        work(60)
    real_atomic(path, stall if "{where}" == "save" else write, binary)

network.Network.evaluate = slow_evaluate
network.atomic_write = slow_atomic
sys.argv = ["main.py", *sys.argv[1:]]
runpy.run_path({main!r}, run_name="__main__")
"""


def _wait_for(stream, text: str) -> None:
    for line in stream:
        if text in line:
            return
    raise AssertionError(f"the child ended before printing {text!r}")


@pytest.mark.parametrize("where", ["evaluate", "save"])
def test_a_second_ctrl_c_while_the_first_is_honoured_aborts_at_once_with_status_2(tmp_path, where):
    code = _SLOWED.replace("{where}", where).replace("{main!r}", repr(str(ROOT / "main.py")))
    child = subprocess.Popen([sys.executable, "-c", code, "train", "digits_net", "--dataset", "digits", "--epochs",
                              "1000", "--save", tmp_path / "run.npz"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    with child:
        try:
            _wait_for(child.stdout, "epoch 1/1000")
            child.send_signal(signal.SIGINT)                       # the first: stop, evaluate, save
            _wait_for(child.stderr, "interrupted (Ctrl-C) after")
            _wait_for(child.stderr, "evaluating" if where == "evaluate" else "saving")
            child.send_signal(signal.SIGINT)                       # the second: at once
            rest = child.stderr.read()
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 2, rest
    assert rest.splitlines()[-1] == "error: interrupted twice: stopped at once; nothing more was evaluated or saved"
    assert "Traceback" not in rest
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == []   # no weights, no temporary file
