"""Every core: a batch split into parts that run side by side in worker processes over shared memory.

NumPy calls in two threads wait for each other's hand-over of the GIL; the same calls in two processes
don't (benchmarks/RESULTS.md, "Every core"). So the engine runs the parts of a big enough batch in worker
processes (engine.parallel.pool, engine.parallel.worker), with the weights, the batch parts, the logits
and the gradients in shared memory (engine.parallel.shared) and small JSON commands on a socket
(engine.parallel.channel).

    with workers_for(net, batch_size=64):      # Trainer.fit does this itself
        ...                                    # net.train_step / forward / evaluate use the workers

:func:`workers_for` starts a pool only when it pays: more than one core set (CNN_DESIGNER_THREADS or
engine.runtime.set_num_threads; default the physical cores) and a batch worth splitting. Where processes
or shared memory are unavailable, the engine runs in one process and says so once
(:func:`fallback_reason`, and an EngineWorkersWarning).
"""
from __future__ import annotations

import contextlib
import warnings

from .. import runtime
from .pool import WorkerPool, batch_parts
from .process import WorkerError, WorkersLost
from .shared import SharedMemoryUnavailable

__all__ = ["WorkerPool", "WorkerError", "WorkersLost", "workers_for", "batch_buffer", "fallback_reason",
           "EngineWorkersWarning"]


class EngineWorkersWarning(RuntimeWarning):
    """The engine could not use its worker processes and computes in one process instead."""


_fallback: str | None = None


def fallback_reason() -> str | None:
    """Why the engine last fell back to one process (a sentence for a status line), or None."""
    return _fallback


def notice(reason: str) -> None:
    """Record why the workers can't be used; warn the first time only."""
    global _fallback
    first = _fallback is None
    _fallback = reason
    if first:
        warnings.warn(reason, EngineWorkersWarning, stacklevel=3)


@contextlib.contextmanager
def workers_for(net, batch_size: int, training: bool = True, workers: int | None = None, niceness: int = 0):
    """Inside the block `net` runs its batches of `batch_size` on `workers` cores (default: the engine's
    core count) when that pays; yields the pool, or None when the batch runs in this process (one core
    set, a batch too small to split, a pool already attached, or no processes available — said once)."""
    workers = runtime.get_num_threads() if workers is None else int(workers)
    if (workers < 2 or getattr(net, "_pool", None) is not None
            or batch_parts(net.summary, int(batch_size), workers, training) is None):
        yield None
        return
    try:
        pool = WorkerPool(net, workers, niceness=niceness)
    except (SharedMemoryUnavailable, OSError, WorkersLost, WorkerError) as exc:
        notice(f"the engine runs in one process: its worker processes could not start ({exc})")
        yield None
        return
    try:
        yield pool
    finally:
        pool.close()


def batch_buffer(net, m: int):
    """Where to write a training batch of m for `net` so that its worker processes read it with no copy
    (an array (m, n_H, n_W, n_C) of the network's dtype), or None when the batch won't be split."""
    pool = getattr(net, "_pool", None)
    if pool is None or pool.parts(m) is None:
        return None
    return pool.batch_buffer(m)
