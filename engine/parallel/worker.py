"""The worker process: one copy of the network's layers that runs the batch parts the engine sends it.

Started by engine.parallel.pool as ``python -c ... <socket fd> <lifeline fd> <niceness> <tune allocator>``.
Its weights are views on the parent's shared weights block (the optimizer's in-place update is seen here
with no copy); its part of a batch, the dropout masks of that part, the logits and their gradient come and
go through its own shared I/O block, and its part's weight gradients through its gradients block. The
socket carries only small JSON commands and replies.

It never outlives the engine that started it: a thread waits on the lifeline pipe, whose other end only
the parent holds; when the parent ends in any way (even kill -9) the read returns and the worker exits
at once, whatever it was computing. No Qt, no designer: only NumPy and the engine.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
import traceback

import numpy as np

from .. import runtime
from ..batch_reduce import IDENTITY
from ..layers import iter_layers
from ..network import Network
from ..spec import NetworkSpec
from .channel import Channel, ChannelClosed
from .reduce import WorkerReducer
from .shared import Layout, SharedBlock


def _watch_lifeline(fd: int) -> None:
    """Exit this process as soon as the parent's end of the lifeline closes."""
    def wait():
        try:
            while os.read(fd, 64):
                pass
        except OSError:
            pass
        os._exit(0)
    threading.Thread(target=wait, name="cnn-engine-lifeline", daemon=True).start()


class _IntoBlock(dict):
    """The grads dict a layer's backward fills: each gradient is copied into the shared block as it is
    set and then let go, so the worker never holds a private copy of all its gradients."""

    def __init__(self, block_views: dict):
        super().__init__()
        self.views = block_views

    def __setitem__(self, key, value):
        view = self.views[key]
        np.copyto(view, value)
        super().__setitem__(key, view)


