"""Shared memory blocks for the worker processes: anonymous, handed over by file descriptor, never named.

A block is a memfd (Linux) or an unlinked temporary file (other POSIX systems) mapped into the parent and
passed to each worker over its Unix socket (SCM_RIGHTS). Nothing has a name in /dev/shm or anywhere else,
so nothing is left behind however the processes end, even after a kill -9: the kernel frees the memory
when the last process that maps it is gone.

A :class:`Layout` places named arrays in a block at 64-byte boundaries; it travels to the workers as plain
JSON data (names, offsets, shapes, dtype names), and both sides make NumPy views with it.
"""
from __future__ import annotations

import mmap
import os
import tempfile
from dataclasses import dataclass
from math import prod

import numpy as np

ALIGN = 64
_DTYPES = ("float32", "float64")


class SharedMemoryUnavailable(OSError):
    """This system can't give the engine shared memory (no memfd, no temporary file to map)."""


@dataclass(frozen=True)
class Layout:
    """Named arrays in one block: {name: (offset, shape)}, all of `dtype`."""

    dtype: str
    entries: dict
    nbytes: int

    @classmethod
    def of(cls, shapes: dict, dtype) -> "Layout":
        """Arrays of `shapes` ({name: shape}) one after another, each on a 64-byte boundary."""
        dtype = np.dtype(dtype).name
        itemsize = np.dtype(dtype).itemsize
        offset, entries = 0, {}
        for name, shape in shapes.items():
            shape = tuple(int(d) for d in shape)
            entries[name] = (offset, shape)
            offset += -(-prod(shape) * itemsize // ALIGN) * ALIGN
        return cls(dtype, entries, max(offset, ALIGN))

    def to_data(self) -> dict:
        return {"dtype": self.dtype, "nbytes": self.nbytes,
                "entries": [[name, offset, list(shape)] for name, (offset, shape) in self.entries.items()]}

    @classmethod
    def from_data(cls, data: dict) -> "Layout":
        """The layout a parent sent; ValueError for anything but names, offsets and shapes in bounds."""
        dtype, nbytes = data["dtype"], int(data["nbytes"])
        if dtype not in _DTYPES:
            raise ValueError(f"shared layout: dtype {dtype!r} is not one of {', '.join(_DTYPES)}")
        itemsize = np.dtype(dtype).itemsize
        entries = {}
        for name, offset, shape in data["entries"]:
            offset, shape = int(offset), tuple(int(d) for d in shape)
            if offset < 0 or min(shape, default=1) < 0 or offset + prod(shape) * itemsize > nbytes:
                raise ValueError(f"shared layout: {name} does not fit in the block")
            entries[str(name)] = (offset, shape)
        return cls(dtype, entries, nbytes)


class SharedBlock:
    """One block of shared memory mapped into this process. `fd` stays open in the parent until every
    worker has its own copy (:meth:`release_fd`)."""

    def __init__(self, fd: int, nbytes: int):
        self.fd = fd
        self.nbytes = nbytes
        self._map = mmap.mmap(fd, nbytes)

    @classmethod
    def create(cls, nbytes: int) -> "SharedBlock":
        """A fresh zeroed block of `nbytes`; SharedMemoryUnavailable when the system can't give one."""
        nbytes = max(int(nbytes), ALIGN)
        try:
            if hasattr(os, "memfd_create"):
                fd = os.memfd_create("cnn-designer-engine", os.MFD_CLOEXEC)
            else:
                with tempfile.TemporaryFile() as handle:   # unlinked already: no name to clean up
                    fd = os.dup(handle.fileno())
            os.ftruncate(fd, nbytes)
            return cls(fd, nbytes)
        except (OSError, ValueError) as exc:
            raise SharedMemoryUnavailable(f"shared memory is unavailable ({exc})") from None

    @classmethod
    def attach(cls, fd: int, nbytes: int) -> "SharedBlock":
        """The worker's side: map the block it received and close the descriptor (the mapping keeps it)."""
        block = cls(fd, nbytes)
        block.release_fd()
        return block

    def release_fd(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def arrays(self, layout: Layout) -> dict:
        """{name: array view} of `layout` in this block."""
        if layout.nbytes > self.nbytes:
            raise ValueError("shared layout is larger than its block")
        dtype = np.dtype(layout.dtype)
        return {name: np.frombuffer(self._map, dtype, prod(shape), offset).reshape(shape)
                for name, (offset, shape) in layout.entries.items()}

    def close(self) -> None:
        """Unmap the block if no array still looks into it (else the last view's end unmaps it)."""
        self.release_fd()
        try:
            self._map.close()
        except BufferError:
            pass
