"""What Linux says about a server process: its CPU time and its memory (``/proc``)."""

from __future__ import annotations

from pathlib import Path

MIB = 1024 * 1024


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used so far, all its threads (``schedstat``, in ns)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # the thread ended meanwhile
    return total / 1e9


def memory_mib(pid: int) -> dict[str, float]:
    """``VmRSS`` (resident now) and ``VmHWM`` (peak resident) of the process, in MiB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024 / MIB
    return out
