"""Staging layer: typed, cleansed models 1:1 with the sources, bad rows quarantined."""
