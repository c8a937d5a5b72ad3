"""Process-level settings that make the engine fast: the C allocator, the engine's threads, BLAS threads.

None of this changes what the engine computes beyond the order of float additions, and every function is
a safe no-op where it does not apply (another C library, another BLAS, one CPU).

* :func:`tune_allocator` — call once at start-up, before training (the benchmark does). glibc
  hands blocks above its mmap threshold (≤ 32 MiB, adjusted at run time) back to the kernel on every
  free; the engine allocates and frees arrays of several MiB on every step (im2col patches, activations),
  so each step then pays page faults and zeroing for fresh pages. Raising the thresholds keeps those
  blocks in the heap for reuse.
* :func:`set_num_threads` / :func:`get_num_threads` — how many threads one training step or forward
  pass may use. The engine splits a big enough batch into that many parts and runs them side by side
  (NumPy releases the GIL inside its kernels); BLAS runs single-threaded inside the engine's compute
  (:func:`single_threaded_blas`), which on small conv layers scales much better than OpenBLAS's own
  threads and leaves no OpenBLAS threads busy-waiting after a step. Default: the physical cores this
  process may run on, or the ``CNN_DESIGNER_THREADS`` environment variable (read once). The same count
  sets the engine's worker processes (engine.parallel), which take the batches threads gain little on.
"""
from __future__ import annotations

import contextlib
import contextvars
import ctypes
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["tune_allocator", "set_num_threads", "get_num_threads", "blas_info", "single_threaded_blas"]

THREADS_ENV = "CNN_DESIGNER_THREADS"

# glibc's mallopt parameter numbers (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def tune_allocator(mmap_threshold: int = 256 * 1024 * 1024, trim_threshold: int = 512 * 1024 * 1024) -> bool:
    """Keep large freed blocks in the heap instead of returning them to the OS (glibc only).

    Same effect as starting Python with ``MALLOC_MMAP_THRESHOLD_=268435456
    MALLOC_TRIM_THRESHOLD_=536870912``. Returns True when glibc accepted both settings, False elsewhere
    (macOS, Windows, musl): there it does nothing. The cost is memory that stays mapped after a big
    array is freed, up to the largest working set the process has had.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version          # glibc only: musl has a mallopt that ignores these
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold)) == 1
    ok = mallopt(_M_TRIM_THRESHOLD, int(trim_threshold)) == 1 and ok
    global _allocator_tuned
    _allocator_tuned = _allocator_tuned or ok
    return ok


_allocator_tuned = False


def allocator_tuned() -> bool:
    """Whether tune_allocator took effect in this process (the engine's worker processes follow suit)."""
    return _allocator_tuned


# --------------------------------------------------------------------------------------------------
# BLAS threads (OpenBLAS, as bundled with NumPy's wheels), found and set through ctypes
# --------------------------------------------------------------------------------------------------

# ctypes, not threadpoolctl: a few µs per enter/exit instead of a rescan of the loaded libraries, and a
# depth count so that overlapping use from two threads (the window's inference beside the training worker)
# restores the count only when the last one leaves. Numbers: benchmarks/RESULTS.md, "Tuning rules: BLAS
# threads through ctypes".
class _OpenBLAS:
    """get/set of OpenBLAS's thread count for every OpenBLAS loaded in the process (NumPy's, SciPy's)."""

    def __init__(self):
        self._libs = None          # [(path, get, set, corename)] once looked up
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: list[int] = []

    @staticmethod
    def _candidate_paths() -> list[str]:
        paths = []
        try:                                   # Linux: the libraries actually loaded
            with open("/proc/self/maps") as maps:
                for line in maps:
                    fields = line.split(None, 5)
                    path = fields[5].strip() if len(fields) == 6 else ""
                    if "openblas" in os.path.basename(path).lower() and path not in paths:
                        paths.append(path)
        except OSError:
            pass
        if not paths:                          # other systems: the wheel's bundled copy
            try:
                import numpy
                root = os.path.dirname(numpy.__file__)
                for folder in (os.path.join(root, "..", "numpy.libs"), os.path.join(root, ".libs"),
                               os.path.join(root, ".dylibs")):
                    if os.path.isdir(folder):
                        paths += [os.path.join(folder, name) for name in sorted(os.listdir(folder))
                                  if "openblas" in name.lower()]
            except Exception:
                pass
        return paths

    def libs(self):
        if self._libs is None:
            found = []
            for path in self._candidate_paths():
                try:
                    lib = ctypes.CDLL(path)
                except OSError:
                    continue
                for prefix in ("scipy_", ""):
                    for suffix in ("64_", "", "_64"):
                        try:
                            get = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}")
                            set_ = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}")
                        except AttributeError:
                            continue
                        get.restype, get.argtypes = ctypes.c_int, []
                        set_.restype, set_.argtypes = None, [ctypes.c_int]
                        corename = None
                        try:
                            core = getattr(lib, f"{prefix}openblas_get_corename{suffix}")
                            core.restype, core.argtypes = ctypes.c_char_p, []
                            corename = core().decode(errors="replace")
                        except (AttributeError, OSError):
                            pass
                        found.append((path, get, set_, corename))
                        break
                    else:
                        continue
                    break
            self._libs = found
        return self._libs

    def num_threads(self) -> int | None:
        libs = self.libs()
        return max(get() for _, get, _, _ in libs) if libs else None

    @contextlib.contextmanager
    def single_threaded(self):
        """One BLAS thread inside the block (nesting and concurrent use from several threads are fine:
        the first to enter saves the counts, the last to leave restores them)."""
        libs = self.libs()
        with self._lock:
            if self._depth == 0:
                self._saved = [get() for _, get, _, _ in libs]
                for _, _, set_, _ in libs:
                    set_(1)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    for (_, _, set_, _), n in zip(libs, self._saved):
                        set_(n)


