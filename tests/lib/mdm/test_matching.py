"""Candidate pairs: deterministic rules, blocking sizes and the Splink model on a hand-made file."""

import polars as pl
import pytest

from seg_assets.lib.mdm.clustering import cluster_records
from seg_assets.lib.mdm.evaluation import pairwise_scores
from seg_assets.lib.mdm.matching import (
    PAIR_COLUMNS,
    candidate_pair_count,
    deterministic_pairs,
    match_weights_table,
    score_pairs,
)
from seg_assets.lib.mdm.settings import BlockingKey, DeterministicRule, load_mdm_settings
from seg_assets.lib.mdm.standardize import standardize_records

RULES = (
    DeterministicRule(name="same_tax_id", fields=("tax_id", "country")),
    DeterministicRule(name="same_erp_customer_number", fields=("erp_number",)),
)


def standardized(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["record_id", "tax_id", "country", "erp_number"], orient="row")


def links(pairs: pl.DataFrame) -> set[tuple]:
    return set(pairs.select("record_id_l", "record_id_r", "match_rule").iter_rows())


def test_deterministic_groups_are_linked_as_a_star_on_their_smallest_record_id():
    records = standardized(
        [
            ("erp:C1", "111", "DE", "1"),
            ("finance:F1", "111", "DE", None),
            ("crm:A1", "111", "DE", None),
            ("crm:A2", "111", "DE", None),
        ]
    )
    pairs = deterministic_pairs(records, RULES)
    assert pairs.columns == list(PAIR_COLUMNS)
    assert links(pairs) == {
        ("crm:A1", "crm:A2", "same_tax_id"),
        ("crm:A1", "erp:C1", "same_tax_id"),
        ("crm:A1", "finance:F1", "same_tax_id"),
    }
    assert pairs["match_probability"].to_list() == [1.0] * 3
    assert pairs["match_weight"].null_count() == 3


def test_a_pair_found_by_two_rules_is_credited_to_the_first():
    records = standardized([("erp:C1", "111", "DE", "1"), ("crm:A1", "111", "DE", "1")])
    assert links(deterministic_pairs(records, RULES)) == {("crm:A1", "erp:C1", "same_tax_id")}
    assert links(deterministic_pairs(records, RULES[::-1])) == {
        ("crm:A1", "erp:C1", "same_erp_customer_number")
    }


def test_nulls_never_match_and_every_rule_field_must_agree():
    records = standardized(
        [
            ("erp:C1", "111", "DE", None),
            ("crm:A1", "111", "AT", None),  # same tax ID, other country
            ("crm:A2", "111", None, None),  # country unknown
            ("crm:A3", None, "DE", None),
            ("crm:A4", None, "DE", None),  # shares only nulls with A3
            ("erp:C7", "222", "NL", "7"),
            ("crm:A7", None, None, "7"),
        ]
    )
    assert links(deterministic_pairs(records, RULES)) == {
        ("crm:A7", "erp:C7", "same_erp_customer_number")
    }


def test_no_rules_no_pairs():
    pairs = deterministic_pairs(standardized([("erp:C1", "1", "DE", "1")]), ())
    assert pairs.is_empty()
    assert pairs.columns == list(PAIR_COLUMNS)


def test_candidate_pair_count_by_hand():
    records = pl.DataFrame(
        {
            "name": [
                "MUELLER SOEHNE",
                "MUELLER TRANS",
                "MUENCHEN LOG",
                "GRUBER RETAIL",
                "GRUBER METALL",
                "GRUB",
                None,
                "MUELLER SOEHNE",
            ],
            "postcode": ["10115", "10115", "10115", "80802", "80802", "80802", "80802", None],
        }
    )
    by_postcode_and_prefix = (
        BlockingKey(field="postcode"),
        BlockingKey(field="name", first_chars=4),
    )
    # (10115, MUEL): 2 records -> 1 pair; (10115, MUEN): 1 -> 0; (80802, GRUB): 3 -> 3 pairs;
    # a null name or postcode blocks with nothing.
    assert candidate_pair_count(records, by_postcode_and_prefix) == 4
    # 10115: 3 records -> 3 pairs; 80802: 4 records -> 6 pairs.
    assert candidate_pair_count(records, (BlockingKey(field="postcode"),)) == 9
    # MUELLER SOEHNE twice, once without a postcode -> 1 pair.
    assert candidate_pair_count(records, (BlockingKey(field="name"),)) == 1
    assert candidate_pair_count(records, ()) == 0


