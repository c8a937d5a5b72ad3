"""The memory estimate and the guard: exact bytes for a small design, honest bytes for LeNet-5, and
one-line refusals under small fake limits (never by really exhausting memory)."""
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from engine import Adam, Network, NetworkSpec, SpecError, Trainer, load_spec, summarize
from engine.data import Dataset
from engine.memory import MemoryGuardError, activation_bytes, check_memory, estimate_memory
from engine.spec import FORMAT
from engine.sysmem import ENV_LIMIT, MemoryLimitError, available_memory, format_bytes, parse_size

PRESETS = Path(__file__).resolve().parents[2] / "resources" / "presets"
SOFTMAX10 = {"type": "dense", "units": 10, "activation": "softmax"}


def _summary(shape, layers):
    return summarize(NetworkSpec.from_dict({"format": FORMAT, "input": {"shape": list(shape)}, "layers": layers}))


# 8×8×1 → CONV (2 filters 3×3) (6,6,2) → Softmax (3): conv (3·3·1 + 1)·2 = 20, dense 72·3 + 3 = 219 parameters.
SMALL = ([8, 8, 1], [{"type": "conv", "filters": 2, "size": 3}, {"type": "dense", "units": 3, "activation": "softmax"}])


def test_training_estimate_counts_every_part_in_bytes():
    e = estimate_memory(_summary(*SMALL), "train", batch_size=4, optimizer="adam")
    assert (e.weights, e.gradients, e.weights_copy, e.optimizer_state) == (239 * 4, 239 * 4, 239 * 4, 2 * 239 * 4)
    assert e.input_batch == 4 * 64 * 4
    assert e.activations == 4 * (72 + 3 + 2 * 72) * 4           # every output kept, plus two of the largest
    # im2col patches m·n_H·n_W·f·f·n_C_prev (smaller than one chunk here), and the chunk of their gradient
    assert e.scratch == 2 * 4 * (6 * 6 * 3 * 3 * 1) * 4
    assert e.total == sum(e.parts().values())


def test_activation_bytes_are_one_examples_activations_at_the_item_size():
    # SMALL: input 8·8·1 = 64, CONV (6,6,2) = 72, Softmax 3 → 139 values per example.
    summary = _summary(*SMALL)
    assert summary.total_activation_size == 139
    assert activation_bytes(summary) == 139 * 4
    assert activation_bytes(summary, np.float64) == 139 * 8


def test_early_stopping_counts_one_more_copy_of_the_weights_for_the_best_epoch():
    plain = estimate_memory(_summary(*SMALL), "train", 4, "adam")
    keeping = estimate_memory(_summary(*SMALL), "train", 4, "adam", early_stopping=True)
    assert plain.best_weights == 0 and keeping.best_weights == plain.weights
    assert keeping.total == plain.total + plain.weights


@pytest.mark.parametrize("optimizer, copies", [("sgd", 0), ("momentum", 1), ("adam", 2)])
def test_optimizer_state_is_zero_one_or_two_copies_of_the_weights(optimizer, copies):
    e = estimate_memory(_summary(*SMALL), "train", 4, optimizer)
    assert e.optimizer_state == copies * e.weights


def test_float64_needs_twice_the_bytes_of_float32():
    summary = _summary(*SMALL)
    for purpose in ("train", "infer"):
        assert (estimate_memory(summary, purpose, 4, dtype=np.float64).total
                == 2 * estimate_memory(summary, purpose, 4, dtype=np.float32).total)
    # Initial weights are drawn in float64 for either dtype.
    assert estimate_memory(summary, "weights", dtype=np.float64).scratch == 216 * 8


def test_inference_estimate_holds_one_pair_of_activations_and_one_layer_of_patches():
    e = estimate_memory(_summary(*SMALL), "infer", batch_size=4)
    assert (e.gradients, e.optimizer_state, e.weights_copy) == (0, 0, 0)
    assert e.activations == 4 * (64 + 72) * 4 and e.scratch == 4 * 324 * 4
    assert e.describe() == f"needs about {format_bytes(e.total)} to run at batch 4"


def test_weights_estimate_counts_the_float64_draw_of_the_largest_array():
    e = estimate_memory(_summary(*SMALL), "weights")
    assert (e.weights, e.scratch, e.activations, e.input_batch) == (239 * 4, 216 * 8, 0, 0)


