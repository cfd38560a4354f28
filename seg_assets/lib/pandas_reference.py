"""The staging → order-line fact → customer-month mart path written in plain pandas.

It is the baseline of the benchmark: the same numbers as the SQL models, written the way a
pandas team without master data would write them, so its customer months are keyed on the ERP
``customer_id`` where the SQL mart is keyed on the golden ``customer_key`` (its tests sum the
ERP customers of each golden customer before comparing). Money is computed in integer cents and
returned as float dollars.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from seg_assets.lib.errors import SourceContractError
from seg_assets.lib.project import config_dir
from seg_assets.lib.source_contracts import SourceContract, load_source_contracts

MONEY_TYPE = "DECIMAL(18,2)"
INTEGER_RANGE = (-(2**31), 2**31 - 1)

ORDER_LINE_COLUMNS = [
    "order_line_id",
    "order_id",
    "customer_id",
    "product_id",
    "order_date",
    "order_month",
    "quantity_ordered",
    "quantity_shipped",
    "unit_price",
    "ordered_revenue",
    "shipped_revenue",
    "shipped_cost_of_goods",
    "freight_cost",
    "is_freight_cost_missing",
    "delivered_date",
    "is_fully_shipped",
]
MONEY_COLUMNS = [
    "unit_price",
    "ordered_revenue",
    "shipped_revenue",
    "shipped_cost_of_goods",
    "freight_cost",
]


@dataclass(frozen=True)
class PandasReferenceResult:
    """The order-line fact and customer-month mart, and how many source rows were rejected.

    Money columns (``unit_price``, revenues, ``shipped_cost_of_goods``, ``freight_cost``) are
    float dollars obtained from exact integer cents, so ``round(value * 100)`` is the exact cent
    amount; NaN stands where SQL has null. ``quarantined_order_lines`` and ``quarantined_orders``
    count rows of the landing file that did not reach staging (unparseable values plus staging
    rules).
    """

    order_lines: pd.DataFrame
    customer_months: pd.DataFrame
    quarantined_order_lines: int
    quarantined_orders: int


# --- reading the landing files -----------------------------------------------------------------


def read_landing_file(contract: SourceContract, landing_dir: Path) -> pd.DataFrame:
    """Read one extract with its declared columns, CSV values as text, in file order.

    Parameters
    ----------
    contract
        The source's file and columns from ``config/sources.yaml``.
    landing_dir
        Root folder of the landing files.
    """
    path = contract.landing_file(landing_dir)
    if contract.format == "csv":
        # Only empty fields are missing: 'N/A' or 'NA' must reach the type check and be
        # rejected there, as the raw layer does, not silently become null.
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_values=[""], engine="pyarrow"
        )
    else:
        frame = pd.read_parquet(path)
    missing = [column for column in contract.column_names if column not in frame.columns]
    if missing:
        raise SourceContractError(
            f"{contract.system}: {path}: missing column(s) {', '.join(missing)}; the contract in"
            f" config/sources.yaml expects {', '.join(contract.column_names)}"
        )
    return frame[list(contract.column_names)]


def parse_column(values: pd.Series, column_type: str) -> pd.Series:
    """Convert a column to its declared type; values that do not convert become missing.

    ``DECIMAL(18,2)`` becomes integer cents (``Int64``; a value with a fraction of a cent does
    not convert), ``INTEGER`` becomes ``Int64`` (whole numbers in the 32-bit range only),
    ``DATE`` becomes ``datetime64`` (ISO ``YYYY-MM-DD`` text or dates), ``DOUBLE`` becomes
    ``float64`` (NaN and infinities do not convert) and ``VARCHAR`` is kept as text.

    Parameters
    ----------
    values
        The column as read from the file.
    column_type
        Its type in the contract.
    """
    if column_type == "VARCHAR":
        return values
    if column_type == "DATE":
        return pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    numbers = numbers.where(np.isfinite(numbers))
    if column_type == "DOUBLE":
        return numbers
    if column_type == MONEY_TYPE:
        cents = numbers * 100
        # The raw layer rejects what DECIMAL(18,2) would round; the tolerance absorbs binary
        # fractions (10.01 * 100 is 1000.9999999999999).
        whole_cents = (cents - cents.round()).abs() < 1e-6
        return cents.round().where(whole_cents).astype("Int64")
    if column_type == "INTEGER":
        low, high = INTEGER_RANGE
        whole = (numbers % 1 == 0) & numbers.between(low, high)
        return numbers.where(whole).astype("Int64")
    raise SourceContractError(f"pandas reference: column type {column_type} is not supported")


def load_source(contract: SourceContract, landing_dir: Path) -> tuple[pd.DataFrame, int]:
    """Typed rows of one extract, without the rows holding a value that does not parse.

    Returns
    -------
    tuple
        The typed frame (file order kept) and the number of rejected rows.
    """
    frame = read_landing_file(contract, landing_dir)
    typed = pd.DataFrame(
        {name: parse_column(frame[name], column_type) for name, column_type in contract.columns}
    )
    unparseable = (frame.notna() & typed.isna()).any(axis=1)
    return typed.loc[~unparseable].reset_index(drop=True), int(unparseable.sum())


# --- staging -----------------------------------------------------------------------------------


def normalize_id(ids: pd.Series) -> pd.Series:
    """Identifiers trimmed of spaces and upper-cased (as SQL ``upper(trim(id))``)."""
    # SQL trim removes spaces only, so tabs and other whitespace are kept here too.
    return ids.str.strip(" ").str.upper()


def customer_match_key(customer_ids: pd.Series) -> pd.Series:
    """Letter prefix plus the trailing number without leading zeros ('C000012' → 'C12').

    Missing when the ID has no trailing digits, so such IDs match nothing.
    """
    prefix = customer_ids.str.extract(r"^([A-Z]*)", expand=False)
    digits = customer_ids.str.extract(r"([0-9]+)$", expand=False)
    number = digits.str.lstrip("0").replace("", "0")
    return prefix + number


def is_blank(ids: pd.Series) -> pd.Series:
    """True where a normalized identifier is missing or empty."""
    return ids.isna() | (ids == "")


def flag_unknown(frame: pd.DataFrame, known: pd.Series, flag: str) -> pd.DataFrame:
    """Add boolean column ``flag``: whether the row's ``known.name`` value is among ``known``.

    A left join, as the SQL model does (``isin`` on pyarrow strings is slow in pandas 3).
    """
    # pandas joins missing keys to each other, SQL never does.
    known_keys = known.dropna().to_frame()
    matches = frame.merge(known_keys, on=known.name, how="left", indicator=flag)
    return matches.assign(**{flag: matches[flag] == "both"})


def is_quarantined(rules: dict[str, pd.Series]) -> pd.Series:
    """True where a row breaks any quarantine rule; a rule that cannot be evaluated passes.

    Parameters
    ----------
    rules
        Boolean (possibly nullable) series per rule, named as in
        ``config/quarantine_rules.yaml``; the names document which rules apply.
    """
    return pd.concat(rules, axis=1).fillna(False).astype(bool).any(axis=1)


def stage_customers(customers: pd.DataFrame) -> pd.DataFrame:
    """Kept ERP customers: ``customer_id`` and ``customer_match_key``, one row per ID."""
    customer_id = normalize_id(customers["customer_id"])
    quarantined = is_quarantined(
        {"missing_key": is_blank(customer_id), "duplicate_key": customer_id.duplicated()}
    )
    staged = pd.DataFrame(
        {"customer_id": customer_id, "customer_match_key": customer_match_key(customer_id)}
    )
    return staged.loc[~quarantined]


def stage_products(products: pd.DataFrame) -> pd.DataFrame:
    """Kept products: ``product_id``, ``unit_cost`` (cents) and ``unit_weight_kg``."""
    product_id = normalize_id(products["product_id"])
    quarantined = is_quarantined(
        {
            "missing_key": is_blank(product_id),
            "duplicate_key": product_id.duplicated(),
            "negative_amount": (products["unit_price"] < 0)
            | (products["unit_cost"] < 0)
            | (products["unit_weight_kg"] < 0),
        }
    )
    staged = products.assign(product_id=product_id)
    return staged.loc[~quarantined, ["product_id", "unit_cost", "unit_weight_kg"]]


def stage_orders(orders: pd.DataFrame, customers: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Kept orders with the canonical ``customer_id`` and ``order_month``.

    The ordering customer is found through its match key, so ' c12 ' resolves to 'C000012'.

    Returns
    -------
    tuple
        Kept orders (``order_id``, ``customer_id``, ``order_date``, ``order_month``) and the
        number of quarantined orders.
    """
    order_id = normalize_id(orders["order_id"])
    source_customer_id = normalize_id(orders["customer_id"])
    cleaned = pd.DataFrame(
        {
            "order_id": order_id,
            "order_date": orders["order_date"],
            "is_duplicate": order_id.duplicated(),
            "source_customer_id": source_customer_id,
            "customer_match_key": customer_match_key(source_customer_id),
        }
    )
    # An exact ID wins; else the match key, if exactly one customer has it. pandas joins
    # missing keys to each other, SQL never does: IDs without a number match nothing.
    known_keys = customers.dropna(subset=["customer_match_key"])
    candidates = known_keys.groupby("customer_match_key")["customer_id"].agg(["count", "min"])
    unique_keys = candidates.loc[candidates["count"] == 1, "min"].rename("key_customer_id")
    ambiguous_keys = candidates.index[candidates["count"] > 1]
    matched = cleaned.merge(
        customers[["customer_id"]].rename(columns={"customer_id": "exact_customer_id"}),
        left_on="source_customer_id",
        right_on="exact_customer_id",
        how="left",
    ).merge(unique_keys, left_on="customer_match_key", right_index=True, how="left")
    matched["customer_id"] = matched["exact_customer_id"].fillna(matched["key_customer_id"])
    is_ambiguous = matched["customer_id"].isna() & matched["customer_match_key"].isin(
        ambiguous_keys
    )
    quarantined = is_quarantined(
        {
            "missing_key": is_blank(matched["order_id"]),
            "duplicate_key": matched["is_duplicate"],
            "missing_order_date": matched["order_date"].isna(),
            "future_date": matched["order_date"] > pd.Timestamp(date.today()),
            "missing_customer_id": is_blank(matched["source_customer_id"]),
            "ambiguous_customer": is_ambiguous,
            "unknown_customer": matched["customer_id"].isna(),
        }
    )
    kept = matched.loc[~quarantined, ["order_id", "customer_id", "order_date"]]
    kept = kept.assign(order_month=kept["order_date"].dt.to_period("M").dt.to_timestamp())
    return kept, int(quarantined.sum())


