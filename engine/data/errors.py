"""DatasetError, the one exception every data loader raises for a problem the user can fix; LoadCancelled, how a
load is stopped from outside; the memory check every reader makes before it allocates."""
from __future__ import annotations

from ..sysmem import allocation_refusal


class DatasetError(ValueError):
    """A dataset that cannot be loaded or used; the one-line message names the file, the part and the reason."""


def short(exc: BaseException) -> str:
    """The first line of an exception's message, at most 120 characters (for "…(reason)" suffixes)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def fmt_shape(shape) -> str:
    return "×".join(str(int(s)) for s in shape)


class LoadCancelled(Exception):
    """Raised by a loader's progress callback to stop the load (a window closing during a long read):
    the loaders call the callback between chunks — at least every few megabytes, every few thousand CSV
    lines, every image — and let it propagate, so the load ends within a moment. Not an error: nothing
    is reported."""


def check_fits(nbytes: int, where: str, what: str) -> None:
    """DatasetError "<where>: <what> would take 6.0 GB of memory, more than the 2.1 GB available; refused
    before reading it" when `nbytes` (what a file declares) is more than the memory available (see
    engine.sysmem: the machine, the process limits, CNN_DESIGNER_MEMORY_LIMIT). Call it before allocating."""
    refusal = allocation_refusal(int(nbytes), what)
    if refusal is not None:
        raise DatasetError(f"{where}: {refusal}")


def printable(text: str, limit: int = 40) -> str:
    """`text` for a one-line message: control characters (NUL, newlines) escaped, at most `limit` characters."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"
