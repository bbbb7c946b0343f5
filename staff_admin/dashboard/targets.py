"""The unit's IKM against its annual target on the dashboard: the semester and the year so far (up to
the end of the period shown), and the months of the year with their distance to the target, so the
trend toward it is visible; counters with a target of their own likewise for the year.

Semester and year are computed live from the ratings not excluded, with the regulation's formula,
like the monthly trend (a semester or year need not have been scored as a period of its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from portal.kernel.models import Counter
from scoring.periods import Period
from scoring.skm import ikm_from_sums, round_half_up
from staff_admin.dashboard.charts import MonthValue
from staff_admin.kit.tallies import Dims, Where, bucket_tallies
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


def _ikm(session: Session, where: Where, start: date, end: date, timezone: str) -> Decimal | None:
    """The IKM of the kept ratings matching `where` in [start, end] (local days), from the day
    rollups and the ratings beyond them (staff_admin.kit.tallies)."""
    bounds = Period(start, end, "").bounds(timezone)
    tallies = bucket_tallies(
        session, [bounds], timezone, (), lambda dims: [dims["excluded"].is_(False), *where(dims)]
    )
    tally = tallies.get((0,))
    return None if tally is None else ikm_from_sums(list(tally.sums), list(tally.counts))


def _achievement(
    session: Session,
    where: Where,
    label: str,
    span: tuple[date, date],
    target: Decimal | None,
    timezone: str,
) -> Achievement:
    ikm = _ikm(session, where, *span, timezone)
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

    def in_unit(dims: Dims) -> list[ColumnElement[bool]]:
        return [dims["unit"] == unit_id]

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
    counters = [
        CounterProgress(
            name,
            Decimal(str(value)).quantize(Decimal("0.01")),
            _achievement(
                session,
                lambda dims, counter_id=counter_id: [dims["counter"] == counter_id],
                str(year),
                (date(year, 1, 1), period_end),
                Decimal(str(value)),
                timezone,
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
        semester=_achievement(
            session, in_unit, semester_label, (semester_start, period_end), target, timezone
        ),
        whole_year=_achievement(
            session, in_unit, str(year), (date(year, 1, 1), period_end), target, timezone
        ),
        months=months,
        counters=counters,
        direction=_direction(months),
    )
