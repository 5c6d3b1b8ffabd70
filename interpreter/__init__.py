"""rulerun.interpreter: evaluation of checked measures, decisions, traces and the CLI."""
