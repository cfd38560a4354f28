"""Raw layer: one asset per landing extract, loaded into schema ``raw``."""
