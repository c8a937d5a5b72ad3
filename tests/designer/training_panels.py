"""A Train tab on its own, shown, for the Train tab's tests; every one made here is shut down after its test
(`conftest.shut_down_training_panels`) and must leave no thread or dataset read behind."""
from __future__ import annotations

from engine import load_spec
from engine.resources import preset_path

from designer.document import DesignDocument
from designer.training import TrainTab

OPEN_PANELS: list = []


def make_panel(qtbot, preset: str = "lenet5"):
    """(document, panel) for a preset's design, the panel 1100×760 and shown."""
    document = DesignDocument(load_spec(preset_path(preset)))
    panel = TrainTab(document)
    panel._test_document = document
    OPEN_PANELS.append(panel)
    qtbot.addWidget(panel)
    panel.resize(1100, 760)
    panel.show()
    return document, panel
