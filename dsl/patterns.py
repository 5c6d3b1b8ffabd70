"""Regular expressions in measures: compiled once at load time and matched in linear time."""
from __future__ import annotations

import functools

import re2

#: Longest pattern accepted, in characters.
MAX_PATTERN = 200
#: Memory the compiled form of one pattern may take, in bytes: refuses `(a{999}){999}`-like blow-ups.
MAX_PATTERN_MEMORY = 1 << 20
_HINT = ("patterns use the RE2 syntax: no backreferences (`\\1`), lookahead or lookbehind (`(?=`, `(?<=`); "
         "see the regular expressions section of docs/language.md")


class PatternError(ValueError):
    """A pattern that rulerun refuses, with a hint."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


class Pattern:
    """A compiled pattern; matching takes time linear in the text, whatever the pattern."""

    __slots__ = ("text", "_regexp")

    def __init__(self, text: str, regexp):
        self.text = text
        self._regexp = regexp

    def fullmatch(self, value: str) -> bool:
        """Whether the whole of `value` matches."""
        try:
            return self._regexp.fullmatch(value) is not None
        except UnicodeEncodeError:
            # A lone surrogate (possible in JSON input) is not a character: match it as U+FFFD.
            return self._regexp.fullmatch(value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")) \
                is not None

    def __reduce__(self):
        return compile_pattern, (self.text,)

    def __repr__(self) -> str:
        return f"Pattern({self.text!r})"


def _options():
    options = re2.Options()
    options.log_errors = False  # the error is reported as a diagnostic, not logged to stderr
    options.never_capture = True  # only whether it matches is asked
    options.max_mem = MAX_PATTERN_MEMORY
    return options


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Pattern:
    """The compiled pattern for `pattern` (one object per text); PatternError when it is refused."""
    if len(pattern) > MAX_PATTERN:
        raise PatternError(f"pattern is {len(pattern)} characters; the limit is {MAX_PATTERN}",
                           "write a shorter pattern")
    try:
        return Pattern(pattern, re2.compile(pattern, _options()))
    except re2.error as error:
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason), _HINT) from None
