"""The parent's side of the worker processes: start them, share the weights, run batch parts, stop them.

A :class:`WorkerPool` serves one Network with ``workers`` parts side by side: this process computes the
first part of a batch and ``workers - 1`` worker processes (engine.parallel.worker) the others. Attaching
it re-homes the network's weight arrays into one shared block (``net.params`` then holds views on it, so
the optimizer's in-place update reaches every worker with no copy). Per training step the parent copies
each worker's slice of the batch, and of the dropout masks drawn for the whole batch as an unsplit pass
draws them, into that worker's I/O block and sends "forward"; it runs its own part meanwhile, gathers the
logits, computes the loss and its gradient on the whole batch (exactly as unsplit), sends "backward", runs
its own part's backward and adds the workers' gradient blocks to its own gradients in part order. The
results equal the unsplit ones up to the order of float additions.
"""
from __future__ import annotations

import contextlib
import threading
import time

import numpy as np

from .. import runtime
from ..batch_reduce import IDENTITY
from ..layers import iter_layers

from .process import WorkerError, WorkerProcess, WorkersLost, check_platform
from .reduce import ParentReducer
from .shared import Layout, SharedBlock

# A batch is split across the processes when each part has at least this many multiply-adds (of its
# forward pass) and samples; below that the hand-over costs more than the part saves (training steps
# broke even from 9-14M a part on the shared 2-core machine; benchmarks/RESULTS.md, "Every core").
MIN_MACS_PER_PART = {"train": 8_000_000, "infer": 4_000_000}
MIN_SAMPLES_PER_PART = 4


