"""Network: layers built from a NetworkSpec, the loss and its gradients, save and load.

Arrays use the course's layout: x is (m, n_H, n_W, n_C); labels y are int class indices (m,).
`forward` returns logits (m, k); the output layer's softmax (or single sigmoid unit) is applied by
the loss and by `predict_proba`, where it can be done in a numerically stable way.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from . import functional as F
from . import runtime
from .batch_reduce import IDENTITY, BatchContext, ThreadReducer
from .data.pixels import images_to_float
from .fileio import atomic_write
from .kinds import BuildContext, kind_of, num_classes_of, output_kind
from .layers import backward_list, forward_list, iter_layers, tapping
from .probe import Probe, ProbeTap, Recorder
from .memory import check_memory
from .shapes import summarize
from .spec import NetworkSpec, SpecError
from .weights_file import META_KEY, SPEC_KEY, WEIGHTS_FORMAT, open_weights


def _fresh_state(spec: NetworkSpec, summary, dtype) -> dict:
    """The initial non-trainable arrays of every layer that has some ("BN1.running_mean": zeros, ...)."""
    state: dict[str, np.ndarray] = {}
    for entry, row in zip(spec.walk(), summary.rows[1:]):
        if row.state_shapes:
            for key, array in kind_of(entry.layer).init_state(entry.layer, row.state_shapes, dtype).items():
                state[f"{row.name}.{key}"] = array
    return state


class _RngHolder:
    """Lets dropout layers share one generator that the network can reseed."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)


class LayerStack(list):
    """The top-level compute layers of one copy of the network (a list), with the BatchContext its
    layers share (engine.batch_reduce: which part of a split batch it runs, and the reducer)."""

    def __init__(self, layers, batch: BatchContext):
        super().__init__(layers)
        self.batch = batch


