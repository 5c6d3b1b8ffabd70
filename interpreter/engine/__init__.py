"""The engine: lower a checked measure, evaluate it (traced closures or generated code), assemble decisions."""
