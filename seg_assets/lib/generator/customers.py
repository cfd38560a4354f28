"""Customer master data: ERP customers (with duplicates), CRM accounts and billing accounts.

One real customer is one row in the truth; each system spells, numbers and duplicates it in
its own way, and only part of the cross-references are recorded.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from seg_assets.lib.generator.addresses import abbreviate_streets, streets, vary_tax_ids
from seg_assets.lib.generator.archetypes import (
    ARCHETYPE_NAMES,
    CustomerBehaviour,
    assign_archetypes,
    draw_behaviour,
)
from seg_assets.lib.generator.company_names import (
    Spelling,
    draw_spellings,
    email_domains,
    name_parts,
    spell,
    spell_differently,
)
from seg_assets.lib.generator.demand import Lifecycle, draw_lifecycle
from seg_assets.lib.generator.geography import (
    CITIES,
    COUNTRIES,
    COUNTRY_CODES,
    cities_of,
    phone_numbers,
    postcodes,
    road_distance_km,
    tax_ids,
)
from seg_assets.lib.generator.hierarchy import Hierarchy, draw_hierarchy
from seg_assets.lib.generator.random_streams import random_stream
from seg_assets.lib.generator.record_ids import format_ids, id_width
from seg_assets.lib.generator.settings import GeneratorSettings
from seg_assets.lib.generator.time_window import TimeWindow, add_days
from seg_assets.lib.generator.vocabulary import CARRIERS, SHIP_MODES

ERP_PREFIX = "C"
CRM_PREFIX = "ACC-"
BILLING_PREFIX = "F-"
CRM_WITHOUT_ACCOUNT_SHARE = 0.02  # real customers the CRM never captured
SECONDARY_WAREHOUSE_SHARE = 0.08  # shipments served from the second-nearest warehouse

# Relative chance of heading a group, by archetype (large accounts are likelier parents).
GROUP_HEAD_WEIGHT = {
    "large_steady": 3.0,
    "small_frequent": 1.0,
    "project_lumpy": 2.0,
    "high_returns": 1.0,
    "long_tail_occasional": 0.5,
}


@dataclass(frozen=True)
class CustomerUniverse:
    """Real customers with their behaviour and how each system records them."""

    behaviour: CustomerBehaviour
    lifecycle: Lifecycle
    hierarchy: Hierarchy
    erp_width: int
    erp_record_count: int
    erp_number: np.ndarray
    duplicate_erp_number: np.ndarray
    duplicate_from_month: np.ndarray
    duplicate_order_share: np.ndarray
    terms_by_erp_number: np.ndarray
    billing_number: np.ndarray
    billing_duplicate_number: np.ndarray
    billing_duplicate_share: np.ndarray
    billing_width: int
    postcode: pl.Series
    country: pl.Series
    warehouse: np.ndarray
    distance_km: np.ndarray
    preferred_carrier: np.ndarray
    erp_customers: pl.DataFrame
    crm_accounts: pl.DataFrame
    billing_accounts: pl.DataFrame
    truth_archetypes: pl.DataFrame
    truth_duplicates: pl.DataFrame
    truth_crosswalk: pl.DataFrame
    truth_parent_links: pl.DataFrame

    @property
    def size(self) -> int:
        """Number of real customers."""
        return self.behaviour.size

    def erp_ids(self, numbers: np.ndarray) -> pl.Series:
        """Canonical ERP customer ids (``C000123``) of ERP record numbers."""
        return format_ids(ERP_PREFIX, numbers, self.erp_width)

    def billing_ids(self, numbers: np.ndarray) -> pl.Series:
        """Finance billing account ids (``F-000123``)."""
        return format_ids(BILLING_PREFIX, numbers, self.billing_width)


def _choose(mask: np.ndarray, when_true: pl.Series, when_false: pl.Series) -> pl.Series:
    """Element-wise pick between two string series (numpy would turn them into objects)."""
    return pl.select(
        pl.when(pl.Series(mask, dtype=pl.Boolean)).then(when_true).otherwise(when_false)
    ).to_series()


def _pick(rng: np.random.Generator, n: int, share: float, among: np.ndarray) -> np.ndarray:
    """Exactly ``round(share * n)`` distinct members of ``among``, sorted."""
    count = min(round(share * n), among.size)
    return np.sort(rng.choice(among, size=count, replace=False))


def _sloppy_erp_refs(ids: pl.Series, rng: np.random.Generator) -> pl.Series:
    """ERP references as typed into a CRM: mostly clean, a quarter in a home-made format."""
    style = pl.Series(np.where(rng.random(ids.len()) < 0.75, 0, rng.integers(1, 6, ids.len())))
    frame = pl.DataFrame({"id": ids, "style": style})
    i = pl.col("id")
    stripped = pl.lit("C") + i.str.slice(1).str.strip_chars_start("0")
    return frame.select(
        pl.when(pl.col("style") == 1)
        .then(i.str.to_lowercase())
        .when(pl.col("style") == 2)
        .then(stripped)
        .when(pl.col("style") == 3)
        .then(pl.lit("ERP-") + i)
        .when(pl.col("style") == 4)
        .then(i + " ")
        .when(pl.col("style") == 5)
        .then(i.str.slice(1).str.strip_chars_start("0"))
        .otherwise(i)
        .alias("erp_customer_ref")
    ).to_series()


def _numbering(rng: np.random.Generator, count: int) -> np.ndarray:
    """Record numbers 1..count in random order, so ids do not mirror another system's order."""
    return rng.permutation(np.arange(1, count + 1, dtype=np.int64))


