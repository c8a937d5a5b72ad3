"""engine.parallel: batch parts in worker processes give the results of one process, share the weights
with no copy, fall back to one process when they must, and never outlive the process that started them."""
import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from engine import Adam, Network, NetworkSpec, SGD, Trainer, load_dataset, runtime
from engine import parallel
from engine.parallel import EngineWorkersWarning, WorkerError, WorkerPool, pool as pool_module, workers_for
from engine.parallel.shared import Layout, SharedBlock, SharedMemoryUnavailable
from engine import (BatchNormSpec, ConcatSpec, ConvSpec, DenseSpec, DropoutSpec, GlobalPoolSpec, InputSpec, PoolSpec,
                    ResidualSpec)

ROOT = Path(__file__).resolve().parents[2]


def _spec():
    """Conv, pool, dropout twice (masks in two layers), dense: every piece a part carries."""
    return NetworkSpec(InputSpec((10, 10, 2)), [ConvSpec(4, 3, activation="tanh"), PoolSpec("max", 2, 2),
                                                DropoutSpec(0.3), DenseSpec(12), DropoutSpec(0.5),
                                                DenseSpec(5, "softmax")])


@pytest.fixture
def split_everything(monkeypatch):
    """Every batch of 4+ samples is worth splitting across the processes, however small the network."""
    monkeypatch.setattr(pool_module, "MIN_MACS_PER_PART", {"train": 1, "infer": 1})
    monkeypatch.setattr(pool_module, "MIN_SAMPLES_PER_PART", 2)


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _batch(m, seed=0, shape=(10, 10, 2), classes=5):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, *shape)), rng.integers(0, classes, m)


def test_two_and_three_workers_train_as_one_process(split_everything):
    """Loss, gradients, logits, dropout masks and the weights after several Adam steps: equal up to the
    order of float additions, for an uneven split too (3 parts of 17 samples)."""
    one = Network.from_spec(_spec(), seed=2, dtype=np.float64)
    results = {}
    for workers in (1, 2, 3):
        net = one.copy()
        opt = Adam(0.01)
        pool = WorkerPool(net, workers) if workers > 1 else None
        steps = []
        try:
            for step in range(4):
                x, y = _batch(17, seed=step)
                assert workers == 1 or pool.parts(17) is not None
                loss, grads, logits = net.train_step(x, y)
                steps.append((loss, {k: v.copy() for k, v in grads.items()}, logits))
                opt.step(net.params, grads)
            results[workers] = (steps, {k: v.copy() for k, v in net.params.items()})
        finally:
            if pool is not None:
                pool.close()
    for workers in (2, 3):
        for (loss, grads, logits), (loss1, grads1, logits1) in zip(results[workers][0], results[1][0]):
            assert loss == pytest.approx(loss1, rel=1e-12)
            np.testing.assert_allclose(logits, logits1, rtol=1e-12, atol=1e-14)
            for key in grads1:
                np.testing.assert_allclose(grads[key], grads1[key], rtol=1e-10, atol=1e-13)
        for key, value in results[1][1].items():
            np.testing.assert_allclose(results[workers][1][key], value, rtol=1e-10, atol=1e-13)


def _blocks_spec():
    """Batch norm at the top and inside a residual block, a concat block with dropout in a branch: batch
    statistics and masks at every depth."""
    return NetworkSpec(InputSpec((8, 8, 3)), [
        ConvSpec(6, 3, padding="same", activation="linear"), BatchNormSpec(activation="relu"),
        ResidualSpec(layers=[ConvSpec(6, 3, padding="same", activation="linear"), BatchNormSpec()]),
        ConcatSpec(branches=[[ConvSpec(4, 1), DropoutSpec(0.4)], [PoolSpec("max", 3, 1, padding="same")]]),
        GlobalPoolSpec("avg"), BatchNormSpec(momentum=0.2), DenseSpec(5, "softmax")])


