"""Wall time and peak resident memory of a command, measured on its own child process."""

import os
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    """One run of a command: seconds, peak RSS in bytes, and how it ended."""

    seconds: float
    peak_rss_bytes: int
    outcome: str  # "ok", "failed (exit N)" or "timeout after N s"


def measure(
    command: Sequence[str], env: Mapping[str, str], timeout_s: float | None = None
) -> Measurement:
    """Run ``command`` and return its wall time and the peak RSS that the kernel recorded.

    ``os.wait4`` reports the resource usage of exactly this child, unlike
    ``RUSAGE_CHILDREN``, which mixes in every child the harness has waited for.
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
            if deadline is not None and time.perf_counter() > deadline:
                child.kill()
                _, status, usage = os.wait4(child.pid, 0)
                return Measurement(
                    time.perf_counter() - started,
                    usage.ru_maxrss * 1024,
                    f"timeout after {timeout_s:.0f} s",
                )
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        # Record the exit so Popen does not try to reap the child again.
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            stderr.seek(0)
            lines = stderr.read().decode(errors="replace").strip().splitlines() or [""]
            outcome = f"failed (exit {child.returncode}): {lines[-1][:300]}"
            return Measurement(seconds, usage.ru_maxrss * 1024, outcome)
    return Measurement(seconds, usage.ru_maxrss * 1024, "ok")
