"""The same access rules when the dashboard, browser and export services are called directly (a
command or a later API reaches them without the routes), and the pure parts: chart geometry, the
element report's figures and the officers' trend."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from portal.kernel.settings import Settings
from staff_admin import access
from staff_admin.access import Forbidden, NotFound
from staff_admin.dashboard import ratings
from staff_admin.dashboard.charts import BAR_TOP, FONT_SIZE, MonthValue, bar_chart, line_chart
from staff_admin.dashboard.elements import element_report
from staff_admin.dashboard.officers import EarlierRun, HistoryPoint, direction
from staff_admin.dashboard.service import dashboard, trend_months
from staff_admin.models import User
from tests.conftest import FakeClock
from tests.staff_admin.conftest import World
from tests.staff_admin.dashboard_world import rate, score

TODAY = date(2026, 3, 2)


def _principal(db: Session, username: str) -> access.Principal:
    return access.principal_for(db, db.scalar(select(User).where(User.username == username)))


def test_it_enforces_roles_and_scope_in_the_services(
    world: World, db: Session, settings: Settings, clock: FakeClock
) -> None:
    rated = rate(db, world)
    score(db, settings, clock)
    officer, head_a = _principal(db, "officer"), _principal(db, "head_a")
    sessions = sessionmaker(bind=db.get_bind())

    with pytest.raises(Forbidden):
        dashboard(db, officer, None, None, TODAY)
    with pytest.raises(Forbidden):
        ratings.browse(db, officer, {}, "Asia/Jakarta", "en")
    with pytest.raises(Forbidden):
        ratings.export(sessions, officer, {}, "Asia/Jakarta")
    with pytest.raises(NotFound):
        dashboard(db, head_a, None, str(world.unit_b.id), TODAY)
    with pytest.raises(NotFound):
        ratings.browse(db, head_a, {"counter": str(rated.counter_b.id)}, "Asia/Jakarta", "en")
    with pytest.raises(NotFound):
        ratings.export(sessions, head_a, {"officer": str(world.colleague.id)}, "Asia/Jakarta")
    page = dashboard(db, head_a, None, None, TODAY)
    assert {u.name for u in page.units} == {"Dinas Alpha", "Seksi Alpha Satu"}


def test_it_lists_the_twelve_months_up_to_the_period() -> None:
    months = trend_months(date(2026, 2, 28))

    assert [m.label for m in months][:2] == ["2025-03", "2025-04"]
    assert months[-1].label == "2026-02" and months[-1].end == date(2026, 2, 28)
    assert months[-3].label == "2025-12" and months[-3].end == date(2025, 12, 31)


def _months(*values: float | None) -> list[MonthValue]:
    first = date(2025, 11, 1)
    months = [
        date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        for i in range(len(values))
    ]
    return [
        MonthValue(month, value, 0 if value is None else 10)
        for month, value in zip(months, values, strict=True)
    ]


def test_it_breaks_the_line_where_a_month_has_no_value_and_scales_bars() -> None:
    chart = line_chart(_months(100.0, None, 25.0, 62.5))
    bars = bar_chart([("1", 0), ("2", 5), ("3", 10), ("4", 5)])

    assert len(chart.segments) == 2
    assert chart.points[0].y == chart.plot_top and chart.points[2].y == chart.plot_bottom
    assert bars.bars[0].height == 0 and bars.bars[2].y == BAR_TOP
    assert [b.share for b in bars.bars] == [0.0, 25.0, 50.0, 25.0]
    assert [p.show_year for p in chart.points] == [True, False, True, False]  # the first month, January


@pytest.mark.parametrize("count", [1, 2, 6, 12])
def test_it_keeps_every_axis_label_inside_the_drawing(count: int) -> None:
    """Widths as DejaVu Sans draws them (digits 0.64 em, letters up to 0.72 em): the month's short
    name (at most 3 letters), the year under it, and the tick labels left of the plot."""
    chart = line_chart(_months(*([80.0] * count)))
    em = FONT_SIZE

    for point in chart.points:
        half = max(3 * 0.72 * em, 4 * 0.64 * em) / 2
        assert point.x - half >= 0 and point.x + half <= chart.width
    widest_tick = 4 * 0.64 * em + 0.32 * em  # 76.61 / 76,61
    assert chart.plot_left - 5 - widest_tick >= 0
    assert chart.plot_bottom + 31 + 0.25 * em <= chart.height  # the year line, with its descent


def test_it_reports_the_elements_weakest_first_with_the_regulations_figures() -> None:
    nrrs = [Fraction(7, 2), 3.1666666666666665, Fraction(2), Fraction(11, 3), 3.5, None, 3.17, 2.5, 3.8]

    report = element_report("Loket", 7, nrrs, 6)

    assert [row.element for row in report.rows] == ["u3", "u8", "u2", "u7", "u1", "u5", "u4", "u9", "u6"]
    u2 = next(row for row in report.rows if row.element == "u2")
    assert (u2.nrr, u2.weighted, u2.converted) == (Decimal("3.17"), Decimal("0.352"), Decimal("79.17"))
    assert report.rows[-1].nrr is None and report.ikm is None and report.mutu == ""  # U6 unanswered
    complete = element_report("Unit", None, [Fraction(7, 2)] * 9, 4)
    assert (complete.weighted_total, complete.ikm, complete.mutu) == (
        Decimal("3.5000"),
        Decimal("87.50"),
        "B",
    )
    assert element_report("x", None, [3.345] * 9, 1).rows[0].nrr == Decimal("3.35")  # as printed, half up


def test_it_reads_a_trend_from_the_latest_earlier_score() -> None:
    month = EarlierRun(1, "2026-02", date(2026, 2, 1))
    quarter = EarlierRun(2, "2026-Q1", None)

    assert direction([HistoryPoint(month, 80.0)], 77.99) == "falling"
    assert direction([HistoryPoint(month, 80.0)], 78.01) == "steady"
    assert direction([HistoryPoint(month, 80.0)], 82.0) == "rising"
    assert direction([HistoryPoint(month, 70.0), HistoryPoint(quarter, None)], 75.0) == "rising"
    assert direction([HistoryPoint(month, None)], 75.0) == "" and direction([], 75.0) == ""
