"""Regression guard for the PySide6 release that aborts Python 3.11 after a few hundred emits.

PySide6-Essentials 6.12.0 drops a reference to True on every Signal.emit() (and one to None on every
void call); Python 3.11 then aborts with "Fatal Python error: bool_dealloc" after ~570 emits. The
window's training thread emits thousands, so a release with that fault must be caught here.
"""
import subprocess
import sys

CODE = r"""
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QObject, Signal, QCoreApplication

class Emitter(QObject):
    progress = Signal(int, float, bool)
    done = Signal()

app = QCoreApplication([])
e = Emitter()
seen = []
e.progress.connect(lambda i, x, flag: seen.append(flag))
e.done.connect(lambda: seen.append(None))
for i in range(5000):
    e.progress.emit(i, 0.5, True)
    e.done.emit()
    e.blockSignals(False)
print(len(seen))
"""


def test_five_thousand_signal_emits_exit_cleanly():
    result = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "10000"
    assert "Fatal Python error" not in result.stderr
