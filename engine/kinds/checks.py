"""Value checks shared by the layer kinds, the limits they enforce, and SpecError.

Each check returns the value when it is acceptable and otherwise raises SpecError with a message
that names the layer (`where`), the field, the value and the reason. Checks never change anything.
"""
from __future__ import annotations


class SpecError(ValueError):
    """A design or file a user wrote that cannot be used; the message says where and why."""


HIDDEN_ACTIVATIONS = ("relu", "relu6", "leaky_relu", "tanh", "sigmoid", "linear")
ACTIVATIONS = HIDDEN_ACTIVATIONS + ("softmax",)
PADDING_WORDS = ("valid", "same")
POOL_MODES = ("max", "avg")

# Upper bounds that catch typos (an extra zero or two) long before they exhaust memory.
MAX_IMAGE_SIDE = 4096
MAX_CHANNELS = 4096
MAX_FILTERS = 4096
MAX_FILTER_SIZE = 255
MAX_STRIDE = 255
MAX_PADDING = 255
MAX_UNITS = 1_000_000
MAX_LAYERS = 1000        # in the whole design, the layers inside blocks included
MAX_DEPTH = 32           # blocks inside blocks: deeper than any published network, far from Python's stack


def is_int(value) -> bool:
    """A whole number, and not a bool (True is an int to Python, never to a user)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def int_field(where: str, key: str, value, low: int, high: int, hint: str = "") -> int:
    if not is_int(value):
        raise SpecError(f"{where}: field '{key}' must be a whole number, got {value!r}")
    if value < low:
        reason = "must be positive" if low == 1 else f"must be at least {low}"
        raise SpecError(f"{where}: field '{key}' {reason}, got {value}{hint}")
    if value > high:
        raise SpecError(f"{where}: field '{key}' = {value:,} is too large (at most {high:,})")
    return value


def choice_field(where: str, key: str, value, choices) -> str:
    if not isinstance(value, str) or value not in choices:
        raise SpecError(f"{where}: field '{key}' must be one of {', '.join(choices)}; got {value!r}")
    return value


def bool_field(where: str, key: str, value) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"{where}: field '{key}' must be true or false, got {value!r}")
    return value


def positive_number_field(where: str, key: str, value, high: float | None = None) -> float:
    """A number > 0 (and ≤ high), such as batch norm's epsilon."""
    if not is_number(value) or not value > 0 or value != value:
        raise SpecError(f"{where}: field '{key}' must be a number greater than 0, got {value!r}")
    if high is not None and value > high:
        raise SpecError(f"{where}: field '{key}' = {value} is too large (at most {high})")
    return value


def padding_field(where: str, value):
    if isinstance(value, str):
        return choice_field(where, "padding", value, PADDING_WORDS)
    if is_int(value):
        return int_field(where, "padding", value, 0, MAX_PADDING)
    raise SpecError(f"{where}: field 'padding' must be \"valid\", \"same\" or a whole number ≥ 0; got {value!r}")


def fraction_field(where: str, key: str, value) -> float:
    """A number from 0 up to (not including) 1, such as a dropout rate."""
    if not is_number(value):
        raise SpecError(f"{where}: field '{key}' must be a number from 0 up to (not including) 1, got {value!r}")
    if not 0 <= value < 1:
        raise SpecError(f"{where}: field '{key}' must be from 0 up to (not including) 1, got {value}")
    return value
