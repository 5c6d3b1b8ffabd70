"""Case data read from YAML (dates, decimals) as JSON data for the page."""
from __future__ import annotations

import datetime
from decimal import Decimal


def plain(value):
    """`value` with dates as YYYY-MM-DD and decimals as their exact text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
