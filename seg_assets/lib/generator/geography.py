"""Countries, cities, warehouses and the formats of postcodes, tax ids and phone numbers."""

from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Country:
    """A served country: customer share, VAT prefix and digits, phone code, web domain."""

    code: str
    share: float
    vat_prefix: str
    vat_digits: int
    vat_suffix: str
    phone_code: str
    web_domain: str


# Shares are of customers; DE/FR/NL/BE/PL/IT/ES/GB dominate, AT/CH are the long tail.
COUNTRIES: tuple[Country, ...] = (
    Country("DE", 0.32, "DE", 9, "", "+49", "de"),
    Country("FR", 0.14, "FR", 11, "", "+33", "fr"),
    Country("NL", 0.11, "NL", 9, "B01", "+31", "nl"),
    Country("BE", 0.07, "BE0", 9, "", "+32", "be"),
    Country("PL", 0.10, "PL", 10, "", "+48", "pl"),
    Country("IT", 0.08, "IT", 11, "", "+39", "it"),
    Country("ES", 0.07, "ESB", 8, "", "+34", "es"),
    Country("GB", 0.06, "GB", 9, "", "+44", "co.uk"),
    Country("AT", 0.03, "ATU", 8, "", "+43", "at"),
    Country("CH", 0.02, "CHE", 9, "", "+41", "ch"),
)
COUNTRY_CODES: tuple[str, ...] = tuple(country.code for country in COUNTRIES)

