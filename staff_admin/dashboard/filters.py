"""The ratings browser's filters (pure): query parameters in, a RatingFilters value or field errors
out. A bad value becomes a message naming the field, never a server error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from portal.citizen.forms import N_, parse_id
from portal.kernel.models import CHANNELS
from scoring.periods import Period, PeriodError, PeriodOutOfRange, parse_period
from staff_admin.kit.inputs import PERIOD_RANGE, PERIOD_RANGE_PARAMS

FILTER_NAMES = ("unit", "counter", "officer", "period", "overall", "channel", "excluded", "comment")
YES_NO = {"yes": True, "no": False}
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class FilterError:
    field: str
    message: str  # msgid
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RatingFilters:
    unit_id: int | None = None
    counter_id: int | None = None
    employee_id: int | None = None
    period: Period | None = None
    overall: int | None = None
    channel: str | None = None
    excluded: bool | None = None
    has_comment: bool | None = None
    page: int = 1
    raw: dict[str, str] = field(default_factory=dict)  # the given values, to refill the form and links

    def query(self, **changes: str | int) -> dict[str, str]:
        """The filters as query parameters (empty ones left out), e.g. for page links."""
        merged = {**self.raw, **{k: str(v) for k, v in changes.items()}}
        return {k: v for k, v in merged.items() if v}


def _identifier(text: str, name: str, errors: list[FilterError]) -> int | None:
    if not text:
        return None
    identifier = parse_id(text)
    if identifier is None:
        errors.append(FilterError(name, N_("“%(value)s” is not a valid choice."), {"value": text[:40]}))
    return identifier


def _yes_no(text: str, name: str, errors: list[FilterError]) -> bool | None:
    if not text:
        return None
    if text not in YES_NO:
        errors.append(FilterError(name, N_("Choose yes, no or any."), {}))
        return None
    return YES_NO[text]


def parse_filters(query: Mapping[str, str]) -> tuple[RatingFilters, list[FilterError]]:
    raw = {name: str(query.get(name, "") or "").strip() for name in FILTER_NAMES}
    errors: list[FilterError] = []
    period = None
    if raw["period"]:
        try:
            period = parse_period(raw["period"])
        except PeriodOutOfRange:
            params = {"value": raw["period"][:40], **PERIOD_RANGE_PARAMS}
            errors.append(FilterError("period", PERIOD_RANGE, params))
        except PeriodError:
            message = N_("“%(value)s” is not a period. Use e.g. 2026-03, 2026-Q1, 2026-S1 or 2026.")
            errors.append(FilterError("period", message, {"value": raw["period"][:40]}))
    overall = None
    if raw["overall"]:
        if raw["overall"] in ("1", "2", "3", "4"):
            overall = int(raw["overall"])
        else:
            errors.append(FilterError("overall", N_("The overall rating is a number from 1 to 4."), {}))
    channel = None
    if raw["channel"]:
        if raw["channel"] in CHANNELS:
            channel = raw["channel"]
        else:
            errors.append(
                FilterError(
                    "channel", N_("“%(value)s” is not a valid choice."), {"value": raw["channel"][:40]}
                )
            )
    page_text = str(query.get("page", "") or "").strip()
    page = 1
    if page_text:
        if (page_number := parse_id(page_text)) is not None and page_number <= 1_000_000:
            page = page_number
        else:
            errors.append(FilterError("page", N_("The page is a whole number from 1."), {}))
    filters = RatingFilters(
        unit_id=_identifier(raw["unit"], "unit", errors),
        counter_id=_identifier(raw["counter"], "counter", errors),
        employee_id=_identifier(raw["officer"], "officer", errors),
        period=period,
        overall=overall,
        channel=channel,
        excluded=_yes_no(raw["excluded"], "excluded", errors),
        has_comment=_yes_no(raw["comment"], "comment", errors),
        page=page,
        raw=raw,
    )
    return filters, errors
