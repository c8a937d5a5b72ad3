"""The Result box: the test accuracy of the last run or evaluation, and which run (or weights) on which
dataset it belongs to."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout

from .text import MUTED_STYLE, number
from .worker import TrainingResult

NO_RESULT = "Test accuracy: —"


class ResultBox(QGroupBox):
    def __init__(self, parent=None):
        super().__init__("Result", parent)
        self.setObjectName("resultBox")
        layout = QVBoxLayout(self)
        self.test_label = QLabel(NO_RESULT)
        self.test_label.setObjectName("testAccuracyLabel")
        big = self.test_label.font()
        big.setPointSizeF(big.pointSizeF() * 1.25)
        big.setBold(True)
        self.test_label.setFont(big)
        self.test_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.test_label)
        self.source_label = QLabel()
        self.source_label.setObjectName("resultSourceLabel")
        self.source_label.setWordWrap(True)
        self.source_label.setStyleSheet(MUTED_STYLE)
        layout.addWidget(self.source_label)
        self.clear()

    def clear(self) -> None:
        self.test_label.setText(NO_RESULT)
        self.test_label.setToolTip("Accuracy on the dataset's test images, which training never sees")
        self.source_label.setText("")
        self.source_label.setVisible(False)

    def show_result(self, result: TrainingResult, source: str = "") -> None:
        """The result's accuracy; `source` says whose it is: "run 3 on shapes", "weights.npz on digits"."""
        if not result.has_test_result:
            self.clear()
            return
        self.test_label.setText(f"Test accuracy: {100 * result.test_accuracy:.1f} % "
                                f"({result.test_correct:,} / {result.test_count:,})")
        self.test_label.setToolTip(f"On {result.test_count:,} test images the network never trained on; "
                                   f"test loss {number(result.test_loss)}")
        self.source_label.setText(source[:1].upper() + source[1:])
        self.source_label.setVisible(bool(source))
