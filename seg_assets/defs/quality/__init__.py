"""Data-quality gate: Great Expectations suites run as blocking asset checks."""
