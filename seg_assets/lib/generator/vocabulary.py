"""Word lists for company names, legal forms, streets, products and carriers (no faker needed)."""

# Brand stems: family names and invented brands across the served countries.
BRAND_STEMS: tuple[str, ...] = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange", "Werner", "Krause",
    "Köhler", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Bonnet", "Mercier",
    "Fontaine", "Rousseau", "Janssen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit",
    "Peeters", "Maes", "Jacobs", "Willems", "Claes", "Kowalski", "Nowak", "Wiśniewski",
    "Wójcik", "Lewandowski", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano",
    "Colombo", "García", "Fernández", "López", "Martínez", "Sánchez", "Smith", "Jones",
    "Taylor", "Brown", "Wilson", "Evans", "Thompson", "Gruber", "Huber", "Steiner", "Keller",
    "Brunner", "Alpen", "Rhein", "Nordic", "Baltic", "Atlas", "Orion", "Vega", "Nova", "Delta",
    "Apex", "Vertex", "Helios", "Titan", "Aurora", "Polaris", "Zenit", "Merkur", "Falke",
    "Adler", "Löwe", "Eiche", "Kristall", "Blitz", "Meridian", "Pioneer", "Summit", "Horizon",
    "Crown", "Sterling", "Evergreen", "Iberia", "Hansa", "Continental", "Euro", "Alfa",
    "Borealis", "Phoenix", "Quadrat", "Linde", "Tannen", "Brücke", "Sonnen", "Greif",
)  # fmt: skip

# (business word, abbreviation, industry)
BUSINESS_WORDS: tuple[tuple[str, str, str], ...] = (
    ("Logistik", "Log.", "Logistics"),
    ("Logistics", "Log.", "Logistics"),
    ("Bau", "Bau", "Construction"),
    ("Baustoffe", "Baust.", "Construction"),
    ("Construction", "Constr.", "Construction"),
    ("Technik", "Techn.", "Industrial Equipment"),
    ("Systems", "Sys.", "Industrial Equipment"),
    ("Handel", "Hdl.", "Wholesale"),
    ("Handelsgesellschaft", "Handelsges.", "Wholesale"),
    ("Distribution", "Distr.", "Wholesale"),
    ("Trading", "Trdg.", "Wholesale"),
    ("International", "Intl.", "Wholesale"),
    ("Industries", "Ind.", "Manufacturing"),
    ("Industrie", "Ind.", "Manufacturing"),
    ("Manufacturing", "Mfg.", "Manufacturing"),
    ("Components", "Comp.", "Manufacturing"),
    ("Maschinenbau", "Maschb.", "Machinery"),
    ("Machinery", "Mach.", "Machinery"),
    ("Solutions", "Sol.", "Services"),
    ("Services", "Svcs.", "Services"),
    ("Foods", "Fds.", "Food & Beverage"),
    ("Lebensmittel", "Lebensm.", "Food & Beverage"),
    ("Getränke", "Getr.", "Food & Beverage"),
    ("Pharma", "Pharm.", "Healthcare"),
    ("Medical", "Med.", "Healthcare"),
    ("Retail", "Rtl.", "Retail"),
    ("Markt", "Mkt.", "Retail"),
    ("Electronics", "Electr.", "Electronics"),
    ("Elektro", "El.", "Electronics"),
    ("Automotive", "Auto.", "Automotive"),
    ("Fahrzeugteile", "Fzgt.", "Automotive"),
    ("Chemie", "Chem.", "Chemicals"),
    ("Chemicals", "Chem.", "Chemicals"),
    ("Packaging", "Pkg.", "Packaging"),
    ("Verpackung", "Verp.", "Packaging"),
    ("Metallbau", "Metallb.", "Metal"),
    ("Steel", "Stl.", "Metal"),
    ("Textil", "Text.", "Textiles"),
    ("Furniture", "Furn.", "Furniture"),
    ("Möbel", "Mbl.", "Furniture"),
    ("Energy", "Engy.", "Energy"),
    ("Agrar", "Agr.", "Agriculture"),
)

