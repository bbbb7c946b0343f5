"""The parameter types of staff handlers, declared once. `Db`, `PortalDep` and `FormData` are
portal's (portal.kernel.deps); `PrincipalDep` is the signed-in staff member and `StaffDep` bundles
what most staff handlers work with (kit.area provides both)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from litestar.di import NamedDependency
from litestar.params import QueryParameter, SkipValidation
from sqlalchemy.orm import Session

from portal.kernel.deps import Db, FormData, PortalDep
from portal.kernel.web import Portal
from staff_admin.access import Principal

__all__ = [
    "Db",
    "FormData",
    "PeriodQuery",
    "PortalDep",
    "PrincipalDep",
    "StaffDep",
    "StaffRequest",
    "UnitQuery",
]


@dataclass(frozen=True)
class StaffRequest:
    """What a staff handler works with: the request's database session, the signed-in principal, the
    app's container (settings, clock), and sessions of their own for streamed exports. A handler
    marked `opt=REPLICA_READS` gets `db` and `sessions` on the hot standby when one is set."""

    db: Session
    principal: Principal
    portal: Portal
    sessions: Callable[[], Session]

    def now(self) -> datetime:
        return self.portal.clock()

    @property
    def timezone(self) -> str:
        """The office time zone that periods, days and listed times are in."""
        return self.portal.settings.period_timezone


PrincipalDep = NamedDependency[SkipValidation[Principal]]
StaffDep = NamedDependency[SkipValidation[StaffRequest]]
PeriodQuery = Annotated[str | None, QueryParameter(name="period")]
UnitQuery = Annotated[str | None, QueryParameter(name="unit")]
