"""Memory a design needs, and the guard that refuses a design that cannot fit before anything is allocated.

`estimate_memory(summary, ...)` is arithmetic on the course table (engine.shapes.summarize): it reads each
row's `param_shapes`, `state_shapes`, `output_shape` and `activation_size`, and asks the row's kind
(`LayerKind.memory_terms`) what it allocates beyond its output (batch norm keeps x̂; a filter bank builds
im2col patches), so a new layer kind is estimated as soon as its rows carry those. Nothing is allocated,
so the window can show the estimate while the design changes. `check_memory(...)` compares the estimate
with what the machine can give (engine.sysmem.available_memory) and raises MemoryGuardError, one line that
says what to change.

What is counted follows what the engine allocates (engine/layers.py, engine/functional.py, engine/train.py):

* weights: every W and b (and batch norm's γ, β and running statistics); gradients: one array per weight;
  the trainer's copy of the last good weights (restored when the loss diverges); optimizer state: none for
  SGD, a velocity for momentum, two moments for Adam.
* training activations: the float batch of input plus every layer's output of the batch (a block's joined
  output and its inner layers' outputs), all kept until the backward pass, what the kinds keep besides
  (batch norm's x̂), and two more of the largest (the gradient flowing back and the one being made).
* im2col scratch: a layer whose kernel W is a 4-D (f, f, n_C_prev, n_C) filter bank copies its input
  windows into patches of f·f·n_C_prev values per output position. The kernels build them a few examples
  at a time into one chunk buffer per thread (engine.patches: about ONE_OFF_CHUNK_BYTES, or one example's
  patches when those are bigger) and rebuild them in the backward pass, where a second chunk holds their
  gradient; so the scratch is two chunks of the largest layer, whatever the batch size. A 3×3 layer may
  use engine.winograd's chunk (its CHUNK_BYTES) instead.
* inference: the input batch, the largest pair of a layer's input and output (plus, inside blocks, the
  blocks' inputs, kept for their other paths) and one chunk of the largest patches.
* every process (engine.parallel): a training batch the engine splits across P worker processes (the
  trainer does when the core count and the batch call for it) has the activations of the whole batch
  between them, but P sets of patch chunks (each of a part's size), P gradient arrays per weight (the
  parent's and each worker's shared block), the workers' copies of their parts of the batch, and each
  worker's own interpreter, NumPy and engine (WORKER_PROCESS_BYTES). The weights are shared: counted once.
* weights alone (`Network.from_spec`): the weights and the float64 draw of the largest weight array that
  initialisation makes before it is cast.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from .parallel.pool import batch_parts
from .patches import ONE_OFF_CHUNK_BYTES
from .runtime import get_num_threads
from .winograd import CHUNK_BYTES as WINOGRAD_CHUNK_BYTES, PART_CHUNK_BYTES as WINOGRAD_PART_CHUNK_BYTES
from .winograd import use_winograd

from .kinds import kind_for
from .kinds.base import MemoryTerms
from .shapes import Summary, SummaryRow
from .spec import SpecError
from .sysmem import MemoryLimitError, available_memory, format_bytes
from .train_settings import TrainSettings

PURPOSES = ("train", "infer", "weights")
# Arrays of optimizer state per weight array (engine.optim): SGD none, momentum a velocity, Adam m and v.
OPTIMIZER_STATE = {"sgd": 0, "momentum": 1, "adam": 2}
OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}
INIT_DRAW_ITEMSIZE = 8  # initial weights are drawn as float64 and then cast (engine.layers.initial_weights)
# A worker process's own memory before its first part (Python, NumPy, the engine; its RssAnon, measured on
# Linux with NumPy 2.4: 19.7 MB); the shared libraries' pages are the parent's, not counted again.
WORKER_PROCESS_BYTES = 20 * 2 ** 20
_DEFAULTS = TrainSettings()


class MemoryGuardError(SpecError):
    """A design that needs more memory than is available; the one-line message says what to change."""


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a design needs, by part. `biggest` is the advice: what to make smaller (see `advice`)."""

    purpose: str            # "train", "infer" or "weights"
    batch_size: int
    optimizer: str | None   # "sgd", "momentum", "adam" (training only)
    itemsize: int           # 4 for float32, 8 for float64
    weights: int
    gradients: int = 0
    weights_copy: int = 0
    optimizer_state: int = 0
    activations: int = 0
    scratch: int = 0
    input_batch: int = 0
    best_weights: int = 0   # early stopping keeps the best epoch's weights aside
    worker_processes: int = 0
    processes: int = 1      # the parts a training batch runs in side by side (this process and its workers)
    advice: str = ""        # e.g. "reduce FC3's 1.5 billion weights (120,000×12,500) or the input size"

    @property
    def total(self) -> int:
        return sum(self.parts().values())

    def parts(self) -> dict[str, int]:
        """{part: bytes}, in a fixed order, for a tooltip or a table."""
        return {"weights": self.weights, "gradients": self.gradients, "weights copy": self.weights_copy,
                "optimizer state": self.optimizer_state, "activations": self.activations,
                "im2col scratch": self.scratch, "input batch": self.input_batch,
                "best weights": self.best_weights,
                "worker processes": self.worker_processes}

    def counted(self) -> str:
        """What the estimate counts, in words: "float32 weights, their gradients, a copy of the weights,
        Adam's two running averages per weight, and the activations of a batch of 64 (kept for the backward
        pass), im2col scratch and the input batch"."""
        dtype = {4: "float32", 8: "float64"}.get(self.itemsize, f"{8 * self.itemsize}-bit")
        parts = [f"{dtype} weights"]
        if self.purpose == "train":
            state = {"sgd": "no optimizer state (plain SGD)", "momentum": "a velocity per weight (momentum)",
                     "adam": "Adam's two running averages per weight"}.get(self.optimizer, "the optimizer's state")
            parts += ["their gradients", "a copy of the weights (to fall back on if a run diverges)", state]
            if self.best_weights:
                parts.append("the best epoch's weights (early stopping)")
            parts.append(f"the activations of a batch of {self.batch_size:,} (kept for the backward pass), "
                         "im2col scratch and the input batch")
        elif self.purpose == "infer":
            parts.append(f"the activations of a batch of {self.batch_size:,}, im2col scratch and the input batch")
        return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]

    def describe(self) -> str:
        """"needs about 24 GB to train with Adam at batch 4" (also for a status bar)."""
        need = f"needs about {format_bytes(self.total)}"
        if self.purpose == "train":
            return f"{need} to train with {OPTIMIZER_NAMES[self.optimizer]} at batch {self.batch_size:,}"
        if self.purpose == "infer":
            return f"{need} to run at batch {self.batch_size:,}"
        return f"{need} for its weights"


