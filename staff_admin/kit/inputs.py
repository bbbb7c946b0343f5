"""What every staff form and import accepts (issue 21): no control characters in text, and dates
within the days the portal knows (scoring.periods.FIRST_DAY..LAST_DAY). Each refusal is a Problem
naming the field, so the form is shown again with the message beside it and nothing is written."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

from portal.citizen.forms import N_
from portal.kernel.text import has_control_character
from scoring.periods import FIRST_DAY, LAST_DAY
from staff_admin.kit.problems import Problem

CONTROL_CHARACTER = N_(
    "Remove the control character (such as a tab, line break or vertical tab, often pasted with the "
    "text) from this field."
)
DAY_FORMAT = N_("Write the date as YYYY-MM-DD.")
DAY_RANGE = N_("Write a date between %(first)s and %(last)s.")
DAY_RANGE_PARAMS = {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
# scoring.periods raises PeriodOutOfRange for these
PERIOD_RANGE = N_("“%(value)s” is not a period between %(first)s and %(last)s.")
PERIOD_RANGE_PARAMS = {"first": str(FIRST_DAY.year), "last": str(LAST_DAY.year)}


def control_character_problems(
    values: Mapping[str, str], multiline: Collection[str] = (), row: int | None = None
) -> list[Problem]:
    """A problem for each field holding a control character (tab and line breaks are allowed in the
    `multiline` fields only)."""
    return [
        Problem(name, CONTROL_CHARACTER, row=row)
        for name, value in values.items()
        if has_control_character(value, multiline=name in multiline)
    ]


def day_problem(text: str, column: str, row: int | None = None) -> tuple[date | None, Problem | None]:
    """(the day, None) for a date such as 2026-03-02 between FIRST_DAY and LAST_DAY, else (None, why)."""
    try:
        day = date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None, Problem(column, DAY_FORMAT, row=row)
    if not FIRST_DAY <= day <= LAST_DAY:
        return None, Problem(column, DAY_RANGE, dict(DAY_RANGE_PARAMS), row=row)
    return day, None


def parse_day(text: str) -> date | None:
    return day_problem(text, "")[0]
