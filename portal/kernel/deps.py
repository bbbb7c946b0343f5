"""The handler parameter types every package's routes share, declared once: the request's database
session, the app's `Portal` container and a urlencoded form body. Dependencies are provided by name
(app.py registers `db`, `reads` and `portal`); `SkipValidation` because they are our own objects, not
input. `reads` is the session of a handler that only reads: the hot standby's when the handler is
marked `opt=REPLICA_READS` and READ_DATABASE_URL is set, else `db` itself (portal.kernel.replica)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, SkipValidation
from sqlalchemy.orm import Session

from portal.kernel.web import Portal

Db = NamedDependency[SkipValidation[Session]]
Reads = NamedDependency[SkipValidation[Session]]
PortalDep = NamedDependency[SkipValidation[Portal]]
FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