# ----- per-row arithmetic (Python ints: no overflow for any design the spec allows) ---------------------

def _param_count(row: SummaryRow) -> int:
    return sum(prod(shape) for shape in row.param_shapes.values())


def _state_count(row: SummaryRow) -> int:
    return sum(prod(shape) for shape in row.state_shapes.values())


def _terms(row: SummaryRow) -> MemoryTerms:
    """What the row's kind allocates beyond its output (nothing for the input row)."""
    if row.index < 0 or not row.computable:
        return MemoryTerms()
    return kind_for(row.kind).memory_terms(row)


def _patch_chunk_bytes(values_per_example: int, m: int, itemsize: int) -> int:
    """Bytes of one chunk of im2col patches: the kernels build at most ONE_OFF_CHUNK_BYTES of them at a time,
    but never less than one example's (engine.patches)."""
    return min(m * values_per_example * itemsize, max(ONE_OFF_CHUNK_BYTES, values_per_example * itemsize))


def _may_use_winograd(row: SummaryRow) -> bool:
    """Whether the kernels may run this row's convolution through engine.winograd (they do for stride 1;
    the row doesn't say the stride, so this errs on the side of counting its buffer)."""
    W = row.param_shapes.get("W")
    if W is None or len(W) != 4 or not _terms(row).patch_values:
        return False
    return use_winograd(W[0], 1, W[2], W[3], row.output_shape[0], row.output_shape[1])


def _patch_values(row: SummaryRow) -> int:
    """Values of one example's im2col patches (n_H·n_W·f·f·n_C_prev for a conv), as the row's kind says."""
    return _terms(row).patch_values


