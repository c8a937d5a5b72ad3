"""The Train tab's file dialogs; they start in, and remember, the window's last folder (settings.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from engine.network import Network

from ..settings import last_directory, remember_directory


def _chosen(path: str) -> Optional[str]:
    if not path:
        return None
    remember_directory(Path(path).parent)
    return path


DATASET_FILTER = ("Datasets (*.npz *.gz *.tar.gz *.tgz *.tar *.csv *-ubyte);;NumPy datasets (*.npz);;"
                  "CIFAR-10 archives (*.tar.gz *.tgz *.tar);;CSV (*.csv);;MNIST IDX files (*-ubyte *-ubyte.gz);;"
                  "All files (*)")


def ask_dataset_path(parent: QWidget) -> Optional[str]:
    """A dataset file or archive: .npz, CIFAR-10 .tar.gz, CSV, or one of an IDX folder's files."""
    path, _ = QFileDialog.getOpenFileName(parent, "Open dataset", last_directory(), DATASET_FILTER)
    return _chosen(path)


def ask_dataset_folder(parent: QWidget) -> Optional[str]:
    """A dataset folder: MNIST-style IDX files, CIFAR-10 batches, or one subfolder of images per class."""
    path = QFileDialog.getExistingDirectory(parent, "Open dataset folder", last_directory())
    if not path:
        return None
    remember_directory(Path(path).parent)
    return path


def ask_weights_save_path(parent: QWidget, design_name: str) -> Optional[str]:
    name = (design_name or "weights").split(" (")[0]
    name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name).strip("_") or "weights"
    path, _ = QFileDialog.getSaveFileName(parent, "Save weights", str(Path(last_directory()) / f"{name}.npz"),
                                          "Weights (*.npz)")
    return _chosen(path)


def ask_weights_open_path(parent: QWidget) -> Optional[str]:
    path, _ = QFileDialog.getOpenFileName(parent, "Load weights", last_directory(),
                                          "Weights (*.npz);;All files (*)")
    return _chosen(path)


def ask_replace_design(parent: QWidget, network: Network) -> Optional[bool]:
    """Loaded weights of another design: True replaces the design, False keeps it and only
    evaluates, None cancels."""
    name = network.spec.name or "another design"
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Load weights")
    box.setText(f"These weights belong to a different design ({name}).")
    box.setInformativeText("Replace the current design with theirs (you can undo it), or keep your "
                           "design and only evaluate the loaded network?")
    replace = box.addButton("Replace design", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("Evaluate only", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    if clicked is replace:
        return True
    if clicked is keep:
        return False
    return None