def _customer_since(
    lifecycle: Lifecycle, window: TimeWindow, rng: np.random.Generator
) -> np.ndarray:
    n = lifecycle.first_month.size
    years_before = (0.3 + rng.gamma(2.0, 3.0, n)).clip(max=40.0)
    existing = add_days(window.first_day, -np.round(years_before * 365.25).astype(np.int64))
    onboarding = add_days(window.month_starts[lifecycle.first_month], -rng.integers(1, 45, n))
    return np.where(lifecycle.first_month > 0, onboarding, existing)


@dataclass(frozen=True)
class _RealCustomers:
    """What every system copies from: canonical name parts, address, VAT number, since date."""

    behaviour: CustomerBehaviour
    hierarchy: Hierarchy
    country: np.ndarray
    city: np.ndarray
    parts: pl.DataFrame
    canonical_name: pl.Series
    tax_id: pl.Series
    street: pl.Series
    postcode: pl.Series
    country_code: pl.Series
    city_name: pl.Series
    region: pl.Series
    since: np.ndarray

    @property
    def size(self) -> int:
        return self.country.size


@dataclass(frozen=True)
class _ErpRecords:
    frame: pl.DataFrame
    width: int
    ids: pl.Series
    record_customer: np.ndarray
    number: np.ndarray
    duplicate_number: np.ndarray
    duplicate_from_month: np.ndarray
    duplicate_order_share: np.ndarray
    terms_by_number: np.ndarray


@dataclass(frozen=True)
class _CrmRecords:
    frame: pl.DataFrame
    account_customer: np.ndarray
    is_second: np.ndarray


@dataclass(frozen=True)
class _BillingRecords:
    frame: pl.DataFrame
    width: int
    ids: pl.Series
    record_customer: np.ndarray
    is_second: np.ndarray
    number: np.ndarray
    duplicate_number: np.ndarray
    duplicate_share: np.ndarray


def _real_customers(
    behaviour: CustomerBehaviour,
    lifecycle: Lifecycle,
    hierarchy: Hierarchy,
    window: TimeWindow,
    rng: np.random.Generator,
) -> _RealCustomers:
    n = behaviour.size
    shares = np.array([c.share for c in COUNTRIES])
    country = rng.choice(len(COUNTRIES), n, p=shares / shares.sum())
    sites = np.flatnonzero(hierarchy.level == 2)
    country[sites] = country[hierarchy.parent[sites]]  # a site lies in its subsidiary's country
    city = cities_of(country, rng)
    parts = name_parts(hierarchy, country, city, rng)
    canonical_name = spell(parts, np.arange(n), np.zeros(n, dtype=np.int8), rng)
    tax_id = tax_ids(country, rng)
    street = streets(country, rng)
    postcode = postcodes(city, rng)
    return _RealCustomers(
        behaviour=behaviour,
        hierarchy=hierarchy,
        country=country,
        city=city,
        parts=parts,
        canonical_name=canonical_name,
        tax_id=tax_id,
        street=street,
        postcode=postcode,
        country_code=pl.Series(COUNTRY_CODES).gather(country),
        city_name=pl.Series([c[1] for c in CITIES]).gather(city),
        region=pl.Series([c[2] for c in CITIES]).gather(city),
        since=_customer_since(lifecycle, window, rng),
    )


