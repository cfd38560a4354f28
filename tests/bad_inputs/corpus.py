"""The bad-input corpus: each case folder holds replacement landing files and the one outcome the
pipeline must end in. See README.md in this folder for the case format.

A case runs on a copy of the clean tiny warehouse and its serving file, with only the raw assets
of the files it replaces (or removes) and everything downstream of them selected, so each case
costs one short run.
"""

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest
import yaml
from conftest import (
    assert_served_tables_match,
    csv_as_parquet,
    query,
    run_pipeline,
    write_tiny_landing,
)

from seg_assets.defs.sources.assets import SOURCE_CONTRACTS, raw_asset_key
from seg_assets.lib.serving import serving_beside
from seg_assets.lib.source_contracts import SourceContract
from seg_assets.lib.warehouse import copy_warehouse

CORPUS = Path(__file__).parent
CASE_FILE = "case.yaml"
OUTCOMES = ("error", "quarantine", "ok")
MART_TOTAL = "select count(*), sum(order_lines) from marts.fct_customer_months"


@dataclass(frozen=True)
class Case:
    """One bad input: the landing files it replaces or removes and the outcome it expects."""

    name: str
    folder: Path
    description: str
    outcome: str
    expect: Any
    remove: tuple[str, ...]

    @property
    def replaced(self) -> list[Path]:
        """Landing-relative paths of the files the case ships."""
        return sorted(
            path.relative_to(self.folder)
            for path in self.folder.rglob("*")
            if path.is_file() and path.name != CASE_FILE
        )

    @property
    def sources(self) -> list[SourceContract]:
        """Contracts of the landing files the case replaces or removes."""
        by_file = {(c.system, c.entity): c for c in SOURCE_CONTRACTS.values()}
        touched = {(Path(p).parent.name, Path(p).stem) for p in [*self.remove, *self.replaced]}
        unknown = touched - set(by_file)
        assert not unknown, f"{self.name}: files {unknown} belong to no source contract"
        return [by_file[key] for key in sorted(touched)]


def load_case(folder: Path) -> Case:
    """Read ``case.yaml`` of one case folder and check its shape."""
    spec = yaml.safe_load((folder / CASE_FILE).read_text())
    outcomes = [kind for kind in OUTCOMES if kind in spec["expect"]]
    assert len(outcomes) == 1, f"{folder.name}: expect exactly one of {OUTCOMES}"
    return Case(
        name=folder.name,
        folder=folder,
        description=spec["description"],
        outcome=outcomes[0],
        expect=spec["expect"][outcomes[0]],
        remove=tuple(spec.get("remove", ())),
    )


def all_cases() -> list[Case]:
    """Every case of the corpus, in folder order."""
    return [load_case(path.parent) for path in sorted(CORPUS.glob(f"*/{CASE_FILE}"))]


def cases(outcome: str) -> list[Any]:
    """pytest parameters for the cases that expect ``outcome``, named after their folders."""
    return [pytest.param(case, id=case.name) for case in all_cases() if case.outcome == outcome]


@dataclass(frozen=True)
class CaseRun:
    """A case's run on its own copy of the clean warehouse."""

    result: dg.ExecuteInProcessResult
    database: Path
    landing: Path
    serving: Path
    published_before: bytes


def write_case_landing(case: Case, target: Path) -> Path:
    """The tiny landing set with the case's files swapped in (CSV made Parquet where the
    contract says so) and its removed files gone."""
    landing = write_tiny_landing(target)
    for relative in case.replaced:
        source = case.folder / relative
        [contract] = [
            c for c in case.sources if (c.system, c.entity) == (relative.parent.name, relative.stem)
        ]
        if contract.format == "parquet" and relative.suffix == ".csv":
            csv_as_parquet(source, contract.landing_file(landing))
        else:
            shutil.copyfile(source, landing / relative)
    for relative in case.remove:
        (landing / relative).unlink()
    return landing


def run_case(case: Case, clean: tuple[Path, Path], work: Path) -> CaseRun:
    """Run the raw assets of the case's files and everything downstream of them, on a copy of
    the clean warehouse and its published serving file."""
    clean_database, _ = clean
    database = work / "warehouse.duckdb"
    copy_warehouse(clean_database, database)
    serving = serving_beside(database)
    shutil.copyfile(serving_beside(clean_database), serving)
    landing = write_case_landing(case, work / "landing")
    selection = dg.AssetSelection.assets(
        *[raw_asset_key(contract.name) for contract in case.sources]
    ).downstream()
    published_before = serving.read_bytes()
    result = run_pipeline(database, landing, selection=selection, raise_on_error=False)
    return CaseRun(result, database, landing, serving, published_before)


def failed_checks(result: dg.ExecuteInProcessResult) -> list[str]:
    """Checks of the run that failed with error severity (warnings do not stop a run)."""
    return [
        f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    ]


def data_rows_in_file(contract: SourceContract, landing: Path) -> int:
    """Data rows of a landing file, counted with polars rather than the loader under test."""
    path = contract.landing_file(landing)
    if contract.format == "parquet":
        return pl.read_parquet(path).height
    return pl.read_csv(path, infer_schema=False).height


def table_rows(database: Path, table: str) -> int:
    """Rows of ``schema.table`` in ``database``."""
    [(count,)] = query(database, f"select count(*) from {table}")
    return int(count)


# Schemas the serving file never holds (working data); see seg_assets/lib/serving/publish.py.
_UNSERVED = re.compile(r"\b(raw|staging|quarantine|intermediate|settings)\.", re.IGNORECASE)


def reads_served_tables_only(sql: str) -> bool:
    """Whether ``sql`` reads only schemas the serving file holds (marts, kpi, mdm, ...)."""
    return not _UNSERVED.search(sql)


def assert_republished(run: CaseRun) -> None:
    """The run published a new serving file: its publication names the run, and every table in
    it holds exactly the warehouse's rows (the good rows reached BI through the marts)."""
    [(run_id,)] = query(run.serving, "select run_id from bi.publication")
    assert run_id == run.result.run_id
    assert assert_served_tables_match(run.database, run.serving) >= {"marts", "mdm"}
