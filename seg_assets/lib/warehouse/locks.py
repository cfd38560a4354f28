"""Opening the warehouse's files: a file another process holds fails at once, naming it.

DuckDB lets one process open a file for writing and locks every other process out, readers
included. dagster-duckdb retries a refused open for about 100 s per step, so a notebook or BI
tool left open on the working warehouse made every step of a run wait and then fail, one after
another. Waiting does not help: the holder is a person's process (runs queue in Dagster, one at
a time, see dagster.yaml), so the first refusal ends the step with the holder's PID and command.
"""

import re
from collections.abc import Mapping
from pathlib import Path

import duckdb

from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.identifiers import sql_string
from seg_assets.lib.warehouse.storage import is_storage_fault, remove_database_files

_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*) \(PID (?P<pid>\d+)\)")


class WarehouseLockedError(SegAssetsError):
    """A warehouse file is held by another process."""


def _command_line(pid: int, program: str) -> str:
    """The holder's command line where the system shows it, else its program."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return program
    return " ".join(a.decode(errors="replace") for a in arguments if a) or program


def explained_lock(path: Path, error: duckdb.Error) -> Exception:
    """``WarehouseLockedError`` naming the process that holds ``path`` when ``error`` is
    DuckDB's lock conflict; ``error`` itself otherwise."""
    found = _HOLDER.search(str(error))
    if not found:
        return error
    pid = int(found["pid"])
    return WarehouseLockedError(
        f"{path} is held by process {pid} ({_command_line(pid, found['program'])}): DuckDB lets"
        " one process open a warehouse file, so this run cannot write it. Close that process"
        " if it is a notebook, shell or BI tool (BI tools read the serving file, never the"
        " warehouse), or let its run finish; runs of this project queue one at a time in"
        " Dagster."
    )


def _remove_if_cut_short(path: Path, created: bool, error: duckdb.Error) -> None:
    """Remove the file a failed open was creating on a full disk: DuckDB leaves its first
    blocks behind, and the next open of that stub fails ("Could not read enough bytes") even
    once space is back."""
    if created and is_storage_fault(error):
        remove_database_files(path)


def open_database(
    path: Path, read_only: bool = False, config: Mapping[str, object] | None = None
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` on ``path``, a held file raising ``WarehouseLockedError`` at once."""
    settings = {str(key): str(value) for key, value in (config or {}).items()}
    created = not path.exists()
    try:
        return duckdb.connect(str(path), read_only=read_only, config=settings)
    except duckdb.IOException as error:
        _remove_if_cut_short(path, created, error)
        raise explained_lock(path, error) from error


def attach_database(
    con: duckdb.DuckDBPyConnection, path: Path, alias: str, read_only: bool = False
) -> None:
    """Attach ``path`` as ``alias`` (a checked identifier), a held file raising
    ``WarehouseLockedError`` at once."""
    mode = " (read_only)" if read_only else ""
    created = not path.exists()
    try:
        con.execute(f"attach {sql_string(str(path))} as {alias}{mode}")
    except duckdb.IOException as error:
        _remove_if_cut_short(path, created, error)
        raise explained_lock(path, error) from error
