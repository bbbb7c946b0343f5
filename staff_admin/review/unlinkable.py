"""What an officer may know of the ratings they received (pure): never which citizen gave which.

The officer served each citizen minutes before the rating; its minute (or its place in a list sorted
by time, or its sequential id) would tell who gave the 2/4. So an officer sees their ratings by day,
never the time of day, and a day only once it holds at least MIN_RATINGS_PER_DAY ratings; the ratings
of smaller days fold into their week (Monday to Sunday). A group is shown once its day or week is
over: a page refreshed after each citizen would otherwise show which rating just came in. Within a
group the order is that of an opaque reference (a keyed hash of the rating id), which also names a
rating in its page's address and in a contest. Unit heads and HR, who decide appeals, keep the full
view."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from portal.kernel.security import keyed_hash

MIN_RATINGS_PER_DAY = 5
REFERENCE_CHARS = 16  # hex: 64 bits, no collision among one officer's ratings in practice
_REFERENCE = re.compile(rf"^[0-9a-f]{{{REFERENCE_CHARS}}}$")


def rating_reference(secret_key: str, rating_id: int) -> str:
    return keyed_hash(secret_key, "officer-rating", str(rating_id))[:REFERENCE_CHARS]


def looks_like_reference(text: str) -> bool:
    return bool(_REFERENCE.match(text))


@dataclass(frozen=True, order=True)
class When:
    """The finest time an officer sees of a rating: a day, or the week starting on `first_day`."""

    first_day: date
    kind: str  # "day" | "week"

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=0 if self.kind == "day" else 6)

    def is_over(self, today: date) -> bool:
        return self.last_day < today


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def newest_first(whens: Iterable[When]) -> list[When]:
    """The newest week first; in a week its busy days, newest first, then its quieter days together."""
    return sorted(whens, key=lambda w: (week_of(w.first_day), w.kind == "day", w.first_day), reverse=True)


def when_for_days(days: Mapping[int, date]) -> dict[int, When]:
    """Each rating's group, given every rating's local day (rating id -> day) of one officer."""
    per_day = Counter(days.values())
    return {rating_id: when_for_day(day, per_day[day]) for rating_id, day in days.items()}


def when_for_day(day: date, ratings_that_day: int) -> When:
    return When(day, "day") if ratings_that_day >= MIN_RATINGS_PER_DAY else When(week_of(day), "week")