# (country, city, region, latitude, longitude, postcode prefix)
CITIES: tuple[tuple[str, str, str, float, float, str], ...] = (
    ("DE", "Berlin", "Berlin", 52.52, 13.40, "10"),
    ("DE", "Hamburg", "Hamburg", 53.55, 9.99, "20"),
    ("DE", "München", "Bayern", 48.14, 11.58, "80"),
    ("DE", "Köln", "Nordrhein-Westfalen", 50.94, 6.96, "50"),
    ("DE", "Frankfurt am Main", "Hessen", 50.11, 8.68, "60"),
    ("DE", "Stuttgart", "Baden-Württemberg", 48.78, 9.18, "70"),
    ("DE", "Düsseldorf", "Nordrhein-Westfalen", 51.23, 6.77, "40"),
    ("DE", "Leipzig", "Sachsen", 51.34, 12.37, "04"),
    ("DE", "Dortmund", "Nordrhein-Westfalen", 51.51, 7.47, "44"),
    ("DE", "Nürnberg", "Bayern", 49.45, 11.08, "90"),
    ("DE", "Hannover", "Niedersachsen", 52.37, 9.73, "30"),
    ("DE", "Bremen", "Bremen", 53.08, 8.80, "28"),
    ("FR", "Paris", "Île-de-France", 48.86, 2.35, "75"),
    ("FR", "Lyon", "Auvergne-Rhône-Alpes", 45.76, 4.84, "69"),
    ("FR", "Marseille", "Provence-Alpes-Côte d'Azur", 43.30, 5.37, "13"),
    ("FR", "Lille", "Hauts-de-France", 50.63, 3.06, "59"),
    ("FR", "Toulouse", "Occitanie", 43.60, 1.44, "31"),
    ("FR", "Strasbourg", "Grand Est", 48.57, 7.75, "67"),
    ("FR", "Nantes", "Pays de la Loire", 47.22, -1.55, "44"),
    ("FR", "Bordeaux", "Nouvelle-Aquitaine", 44.84, -0.58, "33"),
    ("NL", "Amsterdam", "Noord-Holland", 52.37, 4.90, "10"),
    ("NL", "Rotterdam", "Zuid-Holland", 51.92, 4.48, "30"),
    ("NL", "Utrecht", "Utrecht", 52.09, 5.12, "35"),
    ("NL", "Eindhoven", "Noord-Brabant", 51.44, 5.47, "56"),
    ("NL", "Groningen", "Groningen", 53.22, 6.57, "97"),
    ("NL", "Tilburg", "Noord-Brabant", 51.56, 5.09, "50"),
    ("BE", "Bruxelles", "Brussels-Capital", 50.85, 4.35, "10"),
    ("BE", "Antwerpen", "Vlaanderen", 51.22, 4.40, "20"),
    ("BE", "Gent", "Vlaanderen", 51.05, 3.72, "90"),
    ("BE", "Liège", "Wallonie", 50.63, 5.57, "40"),
    ("BE", "Charleroi", "Wallonie", 50.41, 4.44, "60"),
    ("PL", "Warszawa", "Mazowieckie", 52.23, 21.01, "00"),
    ("PL", "Kraków", "Małopolskie", 50.06, 19.94, "30"),
    ("PL", "Wrocław", "Dolnośląskie", 51.11, 17.04, "50"),
    ("PL", "Poznań", "Wielkopolskie", 52.41, 16.93, "60"),
    ("PL", "Gdańsk", "Pomorskie", 54.35, 18.65, "80"),
    ("PL", "Łódź", "Łódzkie", 51.76, 19.46, "90"),
    ("IT", "Milano", "Lombardia", 45.46, 9.19, "201"),
    ("IT", "Torino", "Piemonte", 45.07, 7.69, "101"),
    ("IT", "Bologna", "Emilia-Romagna", 44.49, 11.34, "401"),
    ("IT", "Verona", "Veneto", 45.44, 10.99, "371"),
    ("IT", "Roma", "Lazio", 41.90, 12.50, "001"),
    ("IT", "Napoli", "Campania", 40.85, 14.27, "801"),
    ("ES", "Madrid", "Comunidad de Madrid", 40.42, -3.70, "280"),
    ("ES", "Barcelona", "Cataluña", 41.39, 2.17, "080"),
    ("ES", "Valencia", "Comunitat Valenciana", 39.47, -0.38, "460"),
    ("ES", "Zaragoza", "Aragón", 41.65, -0.89, "500"),
    ("ES", "Bilbao", "País Vasco", 43.26, -2.93, "480"),
    ("ES", "Sevilla", "Andalucía", 37.39, -5.98, "410"),
    ("GB", "London", "England", 51.51, -0.13, "EC"),
    ("GB", "Birmingham", "England", 52.49, -1.89, "B"),
    ("GB", "Manchester", "England", 53.48, -2.24, "M"),
    ("GB", "Leeds", "England", 53.80, -1.55, "LS"),
    ("GB", "Glasgow", "Scotland", 55.86, -4.25, "G"),
    ("GB", "Bristol", "England", 51.45, -2.59, "BS"),
    ("AT", "Wien", "Wien", 48.21, 16.37, "1"),
    ("AT", "Graz", "Steiermark", 47.07, 15.44, "8"),
    ("AT", "Linz", "Oberösterreich", 48.31, 14.29, "4"),
    ("AT", "Salzburg", "Salzburg", 47.81, 13.06, "5"),
    ("CH", "Zürich", "Zürich", 47.38, 8.54, "8"),
    ("CH", "Basel", "Basel-Stadt", 47.56, 7.59, "4"),
    ("CH", "Bern", "Bern", 46.95, 7.45, "3"),
    ("CH", "Genève", "Genève", 46.20, 6.14, "12"),
)

# (warehouse id, latitude, longitude): the network shipping to all customers.
WAREHOUSES: tuple[tuple[str, float, float], ...] = (
    ("WH-DE-KSL", 51.31, 9.48),
    ("WH-NL-VNL", 51.37, 6.17),
    ("WH-PL-PZN", 52.41, 16.93),
    ("WH-FR-LYS", 45.76, 4.84),
)

# Roads are longer than great circles; 1.25 is a common detour factor in Europe.
ROAD_DETOUR_FACTOR = 1.25
EARTH_RADIUS_KM = 6371.0


