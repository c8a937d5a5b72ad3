"""Layer names from ONNX node names: PyTorch's "/layer1/layer1.0/conv1/Conv" becomes "layer1.0.conv1" (the
module's qualified name), a plain name ("CONV1", "conv2d_1") stays as it is, and names are made unique in the
whole design ("b1", "b1_2"). A node without a usable name leaves the layer to the course's naming (CONV1, ...).
"""
from __future__ import annotations

import unicodedata

from ..spec import unique_name

MAX_NAME = 80


def module_path(node_name: str) -> str:
    """PyTorch's scoped node name → the module's qualified name ("" for a node outside any module).

    Each scope level repeats its parent for children of containers ("/layer1/layer1.0/conv1/Conv"), so a
    level that extends the one before it replaces it."""
    parts: list[str] = []
    for part in node_name.strip("/").split("/")[:-1]:
        if parts and part.startswith(parts[-1] + "."):
            parts[-1] = part
        elif part:
            parts.append(part)
    return ".".join(parts)


def _printable(text: str) -> str:
    cleaned = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" and unicodedata.category(ch)
                      not in ("Zl", "Zp")).strip()
    return cleaned[:MAX_NAME]


class NameBook:
    """Hands out layer names, each once."""

    def __init__(self):
        self.taken: set[str] = set()

    def take(self, node_name: str, weight_name: str = "") -> str | None:
        name = module_path(node_name) if node_name.startswith("/") else node_name
        if not name and weight_name.endswith(".weight"):
            name = weight_name[:-len(".weight")]
        name = _printable(name)
        return unique_name(name, self.taken) if name else None
