"""The SQL back-end: a checked measure's decision plan as one DuckDB query, for bulk screening."""