def _erp_records(
    real: _RealCustomers,
    settings: GeneratorSettings,
    window: TimeWindow,
    rng: np.random.Generator,
) -> _ErpRecords:
    """Canonical records plus duplicates, numbered in order of creation."""
    n, behaviour, hierarchy = real.size, real.behaviour, real.hierarchy
    duplicated = _pick(rng, n, settings.erp_duplicate_share, np.arange(n))
    duplicate_since = add_days(real.since[duplicated], rng.integers(30, 1500, duplicated.size))
    duplicate_since = np.minimum(duplicate_since, add_days(window.last_day, -20))
    record_customer = np.concatenate([np.arange(n), duplicated])
    record_since = np.concatenate([real.since, duplicate_since])
    creation_order = np.lexsort((rng.random(record_customer.size), record_since))
    record_number = np.empty(record_customer.size, dtype=np.int64)
    record_number[creation_order] = np.arange(1, record_customer.size + 1)
    records = record_customer.size
    # One spare digit keeps room for ids that exist nowhere (planted unknown customers).
    width = id_width(records * 10, 6)
    number = record_number[:n]
    duplicate_number = np.full(n, -1, dtype=np.int64)
    duplicate_number[duplicated] = record_number[n:]
    duplicate_from_month = np.full(n, window.months, dtype=np.int64)
    duplicate_from_month[duplicated] = np.maximum(window.month_index(duplicate_since), 0)
    duplicate_order_share = np.zeros(n)
    duplicate_order_share[duplicated] = rng.uniform(0.2, 0.7, duplicated.size)

    links = hierarchy.children
    recorded_links = _pick(rng, links.size, settings.recorded_parent_share, links)
    parent_number = np.full(n, -1, dtype=np.int64)
    parent_number[recorded_links] = number[hierarchy.parent[recorded_links]]
    ids = format_ids(ERP_PREFIX, record_number, width)
    parent_id = (
        pl.DataFrame({"has": parent_number > 0, "id": format_ids(ERP_PREFIX, parent_number, width)})
        .select(pl.when(pl.col("has")).then(pl.col("id")).alias("parent_customer_id"))
        .to_series()
    )

    duplicate_terms = np.where(
        rng.random(duplicated.size) < 0.7, behaviour.payment_terms[duplicated], 30
    )
    terms_by_number = np.zeros(records + 1, dtype=np.int64)
    terms_by_number[number] = behaviour.payment_terms
    terms_by_number[record_number[n:]] = duplicate_terms
    duplicate_spelling = draw_spellings(
        rng,
        duplicated.size,
        0.0,
        {
            Spelling.UPPER_ASCII: 0.25,
            Spelling.LEGAL_FORM: 0.2,
            Spelling.ABBREVIATED: 0.15,
            Spelling.NO_PUNCTUATION: 0.15,
            Spelling.TYPO: 0.15,
            Spelling.ASCII: 0.1,
        },
    )
    duplicate_street = real.street.gather(duplicated)
    duplicate_street = _choose(
        rng.random(duplicated.size) < 0.6, duplicate_street, abbreviate_streets(duplicate_street)
    )
    duplicate_name = spell_differently(
        real.parts, duplicated, duplicate_spelling, real.canonical_name, rng
    )
    duplicate_tax_id = vary_tax_ids(real.tax_id.gather(duplicated), 0.6, 0.25, rng)
    frame = pl.DataFrame(
        {
            "customer_id": ids,
            "customer_name": pl.concat([real.canonical_name, duplicate_name]),
            "tax_id": pl.concat([real.tax_id, duplicate_tax_id]),
            "street": pl.concat([real.street, duplicate_street]),
            "city": real.city_name.gather(record_customer),
            "postcode": real.postcode.gather(record_customer),
            "country": real.country_code.gather(record_customer),
            "region": real.region.gather(record_customer),
            "parent_customer_id": pl.concat(
                [parent_id, pl.Series([None] * duplicated.size, dtype=pl.String)]
            ),
            "customer_since": pl.Series(record_since),
            "payment_terms_days": pl.Series(
                np.concatenate([behaviour.payment_terms, duplicate_terms]), dtype=pl.Int32
            ),
        }
    ).sort("customer_id")
    return _ErpRecords(
        frame=frame,
        width=width,
        ids=ids,
        record_customer=record_customer,
        number=number,
        duplicate_number=duplicate_number,
        duplicate_from_month=duplicate_from_month,
        duplicate_order_share=duplicate_order_share,
        terms_by_number=terms_by_number,
    )


