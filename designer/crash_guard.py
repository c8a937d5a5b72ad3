"""The application-level exception hook: an exception that escapes a slot (or a Python thread) is logged
and shown, and the window stays up with the design as it was.

PySide6 reports an exception raised in a slot or a virtual override (paintEvent, ...) through
`sys.excepthook` and carries on; Python threads report theirs through `threading.excepthook`. `CrashGuard`
takes both: it appends the traceback to `crash.log` in the user's data folder (capped at MAX_LOG_BYTES;
the older half is dropped when it grows past that) and shows a dialog with the one-line message, a "Copy
details" button (the traceback to the clipboard) and the log's path. A thread's exception is shown on the
GUI thread (a queued signal). A MemoryError — what the checks before each allocation did not foresee — is
logged the same way but shown as what it is: "Not enough memory", with what to make smaller.

The user's data folder is `<GenericDataLocation>/CNN Designer` (on Linux ~/.local/share/CNN Designer, which
follows XDG_DATA_HOME — how the tests keep out of the real home). It does not depend on the
QCoreApplication's organisation and application names, so the same folder is used by `designer.app.run`,
scripts and tests, before or after the names are set.
"""
from __future__ import annotations

import datetime
import os
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from engine.fileio import atomic_write

from .settings import APPLICATION

LOG_NAME = "crash.log"
MAX_LOG_BYTES = 512 * 1024
MEMORY_MESSAGE = ("Not enough memory: this needed more than the machine (or its limits, or "
                  "CNN_DESIGNER_MEMORY_LIMIT) could give. Try a smaller batch size, dataset or design, or close "
                  "other programs.")


def data_folder() -> Path:
    """The user's data folder for CNN Designer (crash log, autosave); made by whoever first writes there."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(base) / APPLICATION


def one_line(exc: BaseException) -> str:
    """"ZeroDivisionError: division by zero" — the exception's type and its message's first line."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def append_to_log(path: Path, text: str, limit: int = MAX_LOG_BYTES) -> None:
    """Append `text` to the log at `path`; when the log has grown past `limit` bytes, keep only its newer
    half (rewritten atomically, so a crash while trimming never loses the whole log)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8", errors="replace") as handle:
        handle.write(text)
    if path.stat().st_size > limit:
        data = path.read_bytes()[-(limit // 2):]
        cut = data.find(b"\n=====")     # start the kept half at an entry
        atomic_write(path, lambda handle: handle.write(data[cut + 1:] if cut >= 0 else data), binary=True)


class CrashGuard(QObject):
    """Catches what escapes the event loop: `install()` replaces sys.excepthook and threading.excepthook,
    `uninstall()` puts the previous ones back. `handled` counts the exceptions it took."""

    # (message, details, out of memory): a worker thread's exception, shown on the GUI thread
    _from_thread = Signal(str, str, bool)

    def __init__(self, log_path: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.log_path = Path(log_path) if log_path is not None else data_folder() / LOG_NAME
        self.handled = 0
        self._showing = False
        self._previous = None
        self._from_thread.connect(self._show_safely)

    # ----- hooks ------------------------------------------------------------------------------------
    def install(self) -> "CrashGuard":
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def excepthook(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):   # Ctrl+C in the terminal still ends the program
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.handle(exc, tb)

    def thread_excepthook(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        self.handle(args.exc_value if args.exc_value is not None else args.exc_type(), args.exc_traceback,
                    where=f"in {name}")

    # ----- what happens to an exception -------------------------------------------------------------
    def handle(self, exc: BaseException, tb=None, where: str = "") -> None:
        """Log `exc` with its traceback and show it (at once on the GUI thread, else queued to it)."""
        self.handled += 1
        details = "".join(traceback.format_exception(type(exc), exc, tb))
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        try:
            append_to_log(self.log_path, f"===== {stamp} {where}\n{details}\n")
        except OSError as log_error:   # a full disk must not turn one problem into two
            details += f"\n(could not write {self.log_path}: {log_error.strerror or log_error})"
        if sys.__stderr__ is not None:   # also where a developer running from a terminal looks
            sys.__stderr__.write(details)
        memory = isinstance(exc, MemoryError)
        message = MEMORY_MESSAGE if memory else one_line(exc)
        app = QApplication.instance()
        if app is not None and QThread.currentThread() is not app.thread():
            self._from_thread.emit(message, details, memory)
        else:
            self._show_safely(message, details, memory)

    def _show_safely(self, message: str, details: str, memory: bool = False) -> None:
        # One dialog at a time: an exception raised again while it is open (e.g. in every paint) is only
        # logged, instead of stacking dialogs.
        if self._showing or QApplication.instance() is None:
            return
        self._showing = True
        try:
            if memory:
                self.show_memory_dialog(message)
            else:
                self.show_dialog(message, details)
        except Exception:  # noqa: BLE001 - the hook itself must never raise
            pass
        finally:
            self._showing = False

    def show_dialog(self, message: str, details: str) -> None:
        """The dialog (tests replace this method): the message, where the log is, "Copy details"."""
        parent = QApplication.activeWindow()
        box = QMessageBox(QMessageBox.Icon.Critical, "Something went wrong",
                          f"CNN Designer ran into a problem it did not expect:\n\n{message}", parent=parent)
        box.setInformativeText("Your design is still open and you can keep working (saving it now is a good "
                               f"idea). The details were written to\n{os.fspath(self.log_path)}")
        copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Ok)
        box.exec()
        if box.clickedButton() is copy:
            copy_details(details)


    def show_memory_dialog(self, message: str) -> None:
        """The out-of-memory dialog (tests replace this method): what happened and what to make smaller."""
        QMessageBox.warning(QApplication.activeWindow(), "Not enough memory",
                            f"{message}\n\nYour design is still open. (Logged in {os.fspath(self.log_path)})")


def copy_details(details: str) -> None:
    """Put the traceback on the clipboard (for a bug report)."""
    QApplication.clipboard().setText(details)


def install_crash_guard(parent: QObject | None = None) -> CrashGuard:
    """Create the guard (logging to the user's data folder) and install its hooks."""
    return CrashGuard(parent=parent).install()