def batch_parts(summary, m: int, workers: int, training: bool = True):
    """[(start, stop)] of the parts a batch of m of the design `summary` (engine.shapes.Summary) splits into
    over `workers` processes, or None to leave it whole."""
    macs = summary.total_macs
    n = min(workers, m // MIN_SAMPLES_PER_PART, m * macs // MIN_MACS_PER_PART["train" if training else "infer"])
    if n < 2:
        return None
    bounds = [round(i * m / n) for i in range(n + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


class WorkerPool:
    """``workers`` batch parts side by side for `net`: this process and ``workers - 1`` worker processes,
    started here and stopped by :meth:`close` (or the end of a ``with`` block). While attached, the network
    sends it the batches it splits (``net._pool``); ``niceness`` > 0 lowers the workers' priority.

    Raises engine.parallel.shared.SharedMemoryUnavailable or OSError when it can't start (nothing is left
    running then); engine.parallel.workers_for turns that into one process and a notice.
    """

    def __init__(self, net, workers: int, niceness: int = 0):
        if workers < 2:
            raise ValueError(f"a worker pool needs at least 2 parts, got {workers}")
        if getattr(net, "_pool", None) is not None:
            raise ValueError("this network already has a worker pool")
        self.net = net
        self.workers = int(workers)
        self._walk = list(iter_layers(net.layers))   # every layer, inner ones included, in table order
        self._children: list[WorkerProcess] = []
        self._params_block = None
        self._views: dict = {}
        self._lock = threading.RLock()    # one caller at a time; another thread computes on its own meanwhile
        self.timeline = None              # a list to get each training step's phases in seconds (benchmarks)
        self.fused = True
        self._batch_block = None          # the shared batch buffer (batch_buffer), once asked for
        self._batch = None
        self.closed = False
        try:
            self._start(niceness)
        except BaseException:
            self.close()
            raise
        net._pool = self

    # ----- start and stop --------------------------------------------------------------------------
    def _start(self, niceness: int) -> None:
        check_platform()
        net = self.net
        # The weights and the running statistics (batch norm's state, which part 0 updates in place and
        # every worker's inference reads) in one block.
        shared = {**{f"param.{key}": value for key, value in net.params.items()},
                  **{f"state.{key}": value for key, value in net.state.items()}}
        layout = Layout.of({key: value.shape for key, value in shared.items()}, net.dtype)
        grads_layout = Layout.of({f"grad.{key}": value.shape for key, value in net.params.items()}, net.dtype)
        self._params_block = SharedBlock.create(layout.nbytes)
        for _ in range(self.workers - 1):
            self._children.append(WorkerProcess(niceness))
        self._views = self._params_block.arrays(layout)
        for key, view in self._views.items():        # re-home: params and state become the shared views
            kind, name = key.split(".", 1)
            owner = net.params if kind == "param" else net.state
            view[...] = owner[name]
            owner[name] = view
        setup = {"op": "setup", "spec": net.spec.to_dict(), "seed": net.seed, "params": layout.to_data(),
                 "grads": grads_layout.to_data()}
        for child in self._children:
            child.grads_block = SharedBlock.create(grads_layout.nbytes)
            child.grads = {key[len("grad."):]: view for key, view in child.grads_block.arrays(grads_layout).items()}
            child.request(setup, (self._params_block.fd, child.grads_block.fd))
            child.grads_block.release_fd()
        self._gather(self._children)
        self._params_block.release_fd()

    def close(self) -> None:
        """Stop the workers and give the network private weight arrays again (the same values)."""
        if self.closed:
            return
        self.closed = True
        with self._lock:
            for child in self._children:
                child.stop()
            self._children = []
            net = self.net
            for key, view in self._views.items():
                kind, name = key.split(".", 1)
                owner = net.params if kind == "param" else net.state
                if owner.get(name) is view:
                    owner[name] = view.copy()
            self._views = {}
            self._batch = None
            if self._batch_block is not None:
                self._batch_block.close()
                self._batch_block = None
            if self._params_block is not None:
                self._params_block.close()
                self._params_block = None
            if getattr(net, "_pool", None) is self:
                net._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids (this process not included)."""
        return [child.process.pid for child in self._children]

    def trace_memory(self, action: str) -> list[dict]:
        """tracemalloc in every worker ("start", "reset", "read", "stop"): [{"current", "peak"}] in bytes,
        for measuring a step's memory summed over the processes (benchmarks/engine_memory.py)."""
        with self._lock:
            for child in self._children:
                child.request({"op": "trace", "action": action})
            return [{"current": reply["current"], "peak": reply["peak"]}
                    for reply in (child.reply() for child in self._children)]

    def shared_bytes(self) -> int:
        """Bytes of shared memory the pool holds besides the weights and the batch (batch_buffer): the
        workers' gradients and I/O blocks."""
        return sum(block.nbytes for child in self._children for block in (child.grads_block, child.io_block)
                   if block is not None)

    def parts(self, m: int, training: bool = True):
        """[(start, stop)] of the parts of a batch of m to run side by side here, or None to leave the
        batch to the network (unsplit, or its threads)."""
        return None if self.closed else batch_parts(self.net.summary, m, self.workers, training)

    # ----- the step ----------------------------------------------------------------------------------
    # Both return None when the pool can't take the batch (another thread is using it, or the workers have
    # gone, which closes the pool and says so once): the network then computes it in this process.
    def forward(self, x: np.ndarray, parts):
        """Inference: logits (m, k) of x (m, n_H, n_W, n_C) over `parts` [(start, stop)], or None."""
        return self._run(self._forward, x, parts)

    def train_step(self, x: np.ndarray, y: np.ndarray, parts):
        """(loss, grads, logits) of the batch x (m, ...) with int labels y (m,) over `parts`, or None."""
        masks: dict = {}
        result = self._run(self._fused_step if self.fused else self._train_step, x, y, parts, masks)
        if result is None and masks:
            # The workers went mid-step: the step runs whole here with the dropout masks already drawn for
            # it, so that a lost worker changes nothing in the run's results.
            self._preset_masks(masks, 0, len(x))
            result = self.net._train_step(x, y, None)
        return result

    def _run(self, step, *args):
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if self.closed:
                return None
            return step(*args)
        except WorkersLost as exc:
            from . import notice
            notice(f"{exc}; the engine goes on in one process")
            self.close()
            return None
        finally:
            self._lock.release()

    def _forward(self, x, parts):
        children = self._children[:len(parts) - 1]
        errstate = np.geterr()
        self._sync_params()
        for part, (child, (s, e)) in enumerate(zip(children, parts[1:]), start=1):
            self._send_forward(child, x, s, e, {}, False, errstate, part=(part, len(parts)))
        return self._logits(x, parts, children, training=False)

    def _train_step(self, x, y, parts, masks: dict):
        net = self.net
        children = self._children[:len(parts) - 1]
        errstate = np.geterr()
        mark = _Marks(self.timeline)
        self._sync_params()
        self._draw_masks(len(x), masks)
        for part, (child, (s, e)) in enumerate(zip(children, parts[1:]), start=1):
            self._send_forward(child, x, s, e, masks, True, errstate, part=(part, len(parts)))
        s0, e0 = parts[0]
        self._preset_masks(masks, s0, e0)
        mark("hand out")
        with self._as_part(children):
            logits = self._logits(x, parts, children, True, mark)
            loss, dout = net.loss_from_logits(logits, y)
            for child, (s, e) in zip(children, parts[1:]):
                np.copyto(child.io["dlogits"][:e - s], dout[s:e])
                child.request({"op": "backward", "rows": e - s, "errstate": errstate})
            mark("loss")
            grads: dict = {}
            error = None
            try:
                net._run_backward(net.layers, dout[s0:e0], grads)
            except BaseException as exc:
                error = exc
            mark("own backward")
            self._gather(children, error)
        mark("wait backward")
        for child in children:
            for key, value in grads.items():
                value += child.grads[key]
        mark("add gradients")
        mark.done()
        return float(loss), grads, logits

    def _fused_step(self, x, y, parts, masks: dict):
        net = self.net
        m = len(x)
        y = np.asarray(y)
        if y.dtype.kind not in "iu" or len(y) != m or (m and (y.min() < 0 or y.max() >= net.num_classes)):
            # Labels the loss refuses: the two-phase step computes it on the whole batch, which says why
            # in the words of one process.
            return self._train_step(x, y, parts, masks)
        children = self._children[:len(parts) - 1]
        errstate = np.geterr()
        mark = _Marks(self.timeline)
        self._sync_params()
        self._draw_masks(m, masks)
        for part, (child, (s, e)) in enumerate(zip(children, parts[1:]), start=1):
            self._send_forward(child, x, s, e, masks, True, errstate, y=y, m=m, part=(part, len(parts)))
        s0, e0 = parts[0]
        self._preset_masks(masks, s0, e0)
        mark("hand out")
        grads: dict = {}
        error, own, loss = None, None, 0.0
        with self._as_part(children):
            try:
                own = net._run_forward(net.layers, x[s0:e0], True)
                mark("own forward")
                loss, dout = net.loss_from_logits(own, y[s0:e0])
                loss *= (e0 - s0) / m
                dout *= dout.dtype.type((e0 - s0) / m)
                mark("loss")
                net._run_backward(net.layers, dout, grads)
                mark("own backward")
            except BaseException as exc:
                error = exc
            replies = self._gather(children, error)
        mark("wait")
        logits = np.empty((m, own.shape[1]), own.dtype)
        logits[s0:e0] = own
        for child, (s, e), reply in zip(children, parts[1:], replies):
            logits[s:e] = child.io["logits"][:e - s]
            loss += reply["loss"]
            for key, value in grads.items():
                value += child.grads[key]
        mark("add gradients")
        mark.done()
        return float(loss), grads, logits

    def _logits(self, x, parts, children, training: bool, mark=None) -> np.ndarray:
        """Run this process's part while the children run theirs; the whole batch's logits."""
        mark = mark or _Marks(None)
        net = self.net
        s0, e0 = parts[0]
        own, error = None, None
        try:
            with runtime.as_process_part(len(parts)):
                own = net._run_forward(net.layers, x[s0:e0], training)
        except BaseException as exc:
            error = exc
        mark("own forward")
        self._gather(children, error)
        mark("wait forward")
        logits = np.empty((len(x), own.shape[1]), own.dtype)
        logits[s0:e0] = own
        for child, (s, e) in zip(children, parts[1:]):
            logits[s:e] = child.io["logits"][:e - s]
        return logits

    # ----- plumbing ----------------------------------------------------------------------------------
    def _draw_masks(self, m: int, masks: dict) -> None:
        """Every dropout mask of a training pass over m samples, drawn for the whole batch in table order
        as an unsplit pass draws them: {position in the walk of the layers: mask}."""
        for position, layer in enumerate(self._walk):
            mask = layer.draw_mask((m, *layer.input_shape), self.net.dtype)
            if mask is not None:
                masks[position] = mask

    def _preset_masks(self, masks: dict, s: int, e: int) -> None:
        for position, mask in masks.items():
            self._walk[position].preset_mask = mask[s:e]

    @contextlib.contextmanager
    def _as_part(self, children, training: bool = True):
        """This process's layers run part 0 of a batch split with `children`: batch statistics summed with
        theirs (engine.parallel.reduce) and scratch kept to a share (engine.runtime.as_process_part)."""
        batch = self.net.layers.batch
        if training:
            batch.reducer, batch.part = ParentReducer(children), 0
        try:
            with runtime.as_process_part(len(children) + 1):
                yield
        finally:
            batch.reducer, batch.part = IDENTITY, 0

    def _sync_params(self) -> None:
        """An array someone replaced in net.params or net.state (instead of updating it in place) is copied
        into the shared block, so that the workers compute with it too."""
        for key, view in self._views.items():
            kind, name = key.split(".", 1)
            owner = self.net.params if kind == "param" else self.net.state
            value = owner[name]
            if value is not view:
                view[...] = value
                owner[name] = view

    def _send_forward(self, child: WorkerProcess, x, s: int, e: int, masks: dict, training: bool, errstate,
                      y=None, m: int = 0, part=(0, 1)) -> None:
        rows = e - s
        shared_x = self._in_batch_buffer(x)
        if rows > child.io_rows or not set(masks) <= child.io_masks or not (shared_x or child.io_has_x):
            self._grow_io(child, max(rows, child.io_rows), child.io_masks | set(masks),
                          child.io_has_x or not shared_x)
        message = {"rows": rows, "masks": sorted(masks), "errstate": errstate, "part": part}
        if shared_x:
            message["batch_at"] = s               # the worker reads its slice where the parent wrote it
        else:
            np.copyto(child.io["x"][:rows], x[s:e])
        for position, mask in masks.items():
            np.copyto(child.io[f"mask.{position}"][:rows], mask[s:e])
        if y is None:
            child.request({"op": "forward", "training": training, **message})
        else:
            np.copyto(child.io["y"][:rows], y[s:e])
            child.request({"op": "step", "batch": m, **message})

    def _grow_io(self, child: WorkerProcess, rows: int, masks, with_x: bool) -> None:
        """A new I/O block for `child` with room for `rows` samples, the masks of layers `masks` and, unless
        the batches come in the shared batch buffer, the part's input."""
        net = self.net
        k = 1 if net.output_kind == "sigmoid" else net.num_classes        # logits per sample
        shapes = {"y": (rows,), "logits": (rows, k), "dlogits": (rows, k)}
        if with_x:
            shapes["x"] = (rows, *net.input_shape)
        for position in sorted(masks):
            shapes[f"mask.{position}"] = (rows, *self._walk[position].input_shape)
        layout = Layout.of(shapes, net.dtype)
        block = SharedBlock.create(layout.nbytes)
        child.request({"op": "map_io", "layout": layout.to_data()}, (block.fd,))
        block.release_fd()
        self._gather([child])
        old, child.io_block = child.io_block, block
        child.io = block.arrays(layout)
        child.io_rows, child.io_masks, child.io_has_x = rows, frozenset(masks), with_x
        if old is not None:
            old.close()

    def batch_buffer(self, m: int) -> np.ndarray:
        """A float array (m, n_H, n_W, n_C) in memory the workers share: a batch written here (the trainer
        gathers each batch into it) reaches them with no copy. The next call may return the same memory."""
        with self._lock:
            if self._batch is None or len(self._batch) < m:
                layout = Layout.of({"x": (m, *self.net.input_shape)}, self.net.dtype)
                block = SharedBlock.create(layout.nbytes)
                for child in self._children:
                    child.request({"op": "map_batch", "layout": layout.to_data()}, (block.fd,))
                block.release_fd()
                self._gather(self._children)
                old, self._batch_block = self._batch_block, block
                self._batch = block.arrays(layout)["x"]
                if old is not None:
                    old.close()
            return self._batch[:m]

    def _in_batch_buffer(self, x) -> bool:
        """Whether x is the start of the shared batch buffer (as batch_buffer returned it)."""
        batch = self._batch
        return (batch is not None and x.dtype == batch.dtype and x.flags.c_contiguous and len(x) <= len(batch)
                and x.shape[1:] == batch.shape[1:] and x.ctypes.data == batch.ctypes.data)

    def _gather(self, children, error=None) -> None:
        """Wait for every child's reply — all of them, even after an error, since they use the blocks —
        then raise: WorkersLost if one has gone, else the first error. The replies, in order."""
        lost, replies = None, []
        for child in children:
            try:
                replies.append(child.reply())
            except WorkersLost as exc:
                lost = exc
            except Exception as exc:         # the worker's error, raised here as it was there
                error = error or exc
        if lost is not None:
            raise lost
        if error is not None:
            raise error
        return replies


class _Marks:
    """Seconds between marks of a training step, appended to `timeline` as one dict (no-op without one)."""

    def __init__(self, timeline):
        self.timeline = timeline
        if timeline is not None:
            self.phases = {}
            self.last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        if self.timeline is not None:
            now = time.perf_counter()
            self.phases[phase] = now - self.last
            self.last = now

    def done(self) -> None:
        if self.timeline is not None:
            self.timeline.append(self.phases)
