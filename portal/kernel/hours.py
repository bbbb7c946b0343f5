"""Counter opening hours, in the counter's local time zone (pure)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

# weekday (Monday = "0") -> list of ["HH:MM", "HH:MM"] local intervals
OpeningHours = dict[str, list[list[str]]]

STANDARD_OFFICE_HOURS: OpeningHours = {
    **{str(day): [["08:00", "15:00"]] for day in range(4)},
    "4": [["08:00", "11:30"], ["13:00", "15:00"]],  # Friday prayers
}


def _parse(clock: str) -> time:
    hours, minutes = clock.split(":")
    return time(int(hours), int(minutes))


def is_open(hours: OpeningHours, timezone: str, moment: datetime) -> bool:
    """True when `moment` (aware) falls in an opening interval [open, close) of its local weekday."""
    local = moment.astimezone(ZoneInfo(timezone))
    now = local.time().replace(tzinfo=None)
    return any(_parse(start) <= now < _parse(end) for start, end in hours.get(str(local.weekday()), []))


def validate_opening_hours(hours: object) -> OpeningHours:
    """Checks the JSON shape an admin enters; raises ValueError with a readable message."""
    if not isinstance(hours, dict):
        raise ValueError("opening hours must map weekday 0-6 to a list of [open, close] times")
    clean: OpeningHours = {}
    for day, intervals in hours.items():
        if str(day) not in {str(d) for d in range(7)}:
            raise ValueError(f"unknown weekday {day!r}; use 0 (Monday) to 6 (Sunday)")
        clean[str(day)] = []
        for interval in intervals:
            start, end = (_parse(str(part)) for part in interval)
            if end <= start:
                raise ValueError(f"closing time must be after opening time on weekday {day}")
            clean[str(day)].append([start.strftime("%H:%M"), end.strftime("%H:%M")])
    return clean
