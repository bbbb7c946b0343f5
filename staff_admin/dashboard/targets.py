"""The unit's IKM against its annual target on the dashboard: the semester and the year so far (up to
the end of the period shown), and the months of the year with their distance to the target, so the
trend toward it is visible; counters with a target of their own likewise for the year.

Semester and year are computed live from the ratings not excluded, with the regulation's formula,
like the monthly trend (a semester or year need not have been scored as a period of its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.models import Counter
from scoring.periods import Period
from scoring.skm import ikm_from_sums, round_half_up
from staff_admin.dashboard.charts import MonthValue
from staff_admin.kit.tallies import Tally, bucket_tallies
from staff_admin.targets.models import UnitTarget
from staff_admin.targets.service import unit_target


@dataclass(frozen=True)
class Achievement:
    label: str  # 2026-S1, 2026
    start: date
    end: date  # the last day counted (the period's end at the latest)
    ikm: Decimal | None
    percent: Decimal | None  # IKM / target x 100
    met: bool


@dataclass(frozen=True)
class MonthGap:
    month: date
    ikm: float | None
    gap: Decimal | None  # IKM minus target (negative: below it)


@dataclass(frozen=True)
class CounterProgress:
    name: str
    target: Decimal
    year: Achievement


@dataclass(frozen=True)
class TargetProgress:
    year: int
    target: Decimal | None  # None: no target set for the year (the page says where to set one)
    semester: Achievement | None
    whole_year: Achievement | None
    months: list[MonthGap]
    counters: list[CounterProgress]
    direction: str  # "toward", "away", "steady" or "" (the last two months with an IKM)


def _percent(ikm: Decimal | None, target: Decimal | None) -> Decimal | None:
    if ikm is None or not target:
        return None
    return round_half_up(Fraction(ikm) / Fraction(target) * 100, 2)


def _achievement(label: str, span: tuple[date, date], tally: Tally, target: Decimal | None) -> Achievement:
    ikm = ikm_from_sums(list(tally.sums), list(tally.counts)) if tally.n else None
    percent = _percent(ikm, target)
    return Achievement(label, *span, ikm, percent, percent is not None and percent >= 100)


def _direction(months: list[MonthGap]) -> str:
    gaps = [m.gap for m in months if m.gap is not None]
    if len(gaps) < 2:
        return ""
    before, last = gaps[-2], gaps[-1]
    if abs(last - before) < 1:
        return "steady"
    return "toward" if abs(last) < abs(before) or last >= 0 > before else "away"


def target_progress(
    session: Session, unit_id: int, period_end: date, timezone: str, monthly: list[MonthValue]
) -> TargetProgress:
    """`monthly`: the dashboard's monthly IKM series (its months of the target's year are used)."""
    year = period_end.year
    target = unit_target(session, unit_id, year)

    first_half = period_end.month <= 6
    semester_start = date(year, 1 if first_half else 7, 1)
    semester_label = f"{year}-S{1 if first_half else 2}"
    months = [
        MonthGap(
            m.month,
            m.value,
            None if m.value is None or target is None else round_half_up(m.value, 2) - target,
        )
        for m in monthly
        if m.month.year == year
    ]
    # The kept ratings of the year so far per counter, before and within the semester: one read
    # gives the semester, the year and each counter's year.
    year_start = date(year, 1, 1)
    spans = [(year_start, semester_start - timedelta(days=1)), (semester_start, period_end)]
    spans = [(first, last) for first, last in spans if first <= last]
    tallies = bucket_tallies(
        session,
        [Period(first, last, "").bounds(timezone) for first, last in spans],
        timezone,
        ("counter",),
        lambda dims: [dims["unit"] == unit_id, dims["excluded"].is_(False)],
    )
    semester_bucket = len(spans) - 1
    semester, whole_year, per_counter = Tally.empty(), Tally.empty(), {}
    for (bucket, counter_id), tally in tallies.items():
        whole_year += tally
        per_counter[counter_id] = per_counter.get(counter_id, Tally.empty()) + tally
        if bucket == semester_bucket:
            semester += tally
    year_span = (year_start, period_end)
    counters = [
        CounterProgress(
            name,
            Decimal(str(value)).quantize(Decimal("0.01")),
            _achievement(
                str(year), year_span, per_counter.get(counter_id, Tally.empty()), Decimal(str(value))
            ),
        )
        for counter_id, name, value in session.execute(
            select(Counter.id, Counter.name, UnitTarget.ikm_target)
            .join(UnitTarget, UnitTarget.counter_id == Counter.id)
            .where(Counter.unit_id == unit_id, UnitTarget.year == year)
            .order_by(Counter.name)
        )
    ]
    return TargetProgress(
        year=year,
        target=target,
        semester=_achievement(semester_label, (semester_start, period_end), semester, target),
        whole_year=_achievement(str(year), year_span, whole_year, target),
        months=months,
        counters=counters,
        direction=_direction(months),
    )
