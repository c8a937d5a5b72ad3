"""Reading an ONNX file without trusting it: the model's protobuf, then each tensor's numbers on demand.

* The file is parsed with `onnx.load(..., load_external_data=False)` after its size is checked against the
  memory available (parsing holds the file's bytes and the parsed model at once). Anything that does not
  parse as a model with a graph is "not an ONNX model", in one line.
* External data (tensors stored in side files) is never read by the onnx package. Every reference is
  checked here first, before anything is read: a location must be a relative path inside the model's own
  folder (no absolute path, no "..", no symbolic link leading out), the file must exist, and the declared
  offset and length must lie inside it and match the tensor's declared size.
* A tensor's numbers are read only when asked for (`tensor_array`), after its declared size is checked
  against the data the file really holds (raw bytes, typed values or the side file) and against the memory
  available. Only numeric types become arrays; nothing is ever unpickled or executed.
"""
from __future__ import annotations

import os
import re
from math import prod
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np

from ..kinds.checks import SpecError
from ..onnx_support import require_onnx
from ..sysmem import MemoryLimitError, available_memory, format_bytes


class OnnxImportError(SpecError):
    """An ONNX file that can't become a design; the one-line message names the file, the node and why."""


# ONNX's TensorProto.DataType codes → NumPy dtypes (little-endian, as the format stores them).
NUMERIC_TYPES = {1: "<f4", 2: "u1", 3: "i1", 4: "<u2", 5: "<i2", 6: "<i4", 7: "<i8", 9: "?", 10: "<f2",
                 11: "<f8", 12: "<u4", 13: "<u8"}
TYPE_NAMES = {0: "undefined", 8: "text (strings)", 14: "complex numbers", 15: "complex numbers",
              16: "bfloat16 numbers", 17: "8-bit float numbers", 18: "8-bit float numbers",
              19: "8-bit float numbers", 20: "8-bit float numbers", 21: "4-bit numbers", 22: "4-bit numbers"}
EXTERNAL = 1   # TensorProto.DataLocation.EXTERNAL
_DRIVE = re.compile(r"^[A-Za-z]:")


def _available() -> int | None:
    try:
        return available_memory()
    except MemoryLimitError as exc:
        raise SpecError(str(exc)) from None


def _looks_like(head: bytes) -> str:
    """What a file that is not ONNX seems to be, for the refusal."""
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "a ZIP archive (a weights .npz?)"
    if head.lstrip()[:1] in (b"{", b"["):
        return "a JSON text (an architecture file?)"
    if head[:1] == b"\x80":
        return "a Python pickle (never loaded: it could run code)"
    try:
        text = head.decode("utf-8")
        if text and all(c.isprintable() or c in "\r\n\t" for c in text):
            return "a text file"
    except UnicodeDecodeError:
        pass
    return "damaged, cut short or another kind of file"


def read_model(path: Path):
    """The file's onnx.ModelProto (external data not loaded, but every reference checked). OnnxImportError
    naming the file for anything that is not a readable ONNX model."""
    onnx = require_onnx("reading ONNX files")
    label = path.name
    if path.is_dir():
        raise OnnxImportError(f"{path}: is a folder, not an ONNX model (.onnx)")
    if not path.is_file():
        raise OnnxImportError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise OnnxImportError(f"{label}: the file is empty (expected an ONNX model)")
    available = _available()
    if available is not None and 2 * size > available:
        raise OnnxImportError(f"{label}: reading this {format_bytes(size)} model needs about {format_bytes(2 * size)}; "
                              f"{format_bytes(max(available, 0))} is available")
    with open(path, "rb") as handle:
        head = handle.read(512)
    try:
        model = onnx.load(str(path), format="protobuf", load_external_data=False)
    except MemoryError:
        raise OnnxImportError(f"{label}: not enough memory to read this model") from None
    except Exception:  # noqa: BLE001  (protobuf's DecodeError and friends: the file is not a model)
        raise OnnxImportError(f"{label}: not an ONNX model: it is {_looks_like(head)}") from None
    if model.ir_version <= 0 or not model.HasField("graph") or not len(model.graph.node):
        what = _looks_like(head)
        raise OnnxImportError(f"{label}: not an ONNX model (it holds no graph of operators)"
                              + ("" if what.startswith("damaged") else f": it is {what}"))
    check_external_references(model, path.parent, label)
    return model


def _all_tensors(graph):
    """Every TensorProto of the graph: initializers and tensors in node attributes (Constant's value),
    subgraphs included."""
    stack = [graph]
    while stack:
        g = stack.pop()
        yield from g.initializer
        for node in g.node:
            for attr in node.attribute:
                if attr.HasField("t"):
                    yield attr.t
                yield from attr.tensors
                if attr.HasField("g"):
                    stack.append(attr.g)
                stack.extend(attr.graphs)


