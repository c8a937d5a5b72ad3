"""The Train tab: choose a dataset, set hyperparameters, train on a thread, watch the curves.

The panel reads the design from the document and never edits it, except through the document's own
undoable methods (set_input_shape for "Use dataset's shape", replace_spec when loaded weights bring
their own design). Whether the design can train is decided by the engine: `summarize(spec).ok`,
`output_kind(spec)` and `check_dataset_fits(spec, dataset)`; their messages are shown as they are.

Training runs on a copy of the spec taken at Start (see worker.py); the widgets change only in slots
that run on the GUI thread, and the plots redraw from a timer (see plots.py).
"""
from __future__ import annotations

import logging
import math
import re
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QFrame, QGroupBox, QHBoxLayout, QLabel, QMessageBox, QPlainTextEdit,
                               QProgressBar, QPushButton, QScrollArea, QSizePolicy, QSpinBox, QSplitter,
                               QVBoxLayout, QWidget)

from engine.data import BUILTIN_DATASETS, Dataset, DatasetError, load_dataset
from engine.network import Network, output_kind
from engine.shapes import summarize
from engine.spec import InputSpec, NetworkSpec, SpecError
from engine.train import check_dataset_fits

from .plots import TrainingPlots, make_plot_widget
from .worker import TrainingJob, TrainingResult, TrainingSession

log = logging.getLogger(__name__)

ADAM_DEFAULT_LR = 0.001
SGD_DEFAULT_LR = 0.05
OPTIMIZER_CHOICES = (
    ("adam", "Adam", "Adam: per-weight step sizes from running averages of the gradient and its square. "
                     "Forgiving; a good first choice (lr 0.001)."),
    ("sgd", "SGD", "Plain gradient descent: w ← w − lr·∂J/∂w on each mini-batch (try lr 0.05)."),
    ("momentum", "SGD + momentum (0.9)", "Gradient descent with heavy-ball momentum 0.9: a velocity "
                                         "that averages recent gradients (try lr 0.05)."),
)
BUILTIN_TITLES = {"digits": "Digits (built-in)", "shapes": "Shapes (built-in)"}
COPY_NOTE_IDLE = "Train uses a copy of the design taken at Start; edits apply to the next run."
COPY_NOTE_RUNNING = "Training a copy of the design taken at Start; edits apply to the next run."

ERROR_STYLE = "color: #b3261e;"
WARN_STYLE = "color: #8a5300;"
OK_STYLE = "color: #1b6e20;"
MUTED_STYLE = "color: #666;"

try:  # the window's settings file (designer/settings.py); a plain QSettings when used on its own
    from designer import settings as _cfg

    def _settings() -> QSettings:
        return _cfg.app_settings()
    _KEY_LAST_DIR = _cfg.KEY_LAST_DIR
except ImportError:  # pragma: no cover
    def _settings() -> QSettings:
        return QSettings()
    _KEY_LAST_DIR = "files/lastDirectory"


# --------------------------------------------------------------------------------------------- widgets

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
        candidates = [m * 10.0 ** d for d in (decade - 1, decade, decade + 1) for m in self.NICE]
        candidates.sort()
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


class _WindowCloseWatcher(QObject):
    """Calls back when the watched top-level window has really closed (its close was not refused)."""

    def __init__(self, callback, parent=None):
        super().__init__(parent)
        self._callback = callback
        self._window: Optional[QWidget] = None

    def watch(self, window: QWidget) -> None:
        if window is self._window:
            return
        if self._window is not None:
            try:
                self._window.removeEventFilter(self)
            except RuntimeError:
                pass
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Close and watched is self._window:
            # The window's own closeEvent may still refuse (unsaved changes): look once it has decided.
            QTimer.singleShot(0, self._check)
        return False

    def _check(self) -> None:
        window = self._window
        try:
            if window is not None and not window.isVisible():
                self._callback()
        except RuntimeError:  # the window is already gone
            pass


def _format_seconds(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        return "…"
    if seconds < 9.95:
        return f"{seconds:.1f} s"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}:{seconds:02d}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %" if math.isfinite(value) else "—"


def _number(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) else "—"


def _same_design(a: NetworkSpec, b: NetworkSpec) -> bool:
    """The same layers and input (the design's display name doesn't matter for weights)."""
    da, db = a.to_dict(), b.to_dict()
    da.pop("name", None)
    db.pop("name", None)
    return da == db


# ----------------------------------------------------------------------------------------------- panel

