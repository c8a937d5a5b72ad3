"""Batch statistics over a batch that runs in parts: the "batch reducer" interface and its two forms.

Batch norm normalises with the mean and variance of the WHOLE batch, and its backward pass needs two
sums over the whole batch. When the engine splits a batch into parts that run side by side, each part
sees only its own samples; the layer hands its partial per-channel sums to the reducer of its layer
stack and gets the totals over every part back. That is the whole interface:

    totals = reducer.sum(partials)      # partials: a list of arrays; totals: their sums over the parts

Every part calls `sum` the same number of times, in the same order, with arrays of the same shapes (they
run the same layers); every part gets the same totals, added in part order, so the result does not
depend on timing. `parts` says how many parts there are; `part` (on the BatchContext) which one a stack
runs. `abort()` releases the parts waiting in `sum` when one part fails (they raise BrokenBarrierError
instead of waiting for ever).

* `IDENTITY` — an unsplit batch: `sum` returns the partials themselves (no copy, no wait).
* `ThreadReducer(n)` — n parts on threads (engine.runtime.run_parallel): each part writes its partials
  into its slot, waits at a barrier, and every part adds the slots up in order; a second barrier keeps
  a fast part from overwriting its slot before the others have read it.
Another runtime (worker processes) implements the same two methods over its own shared memory.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np


class BatchReducer:
    """Sums partial statistics over the parts of one batch (see the module docstring)."""

    parts: int = 1

    def sum(self, partials: list, part: int = 0) -> list:
        """The element-wise sums of `partials` (a list of arrays) over all parts; `part` is the caller's
        part number (0 … parts − 1)."""
        raise NotImplementedError

    def abort(self) -> None:
        """Release the parts that wait in `sum` (called when a part fails)."""


class _Identity(BatchReducer):
    """The batch is one part: its sums are the totals."""

    def sum(self, partials, part=0):
        return list(partials)


IDENTITY = _Identity()


class ThreadReducer(BatchReducer):
    """`parts` parts running on threads of one process: slots and a barrier."""

    def __init__(self, parts: int, timeout: float | None = None):
        if parts < 1:
            raise ValueError(f"a batch has at least one part, got {parts}")
        self.parts = parts
        self._slots: list = [None] * parts
        self._barrier = threading.Barrier(parts, timeout=timeout)

    def sum(self, partials, part=0):
        if self.parts == 1:
            return list(partials)
        self._slots[part] = [np.asarray(p) for p in partials]
        self._barrier.wait()
        totals = [np.array(first, copy=True) for first in self._slots[0]]
        for other in self._slots[1:]:
            for total, value in zip(totals, other):
                total += value
        self._barrier.wait()      # every part has read every slot: the slots may be written again
        return totals

    def abort(self):
        self._barrier.abort()


@dataclass
class BatchContext:
    """What the layers of one layer stack share about the pass they run (engine.kinds BuildContext.batch).

    reducer and part: the reducer of the current batch and this stack's part (IDENTITY and 0 when the
    batch runs whole). inference: a pass that keeps caches for a backward pass (training=True) but in
    which batch norm uses its running statistics and dropout drops nothing — the inspection passes
    (gradients of a class score for saliency and Grad-CAM) run so."""

    reducer: BatchReducer = field(default=IDENTITY)
    part: int = 0
    inference: bool = False

    @property
    def updates_state(self) -> bool:
        """Whether this stack updates the running statistics (one part per batch does)."""
        return self.part == 0

    def sum(self, partials: list) -> list:
        return self.reducer.sum(partials, self.part)
