"""Counter pages kept for a few seconds per process: the citizen form is shown without a database read.

Every scan of a poster reads the same few rows (the counter, its unit, the officer on duty). Reading
them in a worker thread was the form's largest cost of its own in profiles (docs/performance.md), so
the page is
kept for `COUNTER_PAGE_SECONDS` and served on the event loop. A kept page never outlives its officer
on duty: it expires when the roster says the officer changes (portal.citizen.duty.duty_changes_at), so the
officer a form shows is the one its rating is attributed to (the form's signed opening time decides).

A commit in this process that changes a counter, unit, employee or duty shift forgets every kept page
at once (staff edits show immediately here); other worker processes catch up within the seconds.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.citizen.service import CounterPage
from portal.kernel.models import Counter, DutyShift, Employee, Unit

# What a counter page is made of: a change to any of these may change a page.
_PAGE_SOURCES = (Counter, Unit, Employee, DutyShift)
_CHANGED = "portal.pages:changed"
# A page as read from the database, with when its officer on duty may change (None: no roster).
PageRead = tuple[CounterPage, datetime | None]


class CounterPages:
    """Counter pages by public token, each valid for `seconds` of the app's clock or until its officer
    on duty changes, whichever comes first."""

    def __init__(self, seconds: float, max_entries: int = 4096) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._pages: dict[str, tuple[CounterPage, datetime, datetime]] = {}
        # Bumped by forget(): a page read before a change is not kept after it.
        self._generation = 0
        if seconds > 0:
            _watch(self)

    def get(self, token: str, now: datetime) -> CounterPage | None:
        kept = self._pages.get(token)
        if kept is None:
            return None
        page, read_at, expires_at = kept
        return page if read_at <= now < expires_at else None

    async def page(self, token: str, now: datetime, read: Callable[[], Awaitable[PageRead]]) -> CounterPage:
        """The page kept for `token`, or the one `read()` gives (with when its officer on duty may
        change), kept from `now` on unless pages were forgotten while it was being read."""
        page = self.get(token, now)
        if page is None:
            generation = self._generation
            page, duty_changes_at = await read()
            if generation == self._generation:
                self._keep(page, now, duty_changes_at)
        return page

    def _keep(self, page: CounterPage, read_at: datetime, duty_changes_at: datetime | None) -> None:
        if self.seconds <= 0:
            return
        expires_at = read_at + timedelta(seconds=self.seconds)
        if duty_changes_at is not None:
            expires_at = min(expires_at, duty_changes_at)
        if len(self._pages) >= self.max_entries:
            self._pages = {}  # a handful of tokens per counter; a full cache means someone guesses tokens
        self._pages[page.token] = (page, read_at, expires_at)

    def forget(self) -> None:
        self._generation += 1
        self._pages = {}


# One pair of session listeners for the process (SQLAlchemy's events on Session are global); the
# caches they serve are held weakly, so an app that is gone is not kept alive by them.
_caches: weakref.WeakSet[CounterPages] = weakref.WeakSet()
_install_lock = threading.Lock()


def _watch(cache: CounterPages) -> None:
    with _install_lock:
        if not event.contains(Session, "after_flush", _note_page_changes):
            event.listen(Session, "after_flush", _note_page_changes)
            event.listen(Session, "after_commit", _forget_changed_pages)
            event.listen(Session, "after_rollback", _drop_note)
        _caches.add(cache)


def _note_page_changes(session: Session, _flush_context: object) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(instance, _PAGE_SOURCES) for instance in changed):
        session.info[_CHANGED] = True


def _forget_changed_pages(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        for cache in list(_caches):
            cache.forget()


def _drop_note(session: Session) -> None:
    session.info.pop(_CHANGED, None)