# record_id, true company, name, tax_id, street, postcode, city, country, phone, email, erp ref
RAW = [
    ("erp:C000001", "A", "Müller & Söhne GmbH", "DE472220971", "Hauptstraße 56", "10115", "Berlin", "DE", "+49 30 1234567", None, "C000001"),  # noqa: E501
    ("crm:ACC-00001", "A", "Mueller & Soehne", None, "Hauptstr. 56", "10115", "Berlin", "DE", "+49 30 1234567", "mueller-soehne.de", None),  # noqa: E501
    ("finance:F-000001", "A", "Müller und Söhne GmbH", "DE 472 220 971", None, "10115", "Berlin", "DE", None, None, None),  # noqa: E501
    ("erp:C000002", "B", "Gruber Retail GmbH & Co. KG", "DE811234567", "Leopoldstraße 12", "80802", "München", "DE", "+49 89 5550101", None, "C000002"),  # noqa: E501
    ("crm:ACC-00002", "B", "Gruber Retail KG", None, "Leopoldstr. 12", "80802", "Muenchen", "DE", "+49 89 5550101", "gruber-retail.de", "ERP-C000002 "),  # noqa: E501
    ("erp:C000003", "C", "Nova Verpackung Gesellschaft mbH", "DE300400500", "Speicherstadt 4", "20457", "Hamburg", "DE", "+49 40 7770000", None, "C000003"),  # noqa: E501
    ("crm:ACC-00003", "C", "NOVA VERPACKUNG GmbH", None, "Speicherstadt 4", "20457", "Hamburg", "DE", "+49 40 7770000", "nova-verpackung.de", None),  # noqa: E501
    ("erp:C000004", "D", "Van Dijk Logistiek B.V.", "NL430224293B01", "Industrieweg 7", "1038 CP", "Amsterdam", "NL", "+31 20 6123456", None, "C000004"),  # noqa: E501
    ("crm:ACC-00004", "D", "Van Dijk Logistiek", "nl430224293b01", "Industrieweg 7", "1038CP", "Amsterdam", "NL", "+31 20 6123456", "vandijk.nl", None),  # noqa: E501
    ("crm:ACC-00005", "D", "Van Dyk Logistiek BV", None, "Industrieweg 7", "1038 cp", "Amsterdam", "NL", "+31 20 6123456", "vandijk.nl", None),  # noqa: E501
    ("erp:C000005", "E", "Bäckerei Schmidt e.K.", "DE123987654", "Domstraße 3", "50667", "Köln", "DE", "+49 221 998877", None, "C000005"),  # noqa: E501
    ("erp:C000006", "F", "Schmidt Bau AG", "DE555666777", "Ringstraße 90", "50996", "Köln", "DE", "+49 221 112233", None, "C000006"),  # noqa: E501
    ("crm:ACC-00006", "F", "Schmidt Bau", None, "Ringstr. 90", "50996", "Koeln", "DE", "+49 221 112233", "schmidt-bau.de", None),  # noqa: E501
    ("erp:C000007", "G", "Alpen Handel GmbH", "ATU12345678", "Mariahilfer Straße 10", "1060", "Wien", "AT", "+43 1 5871234", None, "C000007"),  # noqa: E501
    ("finance:F-000007", "G", "Alpen Handel Ges.m.b.H.", "ATU 123 456 78", None, "1060", "Wien", "AT", None, None, None),  # noqa: E501
    # Same name as G, another company in another country.
    ("erp:C000008", "H", "Alpen Handel GmbH", "DE246813579", "Münchener Straße 5", "83022", "Rosenheim", "DE", "+49 8031 40400", None, "C000008"),  # noqa: E501
    ("erp:C000009", "I", "Société Lyonnaise de Transport S.A.", "FR40303265045", "20 rue de la République", "69002", "Lyon", "FR", "+33 4 78123456", None, "C000009"),  # noqa: E501
    ("crm:ACC-00009", "I", "Societe Lyonnaise de Transport", None, "20 r. de la Republique", "69002", "Lyon", "FR", "+33 4 78123456", "slt.fr", None),  # noqa: E501
    ("erp:C000010", "J", "Distribuciones García S.L.", "ESB12345674", "Calle de Alcalá 100", "28009", "Madrid", "ES", "+34 91 4350000", None, "C000010"),  # noqa: E501
    ("erp:C000011", "K", "Rossi Alimentari S.p.A.", "IT01234567890", "Viale Monza 200", "20127", "Milano", "IT", "+39 02 26112233", None, "C000011"),  # noqa: E501
    ("crm:ACC-00011", "K", "Rossi Alimentari SpA", None, "Viale Monza 200", "20127", "Milano", "IT", "+39 02 26112233", "rossialimentari.it", "C0011"),  # noqa: E501
    ("crm:ACC-00012", "L", "Nordic Freight AB", "SE556677889901", "Sveavagen 44", "11134", "Stockholm", "SE", "+46 8 4401122", "nordicfreight.se", None),  # noqa: E501
    ("erp:C000013", "M", "Kowalski Sp. z o.o.", "PL5251234567", "ul. Polna 84", "00-514", "Warszawa", "PL", "+48 22 6201234", None, "C000013"),  # noqa: E501
    ("finance:F-000013", "M", "Kowalski Sp. z o.o.", "PL 525 123 45 67", None, "00514", "Warszawa", "PL", None, None, None),  # noqa: E501
    # Neighbour of B: same postcode, same street, same first four letters.
    ("erp:C000014", "N", "Gruber Metall GmbH", "DE899900011", "Leopoldstraße 80", "80802", "München", "DE", "+49 89 5559999", None, "C000014"),  # noqa: E501
    ("erp:C000015", "O", "Hansen Shipping ApS", "DK12345678", "Havnegade 1", "1058", "Kobenhavn", "DK", "+45 33 112233", None, "C000015"),  # noqa: E501
    ("crm:ACC-00015", "O", "Hansen Shipping", None, "Havnegade 1", "1058", "Kobenhavn", "DK", "+45 33 112233", "hansenshipping.dk", None),  # noqa: E501
]  # fmt: skip
COLUMNS = ["record_id", "true_customer_id", "name", "tax_id", "street", "postcode", "city",
           "country", "phone", "email_domain", "erp_customer_ref"]  # fmt: skip