class TrainingPanel(QWidget):
    """The Train tab for a DesignDocument (needs `spec`, `changed`, `set_input_shape`; uses
    `replace_spec` and `undo_stack` when present).

    Signals (all emitted on the GUI thread):
        training_started(int run_id)
        training_paused(), training_resumed()   when the worker has actually parked / continued
        training_finished(object)   a TrainingResult; every training run ends with exactly one,
                                    whatever its status ("completed", "stopped", "diverged", "failed")
        evaluation_finished(object) a TrainingResult with status "evaluated" (or "failed")
        training_failed(str)        an exception in the worker, as a message (also in the panel)
        network_updated(object)     a Network: a snapshot after every epoch, the final network when a
                                    run ends, the loaded one after Load weights
        dataset_changed(object)     the Dataset now chosen
    """

    training_started = Signal(int)
    training_paused = Signal()
    training_resumed = Signal()
    training_finished = Signal(object)
    evaluation_finished = Signal(object)
    training_failed = Signal(str)
    network_updated = Signal(object)
    dataset_changed = Signal(object)

    def __init__(self, document, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.document = document
        self._dataset: Optional[Dataset] = None
        self._dataset_key: Optional[str] = None
        self._datasets: dict[str, Dataset] = {}
        self._network: Optional[Network] = None
        self._network_source = ""
        self._session: Optional[TrainingSession] = None
        self._run_kind = ""                 # "train" | "evaluate" while a session runs
        self._run_counter = 0
        self._paused = False
        self._stopping = False
        self._design_edited_during_run = False
        self._can_train = False
        self._last_result: Optional[TrainingResult] = None
        self._dataset_error = ""
        # The session reference lives in a plain list that a lambda holds: if the widget is destroyed
        # (its window deleted) mid-run, the destroyed signal still reaches the thread to stop and join.
        self._session_box: list = [None]
        box = self._session_box
        self.destroyed.connect(lambda *_: _shutdown_box(box))
        self._close_watcher = _WindowCloseWatcher(self.shutdown, self)

        self._build()
        self._connect()
        self._fill_datasets()
        self.set_dataset("digits")
        self._refresh()

    # ================================================================================ construction
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.setSpacing(8)

        # ----- left column: settings and controls, scrollable when the window is short
        side = QWidget()
        side.setObjectName("trainingSide")
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 6, 0)
        column.setSpacing(8)

        data_box = QGroupBox("Dataset")
        data_layout = QVBoxLayout(data_box)
        data_layout.setSpacing(6)
        row = QHBoxLayout()
        self.dataset_combo = QComboBox()
        self.dataset_combo.setObjectName("datasetCombo")
        self.dataset_combo.setToolTip("The images to train on. Digits: 1,797 real 8×8 grey handwritten digits. "
                                      "Shapes: generated 32×32 colour circles, squares, triangles and crosses. "
                                      "Open… reads an .npz with x_train, y_train, x_test, y_test.")
        self.dataset_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset_combo.setMinimumContentsLength(14)
        row.addWidget(self.dataset_combo, 1)
        self.open_dataset_button = QPushButton("Open…")
        self.open_dataset_button.setObjectName("openDatasetButton")
        self.open_dataset_button.setToolTip("Open a dataset file (.npz with x_train, y_train, x_test, y_test "
                                            "and optionally class_names)")
        row.addWidget(self.open_dataset_button)
        data_layout.addLayout(row)
        self.dataset_info = QLabel()
        self.dataset_info.setObjectName("datasetInfoLabel")
        self.dataset_info.setWordWrap(True)
        self.dataset_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        data_layout.addWidget(self.dataset_info)
        self.fit_label = QLabel()
        self.fit_label.setObjectName("fitMessageLabel")
        self.fit_label.setWordWrap(True)
        self.fit_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        data_layout.addWidget(self.fit_label)
        self.use_shape_button = QPushButton("Use dataset's shape")
        self.use_shape_button.setObjectName("useDatasetShapeButton")
        self.use_shape_button.setToolTip("Set the design's input layer to the dataset's image shape "
                                         "(one undoable edit)")
        data_layout.addWidget(self.use_shape_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.use_classes_button = QPushButton("Use dataset's classes")
        self.use_classes_button.setObjectName("useDatasetClassesButton")
        self.use_classes_button.setToolTip("Set the softmax output layer's units to the dataset's number of "
                                           "classes (one undoable edit)")
        data_layout.addWidget(self.use_classes_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(data_box)

        hyper_box = QGroupBox("Hyperparameters")
        self.hyper_box = hyper_box
        form = QFormLayout(hyper_box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(5)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setObjectName("epochsSpin")
        self.epochs_spin.setRange(1, 10_000)
        self.epochs_spin.setValue(10)
        self.epochs_spin.setToolTip("Epochs: full passes over the training images. More epochs fit the "
                                    "training set better; watch the validation curves for overfitting.")
        form.addRow("Epochs", self.epochs_spin)
        self.batch_spin = QSpinBox()
        self.batch_spin.setObjectName("batchSizeSpin")
        self.batch_spin.setRange(1, 65_536)
        self.batch_spin.setValue(64)
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
                                        "Changing between Adam and SGD swaps a default learning rate.")
        form.addRow("Optimizer", self.optimizer_combo)
        self.lr_spin = LearningRateSpinBox()
        self.lr_spin.setObjectName("learningRateSpin")
        self.lr_spin.setValue(ADAM_DEFAULT_LR)
        self.lr_spin.setToolTip("Learning rate α: the step size. Too small learns slowly; too large makes the "
                                "loss jump around or diverge (NaN). Adam: ~0.001; SGD: ~0.01–0.1. "
                                "The arrows step 1-2-5 per decade; type any value such as 3e-4.")
        form.addRow("Learning rate", self.lr_spin)
        self.validation_spin = QDoubleSpinBox()
        self.validation_spin.setObjectName("validationSpin")
        self.validation_spin.setRange(0.0, 0.9)
        self.validation_spin.setSingleStep(0.05)
        self.validation_spin.setDecimals(2)
        self.validation_spin.setValue(0.1)
        self.validation_spin.setToolTip("Validation fraction: the share of the training images held out "
                                        "(never trained on) to measure the validation loss and accuracy "
                                        "after each epoch. 0 turns validation off.")
        form.addRow("Validation", self.validation_spin)
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("seedSpin")
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(0)
        self.seed_spin.setToolTip("Random seed for the initial weights, the validation split and the batch "
                                  "order: the same seed and settings give the same run.")
        form.addRow("Seed", self.seed_spin)
        self.continue_check = QCheckBox("Continue from current weights")
        self.continue_check.setObjectName("continueCheck")
        self.continue_check.setToolTip("Start from the last trained or loaded weights instead of fresh random "
                                       "ones (only when they belong to the current design)")
        form.addRow(self.continue_check)
        column.addWidget(hyper_box)

        run_box = QGroupBox("Run")
        run_layout = QVBoxLayout(run_box)
        run_layout.setSpacing(6)
        buttons = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("trainButton")
        self.train_button.setDefault(True)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setToolTip("Pause after the current batch; Resume continues where it stopped")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setToolTip("End the run after the current batch; the weights so far are kept "
                                    "(Save weights works)")
        for button in (self.train_button, self.pause_button, self.stop_button):
            button.setMinimumWidth(70)
            buttons.addWidget(button)
        run_layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setObjectName("trainingProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Not started")
        self.progress.setTextVisible(True)
        self.progress.setAlignment(Qt.AlignmentFlag.AlignCenter)
        run_layout.addWidget(self.progress)
        self.status_label = QLabel()
        self.status_label.setObjectName("trainingStatusLabel")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        run_layout.addWidget(self.status_label)
        self.copy_note = QLabel(COPY_NOTE_IDLE)
        self.copy_note.setObjectName("copyNoteLabel")
        self.copy_note.setWordWrap(True)
        note_font = self.copy_note.font()
        note_font.setPointSizeF(note_font.pointSizeF() * 0.9)
        self.copy_note.setFont(note_font)
        self.copy_note.setStyleSheet(MUTED_STYLE)
        run_layout.addWidget(self.copy_note)
        column.addWidget(run_box)

        result_box = QGroupBox("Result")
        result_layout = QVBoxLayout(result_box)
        result_layout.setSpacing(6)
        self.test_label = QLabel("Test accuracy: —")
        self.test_label.setObjectName("testAccuracyLabel")
        big = self.test_label.font()
        big.setPointSizeF(big.pointSizeF() * 1.25)
        big.setBold(True)
        self.test_label.setFont(big)
        self.test_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_label.setToolTip("Accuracy on the dataset's test images, which training never sees")
        result_layout.addWidget(self.test_label)
        self.network_label = QLabel("No trained weights yet")
        self.network_label.setObjectName("networkLabel")
        self.network_label.setWordWrap(True)
        self.network_label.setStyleSheet(MUTED_STYLE)
        result_layout.addWidget(self.network_label)
        files = QHBoxLayout()
        self.save_button = QPushButton("Save weights…")
        self.save_button.setObjectName("saveWeightsButton")
        self.save_button.setToolTip("Save the trained weights with their design in one .npz file")
        self.load_button = QPushButton("Load weights…")
        self.load_button.setObjectName("loadWeightsButton")
        self.load_button.setToolTip("Load weights saved here or by `main.py train --save`, to evaluate "
                                    "them on the dataset or to continue training")
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setObjectName("evaluateButton")
        self.evaluate_button.setToolTip("Measure the current weights on the dataset's test images")
        for button in (self.save_button, self.load_button, self.evaluate_button):
            files.addWidget(button)
        result_layout.addLayout(files)
        column.addWidget(result_box)
        column.addStretch(1)

        scroll = QScrollArea()
        scroll.setObjectName("trainingSideScroll")
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(330)
        scroll.setMaximumWidth(400)
        scroll.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        outer.addWidget(scroll)

        # ----- right: plots and the log
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(4)
        bar = QHBoxLayout()
        self.runs_label = QLabel()
        self.runs_label.setObjectName("runsLabel")
        self.runs_label.setStyleSheet(MUTED_STYLE)
        bar.addWidget(self.runs_label, 1)
        self.clear_button = QPushButton("Clear runs")
        self.clear_button.setObjectName("clearRunsButton")
        self.clear_button.setToolTip("Remove the curves of earlier runs (and of the last run when none is "
                                     "in progress)")
        bar.addWidget(self.clear_button)
        right_layout.addLayout(bar)

        self.loss_plot = make_plot_widget("lossPlot", "Loss", "loss J", "iteration")
        self.accuracy_plot = make_plot_widget("accuracyPlot", "Accuracy", "accuracy", "epoch", units="%")
        self.plots = TrainingPlots(self.loss_plot, self.accuracy_plot, self)
        plots_split = QSplitter(Qt.Orientation.Horizontal)
        plots_split.setObjectName("trainingPlotSplitter")
        plots_split.addWidget(self.loss_plot)
        plots_split.addWidget(self.accuracy_plot)
        plots_split.setStretchFactor(0, 3)
        plots_split.setStretchFactor(1, 2)
        plots_split.setChildrenCollapsible(False)

        self.log_view = QPlainTextEdit()
        self.log_view.setObjectName("trainingLog")
        self.log_view.setReadOnly(True)
        self.log_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.log_view.setMaximumBlockCount(5000)
        self.log_view.setPlaceholderText("One line per epoch appears here.")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(self.font().pointSizeF() * 0.92)
        self.log_view.setFont(mono)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("trainingSplitter")
        split.addWidget(plots_split)
        split.addWidget(self.log_view)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([520, 160])
        split.setChildrenCollapsible(False)
        self.log_view.setMinimumHeight(70)
        right_layout.addWidget(split, 1)
        outer.addWidget(right, 1)

    def _connect(self) -> None:
        self.document.changed.connect(self._on_document_changed)
        self.dataset_combo.activated.connect(self._on_dataset_activated)
        self.open_dataset_button.clicked.connect(self.open_dataset_dialog)
        self.use_shape_button.clicked.connect(self.use_dataset_shape)
        self.use_classes_button.clicked.connect(self.use_dataset_classes)
        self.optimizer_combo.currentIndexChanged.connect(self._on_optimizer_changed)
        self.train_button.clicked.connect(self.start_training)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.clear_button.clicked.connect(self.clear_runs)
        self.save_button.clicked.connect(self.save_weights_dialog)
        self.load_button.clicked.connect(self.load_weights_dialog)
        self.evaluate_button.clicked.connect(self.evaluate)

    # ================================================================================ properties
    @property
    def network(self) -> Optional[Network]:
        """The last trained (or epoch snapshot, or loaded) Network, or None. Don't change its weights."""
        return self._network

    @property
    def dataset(self) -> Optional[Dataset]:
        return self._dataset

    @property
    def is_running(self) -> bool:
        return self._session is not None

    @property
    def is_paused(self) -> bool:
        return self._session is not None and self._paused

    @property
    def training_thread(self):
        """The QThread of the run in progress (None when idle)."""
        return self._session.thread if self._session is not None else None

    @property
    def last_result(self) -> Optional[TrainingResult]:
        return self._last_result

    @property
    def can_train(self) -> bool:
        return self._can_train

    def hyperparameters(self) -> dict:
        return {
            "epochs": self.epochs_spin.value(),
            "batch_size": self.batch_spin.value(),
            "learning_rate": self.lr_spin.value(),
            "optimizer": self.optimizer_combo.currentData(),
            "validation_fraction": round(self.validation_spin.value(), 4),
            "seed": self.seed_spin.value(),
        }

    def set_optimizer(self, key: str) -> None:
        index = self.optimizer_combo.findData(key)
        if index < 0:
            raise ValueError(f"unknown optimizer {key!r}")
        self.optimizer_combo.setCurrentIndex(index)

    # ================================================================================ datasets
    def _fill_datasets(self) -> None:
        for key in BUILTIN_DATASETS:
            self.dataset_combo.addItem(BUILTIN_TITLES.get(key, key), key)

    def set_dataset(self, key_or_path) -> bool:
        """Choose a built-in dataset ("digits", "shapes") or an .npz file; False (and a message) if it
        can't be read. The previous choice stays on failure."""
        key = key_or_path if isinstance(key_or_path, str) and key_or_path in BUILTIN_DATASETS \
            else str(Path(key_or_path).resolve())
        dataset = self._datasets.get(key)
        if dataset is None:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                dataset = load_dataset(key if key in BUILTIN_DATASETS else Path(key))
            except DatasetError as exc:
                self._show_dataset_error(str(exc))
                return False
            except OSError as exc:
                self._show_dataset_error(f"{key}: {exc}")
                return False
            finally:
                QGuiApplication.restoreOverrideCursor()
            self._datasets[key] = dataset
        index = self.dataset_combo.findData(key)
        if index < 0:
            self.dataset_combo.addItem(f"{Path(key).name} (file)", key)
            index = self.dataset_combo.count() - 1
            self.dataset_combo.setItemData(index, key, Qt.ItemDataRole.ToolTipRole)
        self.dataset_combo.setCurrentIndex(index)
        changed = dataset is not self._dataset
        self._dataset, self._dataset_key = dataset, key
        self._dataset_error = ""
        self._show_dataset_info()
        self._refresh()
        if changed:
            self.dataset_changed.emit(dataset)
        return True

    def open_dataset(self, path) -> bool:
        return self.set_dataset(Path(path))

    def open_dataset_dialog(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self, "Open dataset", self._last_dir(),
                                              "NumPy datasets (*.npz);;All files (*)")
        if not path:
            return False
        self._remember_dir(path)
        return self.open_dataset(path)

    def _on_dataset_activated(self, index: int) -> None:
        key = self.dataset_combo.itemData(index)
        if key is not None and not self.set_dataset(key):
            # Back to the dataset still in use.
            previous = self.dataset_combo.findData(self._dataset_key)
            if previous >= 0:
                self.dataset_combo.setCurrentIndex(previous)

    def _show_dataset_info(self) -> None:
        ds = self._dataset
        if ds is None:
            self.dataset_info.setText("No dataset")
            return
        names = list(ds.class_names)
        shown = ", ".join(names[:12]) + (f", … ({len(names)} in all)" if len(names) > 12 else "")
        self.dataset_info.setText(f"{ds.describe()}\nClasses: {shown}")
        self.dataset_info.setStyleSheet("")
        self.dataset_info.setToolTip(repr(ds))

    def _show_dataset_error(self, message: str) -> None:
        self._dataset_error = message
        current = self._dataset.describe() if self._dataset is not None else "no dataset"
        self.dataset_info.setText(f"Could not open the dataset: {message}\n(still using {current})")
        self.dataset_info.setStyleSheet(ERROR_STYLE)
        self._log(f"dataset not opened: {message}")

    # ================================================================================ design checks
    def check_design(self) -> tuple[bool, list[str], bool]:
        """(can train, messages, input shape differs from the dataset's) for the current design and
        dataset. Every message comes from the engine: summarize, output_kind, check_dataset_fits."""
        spec = self.document.spec
        messages: list[str] = []
        design_ok = True
        summary = summarize(spec)
        if not summary.ok:
            design_ok = False
            messages.append(f"The design has an error: {_sentence(summary.error)}")
        else:
            try:
                output_kind(spec)
            except SpecError as exc:
                design_ok = False
                messages.append(_sentence(str(exc)))
        ds = self._dataset
        if ds is None:
            return False, messages + ["Choose a dataset."], False
        shape_differs = tuple(spec.input.shape) != tuple(ds.image_shape)
        fits = True
        if shape_differs or design_ok:
            # check_dataset_fits compares the input shape first, so its shape message needs no
            # working output layer.
            try:
                check_dataset_fits(spec, ds)
            except (DatasetError, SpecError) as exc:
                fits = False
                if shape_differs:
                    messages.insert(0, _sentence(str(exc)))
                else:
                    messages.append(_sentence(str(exc)))
        if shape_differs:
            # Would the classes fit once the input is the dataset's? Ask the engine on a probe copy.
            probe = spec.copy()
            probe.input = InputSpec(tuple(ds.image_shape))
            try:
                check_dataset_fits(probe, ds)
            except (DatasetError, SpecError) as exc:
                text = _sentence(str(exc))
                if text not in messages:
                    messages.append(text)
        return design_ok and fits, messages, shape_differs

    def use_dataset_shape(self) -> bool:
        """Set the design's input to the dataset's image shape: one undoable document edit."""
        if self._dataset is None:
            return False
        try:
            changed = self.document.set_input_shape(tuple(self._dataset.image_shape))
        except SpecError as exc:
            self._set_status(str(exc), ERROR_STYLE)
            return False
        self._refresh()
        return bool(changed) if changed is not None else True

    def _softmax_units_to_set(self) -> Optional[int]:
        """The dataset's class count when the design ends in a softmax layer with another count."""
        spec, ds = self.document.spec, self._dataset
        if ds is None or not spec.layers or ds.num_classes < 2:
            return None
        last = spec.layers[-1]
        if last.type == "dense" and last.activation == "softmax" and last.units != ds.num_classes:
            return ds.num_classes
        return None

    def use_dataset_classes(self) -> bool:
        """Set the softmax output layer's units to the dataset's class count: one undoable edit."""
        units = self._softmax_units_to_set()
        if units is None:
            return False
        try:
            self.document.set_field(len(self.document.spec.layers) - 1, "units", units)
        except SpecError as exc:
            self._set_status(str(exc), ERROR_STYLE)
            return False
        self._refresh()
        return True

    def _on_document_changed(self) -> None:
        if self._session is not None and self._run_kind == "train":
            self._design_edited_during_run = True
        self._refresh()

    # ================================================================================ hyperparameters
    def _on_optimizer_changed(self, index: int) -> None:
        key = self.optimizer_combo.itemData(index)
        lr = self.lr_spin.value()
        if key in ("sgd", "momentum") and math.isclose(lr, ADAM_DEFAULT_LR):
            self.lr_spin.setValue(SGD_DEFAULT_LR)
        elif key == "adam" and math.isclose(lr, SGD_DEFAULT_LR):
            self.lr_spin.setValue(ADAM_DEFAULT_LR)

    # ================================================================================ running
    def start_training(self) -> bool:
        """Train a copy of the current design on the chosen dataset (in a thread). False if it can't
        start (a run in progress, or the design / dataset problems the panel shows)."""
        self._refresh()
        if self._session is not None or not self._can_train:
            return False
        spec = self.document.spec.copy()
        params = self.hyperparameters()
        initial = None
        if self.continue_check.isChecked() and self.continue_check.isEnabled() and self._network is not None:
            initial = self._network.copy()
        self._run_counter += 1
        job = TrainingJob(spec=spec, dataset=self._dataset, initial_network=initial, run_id=self._run_counter,
                          **params)
        name = spec.name or "design"
        opt_title = self.optimizer_combo.currentText()
        label = f"run {self._run_counter}"
        self.plots.start_run(label)
        total_params = summarize(spec).total_params
        self._log(f"── Run {self._run_counter}: {name} ({total_params:,} parameters) on {self._dataset.describe()}")
        self._log(f"   {opt_title}, lr {params['learning_rate']:g}, batch {params['batch_size']}, "
                  f"{params['epochs']} epochs, validation {params['validation_fraction']:g}, seed {params['seed']}"
                  + (", continuing from the current weights" if initial is not None else ""))
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(f"Epoch 1 / {params['epochs']} · starting…")
        self.test_label.setText("Test accuracy: —")
        self._start_session(job, "train")
        self._set_status(f"Training run {self._run_counter}…", "")
        self.training_started.emit(self._run_counter)
        return True

    def evaluate(self) -> bool:
        """Measure the current network on the dataset's test images (in the thread)."""
        if self._session is not None or self._network is None or self._dataset is None:
            return False
        try:
            check_dataset_fits(self._network, self._dataset)
        except (DatasetError, SpecError) as exc:
            self._set_status(f"Can't evaluate these weights on this dataset: {_sentence(str(exc))}", ERROR_STYLE)
            return False
        self._run_counter += 1
        job = TrainingJob(spec=self._network.spec.copy(), dataset=self._dataset,
                          initial_network=self._network.copy(), evaluate_only=True, run_id=self._run_counter)
        self.progress.setRange(0, 0)  # busy
        self._start_session(job, "evaluate")
        self._set_status(f"Evaluating on {self._dataset.name}'s test images…", "")
        return True

    def _start_session(self, job: TrainingJob, kind: str) -> None:
        session = TrainingSession(job)
        worker = session.worker
        queued = Qt.ConnectionType.QueuedConnection
        worker.batchProgress.connect(self._on_batch_progress, queued)
        worker.epochDone.connect(self._on_epoch_done, queued)
        worker.paused.connect(self._on_worker_paused, queued)
        worker.resumed.connect(self._on_worker_resumed, queued)
        worker.finished.connect(self._on_worker_finished, queued)
        worker.failed.connect(self._on_worker_failed, queued)
        self._session = session
        self._session_box[0] = session
        self._run_kind = kind
        self._paused = False
        self._stopping = False
        self._design_edited_during_run = False
        self._update_controls()
        if self.window() is not self:
            self._close_watcher.watch(self.window())
        session.start()

    def toggle_pause(self) -> None:
        if self._session is None:
            return
        if self._paused or self._session.worker.pause_requested:
            self.resume()
        else:
            self.pause()

    def pause(self) -> bool:
        """Ask the run to pause at the next batch boundary (training_paused confirms)."""
        if self._session is None or self._run_kind != "train" or self._stopping:
            return False
        self._session.pause()
        self.pause_button.setText("Resume")
        self._set_status("Pausing after this batch…", "")
        return True

    def resume(self) -> bool:
        if self._session is None:
            return False
        self._session.resume()
        self.pause_button.setText("Pause")
        if self._paused:
            self._set_status("Resuming…", "")
        else:
            self._set_status(f"Training run {self._run_counter}…", "")
        return True

    def stop(self) -> bool:
        """End the run after the current batch; it finishes normally (training_finished, "stopped")."""
        if self._session is None:
            return False
        self._stopping = True
        self._session.stop()
        self._set_status("Stopping after this batch…", "")
        self._update_controls()
        return True

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Stop any run and join its thread (the main window calls this from closeEvent). Safe to call
        any time and repeatedly; True when no thread is left running."""
        session = self._session
        if session is None:
            return True
        session.stop()
        session.disconnect_worker()
        finished = session.wait(timeout_ms) if timeout_ms >= 0 else session.shutdown()
        if not finished:
            return False
        self._session = None
        self._session_box[0] = None
        self._run_kind = ""
        self._paused = False
        self._stopping = False
        self.plots.end_run()
        self.progress.setRange(0, max(self.progress.maximum(), 1))
        self._set_status("Training stopped (the panel was closed).", WARN_STYLE)
        self._update_controls()
        return True

    def closeEvent(self, event) -> None:
        # When the panel is a window of its own (tests, a detached tab), closing it ends the run.
        self.shutdown()
        super().closeEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        window = self.window()
        if window is not self:
            self._close_watcher.watch(window)

    # ----- worker slots (GUI thread) --------------------------------------------------------------
    def _is_current(self, run_id: int) -> bool:
        return self._session is not None and self._session.run_id == run_id

    def _on_batch_progress(self, progress) -> None:
        if not self._is_current(progress.run_id):
            return
        self.plots.set_extent(progress.total_iterations, progress.epochs)
        self.plots.add_losses(progress.first_iteration, progress.losses)
        total = max(progress.total_iterations, 1)
        if self.progress.maximum() != total:
            self.progress.setRange(0, total)
        self.progress.setValue(progress.iteration)
        remaining = progress.total_iterations - progress.iteration
        eta = progress.active_seconds / progress.iteration * remaining if progress.iteration else float("nan")
        eta_text = _format_seconds(eta) if progress.active_seconds > 0.3 or remaining == 0 else "…"
        self.progress.setFormat(f"Epoch {progress.epoch} / {progress.epochs} · %p% · ETA {eta_text}")

    def _on_epoch_done(self, progress) -> None:
        if not self._is_current(progress.run_id):
            return
        info = progress.info
        self.plots.add_epoch(info.epoch, progress.iteration, info.val_loss, info.train_accuracy, info.val_accuracy)
        width = len(str(info.epochs))
        seconds = f"{info.seconds:.2f} s" if info.seconds < 1 else f"{info.seconds:.1f} s"
        self._log(f"epoch {info.epoch:>{width}}/{info.epochs}  loss {_number(info.train_loss)}  "
                  f"acc {_percent(info.train_accuracy):>7}  val loss {_number(info.val_loss)}  "
                  f"val acc {_percent(info.val_accuracy):>7}  ({seconds})")
        self._set_network(progress.network, f"after epoch {info.epoch} of run {self._run_counter}")
        if not self._paused and not self._stopping:
            self._set_status(f"Run {self._run_counter}: epoch {info.epoch} / {info.epochs} done, "
                             f"validation accuracy {_percent(info.val_accuracy)}", "")
        self.network_updated.emit(progress.network)

    def _on_worker_paused(self, iteration: int) -> None:
        if self._session is None:
            return
        self._paused = True
        self._set_status(f"Paused at iteration {iteration}. Resume continues; Stop ends the run.", WARN_STYLE)
        text = self.progress.format()
        if "· paused" not in text:
            self.progress.setFormat(text.split(" · ETA")[0] + " · paused")
        self.training_paused.emit()

    def _on_worker_resumed(self) -> None:
        if self._session is None:
            return
        self._paused = False
        if not self._stopping:
            self._set_status(f"Training run {self._run_counter}…", "")
        self.training_resumed.emit()

    def _on_worker_finished(self, result: TrainingResult) -> None:
        if not self._is_current(result.run_id):
            return
        self._end_session()
        self._finish(result)

    def _on_worker_failed(self, message: str, details: str) -> None:
        session = self._session
        if session is None:
            return
        log.error("training worker failed: %s\n%s", message, details)
        run_id = session.run_id
        kind = self._run_kind
        self._end_session()
        result = TrainingResult(run_id, "failed", message, network=self._network, details=details)
        self._finish(result, kind)
        self.training_failed.emit(message)

    def _end_session(self) -> None:
        session, self._session = self._session, None
        self._session_box[0] = None
        if session is not None:
            # The worker quits its thread right after its last signal: this join is immediate.
            session.wait()

    def _finish(self, result: TrainingResult, kind: Optional[str] = None) -> None:
        kind = kind or self._run_kind
        self._run_kind = ""
        self._paused = False
        self._stopping = False
        self._last_result = result
        self.pause_button.setText("Pause")
        if kind == "evaluate":
            self.progress.setRange(0, 1)
            self.progress.setValue(1 if result.status == "evaluated" else 0)
            self.progress.setFormat("Evaluated" if result.status == "evaluated" else "Evaluation failed")
        else:
            self.plots.end_run()
            self._finish_progress(result)
        if kind != "evaluate" and result.network is not None and result.status != "failed":
            self._set_network(result.network, f"end of run {result.run_id} ({result.status})")
        self._show_test_result(result)
        self._report(result, kind)
        self._refresh()
        if kind != "evaluate" and result.network is not None and result.status != "failed":
            self.network_updated.emit(result.network)
        if kind == "evaluate":
            self.evaluation_finished.emit(result)
        else:
            self.training_finished.emit(result)

    def _finish_progress(self, result: TrainingResult) -> None:
        history = result.history
        maximum = self.progress.maximum()
        if result.status == "completed":
            self.progress.setValue(maximum)
            self.progress.setFormat(f"Done: {history.epochs_completed} epochs · %p% · {_format_seconds(result.seconds)}")
        elif result.status == "stopped":
            self.progress.setFormat(f"Stopped after {history.epochs_completed} full epochs · %p%")
        elif result.status == "diverged":
            self.progress.setFormat("Diverged · %p%")
        else:
            self.progress.setFormat("Failed")

    def _show_test_result(self, result: TrainingResult) -> None:
        if result.has_test_result:
            self.test_label.setText(f"Test accuracy: {100 * result.test_accuracy:.1f} % "
                                    f"({result.test_correct:,} / {result.test_count:,})")
            self.test_label.setToolTip(f"On {result.test_count:,} test images the network never trained on; "
                                       f"test loss {_number(result.test_loss)}")
        else:
            self.test_label.setText("Test accuracy: —")

    def _report(self, result: TrainingResult, kind: str) -> None:
        status = result.status
        if kind == "evaluate":
            if status == "evaluated":
                self._set_status(f"Evaluated {self._network_source or 'the weights'} on {self._dataset.name}.", OK_STYLE)
                self._log(f"evaluated on {self._dataset.name}: test accuracy {_percent(result.test_accuracy)} "
                          f"({result.test_correct}/{result.test_count}), test loss {_number(result.test_loss)}")
            else:
                self._set_status(f"Evaluation failed: {result.message}", ERROR_STYLE, result.details)
                self._log(f"evaluation failed: {result.message}")
            return
        tail = (f": test accuracy {_percent(result.test_accuracy)} ({result.test_correct}/{result.test_count})"
                if result.has_test_result else "")
        if status == "completed":
            self._set_status(f"Run {result.run_id} finished: {result.history.epochs_completed} epochs in "
                             f"{_format_seconds(result.seconds)}.", OK_STYLE)
            self._log(f"run {result.run_id} finished in {result.seconds:.1f} s{tail}")
        elif status == "stopped":
            self._set_status(f"Run {result.run_id} stopped ({result.message}); the weights so far are kept.",
                             WARN_STYLE)
            self._log(f"run {result.run_id} {result.message}{tail}")
        elif status == "diverged":
            self._set_status(f"Training diverged: {result.message}", ERROR_STYLE)
            self._log(f"run {result.run_id} diverged: {result.message}")
        else:
            self._set_status(f"Training failed: {result.message}", ERROR_STYLE, result.details)
            self._log(f"run {result.run_id} failed: {result.message}")
        if self._design_edited_during_run:
            self._log("   (the design was edited during the run; the next run uses the edited design)")

    # ================================================================================ weights
    def _set_network(self, network: Optional[Network], source: str) -> None:
        self._network = network
        self._network_source = source
        if network is None:
            self.network_label.setText("No trained weights yet")
            return
        name = network.spec.name or "design"
        self.network_label.setText(f"Weights: {name}, {network.num_params:,} parameters — {source}")

    def save_weights(self, path) -> bool:
        """Write the current network (weights + its design) to an .npz file (atomically)."""
        if self._network is None:
            self._set_status("No weights to save yet: train or load first.", WARN_STYLE)
            return False
        path = Path(path)
        if path.suffix.lower() != ".npz":
            path = path.with_name(path.name + ".npz")
        try:
            self._network.save(path)
        except OSError as exc:
            self._set_status(f"Could not save the weights: {exc}", ERROR_STYLE)
            return False
        self._set_status(f"Saved the weights ({self._network_source}) to {path.name}.", OK_STYLE)
        self._log(f"saved weights to {path}")
        return True

    def save_weights_dialog(self) -> bool:
        if self._network is None:
            return False
        name = (self._network.spec.name or "weights").split(" (")[0]
        name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name).strip("_") or "weights"
        path, _ = QFileDialog.getSaveFileName(self, "Save weights", str(Path(self._last_dir()) / f"{name}.npz"),
                                              "Weights (*.npz)")
        if not path:
            return False
        self._remember_dir(path)
        return self.save_weights(path)

    def load_weights(self, path, replace_design: Optional[bool] = None) -> bool:
        """Load weights saved by Save weights (or `main.py train --save`).

        When their design differs from the current one: replace_design True replaces the design in
        the document (one undoable step, via document.replace_spec); False keeps the design and only
        evaluates the loaded network; None asks. Then the network is evaluated on the dataset when it
        fits (evaluation_finished follows). Returns False if the file can't be used or the user cancels.
        """
        if self._session is not None:
            return False
        try:
            network = Network.load(path)
        except (SpecError, OSError, ValueError) as exc:
            self._set_status(f"Could not load the weights: {exc}", ERROR_STYLE)
            self._log(f"weights not loaded: {exc}")
            return False
        path = Path(path)
        replaced = False
        if not _same_design(network.spec, self.document.spec):
            can_replace = hasattr(self.document, "replace_spec")
            if replace_design is None:
                replace_design = self._ask_replace_design(network, can_replace)
                if replace_design is None:
                    return False
            if replace_design and can_replace:
                self.document.replace_spec(network.spec, f"Use design from {path.name}")
                replaced = True
        self._set_network(network, f"loaded from {path.name}")
        matches = _same_design(network.spec, self.document.spec)
        self.continue_check.setChecked(matches)
        if replaced:
            self._log(f"loaded weights from {path} and replaced the design with theirs (undo restores it)")
        elif matches:
            self._log(f"loaded weights from {path}")
        else:
            self._log(f"loaded weights from {path} (their design differs from the current one: evaluate only)")
        self._refresh()
        self.network_updated.emit(network)
        self.test_label.setText("Test accuracy: —")
        if not self.evaluate():
            if self._dataset is not None:
                try:
                    check_dataset_fits(network, self._dataset)
                except (DatasetError, SpecError) as exc:
                    self._set_status(f"Loaded {path.name}; it doesn't fit the chosen dataset: "
                                     f"{_sentence(str(exc))}", WARN_STYLE)
        return True

    def _ask_replace_design(self, network: Network, can_replace: bool) -> Optional[bool]:
        """True: replace the design; False: keep it and only evaluate; None: cancel."""
        name = network.spec.name or "another design"
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Load weights")
        box.setText(f"These weights belong to a different design ({name}).")
        if can_replace:
            box.setInformativeText("Replace the current design with theirs (you can undo it), or keep your "
                                   "design and only evaluate the loaded network?")
            replace = box.addButton("Replace design", QMessageBox.ButtonRole.AcceptRole)
        else:
            box.setInformativeText("Keep your design and only evaluate the loaded network?")
            replace = None
        keep = box.addButton("Evaluate only", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        if replace is not None and clicked is replace:
            return True
        if clicked is keep:
            return False
        return None

    def load_weights_dialog(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self, "Load weights", self._last_dir(), "Weights (*.npz);;All files (*)")
        if not path:
            return False
        self._remember_dir(path)
        return self.load_weights(path)

    # ================================================================================ plots
    def clear_runs(self) -> None:
        """Remove earlier runs' curves (and the last run's, when none is in progress)."""
        self.plots.clear_runs(keep_current=self._session is not None and self._run_kind == "train")
        self._update_runs_label()

    def _update_runs_label(self) -> None:
        earlier = len(self.plots.earlier_runs)
        if earlier:
            self.runs_label.setText(f"Faded curves: {earlier} earlier run{'s' if earlier > 1 else ''}, for comparison")
        else:
            self.runs_label.setText("Each run's curves stay, faded, when the next starts")

    # ================================================================================ state
    def _refresh(self) -> None:
        ok, messages, shape_differs = self.check_design()
        self._can_train = ok
        if messages:
            self.fit_label.setText("\n".join(f"• {m}" for m in messages))
            self.fit_label.setStyleSheet(ERROR_STYLE)
        elif self._dataset is not None:
            n_classes = self._dataset.num_classes
            self.fit_label.setText(f"✓ The design fits: {'×'.join(map(str, self._dataset.image_shape))} images, "
                                   f"{n_classes} classes.")
            self.fit_label.setStyleSheet(OK_STYLE)
        self.use_shape_button.setVisible(shape_differs)
        classes = self._softmax_units_to_set()
        self.use_classes_button.setVisible(classes is not None)
        if classes is not None:
            self.use_classes_button.setText(f"Use dataset's classes ({classes})")
        if shape_differs and self._dataset is not None:
            shape = "×".join(map(str, self._dataset.image_shape))
            self.use_shape_button.setText(f"Use dataset's shape ({shape})")
        self.train_button.setToolTip("Train a copy of the design on the dataset" if ok
                                     else "Can't train yet:\n" + "\n".join(messages))
        self._update_controls()

    def _update_controls(self) -> None:
        running = self._session is not None
        training = running and self._run_kind == "train"
        self.train_button.setEnabled(not running and self._can_train)
        self.pause_button.setEnabled(training and not self._stopping)
        self.stop_button.setEnabled(training and not self._stopping)
        self.hyper_box.setEnabled(not running)
        self.dataset_combo.setEnabled(not running)
        self.open_dataset_button.setEnabled(not running)
        self.use_shape_button.setEnabled(self._dataset is not None and not running)
        self.use_classes_button.setEnabled(not running)
        self.load_button.setEnabled(not running)
        self.save_button.setEnabled(self._network is not None)
        fits = False
        if self._network is not None and self._dataset is not None:
            try:
                check_dataset_fits(self._network, self._dataset)
                fits = True
            except (DatasetError, SpecError):
                fits = False
        self.evaluate_button.setEnabled(not running and fits)
        matches = self._network is not None and _same_design(self._network.spec, self.document.spec)
        self.continue_check.setEnabled(matches)
        if not matches:
            self.continue_check.setChecked(False)
        if training:
            text = COPY_NOTE_RUNNING
            if self._design_edited_during_run:
                text += " The design has changed since Start."
            self.copy_note.setText(text)
            self.copy_note.setStyleSheet(WARN_STYLE if self._design_edited_during_run else "")
        else:
            self.copy_note.setText(COPY_NOTE_IDLE)
            self.copy_note.setStyleSheet(MUTED_STYLE)
        self._update_runs_label()

    def _set_status(self, text: str, style: str, details: str = "") -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(style)
        self.status_label.setToolTip(details)

    def _log(self, line: str) -> None:
        self.log_view.appendPlainText(line)

    # ----- settings -------------------------------------------------------------------------------
    @staticmethod
    def _last_dir() -> str:
        value = _settings().value(_KEY_LAST_DIR)
        return str(value) if value and Path(str(value)).is_dir() else str(Path.home())

    @staticmethod
    def _remember_dir(path) -> None:
        _settings().setValue(_KEY_LAST_DIR, str(Path(path).parent))


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _shutdown_box(box: list) -> None:
    """The panel's destroyed signal: stop and join a run the panel could not shut down itself."""
    session = box[0]
    box[0] = None
    if session is not None:
        session.shutdown()