def _crm_accounts(
    real: _RealCustomers,
    erp: _ErpRecords,
    settings: GeneratorSettings,
    window: TimeWindow,
    rng: np.random.Generator,
) -> _CrmRecords:
    """Accounts with their own numbering, spellings, parent free text and sparse ERP refs."""
    n, parts, hierarchy = real.size, real.parts, real.hierarchy
    with_account = np.setdiff1d(
        np.arange(n), _pick(rng, n, CRM_WITHOUT_ACCOUNT_SHARE, np.arange(n))
    )
    crm_duplicated = _pick(rng, n, settings.crm_duplicate_share, with_account)
    account_customer = np.concatenate([with_account, crm_duplicated])
    is_second = np.concatenate(
        [np.zeros(with_account.size, bool), np.ones(crm_duplicated.size, bool)]
    )
    accounts = account_customer.size
    account_number = _numbering(rng, accounts)
    width = id_width(accounts, 5)
    spelling = np.where(
        is_second,
        draw_spellings(
            rng,
            accounts,
            0.0,
            {
                Spelling.UPPER_ASCII: 0.2,
                Spelling.LEGAL_FORM: 0.2,
                Spelling.ABBREVIATED: 0.2,
                Spelling.TYPO: 0.25,
                Spelling.NO_LEGAL_FORM: 0.15,
            },
        ),
        draw_spellings(
            rng,
            accounts,
            0.55,
            {
                Spelling.UPPER_ASCII: 0.25,
                Spelling.LEGAL_FORM: 0.2,
                Spelling.ABBREVIATED: 0.15,
                Spelling.NO_PUNCTUATION: 0.1,
                Spelling.TYPO: 0.15,
                Spelling.NO_LEGAL_FORM: 0.1,
                Spelling.ASCII: 0.05,
            },
        ),
    )
    account_tax = _choose(
        is_second,
        vary_tax_ids(real.tax_id.gather(account_customer), 0.5, 0.4, rng),
        vary_tax_ids(real.tax_id.gather(account_customer), 0.8, 0.12, rng),
    )
    account_street = real.street.gather(account_customer)
    account_street = _choose(
        rng.random(accounts) < 0.8, account_street, abbreviate_streets(account_street)
    )
    # Parent company as free text: the direct parent, or for sites sometimes the whole group.
    true_parent = hierarchy.parent[account_customer]
    grandparent = np.where(true_parent >= 0, hierarchy.parent[np.maximum(true_parent, 0)], -1)
    named_parent = np.where(
        (grandparent >= 0) & (rng.random(accounts) < 0.4), grandparent, true_parent
    )
    show_parent = (named_parent >= 0) & (rng.random(accounts) < 0.75)
    parent_rows = np.flatnonzero(show_parent)
    parent_spelling = draw_spellings(
        rng,
        parent_rows.size,
        0.5,
        {Spelling.UPPER_ASCII: 0.3, Spelling.NO_LEGAL_FORM: 0.5, Spelling.ABBREVIATED: 0.2},
    )
    parent_names = pl.Series([None] * accounts, dtype=pl.String).scatter(
        parent_rows, spell(parts, named_parent[parent_rows], parent_spelling, rng)
    )
    referenced = _pick(rng, accounts, settings.crm_erp_ref_share, np.arange(accounts))
    referenced_number = erp.number[account_customer[referenced]]
    # A second CRM account tends to point at the ERP duplicate when the ERP has one.
    dup_of_referenced = erp.duplicate_number[account_customer[referenced]]
    referenced_number = np.where(
        is_second[referenced] & (dup_of_referenced > 0), dup_of_referenced, referenced_number
    )
    erp_refs = pl.Series([None] * accounts, dtype=pl.String).scatter(
        referenced, _sloppy_erp_refs(format_ids(ERP_PREFIX, referenced_number, erp.width), rng)
    )
    created = np.where(
        is_second,
        add_days(real.since[account_customer], rng.integers(0, 900, accounts)),
        add_days(real.since[account_customer], rng.integers(-365, 60, accounts)),
    )
    created = np.minimum(created, window.last_day)
    account_name = spell(parts, account_customer, spelling, rng)
    # A second account spelled exactly like the ERP name would be an unmarked copy: vary it.
    account_name = _choose(
        is_second & (account_name == real.canonical_name.gather(account_customer)).to_numpy(),
        spell(parts, account_customer, np.full(accounts, Spelling.UPPER_ASCII, np.int8), rng),
        account_name,
    )
    top_level = pl.Series([c.web_domain for c in COUNTRIES]).gather(real.country)
    domains = email_domains(parts, top_level, rng)
    phones = phone_numbers(real.country, rng)
    frame = pl.DataFrame(
        {
            "account_id": format_ids(CRM_PREFIX, account_number, width),
            "account_name": account_name,
            "tax_id": account_tax,
            "street": account_street,
            "city": real.city_name.gather(account_customer),
            "postcode": real.postcode.gather(account_customer),
            "country": real.country_code.gather(account_customer),
            "phone": phones.gather(account_customer),
            "email_domain": domains.gather(account_customer),
            "industry": parts["industry"].gather(account_customer),
            "parent_company_name": parent_names,
            "erp_customer_ref": erp_refs,
            "created_on": pl.Series(created),
        }
    )
    return _CrmRecords(frame=frame, account_customer=account_customer, is_second=is_second)


