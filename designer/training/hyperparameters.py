"""The Hyperparameters box: epochs, batch size, optimizer, learning rate, validation, seed — the next run's
engine.train.TrainSettings, starting from its defaults, with the training aids of the Training aids box
(training_aids.py) it is handed."""
from __future__ import annotations

import math
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QSpinBox

from engine.optim import DEFAULT_LR
from engine.train import TrainSettings

OPTIMIZER_CHOICES = (
    ("adam", "Adam", "Adam: per-weight step sizes from running averages of the gradient and its square. "
                     "Forgiving; a good first choice (lr 0.001)."),
    ("sgd", "SGD", "Plain gradient descent: w ← w − lr·∂J/∂w on each mini-batch (try lr 0.05)."),
    ("momentum", "SGD + momentum (0.9)", "Gradient descent with heavy-ball momentum 0.9: a velocity "
                                         "that averages recent gradients (try lr 0.05)."),
)


class LearningRateSpinBox(QDoubleSpinBox):
    """A learning-rate box: shows 0.001 / 1e-05 / 1e+06 as typed, steps along 1-2-5 per decade."""

    NICE = (1.0, 2.0, 5.0)
    _PARTIAL = re.compile(r"^[+]?(\d+\.?\d*|\.\d*)?([eE][+-]?\d*)?$")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(1e-6, 1e6)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        stripped = text.strip()
        try:
            value = float(stripped)
        except ValueError:
            state = QValidator.State.Intermediate if self._PARTIAL.match(stripped) else QValidator.State.Invalid
            return state, text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def fixup(self, text: str) -> str:
        return self.textFromValue(self.value())

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            value = self._next(value, up=steps > 0)
        self.setValue(min(max(value, self.minimum()), self.maximum()))

    def _next(self, value: float, up: bool) -> float:
        decade = math.floor(math.log10(value))
        candidates = sorted(m * 10.0 ** d for d in (decade - 1, decade, decade + 1) for m in self.NICE)
        if up:
            bigger = [c for c in candidates if c > value * (1 + 1e-9)]
            return float(f"{bigger[0]:.6g}")
        smaller = [c for c in candidates if c < value * (1 - 1e-9)]
        return float(f"{smaller[-1]:.6g}")

    def sizeHint(self):
        hint = super().sizeHint()
        hint.setWidth(min(hint.width(), 130))
        return hint

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        hint.setWidth(min(hint.width(), 90))
        return hint


