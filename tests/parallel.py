"""How the suite is spread over pytest-xdist workers (`make test` runs `pytest -n 2`).

Test by test, except the tests that share something costly, which go to one worker as one unit:

- the browser tests share one demo server, which each worker running any of them would start anew;
- the loads on real servers (a crash under load, two app processes racing) would slow each other
  past their deadlines if two ran at once;
- the read-replica tests share one primary and streaming standby (tests/replica_pair.py), which each
  worker running any of them would start anew.

Units go out largest first, so these two start at once, on different workers, and the single tests
fill in around them. Every worker has its own temporary directory (SQLite files, server logs) and
its own PostgreSQL databases (tests/conftest.py, tests/live_server.py).

xdist's `--dist loadgroup` with `xdist_group` marks would say the same, but it no longer groups
anything under pytest 9.2 (pytest-dev/pytest-xdist#1386); this scheduler reads test ids only.
"""

from __future__ import annotations

from typing import Any

import pytest

GROUPS = {  # test id prefix -> the unit its tests belong to
    "tests/e2e/": "browser",
    "tests/reliability/test_crash_safety.py::": "servers",
    "tests/reliability/test_multi_worker.py::": "servers",
    "tests/staff_admin/test_read_replica.py::": "replica",
}


def unit_of(nodeid: str) -> str:
    """The work unit of a test: its group, or the test alone."""
    return next((group for prefix, group in GROUPS.items() if nodeid.startswith(prefix)), nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's default distribution (`-n N` alone, or `--dist load`) with the groups above; any
    other `--dist` is left to xdist."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupedLoadScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    return GroupedLoadScheduling(config, log)
