"""Case facts as JSON writes them: dates and decimals as text, inside dicts and lists too (shared by the tests)."""
from __future__ import annotations

import datetime
from decimal import Decimal


def as_json_values(value):
    """`value` with every date (YYYY-MM-DD) and Decimal made text, as a JSON Lines record gives them."""
    if isinstance(value, dict):
        return {k: as_json_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json_values(v) for v in value]
    if isinstance(value, (datetime.date, Decimal)):
        return str(value)
    return value