@pytest.mark.parametrize("fused", [True, False], ids=["one round trip", "two phases"])
def test_batch_norm_statistics_and_gradients_are_the_whole_batch_ones(split_everything, fused):
    """Loss, gradients, logits, running statistics and weights after SGD steps: equal at 1, 2 and 3
    processes for a design with batch norm (top level and inside a block) and dropout inside a block."""
    first = Network.from_spec(_blocks_spec(), seed=5, dtype=np.float64)
    assert any(key.endswith("running_mean") for key in first.state)
    results = {}
    for workers in (1, 2, 3):
        net = first.copy()
        opt = SGD(0.05, momentum=0.9)
        pool = WorkerPool(net, workers) if workers > 1 else None
        if pool is not None:
            pool.fused = fused
        steps = []
        try:
            for step in range(3):
                x, y = _batch(14, seed=10 + step, shape=(8, 8, 3))
                loss, grads, logits = net.train_step(x, y)
                steps.append((loss, {k: v.copy() for k, v in grads.items()}, logits))
                opt.step(net.params, grads)
            evaluated = net.evaluate(*_batch(20, seed=99, shape=(8, 8, 3)), batch_size=20)   # running stats
            results[workers] = (steps, {k: v.copy() for k, v in {**net.params, **net.state}.items()}, evaluated)
        finally:
            if pool is not None:
                pool.close()
    for workers in (2, 3):
        for (loss, grads, logits), (loss1, grads1, logits1) in zip(results[workers][0], results[1][0]):
            assert loss == pytest.approx(loss1, rel=1e-11)
            np.testing.assert_allclose(logits, logits1, rtol=1e-10, atol=1e-12)
            for key in grads1:
                np.testing.assert_allclose(grads[key], grads1[key], rtol=1e-9, atol=1e-12)
        for key, value in results[1][1].items():
            np.testing.assert_allclose(results[workers][1][key], value, rtol=1e-9, atol=1e-12)
        assert results[workers][2] == pytest.approx(results[1][2], rel=1e-10)


def _every_kind_design() -> NetworkSpec:
    """One layer of every kind the registry has (blocks holding batch norm, dropout and pools inside)."""
    return NetworkSpec.from_dict({"format": "cnn-designer/1", "name": "every kind", "input": {"shape": [8, 8, 3]},
                                  "layers": [
        {"type": "conv", "filters": 6, "size": 3, "padding": "same", "activation": "linear"},
        {"type": "batchnorm", "activation": "relu"},
        {"type": "depthwise", "size": 3, "padding": "same"},
        {"type": "residual", "layers": [{"type": "conv", "filters": 6, "size": 3, "padding": "same",
                                         "activation": "linear"}, {"type": "batchnorm"}]},
        {"type": "concat", "branches": [[{"type": "conv", "filters": 4, "size": 1}, {"type": "dropout", "rate": 0.3}],
                                        [{"type": "pool", "mode": "max", "size": 3, "stride": 1, "padding": "same"}]]},
        {"type": "pool", "mode": "avg", "size": 2, "stride": 2}, {"type": "globalpool", "mode": "max"},
        {"type": "flatten"}, {"type": "dense", "units": 6, "activation": "linear"},
        {"type": "batchnorm", "activation": "tanh"}, {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 5, "activation": "softmax"}]})


def _from_onnx_graph(net, folder) -> Network:
    """`net` written as ONNX without the design in its metadata, read back from its graph alone (the way a
    PyTorch or Keras model comes in: its own names, no dropout layers)."""
    onnx = pytest.importorskip("onnx")
    from engine.export.onnx_graph import onnx_model
    from engine.onnx_import import load_onnx_network
    model = onnx_model(net.spec, net.params, net.state)
    del model.metadata_props[:]
    path = folder / "foreign.onnx"
    onnx.save(model, str(path))
    return load_onnx_network(path)


