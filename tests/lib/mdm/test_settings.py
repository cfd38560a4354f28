"""config/mdm.yaml: the shipped file loads; broken copies fail naming the file and the entry."""

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from seg_assets.lib.mdm.settings import (
    BlockingKey,
    MdmConfigError,
    default_mdm_settings_path,
    load_mdm_settings,
)

SHIPPED = yaml.safe_load(default_mdm_settings_path().read_text())


def test_the_shipped_config_loads():
    settings = load_mdm_settings()
    assert settings.field_names == (
        "name",
        "tax_id",
        "street",
        "postcode",
        "city",
        "country",
        "phone",
        "email_domain",
        "erp_number",
    )
    assert [(rule.name, rule.fields) for rule in settings.deterministic_rules] == [
        ("same_tax_id", ("tax_id", "country")),
        ("same_erp_customer_number", ("erp_number",)),
    ]
    assert settings.comparisons[0].method == "jaro_winkler"
    assert settings.comparisons[0].thresholds == (0.97, 0.92, 0.85)
    assert settings.blocking_rules[1] == (
        BlockingKey("postcode"),
        BlockingKey("name", first_chars=4),
    )
    assert settings.blocking_rules[1][1].expression == "substr(name, 1, 4)"
    assert settings.match_threshold == 0.9
    assert settings.training.em_blocking_rules == (
        (BlockingKey("tax_id"),),
        (BlockingKey("name"), BlockingKey("city")),
    )
    assert "GMBH AND CO KG" in settings.standardization.legal_forms
    assert ("STRASSE", "STR") in settings.standardization.street_abbreviations
    assert settings.quality_targets == {"pairwise_precision": 0.99, "pairwise_recall": 0.95}


def broken_copy(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    document = copy.deepcopy(SHIPPED)
    change(document)
    path = tmp_path / "mdm.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def set_comparison(index: int, **entry: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["comparisons"][index] = entry

    return change


def _unknown_standardizer(document):
    document["fields"]["city"]["standardizer"] = "titlecase"


def _unknown_blocking_field(document):
    document["blocking_rules"][1] = ["postcode", {"field": "nmae", "first_chars": 4}]


def _unknown_deterministic_field(document):
    document["deterministic_rules"][0]["fields"] = ["tax_id", "vat_country"]


def _match_threshold(value):
    def change(document):
        document["match_threshold"] = value

    return change


def _no_jaro_winkler_thresholds(document):
    del document["comparisons"][2]["thresholds"]


@pytest.mark.parametrize(
    ("change", "entry", "says"),
    [
        (_unknown_standardizer, "fields.city", "standardizer 'titlecase' is not one of"),
        (
            set_comparison(3, field="postcode", method="soundex"),
            "comparisons[3]",
            "method 'soundex' is not one of",
        ),
        (_unknown_blocking_field, "blocking_rules[1][1]", "unknown field 'nmae'"),
        (
            _unknown_deterministic_field,
            "deterministic_rules[0].fields",
            "unknown field 'vat_country'",
        ),
        (
            set_comparison(0, field="name", method="jaro_winkler", thresholds=[0.85, 0.92, 0.97]),
            "comparisons[0]",
            "highest first",
        ),
        (
            set_comparison(0, field="name", method="levenshtein", thresholds=[3, 1]),
            "comparisons[0]",
            "lowest first",
        ),
        (
            set_comparison(0, field="name", method="jaro_winkler", thresholds=[1.5, 0.9]),
            "comparisons[0]",
            "(0, 1)",
        ),
        (_no_jaro_winkler_thresholds, "comparisons[2]", "jaro_winkler needs thresholds"),
        (
            set_comparison(1, field="vat", method="exact"),
            "comparisons[1].field",
            "unknown field 'vat'",
        ),
        (_match_threshold(1.0), "match_threshold", "strictly between 0 and 1"),
        (_match_threshold(0), "match_threshold", "strictly between 0 and 1"),
        (_match_threshold(None), "match_threshold", "strictly between 0 and 1"),
    ],
    ids=[
        "unknown_standardizer",
        "unknown_method",
        "unknown_blocking_field",
        "unknown_deterministic_field",
        "similarity_thresholds_lowest_first",
        "distance_thresholds_highest_first",
        "similarity_threshold_above_one",
        "jaro_winkler_without_thresholds",
        "comparison_of_unknown_field",
        "match_threshold_one",
        "match_threshold_zero",
        "match_threshold_missing",
    ],
)
def test_a_broken_config_names_the_file_and_the_entry(tmp_path, change, entry, says):
    path = broken_copy(tmp_path, change)
    with pytest.raises(MdmConfigError) as raised:
        load_mdm_settings(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: {entry}: ")
    assert says in message


def test_the_shipped_config_copied_unchanged_loads(tmp_path):
    path = broken_copy(tmp_path, lambda document: None)
    assert load_mdm_settings(path) == load_mdm_settings()


def test_a_non_numeric_threshold_names_the_file_and_the_entry(tmp_path):
    path = broken_copy(
        tmp_path, set_comparison(0, field="name", method="jaro_winkler", thresholds=["high", 0.9])
    )
    with pytest.raises(MdmConfigError, match=r"comparisons\[0\]"):
        load_mdm_settings(path)
