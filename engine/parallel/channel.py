"""Messages between the engine and its worker processes: length-prefixed JSON over a Unix stream socket,
with file descriptors (shared memory blocks) passed alongside. Plain data only: nothing received is ever
unpickled or run."""
from __future__ import annotations

import json
import socket
import struct

_HEADER = struct.Struct("<IB")       # body bytes, descriptors that follow
MAX_MESSAGE = 64 << 20               # a design's JSON is a few KiB; anything near this is not ours
MAX_FDS = 8


class ChannelClosed(EOFError):
    """The other process has gone (its end of the socket is closed)."""


class Channel:
    def __init__(self, sock: socket.socket):
        self.sock = sock

    def fileno(self) -> int:
        return self.sock.fileno()

    def send(self, message: dict, fds=()) -> None:
        body = json.dumps(message, separators=(",", ":")).encode()
        try:
            self.sock.sendall(_HEADER.pack(len(body), len(fds)))
            if fds:
                socket.send_fds(self.sock, [b"F"], list(fds))
            self.sock.sendall(body)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ChannelClosed(str(exc)) from None

    def recv(self) -> tuple[dict, list]:
        size, nfds = _HEADER.unpack(self._exactly(_HEADER.size))
        if size > MAX_MESSAGE or nfds > MAX_FDS:
            raise ValueError(f"malformed engine message ({size} bytes, {nfds} descriptors)")
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