@pytest.mark.parametrize("source", ["design", "onnx"])
def test_workers_build_every_kind_and_onnx_designs_as_this_process_does(split_everything, tmp_path, source):
    """Every registered kind, and a design that came from an ONNX file's graph: two SGD steps, then
    evaluate and predict, give the same losses, gradients, weights, running statistics and outputs at 1 and
    2 processes."""
    from engine.kinds.registry import type_names
    spec = _every_kind_design()
    assert {entry.layer.type for entry in spec.walk()} == set(type_names())
    first = Network.from_spec(spec, seed=3, dtype=np.float64 if source == "design" else np.float32)
    if source == "onnx":
        first = _from_onnx_graph(first, tmp_path)
        assert first.spec.name != spec.name or [e.layer for e in first.spec.walk()] != [e.layer for e in spec.walk()]
    tight = first.dtype == np.float64
    rtol, atol = (1e-9, 1e-12) if tight else (2e-4, 2e-6)
    results = {}
    for workers in (1, 2):
        net = first.copy()
        opt = SGD(0.05, momentum=0.9)
        with WorkerPool(net, workers) if workers > 1 else contextlib.nullcontext():
            steps = []
            for step in range(2):
                x, y = _batch(10, seed=20 + step, shape=(8, 8, 3))
                loss, grads, logits = net.train_step(x.astype(net.dtype), y)
                steps.append((loss, {k: v.copy() for k, v in grads.items()}, logits.copy()))
                opt.step(net.params, grads)
            x, y = _batch(12, seed=30, shape=(8, 8, 3))
            after = (net.evaluate(x.astype(net.dtype), y, batch_size=12),
                     net.predict_proba(x.astype(net.dtype), batch_size=12))
        results[workers] = steps, {k: v.copy() for k, v in {**net.params, **net.state}.items()}, after
    for (loss, grads, logits), (loss1, grads1, logits1) in zip(results[2][0], results[1][0]):
        assert loss == pytest.approx(loss1, rel=rtol)
        np.testing.assert_allclose(logits, logits1, rtol=rtol, atol=atol)
        for key in grads1:
            np.testing.assert_allclose(grads[key], grads1[key], rtol=rtol * 10, atol=atol)
    assert results[2][1].keys() == results[1][1].keys()
    for key, value in results[1][1].items():
        np.testing.assert_allclose(results[2][1][key], value, rtol=rtol * 10, atol=atol)
    assert results[2][2][0] == pytest.approx(results[1][2][0], rel=rtol)
    np.testing.assert_allclose(results[2][2][1], results[1][2][1], rtol=rtol, atol=atol)


def test_a_part_that_fails_inside_the_batch_statistics_releases_the_others(split_everything):
    """A worker whose part raises before its batch norm sums, and a parent whose part raises: the error
    comes back here, nobody waits for ever, and the pool computes the next step as before."""
    net = Network.from_spec(_blocks_spec(), seed=1, dtype=np.float64)
    x, y = _batch(12, shape=(8, 8, 3))
    with WorkerPool(net, 3) as pool:
        bad = x.copy()
        bad[10] = np.inf                                   # in the last worker's part: inf − inf in its conv
        with np.errstate(invalid="raise"):
            with pytest.raises(FloatingPointError):
                net.train_step(bad, y)
            bad = x.copy()
            bad[0] = np.inf                                # in this process's part
            with pytest.raises(FloatingPointError):
                net.train_step(bad, y)
        assert not pool.closed
        loss, grads, _ = net.train_step(x, y)
        assert np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values())


def test_dropout_masks_are_the_whole_batch_draws(split_everything):
    """The dropped values are where an unsplit pass drops them, in every part (rate 0.5: half the
    gradient rows of the last dense layer's input are zero exactly where one process has them zero)."""
    net = Network.from_spec(_spec(), seed=0, dtype=np.float64)
    other = net.copy()
    x, y = _batch(12, seed=5)
    with WorkerPool(other, 2):
        _, _, split_logits = other.train_step(x, y)
    _, _, whole_logits = net.train_step(x, y)
    np.testing.assert_allclose(split_logits, whole_logits, rtol=1e-12)
    # The next draws also agree: the parent drew exactly the whole batch's masks, no more, no fewer.
    assert other._dropout_rng.rng.bit_generator.state == net._dropout_rng.rng.bit_generator.state


def test_a_batch_in_the_shared_buffer_reaches_the_workers_without_a_copy(split_everything):
    from engine.parallel import batch_buffer
    net = Network.from_spec(_spec(), seed=4, dtype=np.float64)
    other = net.copy()
    x, y = _batch(12, seed=1)
    assert batch_buffer(net, 12) is None                   # no workers: write the batch anywhere
    with WorkerPool(other, 2) as pool:
        buffer = batch_buffer(other, 12)
        buffer[...] = x
        split = other.train_step(buffer, y)
        assert not pool._children[0].io_has_x              # its part was read where the parent wrote it
        private = other.train_step(x, y)                   # a batch elsewhere: copied into its I/O block
        assert pool._children[0].io_has_x
    whole = [net.train_step(x, y) for _ in range(2)]      # the same two steps in one process
    for (loss, grads, logits), (loss1, grads1, logits1) in zip((split, private), whole):
        assert loss == pytest.approx(loss1, rel=1e-12)
        np.testing.assert_allclose(logits, logits1, rtol=1e-12)
        for key in grads1:
            np.testing.assert_allclose(grads[key], grads1[key], rtol=1e-10, atol=1e-13)


