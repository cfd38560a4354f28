"""A BI client in its own process, for the concurrent-readers test: reads the bi views of the
serving file (and its Parquet export) in a loop until told to stop, and reports what it saw.

Usage: python serving_reader.py <serving file> <stop file> <report json>
"""

import json
import os
import sys
import time
from pathlib import Path

import duckdb

VIEWS = ("order_lines", "customer_months", "customers", "customer_tiers")


def read_file(serving: Path) -> dict:
    """One read of the DuckDB file: the publication, and each view's rows and publication ids."""
    with duckdb.connect(str(serving), read_only=True) as con:
        [(publication_id,)] = con.execute("select publication_id from bi.publication").fetchall()
        contents = dict(
            con.execute("select view_name, row_count from bi.publication_contents").fetchall()
        )
        rows = {}
        for view in VIEWS:
            [(count, ids, first_id)] = con.execute(
                f"select count(*), count(distinct publication_id), min(publication_id)"
                f" from bi.{view}"
            ).fetchall()
            if count and (ids != 1 or first_id != publication_id):
                raise AssertionError(f"bi.{view} rows of {first_id} in {publication_id}")
            if count != contents[view]:
                raise AssertionError(f"bi.{view}: {count} rows, contents say {contents[view]}")
            rows[view] = count
    return {"kind": "duckdb", "publication_id": publication_id, "rows": rows}


def read_parquet(link: Path) -> dict:
    """One read of the Parquet export (through the folder the link names at that moment)."""
    folder = Path(os.path.realpath(link))
    publication = json.loads((folder / "publication.json").read_text())
    with duckdb.connect() as con:
        [(count, ids, first_id)] = con.execute(
            "select count(*), count(distinct publication_id), min(publication_id)"
            " from read_parquet(?, hive_partitioning = true)",
            [str(folder / "order_lines" / "*" / "*.parquet")],
        ).fetchall()
    if ids != 1 or first_id != publication["publication_id"]:
        raise AssertionError(f"parquet rows of {first_id} in {publication['publication_id']}")
    if count != publication["views"]["order_lines"]["rows"]:
        raise AssertionError(f"parquet order_lines: {count} rows, publication.json says other")
    return {
        "kind": "parquet",
        "publication_id": publication["publication_id"],
        "rows": {"order_lines": count},
    }


def main() -> int:
    serving, stop, report = (Path(arg) for arg in sys.argv[1:4])
    link = serving.with_name(f"{serving.stem}_parquet")
    reads, errors = [], []
    ready = report.with_suffix(".ready")
    while not stop.exists():
        for read in (read_file, read_parquet):
            try:
                reads.append(read(serving if read is read_file else link))
            except Exception as error:  # every failure is what the test counts
                errors.append(f"{type(error).__name__}: {error}")
        ready.touch()
        time.sleep(0.05)
    report.write_text(json.dumps({"reads": reads, "errors": errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
