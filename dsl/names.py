"""Names: one spelling per name, so that every reader of a measure means the same thing by it."""
from __future__ import annotations

import unicodedata


def normal_name(name: str) -> str:
    """`name` in its NFKC form, the form Python gives identifiers: `ａ` (fullwidth) and `a` are one name."""
    return unicodedata.normalize("NFKC", str(name))  # a plain str, even for a str subclass such as a token
