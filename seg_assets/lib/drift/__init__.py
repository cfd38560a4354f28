"""Drift statistics of features and segments against the model's training month."""
