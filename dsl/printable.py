"""Text from a case or a measure made safe to print: control characters shown as escapes, never obeyed."""
from __future__ import annotations

import re

# C0 and C1 controls (ESC starts terminal sequences; CR and BS overwrite what was printed; tab shifts
# what follows), DEL, the Unicode line and paragraph separators (they start a line, as a line feed
# does), the marks that reorder text on screen, and the invisible ones (zero-width space, joiners,
# word joiner, byte order mark) that make two different texts look alike. Newline is kept only where asked.
_CONTROL = re.compile("[\x00-\x08\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]")
_CONTROL_OR_NEWLINE = re.compile("[\n" + _CONTROL.pattern[1:])
_NAMES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    return _NAMES.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def printable(text: str, newlines: bool = False) -> str:
    """`text` with every control character written as an escape (`\\x1b`); newlines kept when `newlines`."""
    return (_CONTROL if newlines else _CONTROL_OR_NEWLINE).sub(_escape, text)
