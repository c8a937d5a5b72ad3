"""Batch statistics over parts in different processes: the batch reducer (engine.batch_reduce's
interface, ``sum(partials, part)`` and ``abort()``) across the engine's worker processes.

A star through the parent, on the sockets the step already uses: at each sum every worker sends its
partials (a few per-channel vectors) and waits; the parent, which runs part 0 and reaches the same sum
in its own pass, adds its own partials and each worker's in part order — the order the threads' reducer
adds them in, so the totals don't depend on timing or on the kind of parts — and sends the totals back.
Every part makes the same sums in the same order (they run the same layers), so the messages pair up.

When a part fails the others must not wait for ever: a failing worker's final error reply arrives where
the parent expected partials (the parent keeps it for the end of the step and raises); a parent that
fails, or meets a failed worker, answers every later "partials" with "abort", on which a worker's sum
raises and its part ends with an error reply.
"""
from __future__ import annotations

import numpy as np


class ReduceAborted(RuntimeError):
    """Another part of the batch failed; this part's pass stops at its next batch statistic."""


class ParentReducer:
    """Part 0 in this process; parts 1… in `children` (engine.parallel.process.WorkerProcess), in order."""

    def __init__(self, children):
        self.children = list(children)
        self.parts = len(self.children) + 1
        self.aborted = False

    def sum(self, partials: list, part: int = 0) -> list:
        if self.aborted:
            raise ReduceAborted("another part of the batch failed")
        totals = [np.array(value, copy=True) for value in partials]
        waiting = []
        try:
            for child in self.children:
                arrays = child.partials()
                waiting.append(child)
                for total, value in zip(totals, arrays):
                    total += value
        except BaseException:
            self.aborted = True
            for child in waiting:          # they sent their partials and wait for totals that won't come
                child.request({"op": "abort"})
            raise
        for child in self.children:
            child.request({"op": "totals"}, arrays=totals)
        return totals

    def abort(self) -> None:
        """This part failed: the workers' later partials are answered with "abort" as the step's replies
        are gathered (engine.parallel.process.WorkerProcess.reply)."""
        self.aborted = True


class WorkerReducer:
    """A worker's part `part` of `parts`: its partials to the parent, the totals back."""

    def __init__(self, channel, part: int, parts: int):
        self.channel, self.part, self.parts = channel, part, parts

    def sum(self, partials: list, part: int = 0) -> list:
        self.channel.send({"op": "partials"}, arrays=[np.asarray(value) for value in partials])
        message, _ = self.channel.recv()
        if message.get("op") != "totals":
            raise ReduceAborted("another part of the batch failed")
        return message["arrays"]

    def abort(self) -> None:
        """Nothing to release here: the parent notices this part's error reply."""