def _inference_pair(rows: list[SummaryRow]) -> int:
    """Values per example alive at once at inference: the largest layer input + output, plus the inputs of
    the blocks around it (kept for their other paths)."""
    by_name = {row.name: row for row in rows}
    best = 0
    for row in rows:
        if row.index < 0 or row.input_shape is None:
            continue
        held, parent = 0, row.parent
        while parent is not None and parent in by_name:
            block = by_name[parent]
            held += prod(block.input_shape) if block.input_shape else 0
            parent = block.parent
        best = max(best, prod(row.input_shape) + row.activation_size + held)
    return best


def _computable(summary: Summary) -> list[SummaryRow]:
    return [row for row in summary.rows if row.computable]


def _pretty_count(n: int) -> str:
    if n >= 10 ** 15:
        return f"{n:.2e}"
    for size, word in ((10 ** 12, "trillion"), (10 ** 9, "billion"), (10 ** 6, "million")):
        if n >= size:
            return f"{n / size:.3g} {word}"
    return f"{n:,}"


def _dims(shape) -> str:
    return "×".join(f"{d:,}" for d in shape)


def _advice(summary: Summary, itemsize: int, m: int, param_copies: int, purpose: str, batch_matters: bool) -> str:
    """What to make smaller: the single biggest thing among each layer's weights (with their gradients,
    copy and optimizer state), its batch of outputs and its im2col patches; then the input and batch size."""
    candidates = []  # (bytes, what to reduce or None for the input itself)
    for row in _computable(summary):
        if row.index < 0:
            if purpose != "weights":
                candidates.append((m * row.activation_size * itemsize, None))
            continue
        W = row.param_shapes.get("W")
        if W:
            candidates.append((_param_count(row) * itemsize * param_copies,
                               f"{row.name}'s {_pretty_count(_param_count(row))} parameters ({_dims(W)})"))
        if purpose == "weights":
            continue
        candidates.append((m * row.activation_size * itemsize, f"{row.name}'s {_dims(row.output_shape)} output"))
        if _patch_values(row):
            candidates.append((_patch_chunk_bytes(_patch_values(row), m, itemsize),
                               f"{row.name}'s im2col patches ({_dims(row.output_shape[:2])} positions × "
                               f"{_dims(W[:3])} windows)"))
    biggest = max(candidates, key=lambda c: c[0], default=(0, None))[1]
    things = ([biggest] if biggest else []) + ["the input size"] + (["the batch size"] if batch_matters else [])
    return "reduce " + (", ".join(things[:-1]) + " or " + things[-1] if len(things) > 1 else things[0])


# ----- the estimate ---------------------------------------------------------------------------------

def activation_bytes(summary: Summary, dtype=np.float32) -> int:
    """Bytes that one example's activations take in `dtype`, the input included: the course table's total
    activation size times the item size. Training keeps them for every example of a batch."""
    return summary.total_activation_size * np.dtype(dtype).itemsize


