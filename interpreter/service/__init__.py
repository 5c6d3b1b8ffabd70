"""`rulerun serve`: the decisions of the measures in a folder over HTTP (needs the `serve` extra)."""
