"""rulerun.interpreter: the engine (engine/), reading and writing (formats/), tools on the engine (tools/), the CLI and the language server."""
