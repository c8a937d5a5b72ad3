"""The registry: JSON `type` → LayerKind. The only place a layer's type is looked up."""
from __future__ import annotations

from .base import LayerKind
from .checks import SpecError

_KINDS: dict[str, LayerKind] = {}


def register(kind: LayerKind) -> LayerKind:
    """Make `kind` known under `kind.type_name` (after the kinds already registered)."""
    if not isinstance(kind.type_name, str) or not kind.type_name:
        raise ValueError(f"a layer kind needs a type_name, got {kind.type_name!r}")
    if kind.type_name == "input":   # the summary's row 0 and the designer's input page use this word
        raise ValueError('"input" is not a layer type: it names the input volume')
    if kind.type_name in _KINDS:
        raise ValueError(f"layer kind {kind.type_name!r} is already registered")
    _KINDS[kind.type_name] = kind
    return kind


def unregister(type_name: str) -> None:
    """Forget a kind (for tests that register a toy kind)."""
    _KINDS.pop(type_name, None)


def type_names() -> tuple[str, ...]:
    """The registered JSON types, in registration order (the designer's button order)."""
    return tuple(_KINDS)


def all_kinds() -> tuple[LayerKind, ...]:
    return tuple(_KINDS.values())


def is_registered(type_name) -> bool:
    return isinstance(type_name, str) and type_name in _KINDS


def kind_for(type_name: str) -> LayerKind:
    """The kind registered as `type_name`; SpecError if there is none."""
    if not is_registered(type_name):
        raise SpecError(f"unknown layer type {type_name!r} (known: {', '.join(_KINDS)})")
    return _KINDS[type_name]


def kind_of(layer) -> LayerKind:
    """The kind of a layer spec (any object with a `type`)."""
    return kind_for(layer.type)