# Legal forms per country: (form, alternative spellings used by other systems or clerks).
LEGAL_FORMS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "DE": (
        ("GmbH", ("Gmbh", "G.m.b.H.", "Gesellschaft mbH")),
        ("GmbH & Co. KG", ("GmbH & Co KG", "GmbH u. Co. KG", "GmbH&Co.KG")),
        ("AG", ("Aktiengesellschaft", "A.G.")),
        ("KG", ("K.G.", "Kommanditgesellschaft")),
        ("e.K.", ("eK", "e. K.")),
    ),
    "AT": (
        ("GmbH", ("Gmbh", "Ges.m.b.H.", "Gesellschaft mbH")),
        ("AG", ("Aktiengesellschaft", "A.G.")),
    ),
    "CH": (
        ("AG", ("A.G.", "Aktiengesellschaft")),
        ("GmbH", ("Gmbh", "G.m.b.H.")),
        ("SA", ("S.A.", "Société Anonyme")),
    ),
    "FR": (
        ("SAS", ("S.A.S.", "Sas", "S.A.S")),
        ("SA", ("S.A.", "Société Anonyme")),
        ("SARL", ("S.A.R.L.", "Sàrl", "Sarl")),
    ),
    "NL": (
        ("B.V.", ("BV", "B.V", "Besloten Vennootschap")),
        ("N.V.", ("NV", "N.V")),
    ),
    "BE": (
        ("NV", ("N.V.", "Naamloze Vennootschap")),
        ("BV", ("B.V.", "BVBA")),
        ("SA", ("S.A.", "Société Anonyme")),
        ("SRL", ("S.R.L.", "Srl")),
    ),
    "PL": (
        ("Sp. z o.o.", ("Sp.z o.o.", "sp. z o. o.", "Spółka z o.o.")),
        ("S.A.", ("SA", "Spółka Akcyjna")),
    ),
    "IT": (
        ("S.p.A.", ("SpA", "S.P.A.", "Spa")),
        ("S.r.l.", ("Srl", "S.R.L.", "SRL")),
    ),
    "ES": (
        ("S.L.", ("SL", "S.L", "Sociedad Limitada")),
        ("S.A.", ("SA", "Sociedad Anónima")),
    ),
    "GB": (
        ("Ltd", ("Ltd.", "Limited", "LTD")),
        ("PLC", ("Plc", "plc", "Public Limited Company")),
    ),
}

# How a country is named inside a subsidiary's name ("Müller Logistik France SAS").
COUNTRY_NAME_IN_COMPANY: dict[str, str] = {
    "DE": "Deutschland", "AT": "Austria", "CH": "Schweiz", "FR": "France", "NL": "Nederland",
    "BE": "Belgium", "PL": "Polska", "IT": "Italia", "ES": "España", "GB": "UK",
}  # fmt: skip

# Street names per country; "{n}" is the house number.
STREETS: dict[str, tuple[str, ...]] = {
    "DE": (
        "Hauptstraße {n}",
        "Industriestraße {n}",
        "Bahnhofstraße {n}",
        "Gewerbestraße {n}",
        "Am Hafen {n}",
        "Lindenweg {n}",
        "Schillerstraße {n}",
        "Gutenbergstraße {n}",
        "Robert-Bosch-Straße {n}",
        "Im Gewerbepark {n}",
    ),
    "AT": ("Hauptstraße {n}", "Industriestraße {n}", "Gewerbepark {n}", "Bahnhofstraße {n}"),
    "CH": ("Bahnhofstrasse {n}", "Industriestrasse {n}", "Route de Genève {n}", "Hauptgasse {n}"),
    "FR": (
        "{n} rue de la République",
        "{n} avenue Jean Jaurès",
        "{n} rue de l'Industrie",
        "{n} boulevard Voltaire",
        "{n} rue du Commerce",
        "{n} avenue de la Gare",
    ),
    "NL": ("Industrieweg {n}", "Kerkstraat {n}", "Havenstraat {n}", "Stationsweg {n}"),
    "BE": ("Industrielaan {n}", "Rue de l'Industrie {n}", "Kerkstraat {n}", "Rue Neuve {n}"),
    "PL": ("ul. Przemysłowa {n}", "ul. Długa {n}", "ul. Magazynowa {n}", "ul. Polna {n}"),
    "IT": ("Via Roma {n}", "Via dell'Industria {n}", "Viale Europa {n}", "Via Garibaldi {n}"),
    "ES": (
        "Calle Mayor {n}",
        "Polígono Industrial Norte {n}",
        "Avenida de la Constitución {n}",
        "Calle de Alcalá {n}",
    ),
    "GB": ("{n} High Street", "{n} Station Road", "{n} Mill Lane", "{n} Park Road"),
}

