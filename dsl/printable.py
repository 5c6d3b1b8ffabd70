"""Text from a case or a measure made safe to print: control characters shown as escapes, never obeyed."""
from __future__ import annotations

import re

# C0 and C1 controls (ESC starts terminal sequences; CR and BS overwrite what was printed), DEL, and the
# Unicode marks that reorder text on screen. Tab is harmless; newline is kept only where asked.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_NEWLINE = re.compile("[\n" + _CONTROL.pattern[1:])
_NAMES = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    char = match.group()
    return _NAMES.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def printable(text: str, newlines: bool = False) -> str:
    """`text` with every control character written as an escape (`\\x1b`); newlines kept when `newlines`."""
    return (_CONTROL if newlines else _CONTROL_OR_NEWLINE).sub(_escape, text)