TRUTH = pl.DataFrame(RAW, schema=COLUMNS, orient="row").select("record_id", "true_customer_id")
# Duplicates no deterministic rule finds: only the model can link them.
SCORED_DUPLICATES = [
    ("crm:ACC-00001", "erp:C000001"),
    ("crm:ACC-00003", "erp:C000003"),
    ("crm:ACC-00004", "crm:ACC-00005"),
    ("crm:ACC-00005", "erp:C000004"),
    ("crm:ACC-00006", "erp:C000006"),
    ("crm:ACC-00009", "erp:C000009"),
    ("crm:ACC-00015", "erp:C000015"),
]
DETERMINISTIC_DUPLICATES = {
    ("crm:ACC-00002", "erp:C000002", "same_erp_customer_number"),
    ("crm:ACC-00004", "erp:C000004", "same_tax_id"),
    ("crm:ACC-00011", "erp:C000011", "same_erp_customer_number"),
    ("erp:C000001", "finance:F-000001", "same_tax_id"),
    ("erp:C000007", "finance:F-000007", "same_tax_id"),
    ("erp:C000013", "finance:F-000013", "same_tax_id"),
}
LOOK_ALIKES = [
    ("erp:C000007", "erp:C000008"),  # same name, other country, everything else differs
    ("erp:C000002", "erp:C000014"),  # same postcode and street name, other company
    ("erp:C000005", "erp:C000006"),  # 'Schmidt' in both names, same city
]


