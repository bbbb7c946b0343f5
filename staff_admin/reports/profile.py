"""The respondents' profile in a report: how many of the ratings a run kept gave each answer to the
optional profile questions (portal.kernel.profile), in aggregate only.

A group smaller than MIN_GROUP is never shown as a number (it reads "< 5"), and no per-question total
or "not given" count is shown, from which a small group could be worked back out."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from portal.kernel.models import Rating
from portal.kernel.profile import PROFILE_QUESTIONS
from staff_admin.dashboard.kept import kept
from staff_admin.dashboard.results import ChosenRun

MIN_GROUP = 5


@dataclass(frozen=True)
class ProfileGroup:
    label: str  # msgid
    count: int | None  # None: fewer than MIN_GROUP (shown "< 5")


@dataclass(frozen=True)
class ProfileQuestionFigures:
    label: str  # msgid
    groups: list[ProfileGroup]


def shown(count: int) -> int | None:
    return count if count >= MIN_GROUP else None


def respondent_profile(
    session: Session, run: ChosenRun, where: ColumnElement[bool]
) -> list[ProfileQuestionFigures]:
    """Each profile question with each of its answers, in the questionnaire's order."""
    figures = []
    for question in PROFILE_QUESTIONS:
        column = getattr(Rating, question.field)
        counts = dict(
            session.execute(
                select(column, func.count()).where(*kept(run), where, column.is_not(None)).group_by(column)
            ).all()
        )
        groups = [ProfileGroup(label, shown(counts.get(code, 0))) for code, label in question.choices]
        figures.append(ProfileQuestionFigures(question.label, groups))
    return figures
