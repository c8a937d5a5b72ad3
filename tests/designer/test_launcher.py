"""How the app presents itself to the desktop: the window icon, the GUI launcher, the .desktop entry."""
import configparser
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

import designer.app
from designer import launcher
from designer.icons import APP_ICON_NAME, app_icon
from designer.design.kind_visuals import COLORS
from engine.resources import resource_path

ROOT = Path(__file__).resolve().parents[2]


def test_app_icon_is_the_volume_stack_in_the_layer_colours(qtbot):
    icon = app_icon()
    assert not icon.isNull()
    image = icon.pixmap(256, 256).toImage()
    assert (image.width(), image.height()) == (256, 256)
    # The front face of the first volume is the conv colour, the corner outside the rounded tile is clear.
    conv = QColor(COLORS["conv"])
    front = image.pixelColor(38, 150)
    assert max(abs(front.red() - conv.red()), abs(front.green() - conv.green()),
               abs(front.blue() - conv.blue())) <= 8
    assert image.pixelColor(1, 1).alpha() == 0


def test_run_sets_the_window_icon_and_desktop_name(qtbot):
    app = QApplication.instance()
    app.setWindowIcon(QApplication.style().standardIcon(QApplication.style().StandardPixmap.SP_FileIcon))
    seen = {}

    def look_and_close():
        seen["icon_key"] = app.windowIcon().cacheKey()
        seen["desktop"] = app.desktopFileName()
        for window in app.topLevelWidgets():
            window.close()
        app.exit(0)

    QTimer.singleShot(0, look_and_close)
    assert designer.app.run(["cnn-designer"]) == 0
    assert seen["desktop"] == APP_ICON_NAME
    assert seen["icon_key"] != 0 and not app.windowIcon().isNull()
    # The window icon is the bundled one: it renders the conv colour where app_icon() does.
    assert (app.windowIcon().pixmap(256, 256).toImage().pixelColor(38, 150)
            == app_icon().pixmap(256, 256).toImage().pixelColor(38, 150))


def test_gui_launcher_opens_the_window_with_the_given_design(monkeypatch):
    calls = []
    monkeypatch.setattr(designer.app, "run", lambda argv: calls.append(argv) or 0)
    assert launcher.gui_main(["my_net.json"]) == 0
    assert calls[0][1:] == ["my_net.json"]


def test_desktop_entry_launches_the_gui_script_with_the_bundled_icon():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(resource_path("cnn-designer.desktop"), encoding="utf-8")
    desktop = entry["Desktop Entry"]
    gui_scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["gui-scripts"]
    assert desktop["Type"] == "Application" and desktop["Terminal"] == "false"
    assert desktop["Exec"].split()[0] in gui_scripts
    assert gui_scripts[desktop["Exec"].split()[0]] == "designer.launcher:gui_main"
    assert desktop["Icon"] == APP_ICON_NAME and resource_path("icons", APP_ICON_NAME + ".svg").is_file()
    assert set(desktop["Categories"].rstrip(";").split(";")) == {"Education", "Science"}
