"""Marts layer: models from sql/marts."""
