"""Garbage cycles are collected on the GUI thread only (designer.app.garbage_collected_on_gui_thread).

A collection started on the training thread could free Qt objects there; see designer/app.py.
"""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Cycles whose finalizers record the thread they ran on, made on a second thread; then the GUI
# thread's event loop runs until every one of them is gone.
SCRIPT = textwrap.dedent("""
    import gc, json, sys, threading, time
    from PySide6.QtWidgets import QApplication
    from designer.app import garbage_collected_on_gui_thread

    app = QApplication([])
    N = 20_000

    def cycles_made_on_a_thread():
        threads = []

        class Cycle:
            def __init__(self):
                self.me = self
            def __del__(self):
                threads.append(threading.get_ident())

        def make():
            for _ in range(N):
                Cycle()
        worker = threading.Thread(target=make)
        worker.start()
        worker.join()
        if gc.isenabled():
            gc.collect()  # the rest, here
        deadline = time.monotonic() + 10
        while len(threads) < N and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        gui = threading.get_ident()
        return {"finalized": len(threads), "on_gui_thread": sum(t == gui for t in threads)}

    gc.collect()
    if sys.argv[1] == "default":
        gc.enable()
        report = cycles_made_on_a_thread()
    else:
        with garbage_collected_on_gui_thread() as collector:
            report = cycles_made_on_a_thread()
            report["timer_on_gui_thread"] = collector.timer.thread() is app.thread()
        report["gc_enabled_after"] = gc.isenabled()
    print(json.dumps(report))
""")


def _run(mode: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cycles_made_on_another_thread_are_freed_on_the_gui_thread():
    # Python's default: the other thread's allocations start collections there (what crashed).
    default = _run("default")
    assert default["finalized"] == 20_000 and default["on_gui_thread"] < 20_000 // 2
    # Under the application's collector: every cycle is freed by the GUI thread's timer.
    guarded = _run("guarded")
    assert guarded == {"finalized": 20_000, "on_gui_thread": 20_000, "timer_on_gui_thread": True,
                       "gc_enabled_after": True}


def test_the_application_runs_its_event_loop_under_the_collector(qapp, monkeypatch):
    from PySide6.QtWidgets import QApplication
    import designer.app as app_module

    collectors = []

    class Recorded(app_module.GarbageCollector):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            collectors.append(self)

    seen = []

    def fake_exec(app):
        collector = collectors[-1]
        seen.append((gc.isenabled(), collector.timer.isActive(), collector.timer.thread() is app.thread()))
        for window in app.topLevelWidgets():
            if window.isVisible():
                window.close()
        return 0

    monkeypatch.setattr(app_module, "GarbageCollector", Recorded)
    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert app_module.run(["cnn-designer", str(ROOT / "resources" / "presets" / "digits_net.json")]) == 0
    assert seen == [(False, True, True)]
    assert not collectors[-1].timer.isActive()  # stopped when the event loop returned
