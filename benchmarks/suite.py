"""The architecture suite of benchmarks/bench_engine.py: the nine nets, each as an engine design and as the
PyTorch model CNN Designer exports, and one runner per (framework, net) with step() and infer().

Shared by bench_engine.py (speed), engine_memory.py (peak memory of a step) and engine_profile.py (where
the time goes). Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

INFER_BATCH = 256


# --------------------------------------------------------------------------------------------------
# Networks: the suite (issue 13) — every kind of layer a learner stacks, grey and colour inputs from
# 8×8 to 64×64, every activation, training batches from 16 to 256; inference always at batch 256.
# --------------------------------------------------------------------------------------------------

def _suite():
    from engine import ConvSpec as C, DenseSpec as D, PoolSpec as P
    return {
        # name: (input shape, layers, training batch, what it covers)
        "lenet5": ((32, 32, 3), "preset:lenet5.json", 256, "5×5 convs, max pool, colour 32×32"),
        "mnist": ((28, 28, 1), [C(6, 5), P("max", 2, 2), C(16, 5), P("max", 2, 2), D(120), D(84),
                                D(10, "softmax")], 128, "grey 28×28 LeNet"),
        "avgpool": ((28, 28, 1), [C(20, 5, activation="leaky_relu"), P("avg", 2, 2),
                                  C(50, 5, activation="leaky_relu"), P("avg", 2, 2), D(256, "leaky_relu"),
                                  D(10, "softmax")], 64, "5×5 convs, average pooling, leaky ReLU, FC 256"),
        "vgg32": ((32, 32, 3), [C(32, 3, padding="same"), C(32, 3, padding="same"), P("max", 2, 2),
                                C(64, 3, padding="same"), C(64, 3, padding="same"), P("max", 2, 2),
                                D(128), D(10, "softmax")], 32, "3×3 same convs 32-64 channels"),
        "vgg128": ((16, 16, 3), [C(64, 3, padding="same"), P("max", 2, 2), C(128, 3, padding="same"),
                                 C(128, 3, padding="same"), P("max", 2, 2), D(10, "softmax")], 64,
                   "3×3 same convs 64-128 channels"),
        "stem64": ((64, 64, 3), [C(16, 7, stride=2, padding=3, activation="tanh"), P("max", 3, 2),
                                 C(32, 3, padding="same", activation="sigmoid"), P("avg", 3, 2),
                                 D(64, "tanh"), D(10, "softmax")], 16,
                   "7×7 stride-2 stem, overlapping 3/2 pools, tanh, sigmoid"),
        "course39": ((39, 39, 3), "preset:example_convnet.json", 32, "stride-2 5×5 convs"),
        "bottleneck": ((32, 32, 3), [C(32, 3, padding="same"), C(16, 1, activation="linear"),
                                     C(32, 3, padding="same"), P("max", 2, 2), C(64, 1), P("avg", 2, 2),
                                     D(10, "softmax")], 128, "1×1 convs, linear activation"),
        "digits": ((8, 8, 1), "preset:digits_net.json", 256, "8×8 grey, 3×3 same convs"),
        # Week 2 (not in the default suite, whose nine nets the speed goals are measured on): run with
        # --nets resnet_small,mobilenet_small.
        "resnet_small": ((32, 32, 3), "preset:resnet_small.json", 64,
                         "3 residual blocks, batch norm, convs without bias, global average pool"),
        "mobilenet_small": ((28, 28, 1), "preset:mobilenet_small.json", 64,
                            "depthwise-separable convs, 2 inverted residual blocks, batch norm, ReLU6"),
    }


WEEK2_NETS = ("resnet_small", "mobilenet_small")
NETS = tuple(name for name in _suite() if name not in WEEK2_NETS)   # the default suite
ALL_NETS = NETS + WEEK2_NETS


def net_batch(name: str) -> int:
    return _suite()[name][2]


def engine_spec(name: str):
    from engine import load_spec
    from engine.spec import InputSpec, NetworkSpec
    suite = _suite()
    if name not in suite:
        raise SystemExit(f"unknown net {name!r}; known: {', '.join(ALL_NETS)}")
    shape, layers, _, what = suite[name]
    if isinstance(layers, str):
        return load_spec(ROOT / "resources" / "presets" / layers.split(":", 1)[1])
    return NetworkSpec(InputSpec(shape), layers, what)


def torch_model(spec):
    """The same architecture in torch.nn (NCHW), as CNN Designer exports it (engine.export.pytorch): the
    model a user would take to PyTorch. The last dense layer emits logits, as in the engine."""
    from engine.export.pytorch import pytorch_source
    script = {"__name__": "exported_model"}       # not "__main__": the script's command line stays idle
    exec(compile(pytorch_source(spec), f"<{spec.name or 'design'} exported to PyTorch>", "exec"), script)
    return script["build_model"]()


# --------------------------------------------------------------------------------------------------
# Runners: one object per (framework, net) with step() and infer()
# --------------------------------------------------------------------------------------------------

class EngineRunner:
    """The engine on `cores` cores as a training run uses them (engine.parallel.workers_for: worker
    processes when the batch is worth splitting, kept until close()); cores=1: one process, unsplit.
    None: the child's engine.runtime setting, without worker processes (threads only, the engine before
    the workers)."""

    framework = "engine"

    def __init__(self, name, batch, seed=0, infer_batch=INFER_BATCH, cores=None):
        import contextlib
        import numpy as np
        from engine import SGD, Network
        from engine.parallel import workers_for
        spec = engine_spec(name)
        self.net = Network.from_spec(spec, seed=seed, dtype=np.float32)
        rng = np.random.default_rng(seed)
        self.x = rng.standard_normal((batch, *spec.input.shape)).astype(np.float32)
        self.y = rng.integers(0, self.net.num_classes, batch)
        self.x_infer = rng.standard_normal((infer_batch, *spec.input.shape)).astype(np.float32)
        self.opt = SGD(0.01)
        self._context = contextlib.ExitStack()
        self.pool = None
        if cores == 1:
            self.net._parts = lambda m, training=True: None       # no threads either: one core
        elif cores is not None:
            self.pool = self._context.enter_context(workers_for(self.net, batch, workers=cores))
            if self.pool is not None:          # where Trainer.fit gathers its batches: no copy per part
                buffer = self.pool.batch_buffer(batch)
                buffer[...] = self.x
                self.x = buffer

    def close(self):
        self._context.close()

    def step(self):
        loss, grads = self.net.loss_and_grads(self.x, self.y)
        self.opt.step(self.net.params, grads)
        return loss

    def infer(self):
        return self.net.forward(self.x_infer)


class TorchRunner:
    framework = "torch"

    def __init__(self, name, batch, seed=0, infer_batch=INFER_BATCH):
        import torch
        torch.manual_seed(seed)
        spec = engine_spec(name)
        self.torch = torch
        self.model = torch_model(spec)
        n_H, n_W, n_C = spec.input.shape
        self.x = torch.randn(batch, n_C, n_H, n_W)
        self.x_infer = torch.randn(infer_batch, n_C, n_H, n_W)
        self.y = torch.randint(0, spec.layers[-1].units, (batch,))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.loss_fn = torch.nn.CrossEntropyLoss()

    def close(self):
        pass

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss

    def infer(self):
        with self.torch.inference_mode():
            return self.model(self.x_infer)


def have_torch() -> bool:
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


def batches(args, name: str) -> tuple[int, int]:
    """(training batch, inference batch) of a net: the suite's own unless --batch overrides both."""
    if args.batch:
        return args.batch, args.batch
    return net_batch(name), INFER_BATCH
