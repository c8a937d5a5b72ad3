"""CI: open the installed app's window offscreen, check it, close it. Exit status 0 only if all is well.

Run with the Python of a venv that has the wheel installed, from a folder outside the checkout:
the window must come from site-packages and show LeNet-5 from the bundled presets, with the app icon.
"""
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

import designer  # noqa: E402
from designer.app import run  # noqa: E402

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
problems = []


def inspect_and_close() -> None:
    app = QApplication.instance()
    windows = [w for w in app.topLevelWidgets() if w.objectName() == "mainWindow" and w.isVisible()]
    if len(windows) != 1:
        problems.append(f"expected one visible main window, found {len(windows)}")
        app.exit(1)
        return
    window = windows[0]
    if not window.files.load_preset("lenet5"):
        problems.append("the lenet5 preset did not load")
    app.processEvents()
    params = window.findChild(QLabel, "totalParamsLabel").text()
    if "62,958" not in params:
        problems.append(f"parameter count shows {params!r}, expected 62,958")
    if app.windowIcon().isNull():
        problems.append("the application icon is missing")
    window.close()


if os.path.abspath(designer.__file__).startswith(CHECKOUT + os.sep):
    sys.exit(f"window smoke: designer was imported from the checkout ({designer.__file__}), not the install")
QTimer.singleShot(0, inspect_and_close)
status = run(["cnn-designer"])
if problems or status != 0:
    sys.exit("window smoke: " + "; ".join(problems or [f"event loop exited with {status}"]))
print(f"window smoke: LeNet-5 shown from {os.path.dirname(designer.__file__)}, icon set, closed cleanly")
