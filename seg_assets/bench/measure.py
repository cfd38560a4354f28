"""Wall time and peak resident memory of a command, measured on its own child process."""

import os
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    """One run of a command: seconds, peak RSS in bytes, and how it ended."""

    seconds: float
    peak_rss_bytes: int
    outcome: str  # "ok", "failed (exit N)", "timeout after N s" or "stopped at ... bound"


def resident_bytes(pid: int) -> int:
    """Current resident memory of process ``pid`` (0 once it has exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def measure(
    command: Sequence[str],
    env: Mapping[str, str],
    timeout_s: float | None = None,
    memory_bound_bytes: int | None = None,
) -> Measurement:
    """Run ``command`` and return its wall time and the peak RSS that the kernel recorded.

    ``os.wait4`` reports the resource usage of exactly this child, unlike
    ``RUSAGE_CHILDREN``, which mixes in every child the harness has waited for. A child that
    outlives ``timeout_s`` or grows past ``memory_bound_bytes`` resident is stopped, so a
    workload that cannot fit the machine is reported instead of swapping or meeting the
    kernel's out-of-memory killer.
    """
    # stderr goes to a file: a full pipe would block a chatty child while we wait for it.
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        child = subprocess.Popen(
            list(command), env=dict(env), stdout=subprocess.DEVNULL, stderr=stderr
        )
        deadline = None if timeout_s is None else started + timeout_s
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            stop = None
            if deadline is not None and time.perf_counter() > deadline:
                stop = f"timeout after {timeout_s:.0f} s"
            elif memory_bound_bytes and resident_bytes(child.pid) > memory_bound_bytes:
                stop = f"stopped at the {memory_bound_bytes / 2**30:.1f} GiB memory bound"
            if stop:
                child.kill()
                _, status, usage = os.wait4(child.pid, 0)
                seconds = time.perf_counter() - started
                return Measurement(seconds, usage.ru_maxrss * 1024, f"{stop} ({seconds:.0f} s in)")
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        # Record the exit so Popen does not try to reap the child again.
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode < 0:
            outcome = f"killed by signal {-child.returncode}"
            return Measurement(seconds, usage.ru_maxrss * 1024, outcome)
        if child.returncode != 0:
            stderr.seek(0)
            lines = stderr.read().decode(errors="replace").strip().splitlines() or [""]
            outcome = f"failed (exit {child.returncode}): {lines[-1][:300]}"
            return Measurement(seconds, usage.ru_maxrss * 1024, outcome)
    return Measurement(seconds, usage.ru_maxrss * 1024, "ok")
