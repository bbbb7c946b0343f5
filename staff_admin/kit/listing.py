"""Helpers of the lists on staff pages: paging, and moments in the office's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Paging:
    page: int  # 1-based, within 1..pages
    pages: int  # at least 1, so an empty list still has its one page
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def paging(total: int, wanted: int, size: int) -> Paging:
    """The page asked for, moved into the pages that `total` rows make."""
    pages = max(1, -(-total // size))
    return Paging(min(max(1, wanted), pages), pages, size)


def local_time(moment: datetime, timezone: str) -> datetime:
    """The moment in `timezone`; templates print it with the `datetime` filter (portal.kernel.i18n)."""
    return moment.astimezone(ZoneInfo(timezone))
