"""Batch normalisation: normalise each channel (of a volume) or unit (of a vector) with the batch's mean
and variance, then scale by γ and shift by β, then an activation. PyTorch's convention exactly (see
engine.normalization): training uses the whole batch's statistics (biased variance) and moves the running
statistics by `momentum` (unbiased variance); inference uses the running statistics.

Parameters 2·n_C (γ, β); the running mean and variance (2·n_C more values) are not trained and not
counted: they live in Network.state.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .. import normalization as N
from ..layers import ActivatedLayer
from ..shapes import format_count
from .base import BuildContext, FieldInfo, LayerKind, LayerShape, MemoryTerms
from .checks import HIDDEN_ACTIVATIONS, SpecError, choice_field, positive_number_field
from ..export.onnx_layers import OnnxContext
from ..export.pytorch_layers import LayerCode, LayerContext, activated

MAX_EPSILON = 1.0


@dataclass
class BatchNormSpec:
    momentum: float = 0.1
    epsilon: float = 1e-5
    activation: str = "linear"
    name: str | None = None
    type: str = field(default="batchnorm", init=False, repr=False)


class BatchNorm(ActivatedLayer):
    """x (m, n_H, n_W, n_C) or (m, n) → the same shape. γ "<name>.gamma", β "<name>.beta" in params;
    "<name>.running_mean" / "<name>.running_var" in the network's state."""

    def __init__(self, name, params, state, batch, momentum: float, epsilon: float, activation: str):
        super().__init__(name, activation)
        self.params, self.state, self.batch = params, state, batch
        self.momentum, self.epsilon = momentum, epsilon
        self.key_gamma, self.key_beta = f"{name}.gamma", f"{name}.beta"
        self.key_mean, self.key_var = f"{name}.running_mean", f"{name}.running_var"
        self.param_keys = (self.key_gamma, self.key_beta)
        self._cache = None
        self._batch_stats = False

    def forward(self, x, training=False):
        gamma, beta = self.params[self.key_gamma], self.params[self.key_beta]
        if training and not self.batch.inference:
            y, cache, mean, variance, count = N.batchnorm_train_forward(x, gamma, beta, self.epsilon,
                                                                        self.batch.sum)
            if self.batch.updates_state:
                N.update_running(self.state[self.key_mean], self.state[self.key_var], mean, variance, count,
                                 self.momentum)
            self._batch_stats = True
        else:
            y, cache = N.batchnorm_infer_forward(x, gamma, beta, self.state[self.key_mean],
                                                 self.state[self.key_var], self.epsilon, keep=training)
            self._batch_stats = False
        if training:
            self._cache = cache
        return self._activate(y, training)

    def backward(self, dout, grads, need_input_grad=True):
        dout = self._activation_grad(dout)
        cache, self._cache = self._cache, None
        if self._batch_stats:
            dx, dgamma, dbeta = N.batchnorm_train_backward(dout, cache, self.batch.sum)
        else:
            dx, dgamma, dbeta = N.batchnorm_infer_backward(dout, cache)
        grads[self.key_gamma], grads[self.key_beta] = dgamma, dbeta
        return dx if need_input_grad else None


class BatchNormKind(LayerKind):
    type_name = "batchnorm"
    spec_class = BatchNormSpec
    label = "BN"
    title = "Batch normalisation"
    hint = ("Normalises each channel to mean 0 and variance 1 over the batch, then scales by γ and "
            "shifts by β (2·n_C parameters). Inference uses running averages of the statistics.")
    editable = (
        FieldInfo("momentum", "Momentum", "float",
                  "How fast the running statistics follow the batches: running ← (1 − momentum)·running + "
                  "momentum·batch (PyTorch's convention, 0.1).", low=0.0, high=1.0, step=0.01, decimals=3),
        FieldInfo("epsilon", "Epsilon ε", "float", "Added to the variance before the square root (1e-5).",
                  low=1e-12, high=MAX_EPSILON, step=1e-5, decimals=6),
        FieldInfo("activation", "Activation", "choice", "The non-linearity applied after γ·x̂ + β.",
                  choices=HIDDEN_ACTIVATIONS),
    )

    def validate(self, layer, where):
        if not (isinstance(layer.momentum, (int, float)) and not isinstance(layer.momentum, bool)
                and 0 <= layer.momentum <= 1):
            raise SpecError(f"{where}: field 'momentum' must be a number from 0 to 1, got {layer.momentum!r}")
        positive_number_field(where, "epsilon", layer.epsilon, MAX_EPSILON)
        choice_field(where, "activation", layer.activation, HIDDEN_ACTIVATIONS)

    def normalize(self, layer):
        return replace(layer, momentum=float(layer.momentum), epsilon=float(layer.epsilon))

    def new_layer(self, before, in_shape=None, inside_block=False):
        return BatchNormSpec()

    def auto_name(self, layer, number, is_last):
        return f"BN{number}"

    def describe(self, layer):
        return f"momentum {layer.momentum:g}, ε {layer.epsilon:g}, {layer.activation}"

    def feature_map_caption(self, layer):
        act = layer.activation
        return "batch norm" + (f" + {act}" if act != "linear" else "")

    def output(self, layer, in_shape, is_last):
        n = in_shape[-1]
        what = "channel" if len(in_shape) == 3 else "unit"
        params = 2 * n
        formula = (f"per {what}: γ·(x − μ)/σ + β; 2·{format_count(n)} = {format_count(params)} "
                   f"(+{format_count(params)} running statistics)")
        values = int(np.prod(in_shape))
        return LayerShape(tuple(in_shape), params, values, formula, {"gamma": (n,), "beta": (n,)},
                          state_shapes={"running_mean": (n,), "running_var": (n,)})

    def init_params(self, layer, param_shapes, rng, dtype):
        return {"gamma": np.ones(param_shapes["gamma"], dtype), "beta": np.zeros(param_shapes["beta"], dtype)}

    def init_state(self, layer, state_shapes, dtype):
        return {"running_mean": np.zeros(state_shapes["running_mean"], dtype),
                "running_var": np.ones(state_shapes["running_var"], dtype)}

    def memory_terms(self, row):
        return MemoryTerms(kept=row.activation_size or 0)     # x̂, kept for the backward pass

    def build(self, layer, context: BuildContext):
        return BatchNorm(context.name, context.params, context.state, context.batch, layer.momentum,
                         layer.epsilon, layer.activation)

    def pytorch_code(self, ctx: LayerContext) -> LayerCode:
        layer, row = ctx.layer, ctx.row
        n = ctx.in_shape[-1]
        cls = "nn.BatchNorm2d" if len(ctx.in_shape) == 3 else "nn.BatchNorm1d"
        init = f"{cls}({n}, eps={layer.epsilon!r}, momentum={layer.momentum!r})"
        return LayerCode(init, [activated(ctx, f"self.{ctx.attribute}(x)")],
                         (ctx.attribute, row.name, "batchnorm", (n,), None))

    def onnx_export(self, ctx: OnnxContext) -> str:
        # Inference form: the running statistics. ONNX's momentum weighs the old value: 1 − PyTorch's.
        layer = ctx.layer
        inputs = [ctx.input, ctx.weight("gamma"), ctx.weight("beta"), ctx.state("running_mean"),
                  ctx.state("running_var")]
        out = ctx.node("BatchNormalization", inputs, epsilon=float(layer.epsilon), momentum=1.0 - float(layer.momentum))
        return ctx.activation(layer.activation, out)


KIND = BatchNormKind()