def stage_order_lines(
    order_lines: pd.DataFrame, orders: pd.DataFrame, products: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    """Kept order lines of known orders and products, one row per ``order_line_id``.

    Returns
    -------
    tuple
        Kept lines (``order_line_id``, ``order_id``, ``product_id``, ``quantity_ordered``,
        ``unit_price`` in cents) and the number of quarantined lines.
    """
    cleaned = order_lines.assign(
        order_line_id=normalize_id(order_lines["order_line_id"]),
        order_id=normalize_id(order_lines["order_id"]),
        product_id=normalize_id(order_lines["product_id"]),
    )
    staged = (
        cleaned.assign(is_duplicate=cleaned["order_line_id"].duplicated())
        .pipe(flag_unknown, orders["order_id"], "is_order_known")
        .pipe(flag_unknown, products["product_id"], "is_product_known")
    )
    quantity, unit_price = staged["quantity_ordered"], staged["unit_price"]
    quarantined = is_quarantined(
        {
            "missing_key": is_blank(staged["order_line_id"]),
            "duplicate_key": staged["is_duplicate"],
            "nonpositive_quantity": quantity.isna() | (quantity <= 0),
            "invalid_unit_price": unit_price.isna() | (unit_price < 0),
            "unknown_order": ~staged["is_order_known"],
            "unknown_product": ~staged["is_product_known"],
        }
    )
    columns = ["order_line_id", "order_id", "product_id", "quantity_ordered", "unit_price"]
    # Every kept line has a quantity and a price, so plain int64 will do from here on.
    kept = staged.loc[~quarantined, columns].astype(
        {"quantity_ordered": "int64", "unit_price": "int64"}
    )
    return kept, int(quarantined.sum())


def stage_shipments(shipments: pd.DataFrame) -> pd.DataFrame:
    """Kept shipments with their freight cost (cents, missing kept) and trusted delivery date.

    A delivery date before the ship date is not trusted and becomes missing.
    """
    shipment_id = normalize_id(shipments["shipment_id"])
    negative = (
        (shipments["weight_kg"] < 0)
        | (shipments["freight_cost"] < 0)
        | (shipments["distance_km"] < 0)
    )
    quarantined = is_quarantined(
        {
            "missing_key": is_blank(shipment_id),
            "duplicate_key": shipment_id.duplicated(),
            "missing_ship_date": shipments["ship_date"].isna(),
            "future_date": shipments["ship_date"] > pd.Timestamp(date.today()),
            "negative_amount": negative,
        }
    )
    trusted = shipments["delivery_date"] >= shipments["ship_date"]
    staged = pd.DataFrame(
        {
            "shipment_id": shipment_id,
            "delivery_date": shipments["delivery_date"].where(trusted),
            "freight_cost": shipments["freight_cost"],
        }
    )
    return staged.loc[~quarantined]


def stage_shipment_lines(shipment_lines: pd.DataFrame, shipments: pd.DataFrame) -> pd.DataFrame:
    """Kept shipment lines of known shipments with a positive shipped quantity."""
    cleaned = shipment_lines.assign(
        shipment_line_id=normalize_id(shipment_lines["shipment_line_id"]),
        shipment_id=normalize_id(shipment_lines["shipment_id"]),
        order_line_id=normalize_id(shipment_lines["order_line_id"]),
    )
    staged = cleaned.assign(is_duplicate=cleaned["shipment_line_id"].duplicated()).pipe(
        flag_unknown, shipments["shipment_id"], "is_shipment_known"
    )
    quantity = staged["quantity_shipped"]
    quarantined = is_quarantined(
        {
            "missing_key": is_blank(staged["shipment_line_id"]),
            "duplicate_key": staged["is_duplicate"],
            "nonpositive_quantity": quantity.isna() | (quantity <= 0),
            "unknown_shipment": ~staged["is_shipment_known"],
        }
    )
    columns = ["shipment_line_id", "shipment_id", "order_line_id", "quantity_shipped"]
    return staged.loc[~quarantined, columns].astype({"quantity_shipped": "int64"})


# --- freight allocation ------------------------------------------------------------------------


def allocate_freight(
    shipment_lines: pd.DataFrame,
    shipments: pd.DataFrame,
    order_lines: pd.DataFrame,
    products: pd.DataFrame,
) -> pd.DataFrame:
    """Shipment lines with their share of the shipment's freight, exact to the cent.

    Freight is shared by shipped weight (quantity x unit weight), by shipped units when the
    shipment's lines weigh nothing. Each line gets the floor of its share in cents; the
    leftover cents go one each to the lines with the largest remainders (ties to the lowest
    ``shipment_line_id``), so a shipment's lines sum to its freight. Missing freight stays
    missing.

    Returns
    -------
    pandas.DataFrame
        One row per shipment line: ``shipment_id``, ``order_line_id``, ``quantity_shipped``,
        ``delivery_date``, ``freight_cost`` (allocated cents, ``Int64``) and
        ``is_freight_cost_missing``.
    """
    lines = (
        shipment_lines.merge(shipments, on="shipment_id")
        .merge(order_lines[["order_line_id", "product_id"]], on="order_line_id", how="left")
        .merge(products[["product_id", "unit_weight_kg"]], on="product_id", how="left")
    )
    # Lines of unknown order lines or products weigh nothing but still count by units.
    weight = (lines["quantity_shipped"] * lines["unit_weight_kg"]).fillna(0)
    by_shipment = lines.assign(weight=weight).groupby("shipment_id", sort=False)
    total_weight = by_shipment["weight"].transform("sum")
    total_units = by_shipment["quantity_shipped"].transform("sum")
    share = np.where(
        total_weight > 0, weight / total_weight, lines["quantity_shipped"] / total_units
    )
    # The SQL model's floating-point expression exactly (dollars * 100 * share, not cents *
    # share): the floors and remainders, and so the leftover-cent winners, come out the same.
    freight_dollars = lines["freight_cost"].astype("float64") / 100
    exact_cents = freight_dollars * 100 * share
    floor_cents = np.floor(exact_cents)
    # Remainders rounded as in SQL, so floating-point noise never decides a tie.
    lines = lines.assign(floor_cents=floor_cents, remainder=np.round(exact_cents - floor_cents, 6))
    # groupby keeps row order within a shipment, so cumcount is the rank of the remainder.
    lines = lines.sort_values(["remainder", "shipment_line_id"], ascending=[False, True])
    by_shipment = lines.groupby("shipment_id", sort=False)
    leftover = lines["freight_cost"] - by_shipment["floor_cents"].transform("sum")
    gets_extra_cent = by_shipment.cumcount() < leftover
    allocated = (lines["floor_cents"] + gets_extra_cent.fillna(False)).astype("Int64")
    return lines.assign(
        freight_cost=allocated, is_freight_cost_missing=lines["freight_cost"].isna()
    )[
        [
            "shipment_id",
            "order_line_id",
            "quantity_shipped",
            "delivery_date",
            "freight_cost",
            "is_freight_cost_missing",
        ]
    ]


# --- fact and mart -----------------------------------------------------------------------------


def summarize_shipments(allocated: pd.DataFrame) -> pd.DataFrame:
    """Per order line: units shipped, last delivery, known freight and missing-freight flag.

    ``last_delivery_date`` is missing unless every shipment line has a trusted delivery date;
    ``freight_cost`` (cents) is missing when none of the line's shipments has a freight cost.
    """
    by_line = allocated.groupby("order_line_id")
    every_delivery_known = by_line["delivery_date"].count() == by_line.size()
    return pd.DataFrame(
        {
            "quantity_shipped": by_line["quantity_shipped"].sum(),
            "last_delivery_date": by_line["delivery_date"].max().where(every_delivery_known),
            "freight_cost": by_line["freight_cost"].sum(min_count=1),
            "is_freight_cost_missing": by_line["is_freight_cost_missing"].any(),
        }
    )


def build_order_line_fact(
    order_lines: pd.DataFrame,
    orders: pd.DataFrame,
    products: pd.DataFrame,
    shipped: pd.DataFrame,
) -> pd.DataFrame:
    """One row per order line of the given orders, money in integer cents.

    Parameters
    ----------
    order_lines
        Staged order lines.
    orders
        Staged orders whose lines belong in the fact.
    products
        Staged products (for the unit cost).
    shipped
        Per-order-line shipment summary from ``summarize_shipments``.
    """
    fact = order_lines.merge(
        orders[["order_id", "customer_id", "order_date", "order_month"]], on="order_id"
    ).merge(products[["product_id", "unit_cost"]], on="product_id")
    fact = fact.merge(
        shipped, left_on="order_line_id", right_index=True, how="left", indicator=True
    )
    has_shipments = fact["_merge"] == "both"
    quantity_shipped = fact["quantity_shipped"].fillna(0).astype("int64")
    is_fully_shipped = quantity_shipped >= fact["quantity_ordered"]
    return fact.assign(
        quantity_shipped=quantity_shipped,
        ordered_revenue=fact["quantity_ordered"] * fact["unit_price"],
        shipped_revenue=quantity_shipped * fact["unit_price"],
        shipped_cost_of_goods=quantity_shipped * fact["unit_cost"],
        # No shipment at all means no freight (0); shipments without a cost mean unknown.
        freight_cost=fact["freight_cost"].where(has_shipments, 0),
        is_freight_cost_missing=fact["is_freight_cost_missing"].fillna(False).astype(bool),
        delivered_date=fact["last_delivery_date"].where(is_fully_shipped),
        is_fully_shipped=is_fully_shipped,
    )[ORDER_LINE_COLUMNS]


def aggregate_customer_months(fact: pd.DataFrame) -> pd.DataFrame:
    """One row per ERP customer and order month, money in integer cents.

    Revenues and cost of goods are missing only when every line's value is; freight counts
    known freight only (0 when none is known).
    """
    by_month = fact.groupby(["customer_id", "order_month"])
    counts = by_month.agg(
        orders=("order_id", "nunique"),
        order_lines=("order_line_id", "size"),
        ordered_units=("quantity_ordered", "sum"),
        shipped_units=("quantity_shipped", "sum"),
    )
    money = by_month[["ordered_revenue", "shipped_revenue", "shipped_cost_of_goods"]].sum(
        min_count=1
    )
    freight = by_month[["freight_cost"]].sum()
    missing = by_month["is_freight_cost_missing"].sum().rename("lines_missing_freight")
    return pd.concat([counts, money, freight, missing], axis=1).reset_index()


def cents_to_dollars(frame: pd.DataFrame) -> pd.DataFrame:
    """Money columns from integer cents to float dollars (missing as NaN)."""
    present = [column for column in MONEY_COLUMNS if column in frame.columns]
    return frame.assign(**{column: frame[column].astype("float64") / 100 for column in present})


def build_customer_months(
    landing_dir: Path,
    *,
    order_window: tuple[date, date] | None = None,
    contracts: dict[str, SourceContract] | None = None,
) -> PandasReferenceResult:
    """Build the order-line fact and the customer-month mart from the landing files.

    Parameters
    ----------
    landing_dir
        Folder holding ``erp/{customers,products,orders,order_lines}.csv`` and
        ``tms/{shipments,shipment_lines}.parquet``.
    order_window
        Half-open ``[start, end)`` range of order dates to keep in the fact and mart, like the
        SQL pipeline's partitions; every order when omitted.
    contracts
        Landing-file contracts; read from ``config/sources.yaml`` when omitted.

    Returns
    -------
    PandasReferenceResult
        The fact and mart (money as float dollars from exact cents) and the rejected
        order-line and order counts.
    """
    contracts = contracts or load_source_contracts(config_dir() / "sources.yaml")
    sources = {
        name: load_source(contracts[name], landing_dir)
        for name in (
            "erp__customers",
            "erp__products",
            "erp__orders",
            "erp__order_lines",
            "tms__shipments",
            "tms__shipment_lines",
        )
    }
    customers = stage_customers(sources["erp__customers"][0])
    products = stage_products(sources["erp__products"][0])
    orders, orders_out = stage_orders(sources["erp__orders"][0], customers)
    order_lines, lines_out = stage_order_lines(sources["erp__order_lines"][0], orders, products)
    shipments = stage_shipments(sources["tms__shipments"][0])
    shipment_lines = stage_shipment_lines(sources["tms__shipment_lines"][0], shipments)
    allocated = allocate_freight(shipment_lines, shipments, order_lines, products)
    if order_window is not None:
        start, end = (pd.Timestamp(bound) for bound in order_window)
        orders = orders.loc[(orders["order_date"] >= start) & (orders["order_date"] < end)]
    fact = build_order_line_fact(order_lines, orders, products, summarize_shipments(allocated))
    return PandasReferenceResult(
        order_lines=cents_to_dollars(fact),
        customer_months=cents_to_dollars(aggregate_customer_months(fact)),
        quarantined_order_lines=sources["erp__order_lines"][1] + lines_out,
        quarantined_orders=sources["erp__orders"][1] + orders_out,
    )