def _billing_accounts(
    real: _RealCustomers, settings: GeneratorSettings, rng: np.random.Generator
) -> _BillingRecords:
    """Finance billing accounts; a few customers are billed under two accounts."""
    n = real.size
    duplicated = _pick(rng, n, settings.finance_duplicate_share, np.arange(n))
    record_customer = np.concatenate([np.arange(n), duplicated])
    records = record_customer.size
    numbers = _numbering(rng, records)
    width = id_width(records, 6)
    ids = format_ids(BILLING_PREFIX, numbers, width)
    duplicate_number = np.full(n, -1, dtype=np.int64)
    duplicate_number[duplicated] = numbers[n:]
    duplicate_share = np.zeros(n)
    duplicate_share[duplicated] = rng.uniform(0.2, 0.6, duplicated.size)
    is_second = np.arange(records) >= n
    spelling = draw_spellings(
        rng,
        records,
        0.25,
        {
            Spelling.UPPER_ASCII: 0.45,
            Spelling.LEGAL_FORM: 0.15,
            Spelling.ABBREVIATED: 0.15,
            Spelling.NO_PUNCTUATION: 0.15,
            Spelling.TYPO: 0.1,
        },
    )
    tax_id = _choose(
        is_second,
        vary_tax_ids(real.tax_id.gather(record_customer), 0.7, 0.3, rng),
        vary_tax_ids(real.tax_id.gather(record_customer), 0.9, 0.05, rng),
    )
    frame = pl.DataFrame(
        {
            "billing_account_id": ids,
            "billing_name": spell(real.parts, record_customer, spelling, rng),
            "tax_id": tax_id,
            "city": real.city_name.gather(record_customer),
            "postcode": real.postcode.gather(record_customer),
            "country": real.country_code.gather(record_customer),
        }
    ).sort("billing_account_id")
    return _BillingRecords(
        frame=frame,
        width=width,
        ids=ids,
        record_customer=record_customer,
        is_second=is_second,
        number=numbers[:n],
        duplicate_number=duplicate_number,
        duplicate_share=duplicate_share,
    )


