"""The designer's main window: the composition of its parts, and the one close path.

Every part is made in `MainWindow.__init__`, declared in the class docstring, and handed what it needs;
the parts report through their signals, which are connected here (`_connect_parts`), so this file is
the map of who tells whom what. Nothing else sets attributes on the window.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFrame, QMainWindow, QScrollArea, QTabWidget, QWidget

from engine.runs import runs_folder

from . import settings as cfg
from .autosave import Autosave
from .design.export import DesignExporter
from .design.tab import DesignTab
from .design_files import DesignFiles
from .dialogs import APP_TITLE, WindowDialogs
from .document import DesignDocument
from .file_drop import FileDrop
from .help_dialogs import HelpDialogs
from .inside.tab import InsideTab
from .inside.untrained_network import UntrainedNetworkFeed
from .memory_status import MemoryStatus
from .runs.tab import RunsTab
from .status_bar import DesignTotals
from .training.tab import TrainTab
from .window_menus import WindowMenus

STATUS_MS = 4000   # how long a status bar line about an edit stays


def scrolling_page(content: QWidget) -> QScrollArea:
    """A tab page that scrolls instead of forcing its content's minimum size on the whole window
    (the Train tab needs ~700 px of height; the window should still fit a 768-px laptop screen)."""
    page = QScrollArea()
    page.setWidget(content)
    page.setWidgetResizable(True)
    page.setFrameShape(QFrame.Shape.NoFrame)
    return page


class MainWindow(QMainWindow):
    """The window (objectName ``mainWindow``). Its parts, in the order they are made:

        document        DesignDocument: the open design, its undo stack and its file
        dialogs         WindowDialogs: the modal questions (tests replace its methods)
        files           DesignFiles: New, Open, Open Recent, Save, Save As, presets
        exporter        DesignExporter: File › Export
        design_tab      DesignTab: layer list, course table, property editor, volume diagram
        train_tab       TrainTab: dataset, hyperparameters, the training run, weights
        inside_tab      InsideTab: playgrounds, learned filters, feature maps, predictions, why
        runs_tab        RunsTab: every recorded run (window, command line, lesson) compared; the
                        over-fitting lesson's thread
        tabs            the QTabWidget holding the four tabs
        help            HelpDialogs: Help › Quick tour and Keyboard shortcuts
        menus           WindowMenus: the menu bar, toolbar, History dock, and the window's own actions
        totals          DesignTotals: the status bar's parameters and activations
        memory_status   MemoryStatus: the status bar's training estimate
        untrained_feed  UntrainedNetworkFeed: the Inside views show the design's initial weights until
                        the Train tab has a network
        autosave        Autosave: the design kept a few seconds after each edit
        file_drop       FileDrop: dropped designs and datasets
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.document = DesignDocument(parent=self)
        self.dialogs = WindowDialogs(self)
        self.files = DesignFiles(self.document, self.dialogs, self)
        self.exporter = DesignExporter(self.document, self.files, self.dialogs, self)
        self.design_tab = DesignTab(self.document)
        folder = runs_folder()       # where the Train tab keeps its runs and the Runs tab reads them
        self.train_tab = TrainTab(self.document, runs_folder=folder)
        self.inside_tab = InsideTab()
        self.runs_tab = RunsTab(folder)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self._pages: dict[QWidget, QWidget] = {}   # a tab → the page that holds it in `tabs`
        self._add_tab(self.design_tab, "Design", self.design_tab)
        self._add_tab(self.train_tab, "Train", scrolling_page(self.train_tab),
                      "Train the design on a dataset and watch the loss J fall")
        self._add_tab(self.inside_tab, "Inside", scrolling_page(self.inside_tab),
                      "Edge-detection playground, learned filters, feature maps and predictions")
        self._add_tab(self.runs_tab, "Runs", self.runs_tab,
                      "Every training run kept, from this window and the command line: compare them side by side")

        self.help = HelpDialogs(self, self.tabs)
        self.menus = WindowMenus(self, self.tabs, self.document, self.files, self.design_tab, self.exporter,
                                 self.help)
        self.totals = DesignTotals(self.document, self)
        self.memory_status = MemoryStatus(self.document)
        self._build_status_bar()
        self.untrained_feed = UntrainedNetworkFeed(self.document, self.inside_tab, self)
        self.autosave = Autosave(self.document, self)
        self.file_drop = FileDrop(self)
        self._last_stack_index = 0   # where the undo stack was: the status bar says what changed since
        self._connect_parts()

        if cfg.restore_window_state(self, self.design_tab.splitters):
            self.design_tab.fitter.keep_user_sizes()
        self._update_title()
        self.untrained_feed.update_now()   # before any training: the design's initial weights, marked untrained

    # ===== construction ===========================================================================
    def _add_tab(self, tab: QWidget, title: str, page: QWidget, tip: str = "") -> None:
        index = self.tabs.addTab(page, title)
        if tip:
            self.tabs.setTabToolTip(index, tip)
        self._pages[tab] = page

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setStyleSheet("QStatusBar::item { border: none; } QStatusBar QLabel { padding: 0 10px; }")
        for label in (*self.totals.labels, self.memory_status.label):
            bar.addPermanentWidget(label)

    def _connect_parts(self) -> None:
        doc, design, train, inside = self.document, self.design_tab, self.train_tab, self.inside_tab
        doc.undo_stack.indexChanged.connect(self._say_what_changed)
        doc.modifiedChanged.connect(self.setWindowModified)
        doc.filePathChanged.connect(self._update_title)
        doc.specReset.connect(self._update_title)
        for part in (self.files, self.exporter, design, self.autosave):
            part.statusMessage.connect(self.statusBar().showMessage)
        design.checkModeChanged.connect(self.totals.set_hidden)
        # A clicked row of the layer table: the Inside views follow; double-clicked: its feature maps.
        design.layerFollowed.connect(inside.select_layer)
        design.featureMapsRequested.connect(self._show_feature_maps)
        # The Train tab's dataset and network feed the Inside views and the Design tab's output hint.
        train.dataset_changed.connect(inside.set_dataset)
        train.dataset_changed.connect(design.set_dataset)
        train.network_updated.connect(inside.set_network)
        train.network_updated.connect(self.untrained_feed.stop)
        train.settings_changed.connect(self.memory_status.set_settings)
        train.preset_requested.connect(self.files.load_preset)   # "Open the Digits net preset" on the Train tab
        # An .onnx model opened as the design brings its weights: the Train tab holds them (and File › Export
        # › ONNX… writes them back), as after Load weights.
        self.files.networkOpened.connect(train.weights.use_imported)
        train.network_updated.connect(self.exporter.set_network)
        # Runs: every training run is kept; a kept run's design and weights come back into the tabs.
        train.run_recorded.connect(self.runs_tab.add_recorded)
        self.runs_tab.view.openDesignRequested.connect(self._open_run_design)
        self.runs_tab.view.loadWeightsRequested.connect(self._load_run_weights)
        self.runs_tab.message.connect(lambda text: self.statusBar().showMessage(text, STATUS_MS))
        if train.datasets.dataset is not None:   # chosen while the tab was made, before these connections
            inside.set_dataset(train.datasets.dataset)
            design.set_dataset(train.datasets.dataset)
        self.file_drop.designDropped.connect(lambda path: self.files.maybe_save() and self.files.open_file(path))
        self.file_drop.datasetDropped.connect(self.open_dataset)

    # ===== what the window does between its parts ===================================================
    def show_tab(self, tab: QWidget) -> None:
        """Bring `tab` (design_tab, train_tab, inside_tab or runs_tab) to the front."""
        self.tabs.setCurrentWidget(self._pages[tab])

    def open_dataset(self, path: Path) -> bool:
        """Open a dataset file or folder on the Train tab (read in a thread) and show that tab. True when
        the read started (or the dataset was read before)."""
        self.show_tab(self.train_tab)
        started = self.train_tab.datasets.open_dataset(path)
        self.statusBar().showMessage(f"Opening the dataset {Path(path).name}…" if started
                                     else "A dataset is still being read; drop this one again when it is done",
                                     STATUS_MS)
        return started

    def _open_run_design(self, spec, title: str) -> None:
        """A run's design becomes the document (after offering to save the changes, as File › Open)."""
        if self.files.open_design(spec, f"run {title}"):
            self.show_tab(self.design_tab)

    def _load_run_weights(self, path: str) -> None:
        """A run's kept weights go to the Train tab (which offers to take their design too)."""
        self.show_tab(self.train_tab)
        self.train_tab.load_weights_file(path)

    def _show_feature_maps(self, layer: str) -> None:
        if self.inside_tab.show_feature_maps(layer):
            self.show_tab(self.inside_tab)

    def _say_what_changed(self, index: int) -> None:
        """The status bar follows the edits (not "Loaded …" from long ago): "Change CONV1 stride",
        "Undid: Add FC5"."""
        stack = self.document.undo_stack
        before, self._last_stack_index = self._last_stack_index, index
        if stack.count() == 0:       # a design was loaded: its history starts over
            return
        if index > before:
            self.statusBar().showMessage(stack.text(index - 1), STATUS_MS)
        elif index < before:
            self.statusBar().showMessage(f"Undid: {stack.text(index)}", STATUS_MS)

    def _update_title(self, *args) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — {APP_TITLE}")
        self.setWindowModified(self.document.is_modified)

    # ===== closing ==================================================================================
    def closeEvent(self, event) -> None:
        """The one close path: offer to save, keep the window's arrangement, stop the Train tab's work
        (its training thread and dataset read are joined) and the Runs tab's lesson, and drop the autosave."""
        if not self.files.maybe_save():
            event.ignore()
            return
        cfg.save_window_state(self, self.design_tab.splitters)
        self.files.shutdown()         # an ONNX model being read: its thread is joined
        self.train_tab.shutdown()
        self.runs_tab.shutdown()
        self.autosave.close_cleanly()  # nothing to restore at the next start, and its lock released
        event.accept()
