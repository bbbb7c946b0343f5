"""The row of the ratings table that a rating becomes, whichever way it came: a counter's poster or
kiosk form (portal.citizen.intake), a queue ticket (portal.citizen.service) or the demo data
(portal.ops.demo)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from portal.kernel.hours import OpeningHours, is_open
from portal.kernel.models import SKM_ELEMENTS
from portal.kernel.profile import PROFILE_FIELDS


class RatedCounter(Protocol):
    """What a row needs of its counter (a Counter, or a counter on duty of portal.citizen.duty)."""

    id: int
    opening_hours: OpeningHours
    timezone: str


def rating_row(
    *,
    key: str,
    counter: RatedCounter,
    unit_id: int,
    employee_id: int | None,
    attribution: str,
    channel: str,
    at: datetime,
    overall: int,
    answers: Mapping[str, int | None],
    comment: str | None,
    profile: Mapping[str, str | None],
    form_seconds: float | None,
    device: str | None,
    network: str | None,
    language: str,
) -> dict[str, Any]:
    """Every column a stored rating sets. `key` is its signed form's nonce (one form, one rating);
    `attribution` says how `employee_id` is known ("roster", "ticket"), and is "none" without one;
    `at` decides whether it came outside the counter's opening hours; an SKM element missing from
    `answers`, or a profile question missing from `profile`, was not answered."""
    return {
        "submission_key": key,
        "counter_id": counter.id,
        "unit_id": unit_id,
        "employee_id": employee_id,
        "attribution": attribution if employee_id else "none",
        "channel": channel,
        "submitted_at": at,
        "outside_hours": not is_open(counter.opening_hours, counter.timezone, at),
        "overall": overall,
        **{element: answers.get(element) for element in SKM_ELEMENTS},
        "comment": comment,
        **{name: profile.get(name) for name in PROFILE_FIELDS},
        "form_seconds": form_seconds,
        "device_hash": device,
        "network_hash": network,
        "language": language,
    }


def seconds_on_form(rendered_at: float, at: datetime) -> float:
    """How long the form was open: from its signed rendering to its submission, to the millisecond."""
    return round(max(0.0, at.timestamp() - rendered_at), 3)
