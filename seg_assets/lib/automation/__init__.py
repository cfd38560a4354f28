"""Automation logic without Dagster: landing changes, drift episodes, the snapshot's state."""
