"""Names: one spelling per name, so that every reader of a measure means the same thing by it."""
from __future__ import annotations

import unicodedata


def normal_name(name: str) -> str:
    """`name` in its NFKC form, the form Python gives identifiers: `ａ` (fullwidth) and `a` are one name."""
    return unicodedata.normalize("NFKC", str(name))  # a plain str, even for a str subclass such as a token


def did_you_mean(name: str, candidates) -> str | None:
    """A 'did you mean' hint for `name` among `candidates`, or None."""
    import difflib  # only when something is misspelt
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
