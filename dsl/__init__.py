"""rulerun.dsl: the measure language — grammar, AST, types, checking and loading."""
