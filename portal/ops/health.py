"""`GET /health` for load balancers and monitoring: 200 when this process can reach the database,
503 when it cannot. JSON, no sign-in, nothing about the data or the versions. With READ_DATABASE_URL
set, `replica` says how far the hot standby is behind (WAL bytes, seconds) and whether the marked
pages read from it or from the primary (portal.kernel.replica); a standby that is down or behind
leaves the status at 200, as the pages still work from the primary."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Response, get
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.kernel.deps import Db, PortalDep

log = logging.getLogger("portal.health")
NO_STORE = {"Cache-Control": "no-store"}


@get("/health", name="health", sync_to_thread=True, include_in_schema=False)
def health(db: Db, portal: PortalDep) -> Response:
    try:
        db.execute(text("SELECT 1"))
        db.rollback()
    except SQLAlchemyError as error:
        log.warning("health check: database unreachable (%s)", type(error).__name__)
        down = {"status": "unavailable", "database": "unreachable"}
        return Response(down, status_code=503, headers=NO_STORE)
    body: dict[str, Any] = {"status": "ok", "database": "ok"}
    if portal.replica is not None:
        body["replica"] = portal.replica.health()
    return Response(body, headers=NO_STORE)
