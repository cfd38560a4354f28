"""Benchmark harness: full and incremental refresh at scale against bare DuckDB and pandas."""