def estimate_memory(summary: Summary, purpose: str = "train", batch_size: int = _DEFAULTS.batch_size,
                    optimizer: str = _DEFAULTS.optimizer, dtype=np.float32,
                    early_stopping: bool = False, workers: int | None = None) -> MemoryEstimate:
    """Bytes `summary`'s design needs to train (a step of `batch_size` with `optimizer`), to run inference
    at `batch_size`, or for its weights alone ("weights"), in `dtype` (float32 or float64), summed over
    every process: `workers` is the core count (default for training: the engine's,
    engine.runtime.get_num_threads; inference outside a training run stays in one process).
    Training with `early_stopping` keeps one more copy of the weights: the best epoch's.

    Rows that cannot be computed (a broken design) count nothing.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}, got {purpose!r}")
    if purpose == "train" and optimizer not in OPTIMIZER_STATE:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZER_STATE)}, got {optimizer!r}")
    itemsize = np.dtype(dtype).itemsize
    m = int(batch_size)
    if m < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")
    rows = _computable(summary)
    params = sum(_param_count(row) + _state_count(row) for row in rows)
    sizes = [row.activation_size for row in rows]          # per example; sizes[0] is the input
    kept_extra = sum(_terms(row).kept for row in rows)
    patches = [_patch_values(row) for row in rows]
    if workers is None:
        workers = get_num_threads() if purpose == "train" else 1
    parts = batch_parts(summary, m, workers, training=purpose == "train") if summary.ok and purpose != "weights" \
        else None
    processes = len(parts) if parts else 1
    m_part = max(e - s for s, e in parts) if parts else m        # each process's patch chunks are of its part
    chunk = max((_patch_chunk_bytes(p, m_part, itemsize) for p in patches if p), default=0)
    if any(_may_use_winograd(row) for row in rows):
        # That layer runs through Winograd's buffers instead; a process's part takes a share of them.
        chunk = max(chunk, WINOGRAD_CHUNK_BYTES if processes == 1 else
                    max(WINOGRAD_PART_CHUNK_BYTES, WINOGRAD_CHUNK_BYTES // processes))
    weights = params * itemsize

    if purpose == "weights":
        largest = max((prod(shape) for row in rows for shape in row.param_shapes.values()), default=0)
        estimate = dict(weights=weights, scratch=largest * INIT_DRAW_ITEMSIZE)
        per_param_copies = 1
    elif purpose == "infer":
        pair = _inference_pair(rows)
        estimate = dict(weights=weights, input_batch=m * sizes[0] * itemsize,
                        activations=m * pair * itemsize, scratch=processes * chunk)
        per_param_copies = 1
    else:
        state = OPTIMIZER_STATE[optimizer]
        kept = sum(sizes[1:]) + kept_extra + 2 * max(sizes[1:], default=0)
        estimate = dict(weights=weights, gradients=processes * weights, weights_copy=weights,
                        optimizer_state=state * weights, input_batch=m * sizes[0] * itemsize,
                        activations=m * kept * itemsize, scratch=processes * 2 * chunk,
                        best_weights=weights if early_stopping else 0)
        per_param_copies = 3 + state + bool(early_stopping)
    if processes > 1:
        # Each worker: its own interpreter, and its shared I/O block (its part of the input, logits twice).
        io = sum((e - s) * (sizes[0] + 2 * sizes[-1]) for s, e in parts[1:]) * itemsize
        estimate["worker_processes"] = (processes - 1) * WORKER_PROCESS_BYTES + io

    # The advice mentions the batch size only where the batch's arrays are at least a tenth of the need:
    # for a design whose weights are the problem, a smaller batch would not help.
    batch_part = 0 if purpose == "weights" else sum(estimate.get(k, 0) for k in ("activations", "input_batch",
                                                                                   "scratch"))
    batch_matters = batch_part * 10 >= sum(estimate.values()) > 0
    advice = _advice(summary, itemsize, m, per_param_copies, purpose, batch_matters)
    return MemoryEstimate(purpose, m, optimizer if purpose == "train" else None, itemsize, advice=advice,
                          processes=processes, **estimate)


def check_memory(summary: Summary, purpose: str = "train", batch_size: int = _DEFAULTS.batch_size,
                 optimizer: str = _DEFAULTS.optimizer, dtype=np.float32, available: int | None = None,
                 what: str = "the design", early_stopping: bool = False,
                 workers: int | None = None) -> MemoryEstimate:
    """The estimate, or MemoryGuardError if it is more than `available` bytes (default: what the machine
    and the process limits give, or CNN_DESIGNER_MEMORY_LIMIT; see engine.sysmem). When the available
    memory can't be found out, nothing is refused. `what` starts the message (e.g. the design's file).

    The message is one line: "needs about 24 GB to train with Adam at batch 4; 15 GB is available;
    reduce FC3's 1.5 billion weights (120,000×12,500), the input size or the batch size".
    """
    estimate = estimate_memory(summary, purpose, batch_size, optimizer, dtype, early_stopping, workers)
    if available is None:
        try:
            available = available_memory()
        except MemoryLimitError as exc:   # a bad CNN_DESIGNER_MEMORY_LIMIT is the user's to fix
            raise MemoryGuardError(str(exc)) from None
    if available is not None and estimate.total > available:
        raise MemoryGuardError(f"{what} {estimate.describe()}; {format_bytes(max(available, 0))} "
                               f"is available; {estimate.advice}")
    return estimate
