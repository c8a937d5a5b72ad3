"""Messages between the engine and its worker processes: length-prefixed JSON over a Unix stream socket,
with file descriptors (shared memory blocks) passed alongside and, for batch statistics, a few arrays as
raw bytes whose dtype and shape the JSON states. Plain data only: nothing received is ever unpickled or
run, and arrays are only of the float and integer dtypes below, their sizes checked against the bytes."""
from __future__ import annotations

import json
import os
import socket
import struct
from math import prod

import numpy as np

_HEADER = struct.Struct("<IBI")      # JSON bytes, descriptors that follow, array bytes that follow
MAX_MESSAGE = 64 << 20               # a design's JSON is a few KiB; anything near this is not ours
MAX_FDS = 8
_ARRAY_DTYPES = ("float32", "float64", "int64")


class ChannelClosed(EOFError):
    """The other process has gone (its end of the socket is closed)."""


class Channel:
    """One end of the socket. `ring` (an eventfd in semaphore mode, Linux): send() also rings it, and the
    other end's recv() waits on it (`wait_bell`) before reading. A write to a Unix socket wakes its reader
    as "the writer is about to sleep" (a sync wake-up), so on a busy machine the scheduler runs the worker
    on the parent's core, where it waits behind the parent's own part (measured: stem64's step 1.5x slower
    under load); an eventfd wakes it without that hint."""

    def __init__(self, sock: socket.socket, ring: int | None = None, wait_bell: int | None = None):
        self.sock = sock
        self.ring = ring
        self.wait_bell = wait_bell

    def fileno(self) -> int:
        return self.sock.fileno()

    def send(self, message: dict, fds=(), arrays=None) -> None:
        """`message` (JSON-able), descriptors to pass, and `arrays` (a list of NumPy arrays) to carry."""
        payload = b""
        if arrays is not None:
            arrays = [np.ascontiguousarray(a) for a in arrays]
            message = {**message, "arrays": [[a.dtype.name, list(a.shape)] for a in arrays]}
            payload = b"".join(a.tobytes() for a in arrays)
        body = json.dumps(message, separators=(",", ":")).encode()
        try:
            head = _HEADER.pack(len(body), len(fds), len(payload))
            if fds:
                self.sock.sendall(head)
                socket.send_fds(self.sock, [b"F"], list(fds))
                self.sock.sendall(body + payload)
            else:
                self.sock.sendall(head + body + payload)
            if self.ring is not None:
                os.eventfd_write(self.ring, 1)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ChannelClosed(str(exc)) from None

    def recv(self) -> tuple[dict, list]:
        """(message, descriptors); a message that carried arrays has them (copies) under "arrays"."""
        if self.wait_bell is not None:
            os.eventfd_read(self.wait_bell)          # one ring per message (semaphore mode)
        size, nfds, nbytes = _HEADER.unpack(self._exactly(_HEADER.size))
        if size > MAX_MESSAGE or nfds > MAX_FDS or nbytes > MAX_MESSAGE:
            raise ValueError(f"malformed engine message ({size} bytes, {nfds} descriptors, {nbytes} bytes)")
        fds = []
        if nfds:
            data, fds, _, _ = socket.recv_fds(self.sock, 1, nfds)
            if data != b"F" or len(fds) != nfds:
                for fd in fds:
                    socket.close(fd)
                raise ValueError("malformed engine message (descriptors)")
        message = json.loads(self._exactly(size))
        if not isinstance(message, dict):
            raise ValueError("malformed engine message (not an object)")
        if nbytes or "arrays" in message:
            message["arrays"] = _arrays(message.get("arrays"), self._exactly(nbytes))
        return message, fds

    def _exactly(self, n: int) -> bytes:
        chunks, left = [], n
        while left:
            try:
                chunk = self.sock.recv(left)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise ChannelClosed("the other process has gone")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self.sock.close()


def _arrays(meta, payload: bytes) -> list:
    """The arrays `meta` ([[dtype, shape], ...]) describes, read from `payload`; ValueError if they don't
    account for its bytes exactly."""
    if not isinstance(meta, list):
        raise ValueError("malformed engine message (arrays)")
    out, offset = [], 0
    for entry in meta:
        dtype, shape = entry
        if dtype not in _ARRAY_DTYPES or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise ValueError("malformed engine message (array)")
        size = prod(shape) * np.dtype(dtype).itemsize
        if offset + size > len(payload):
            raise ValueError("malformed engine message (array bytes)")
        out.append(np.frombuffer(payload, dtype, prod(shape), offset).reshape(shape).copy())
        offset += size
    if offset != len(payload):
        raise ValueError("malformed engine message (array bytes)")
    return out