def test_labels_the_loss_refuses_say_so_as_one_process_does(split_everything):
    net = Network.from_spec(_spec(), seed=0, dtype=np.float64)
    x, y = _batch(8)
    y[6] = 7                                                # in the worker's part; 5 classes
    with pytest.raises(ValueError) as whole:
        net.loss_and_grads(x, y)
    with WorkerPool(net, 2):
        with pytest.raises(ValueError) as split:
            net.loss_and_grads(x, y)
        y[6] = 1
        assert np.isfinite(net.loss_and_grads(x, y)[0])      # and the pool goes on
    assert str(split.value) == str(whole.value)


def test_inference_evaluate_and_predict_through_the_workers(split_everything):
    net = Network.from_spec(_spec(), seed=1, dtype=np.float64)
    x, y = _batch(40, seed=3)
    whole = net.forward(x), net.evaluate(x, y, batch_size=16), net.predict_proba(x, batch_size=16)
    with WorkerPool(net, 2) as pool:
        assert pool.parts(40, training=False) == [(0, 20), (20, 40)]
        split = net.forward(x), net.evaluate(x, y, batch_size=16), net.predict_proba(x, batch_size=16)
    np.testing.assert_allclose(split[0], whole[0], rtol=1e-12)
    assert split[1] == pytest.approx(whole[1], rel=1e-12)
    np.testing.assert_allclose(split[2], whole[2], rtol=1e-12)


def test_weights_are_shared_not_copied_and_come_back_private(split_everything):
    net = Network.from_spec(_spec(), seed=1, dtype=np.float32)
    before = {key: value.copy() for key, value in net.params.items()}
    x, y = _batch(8)
    with WorkerPool(net, 2) as pool:
        shared = dict(net.params)
        np.testing.assert_array_equal(shared["FC2.W"], before["FC2.W"])
        # An in-place change in the parent is what the worker computes with: no copy per step. With FC2's
        # weights zero, every sample's logits are the output layer's bias, in both parts.
        net.params["FC2.W"] *= 0
        net.params["Softmax.b"][...] = np.arange(5)
        logits = net.forward(x.astype(np.float32))
        np.testing.assert_array_equal(logits, np.tile(np.arange(5, dtype=np.float32), (8, 1)))
        # An array replaced in the dict (not in place) is copied into the shared block before the next step.
        net.params["Softmax.b"] = np.full(5, 0.25, np.float32)
        np.testing.assert_array_equal(net.forward(x.astype(np.float32)), 0.25)
        assert pool.shared_bytes() > 0
    assert net._pool is None
    for key, value in net.params.items():
        assert value.flags.owndata and value is not shared[key]
    np.testing.assert_array_equal(net.params["Softmax.b"], 0.25)


def test_trainer_runs_on_two_workers_with_the_results_of_one(split_everything, monkeypatch):
    """Trainer.fit starts the workers itself (CNN_DESIGNER_THREADS / set_num_threads = 2) and stops them
    at the end; history and weights equal a one-process run."""
    data = load_dataset("digits")
    spec = NetworkSpec(InputSpec((8, 8, 1)), [ConvSpec(4, 3, padding="same"), PoolSpec("max", 2, 2),
                                              DropoutSpec(0.2), DenseSpec(10, "softmax")])
    started = []
    real_init = WorkerPool.__init__

    def spy(self, net, workers, niceness=0):
        real_init(self, net, workers, niceness)
        started.append(list(self.pids))
    monkeypatch.setattr(WorkerPool, "__init__", spy)
    runs = {}
    before = runtime.get_num_threads()
    try:
        for cores in (1, 2):
            runtime.set_num_threads(cores)
            net = Network.from_spec(spec, seed=0, dtype=np.float64)
            history = Trainer(net, SGD(0.1), batch_size=48, seed=0).fit(data, epochs=1)
            runs[cores] = history, net
    finally:
        runtime.set_num_threads(before)
    assert len(started) == 1 and len(started[0]) == 1      # only the 2-core run, with one worker process
    assert not _alive(started[0][0])                        # stopped at the end of the run
    assert runs[2][1]._pool is None
    np.testing.assert_allclose(runs[2][0].batch_loss, runs[1][0].batch_loss, rtol=1e-10)
    assert runs[2][0].val_accuracy == runs[1][0].val_accuracy
    for key, value in runs[1][1].params.items():
        np.testing.assert_allclose(runs[2][1].params[key], value, rtol=1e-9, atol=1e-12)