class HyperparameterBox(QGroupBox):
    """The settings of the next run: `settings()` gives them as a TrainSettings, the training aids included
    when the box was handed `aids` (an object with `values()` → the aids' TrainSettings fields and a
    `changed` signal: the TrainingAidsBox, shown elsewhere in the column).

    Signal settingsChanged(TrainSettings): after any of them changed (an aid included).
    """

    settingsChanged = Signal(object)

    def __init__(self, aids=None, parent=None):
        super().__init__("Hyperparameters", parent)
        self._aids = aids
        defaults = TrainSettings()
        self.setObjectName("hyperparameterBox")
        form = QFormLayout(self)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(5)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setObjectName("epochsSpin")
        self.epochs_spin.setRange(1, 10_000)
        self.epochs_spin.setValue(defaults.epochs)
        self.epochs_spin.setToolTip("Epochs: full passes over the training images. More epochs fit the "
                                    "training set better; watch the validation curves for overfitting.")
        form.addRow("Epochs", self.epochs_spin)
        self.batch_spin = QSpinBox()
        self.batch_spin.setObjectName("batchSizeSpin")
        self.batch_spin.setRange(1, 65_536)
        self.batch_spin.setValue(defaults.batch_size)
        self.batch_spin.setGroupSeparatorShown(True)
        self.batch_spin.setToolTip("Mini-batch size m: images per gradient step. Smaller batches give more, "
                                   "noisier steps per epoch; larger ones fewer, smoother, and need more memory.")
        form.addRow("Batch size", self.batch_spin)
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName("optimizerCombo")
        for index, (key, title, tip) in enumerate(OPTIMIZER_CHOICES):
            self.optimizer_combo.addItem(title, key)
            self.optimizer_combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        self.optimizer_combo.setToolTip("How the gradients update the weights: SGD, SGD with momentum, or Adam. "
                                        "Changing it resets the learning rate to the optimizer's usual one, "
                                        "unless you typed a rate of your own.")
        form.addRow("Optimizer", self.optimizer_combo)
        self.lr_spin = LearningRateSpinBox()
        self.lr_spin.setObjectName("learningRateSpin")
        self.lr_spin.setValue(defaults.lr)
        self.lr_spin.setToolTip("Learning rate α: the step size. Too small learns slowly; too large makes the "
                                "loss jump around or diverge (NaN). Adam: ~0.001; SGD: ~0.01–0.1. "
                                "The arrows step 1-2-5 per decade; type any value such as 3e-4.")
        form.addRow("Learning rate", self.lr_spin)
        self.validation_spin = QDoubleSpinBox()
        self.validation_spin.setObjectName("validationSpin")
        self.validation_spin.setRange(0.0, 0.9)
        self.validation_spin.setSingleStep(0.05)
        self.validation_spin.setDecimals(2)
        self.validation_spin.setValue(defaults.validation_fraction)
        self.validation_spin.setToolTip("Validation fraction: the share of the training images held out "
                                        "(never trained on) to measure the validation loss and accuracy "
                                        "after each epoch. 0 turns validation off.")
        form.addRow("Validation", self.validation_spin)
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("seedSpin")
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(defaults.seed)
        self.seed_spin.setToolTip("Random seed for the initial weights, the validation split, the batch "
                                  "order and the dropout masks: the same seed and settings give the same run.")
        form.addRow("Seed", self.seed_spin)
        # The rate is "on purpose" once the user changes it away from the optimizer's usual one; an
        # optimizer change resets only a rate that isn't.
        self.set_optimizer(defaults.optimizer)
        self._optimizer = self.optimizer_combo.currentData()
        self._lr_on_purpose = False
        self._setting_default = False
        self.lr_spin.valueChanged.connect(self._on_lr_changed)
        self.optimizer_combo.currentIndexChanged.connect(self._on_optimizer_changed)
        for spin in (self.epochs_spin, self.batch_spin, self.lr_spin, self.validation_spin, self.seed_spin):
            spin.valueChanged.connect(self._emit_settings)
        self.optimizer_combo.currentIndexChanged.connect(self._emit_settings)
        if aids is not None:
            aids.changed.connect(self._emit_settings)

    def settings(self) -> TrainSettings:
        """The next run's settings as shown (with the aids' when the box has them)."""
        aids = self._aids.values() if self._aids is not None else {}
        return TrainSettings(epochs=self.epochs_spin.value(), batch_size=self.batch_spin.value(),
                             optimizer=self.optimizer_combo.currentData(), learning_rate=self.lr_spin.value(),
                             validation_fraction=round(self.validation_spin.value(), 4),
                             seed=self.seed_spin.value(), **aids)

    def _emit_settings(self, *args) -> None:
        self.settingsChanged.emit(self.settings())

    def optimizer_title(self) -> str:
        return self.optimizer_combo.currentText()

    def set_optimizer(self, key: str) -> None:
        index = self.optimizer_combo.findData(key)
        if index < 0:
            raise ValueError(f"unknown optimizer {key!r}")
        self.optimizer_combo.setCurrentIndex(index)

    @property
    def learning_rate_on_purpose(self) -> bool:
        """The user chose the rate (an optimizer change keeps it)."""
        return self._lr_on_purpose

    def usual_learning_rate(self) -> float:
        """The current optimizer's usual rate (engine.optim.DEFAULT_LR)."""
        return DEFAULT_LR[self.optimizer_combo.currentData()]

    def reset_learning_rate(self) -> None:
        """Back to the optimizer's usual rate (and no longer "on purpose")."""
        self._setting_default = True
        try:
            self.lr_spin.setValue(self.usual_learning_rate())
        finally:
            self._setting_default = False
        self._lr_on_purpose = False

    def _on_lr_changed(self, value: float) -> None:
        if not self._setting_default:
            self._lr_on_purpose = not math.isclose(value, DEFAULT_LR[self._optimizer])

    def _on_optimizer_changed(self, index: int) -> None:
        self._optimizer = self.optimizer_combo.itemData(index)
        if not self._lr_on_purpose:
            self.reset_learning_rate()
