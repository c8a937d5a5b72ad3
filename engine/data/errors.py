"""DatasetError, the one exception every data loader raises for a problem the user can fix."""
from __future__ import annotations


class DatasetError(ValueError):
    """A dataset that cannot be loaded or used; the one-line message names the file, the part and the reason."""


def short(exc: BaseException) -> str:
    """The first line of an exception's message, at most 120 characters (for "…(reason)" suffixes)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def fmt_shape(shape) -> str:
    return "×".join(str(int(s)) for s in shape)
