"""Where the bundled files are: the preset designs, the digits dataset, the app icon.

The files live in the repository's top-level ``resources/`` folder. An install (wheel or editable) maps
that folder onto the importable package ``cnn_designer_resources`` (see ``[tool.setuptools]`` in
pyproject.toml), so they are found with ``importlib.resources`` wherever the package was installed. Code
run from a checkout that was never installed (``PYTHONPATH=.``) reads the folder beside ``engine/``.

Every other module asks here; nothing else builds a path into ``resources/``.
"""
from __future__ import annotations

import functools
import importlib.resources
import os
from pathlib import Path

from .spec import SpecError

__all__ = [
    "RESOURCES_PACKAGE",
    "resources_dir",
    "resource_path",
    "preset_names",
    "preset_path",
    "dataset_path",
    "resolve_design",
]

RESOURCES_PACKAGE = "cnn_designer_resources"
PRESET_SUFFIX = ".json"


@functools.lru_cache(maxsize=1)
def resources_dir() -> Path:
    """The folder holding presets/, datasets/ and icons/ (the installed package, else the checkout's)."""
    try:
        root = importlib.resources.files(RESOURCES_PACKAGE)
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "resources"
    # pip installs packages as plain files (never zipped), so the traversable is a real folder.
    return Path(str(root))


def resource_path(*parts: str) -> Path:
    """A bundled file, e.g. ``resource_path("icons", "cnn-designer.svg")``; it may not exist."""
    return resources_dir().joinpath(*parts)


def preset_names() -> list[str]:
    """The bundled designs by name, sorted: ``["digits_net", "example_convnet", "lenet5"]``."""
    folder = resource_path("presets")
    return sorted(p.stem for p in folder.glob("*" + PRESET_SUFFIX)) if folder.is_dir() else []


def preset_path(name: str) -> Path:
    """The JSON file of the bundled design ``name`` (e.g. "lenet5"); it may not exist."""
    return resource_path("presets", name + PRESET_SUFFIX)


def dataset_path(filename: str) -> Path:
    """A bundled dataset file, e.g. ``dataset_path("digits.npz")``; it may not exist."""
    return resource_path("datasets", filename)


def resolve_design(text: str | os.PathLike) -> Path:
    """The design file a user means by ``text``: a path or the name of a bundled preset.

    A file that exists wins, so a local ``lenet5`` file shadows the preset. A preset name gives the
    bundled file. Anything else that looks like a path (it has a suffix or a folder) is returned as it is,
    so that loading it reports the missing file. A bare word that is neither raises SpecError listing the
    presets.
    """
    path = Path(text)
    if path.exists():
        return path
    if isinstance(text, str) and text in preset_names():
        return preset_path(text)
    if path.suffix or len(path.parts) > 1:
        return path
    presets = ", ".join(preset_names()) or "none installed"
    raise SpecError(f"{text}: no such file, and not a preset name (presets: {presets})")
