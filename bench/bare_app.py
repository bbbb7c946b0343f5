"""The ceiling for bench/submit_load.py: a bare Litestar app that returns a constant.

Served exactly like the portal (uvicorn, same workers, no access log):
    uvicorn bench.bare_app:app --workers N --no-access-log
"""

from __future__ import annotations

from litestar import Litestar, get


@get("/", sync_to_thread=False)
def constant() -> str:
    return "ok"


app = Litestar(route_handlers=[constant], debug=False)