_blas = _OpenBLAS()


def single_threaded_blas():
    """Context manager: OpenBLAS runs single-threaded inside it (no-op without a known OpenBLAS)."""
    return _blas.single_threaded()


def blas_info() -> list[dict]:
    """The OpenBLAS libraries found: path, current threads, core type (kernel) it runs."""
    return [{"path": path, "num_threads": get(), "corename": core} for path, get, _, core in _blas.libs()]


def can_pin_blas() -> bool:
    """True when the engine can make BLAS single-threaded inside its own threads (or it already is)."""
    n = _blas.num_threads()
    if n is not None:
        return True
    # No OpenBLAS found: safe only when the BLAS is told to use one thread anyway.
    return any(os.environ.get(name) == "1" for name in
               ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"))


# --------------------------------------------------------------------------------------------------
# The engine's own threads
# --------------------------------------------------------------------------------------------------

_default: int | None = None


def physical_cores() -> int:
    """Cores (not hyperthreads) among the CPUs this process may run on: a second hyperthread of a core
    shares its arithmetic units, which the engine's kernels keep busy."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
    cores = set()
    for cpu in cpus:
        try:
            with open(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list") as handle:
                cores.add(handle.read().strip())
        except OSError:
            cores.add(str(cpu))        # no topology to read: count every CPU as a core
    return max(1, len(cores))


def _default_threads() -> int:
    """CNN_DESIGNER_THREADS if set, else the physical cores this process may run on; read once."""
    global _default
    if _default is None:
        value = os.environ.get(THREADS_ENV, "").strip()
        n = None
        if value:
            try:
                n = max(1, int(value))
            except ValueError:
                n = None
        _default = n if n is not None else physical_cores()
    return _default


_num_threads: int | None = None
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def set_num_threads(n: int | None) -> None:
    """Threads one training step or forward pass may use (``None``: back to the default)."""
    global _num_threads, _pool
    if n is not None:
        n = int(n)
        if n < 1:
            raise ValueError(f"the number of threads must be at least 1, got {n}")
    with _pool_lock:
        _num_threads = n
        if _pool is not None and (_pool._max_workers != get_num_threads() - 1):
            _pool.shutdown(wait=False)
            _pool = None


def get_num_threads() -> int:
    return _num_threads if _num_threads is not None else _default_threads()


def parallel_chunks(m: int, min_chunk: int, most: int | None = None) -> int:
    """How many parts to split a batch of m into (1 = don't split): at most one per engine thread, each
    of at least min_chunk samples, and no more than `most`."""
    n = min(get_num_threads(), m // max(1, min_chunk))
    if most is not None:
        n = min(n, most)
    if n < 2 or not can_pin_blas():
        return 1
    return n


# True inside the tasks of run_parallel: the kernels ask (in_parallel_part) to keep to paths that scale
# when parts run side by side (engine.winograd's many short NumPy calls do not).
_IN_PARALLEL_PART = contextvars.ContextVar("cnn_designer_in_parallel_part", default=False)


def in_parallel_part() -> bool:
    """Whether this code runs as one of several batch parts side by side (inside run_parallel)."""
    return _IN_PARALLEL_PART.get()


# How many processes the batch of the pass being computed is split across (engine.parallel sets it around
# each process's part; 1 otherwise): the kernels keep each part's scratch within a share of the unsplit one.
_PROCESS_PARTS = contextvars.ContextVar("cnn_designer_process_parts", default=1)


def process_parts() -> int:
    """The number of processes this pass's batch is split across (1: unsplit, or threads)."""
    return _PROCESS_PARTS.get()


@contextlib.contextmanager
def as_process_part(parts: int):
    """Inside: this process computes one of `parts` parts of a batch (engine.parallel)."""
    token = _PROCESS_PARTS.set(max(1, int(parts)))
    try:
        yield
    finally:
        _PROCESS_PARTS.reset(token)


def _part_context():
    context = contextvars.copy_context()
    context.run(_IN_PARALLEL_PART.set, True)
    return context


def run_parallel(tasks):
    """Run callables side by side: the last on this thread, the others on the engine's pool; results
    in order. An exception in any task is raised here after all have finished. Each task runs in a copy
    of the caller's context, so NumPy's errstate (a context variable) applies to it as to the caller."""
    global _pool
    if len(tasks) == 1:
        return [tasks[0]()]
    with single_threaded_blas():
        # Fetching the pool and submitting to it is one step under the lock: set_num_threads (or another
        # run_parallel replacing the pool) shuts the old pool down, which refuses new work but finishes
        # the work already submitted.
        with _pool_lock:
            if _pool is None or _pool._max_workers < len(tasks) - 1:
                if _pool is not None:
                    _pool.shutdown(wait=False)
                _pool = ThreadPoolExecutor(max_workers=max(1, get_num_threads() - 1, len(tasks) - 1),
                                           thread_name_prefix="cnn-engine")
            futures = [_pool.submit(_part_context().run, task) for task in tasks[:-1]]
        error = None
        try:
            last = _part_context().run(tasks[-1])
        except BaseException as exc:      # still wait for the others: they use shared layer state
            error, last = exc, None
        results = []
        for future in futures:
            try:
                results.append(future.result())
            except BaseException as exc:
                error = error or exc
                results.append(None)
        if error is not None:
            raise error
    return results + [last]


def run_one_by_one(tasks):
    """Run callables one after another on this thread, each as a batch part (in_parallel_part() is True
    inside, so the kernels take the paths and chunk sizes they take beside others): what
    :func:`run_parallel` does, without the side by side. For profiling a part's time alone."""
    with single_threaded_blas():
        return [_part_context().run(task) for task in tasks]
