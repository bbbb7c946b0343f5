"""The SKM report's part of the demo (`rating-portal demo-casework`): each unit's people served per
month, entered as a unit head would from the register (a few times the ratings, so some units meet
their sample target and some do not), and for the demo unit head's unit a follow-up plan for the
month before last, partly carried out, and one for last month, so the report of last month shows
both on the day the demo is loaded. Through the services a person uses; idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.models import Rating, Unit
from scoring.db.models import ServiceVolume
from scoring.periods import parse_period
from staff_admin.access import Principal
from staff_admin.dashboard.results import ChosenRun, choose_run
from staff_admin.reports import plans, volumes
from staff_admin.reports.models import FollowUpAction
from staff_admin.reports.service import build_report

# People served per rating, by unit: a unit whose citizens rate often meets its target, one whose
# citizens rarely rate does not.
SERVED_PER_RATING = (2, 3, 5, 9, 14)
ACTIONS = {
    "u1": "Memasang papan daftar persyaratan di setiap loket dan di laman dinas.",
    "u2": "Menyederhanakan alur layanan menjadi satu pintu dan menempel bagannya di ruang tunggu.",
    "u3": "Menambah satu petugas pada jam sibuk (08.00-11.00) dan memantau waktu tunggu harian.",
    "u4": "Menempel tarif resmi dan pernyataan layanan gratis di setiap loket.",
    "u5": "Memeriksa ulang dokumen sebelum diserahkan kepada warga.",
    "u6": "Pelatihan teknis layanan untuk petugas baru.",
    "u7": "Pelatihan budaya pelayanan prima untuk semua petugas loket.",
    "u8": "Memperbaiki kursi ruang tunggu dan pendingin ruangan.",
    "u9": "Menanggapi setiap pengaduan dalam lima hari kerja dan mengumumkan nomor pengaduan.",
}


def enter_demo_volumes(
    session: Session, admin: Principal, months: list[str], timezone: str, clock: Callable[[], datetime]
) -> int:
    """The volume of each unit with ratings in each of `months` (labels), where none is entered yet."""
    entered = 0
    for label in months:
        period = parse_period(label)
        start, end = period.bounds(timezone)
        counts = session.execute(
            select(Unit.id, Unit.code, func.count(Rating.id))
            .join(Rating, Rating.unit_id == Unit.id)
            .where(Rating.submitted_at >= start, Rating.submitted_at < end)
            .group_by(Unit.id, Unit.code)
            .order_by(Unit.id)
        ).all()
        for unit_id, code, ratings in counts:
            if session.get(ServiceVolume, (unit_id, period.start)) is not None:
                continue
            factor = SERVED_PER_RATING[sum(map(ord, code)) % len(SERVED_PER_RATING)]
            values = {"unit": str(unit_id), "month": label, "people": str(ratings * factor)}
            volumes.enter_volume(session, admin, values, clock(), timezone)
            entered += 1
    return entered


def write_demo_plans(
    session: Session, head: Principal, earlier: str, latest: str, today: date, clock: Callable[[], datetime]
) -> int:
    """Plans of the head's own unit for `earlier` (partly carried out) and `latest`, if it has none."""
    unit_id = head.unit_id
    if unit_id is None or session.scalar(select(FollowUpAction.id).where(FollowUpAction.unit_id == unit_id)):
        return 0
    written = 0
    for label, due_in in ((earlier, 10), (latest, 30)):
        run = choose_run(session, label)
        if not isinstance(run, ChosenRun):
            continue
        report = build_report(session, head, run, unit_id, clock(), run.timezone)
        for rank, row in enumerate(report.weakest[:2]):
            values = {
                "element": row.element,
                "action": ACTIONS[row.element],
                "responsible": "Kepala Seksi Pelayanan" if rank == 0 else "Koordinator Loket",
                "due": (today + timedelta(days=due_in + 14 * rank)).isoformat(),
            }
            action_id = plans.add_action(session, head, unit_id, run.key, run.label, values, clock())
            written += 1
            if label == earlier:
                state = {"state": "done", "state_note": "Selesai; dipantau setiap minggu."}
                if rank:
                    state = {"state": "in_progress", "state_note": "Jadwal pelatihan sudah disusun."}
                plans.update_action(session, head, str(action_id), state, clock())
    return written