def test_summarize_and_estimate_stay_exact_for_the_largest_design_the_format_allows():
    summary = _summary([4096, 4096, 4096], [{"type": "dense", "units": 1_000_000}, SOFTMAX10])
    assert summary.rows[1].params == 4096 ** 3 * 1_000_000 + 1_000_000       # Python ints: no overflow
    e = estimate_memory(summary, "train", 1_000_000, "adam")
    assert e.weights == (summary.total_params) * 4 and "EB" in e.describe()


def test_the_200x200_into_12500_units_design_is_refused_naming_the_layer():
    summary = _summary([200, 200, 3], [{"type": "dense", "units": 12_500}, SOFTMAX10])
    with pytest.raises(MemoryGuardError) as info:
        check_memory(summary, "train", batch_size=4, optimizer="adam", available=15 * 10 ** 9)
    message = str(info.value)
    assert isinstance(info.value, SpecError) and "\n" not in message
    assert message.startswith("the design needs about 30 GB to train with Adam at batch 4; 15 GB is available; ")
    assert message.endswith("reduce FC1's 1.5 billion parameters (120,000×12,500) or the input size")


def test_a_design_whose_batch_dominates_is_told_to_reduce_the_batch_too():
    summary = _summary([256, 256, 3], [{"type": "conv", "filters": 64, "size": 3, "padding": "same"},
                                       {"type": "pool", "size": 4, "stride": 4}, SOFTMAX10])
    with pytest.raises(MemoryGuardError) as info:
        check_memory(summary, "train", batch_size=64, optimizer="sgd", available=10 ** 8, what="net.json")
    assert str(info.value).startswith("net.json needs about ")
    assert "100 MB is available; reduce CONV1's 256×256×64 output, the input size or the batch size" in str(info.value)


def test_what_fits_is_returned_as_the_estimate():
    summary = _summary(*SMALL)
    assert check_memory(summary, "train", 4, available=10 ** 9) == estimate_memory(summary, "train", 4)


def test_the_estimate_is_within_a_factor_two_of_a_real_lenet5_training_step(monkeypatch):
    from engine import runtime
    spec = load_spec(PRESETS / "lenet5.json")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 32, 32, 3)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    dataset = Dataset("noise", x, y, x[:2], y[:2], [str(k) for k in range(10)])
    monkeypatch.setattr(runtime, "_num_threads", 1)          # one process: tracemalloc sees it all
    tracemalloc.start()
    try:
        net = Network.from_spec(spec)
        Trainer(net, Adam(), batch_size=64, validation_fraction=0).fit(dataset, epochs=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate = estimate_memory(summarize(spec), "train", 64, "adam")
    assert estimate.processes == 1 and estimate.worker_processes == 0
    assert peak / 2 <= estimate.total <= 2 * peak, (estimate.total, peak)


def test_the_estimate_counts_every_process_of_a_split_step():
    """LeNet-5 at batch 128 on 2 cores: the parent and its worker's traced peaks and the shared blocks,
    added up, against the estimate less the worker's interpreter (which tracemalloc can't see)."""
    from engine import SGD
    from engine.memory import WORKER_PROCESS_BYTES
    from engine.parallel import WorkerPool
    spec = load_spec(PRESETS / "lenet5.json")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 32, 32, 3)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    one = estimate_memory(summarize(spec), "train", 128, "sgd", workers=1)
    two = estimate_memory(summarize(spec), "train", 128, "sgd", workers=2)
    assert two.processes == 2 and two.gradients == 2 * one.gradients and two.scratch >= one.scratch
    assert two.worker_processes >= WORKER_PROCESS_BYTES
    net = Network.from_spec(spec)
    opt = SGD(0.01)
    with WorkerPool(net, 2) as pool:
        assert pool.parts(128) is not None
        tracemalloc.start()
        pool.trace_memory("start")
        try:
            base = tracemalloc.get_traced_memory()[0]
            for _ in range(2):
                opt.step(net.params, net.loss_and_grads(x, y)[1])
            peak = tracemalloc.get_traced_memory()[1] - base
            peak += sum(worker["peak"] for worker in pool.trace_memory("stop")) + pool.shared_bytes()
        finally:
            tracemalloc.stop()
    # The estimate counts the batch and the weights too; the measured peak is above what existed before.
    need = two.total - two.worker_processes + (two.worker_processes - WORKER_PROCESS_BYTES) - two.input_batch // 2
    assert peak / 2 <= need <= 2 * peak, (need, peak)


