"""The bias audit of a period's stored scoring run (scoring.audit, stored by `rating-portal score`):
officers' scores compared across gender, age band and channel. HR and admins only: the groups are
small and, with the NIPs at hand, close to naming people."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.citizen.forms import N_
from scoring.audit import DIMENSIONS
from scoring.db.models import BiasAuditResult, ScoringRun
from staff_admin.access import ADMIN, HR, Principal, require_role
from staff_admin.dashboard.labels import CHANNEL_NAMES
from staff_admin.periods.service import get_period

DIMENSION_NAMES = {"gender": N_("Gender"), "age_band": N_("Age"), "channel": N_("Main channel")}
GROUP_NAMES = {
    "female": N_("Women"),
    "male": N_("Men"),
    "<30": N_("Under 30"),
    "30-39": N_("30 to 39"),
    "40-49": N_("40 to 49"),
    "50+": N_("50 and over"),
    **CHANNEL_NAMES,
}


@dataclass(frozen=True)
class AuditGroup:
    dimension: str  # msgid
    group: str  # msgid
    officers: int
    gap: float | None
    gap_low: float | None
    gap_high: float | None
    flagged: bool


@dataclass(frozen=True)
class BiasAuditPage:
    period_id: int
    period_label: str
    scored: bool  # the period has a stored run
    adjusted: bool  # the audited score is the adjusted one (SKP_SCORE=adjusted when scored)
    groups: list[AuditGroup]  # empty for a run scored before the audit existed

    @property
    def flagged(self) -> list[AuditGroup]:
        return [group for group in self.groups if group.flagged]

    @property
    def sections(self) -> list[tuple[str, list[AuditGroup]]]:
        """The groups per dimension (msgid), in the audit's order."""
        sections: dict[str, list[AuditGroup]] = {}
        for group in self.groups:
            sections.setdefault(group.dimension, []).append(group)
        return list(sections.items())


def bias_audit_page(session: Session, principal: Principal, period_id: int) -> BiasAuditPage:
    require_role(principal, ADMIN, HR)
    period = get_period(session, principal, period_id)
    if period.scoring_run_id is not None:  # closed: the frozen run
        run = session.get(ScoringRun, period.scoring_run_id)
    else:
        run = session.scalar(select(ScoringRun).where(ScoringRun.period_key == period.key))
    if run is None:
        return BiasAuditPage(period.id, period.label, False, False, [])
    rows = session.scalars(select(BiasAuditResult).where(BiasAuditResult.run_id == run.id)).all()
    order = [(d, g) for d, groups in DIMENSIONS.items() for g in groups]
    rows = sorted(
        rows,
        key=lambda r: (
            order.index((r.dimension, r.group_name)) if (r.dimension, r.group_name) in order else len(order)
        ),
    )
    groups = [
        AuditGroup(
            dimension=DIMENSION_NAMES.get(row.dimension, row.dimension),
            group=GROUP_NAMES.get(row.group_name, row.group_name),
            officers=row.officers,
            gap=row.gap,
            gap_low=row.gap_low,
            gap_high=row.gap_high,
            flagged=row.flagged,
        )
        for row in rows
    ]
    adjusted = (run.params or {}).get("skp_score") == "adjusted"
    return BiasAuditPage(period.id, period.label, True, adjusted, groups)
