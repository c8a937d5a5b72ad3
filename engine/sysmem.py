"""How many bytes this process can still allocate, and byte counts as people read them.

`available_memory()` takes the smallest of what is known:

* physical memory not in use (Linux: MemAvailable in /proc/meminfo, which counts reclaimable caches;
  elsewhere os.sysconf's available pages, or GlobalMemoryStatusEx on Windows);
* the room left under a container's memory limit (cgroup v2 memory.max or v1 memory.limit_in_bytes);
* the room left under the process's own limits (RLIMIT_AS on the address space, RLIMIT_DATA on the heap).

The environment variable CNN_DESIGNER_MEMORY_LIMIT overrides all of them: a number of bytes, or one with a
suffix K, M, G or T (powers of 1024, as in `ulimit` and `docker --memory`): "512M", "2G". Tests use it, and
so can a user who wants a cap below what the machine has.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ENV_LIMIT = "CNN_DESIGNER_MEMORY_LIMIT"
_SUFFIXES = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", re.IGNORECASE)


class MemoryLimitError(ValueError):
    """CNN_DESIGNER_MEMORY_LIMIT holds something that is not a size."""


def format_bytes(n: int) -> str:
    """A byte count in decimal units with two or three significant digits: "980 MB", "6.0 GB", "24 GB"."""
    n = int(n)
    if n < 1000:
        return f"{n} bytes"
    value, unit = float(n), "bytes"
    for unit in ("kB", "MB", "GB", "TB", "PB", "EB"):
        value /= 1000
        if value < 1000:
            break
    return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"


def parse_size(text: str) -> int:
    """'2G' → 2·1024³ bytes; '512M', '1.5G', '1000000' (bytes) also work. MemoryLimitError otherwise."""
    match = _SIZE.fullmatch(text)
    if not match:
        raise MemoryLimitError(f"{ENV_LIMIT}={text!r} is not a size; write a number of bytes or a number "
                               "with K, M, G or T (e.g. 512M or 2G)")
    number, suffix = match.groups()
    return int(float(number) * _SUFFIXES[suffix.upper()])


def allocation_refusal(nbytes: int, what: str) -> str | None:
    """None when `nbytes` fit in the memory available (or nothing is known about it); else the one-line
    reason, starting with `what` ("x_train: 1,000,000 images of 28×28×1"): readers call it with the size a
    file declares, before they allocate anything. A bad CNN_DESIGNER_MEMORY_LIMIT is a reason too."""
    try:
        available = available_memory()
    except MemoryLimitError as exc:
        return str(exc)
    if available is None or nbytes <= available:
        return None
    return (f"{what} would take {format_bytes(nbytes)} of memory, more than the {format_bytes(max(available, 0))} "
            f"available; refused before reading it")


def available_memory() -> int | None:
    """Bytes this process can still allocate (see the module notes), or None when nothing is known."""
    override = os.environ.get(ENV_LIMIT, "").strip()
    if override:
        return parse_size(override)
    known = [value for value in (_physical_available(), _cgroup_available(), _rlimit_available())
             if value is not None]
    return max(0, min(known)) if known else None


# ----- probes: each returns bytes or None, never raises ------------------------------------------------

def _read_kib_fields(path: str, *names: str) -> dict[str, int]:
    """Lines like 'MemAvailable:   24227716 kB' of /proc files, in bytes."""
    found = {}
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                if key in names:
                    found[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return found


def _physical_available() -> int | None:
    value = _read_kib_fields("/proc/meminfo", "MemAvailable").get("MemAvailable")
    if value is not None:
        return value
    if sys.platform == "win32":
        return _windows_available()
    try:  # other Unixes; macOS has no SC_AVPHYS_PAGES, so total physical memory is the rough bound there
        pages = os.sysconf("SC_AVPHYS_PAGES") if "SC_AVPHYS_PAGES" in os.sysconf_names else os.sysconf("SC_PHYS_PAGES")
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _windows_available() -> int | None:
    try:
        import ctypes

        class MemoryStatus(ctypes.Structure):
            _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                        ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
                        ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
                        ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
                        ("ullAvailExtendedVirtual", ctypes.c_ulonglong)]
        status = MemoryStatus()
        status.dwLength = ctypes.sizeof(MemoryStatus)
        if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            return None
        return min(status.ullAvailPhys, status.ullAvailVirtual)
    except Exception:  # noqa: BLE001 - any failure just means "unknown"
        return None


def _read_number(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
        return None if text == "max" else int(text)
    except (OSError, ValueError):
        return None


def _cgroup_available() -> int | None:
    """Room under the memory limit of this process's cgroup (v2, then v1); None without a limit."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            names, stat_key = ("memory.max", "memory.current"), "inactive_file"
            roots = [Path("/sys/fs/cgroup") / path.lstrip("/"), Path("/sys/fs/cgroup")]
        elif "memory" in controllers.split(","):
            names, stat_key = ("memory.limit_in_bytes", "memory.usage_in_bytes"), "total_inactive_file"
            roots = [Path("/sys/fs/cgroup/memory") / path.lstrip("/"), Path("/sys/fs/cgroup/memory")]
        else:
            continue
        for root in roots:
            limit, usage = _read_number(root / names[0]), _read_number(root / names[1])
            if limit is None or usage is None or limit >= 1 << 60:   # v1 writes "no limit" as ~2⁶³
                continue
            # Page cache the kernel can drop counts as used in the cgroup but is there for the taking.
            inactive = _read_stat_value(root / "memory.stat", stat_key)
            return limit - max(0, usage - inactive)
    return None


def _read_stat_value(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _rlimit_available() -> int | None:
    """Room under RLIMIT_AS (address space, counted against VmSize) and RLIMIT_DATA (against VmData)."""
    try:
        import resource
    except ImportError:   # Windows
        return None
    used = _read_kib_fields("/proc/self/status", "VmSize", "VmData")
    room = []
    for limit_name, used_name in (("RLIMIT_AS", "VmSize"), ("RLIMIT_DATA", "VmData")):
        which = getattr(resource, limit_name, None)
        if which is None:
            continue
        try:
            soft, _ = resource.getrlimit(which)
        except (OSError, ValueError):
            continue
        if soft != resource.RLIM_INFINITY:
            room.append(soft - used.get(used_name, 0))
    return min(room) if room else None
