"""Network specifications: the designer's document, and the "cnn-designer/1" JSON format.

A NetworkSpec is plain data: an input shape and a list of layer specs. It knows nothing of
weights or shapes beyond the input; `engine.shapes.summarize` works the shapes out and
`engine.network.Network.from_spec` builds the layers.

Reading JSON validates every field a user can get wrong and raises SpecError with a message
that names the layer, the field, the value and the reason.
"""
from __future__ import annotations

import json
import os
import reprlib
import unicodedata
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .fileio import atomic_write, refuse_special_file
from .kinds import is_registered, kind_for, kind_of, type_names
from .kinds.checks import MAX_CHANNELS, MAX_DEPTH, MAX_IMAGE_SIDE, MAX_LAYERS, SpecError, int_field
from .kinds.tree import walk_layers

FORMAT = "cnn-designer/1"
KNOWN_FORMATS = (FORMAT,)
MAX_DESIGN_BYTES = 16 << 20    # a design of MAX_LAYERS layers is well under a megabyte of JSON

# The layer kinds' spec classes live in engine.kinds (and `from engine import ConvSpec`); the field
# checks and limits in engine.kinds.checks. SpecError, defined there, is the error every reader raises.
__all__ = [
    "FORMAT", "KNOWN_FORMATS", "NetworkSpec", "InputSpec", "LayerSpec", "SpecError", "check_input_shape",
    "LayerEntry", "walk_layers", "copy_layer", "MAX_DEPTH",
    "layer_to_dict", "parse_layer", "validate_layer", "normalize_layer", "parse_input", "parse_network",
    "check_unique_names", "load_spec", "save_spec", "write_text_atomic", "unique_name",
]


@dataclass
class InputSpec:
    """The input volume n_H × n_W × n_C."""

    shape: tuple[int, int, int] = (32, 32, 3)


LayerSpec = Any  # an instance of a registered kind's spec class (engine.kinds: ConvSpec, PoolSpec, ...)


def unique_name(base: str, taken: set) -> str:
    """`base`, or `base_2`, `base_3`, ... — the first not in `taken`, which is added to it."""
    candidate, suffix = base, 2
    while candidate in taken:
        candidate, suffix = f"{base}_{suffix}", suffix + 1
    taken.add(candidate)
    return candidate


@dataclass(frozen=True)
class LayerEntry:
    """One layer of a design, inner layers of blocks included, as `NetworkSpec.walk()` lists them.

    path: where it sits in the nested lists — (i,) for spec.layers[i]; a layer inside a block adds
    (list, position): (3, 1, 0) is the first layer of the second inner list (child_lists order: a
    residual's shortcut, a concat's second branch) of spec.layers[3]. index: the top-level position
    of the layer or of the block holding it. depth: 0 at the top level. parent: the enclosing block's
    name; branch: the label of the inner list it is in ("main", "shortcut", "branch 2").
    """

    layer: Any
    name: str
    path: tuple
    index: int
    depth: int = 0
    parent: str | None = None
    branch: str | None = None


@dataclass
class NetworkSpec:
    input: InputSpec = field(default_factory=InputSpec)
    layers: list = field(default_factory=list)
    name: str | None = None

    # ----- names -------------------------------------------------------------------------
    def layer_names(self) -> list[str]:
        """Each top-level layer's display name (aligned with `layers`): its own, or one generated
        course-style (see `walk`, which names the inner layers of blocks too)."""
        return [entry.name for entry in self.walk() if entry.depth == 0]

    def walk(self) -> list[LayerEntry]:
        """Every layer, inner layers of blocks included, in table order (a block, then its inner
        layers list by list), each with its name unique in the whole design.

        The course numbers layers the way LeNet-5 is drawn: a conv and the pool after it share a
        number (CONV1, POOL1), every FC layer takes the next one (FC3, FC4), and a softmax output
        layer is called "Softmax". Inner layers continue the numbering in table order; blocks count
        on their own (RES1, RES2). Generated names skip names a user already gave.
        """
        walked = list(walk_layers(self.layers))
        taken = {layer.name for _, layer, *_ in walked if layer.name}
        number = 0
        own_counts: dict[str, int] = {}
        last = len(self.layers) - 1
        names_by_id: dict[int, str] = {}
        entries: list[LayerEntry] = []
        for path, layer, depth, parent, branch in walked:
            kind = kind_of(layer)
            if kind.own_numbering:
                own_counts[kind.type_name] = count = own_counts.get(kind.type_name, 0) + 1
            elif kind.numbered:
                number += 1
            elif number == 0:
                number = 1
            if layer.name:
                name = layer.name
            else:
                is_last = depth == 0 and path[0] == last
                base = kind.auto_name(layer, count if kind.own_numbering else number, is_last)
                name = unique_name(base, taken)
            names_by_id[id(layer)] = name
            entries.append(LayerEntry(layer, name, path, path[0], depth,
                                      names_by_id.get(id(parent)) if parent is not None else None, branch))
        return entries

    def layer_at(self, path: tuple):
        """The layer at `path` (see LayerEntry.path); IndexError/KeyError if there is none."""
        layer = self.layers[path[0]]
        for position, i in zip(path[1::2], path[2::2]):
            layer = kind_of(layer).child_lists(layer)[position][1][i]
        return layer

    # ----- (de)serialisation ---------------------------------------------------------------
    def to_dict(self) -> dict:
        """The "cnn-designer/1" document. Layer names are written only where a user set them."""
        doc: dict[str, Any] = {"format": FORMAT}
        if self.name:
            doc["name"] = self.name
        doc["input"] = {"shape": list(self.input.shape)}
        doc["layers"] = [layer_to_dict(layer) for layer in self.layers]
        return doc

    @classmethod
    def from_dict(cls, doc: Any) -> "NetworkSpec":
        return parse_network(doc)

    def copy(self) -> "NetworkSpec":
        """A deep copy: the layers of blocks are copied too."""
        return NetworkSpec(InputSpec(tuple(self.input.shape)), [copy_layer(layer) for layer in self.layers],
                           self.name)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _is_layer(value) -> bool:
    return hasattr(value, "__dataclass_fields__") and isinstance(getattr(value, "type", None), str)


