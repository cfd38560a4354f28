"""Benchmark scales and the cached data set of each, generated once and reused."""

import json
from dataclasses import dataclass
from pathlib import Path

from seg_assets.lib.generator import GeneratorSettings, generate
from seg_assets.lib.project import PROJECT_ROOT, config_dir

CACHE_DIR = PROJECT_ROOT / "benchmarks" / "cache"


@dataclass(frozen=True)
class Scale:
    """A data-set size: customers, months and target order lines."""

    name: str
    customers: int
    months: int
    order_lines: int


SCALES = {
    scale.name: scale
    for scale in (
        Scale("tiny", 200, 3, 5_000),
        # The default generator settings: what `make demo` runs on.
        Scale("demo", 5_000, 24, 500_000),
        Scale("0.5m", 100_000, 24, 500_000),
        Scale("1m", 100_000, 24, 1_000_000),
        Scale("2m", 100_000, 24, 2_000_000),
        Scale("5m", 100_000, 24, 5_000_000),
        Scale("10m", 100_000, 24, 10_000_000),
        Scale("100m", 100_000, 24, 100_000_000),
    )
}
SERIES = ("0.5m", "1m", "2m", "5m", "10m")
MDM_ORDER_LINES_PER_CUSTOMER = 2


def dataset(scale: Scale, cache_dir: Path | None = None) -> Path:
    """Landing folder of ``scale``, generated on first use (its manifest records the settings).

    The cache folder is looked up at call time (``CACHE_DIR`` by default), so tests can move it.
    """
    settings = GeneratorSettings.from_yaml(
        config_dir() / "generator.yaml",
        customers=scale.customers,
        months=scale.months,
        order_lines=scale.order_lines,
    )
    return _cached(settings, (cache_dir or CACHE_DIR) / scale.name)


def mdm_dataset(customers: int, cache_dir: Path | None = None) -> Path:
    """Landing folder of ``customers`` customers for master-data scaling, generated on first
    use. Orders are few (two lines per customer): matching reads only the customer files."""
    settings = GeneratorSettings.from_yaml(
        config_dir() / "generator.yaml",
        customers=customers,
        order_lines=MDM_ORDER_LINES_PER_CUSTOMER * customers,
    )
    return _cached(settings, (cache_dir or CACHE_DIR) / f"mdm-{customers}")


def _cached(settings: GeneratorSettings, root: Path) -> Path:
    """``root/landing``, regenerated unless its manifest records exactly ``settings``."""
    manifest = root / "truth" / "manifest.json"
    if manifest.exists() and json.loads(manifest.read_text()).get("settings") == (
        json.loads(json.dumps(settings.as_dict(), default=str))
    ):
        return root / "landing"
    print(f"generating the {root.name} data set into {root} (once; cached for later runs)")
    report = generate(settings, root / "landing", root / "truth")
    print(f"generated {sum(report.row_counts.values()):,} rows in {report.elapsed_seconds:.0f}s")
    return root / "landing"
