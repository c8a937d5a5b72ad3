"""The Training aids box: the learning-rate schedule and warm-up, weight decay, early stopping and data
augmentation of the next run — the training-aid fields of engine.train.TrainSettings, all off at first.

The box folds to one line (what is on) so that the Train tab's essentials stay on screen in a small
window; "Show" opens the settings. It only gathers values: `values()` gives the TrainSettings fields and
`changed` says when one changed; the Hyperparameters box puts them into the run's TrainSettings.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QSpinBox, QToolButton, QVBoxLayout, QWidget)

from engine.augment import Augmentation
from engine.train import TrainSettings

from .hyperparameters import LearningRateSpinBox
from .text import MUTED_STYLE

SCHEDULE_CHOICES = (
    ("constant", "Constant", "The same learning rate in every epoch."),
    ("step", "Step", "Multiply the rate by γ every N epochs: lr·γ^⌊e/N⌋ (e counted from 0)."),
    ("cosine", "Cosine", "Lower the rate along half a cosine, from lr in the first epoch towards 0 in the "
                         "last: lr·(1 + cos(π·e/E))/2 for epoch e of E, counted from 0."),
)


class WeightDecaySpinBox(LearningRateSpinBox):
    """Weight decay: 0 (off) or a rate such as 5e-4, typed as it is; the arrows step 1-2-5 per decade
    and go from the smallest step down to 0."""

    SMALLEST = 1e-5

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setRange(0.0, 1.0)
        self.setSpecialValueText("off")

    def textFromValue(self, value: float) -> str:
        return "off" if value == 0 else super().textFromValue(value)

    def valueFromText(self, text: str) -> float:
        return 0.0 if text.strip().lower() == "off" else super().valueFromText(text)

    def validate(self, text: str, pos: int):
        if "off".startswith(text.strip().lower()) and text.strip():
            return super().validate("0", 1)[0], text, pos
        return super().validate(text, pos)

    def _next(self, value: float, up: bool) -> float:
        if value <= 0:
            return self.SMALLEST if up else 0.0
        if not up and value <= self.SMALLEST * (1 + 1e-9):
            return 0.0
        return super()._next(value, up)


def _spin(name: str, maximum: int, off: str, suffix: str, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(0, maximum)
    spin.setSpecialValueText(off)     # 0 shows as "off"
    spin.setSuffix(suffix)
    spin.setToolTip(tip)
    return spin


class TrainingAidsBox(QGroupBox):
    """The training aids of the next run (objectName ``trainingAidsBox``), folded to a summary line at first.

    Signal changed(): after any aid changed. `values()` → the TrainSettings fields of the aids.
    """

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__("Training aids", parent)
        self.setObjectName("trainingAidsBox")
        defaults = TrainSettings()
        layout = QVBoxLayout(self)
        layout.setSpacing(4)
        header = QHBoxLayout()
        self.summary_label = QLabel()
        self.summary_label.setObjectName("trainingAidsSummary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet(MUTED_STYLE)
        header.addWidget(self.summary_label, 1)
        self.toggle_button = QToolButton()
        self.toggle_button.setObjectName("trainingAidsToggle")
        self.toggle_button.setCheckable(True)
        self.toggle_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle_button.setToolTip("Show or hide the training aids: learning-rate schedule, weight decay, "
                                      "early stopping and data augmentation")
        self.toggle_button.toggled.connect(self.set_expanded)
        header.addWidget(self.toggle_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(header)

        self.body = QWidget()
        self.body.setObjectName("trainingAidsSettings")
        form = self.form = QFormLayout(self.body)
        form.setContentsMargins(0, 0, 0, 0)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(5)
        layout.addWidget(self.body)

        self.schedule_combo = QComboBox()
        self.schedule_combo.setObjectName("lrScheduleCombo")
        for index, (key, title, tip) in enumerate(SCHEDULE_CHOICES):
            self.schedule_combo.addItem(title, key)
            self.schedule_combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        self.schedule_combo.setToolTip("Learning-rate schedule: how the rate changes from epoch to epoch. "
                                       "Constant keeps it; Step multiplies it by γ every N epochs; Cosine "
                                       "lowers it smoothly towards 0 by the last epoch. Big steps early, "
                                       "small steps late settle into a minimum.")
        form.addRow("Schedule", self.schedule_combo)
        self.step_spin = QSpinBox()
        self.step_spin.setObjectName("lrStepSpin")
        self.step_spin.setRange(1, 100_000)
        self.step_spin.setPrefix("every ")
        self.step_spin.setSuffix(" epochs")
        self.step_spin.setToolTip("Step schedule: the number of epochs N between two decays of the rate")
        self.gamma_spin = QDoubleSpinBox()
        self.gamma_spin.setObjectName("lrGammaSpin")
        self.gamma_spin.setRange(0.001, 1.0)
        self.gamma_spin.setDecimals(3)
        self.gamma_spin.setSingleStep(0.05)
        self.gamma_spin.setPrefix("× ")
        self.gamma_spin.setToolTip("Step schedule: the factor γ each decay multiplies the rate by "
                                   "(0.1: ten times smaller; 1: no change)")
        step_row = QHBoxLayout()
        step_row.setContentsMargins(0, 0, 0, 0)
        step_row.addWidget(self.step_spin, 3)
        step_row.addWidget(self.gamma_spin, 2)
        self._step_row = QWidget()
        self._step_row.setLayout(step_row)
        form.addRow("Step", self._step_row)
        self.warmup_spin = _spin("warmupSpin", 100_000, "off", " epochs",
                                 "Warm-up: raise the rate linearly over the first W epochs, lr·(e+1)/(W+1), "
                                 "so that the first steps of fresh random weights stay small; the schedule "
                                 "starts after them. Fewer warm-up epochs than epochs.")
        form.addRow("Warm-up", self.warmup_spin)
        self.decay_spin = WeightDecaySpinBox()
        self.decay_spin.setObjectName("weightDecaySpin")
        self.decay_spin.setToolTip("Weight decay: pull every weight towards 0 a little at each step, so the "
                                   "network can't lean on a few huge weights to memorise the training images. "
                                   "L2 (added to the gradient) for SGD and momentum; decoupled (AdamW) for "
                                   "Adam. Biases are not decayed. Try 5e-4 for SGD, 0.01–0.1 for Adam.")
        form.addRow("Weight decay", self.decay_spin)
        self.early_stopping_spin = _spin("earlyStoppingSpin", 10_000, "off", " epochs",
                                         "Early stopping: after each epoch, compare the validation loss with "
                                         "the lowest so far; after this many epochs without a lower one, stop, "
                                         "and keep the weights of the best epoch (those are saved and tested). "
                                         "Needs a validation fraction above 0, and keeps one more copy of "
                                         "the weights in memory.")
        form.addRow("Early stopping", self.early_stopping_spin)
        augmentation = QLabel("Augmentation (training images only)")
        augmentation.setObjectName("augmentationHeading")
        augmentation.setWordWrap(True)
        augmentation.setStyleSheet(MUTED_STYLE)
        form.addRow(augmentation)
        self.flip_check = QCheckBox("Mirror left-right")
        self.flip_check.setObjectName("augmentFlipCheck")
        self.flip_check.setToolTip("Augmentation: mirror each training image left-right with probability ½. "
                                   "Only for pictures that mean the same mirrored: a mirrored digit is another "
                                   "digit.")
        form.addRow("Flip", self.flip_check)
        self.shift_spin = _spin("augmentShiftSpin", 64, "off", " px",
                                "Augmentation: move each training image by up to K pixels up/down and "
                                "left/right, the uncovered border filled with 0, so the network learns "
                                "that a small move doesn't change the class.")
        self.shift_spin.setPrefix("up to ")
        form.addRow("Shift", self.shift_spin)
        self.crop_spin = _spin("augmentCropSpin", 64, "off", " px padding",
                               "Augmentation: pad each training image by P pixels on every side (mirroring the "
                               "edge), then cut a random window of the original size: a random crop.")
        form.addRow("Crop", self.crop_spin)
        self.color_spin = _spin("augmentColorSpin", 255, "off", " of 255",
                                "Augmentation: add a random amount within ±C (on the 0..255 scale) to each "
                                "colour channel of an RGB training image, so small colour changes don't "
                                "change the class. RGB images only.")
        self.color_spin.setPrefix("± ")
        form.addRow("Colour", self.color_spin)

        self.set_values(defaults)
        self.schedule_combo.currentIndexChanged.connect(self._on_changed)
        for spin in (self.step_spin, self.gamma_spin, self.warmup_spin, self.decay_spin, self.early_stopping_spin,
                     self.shift_spin, self.crop_spin, self.color_spin):
            spin.valueChanged.connect(self._on_changed)
        self.flip_check.toggled.connect(self._on_changed)
        self.set_expanded(False)
        self._show_summary()

    # ----- values ----------------------------------------------------------------------------------
    def augmentation(self) -> Augmentation:
        return Augmentation(flip=self.flip_check.isChecked(), shift=self.shift_spin.value(),
                            crop=self.crop_spin.value(), color=float(self.color_spin.value()))

    def values(self) -> dict:
        """The TrainSettings fields of the aids as shown: lr_schedule, lr_step, lr_gamma, warmup_epochs,
        weight_decay, early_stopping, augment."""
        return dict(lr_schedule=self.schedule_combo.currentData(), lr_step=self.step_spin.value(),
                    lr_gamma=round(self.gamma_spin.value(), 6), warmup_epochs=self.warmup_spin.value(),
                    weight_decay=float(self.decay_spin.value()), early_stopping=self.early_stopping_spin.value(),
                    augment=str(self.augmentation()))

    def set_values(self, settings: TrainSettings) -> None:
        """Show the aids of `settings` (one `changed` at most per widget that changes)."""
        self.schedule_combo.setCurrentIndex(self.schedule_combo.findData(settings.lr_schedule))
        self.step_spin.setValue(settings.lr_step)
        self.gamma_spin.setValue(settings.lr_gamma)
        self.warmup_spin.setValue(settings.warmup_epochs)
        self.decay_spin.setValue(settings.weight_decay)
        self.early_stopping_spin.setValue(settings.early_stopping)
        augmentation = settings.augmentation
        self.flip_check.setChecked(augmentation.flip)
        self.shift_spin.setValue(augmentation.shift)
        self.crop_spin.setValue(augmentation.crop)
        self.color_spin.setValue(round(augmentation.color))
        self._show_step_row()

    def summary(self) -> str:
        """What is on, in a line: "cosine rate · warm-up 2 · weight decay 0.0005 · early stopping 5 · shift:1"."""
        v = self.values()
        parts = []
        if v["lr_schedule"] == "step":
            parts.append(f"rate × {v['lr_gamma']:g} every {v['lr_step']} epochs")
        elif v["lr_schedule"] == "cosine":
            parts.append("cosine rate")
        if v["warmup_epochs"]:
            parts.append(f"warm-up {v['warmup_epochs']}")
        if v["weight_decay"]:
            parts.append(f"weight decay {v['weight_decay']:g}")
        if v["early_stopping"]:
            parts.append(f"early stopping {v['early_stopping']}")
        if v["augment"]:
            parts.append(f"augment {v['augment']}")
        return " · ".join(parts) if parts else "None: constant rate, nothing added"

    # ----- folding ---------------------------------------------------------------------------------
    @property
    def expanded(self) -> bool:
        return self.toggle_button.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        if self.toggle_button.isChecked() != expanded:
            self.toggle_button.setChecked(expanded)     # comes back here through toggled
            return
        self.body.setVisible(expanded)
        self.toggle_button.setText("Hide" if expanded else "Show")
        self.toggle_button.setArrowType(Qt.ArrowType.UpArrow if expanded else Qt.ArrowType.DownArrow)

    # ----- internals -------------------------------------------------------------------------------
    def _show_step_row(self) -> None:
        self.form.setRowVisible(self._step_row, self.schedule_combo.currentData() == "step")

    def _show_summary(self) -> None:
        self.summary_label.setText(self.summary())

    def _on_changed(self, *args) -> None:
        self._show_step_row()
        self._show_summary()
        self.changed.emit()
