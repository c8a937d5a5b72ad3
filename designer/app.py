"""Start the designer: `run()` creates the application (if needed) and shows the window."""
from __future__ import annotations

import contextlib
import gc
import sys
from typing import Iterator

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtWidgets import QApplication

from .settings import APPLICATION, ORGANIZATION


#: How often the GUI thread collects garbage cycles (seconds) while automatic collection is off.
GC_INTERVAL_S = 0.25


@contextlib.contextmanager
def garbage_collected_on_gui_thread(interval_s: float = GC_INTERVAL_S) -> Iterator[GarbageCollector]:
    """Python's cyclic garbage collector runs only on the GUI thread while this is entered.

    Any allocation may start an automatic collection, so on the training thread one could free
    garbage cycles that hold Qt objects (pyqtgraph's Python-owned menus, removed plot items, a
    closed window); Qt objects must die on their own thread, and here such collections deadlocked
    or crashed a later paint. pyqtgraph's GarbageCollector turns automatic collection off and
    collects by the usual thresholds from a timer on the thread that enters (call this on the GUI
    thread, with the QApplication made). On leaving, the timer stops and automatic collection comes
    back if it was on before.
    """
    was_enabled = gc.isenabled()
    collector = GarbageCollector(interval=interval_s)
    try:
        yield collector
    finally:
        collector.timer.stop()
        if was_enabled:
            gc.enable()


def run(argv: list[str] | None = None) -> int:
    """Show the main window and run the event loop; returns the exit code.

    argv: Qt's command-line arguments (default sys.argv); a trailing path to a .json file (or an .onnx
    model) opens it.
    """
    argv = list(sys.argv if argv is None else argv)
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or ["cnn-designer"])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)

    from .icons import APP_ICON_NAME, app_icon
    app.setWindowIcon(app_icon())
    app.setDesktopFileName(APP_ICON_NAME)  # Wayland matches the window to resources/cnn-designer.desktop

    from .crash_guard import install_crash_guard

    # An exception escaping a slot is logged and shown; the window and its design stay.
    guard = install_crash_guard(app)
    try:
        return _show_window(argv)
    finally:
        guard.uninstall()


def _show_window(argv: list[str]) -> int:
    """Create the window, restore unsaved work or open what argv names, and run the event loop."""
    from .main_window import MainWindow  # after QApplication: icons and fonts need it
    from .settings import KEY_GEOMETRY, app_settings

    app = QApplication.instance()
    first_run = not app_settings().contains(KEY_GEOMETRY)
    window = MainWindow()
    # Unsaved work of a session that crashed or was killed comes first; a file named on the command
    # line would replace it, so it is opened only when nothing was restored.
    restored = window.autosave.offer_restore()
    files = [arg for arg in argv[1:] if arg.lower().endswith((".json", ".onnx"))]
    if files and not restored:
        window.files.open_file(files[-1])
    elif first_run and not restored:
        # A newcomer's first sight is the course's own table, not an empty design.
        window.files.load_preset("lenet5")
    window.show()
    with garbage_collected_on_gui_thread():
        return app.exec()