def _plain(value):
    """A field's value as JSON data: inner layer lists (of blocks) become lists of layer dicts."""
    if isinstance(value, list):
        return [layer_to_dict(item) if _is_layer(item) else _plain(item) for item in value]
    return value


def layer_to_dict(layer) -> dict:
    out: dict[str, Any] = {"type": layer.type}
    for f in fields(layer):
        if f.name == "type":
            continue
        value = getattr(layer, f.name)
        if f.name == "name" and not value:
            continue
        if f.metadata.get("omit_default") and value == f.default:
            continue      # a field added later: files without it read the same in older versions
        out[f.name] = _plain(value)
    return out


def _copied(value):
    if isinstance(value, list):
        return [copy_layer(item) if _is_layer(item) else _copied(item) for item in value]
    return value


def copy_layer(layer):
    """A copy of a layer spec that shares nothing with it (a block's inner lists are copied too)."""
    return replace(layer, **{f.name: _copied(getattr(layer, f.name)) for f in fields(layer)
                             if f.init and isinstance(getattr(layer, f.name), list)})


# ----- parsing and validation -------------------------------------------------------------

def _layer_label(index: int, raw: dict) -> str:
    name = raw.get("name") if isinstance(raw, dict) else None
    label = f"layer {index + 1}"
    if isinstance(name, str) and name:
        label += f" ({name})" if _is_one_line(name) else f" ({name!r})"
    return label


# Characters that would break a message or a table row into lines, or can't be written as UTF-8.
_LINE_BREAKING = {"Cc", "Cs", "Zl", "Zp"}


def _is_one_line(text: str) -> bool:
    return not any(unicodedata.category(ch) in _LINE_BREAKING for ch in text)


def _check_name(where: str, name) -> None:
    """Names are shown in the table, in messages and as weight keys: one line of printable text."""
    if isinstance(name, str) and not _is_one_line(name):
        raise SpecError(f"{where}: field 'name' must be one line of text without control characters, "
                        f"got {name!r}")


def _show(value) -> str:
    """repr() for a message: short, one line, and safe for values nested arbitrarily deep."""
    return reprlib.repr(value)


class _Budget:
    """Counts the layers parsed so far in the whole design (blocks' inner layers included)."""

    def __init__(self):
        self.count = 0

    def take(self, where: str) -> None:
        self.count += 1
        if self.count > MAX_LAYERS:
            raise SpecError(f"{where}: the design has more than {MAX_LAYERS:,} layers (blocks' inner layers "
                            "included); that is too many")


