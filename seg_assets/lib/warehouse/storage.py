"""Storage faults on the warehouse's and the serving file's folders, told apart from bugs.

A full disk, a read-only mount or a folder the pipeline may not write reaches the pipeline as
whatever was running: an ``IOException`` from DuckDB on open, a ``TransactionException`` on
commit, an ``OSError`` from a Python copy, often wrapped by a layer that blamed its own input
(a landing file that "cannot be read" when it was the raw table's write that failed). The
chokepoints (the warehouse resource, ``connect_warehouse`` and the publication) look for the
fault anywhere in the exception's chain and raise one error naming the folder and the remedy.
"""

import errno
import getpass
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

from seg_assets.lib.errors import SegAssetsError

FULL = "no space left on device"
READ_ONLY = "read-only file system"
DENIED = "permission denied"
# The system's words for each fault, as DuckDB copies them into its messages.
_FAULT_WORDS = {
    "No space left on device": FULL,
    "Disk quota exceeded": FULL,
    "Read-only file system": READ_ONLY,
    "Permission denied": DENIED,
    "Operation not permitted": DENIED,
}
_FAULT_ERRNOS = {
    errno.ENOSPC: FULL,
    errno.EDQUOT: FULL,
    errno.EROFS: READ_ONLY,
    errno.EACCES: DENIED,
    errno.EPERM: DENIED,
}
_DUCKDB_FILE = re.compile(r'file "(?P<path>[^"]+)"')
WAREHOUSE_SETTING = "SEG_ASSETS_WAREHOUSE"
SERVING_SETTING = "SEG_ASSETS_SERVING"
WAREHOUSE_AFTER_FAULT = (
    "Writes committed before it are kept; the serving file is untouched (it is replaced only"
    " after a run that succeeds), so readers keep the previous publication."
)


class WarehouseStorageError(SegAssetsError):
    """A warehouse or serving folder is full, read-only or not writable by the pipeline."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and the exceptions it was raised from or while handling, innermost last."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )


def _fault_of(error: BaseException) -> tuple[str, Path | None, str] | None:
    """(fault, file it names or None, the system's words) when ``error`` itself is a storage
    fault from DuckDB or the operating system; None otherwise."""
    if isinstance(error, OSError) and error.errno in _FAULT_ERRNOS:
        # shutil.copyfile names the source first and the file it failed to write second.
        named = error.filename2 or error.filename
        return _FAULT_ERRNOS[error.errno], Path(named) if named else None, error.strerror or ""
    if isinstance(error, duckdb.Error):
        text = str(error)
        for words, fault in _FAULT_WORDS.items():
            if words in text:
                found = _DUCKDB_FILE.search(text)
                return fault, Path(found["path"]) if found else None, words
    return None


def is_storage_fault(error: BaseException) -> bool:
    """Whether a full, read-only or forbidden folder is in ``error``'s chain."""
    return any(_fault_of(link) is not None for link in _chain(error))


def _within(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _space(folder: Path) -> str:
    """How full ``folder``'s file system is, for the message (empty when it cannot be read)."""
    try:
        usage = shutil.disk_usage(folder)
    except OSError:
        return ""
    return f" ({usage.free / 2**20:.1f} MB free of {usage.total / 2**20:.1f} MB)"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "the current user"


def storage_fault(
    error: BaseException, folders: Mapping[Path, str], default: Path, after: str
) -> WarehouseStorageError | None:
    """``WarehouseStorageError`` for a storage fault in one of ``folders``, else None.

    Parameters
    ----------
    error
        The exception raised; its whole chain (causes and contexts) is searched.
    folders
        The folders this chokepoint writes, each with the setting that moves it elsewhere;
        a fault on a file outside them (a landing file, say) is left as it is.
    default
        The file to name when the fault does not say which file it was.
    after
        What the fault left behind (which files are unchanged), for the message.

    Returns
    -------
    WarehouseStorageError or None
        None also when the chain already holds a ``WarehouseStorageError``: the innermost
        chokepoint knew best what was left behind.
    """
    links = list(_chain(error))
    if any(isinstance(link, WarehouseStorageError) for link in links):
        return None
    for link in links:
        found = _fault_of(link)
        if found is None:
            continue
        fault, file, words = found
        if file is None and fault == DENIED:
            continue  # a refused signal or socket, not a file this chokepoint writes
        file = file or default
        matching = [folder for folder in folders if _within(file, folder)]
        if not matching:
            continue
        folder = matching[0]
        setting = folders[folder]
        if fault == FULL:
            return WarehouseStorageError(
                f"No space left on device: writing {file} failed because {folder} is"
                f" full{_space(folder)}. {after} Free space in {folder} (or point {setting} at a"
                " folder on a larger disk), then run again."
            )
        if fault == READ_ONLY:
            reason, remedy = READ_ONLY, f"Remount {folder} read-write"
        elif words == "Permission denied":
            user = _user()
            reason = f"{DENIED} for user {user}"
            remedy = f"Give {user} write access to {folder} and the files in it"
        else:
            reason = words.lower()
            remedy = (
                "Lift what forbids it (an immutable or append-only attribute, see"
                f" `lsattr -d {folder}`, or a security policy)"
            )
        return WarehouseStorageError(
            f"{folder} is not writable ({reason}): {file} cannot be created or written. {after}"
            f" {remedy}, or point {setting} at a writable folder, then run again."
        )
    return None


@contextmanager
def storage_faults_explained(
    folders: Mapping[Path, str], default: Path, after: str
) -> Iterator[None]:
    """Raise ``storage_fault``'s error, from the original, for a storage fault in ``folders``
    that ends the block; any other exception goes through unchanged."""
    try:
        yield
    except Exception as error:
        fault = storage_fault(error, folders, default, after)
        if fault is None:
            raise
        raise fault from error


@contextmanager
def warehouse_storage_faults(warehouse: Path) -> Iterator[None]:
    """``storage_faults_explained`` for a connection to ``warehouse`` (its two files share a
    folder)."""
    folders = {warehouse.parent: WAREHOUSE_SETTING}
    with storage_faults_explained(folders, warehouse, WAREHOUSE_AFTER_FAULT):
        yield


def remove_database_files(path: Path) -> None:
    """Remove the DuckDB file ``path`` and its write-ahead log, where present."""
    for leftover in (path, path.with_name(f"{path.name}.wal")):
        leftover.unlink(missing_ok=True)
