"""The parameter types of staff handlers, declared once. `Db`, `PortalDep` and `FormData` are
portal's (portal.kernel.deps); `PrincipalDep` is the signed-in staff member (kit.area provides it)."""

from __future__ import annotations

from typing import Annotated

from litestar.di import NamedDependency
from litestar.params import QueryParameter, SkipValidation

from portal.kernel.deps import Db, FormData, PortalDep
from staff_admin.access import Principal

__all__ = ["Db", "FormData", "PeriodQuery", "PortalDep", "PrincipalDep", "UnitQuery"]

PrincipalDep = NamedDependency[SkipValidation[Principal]]
PeriodQuery = Annotated[str | None, QueryParameter(name="period")]
UnitQuery = Annotated[str | None, QueryParameter(name="unit")]