def parse_layer(index: int, raw: Any, *, prefix: str = "", depth: int = 0, budget: _Budget | None = None
                ) -> LayerSpec:
    """One layer dict → a layer spec; `index` is 0-based and only used in messages. `prefix` names the
    block and list holding an inner layer ("layer 3 (RES1) › main, "), `depth` its nesting, `budget`
    the count of layers parsed so far in the design."""
    budget = budget or _Budget()
    where = prefix + _layer_label(index, raw if isinstance(raw, dict) else {})
    budget.take(where)
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: expected an object like {{\"type\": \"conv\", ...}}, got {type(raw).__name__}")
    known_types = ", ".join(type_names())
    type_name = raw.get("type")
    if type_name is None:
        raise SpecError(f"{where}: field 'type' is missing (one of {known_types})")
    if not isinstance(type_name, str):
        raise SpecError(f"{where}: field 'type' must be text, one of {known_types}; got {_show(type_name)}")
    if not is_registered(type_name):
        raise SpecError(f"{where}: unknown layer type {type_name!r} (known: {known_types})")
    kind = kind_for(type_name)
    allowed = kind.field_names()
    unknown = [key for key in raw if key not in allowed]
    if unknown:
        known = ", ".join(sorted(allowed - {"type"}))
        raise SpecError(f"{where}: unknown field {unknown[0]!r} for a {type_name} layer (known: {known})")
    for key in kind.required:
        if key not in raw:
            raise SpecError(f"{where}: a {type_name} layer needs field '{key}'")
    values = {key: value for key, value in raw.items() if key != "type"}
    if "name" in values:
        name = values["name"]
        if name is not None and not isinstance(name, str):
            raise SpecError(f"{where}: field 'name' must be text, got {name!r}")
        values["name"] = name.strip() if isinstance(name, str) and name.strip() else None
    if depth >= MAX_DEPTH and kind.is_block:
        raise SpecError(f"{where}: blocks are nested more than {MAX_DEPTH} deep; a design needs far fewer levels")

    def parse_list(raw_list, label: str, what: str) -> list:
        """Parse one inner list; `label` names it in messages ("main"), `what` says what it is
        ("field 'layers' (the main path)")."""
        if not isinstance(raw_list, list):
            raise SpecError(f"{where}: {what} must be a list of layers, got {_show(raw_list)}")
        inner = f"{where} › {label}, "
        return [parse_layer(i, item, prefix=inner, depth=depth + 1, budget=budget)
                for i, item in enumerate(raw_list)]

    values = kind.parse_lists(values, where, parse_list)
    layer = kind.spec_class(**values)
    kind.validate(layer, where)
    return kind.normalize(layer)


def validate_layer(layer, where: str) -> None:
    """Check every field of one layer spec; raise SpecError naming `where`, the field and the value.

    The layer is left exactly as it was (see `normalize_layer` for canonical types).
    """
    if not is_registered(getattr(layer, "type", None)):
        raise SpecError(f"{where}: unknown layer type {getattr(layer, 'type', None)!r} "
                        f"(known: {', '.join(type_names())})")
    kind_of(layer).validate(layer, where)


def normalize_layer(layer):
    """A copy of a valid layer spec with its values in canonical types (e.g. a dropout rate as float)."""
    return kind_of(layer).normalize(layer)


def parse_input(raw: Any) -> InputSpec:
    if not isinstance(raw, dict):
        raise SpecError(f"input: expected an object like {{\"shape\": [32, 32, 3]}}, got {_show(raw)}")
    unknown = [key for key in raw if key != "shape"]
    if unknown:
        raise SpecError(f"input: unknown field {unknown[0]!r} (known: shape)")
    if "shape" not in raw:
        raise SpecError("input: field 'shape' is missing (e.g. [32, 32, 3] for n_H, n_W, n_C)")
    return InputSpec(check_input_shape(raw["shape"]))


def check_input_shape(shape: Any) -> tuple[int, int, int]:
    """The input volume (n_H, n_W, n_C) as a tuple, or SpecError naming the axis, value and limit.

    The one home of the input's rules: JSON reading and the designer's input editor both call it.
    Limits: 1 ≤ n_H, n_W ≤ MAX_IMAGE_SIDE and 1 ≤ n_C ≤ MAX_CHANNELS.
    """
    if not isinstance(shape, (list, tuple)) or len(shape) != 3:
        raise SpecError(f"input: field 'shape' must be three whole numbers [n_H, n_W, n_C], got {_show(shape)}")
    n_H = int_field("input", "shape n_H", shape[0], 1, MAX_IMAGE_SIDE)
    n_W = int_field("input", "shape n_W", shape[1], 1, MAX_IMAGE_SIDE)
    n_C = int_field("input", "shape n_C", shape[2], 1, MAX_CHANNELS)
    return n_H, n_W, n_C


def parse_network(doc: Any) -> NetworkSpec:
    """A decoded JSON document → NetworkSpec, or SpecError saying what is wrong."""
    if not isinstance(doc, dict):
        raise SpecError(f"expected a JSON object with \"format\", \"input\" and \"layers\", got {type(doc).__name__}")
    fmt = doc.get("format")
    if fmt is None:
        raise SpecError(f"field 'format' is missing; this app reads \"{FORMAT}\"")
    if fmt not in KNOWN_FORMATS:
        raise SpecError(f"unknown format {_show(fmt)}; this version of CNN Designer reads only \"{FORMAT}\"")
    unknown = [key for key in doc if key not in ("format", "name", "input", "layers")]
    if unknown:
        raise SpecError(f"unknown top-level field {unknown[0]!r} (known: format, name, input, layers)")
    name = doc.get("name")
    if name is not None and not isinstance(name, str):
        raise SpecError(f"field 'name' must be text, got {_show(name)}")
    _check_name("design", name)
    if "input" not in doc:
        raise SpecError("field 'input' is missing (e.g. {\"shape\": [32, 32, 3]})")
    input_spec = parse_input(doc["input"])
    layers_raw = doc.get("layers", [])
    if not isinstance(layers_raw, list):
        raise SpecError(f"field 'layers' must be a list, got {type(layers_raw).__name__}")
    if len(layers_raw) > MAX_LAYERS:
        raise SpecError(f"{len(layers_raw):,} layers is too many (at most {MAX_LAYERS:,})")
    budget = _Budget()
    layers = [parse_layer(i, raw, budget=budget) for i, raw in enumerate(layers_raw)]
    spec = NetworkSpec(input_spec, layers, name or None)
    check_unique_names(spec)
    return spec


def _path_text(path: tuple) -> str:
    """"layer 3" for a top-level layer, "layer 3 › list 1, layer 2" inside a block."""
    text = f"layer {path[0] + 1}"
    for position, i in zip(path[1::2], path[2::2]):
        text += f" › list {position + 1}, layer {i + 1}"
    return text


def check_unique_names(spec: NetworkSpec) -> None:
    """SpecError if two layers anywhere in the design (inner layers of blocks included) share a name,
    or a name is not one line of text."""
    seen: dict[str, tuple] = {}
    for path, layer, *_ in walk_layers(spec.layers):
        where = _path_text(path)
        _check_name(where, layer.name)
        if layer.name:
            if layer.name in seen:
                raise SpecError(f"{where}: name {layer.name!r} is already used by {_path_text(seen[layer.name])}; "
                                "layer names must be unique in the whole design")
            seen[layer.name] = path


# ----- files ------------------------------------------------------------------------------

def _json_problem(exc: json.JSONDecodeError, text: str) -> str:
    """A JSON syntax error in plain words: where, and what (a file cut short says so)."""
    where = f"not valid JSON at line {exc.lineno}, column {exc.colno}"
    if not text[exc.pos:].strip():
        return f"{where}: the file ends there (cut short?)"
    if exc.msg.startswith("Unterminated string"):
        return f"{where}: quoted text that is never closed (cut short?)"
    return f"{where}: {exc.msg[0].lower()}{exc.msg[1:]}"


def load_spec(path: str | os.PathLike) -> NetworkSpec:
    """Read an architecture JSON file; any problem → SpecError naming the file (a FIFO or device, and a
    file larger than MAX_DESIGN_BYTES, are refused before they are read)."""
    path = Path(path)
    refuse_special_file(path, "an architecture JSON file", SpecError)   # a FIFO would wait, /dev/zero never end
    try:
        if path.is_file() and path.stat().st_size > MAX_DESIGN_BYTES:
            raise SpecError(f"{path}: {path.stat().st_size:,} bytes, far more than an architecture JSON file "
                            f"holds (at most {MAX_DESIGN_BYTES // 2**20} MB); not a design")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: is a folder, not an architecture JSON file") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a text file (expected architecture JSON)") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not text.strip():
        raise SpecError(f"{path}: the file is empty (expected architecture JSON)")
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: {_json_problem(exc, text)}") from None
    except _NotJSONNumber as exc:
        raise SpecError(f"{path}: not valid JSON: {exc}") from None
    except RecursionError:
        raise SpecError(f"{path}: not an architecture file: its JSON is nested too deeply") from None
    except ValueError:   # Python refuses to read integers of more than 4,300 digits
        raise SpecError(f"{path}: not an architecture file: it holds a number thousands of digits long") from None
    try:
        return parse_network(doc)
    except SpecError as exc:
        raise SpecError(f"{path.name}: {exc}") from None


class _NotJSONNumber(ValueError):
    pass


def _reject_constant(word: str):
    """Python's json reads NaN and Infinity; JSON has no such numbers, and no design field takes them."""
    raise _NotJSONNumber(f"{word} is not a number JSON allows (write a number)")


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write a whole text file or nothing (see engine.fileio.atomic_write)."""
    atomic_write(path, lambda handle: handle.write(text))


def save_spec(spec: NetworkSpec, path: str | os.PathLike) -> None:
    """Write `spec` as "cnn-designer/1" JSON, atomically."""
    write_text_atomic(path, spec.to_json() + "\n")