# ----- available memory ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, size", [("1000", 1000), ("512M", 512 * 2 ** 20), ("2G", 2 * 2 ** 30),
                                        ("2gb", 2 * 2 ** 30), ("1.5GiB", 3 * 2 ** 29), (" 64k ", 64 * 1024),
                                        ("1T", 2 ** 40)])
def test_sizes_take_bytes_or_a_binary_suffix(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "2Q", "-1G", "1e9", "G"])
def test_a_limit_that_is_not_a_size_is_one_line_naming_the_variable(monkeypatch, text):
    monkeypatch.setenv(ENV_LIMIT, text)
    with pytest.raises(MemoryGuardError, match=f"{ENV_LIMIT}=.* is not a size; write a number of bytes"):
        check_memory(_summary(*SMALL), "train", 4)
    with pytest.raises(MemoryLimitError):
        available_memory()


def test_the_environment_variable_overrides_what_the_machine_has(monkeypatch):
    monkeypatch.setenv(ENV_LIMIT, "3M")
    assert available_memory() == 3 * 2 ** 20


def test_the_machine_reports_some_available_memory(monkeypatch):
    monkeypatch.delenv(ENV_LIMIT, raising=False)
    available = available_memory()
    assert available is None or available > 0


@pytest.mark.parametrize("n, text", [(0, "0 bytes"), (999, "999 bytes"), (6_272, "6.3 kB"), (980_000_000, "980 MB"),
                                     (6 * 10 ** 9, "6.0 GB"), (24 * 10 ** 9, "24 GB"), (1.2 * 10 ** 12, "1.2 TB")])
def test_byte_counts_read_as_people_write_them(n, text):
    assert format_bytes(n) == text


# ----- the guard in Network.from_spec ---------------------------------------------------------------------

def test_from_spec_refuses_weights_that_cannot_fit_before_allocating(monkeypatch):
    monkeypatch.setenv(ENV_LIMIT, "2G")
    spec = NetworkSpec.from_dict({"format": FORMAT, "input": {"shape": [2000, 2000, 3]},
                                  "layers": [{"type": "dense", "units": 20_000}, SOFTMAX10]})
    tracemalloc.start()
    try:
        with pytest.raises(MemoryGuardError) as info:
            Network.from_spec(spec)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 ** 6            # nothing was allocated
    assert str(info.value).startswith("the design needs about 2.9 TB for its weights; 2.1 GB is available; ")
    assert "FC1's 240 billion parameters (12,000,000×20,000)" in str(info.value)


def test_from_spec_builds_what_fits_under_a_limit(monkeypatch):
    monkeypatch.setenv(ENV_LIMIT, "64M")
    net = Network.from_spec(load_spec(PRESETS / "lenet5.json"))
    assert net.num_params == 62_958


def test_patch_scratch_is_one_chunk_whatever_the_batch_size():
    # The kernels stream im2col patches in chunks (engine.patches), so a bigger batch grows the activations,
    # not the scratch.
    summary = summarize(load_spec(PRESETS / "lenet5.json"))
    small, big = (estimate_memory(summary, "train", batch_size=m) for m in (64, 1024))
    assert small.scratch == big.scratch > 0
    assert big.activations == 16 * small.activations


def test_a_wide_3x3_layer_counts_the_winograd_buffer():
    # A stride-1 3×3 convolution over 32+ channels runs through engine.winograd, whose chunk buffer is
    # bigger than a small layer's patches: the estimate must hold it.
    from engine.winograd import CHUNK_BYTES
    doc = {"format": FORMAT, "input": {"shape": [16, 16, 32]},
           "layers": [{"type": "conv", "filters": 32, "size": 3, "padding": "same"},
                      {"type": "dense", "units": 2, "activation": "softmax"}]}
    estimate = estimate_memory(summarize(NetworkSpec.from_dict(doc)), "train", batch_size=1)
    assert estimate.scratch >= 2 * CHUNK_BYTES
