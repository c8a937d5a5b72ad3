"""One engine worker process as the parent sees it: started, spoken to, stopped.

It is started with fork + exec in one step (subprocess: never a fork that runs on, since the window's
process has threads), as ``python -c`` importing engine.parallel.worker from the same checkout or install,
and handed two descriptors: its end of a Unix socket (commands and replies, engine.parallel.channel) and
the read end of a lifeline pipe whose write end only the parent holds. When the parent ends, however it
ends, the lifeline closes and the worker exits at once.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from .. import runtime
from .channel import Channel, ChannelClosed

_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)   # the folder holding `engine`
_LAUNCH = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
           "from engine.parallel.worker import main; sys.exit(main())")


class WorkersUnavailable(OSError):
    """This platform can't run the engine's worker processes (they need a POSIX system that passes file
    descriptors over Unix sockets)."""


def check_platform() -> None:
    if os.name != "posix" or not hasattr(socket, "send_fds") or not hasattr(socket, "AF_UNIX"):
        raise WorkersUnavailable("worker processes need Unix sockets that pass file descriptors, which this "
                                 "system lacks")


class WorkerError(RuntimeError):
    """A worker raised an exception while computing its part (the message carries its text)."""


class WorkersLost(RuntimeError):
    """A worker process ended unexpectedly (killed, out of memory): the pool can't be used any more."""


USE_BELL = True         # the eventfd doorbell where the system has one (see Channel); tests and A/B runs may turn it off
_SAME_KIND = {kind.__name__: kind for kind in (ValueError, FloatingPointError, OverflowError, ZeroDivisionError)}


class WorkerProcess:
    """One worker process: its socket, its lifeline, and the parent's views of its gradients and I/O blocks."""

    def __init__(self, niceness: int):
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        life_read, self._life_write = os.pipe()
        self._bell = os.eventfd(0, os.EFD_SEMAPHORE | os.EFD_CLOEXEC) if USE_BELL and hasattr(os, "eventfd") \
            else None
        env = dict(os.environ)
        for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[key] = "1"          # a worker is one part on one core: its BLAS stays single-threaded
        try:
            # fork + exec at once (never a fork that runs on: the window's process has threads).
            self.process = subprocess.Popen(
                [sys.executable, "-c", _LAUNCH, _PACKAGE_ROOT, str(child_sock.fileno()), str(life_read),
                 str(int(niceness)), str(int(runtime.allocator_tuned())),
                 str(-1 if self._bell is None else self._bell)],
                pass_fds=(child_sock.fileno(), life_read) + (() if self._bell is None else (self._bell,)),
                env=env, stdin=subprocess.DEVNULL)
        except BaseException:
            parent_sock.close()
            os.close(self._life_write)
            if self._bell is not None:
                os.close(self._bell)
            raise
        finally:
            child_sock.close()
            os.close(life_read)
        self.channel = Channel(parent_sock, ring=self._bell)
        self.grads_block = None
        self.grads = {}
        self.io_block = None
        self.io = {}
        self.io_rows = 0
        self.io_masks = frozenset()
        self.io_has_x = False
        self.final = None            # the part's reply, when it came where batch partials were expected

    def request(self, message, fds=(), arrays=None) -> None:
        try:
            self.channel.send(message, fds, arrays)
        except (ChannelClosed, OSError):
            pass        # the reply that never comes says so (reply raises WorkersLost)

    def _receive(self) -> dict:
        try:
            return self.channel.recv()[0]
        except (ChannelClosed, ValueError, OSError):
            code = self.process.poll()
            raise WorkersLost("an engine worker process ended unexpectedly"
                              + ("" if code is None else f" (exit status {code})")) from None

    def partials(self) -> list:
        """The worker's partial sums for the batch statistic the parent is at (engine.parallel.reduce).
        A reply instead means its part ended (an error): kept for reply(), and raised now."""
        message = self._receive()
        if message.get("op") == "partials":
            return message["arrays"]
        self.final = message
        self._check(message)
        raise WorkerError("engine worker: its part ended before the batch statistics")

    def reply(self) -> dict:
        """The part's reply (its result, or its error raised here). Batch partials still coming after
        this step failed are answered with "abort"."""
        if self.final is not None:
            message, self.final = self.final, None
        else:
            while True:
                message = self._receive()
                if message.get("op") != "partials":
                    break
                self.request({"op": "abort"})
        return self._check(message)

    def _check(self, message) -> dict:
        if "error" in message:
            # What a user's data can cause (labels out of range, overflow under errstate "raise") comes back
            # as the same exception with the same words; anything else names the worker.
            kind = _SAME_KIND.get(message.get("kind"))
            if kind is not None:
                raise kind(message["error"])
            raise WorkerError(f"engine worker: {message.get('kind', 'Error')}: {message['error']}")
        return message

    def stop(self) -> None:
        try:
            self.channel.send({"op": "quit"})
        except (ChannelClosed, OSError):
            pass
        self.channel.close()
        if self._life_write is not None:
            os.close(self._life_write)        # the lifeline: the worker exits now even if it is busy
            self._life_write = None
        if self._bell is not None:
            os.close(self._bell)
            self._bell = None
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.io, self.grads = {}, {}
        for block in (self.io_block, self.grads_block):
            if block is not None:
                block.close()