def test_small_batches_stay_in_one_process():
    """The measured rule: a part needs enough work, or the hand-over costs more than it saves."""
    from engine import load_spec
    net = Network.from_spec(load_spec(ROOT / "resources" / "presets" / "lenet5.json"))
    assert pool_module.batch_parts(net.summary, 256, 2) == [(0, 128), (128, 256)]
    assert pool_module.batch_parts(net.summary, 4, 2) is None
    assert pool_module.batch_parts(net.summary, 256, 1) is None
    with workers_for(net, batch_size=4, workers=2) as pool:
        assert pool is None and net._pool is None


def test_no_shared_memory_means_one_process_said_once(split_everything, monkeypatch):
    def unavailable(nbytes):
        raise SharedMemoryUnavailable("shared memory is unavailable (test)")
    monkeypatch.setattr(SharedBlock, "create", staticmethod(unavailable))
    monkeypatch.setattr(parallel, "_fallback", None)
    net = Network.from_spec(_spec(), seed=0, dtype=np.float64)
    x, y = _batch(8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            with workers_for(net, batch_size=8, workers=2) as pool:
                assert pool is None
                loss, _ = net.loss_and_grads(x, y)
    assert np.isfinite(loss)
    assert [str(w.message) for w in caught if w.category is EngineWorkersWarning] == [parallel.fallback_reason()]
    assert "one process" in parallel.fallback_reason() and "shared memory is unavailable" in parallel.fallback_reason()


def test_a_lost_worker_leaves_the_run_in_one_process(split_everything, monkeypatch):
    monkeypatch.setattr(parallel, "_fallback", None)
    net = Network.from_spec(_spec(), seed=0, dtype=np.float64)
    reference = net.copy()
    x, y = _batch(10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with WorkerPool(net, 2) as pool:
            os.kill(pool.pids[0], signal.SIGKILL)
            os.waitpid(pool.pids[0], 0)
            net.reseed_dropout(3)
            reference.reseed_dropout(3)
            loss, grads = net.loss_and_grads(x, y)     # computed here after all
            assert pool.closed and net._pool is None
    want, want_grads = reference.loss_and_grads(x, y)
    assert loss == pytest.approx(want, rel=1e-12)
    assert any("ended unexpectedly" in str(w.message) for w in caught if w.category is EngineWorkersWarning)
    for value in net.params.values():
        assert value.flags.owndata


def test_a_worker_error_is_raised_here(split_everything):
    net = Network.from_spec(_spec(), seed=0, dtype=np.float64)
    with WorkerPool(net, 2) as pool:
        child = pool._children[0]
        child.request({"op": "no such command"})
        with pytest.raises(WorkerError, match="unknown command"):
            child.reply()
        x, y = _batch(8)
        assert np.isfinite(net.loss_and_grads(x, y)[0])     # still in step afterwards


def test_another_thread_computes_on_its_own_while_the_pool_is_busy(split_everything):
    net = Network.from_spec(_spec(), seed=0, dtype=np.float64)
    x, y = _batch(16)
    want = net.forward(x)
    with WorkerPool(net, 2) as pool:
        pool._lock.acquire()                     # as if the training thread were in the middle of a step
        try:
            got = []
            thread = threading.Thread(target=lambda: got.append(net.forward(x)))
            thread.start()
            thread.join(10)
        finally:
            pool._lock.release()
    np.testing.assert_allclose(got[0], want, rtol=1e-12)


def test_layouts_from_a_worker_message_are_checked():
    layout = Layout.of({"a": (3, 4), "b": (5,)}, np.float32)
    assert Layout.from_data(layout.to_data()) == layout
    assert layout.entries["b"][0] % 64 == 0
    bad = layout.to_data()
    bad["entries"][1][2] = [10 ** 6]
    with pytest.raises(ValueError, match="does not fit"):
        Layout.from_data(bad)
    with pytest.raises(ValueError, match="dtype"):
        Layout.from_data({**layout.to_data(), "dtype": "object"})


def test_physical_cores_count_hyperthread_pairs_once(tmp_path, monkeypatch):
    real_open = open

    def fake_open(path, *args, **kwargs):
        if str(path).startswith("/sys/devices/system/cpu/cpu"):
            cpu = int(str(path).split("/cpu/cpu")[1].split("/")[0])
            target = tmp_path / f"cpu{cpu}"
            target.write_text(["0,2", "1,3", "0,2", "1,3"][cpu])
            return real_open(target, *args, **kwargs)
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr("builtins.open", fake_open)
    assert runtime.physical_cores() == 2


def test_the_core_count_comes_from_CNN_DESIGNER_THREADS():
    code = "from engine import runtime; print(runtime.get_num_threads())"
    env = {**os.environ, "CNN_DESIGNER_THREADS": "3"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "3", out.stderr


_PARENT = textwrap.dedent("""
    import sys, time
    import numpy as np
    from engine import Network, SGD, load_spec
    from engine.parallel import WorkerPool, pool
    pool.MIN_MACS_PER_PART = {"train": 1, "infer": 1}
    net = Network.from_spec(load_spec("resources/presets/lenet5.json"))
    workers = WorkerPool(net, 3)
    print(" ".join(map(str, workers.pids)), flush=True)
    x = np.random.default_rng(0).random((96, 32, 32, 3), dtype=np.float32)
    y = np.zeros(96, dtype=int)
    opt = SGD(0.01)
    while True:
        if sys.argv[1] == "busy":
            opt.step(net.params, net.loss_and_grads(x, y)[1])
        else:
            time.sleep(0.05)
""")


@pytest.mark.parametrize("state", ["idle", "busy"])
def test_a_killed_parent_leaves_no_worker_and_no_shared_memory(state):
    shm_before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    parent = subprocess.Popen([sys.executable, "-c", _PARENT, state], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(pid) for pid in pids)
        time.sleep(0.5)                  # busy: mid-step, the workers computing their parts
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(_alive(pid) for pid in pids)
    if shm_before or os.path.isdir("/dev/shm"):
        assert set(os.listdir("/dev/shm")) <= shm_before


def test_the_command_line_says_once_in_one_line_that_it_runs_in_one_process(tmp_path, monkeypatch, capsys):
    import json
    from engine.cli import main
    design = json.loads((ROOT / "resources" / "presets" / "lenet5.json").read_text())
    design["layers"][-1]["units"] = 4                      # the shapes dataset's 4 classes
    path = tmp_path / "lenet4.json"
    path.write_text(json.dumps(design))

    def unavailable(nbytes):
        raise SharedMemoryUnavailable("shared memory is unavailable (test)")
    monkeypatch.setattr(SharedBlock, "create", staticmethod(unavailable))
    monkeypatch.setattr(parallel, "_fallback", None)
    monkeypatch.setattr(runtime, "_num_threads", 2)
    assert main(["train", str(path), "--dataset", "shapes", "--epochs", "1", "--batch-size", "128"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["note: the engine runs in one process: its worker processes could not start (shared memory "
                   "is unavailable (test))"]


def test_messages_carry_json_descriptors_and_checked_arrays():
    import socket
    import struct
    from engine.parallel.channel import Channel
    a, b = socket.socketpair()
    left, right = Channel(a), Channel(b)
    block = SharedBlock.create(256)
    arrays = [np.arange(3, dtype=np.float32), np.array([[1.5, 2.5]]), np.array([7], dtype=np.int64)]
    left.send({"op": "partials"}, (block.fd,), arrays=arrays)
    message, fds = right.recv()
    assert message["op"] == "partials" and len(fds) == 1
    for got, sent in zip(message["arrays"], arrays):
        assert got.dtype == sent.dtype and got.shape == sent.shape and np.array_equal(got, sent)
    os.close(fds[0])
    block.close()
    # Bytes that don't match the declared arrays, or an array of objects, are refused.
    body = b'{"arrays":[["float64",[4]]]}'
    a.sendall(struct.pack("<IBI", len(body), 0, 8) + body + bytes(8))
    with pytest.raises(ValueError, match="array bytes"):
        right.recv()
    body = b'{"arrays":[["object",[1]]]}'
    a.sendall(struct.pack("<IBI", len(body), 0, 8) + body + bytes(8))
    with pytest.raises(ValueError, match="array"):
        right.recv()
    a.close()
    b.close()