def text(value) -> str:
    """A protobuf string field as text (bytes that are not UTF-8 come back from the parser as bytes)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def tensor_name(tensor) -> str:
    return text(tensor.name) or "(unnamed)"


def external_info(tensor) -> dict:
    return {text(entry.key): text(entry.value) for entry in tensor.external_data}


def _inside_folder(location: str, folder: Path) -> Path | None:
    """The file `location` names inside `folder`, or None when it is absolute, climbs out with "..", or
    leads out through a symbolic link."""
    if not location or "\x00" in location:
        return None
    if location.startswith(("/", "\\")) or _DRIVE.match(location) or os.path.isabs(location):
        return None
    parts = set(PurePosixPath(location).parts) | set(PureWindowsPath(location).parts)
    if ".." in parts:
        return None
    target = (folder / location).resolve()
    try:
        target.relative_to(folder.resolve())
    except ValueError:
        return None
    return target


def _whole_number(text: str | None, default: int | None) -> int | None:
    if text is None:
        return default
    if not text.isdigit():
        return -1
    return int(text)


def check_external_references(model, folder: Path, label: str) -> None:
    """OnnxImportError unless every external-data reference of the model stays inside `folder` and points
    at bytes that exist and have the tensor's declared size."""
    for tensor in _all_tensors(model.graph):
        if tensor.data_location != EXTERNAL:
            continue
        info = external_info(tensor)
        name = tensor_name(tensor)
        location = info.get("location", "")
        target = _inside_folder(location, folder)
        if target is None:
            raise OnnxImportError(f"{label}: tensor {name!r} keeps its data in {location!r}, outside the model's "
                                  "folder; CNN Designer reads external data only from files beside the model")
        if not target.is_file():
            raise OnnxImportError(f"{label}: tensor {name!r} keeps its data in {location!r}, which is missing "
                                  "from the model's folder")
        nbytes = declared_bytes(tensor, label)
        offset = _whole_number(info.get("offset"), 0)
        length = _whole_number(info.get("length"), nbytes)
        if offset < 0 or length < 0:
            raise OnnxImportError(f"{label}: tensor {name!r}: the offset or length of its external data is not "
                                  "a whole number")
        if length != nbytes:
            raise OnnxImportError(f"{label}: tensor {name!r} declares {nbytes:,} bytes but its external data "
                                  f"is {length:,} bytes long")
        if offset + length > target.stat().st_size:
            raise OnnxImportError(f"{label}: tensor {name!r}: its external data runs past the end of "
                                  f"{location!r} (cut short?)")


def _dtype(tensor, label: str) -> np.dtype:
    code = tensor.data_type
    if code not in NUMERIC_TYPES:
        what = TYPE_NAMES.get(code, f"data of type {code}")
        raise OnnxImportError(f"{label}: tensor {tensor_name(tensor)!r} holds {what}, not numbers CNN "
                              "Designer reads")
    return np.dtype(NUMERIC_TYPES[code])


def tensor_dims(tensor, label: str) -> tuple[int, ...]:
    dims = tuple(int(d) for d in tensor.dims)
    if any(d < 0 for d in dims):
        raise OnnxImportError(f"{label}: tensor {tensor_name(tensor)!r} declares a negative size {dims}")
    return dims


def declared_bytes(tensor, label: str) -> int:
    return prod(tensor_dims(tensor, label)) * _dtype(tensor, label).itemsize


_TYPED_FIELDS = {"<f4": "float_data", "<f8": "double_data", "<i8": "int64_data", "<u4": "uint64_data",
                 "<u8": "uint64_data"}


def tensor_array(tensor, folder: Path, label: str) -> np.ndarray:
    """The numbers of `tensor` as a NumPy array of its declared shape (read-only when it views the file's
    bytes). OnnxImportError when the data is not numbers, does not match the declared size, or would not
    fit in memory."""
    dims = tensor_dims(tensor, label)
    dtype = _dtype(tensor, label)
    count = prod(dims)
    nbytes = count * dtype.itemsize
    name = tensor_name(tensor)
    available = _available()
    if available is not None and nbytes > available:
        raise OnnxImportError(f"{label}: tensor {name!r} declares {format_bytes(nbytes)}; "
                              f"{format_bytes(max(available, 0))} is available")
    if tensor.data_location == EXTERNAL:
        info = external_info(tensor)
        target = _inside_folder(info.get("location", ""), folder)
        if target is None or not target.is_file():          # checked when the model was read; never trusted
            raise OnnxImportError(f"{label}: tensor {name!r}: its external data is outside the model's folder")
        array = np.empty(count, dtype)
        with open(target, "rb") as handle:
            handle.seek(_whole_number(info.get("offset"), 0))
            if handle.readinto(memoryview(array).cast("B")) != nbytes:
                raise OnnxImportError(f"{label}: tensor {name!r}: its external data is cut short")
        return array.reshape(dims)
    if tensor.HasField("raw_data"):
        raw = tensor.raw_data
        if len(raw) != nbytes:
            raise OnnxImportError(f"{label}: tensor {name!r} declares {dims} ({count:,} values) but holds "
                                  f"{len(raw):,} bytes (cut short or damaged)")
        return np.frombuffer(raw, dtype).reshape(dims)
    field = _TYPED_FIELDS.get(dtype.str, "int32_data")
    values = getattr(tensor, field)
    if len(values) != count:
        raise OnnxImportError(f"{label}: tensor {name!r} declares {dims} ({count:,} values) but holds "
                              f"{len(values):,} (cut short or damaged)")
    if dtype.str == "<f2":     # float16 values travel as their bit patterns in int32_data
        return np.array(values, np.uint16).view(np.float16).reshape(dims)
    return np.array(values, dtype).reshape(dims)
