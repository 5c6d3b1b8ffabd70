"""Regular expressions in measures: compiled at load time, refused when they could backtrack badly."""
from __future__ import annotations

import re

#: Longest pattern accepted, in characters.
MAX_PATTERN = 200
#: A quantified group that itself contains a quantifier: `(a+)+`, `(a|aa)*`, `(\w*)+` backtrack badly.
_NESTED = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")
_ALTERNATION_REPEATED = re.compile(r"\((?:[^()\\]|\\.)*\|(?:[^()\\]|\\.)*\)\s*[+*{]")


class PatternError(ValueError):
    """A pattern that rulerun refuses, with a hint."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


def compile_pattern(pattern: str) -> re.Pattern:
    """Compile a measure's pattern, refusing ones prone to catastrophic backtracking."""
    if len(pattern) > MAX_PATTERN:
        raise PatternError(f"pattern is {len(pattern)} characters; the limit is {MAX_PATTERN}")
    if _NESTED.search(pattern) or _ALTERNATION_REPEATED.search(pattern):
        raise PatternError("a repeated group that contains a repetition or an alternative can take "
                           "exponential time", "write the repetition once, e.g. `[A-Z]+` instead of `([A-Z]+)+`")
    try:
        return re.compile(pattern)
    except re.error as error:
        raise PatternError(str(error), "see the regular expressions section of docs/language.md") from None
