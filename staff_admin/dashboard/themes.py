"""Comment themes of one unit in a scored period, for the unit dashboard: the themes stored with the
period's run (scoring/db/themes.py), largest first, "other" last.

A theme's examples are citizens' own words, which could identify them to the officer they rated: only
admins, HR and unit heads (for their units) see them, and officers cannot open this at all."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring.db.models import CommentTheme
from staff_admin.access import ADMIN, HR, UNIT_HEAD, Principal, require_role, require_unit

EXAMPLE_ROLES = frozenset({ADMIN, HR, UNIT_HEAD})


@dataclass(frozen=True)
class ThemeFigure:
    label: str  # "" for the comments that fit no theme
    other: bool
    count: int
    low_percent: float  # of the theme's comments, the share with an overall rating of 1 or 2, in %
    examples: tuple[str, ...]


def unit_themes(session: Session, principal: Principal, run_id: int, unit_id: int) -> list[ThemeFigure]:
    require_role(principal, ADMIN, HR, UNIT_HEAD)
    require_unit(principal, unit_id)
    examples = principal.role in EXAMPLE_ROLES
    rows = session.scalars(
        select(CommentTheme)
        .where(CommentTheme.run_id == run_id, CommentTheme.unit_id == unit_id)
        .order_by(CommentTheme.rank)
    )
    return [
        ThemeFigure(
            label=row.label,
            other=row.is_other,
            count=row.n_comments,
            low_percent=100.0 * row.low_share,
            examples=tuple(str(text) for text in row.examples) if examples else (),
        )
        for row in rows
    ]
