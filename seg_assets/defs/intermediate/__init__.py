"""Intermediate layer: models from sql/intermediate."""
