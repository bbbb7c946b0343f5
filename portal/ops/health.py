"""`GET /health` for load balancers and monitoring: 200 when this process can reach the database,
503 when it cannot. JSON, no sign-in, nothing about the data or the versions."""

from __future__ import annotations

import logging

from litestar import Response, get
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.kernel.deps import Db

log = logging.getLogger("portal.health")
NO_STORE = {"Cache-Control": "no-store"}


@get("/health", name="health", sync_to_thread=True, include_in_schema=False)
def health(db: Db) -> Response:
    try:
        db.execute(text("SELECT 1"))
        db.rollback()
    except SQLAlchemyError as error:
        log.warning("health check: database unreachable (%s)", type(error).__name__)
        body = {"status": "unavailable", "database": "unreachable"}
        return Response(body, status_code=503, headers=NO_STORE)
    return Response({"status": "ok", "database": "ok"}, headers=NO_STORE)