class Worker:
    def __init__(self, channel: Channel):
        self.channel = channel
        self.net = None
        self.blocks = {}          # "params", "grads", "io": SharedBlock
        self.grads = {}           # key → view in the gradients block
        self.io = {}              # "x", "y", "logits", "dlogits", "mask.<layer index>" → view
        self.batch = None         # the shared batch buffer, when the parent uses one
        self.walk = []            # every layer, inner ones included, in table order (masks by position)
        self._part_message = {}   # the forward's part and parts, for its backward (two-phase steps)

    # ----- commands ------------------------------------------------------------------------------
    def setup(self, message, fds):
        """The design and the weights block; the gradients block."""
        params_layout, grads_layout = Layout.from_data(message["params"]), Layout.from_data(message["grads"])
        self._map("params", fds[0], params_layout)
        self._map("grads", fds[1], grads_layout)
        params = self.blocks["params"].arrays(params_layout)
        self.grads = {key[len("grad."):]: view for key, view in self.blocks["grads"].arrays(grads_layout).items()}
        spec = NetworkSpec.from_dict(message["spec"])
        shared = {"param": {}, "state": {}}
        for key, view in params.items():
            kind, name = key.split(".", 1)
            shared[kind][name] = view
        self.net = Network(spec, shared["param"], np.dtype(params_layout.dtype), int(message.get("seed", 0)),
                           state=shared["state"])
        self.walk = list(iter_layers(self.net.layers))
        return {"ok": True, "pid": os.getpid()}

    def map_io(self, message, fds):
        layout = Layout.from_data(message["layout"])
        self._map("io", fds[0], layout)
        self.io = self.blocks["io"].arrays(layout)
        return {"ok": True}

    def map_batch(self, message, fds):
        layout = Layout.from_data(message["layout"])
        self.batch = None
        self._map("batch", fds[0], layout)
        self.batch = self.blocks["batch"].arrays(layout)["x"]
        return {"ok": True}

    def _preset_masks(self, message, rows: int) -> None:
        for position in message.get("masks", ()):
            self.walk[int(position)].preset_mask = self.io[f"mask.{int(position)}"][:rows]

    @contextlib.contextmanager
    def _as_part(self, message, training: bool):
        """This worker's layers run part `part` of `parts` of a batch: their batch statistics go through
        the parent (engine.parallel.reduce) for the pass inside, only part 0 moves the running ones, and
        the kernels keep their scratch to a share (engine.runtime.as_process_part)."""
        part, parts = message.get("part", (0, 1))
        self._part_message = message
        batch = self.net.layers.batch
        if training and parts > 1:
            batch.reducer, batch.part = WorkerReducer(self.channel, int(part), int(parts)), int(part)
        try:
            with runtime.as_process_part(int(parts)):
                yield
        finally:
            batch.reducer, batch.part = IDENTITY, 0

    def _input(self, message, rows: int) -> np.ndarray:
        """This part's input: its slice of the shared batch buffer, or the copy in the I/O block."""
        if "batch_at" in message:
            start = int(message["batch_at"])
            return self.batch[start:start + rows]
        return self.io["x"][:rows]

    def forward(self, message, fds):
        rows, training = int(message["rows"]), bool(message["training"])
        layers = self.net.layers
        self._preset_masks(message, rows)
        with np.errstate(**message.get("errstate", {})), self._as_part(message, training):
            logits = Network._run_forward(layers, self._input(message, rows), training)
        self.io["logits"][:rows] = logits
        return {"ok": True}

    def step(self, message, fds):
        """A training step's part with its own share of the loss: forward, the loss of these rows (their
        labels in the block) scaled to the whole batch of `batch`, backward. Replies that share."""
        rows, m = int(message["rows"]), int(message["batch"])
        layers = self.net.layers
        self._preset_masks(message, rows)
        grads = _IntoBlock(self.grads)
        with np.errstate(**message.get("errstate", {})), self._as_part(message, True):
            logits = Network._run_forward(layers, self._input(message, rows), True)
            self.io["logits"][:rows] = logits
            loss, dout = self.net.loss_from_logits(logits, self.io["y"][:rows].astype(np.intp))
            dout *= dout.dtype.type(rows / m)
            Network._run_backward(layers, dout, grads)
        for key, view in self.grads.items():
            if key not in grads:
                view.fill(0)
        return {"ok": True, "loss": float(loss) * rows / m}

    def backward(self, message, fds):
        rows = int(message["rows"])
        grads = _IntoBlock(self.grads)
        with np.errstate(**message.get("errstate", {})), self._as_part(self._part_message, True):
            Network._run_backward(self.net.layers, self.io["dlogits"][:rows], grads)
        for key, view in self.grads.items():
            if key not in grads:          # no gradient this step: nothing stale may be added up
                view.fill(0)
        return {"ok": True}

    def trace(self, message, fds):
        """tracemalloc in this worker, for the memory benchmark and tests: start, reset the peak, read."""
        import tracemalloc
        action = message.get("action")
        if action == "start":
            tracemalloc.start()
        elif action == "reset":
            tracemalloc.reset_peak()
        current, peak = tracemalloc.get_traced_memory()
        if action == "stop":
            tracemalloc.stop()
        return {"ok": True, "current": current, "peak": peak}

    # ----- plumbing -------------------------------------------------------------------------------
    def _map(self, name, fd, layout):
        old = self.blocks.pop(name, None)
        if name == "io":
            self.io = {}
        self.blocks[name] = SharedBlock.attach(fd, layout.nbytes)
        if old is not None:
            old.close()

    def serve(self) -> None:
        handlers = {"setup": self.setup, "map_io": self.map_io, "forward": self.forward, "backward": self.backward,
                    "step": self.step, "map_batch": self.map_batch,
                    "trace": self.trace}
        while True:
            try:
                message, fds = self.channel.recv()
            except ChannelClosed:
                return
            op = message.get("op")
            if op == "quit":
                return
            try:
                handler = handlers.get(op)
                if handler is None:
                    raise LookupError(f"unknown command {op!r}")
                reply = handler(message, fds)
            except Exception as exc:   # reported to the parent, which raises it there
                reply = {"error": str(exc), "kind": type(exc).__name__, "trace": traceback.format_exc()}
            self.channel.send(reply)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    sock_fd, life_fd, niceness, tune, bell = (int(value) for value in argv[:5])
    _watch_lifeline(life_fd)
    # Ctrl-C in a terminal reaches the whole process group: the parent decides what it means (the command
    # line stops training gracefully), the worker carries on until told or until the parent is gone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if niceness > 0:
        try:
            os.nice(niceness)
        except OSError:
            pass
    if tune:
        runtime.tune_allocator()
    channel = Channel(socket.socket(fileno=sock_fd), wait_bell=None if bell < 0 else bell)
    with runtime.single_threaded_blas():
        Worker(channel).serve()
    return 0
