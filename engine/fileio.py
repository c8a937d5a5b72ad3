"""Writing files safely: check an output path before the work that fills it, then write it atomically
(a whole file or nothing, so a failed save never destroys the old file)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, IO


class OutputPathError(ValueError):
    """A path the user asked to write to that can't be written; the message names the path and why."""


def check_writable(path: str | os.PathLike, example: str = "run.npz") -> None:
    """OutputPathError unless a file can be written at `path`: its folder exists and takes new files, and
    the path is not a folder. Call it before long work (training, an export) so the work isn't lost.
    ``example`` is the file name the message suggests when `path` is a folder.

    The check creates and removes a temporary file in the folder, which is what atomic_write will do;
    that also catches read-only file systems and permissions that os.access can't see (e.g. as root).
    """
    text = os.fspath(path)
    if not str(text).strip():
        raise OutputPathError("no file name given to save to")
    path = Path(text)
    if path.is_dir():
        raise OutputPathError(f"cannot save to {path}: it is a folder; give a file name inside it, "
                              f"e.g. {path / example}")
    folder = path.parent
    if not folder.exists():
        missing = folder
        while not missing.parent.exists() and missing.parent != missing:
            missing = missing.parent
        raise OutputPathError(f"cannot save to {path}: the folder {folder} does not exist"
                              + ("" if missing == folder else f" ({missing} is missing)"))
    if not folder.is_dir():
        raise OutputPathError(f"cannot save to {path}: {folder} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputPathError(f"cannot save to {path}: the folder {folder} does not take new files "
                              f"({_reason(exc)})") from None
    except ValueError:  # e.g. a NUL character in the name
        raise OutputPathError(f"cannot save to {text!r}: not a valid file name") from None
    os.close(fd)
    os.unlink(probe)


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def atomic_write(path: str | os.PathLike, write: Callable[[IO], None], binary: bool = False) -> None:
    """Call write(handle) on a temporary file beside `path`, flush it to disk, then rename it over
    `path` (os.replace is atomic on one file system). On any error the temporary file is removed
    and `path` is left as it was; an OSError names `path`, never the temporary file."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain open() would, or keep the old one.
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and exc.filename in (tmp, os.fspath(tmp)):
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
