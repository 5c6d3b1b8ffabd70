"""`python -m rulerun.interpreter.lsp`: the language server over standard input and output."""
from .server import serve

serve()
