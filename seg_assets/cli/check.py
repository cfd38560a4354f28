"""`seg-assets check`: validate every configuration file and landing extract without writing
anything, and print what `seg-assets materialize` would run."""

from collections import Counter
from pathlib import Path

from seg_assets.lib.config.catalog import CONFIG_FILES, configuration_errors
from seg_assets.lib.errors import SegAssetsError
from seg_assets.lib.generator.pipeline import default_sources_path
from seg_assets.lib.landing_files import landing_file_errors
from seg_assets.lib.project import config_dir, landing_dir, serving_path, warehouse_path
from seg_assets.lib.source_contracts import load_source_contracts
from seg_assets.lib.warehouse import warehouse_files

OK, FAILED = "ok", "ERROR"


def _indented(text: str) -> str:
    return "\n".join(f"        {line}" for line in text.splitlines())


def _configuration_lines(errors: list[SegAssetsError]) -> list[str]:
    failed = {Path(str(error).split(":", 1)[0]).name: error for error in errors}
    lines = [f"Configuration files in {config_dir()}"]
    for config_file in CONFIG_FILES:
        error = failed.pop(config_file.name, None)
        lines.append(
            f"  {OK if error is None else FAILED:<5} {config_file.name:<22} {config_file.purpose}"
        )
        if error is not None:
            lines.append(_indented(str(error)))
    lines += [f"  {FAILED:<5} {_indented(str(error)).strip()}" for error in failed.values()]
    return lines


def _landing_lines() -> tuple[list[str], int]:
    folder = landing_dir()
    lines = [f"Landing files in {folder}"]
    if not folder.is_dir():
        lines.append(
            f"  {FAILED:<5} the folder does not exist: run `seg-assets generate` for the demo"
            " data, or point SEG_ASSETS_LANDING at your extracts"
        )
        return lines, 1
    contracts = load_source_contracts(default_sources_path())
    # Each error starts "<system>: <file>: ": keyed by the file, shown without the prefix.
    errors = {
        Path(str(error).split(": ", 2)[1]): str(error).split(": ", 2)[2]
        for error in landing_file_errors(contracts.values(), folder)
    }
    for contract in contracts.values():
        path = contract.landing_file(folder)
        problem = errors.get(path)
        shown = path.relative_to(folder)
        lines.append(f"  {OK if problem is None else FAILED:<5} {contract.name:<28} {shown}")
        if problem is not None:
            lines.append(_indented(problem))
    return lines, len(errors)


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 2**20:,.1f} MiB" if path.exists() else "not built yet"


def _plan_lines() -> list[str]:
    from seg_assets.cli.progress import FULL_REFRESH_JOB
    from seg_assets.definitions import defs
    from seg_assets.defs.partitions import monthly_partitions

    graph = defs.resolve_asset_graph()
    keys = graph.materializable_asset_keys
    groups = Counter(graph.get(key).group_name for key in keys)
    checks = list(graph.asset_check_keys)
    blocking = sum(1 for key in checks if graph.get_check_spec(key).blocking)
    months = monthly_partitions.get_partition_keys()
    lines = [
        "What `seg-assets materialize` would run",
        f"  job {FULL_REFRESH_JOB}: {len(keys)} assets, {len(checks)} checks ({blocking} blocking)",
        "    " + ", ".join(f"{group} {count}" for group, count in sorted(groups.items())),
        f"  months {months[0][:7]} .. {months[-1][:7]} ({len(months)} monthly partitions, one run)",
    ]
    for label, path in (("warehouse", warehouse_path()), ("serving", serving_path())):
        files = warehouse_files(path) if label == "warehouse" else (path,)
        lines.append(f"  {label:<9} " + "; ".join(f"{file} ({_size(file)})" for file in files))
    return lines


def check() -> int:
    """Print the checks' results; 0 when everything would run, 1 otherwise."""
    errors = configuration_errors()
    lines = _configuration_lines(errors)
    landing_failures = 0
    if not errors:
        landing, landing_failures = _landing_lines()
        lines += ["", *landing, "", *_plan_lines()]
    problems = len(errors) + landing_failures
    lines.append("")
    if problems:
        lines.append(f"{problems} problem(s): fix them before running; nothing was written.")
    else:
        lines.append("Everything checks out; nothing was written.")
    print("\n".join(lines))
    return 1 if problems else 0
