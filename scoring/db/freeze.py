"""A hook for freezing a period's results: before `store.score_period` replaces a period's run it
asks every registered check, and a check raises `ResultsFrozen` to refuse (the staff area does so
once HR closed the period). The scoring shell knows nothing of who registers; light to import."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

FreezeCheck = Callable[[Session, str], None]  # (session, period key) -> None, or raise ResultsFrozen
_checks: list[FreezeCheck] = []


class ResultsFrozen(Exception):
    """The period's stored results may not be replaced; the message says why, for people."""


def register(check: FreezeCheck) -> None:
    if check not in _checks:
        _checks.append(check)


def refuse_if_frozen(session: Session, period_key: str) -> None:
    for check in _checks:
        check(session, period_key)
