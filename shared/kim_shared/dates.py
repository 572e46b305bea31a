"""Calendar dates people type into requests.

``IsoDate`` accepts only ``YYYY-MM-DD`` (no timestamps, no week dates) between
:data:`EARLIEST` and :data:`LATEST`: a founding date, a term or an evaluation
period outside those years is a typo, and keeping far from ``date.max`` means
the services' day arithmetic (``ends_on + 1 day``) can never overflow.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Final

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

EARLIEST: Final = date(1900, 1, 1)
LATEST: Final = date(2100, 12, 31)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DOCUMENTED = r"^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
"""The years from EARLIEST to LATEST, for the OpenAPI document (JSON Schema has no date
bounds): a client sees the range it would otherwise only learn from a 422. Months and days
are spelt out too, so that a generator drawing from the pattern mostly draws real dates."""


def _iso_text(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value  # pydantic checks that the day exists
    raise ValueError("must be a date written YYYY-MM-DD")


def _within_years(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    return value


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_text),
    AfterValidator(_within_years),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": _DOCUMENTED,
            "description": f"YYYY-MM-DD, from {EARLIEST.isoformat()} to {LATEST.isoformat()}.",
        }
    ),
]
