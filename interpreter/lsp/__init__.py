"""`rulerun lsp`: the measure language understood by the editor, inside the YAML strings too."""