class Network:
    """A trainable network. `params` maps "LAYER.W"/"LAYER.b" (and batch norm's "LAYER.gamma"/"LAYER.beta")
    to the live weight arrays; `state` maps "LAYER.running_mean"/"LAYER.running_var" to the arrays that are
    not trained but updated by every training-mode pass (batch norm's running statistics).

    `layers` is the top-level list of compute layers; a block (residual, concat) is one of them and runs
    its inner lists itself. Every layer, inner ones included, is found by name with `layer(name)`.
    """

    def __init__(self, spec: NetworkSpec, params: dict, dtype, seed: int = 0, state: dict | None = None):
        self.spec = spec.copy()
        self.summary = summarize(self.spec)
        self.dtype = np.dtype(dtype)
        self.output_kind = output_kind(self.spec)
        self.params = params
        self.state = state if state is not None else _fresh_state(self.spec, self.summary, self.dtype)
        self.seed = seed
        self._dropout_rng = _RngHolder(seed + 1)
        self.layers = self._build_layers()
        self._by_name = {layer.name: layer for layer in iter_layers(self.layers)}
        self._replicas: list[list] = []   # more layer stacks on the same params, one per batch part
        self._pool = None                 # an engine.parallel.WorkerPool while one is attached

    # ----- construction ------------------------------------------------------------------
    @classmethod
    def from_spec(cls, spec: NetworkSpec, seed: int = 0, dtype=np.float32) -> "Network":
        """Fresh weights: He or Glorot initialisation from a seeded generator, zero biases.

        Raises SpecError if the design can't be built: a layer that can't work (the table's first
        error), a last layer that doesn't give class scores, or weights that can't fit in the memory
        available (engine.memory.MemoryGuardError).
        """
        if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype must be float32 or float64, got {np.dtype(dtype)}")
        summary = summarize(spec)
        if not summary.ok:
            raise SpecError(summary.error)
        output_kind(spec)
        check_memory(summary, purpose="weights", dtype=dtype)   # MemoryGuardError before any allocation
        rng = np.random.default_rng(seed)
        params: dict[str, np.ndarray] = {}
        for entry, row in zip(spec.walk(), summary.rows[1:]):
            if not row.param_shapes:
                continue
            fresh = kind_of(entry.layer).init_params(entry.layer, row.param_shapes, rng, np.dtype(dtype))
            for key, array in fresh.items():
                params[f"{row.name}.{key}"] = array
        return cls(spec, params, dtype, seed)

    def _build_layers(self) -> LayerStack:
        """One copy of the compute layers (blocks with their inner lists) on the shared params and state."""
        batch = BatchContext()
        rows = {row.path: row for row in self.summary.rows[1:]}
        last = len(self.spec.layers) - 1

        def build(layers: list, prefix: tuple) -> list:
            built = []
            for i, layer in enumerate(layers):
                path = prefix + (i,)
                row = rows[path]
                kind = kind_of(layer)
                children = [build(inner, path + (position,))
                            for position, (_, inner) in enumerate(kind.child_lists(layer))]
                context = BuildContext(row.name, self.params, row.input_shape, row, path == (last,),
                                       self._dropout_rng, self.state, batch, children)
                compute = kind.build(layer, context)
                compute.input_shape = tuple(row.input_shape)
                built.append(compute)
            return built

        return LayerStack(build(self.spec.layers, ()), batch)

    def reseed_dropout(self, seed: int) -> None:
        """Restart the dropout masks' random stream (gradient checks need the same masks twice)."""
        self._dropout_rng.rng = np.random.default_rng(seed)

    # ----- properties ----------------------------------------------------------------------
    @property
    def input_shape(self) -> tuple:
        return tuple(self.spec.input.shape)

    @property
    def num_classes(self) -> int:
        return num_classes_of(self.spec)

    @property
    def num_params(self) -> int:
        return sum(int(a.size) for a in self.params.values())

    def layer(self, name: str):
        """The compute layer called `name` (any depth, inner layers of blocks included); KeyError naming
        the known layers otherwise."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no layer {name!r} in this network (layers: {', '.join(self._by_name)})") from None

    def layer_names(self) -> list[str]:
        """Every layer's name in table order (inner layers of blocks included)."""
        return [row.name for row in self.summary.rows[1:]]

    # ----- compute -------------------------------------------------------------------------
    def _check_input(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 4 or tuple(x.shape[1:]) != self.input_shape:
            want = "×".join(map(str, self.input_shape))
            got = "×".join(map(str, x.shape[1:])) if x.ndim == 4 else f"an array of shape {x.shape}"
            raise ValueError(f"the network expects images of {want} (m, n_H, n_W, n_C), got {got}")
        return images_to_float(x, self.dtype)   # uint8 pixels → /255 (engine/data/pixels.py)

    # The engine's threads run parts of a batch side by side; BLAS stays single-threaded throughout
    # (OpenBLAS's idle threads busy-wait and take a core from the window). Split a batch only when each
    # part has >= 24M multiply-adds in training (12M inferring; a step makes about three times the NumPy
    # calls) and >= 16 samples: smaller parts lose more to handing the GIL over than they gain, and cost a
    # patch buffer each. Numbers: benchmarks/RESULTS.md, "Tuning rules: batch split".
    MIN_MACS_PER_THREAD = {"train": 24_000_000, "infer": 12_000_000}
    MIN_SAMPLES_PER_THREAD = 16

    def _parts(self, m: int, training: bool = True):
        """[(start, stop)] of the batch parts to run side by side, or None to run the batch whole."""
        macs = self.summary.total_macs
        threshold = self.MIN_MACS_PER_THREAD["train" if training else "infer"]
        n = runtime.parallel_chunks(m, self.MIN_SAMPLES_PER_THREAD, most=int(m * macs // max(1, threshold)))
        if n < 2:
            return None
        bounds = [round(i * m / n) for i in range(n + 1)]
        return list(zip(bounds[:-1], bounds[1:]))

    def _layer_stacks(self, n: int) -> list:
        while len(self._replicas) < n:
            self._replicas.append(self._build_layers())
        return self._replicas[:n]

    @staticmethod
    def _run_forward(layers, a, training):
        return forward_list(layers, a, training)

    @staticmethod
    def _run_backward(layers, dout, grads):
        # The first layer's input gradient would be dJ/dx: training never needs it, and it costs a col2im
        # (`probe(..., input_grad=True)` asks for it).
        backward_list(layers, dout, grads, need_input_grad=False)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x (m, n_H, n_W, n_C) → logits (m, k) (k = 1 for a sigmoid output)."""
        a = self._check_input(x)
        with runtime.single_threaded_blas():
            if not training and self._pool is not None:   # worker processes (engine.parallel)
                pooled = self._pool.parts(len(a), training=False)
                logits = None if pooled is None else self._pool.forward(a, pooled)
                if logits is not None:
                    return logits
            parts = None if training else self._parts(len(a), training=False)
            if parts is None:
                return self._run_forward(self.layers, a, training)
            stacks = self._layer_stacks(len(parts))
            outs = runtime.run_parallel([
                (lambda layers=layers, s=s, e=e: self._run_forward(layers, a[s:e], False))
                for layers, (s, e) in zip(stacks, parts)])
        return np.concatenate(outs)

    def activations(self, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """Every layer's output for x (inference mode): [(layer name, array)], in table order (a block's
        joined output, then its inner layers' outputs)."""
        a = self._check_input(x)
        recorder = Recorder()
        with runtime.single_threaded_blas(), tapping(recorder):
            forward_list(self.layers, a, False)
        return [(name, recorder.outputs[name]) for name in self.layer_names()]

    def probe(self, x: np.ndarray, seed=None, *, names=(), inject=None, input_grad: bool = False) -> Probe:
        """An inspection pass on x (m, n_H, n_W, n_C): a forward pass in inference mode (batch norm with
        its running statistics, no dropout) that keeps what a backward pass needs, then a backward pass.

        seed: the gradient at the logits (m, k), or a function logits → that gradient (e.g. one-hot rows
        of the class to explain: ∂z_c/∂·); None: zeros. inject: (layer name, gradient like that layer's
        output) added at that layer's output, so the backward pass also starts there (∂·/∂A of an inner
        layer). names: the layers whose outputs and output gradients the Probe keeps (Grad-CAM's A and
        ∂z/∂A). input_grad: also the gradient at the input x (saliency), which training skips.
        Nothing is learned: params and state are unchanged; the parameter gradients are in Probe.grads.
        """
        a = self._check_input(x)
        wanted = set(names) | ({inject[0]} if inject is not None else set())
        for name in wanted:
            self.layer(name)                      # KeyError naming the known layers
        tap = ProbeTap(set(names), inject)
        batch = self.layers.batch
        batch.inference = True
        try:
            with runtime.single_threaded_blas(), tapping(tap):
                logits = forward_list(self.layers, a, True)
                seed = seed(logits) if callable(seed) else seed
                dlogits = np.zeros_like(logits) if seed is None else np.asarray(seed, dtype=logits.dtype)
                if dlogits.shape != logits.shape:
                    raise ValueError(f"the seed gradient has shape {dlogits.shape}, the logits {logits.shape}")
                grads: dict[str, np.ndarray] = {}
                dx = backward_list(self.layers, dlogits, grads, need_input_grad=input_grad)
        finally:
            batch.inference = False
        return Probe(logits, tap.outputs, tap.output_grads, dx if input_grad else None, grads)

    def loss_from_logits(self, logits: np.ndarray, y: np.ndarray):
        """(mean loss, dlogits) for int labels y (m,)."""
        y = np.asarray(y)
        if self.output_kind == "softmax":
            return F.softmax_cross_entropy(logits, y)
        return F.sigmoid_binary_cross_entropy(logits, y)

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
        """Training-mode forward and backward: (mean loss J, grads with the keys of params)."""
        loss, grads, _ = self.train_step(x, y)
        return loss, grads

    def train_step(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict, np.ndarray]:
        """:meth:`loss_and_grads` that also returns the training-mode logits (m, k) it computed, so a
        trainer can count correct predictions without a second forward pass: (loss, grads, logits)."""
        x = self._check_input(x)
        with runtime.single_threaded_blas():
            if self._pool is not None:                     # worker processes (engine.parallel)
                pooled = self._pool.parts(len(x), training=True)
                result = None if pooled is None else self._pool.train_step(x, y, pooled)
                if result is not None:
                    return result
            return self._train_step(x, y, self._parts(len(x), training=True))

    def _train_step(self, x, y, parts):
        if parts is None:
            logits = self._run_forward(self.layers, x, True)
            loss, dout = self.loss_from_logits(logits, y)
            grads: dict[str, np.ndarray] = {}
            self._run_backward(self.layers, dout, grads)
            return float(loss), grads, logits

        # Split batch: each part runs forward and backward through its own layer stack (the caches differ,
        # the weights are the same arrays). The loss and its gradient are computed once on the whole
        # batch between the two phases, so loss, dlogits and error messages are exactly the unsplit ones;
        # the parts' weight gradients then add up to the batch's.
        stacks = self._layer_stacks(len(parts))
        self._preset_dropout_masks(stacks, parts, len(x))
        # Batch norm's statistics are the whole batch's: the stacks' layers sum their partial sums through
        # one reducer (engine.batch_reduce); a part that fails releases the others waiting in it.
        reducer = ThreadReducer(len(parts))
        for part, stack in enumerate(stacks):
            stack.batch.reducer, stack.batch.part = reducer, part

        def part_task(run):
            def task():
                try:
                    return run()
                except BaseException:
                    reducer.abort()
                    raise
            return task

        try:
            logits = np.concatenate(runtime.run_parallel([
                part_task(lambda layers=layers, s=s, e=e: self._run_forward(layers, x[s:e], True))
                for layers, (s, e) in zip(stacks, parts)]))
            loss, dout = self.loss_from_logits(logits, y)
            part_grads = [{} for _ in parts]
            runtime.run_parallel([
                part_task(lambda layers=layers, s=s, e=e, g=g: self._run_backward(layers, dout[s:e], g))
                for layers, (s, e), g in zip(stacks, parts, part_grads)])
        finally:
            for stack in stacks:
                stack.batch.reducer, stack.batch.part = IDENTITY, 0
        grads = part_grads[0]
        for other in part_grads[1:]:
            for key, value in grads.items():
                value += other[key]
        return float(loss), grads, logits

    def _preset_dropout_masks(self, stacks, parts, m: int) -> None:
        """Draw each dropout layer's mask for the whole batch, in table order (inner layers of blocks
        included) — the draws an unsplit pass makes — and hand every part its slice, so masks don't
        depend on the split or on timing."""
        walks = [list(iter_layers(stack)) for stack in stacks]
        for position, layer in enumerate(iter_layers(self.layers)):
            mask = layer.draw_mask((m, *layer.input_shape), self.dtype)
            if mask is not None:
                for walk, (s, e) in zip(walks, parts):
                    walk[position].preset_mask = mask[s:e]

    def classes_from_logits(self, logits: np.ndarray) -> np.ndarray:
        """Predicted class index per row of logits (m, k) → (m,)."""
        if self.output_kind == "softmax":
            return np.argmax(logits, axis=1)
        return (logits[:, 0] > 0).astype(np.int64)

    def probabilities_from_logits(self, logits: np.ndarray) -> np.ndarray:
        """Logits (m, k) → class probabilities (m, num_classes): softmax rows, or [P(0), P(1)] for a
        single sigmoid unit."""
        if self.output_kind == "softmax":
            return F.softmax(logits)
        p1 = F.sigmoid(logits[:, 0])
        return np.stack([1 - p1, p1], axis=1)

    def predict_proba(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Class probabilities (m, k); for a sigmoid output k = 2 ([P(0), P(1)])."""
        chunks = []
        for start in range(0, len(x), batch_size):
            chunks.append(self.probabilities_from_logits(self.forward(x[start:start + batch_size])))
        if not chunks:
            return np.zeros((0, self.num_classes), dtype=self.dtype)
        return np.concatenate(chunks)

    def predict(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Predicted class index per example (m,)."""
        return np.argmax(self.predict_proba(x, batch_size), axis=1)

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> tuple[float, float]:
        """(mean loss, accuracy) over (x, y) in inference mode."""
        y = np.asarray(y)
        if len(x) == 0:
            return float("nan"), float("nan")
        total_loss, correct = 0.0, 0
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            logits = self.forward(xb)
            loss, _ = self.loss_from_logits(logits, yb)
            total_loss += loss * len(xb)
            correct += int(np.sum(self.classes_from_logits(logits) == yb))
        return total_loss / len(x), correct / len(x)

    # ----- files ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """One .npz holding every weight array, the spec JSON and the dtype; written atomically."""
        path = Path(path)
        meta = {"format": WEIGHTS_FORMAT, "dtype": self.dtype.name}
        arrays = {**self.params, **self.state}
        arrays[SPEC_KEY] = np.array(json.dumps(self.spec.to_dict()))
        arrays[META_KEY] = np.array(json.dumps(meta))
        atomic_write(path, lambda handle: np.savez(handle, **arrays), binary=True)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Network":
        """Weights and design from a file written by `save`.

        Any problem with the file (missing, a FIFO or device, not an .npz, a damaged entry, weights that are
        not numbers, NaN or infinite weights, shapes the design doesn't have, a design too big for the
        memory available) → SpecError: one line naming the file. What the file declares is checked before
        it is read (engine.weights_file), so a small file can't make the app allocate gigabytes.
        """
        with open_weights(path) as stored:
            fresh = cls.from_spec(stored.spec, dtype=np.dtype(stored.dtype))   # memory checked here
            for key, value in fresh.params.items():
                value[...] = stored.read(key, value.shape)
            for key, value in fresh.state.items():
                value[...] = stored.read(key, value.shape, what="running statistics")
            stored.check_no_extra({**fresh.params, **fresh.state})
        return fresh

    def copy(self) -> "Network":
        """An independent network with the same design, equal weights and state (running statistics), the
        same seed and the dropout stream where this one's is (a run continued on the copy draws the masks
        this one would)."""
        clone = Network(self.spec, {k: v.copy() for k, v in self.params.items()}, self.dtype, self.seed,
                        state={k: v.copy() for k, v in self.state.items()})
        clone._dropout_rng.rng.bit_generator.state = self._dropout_rng.rng.bit_generator.state
        return clone

