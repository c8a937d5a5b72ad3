"""The custom Qt item-data roles of the designer's models, in one place.

The layer tree (`layer_model`) and the shape table (`table_model`) answer the same roles with the
same meaning, so a view or delegate (e.g. `views.StateColorDelegate`) works on either model.
"""
from __future__ import annotations

from PySide6.QtCore import Qt

_USER = Qt.ItemDataRole.UserRole

LayerIndexRole = _USER + 1  # int: position in spec.layers (of the top-level block holding an inner layer);
                            # −1 for the input row; None for the totals row
KindRole = _USER + 2        # str: "input", "conv", "pool", "dense", ... or "total"
StateRole = _USER + 3       # str: "ok", "error" (the layer cannot work), "blocked" (one above can't) or "total"
RawValueRole = _USER + 4    # the table's unformatted cell value: an int, a shape tuple or text
PathRole = _USER + 5        # tuple: the layer's path (engine.spec_paths; () for the input, a list's path for a
                            # block's list item); None for the totals row
ItemRole = _USER + 6        # str: what a layer-tree item is: "input", "layer", "list" or "empty" (a placeholder)
