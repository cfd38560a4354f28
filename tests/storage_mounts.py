"""Real size-limited, read-only and immutable folders for storage-fault tests (tmpfs mounts).

Root ignores file modes, so a folder the pipeline cannot write is made by the kernel: a tmpfs
of a few megabytes fills up for real, a read-only remount refuses every write, and the
immutable attribute refuses new files in a folder. Mounting needs root with CAP_SYS_ADMIN:
elsewhere the tests skip, saying so.
"""

import array
import fcntl
import os
import subprocess
from pathlib import Path

import pytest

CAP_SYS_ADMIN = 21
# <linux/fs.h>: FS_IOC_GETFLAGS, FS_IOC_SETFLAGS and the immutable flag.
_GET_FLAGS, _SET_FLAGS, _IMMUTABLE = 0x80086601, 0x40086602, 0x10


def mount_refusal() -> str | None:
    """Why this process cannot mount, or None when it may."""
    if os.geteuid() != 0:
        return "mounting a size-limited tmpfs needs root (tests run as a user)"
    status = Path("/proc/self/status").read_text()
    effective = int(
        next(line for line in status.splitlines() if line.startswith("CapEff:"))[7:], 16
    )
    if not effective >> CAP_SYS_ADMIN & 1:
        return "mounting a size-limited tmpfs needs CAP_SYS_ADMIN, which this process does not have"
    return None


def _mount(*arguments: str) -> None:
    done = subprocess.run(["mount", *arguments], capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"mount {' '.join(arguments)} failed: {done.stderr.strip()}")


class Mounts:
    """tmpfs folders mounted for one test, unmounted by ``unmount_all`` (the finalizer)."""

    def __init__(self) -> None:
        self.mounted: list[Path] = []

    def tmpfs(self, folder: Path, kib: int) -> Path:
        """Mount a tmpfs of ``kib`` KiB at ``folder`` (created); skip the test where mounting is
        not permitted."""
        reason = mount_refusal()
        if reason:
            pytest.skip(reason)
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={kib}k,mode=0755", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            if "denied" in done.stderr or "not permitted" in done.stderr:
                pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
            raise RuntimeError(f"mount -t tmpfs at {folder} failed: {done.stderr.strip()}")
        self.mounted.append(folder)
        return folder

    def resize(self, folder: Path, kib: int) -> None:
        """Grow or shrink the tmpfs at ``folder`` to ``kib`` KiB (not below what it holds)."""
        _mount("-o", f"remount,size={kib}k", str(folder))

    def read_only(self, folder: Path) -> None:
        """Remount the tmpfs at ``folder`` read-only."""
        _mount("-o", "remount,ro", str(folder))

    def unmount_all(self) -> None:
        for folder in reversed(self.mounted):
            # Lazily if a failed test left a file open there: the folder still goes away.
            done = subprocess.run(["umount", str(folder)], capture_output=True, check=False)
            if done.returncode:
                subprocess.run(["umount", "-l", str(folder)], check=True)
        self.mounted.clear()


def used_kib(folder: Path) -> int:
    """KiB the file system of ``folder`` holds."""
    stats = os.statvfs(folder)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize // 1024


def set_immutable(folder: Path, immutable: bool) -> None:
    """Set or clear the immutable attribute of ``folder`` (``chattr +i``): no file can be
    created in it, even by root."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        flags = array.array("l", [0])
        fcntl.ioctl(descriptor, _GET_FLAGS, flags)
        flags[0] = flags[0] | _IMMUTABLE if immutable else flags[0] & ~_IMMUTABLE
        fcntl.ioctl(descriptor, _SET_FLAGS, flags)
    finally:
        os.close(descriptor)


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }
