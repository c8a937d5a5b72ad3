"""CNN Designer's window (PySide6). Imports engine; engine never imports this package.

    from designer import MainWindow, DesignDocument, run

Names are loaded on first use so `import designer` stays cheap.
"""
from __future__ import annotations

__all__ = ["MainWindow", "DesignDocument", "ShapeTableModel", "LayerTreeModel", "run"]

_LAZY = {
    "MainWindow": ("main_window", "MainWindow"),
    "DesignDocument": ("document", "DesignDocument"),
    "ShapeTableModel": ("design.table_model", "ShapeTableModel"),
    "LayerTreeModel": ("design.layer_model", "LayerTreeModel"),
    "run": ("app", "run"),
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module
        module, attribute = _LAZY[name]
        value = getattr(import_module(f".{module}", __name__), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
