"""The HR export of a closed period: one row per officer, as CSV (UTF-8 with BOM, ISO dates) or
XLSX (real date cells, number formats, bold frozen header).

Names, NIPs and units come from the snapshot taken when the period closed (period_snapshot_rows), the
figures from the frozen run: renaming or moving someone later changes nothing in a closed period's file.
Enumerations are Indonesian codes, like the SKP categories they carry: `sufficient` is `ya` or
`tidak`; an officer below the minimum of usable ratings has `tidak`, category `belum_cukup_penilaian`
and no score or interval, never a bare number. Exclusions are one readable cell, "burst: 3; sabotage: 1"
(the detector's reason codes, identifiers shared with flags.csv), beside the total: each excluded
rating is counted once, under its first excluding reason (or "manual" when a reviewer excluded it), so
the counts add up to excluded_total. score_adjusted is the score adjusted for channel and counter mix
(docs/scoring.md); skp_category is decided on the score SKP_SCORE names. The last columns carry the
recognition and development signals, the IKI (target, realisation, achievement, category, Nilai
Capaian IKI) and the unit's IKM against its annual target (staff_admin.recognition.standings).
Text cells starting with = + - @ (or tab, CR) get a leading single quote (staff_admin.kit.exports),
so nothing a person typed into a name can run as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from portal.citizen.forms import N_
from scoring.db.models import OfficerResult, UnitResult
from staff_admin.access import Principal
from staff_admin.kit.exports import neutralise
from staff_admin.kit.listing import local_time
from staff_admin.kit.problems import invalid
from staff_admin.periods.models import PeriodSnapshotRow
from staff_admin.periods.service import get_period
from staff_admin.recognition.standings import EXPORT_COLUMNS, EXPORT_DECIMALS, export_cells, standings

COLUMNS = (
    "nip",
    "name",
    "unit_code",
    "unit_name",
    "period",
    "period_start",
    "period_end",
    "ratings_received",
    "excluded_total",
    "excluded_by_reason",
    "used",
    "score",
    "score_low",
    "score_high",
    "score_adjusted",
    "sufficient",
    "skp_category",
    "unit_ikm",
    "unit_grade",
    "detector_version",
    "input_hash",
    "closed_at",
    *EXPORT_COLUMNS,  # recognition, development, IKI and targets (staff_admin.recognition.standings)
)
DECIMAL_COLUMNS = (
    frozenset({"score", "score_low", "score_high", "score_adjusted", "unit_ikm"}) | EXPORT_DECIMALS
)
DATE_COLUMNS = frozenset({"period_start", "period_end", "closed_at"})
SUFFICIENT = {True: "ya", False: "tidak"}
# The SKP categories as scoring.aggregate names them, with the one English code made Indonesian.
INSUFFICIENT = "belum_cukup_penilaian"
SKP_CATEGORIES = ("di_atas_ekspektasi", "sesuai_ekspektasi", "di_bawah_ekspektasi", INSUFFICIENT)


@dataclass(frozen=True)
class Export:
    filename_stem: str
    rows: list[dict[str, Any]]


def _reasons_cell(by_reason: dict[str, int]) -> str:
    return "; ".join(f"{code}: {count}" for code, count in sorted(by_reason.items()) if count)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _category(result: OfficerResult) -> str:
    if not result.sufficient or result.category not in SKP_CATEGORIES:
        return INSUFFICIENT
    return result.category


def period_export(session: Session, principal: Principal, period_id: int, timezone: str) -> Export:
    """The rows of a closed period's export; `timezone` gives the local day it was closed."""
    period = get_period(session, principal, period_id)  # HR and admin only
    if period.status != "closed" or period.scoring_run_id is None:
        raise invalid("", N_("Only a closed period can be exported. Score and close the period first."))
    unit_result = aliased(UnitResult)
    snapshot = PeriodSnapshotRow
    rows = session.execute(
        select(
            OfficerResult,
            snapshot.nip,
            snapshot.name,
            snapshot.unit_code,
            snapshot.unit_name,
            unit_result.ikm,
            unit_result.mutu,
        )
        .join(
            snapshot,
            (snapshot.period_id == period.id)
            & (snapshot.employee_id == OfficerResult.employee_id)
            & (snapshot.unit_id == OfficerResult.unit_id),
        )
        .outerjoin(
            unit_result,
            (unit_result.run_id == OfficerResult.run_id) & (unit_result.unit_id == OfficerResult.unit_id),
        )
        .where(OfficerResult.run_id == period.scoring_run_id)
        .order_by(snapshot.unit_code, snapshot.name, snapshot.nip)
    ).all()
    closed_on = local_time(period.closed_at, timezone).date() if period.closed_at else None
    signals = {(row.employee_id, row.unit_id): export_cells(row) for row in standings(session, period)}
    out = []
    for result, nip, name, unit_code, unit_name, unit_ikm, unit_grade in rows:
        sufficient = bool(result.sufficient)
        out.append(
            {
                "nip": nip,
                "name": name,
                "unit_code": unit_code,
                "unit_name": unit_name,
                "period": period.label,
                "period_start": period.start_date,
                "period_end": period.end_date,
                "ratings_received": result.n_ratings,
                "excluded_total": result.n_excluded,
                "excluded_by_reason": _reasons_cell(result.excluded_by_reason or {}),
                "used": result.n_used,
                "score": _round(result.score) if sufficient else None,
                "score_low": _round(result.score_low) if sufficient else None,
                "score_high": _round(result.score_high) if sufficient else None,
                "score_adjusted": _round(result.score_adjusted) if sufficient else None,
                "sufficient": SUFFICIENT[sufficient],
                "skp_category": _category(result),
                "unit_ikm": _round(unit_ikm),
                "unit_grade": unit_grade,
                "detector_version": period.detector_version,
                "input_hash": period.input_hash,
                "closed_at": closed_on,
                **signals[(result.employee_id, result.unit_id)],
            }
        )
    stem = "scores_" + period.label.replace("..", "_to_").replace("/", "-")
    return Export(stem, out)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralise(value)


def to_csv(export: Export) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in export.rows:
        writer.writerow([_csv_value(row[column]) for column in COLUMNS])
    return text.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def to_xlsx(export: Export) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "scores"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in export.rows:
        sheet.append([neutralise(row[column]) for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        number_format = (
            "yyyy-mm-dd" if column in DATE_COLUMNS else "0.00" if column in DECIMAL_COLUMNS else None
        )
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        if column in ("nip", "input_hash"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.data_type, cell.number_format = "s", "@"  # long digit strings stay text
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, len(column) + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