@pytest.fixture(scope="module")
def scored():
    settings = load_mdm_settings()
    raw = pl.DataFrame(RAW, schema=COLUMNS, orient="row")
    records = standardize_records(raw, settings.fields, settings.standardization)
    return settings, score_pairs(records, settings)


def probability(pairs: pl.DataFrame, left: str, right: str) -> float:
    found = pairs.filter((pl.col("record_id_l") == left) & (pl.col("record_id_r") == right))
    return found["match_probability"].item() if found.height else 0.0


def test_scored_duplicates_reach_the_match_threshold(scored):
    settings, result = scored
    pairs = result.pairs
    for left, right in SCORED_DUPLICATES:
        assert probability(pairs, left, right) >= settings.match_threshold, (left, right)
    scored_rows = pairs.filter(pl.col("match_rule") == "probabilistic")
    assert set(SCORED_DUPLICATES) <= set(scored_rows.select("record_id_l", "record_id_r").rows())


def test_deterministic_links_keep_their_rule_and_probability_one(scored):
    _, result = scored
    found = result.pairs.filter(pl.col("match_rule") != "probabilistic")
    assert links(found) == DETERMINISTIC_DUPLICATES
    assert found["match_probability"].to_list() == [1.0] * len(DETERMINISTIC_DUPLICATES)


def test_look_alike_companies_stay_below_the_match_threshold(scored):
    settings, result = scored
    for left, right in LOOK_ALIKES:
        assert probability(result.pairs, left, right) < settings.match_threshold, (left, right)


def test_no_pair_of_different_companies_reaches_the_threshold(scored):
    settings, result = scored
    truth = dict(TRUTH.iter_rows())
    linked = result.pairs.filter(pl.col("match_probability") >= settings.match_threshold)
    wrong = [
        (left, right)
        for left, right in linked.select("record_id_l", "record_id_r").iter_rows()
        if truth[left] != truth[right]
    ]
    assert wrong == []


def test_clustering_the_scored_pairs_recovers_every_company(scored):
    settings, result = scored
    assignment = cluster_records(TRUTH["record_id"], result.pairs, settings.match_threshold)
    scores = pairwise_scores(assignment, TRUTH)
    assert (scores.precision, scores.recall) == (1.0, 1.0)
    assert assignment["anchor_record_id"].n_unique() == TRUTH["true_customer_id"].n_unique()


def test_pairs_are_ordered_unique_and_explained(scored):
    settings, result = scored
    pairs = result.pairs
    assert pairs.columns[:5] == list(PAIR_COLUMNS)
    assert [f"gamma_{c.field}" for c in settings.comparisons] == pairs.columns[5:]
    assert (pairs["record_id_l"] < pairs["record_id_r"]).all()
    assert not pairs.select("record_id_l", "record_id_r").is_duplicated().any()
    lowest = min(settings.match_threshold, *settings.what_if_thresholds)
    assert pairs["match_probability"].min() >= lowest


def test_training_reports_the_steps_too_small_to_run(scored):
    _, result = scored
    assert result.training_steps[0] == "prior match rate from the deterministic rules"
    assert any(step.startswith("EM on tax_id skipped") for step in result.training_steps)
    assert set(result.seconds) == {"deterministic", "training", "prediction"}
    weights = match_weights_table(result.model)
    assert set(weights["field"]) == {c.field for c in load_mdm_settings().comparisons}
    # u comes from random pairs; m, with no EM round run, is not trained: no Bayes factor then.
    assert weights["u_probability"].drop_nulls().len() > 0
    assert weights.filter(pl.col("m_probability").is_null())["bayes_factor"].null_count() == (
        weights["m_probability"].null_count()
    )