def cities_of(country_index: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw a city (index into ``CITIES``) for each customer given its country index."""
    city_country = np.array([COUNTRY_CODES.index(city[0]) for city in CITIES])
    # Cities of a country are contiguous in CITIES; draw an offset within each country's block.
    first = np.array([np.flatnonzero(city_country == c)[0] for c in range(len(COUNTRIES))])
    count = np.bincount(city_country, minlength=len(COUNTRIES))
    # Bigger cities first in each block, so weight earlier entries a little more.
    u = rng.random(country_index.size) ** 1.3
    return first[country_index] + (u * count[country_index]).astype(np.int64)


def road_distance_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Road distance from each point to each warehouse, shape ``(points, warehouses)``."""
    wh_lat = np.radians([w[1] for w in WAREHOUSES])
    wh_lon = np.radians([w[2] for w in WAREHOUSES])
    lat_r = np.radians(lat)[:, None]
    lon_r = np.radians(lon)[:, None]
    a = (
        np.sin((wh_lat - lat_r) / 2) ** 2
        + np.cos(lat_r) * np.cos(wh_lat) * np.sin((wh_lon - lon_r) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a)) * ROAD_DETOUR_FACTOR


def _digits(rng: np.random.Generator, n: int, width: int) -> pl.Series:
    return pl.Series(rng.integers(0, 10**width, n)).cast(pl.String).str.zfill(width)


def _letters(rng: np.random.Generator, n: int, width: int) -> pl.Series:
    codes = rng.integers(ord("A"), ord("Z") + 1, (n, width)).astype(np.uint8)
    return pl.Series(codes.view(f"S{width}").ravel()).cast(pl.String)


def postcodes(city_index: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Postcode in each city's national format (e.g. ``80331``, ``1011 AB``, ``00-950``)."""
    n = city_index.size
    prefix = pl.Series([CITIES[i][5] for i in range(len(CITIES))]).gather(city_index)
    country = pl.Series([CITIES[i][0] for i in range(len(CITIES))]).gather(city_index)
    prefix_length = prefix.str.len_chars()
    five = prefix + _digits(rng, n, 3).str.slice(0, 5 - prefix_length)
    frame = pl.DataFrame(
        {
            "country": country,
            "five": five,
            "prefix": prefix,
            "d2": _digits(rng, n, 2),
            "d3": _digits(rng, n, 3),
            "d1": _digits(rng, n, 1),
            "l2": _letters(rng, n, 2),
        }
    )
    c = pl.col("country")
    return frame.select(
        pl.when(c.is_in(["DE", "FR", "IT", "ES"]))
        .then(pl.col("five"))
        .when(c == "NL")
        .then(pl.col("prefix") + pl.col("d2") + " " + pl.col("l2"))
        .when(c == "BE")
        .then(pl.col("prefix") + pl.col("d2"))
        .when(c == "PL")
        .then(pl.col("prefix") + "-" + pl.col("d3"))
        .when(c == "GB")
        .then(pl.col("prefix") + pl.col("d1") + " " + pl.col("d1") + pl.col("l2"))
        .otherwise((pl.col("prefix") + pl.col("d3")).str.slice(0, 4))
        .alias("postcode")
    ).to_series()


def tax_ids(country_index: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Draw unique VAT numbers in each country's format (``DE123456789``, ``NL123456789B01``)."""
    n = country_index.size
    # An affine map with a multiplier coprime to 10**k is a permutation, so numbers are unique.
    multiplier = int(rng.integers(10**6, 10**7)) * 2 + 1
    while multiplier % 5 == 0:
        multiplier += 2
    offset = int(rng.integers(0, 10**12))
    base = (np.arange(n, dtype=np.int64) + offset) % 10**8
    number = (base * multiplier + 12345) % 10**8
    frame = pl.DataFrame(
        {
            "prefix": pl.Series([c.vat_prefix for c in COUNTRIES]).gather(country_index),
            "digits": pl.Series([c.vat_digits for c in COUNTRIES]).gather(country_index),
            "suffix": pl.Series([c.vat_suffix for c in COUNTRIES]).gather(country_index),
            # The leading digits vary by row; the trailing eight keep the numbers unique.
            "lead": _digits(rng, n, 3),
            "number": pl.Series(number).cast(pl.String).str.zfill(8),
        }
    )
    body = (pl.col("lead") + pl.col("number")).str.slice(
        pl.lit(11, dtype=pl.Int64) - pl.col("digits")
    )
    return frame.select((pl.col("prefix") + body + pl.col("suffix")).alias("tax_id")).to_series()


def phone_numbers(country_index: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Phone numbers such as ``+49 89 1234567``."""
    n = country_index.size
    code = pl.Series([c.phone_code for c in COUNTRIES]).gather(country_index)
    area = pl.Series(rng.integers(20, 990, n)).cast(pl.String)
    return code + " " + area + " " + _digits(rng, n, 7)
