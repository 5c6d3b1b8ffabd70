"""rulerun.schemas: JSON Schemas for measure and case files."""