# Abbreviations a second system uses for the same street ("Hauptstraße" -> "Hauptstr.").
STREET_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("straße", "str."),
    ("strasse", "str."),
    ("Straße", "Str."),
    ("rue ", "r. "),
    ("avenue ", "av. "),
    ("boulevard ", "bd "),
    ("Avenida ", "Avda. "),
    ("Calle ", "C/ "),
    ("Road", "Rd"),
    ("Street", "St"),
    ("Lane", "Ln"),
    ("Viale ", "V.le "),
    ("Industrieweg", "Industriewg"),
    ("laan", "ln"),
)

# Diacritics an ASCII-only system spells out.
TRANSLITERATIONS: tuple[tuple[str, str], ...] = (
    ("Ä", "AE"), ("Ö", "OE"), ("Ü", "UE"), ("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"),
    ("É", "E"), ("È", "E"), ("é", "e"), ("è", "e"), ("ê", "e"), ("à", "a"), ("ç", "c"),
    ("ñ", "n"), ("á", "a"), ("í", "i"), ("ó", "o"), ("Ó", "O"), ("ú", "u"), ("ł", "l"),
    ("Ł", "L"), ("ś", "s"), ("Ś", "S"), ("ż", "z"), ("ź", "z"), ("ą", "a"), ("ę", "e"),
    ("ć", "c"), ("ń", "n"), ("ô", "o"), ("Ż", "Z"),
)  # fmt: skip

PRODUCT_CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # category: (nouns, descriptors)
    "Packaging": (
        ("Stretch Film", "Carton Box", "Pallet Wrap", "Bubble Wrap", "Tape Roll", "Void Fill"),
        ("Clear", "Heavy Duty", "Recycled", "Standard", "Premium"),
    ),
    "Fasteners": (
        ("Hex Bolt", "Wood Screw", "Anchor", "Washer", "Rivet", "Threaded Rod"),
        ("Zinc", "Stainless", "Galvanised", "M8", "M10", "M12"),
    ),
    "Electrical": (
        ("Cable Drum", "LED Panel", "Circuit Breaker", "Junction Box", "Socket Strip"),
        ("3-Core", "IP65", "Industrial", "Compact", "Smart"),
    ),
    "Tools": (
        ("Cordless Drill", "Torque Wrench", "Angle Grinder", "Socket Set", "Spirit Level"),
        ("Pro", "18V", "Compact", "Heavy Duty", "Precision"),
    ),
    "Safety": (
        ("Safety Gloves", "Hard Hat", "Hi-Vis Vest", "Safety Goggles", "Ear Defender"),
        ("Nitrile", "Class 2", "Anti-Fog", "Cut-Resistant", "EN397"),
    ),
    "Cleaning": (
        ("Degreaser", "Floor Cleaner", "Paper Towel", "Wipes", "Disinfectant"),
        ("Industrial", "Eco", "Concentrate", "Bulk", "Unscented"),
    ),
    "Hydraulics": (
        ("Hydraulic Hose", "Coupling", "Pressure Valve", "Filter Element", "Seal Kit"),
        ("1/2in", "3/4in", "High Pressure", "DN20", "Steel"),
    ),
    "Bearings": (
        ("Ball Bearing", "Roller Bearing", "Pillow Block", "Linear Guide", "Bushing"),
        ("6204", "6306", "Sealed", "Greased", "Ceramic"),
    ),
    "Adhesives": (
        ("Epoxy", "Sealant", "Contact Glue", "Threadlocker", "Silicone"),
        ("Fast Cure", "Structural", "Transparent", "High Temp", "Two-Part"),
    ),
    "Office": (
        ("Copy Paper", "Label Roll", "Ring Binder", "Toner", "Shipping Label"),
        ("A4", "Thermal", "Laser", "Recycled", "100x150"),
    ),
}

PRODUCT_SIZES: tuple[str, ...] = (
    "S", "M", "L", "XL", "10 pcs", "25 pcs", "50 pcs", "100 pcs", "1 L", "5 L", "500 mm",
    "1000 mm", "Box 12", "Pack 6",
)  # fmt: skip

# Carriers per shipping mode.
CARRIERS: dict[str, tuple[str, ...]] = {
    "PARCEL": ("DHL Paket", "DPD", "UPS", "GLS"),
    "LTL": ("DB Schenker", "Dachser", "Kuehne+Nagel", "DSV Road"),
    "FTL": ("Girteka", "Waberer's", "H.Essers", "Raben Group"),
}

SHIP_MODES: tuple[str, ...] = ("PARCEL", "LTL", "FTL")
CHANNELS: tuple[str, ...] = ("EDI", "WEB", "PHONE", "EMAIL")
RETURN_REASONS: tuple[str, ...] = ("DAMAGED", "WRONG_ITEM", "NOT_NEEDED", "QUALITY", "LATE")
