"""engine.runtime: the engine's thread pool under concurrent reconfiguration."""
import threading

import pytest

from engine import runtime


@pytest.fixture
def own_pool(monkeypatch):
    """Run the test with a fresh engine pool and thread count, restored afterwards."""
    monkeypatch.setattr(runtime, "_pool", None)
    monkeypatch.setattr(runtime, "_num_threads", None)
    yield
    runtime.set_num_threads(None)


def test_set_num_threads_cannot_shut_down_a_pool_that_run_parallel_is_using(own_pool, monkeypatch):
    """set_num_threads from another thread lands exactly between run_parallel fetching the pool and
    submitting to it: the tasks must still run (before the fix: RuntimeError, the pool was shut down)."""
    real_executor = runtime.ThreadPoolExecutor
    raced = []

    class RacingPool(real_executor):
        def submit(self, *args, **kwargs):
            if not raced:
                other = threading.Thread(target=runtime.set_num_threads, args=(5,))
                other.start()
                # Without the fix set_num_threads completes here and shuts this pool down; with it, it
                # waits for the lock until the tasks are submitted (the join gives up, the thread goes on).
                other.join(timeout=0.5)
                raced.append(other)
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(runtime, "ThreadPoolExecutor", RacingPool)
    runtime.set_num_threads(3)
    results = runtime.run_parallel([lambda i=i: i * i for i in range(3)])
    raced[0].join()
    assert results == [0, 1, 4]
    assert runtime.get_num_threads() == 5
    # The pool was replaced for the new count and still works.
    assert runtime.run_parallel([lambda i=i: i + 1 for i in range(5)]) == [1, 2, 3, 4, 5]
