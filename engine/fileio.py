"""Reading and writing files safely.

Reading: `refuse_special_file` is the one check every reader (designs, datasets, weights, pictures) and the
command line make before opening a path: a FIFO, socket or device (or a link to one) is refused at once,
since reading it could wait forever (a FIFO) or never end (/dev/zero).

Writing: check an output path before the work that fills it (`check_writable`, `check_not_an_input`), then
write it atomically (`atomic_write`: a whole file or nothing, so a failed save never destroys the old file).
An output that is a link is written through (the link stays a link); one that is a device or other special
file is refused, never replaced. If a save fails after a long run, `rescue_save` puts the data in another
folder so the caller can say where.
"""
from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, IO, Iterator


class OutputPathError(ValueError):
    """A path the user asked to write to that can't be written; the message names the path and why."""


class SpecialFileError(ValueError):
    """A FIFO, socket or device given where a file is read; the message names the path and what it is."""


class NotRegularFileError(OSError):
    """`atomic_write` was asked to replace something that is not a regular file (a device, a FIFO...)."""


class Terminated(SystemExit):
    """SIGTERM or SIGHUP arrived while a file was being written: the temporary file is removed, the old file
    is left as it was, and the process ends with status 128 + the signal's number (as the default action
    would, minus the litter). `path` is the file that was being written."""

    def __init__(self, signum: int):
        super().__init__(128 + signum)
        self.signal_name = signal.Signals(signum).name
        self.path: str | None = None


_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def special_file_reason(path: str | os.PathLike) -> str | None:
    """What `path` is when it exists but is neither a regular file nor a folder ("a FIFO (named pipe)",
    "a link to /dev/zero, a character device"), else None (also when it does not exist). Never opens it."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    if os.path.islink(path):
        return f"a link to {os.path.realpath(path)}, {kind}"
    return kind


def refuse_special_file(path: str | os.PathLike, what: str = "a file", error: type[Exception] = SpecialFileError) -> None:
    """Raise `error` (a reader passes its own: DatasetError, SpecError) when `path` is a FIFO, socket or
    device, or a link to one; regular files, folders and missing paths pass (their readers say the rest).

    `what` says what was expected ("a dataset file", "an architecture JSON file"). The message: "PATH: is a
    FIFO (named pipe), not a dataset file; refused: reading it could wait forever or never end"."""
    reason = special_file_reason(path)
    if reason is not None:
        raise error(f"{os.fspath(path)}: is {reason}, not {what}; refused: reading it could wait forever "
                    "or never end")


def write_target(path: str | os.PathLike) -> Path:
    """The file a write to `path` changes: `path` itself, or the file a link (or a chain of links) points
    at, so that the link stays a link."""
    path = Path(os.fspath(path))
    return Path(os.path.realpath(path)) if os.path.islink(path) else path


def check_writable(path: str | os.PathLike, example: str = "run.npz") -> None:
    """OutputPathError unless a file can be written at `path`: its folder exists and takes new files, the
    path is not a folder, and not a device or other special file (those are never replaced). Call it
    before long work (training, an export) so the work isn't lost. ``example`` is the file name the
    message suggests when `path` is a folder.

    The check creates and removes a temporary file in the folder, which is what atomic_write will do;
    that also catches read-only file systems and permissions that os.access can't see (e.g. as root).
    """
    text = os.fspath(path)
    if not str(text).strip():
        raise OutputPathError("no file name given to save to")
    if "\0" in str(text):
        raise OutputPathError(f"cannot save to {text!r}: not a valid file name")
    path = Path(text)
    if path.is_dir():
        raise OutputPathError(f"cannot save to {path}: it is a folder; give a file name inside it, "
                              f"e.g. {path / example}")
    reason = special_file_reason(path)
    if reason is not None:
        raise OutputPathError(f"cannot save to {path}: it is {reason}, not a regular file; it is never replaced")
    target = write_target(path)
    folder = target.parent
    if not folder.exists():
        missing = folder
        while not missing.parent.exists() and missing.parent != missing:
            missing = missing.parent
        raise OutputPathError(f"cannot save to {path}: the folder {folder} does not exist"
                              + ("" if missing == folder else f" ({missing} is missing)"))
    if not folder.is_dir():
        raise OutputPathError(f"cannot save to {path}: {folder} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputPathError(f"cannot save to {path}: the folder {folder} does not take new files "
                              f"({_reason(exc)})") from None
    except ValueError:  # e.g. a NUL character in the name
        raise OutputPathError(f"cannot save to {text!r}: not a valid file name") from None
    os.close(fd)
    os.unlink(probe)


