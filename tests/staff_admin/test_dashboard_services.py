"""The same access rules when the dashboard, browser and export services are called directly (a
command or a later API reaches them without the routes), and the pure chart geometry."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from portal.kernel.settings import Settings
from staff_admin import access
from staff_admin.access import Forbidden, NotFound
from staff_admin.dashboard import ratings
from staff_admin.dashboard.charts import bar_chart, line_chart
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


def test_it_breaks_the_line_where_a_month_has_no_value_and_scales_bars() -> None:
    chart = line_chart([("a", 100.0), ("b", None), ("c", 25.0), ("d", 62.5)])
    bars = bar_chart([("1", 0), ("2", 5), ("3", 10), ("4", 5)])

    assert len(chart.segments) == 2
    assert chart.points[0].y == chart.plot_top and chart.points[2].y == chart.plot_bottom
    assert bars.bars[0].height == 0 and bars.bars[2].y == chart.plot_top
    assert [b.share for b in bars.bars] == [0.0, 25.0, 50.0, 25.0]