def _crosswalk(
    erp: _ErpRecords, crm: _CrmRecords, billing: _BillingRecords, canonical_id: pl.Series
) -> pl.DataFrame:
    """Every record of every system with its real customer and whether it is a duplicate."""
    systems = (
        ("erp", erp.ids, erp.record_customer, np.arange(erp.ids.len()) >= canonical_id.len()),
        ("crm", crm.frame["account_id"], crm.account_customer, crm.is_second),
        ("finance", billing.ids, billing.record_customer, billing.is_second),
    )
    return pl.concat(
        [
            pl.DataFrame(
                {
                    "source_system": system,
                    "source_id": ids,
                    "true_customer_id": canonical_id.gather(customer),
                    "duplicate": duplicate,
                }
            )
            for system, ids, customer, duplicate in systems
        ]
    ).sort("source_system", "source_id")


def build_customers(settings: GeneratorSettings, window: TimeWindow) -> CustomerUniverse:
    """Draw the real customers and write how ERP, CRM and finance each record them.

    Parameters
    ----------
    settings
        Scale, seed and master-data quality shares.
    window
        The order window (customer-since dates and duplicates are placed relative to it).
    """
    n = settings.customers
    seed = settings.seed
    rng = random_stream(seed, "customers")
    archetype = assign_archetypes(n, settings.archetype_share_map, rng)
    behaviour = draw_behaviour(archetype, random_stream(seed, "behaviour"))
    lifecycle = draw_lifecycle(n, window.months, random_stream(seed, "lifecycle"))
    head_weight = np.array([GROUP_HEAD_WEIGHT[name] for name in ARCHETYPE_NAMES])[archetype]
    hierarchy = draw_hierarchy(
        n, settings.subsidiary_share, head_weight, random_stream(seed, "hierarchy")
    )
    real = _real_customers(behaviour, lifecycle, hierarchy, window, rng)
    erp = _erp_records(real, settings, window, rng)
    crm = _crm_accounts(real, erp, settings, window, random_stream(seed, "crm"))
    finance_rng = random_stream(seed, "finance_accounts")
    billing = _billing_accounts(real, settings, finance_rng)

    # Logistics attributes: road distance to each warehouse, preferred carrier per mode.
    jitter = finance_rng.normal(0, 0.12, (n, 2))
    latitude = np.array([c[3] for c in CITIES])[real.city] + jitter[:, 0]
    longitude = np.array([c[4] for c in CITIES])[real.city] + jitter[:, 1]
    distance = np.maximum(road_distance_km(latitude, longitude), 8.0)
    warehouse = np.argsort(distance, axis=1, kind="stable")[:, :2]
    preferred_carrier = np.stack(
        [finance_rng.integers(0, len(CARRIERS[mode]), n) for mode in SHIP_MODES], axis=1
    )

    canonical_id = format_ids(ERP_PREFIX, erp.number, erp.width)
    crosswalk = _crosswalk(erp, crm, billing, canonical_id)
    children = hierarchy.children
    return CustomerUniverse(
        behaviour=behaviour,
        lifecycle=lifecycle,
        hierarchy=hierarchy,
        erp_width=erp.width,
        erp_record_count=erp.ids.len(),
        erp_number=erp.number,
        duplicate_erp_number=erp.duplicate_number,
        duplicate_from_month=erp.duplicate_from_month,
        duplicate_order_share=erp.duplicate_order_share,
        terms_by_erp_number=erp.terms_by_number,
        billing_number=billing.number,
        billing_duplicate_number=billing.duplicate_number,
        billing_duplicate_share=billing.duplicate_share,
        billing_width=billing.width,
        postcode=real.postcode,
        country=real.country_code,
        warehouse=warehouse,
        distance_km=distance,
        preferred_carrier=preferred_carrier,
        erp_customers=erp.frame,
        crm_accounts=crm.frame.sort("account_id"),
        billing_accounts=billing.frame,
        truth_archetypes=pl.DataFrame(
            {"customer_id": canonical_id, "archetype": pl.Series(ARCHETYPE_NAMES).gather(archetype)}
        ).sort("customer_id"),
        truth_duplicates=crosswalk.filter(pl.col("duplicate")).drop("duplicate"),
        truth_crosswalk=crosswalk.drop("duplicate"),
        truth_parent_links=pl.DataFrame(
            {
                "child_customer_id": canonical_id.gather(children),
                "parent_customer_id": canonical_id.gather(hierarchy.parent[children]),
            }
        ).sort("child_customer_id"),
    )