def check_not_an_input(output: str | os.PathLike, inputs: dict[str, str | os.PathLike]) -> None:
    """OutputPathError when `output` is one of the files the command reads ({"design": path, ...}): writing
    the result over its own input (`train X.json --save X.json`) would destroy it. Links, hard links and
    different spellings of one path count as the same file."""
    out = write_target(output)
    for label, source in inputs.items():
        if source is None:
            continue
        src = Path(os.fspath(source))
        same = os.path.realpath(out) == os.path.realpath(src)
        if not same and out.exists() and src.exists():
            with contextlib.suppress(OSError):
                same = os.path.samefile(out, src)
        if same:
            raise OutputPathError(f"cannot save to {output}: it is the {label} this command reads; "
                                  "give another file name")


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


# mkstemp's temporary name: "." + prefix + 8 random characters + ".tmp"; a name may have NAME_MAX bytes.
_RANDOM_PART = 8
_SUFFIX = ".tmp"


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def _temp_prefix(target: Path) -> str:
    """"." + the file's name + ".", cut so that the temporary name stays within the folder's name limit
    (a 250-byte name must stay writable), never in the middle of a character."""
    room = _name_max(target.parent if str(target.parent) else Path(".")) - 2 - _RANDOM_PART - len(_SUFFIX)
    encoded = os.fsencode(target.name)
    cut = encoded[:max(room, 0)]
    while cut:
        try:
            cut.decode("utf-8")
            break
        except UnicodeDecodeError:
            cut = cut[:-1]
    return f".{os.fsdecode(cut)}."


@contextlib.contextmanager
def _termination_raises() -> Iterator[None]:
    """Inside the block, SIGTERM and SIGHUP raise Terminated instead of ending the process on the spot, so
    the temporary file is removed first. Only in the main thread (the only one Python delivers signals
    to) and only where the default action is in place: a handler someone installed is left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def handler(signum, frame):
        raise Terminated(signum)

    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) == signal.SIG_DFL:
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def atomic_write(path: str | os.PathLike, write: Callable[[IO], None], binary: bool = False) -> None:
    """Call write(handle) on a temporary file beside `path`, flush it to disk, then rename it over
    `path` (os.replace is atomic on one file system). On any error — a full disk, Ctrl-C, SIGTERM or
    SIGHUP — the temporary file is removed and `path` is left as it was; an OSError names `path`, never
    the temporary file. A link is written through (the file it points at is replaced, the link stays);
    a device, FIFO or socket is refused (NotRegularFileError), never replaced."""
    path = Path(path)
    reason = special_file_reason(path)
    if reason is not None:
        raise NotRegularFileError(errno.EINVAL, f"is {reason}, not a regular file; it is never replaced", str(path))
    target = write_target(path)
    with _termination_raises():
        try:
            fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=_SUFFIX, dir=target.parent)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        try:
            with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            # mkstemp makes the file private (0600); give it the mode a plain open() would, or keep the old one.
            os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists() else 0o644)
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, Terminated):
                exc.path = str(path)
                raise
            if isinstance(exc, OSError) and exc.filename in (None, tmp, os.fspath(tmp)):
                # A full disk while writing raises OSError without a file name: name the user's file.
                raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
            raise


def rescue_save(path: str | os.PathLike, save: Callable[[Path], None]) -> Path | None:
    """After saving to `path` failed (a full disk, a folder removed during a long run): call save(other) for
    other = "<stem>-rescued-<time><suffix>" in the first folder that takes it — the temporary folder, the
    home folder, the current folder (not `path`'s own) — and return where it went, or None when none did."""
    path = Path(path)
    name = f"{path.stem or 'file'}-rescued-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}"
    own = write_target(path).parent
    folders = []
    for folder in (tempfile.gettempdir(), os.path.expanduser("~"), os.getcwd()):
        with contextlib.suppress(OSError, ValueError):
            resolved = Path(folder).resolve()
            if resolved.is_dir() and resolved not in folders and resolved != own.resolve():
                folders.append(resolved)
    for folder in folders:
        candidate = folder / name
        try:
            save(candidate)
        except OSError:
            continue
        return candidate
    return None
