"""The Train tab: composes the dataset, hyperparameter, run, weights and result boxes with the
plots and the log, and talks to the run's controller.

The panel reads the design from the document and never edits it, except through the document's own
undoable methods (set_input_shape for "Use dataset's shape", set_field for "Use dataset's classes",
replace_spec when loaded weights bring their own design). Whether the design can train is decided
by the engine (design_check.py shows its messages as they are).

A run trains a copy of the spec taken at Start on a thread that `RunController` owns
(controller.py); the widgets change only in slots on the GUI thread. Whoever owns the panel calls
`shutdown()` before it goes: MainWindow.closeEvent does.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from engine.data import Dataset, DatasetError
from engine.network import Network
from engine.shapes import summarize
from engine.spec import SpecError
from engine.train import check_dataset_fits

from . import files
from .controller import RunController, RunState
from .dataset_box import DatasetBox
from .datasets import DatasetCache, dataset_key
from .design_check import check_design, network_fits, same_design, softmax_units_to_set
from .hyperparameters import HyperparameterBox
from .plots_pane import PlotsPane
from .result_box import ResultBox
from .run_controls import RunControls
from .text import ERROR_STYLE, WARN_STYLE, sentence
from .weights_box import WeightsBox
from .weights_files import WeightsFiles
from .worker import TrainingJob, TrainingResult

log = logging.getLogger(__name__)


class TrainingPanel(WeightsFiles, QWidget):
    """The Train tab for a DesignDocument (needs `spec`, `changed`, `set_input_shape`, `set_field`;
    uses `replace_spec` and `undo_stack` when present).

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
        self.controller = RunController(self)
        self._datasets = DatasetCache()
        self._dataset: Optional[Dataset] = None
        self._dataset_key: Optional[str] = None
        self._network: Optional[Network] = None
        self._network_source = ""
        self._can_train = False
        self._design_edited_during_run = False
        self._last_result: Optional[TrainingResult] = None

        self._build()
        self._connect()
        for key in self._datasets.builtin_keys():
            self.dataset_box.add_choice(key)
        self.set_dataset("digits")
        self._refresh()

    # ================================================================================ construction
    def _build(self) -> None:
        self.dataset_box = DatasetBox()
        self.hyper_box = HyperparameterBox()
        self.run_controls = RunControls()
        self.weights_box = WeightsBox()
        self.result_box = ResultBox()
        self.plots_pane = PlotsPane()

        side = QWidget()
        side.setObjectName("trainingSide")
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 6, 0)
        column.setSpacing(8)
        for box in (self.dataset_box, self.hyper_box, self.run_controls, self.result_box, self.weights_box):
            column.addWidget(box)
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

        outer = QHBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.setSpacing(8)
        outer.addWidget(scroll)
        outer.addWidget(self.plots_pane, 1)

        # The widgets by their long-standing names (tests, the benchmark and the window use them).
        for box, names in (
                (self.dataset_box, ("dataset_combo", "open_dataset_button", "dataset_info", "fit_label",
                                    "use_shape_button", "use_classes_button")),
                (self.hyper_box, ("epochs_spin", "batch_spin", "optimizer_combo", "lr_spin", "validation_spin",
                                  "seed_spin")),
                (self.run_controls, ("train_button", "pause_button", "stop_button", "progress", "status_label",
                                     "copy_note")),
                (self.weights_box, ("network_label", "save_button", "load_button", "evaluate_button",
                                    "continue_check")),
                (self.result_box, ("test_label",)),
                (self.plots_pane, ("runs_label", "clear_button", "loss_plot", "accuracy_plot", "plots",
                                   "log_view"))):
            for name in names:
                setattr(self, name, getattr(box, name))

    def _connect(self) -> None:
        self.document.changed.connect(self._on_document_changed)
        self.dataset_combo.activated.connect(self._on_dataset_activated)
        self.open_dataset_button.clicked.connect(self.open_dataset_dialog)
        self.use_shape_button.clicked.connect(self.use_dataset_shape)
        self.use_classes_button.clicked.connect(self.use_dataset_classes)
        self.train_button.clicked.connect(self.start_training)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.clear_button.clicked.connect(self.clear_runs)
        self.save_button.clicked.connect(self.save_weights_dialog)
        self.load_button.clicked.connect(self.load_weights_dialog)
        self.evaluate_button.clicked.connect(self.evaluate)
        run = self.controller
        run.stateChanged.connect(self._on_state_changed)
        run.batchProgress.connect(self._on_batch_progress)
        run.epochDone.connect(self._on_epoch_done)
        run.parked.connect(self._on_parked)
        run.resumed.connect(self._on_resumed)
        run.runEnded.connect(self._on_run_ended)

    # ================================================================================ properties
    @property
    def network(self) -> Optional[Network]:
        """The last trained (or epoch snapshot, or loaded) Network, or None. Don't change its weights."""
        return self._network

    @property
    def dataset(self) -> Optional[Dataset]:
        return self._dataset

    @property
    def state(self) -> RunState:
        return self.controller.state

    @property
    def is_running(self) -> bool:
        return self.controller.is_active

    @property
    def is_paused(self) -> bool:
        return self.controller.state is RunState.PAUSED

    @property
    def training_thread(self):
        """The QThread of the run in progress (None when idle)."""
        return self.controller.thread

    @property
    def last_result(self) -> Optional[TrainingResult]:
        return self._last_result

    @property
    def can_train(self) -> bool:
        return self._can_train

    def hyperparameters(self) -> dict:
        return self.hyper_box.values()

    def set_optimizer(self, key: str) -> None:
        self.hyper_box.set_optimizer(key)

    # ================================================================================ datasets
    def set_dataset(self, key_or_path) -> bool:
        """Choose a built-in dataset ("digits", "shapes") or a dataset file; False (and a message) if it
        can't be read. The previous choice stays on failure."""
        key = dataset_key(key_or_path)
        reading = key not in self._datasets
        if reading:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            dataset = self._datasets.get(key)
        except DatasetError as exc:
            self.dataset_box.show_open_error(str(exc), self._dataset)
            self.dataset_box.select(self._dataset_key)
            self.log_view.log(f"dataset not opened: {exc}")
            return False
        finally:
            if reading:
                QGuiApplication.restoreOverrideCursor()
        self.dataset_box.select(key)
        changed = dataset is not self._dataset
        self._dataset, self._dataset_key = dataset, key
        self.dataset_box.show_dataset(dataset)
        self._refresh()
        if changed:
            self.dataset_changed.emit(dataset)
        return True

    def open_dataset(self, path) -> bool:
        return self.set_dataset(Path(path))

    def open_dataset_dialog(self) -> bool:
        path = files.ask_dataset_path(self)
        return self.open_dataset(path) if path else False

    def _on_dataset_activated(self, index: int) -> None:
        key = self.dataset_combo.itemData(index)
        if key is not None:
            self.set_dataset(key)

    # ================================================================================ design checks
    def check_design(self) -> tuple[bool, list[str], bool]:
        """(can train, messages, input shape differs from the dataset's) for the current design and
        dataset; every message comes from the engine (design_check.py)."""
        check = check_design(self.document.spec, self._dataset)
        return check.ok, check.messages, check.shape_differs

    def use_dataset_shape(self) -> bool:
        """Set the design's input to the dataset's image shape: one undoable document edit."""
        if self._dataset is None:
            return False
        try:
            changed = self.document.set_input_shape(tuple(self._dataset.image_shape))
        except SpecError as exc:
            self.run_controls.set_status(str(exc), ERROR_STYLE)
            return False
        self._refresh()
        return bool(changed) if changed is not None else True

    def use_dataset_classes(self) -> bool:
        """Set the softmax output layer's units to the dataset's class count: one undoable edit."""
        units = softmax_units_to_set(self.document.spec, self._dataset)
        if units is None:
            return False
        try:
            self.document.set_field(len(self.document.spec.layers) - 1, "units", units)
        except SpecError as exc:
            self.run_controls.set_status(str(exc), ERROR_STYLE)
            return False
        self._refresh()
        return True

    def _on_document_changed(self) -> None:
        if self.controller.is_active and self.controller.kind == "train":
            self._design_edited_during_run = True
        self._refresh()

    # ================================================================================ running
    def start_training(self) -> bool:
        """Train a copy of the current design on the chosen dataset (in a thread). False if it can't
        start (a run in progress, or the design / dataset problems the panel shows)."""
        self._refresh()
        if self.controller.is_active or not self._can_train:
            return False
        spec = self.document.spec.copy()
        settings = self.hyperparameters()
        initial = self._network.copy() if self.weights_box.continue_requested and self._network else None
        job = TrainingJob(spec=spec, dataset=self._dataset, initial_network=initial, **settings)
        self._design_edited_during_run = False
        if not self.controller.start(job, "train"):
            return False
        run_id = self.controller.run_id
        self.plots.start_run(f"run {run_id}")
        self.log_view.log_run_start(run_id, spec.name or "design", summarize(spec).total_params,
                                    self._dataset.describe(), self.hyper_box.optimizer_title(), settings,
                                    continuing=initial is not None)
        self.run_controls.show_starting(settings["epochs"])
        self.result_box.clear()
        self.run_controls.set_status(f"Training run {run_id}…")
        self._update_controls()
        self.training_started.emit(run_id)
        return True

    def evaluate(self) -> bool:
        """Measure the current network on the dataset's test images (in the thread)."""
        if self.controller.is_active or self._network is None or self._dataset is None:
            return False
        try:
            check_dataset_fits(self._network, self._dataset)
        except (DatasetError, SpecError) as exc:
            self.run_controls.set_status(f"Can't evaluate these weights on this dataset: {sentence(str(exc))}",
                                         ERROR_STYLE)
            return False
        job = TrainingJob(spec=self._network.spec.copy(), dataset=self._dataset,
                          initial_network=self._network.copy())
        if not self.controller.start(job, "evaluate"):
            return False
        self.run_controls.show_busy()
        self.run_controls.set_status(f"Evaluating on {self._dataset.name}'s test images…")
        return True

    def toggle_pause(self) -> None:
        if self.controller.state in (RunState.PAUSING, RunState.PAUSED):
            self.resume()
        else:
            self.pause()

    def pause(self) -> bool:
        """Ask the run to pause at the next batch boundary (training_paused confirms)."""
        if not self.controller.pause():
            return False
        self.run_controls.set_status("Pausing after this batch…")
        return True

    def resume(self) -> bool:
        was_parked = self.controller.state is RunState.PAUSED
        if not self.controller.resume():
            return False
        self.run_controls.set_status("Resuming…" if was_parked else f"Training run {self.controller.run_id}…")
        return True

    def stop(self) -> bool:
        """End the run after the current batch; it finishes normally (training_finished, "stopped")."""
        if not self.controller.stop():
            return False
        self.run_controls.set_status("Stopping after this batch…")
        return True

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Stop any run and join its thread (MainWindow.closeEvent calls this). Safe any time and
        repeatedly; True when no thread is left running. After a timeout the panel shows the run as
        stopping, and the run ends normally when its thread does."""
        if self.controller.thread is None:
            return True
        joined = self.controller.shutdown(timeout_ms)
        if not joined:
            self.run_controls.set_status("Stopping: the run ends after its current batch…", WARN_STYLE)
        return joined

    # ----- controller slots -----------------------------------------------------------------------
    def _on_state_changed(self, state: RunState) -> None:
        self._update_controls()

    def _on_batch_progress(self, progress) -> None:
        self.plots.set_extent(progress.total_iterations, progress.epochs)
        self.plots.add_losses(progress.first_iteration, progress.losses)
        self.run_controls.show_batch(progress)

    def _on_epoch_done(self, progress) -> None:
        info = progress.info
        self.plots.add_epoch(info.epoch, progress.iteration, info.val_loss, info.train_accuracy, info.val_accuracy)
        self.log_view.log_epoch(info)
        run_id = self.controller.run_id
        self._set_network(progress.network, f"after epoch {info.epoch} of run {run_id}")
        if self.controller.state is RunState.RUNNING:
            self.run_controls.show_epoch_status(run_id, info.epoch, info.epochs, info.val_accuracy)
        self.network_updated.emit(progress.network)

    def _on_parked(self, iteration: int) -> None:
        self.run_controls.show_parked(iteration)
        self.training_paused.emit()

    def _on_resumed(self) -> None:
        self.run_controls.set_status(f"Training run {self.controller.run_id}…")
        self.training_resumed.emit()

    def _on_run_ended(self, result: TrainingResult, kind: str) -> None:
        if result.status == "failed":
            log.error("training worker failed: %s\n%s", result.message, result.details)
            result.network = self._network
        self._last_result = result
        if kind == "train":
            self.plots.end_run()
            if result.network is not None and result.status != "failed":
                self._set_network(result.network, f"end of run {result.run_id} ({result.status})")
        self.result_box.show_result(result)
        dataset = self._dataset.name if self._dataset is not None else "the dataset"
        self.run_controls.show_end(result, kind, f"{self._network_source or 'the weights'} on {dataset}")
        self.log_view.log_result(result, kind, dataset, self._design_edited_during_run)
        self._refresh()
        if kind == "train" and result.network is not None and result.status != "failed":
            self.network_updated.emit(result.network)
        if kind == "evaluate":
            self.evaluation_finished.emit(result)
        else:
            self.training_finished.emit(result)
        if result.status == "failed":
            self.training_failed.emit(result.message)

    # ================================================================================ plots
    def clear_runs(self) -> None:
        """Remove earlier runs' curves (and the last run's, when none is in progress)."""
        self.plots_pane.clear_runs(keep_current=self.controller.is_active and self.controller.kind == "train")

    # ================================================================================ state
    def _refresh(self) -> None:
        check = check_design(self.document.spec, self._dataset)
        self._can_train = check.ok
        self.dataset_box.show_check(check, self._dataset)
        self.train_button.setToolTip("Train a copy of the design on the dataset" if check.ok
                                     else "Can't train yet:\n" + "\n".join(check.messages))
        self._update_controls()

    def _update_controls(self) -> None:
        running = self.controller.is_active
        self.run_controls.show_state(self.controller.state, self.controller.kind, self._can_train,
                                     self._design_edited_during_run)
        self.hyper_box.setEnabled(not running)
        self.dataset_box.set_choosable(not running, self._dataset is not None)
        matches = self._network is not None and same_design(self._network.spec, self.document.spec)
        self.weights_box.show_state(running, self._network is not None, network_fits(self._network, self._dataset),
                                    matches)
        self.plots_pane.update_runs_label()
