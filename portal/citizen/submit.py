"""One submit path for a rating posted to a counter's page, from its parsed form to its outcome: the
same for the Litestar handler (portal.citizen.routes) and the hot path (portal.citizen.hotpath).

An accepted rating is answered 303 to the thank-you page in the rating's language; every other
outcome with the handler's page for it (routes.rating_answer). Either caller submits a rating once
and answers it itself: the hot path hands a request to the app only before submitting it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from litestar import Litestar

from portal.citizen.followup import case_reference
from portal.citizen.forms import RatingInput
from portal.citizen.intake import Submission
from portal.citizen.service import CaseOpened, Citizen, SubmitOutcome
from portal.citizen.web import CitizenPortal
from portal.kernel.security import DEVICE_COOKIE, client_address
from portal.kernel.settings import Settings

THANKS_ROUTE = "portal:thanks"
CASE_PARAM = "kasus"  # the thank-you page's signed reference to the case the rating opened
_SLOT = "{token}"


@dataclass(frozen=True)
class ThanksPage:
    """The thank-you page's path around a counter's token, from the app's route: asking the router
    for it costs more than the rest of the hot path's answer, so the hot path asks once."""

    before: str
    after: str

    @classmethod
    def of(cls, app: Litestar) -> ThanksPage:
        before, after = app.route_reverse(THANKS_ROUTE, token=_SLOT).split(_SLOT)
        return cls(before, after)

    def location(self, token: str, language: str, case: str | None = None) -> str:
        case_query = f"&{CASE_PARAM}={case}" if case else ""
        return f"{self.before}{token}{self.after}?lang={language}{case_query}"


@dataclass(frozen=True)
class Accepted:
    """Stored, or taken as stored (the same form again, a bot's): a 303 to `location`."""

    location: str


# What a rating comes to: accepted, or refused with a page of its own (UnknownCounter, Flooded,
# FormExpired, SubmitOutcome.THROTTLED), or an unexpected error (the error page).
Outcome = Accepted | SubmitOutcome | Exception


def citizen_of(
    settings: Settings,
    cookies: Mapping[str, str],
    headers: Mapping[str, str],
    peer: str | None,
    language: str,
) -> Citizen:
    """The sender as a request shows them (header names in lower case); `peer` is the TCP client."""
    address = client_address(peer, headers.get("x-forwarded-for"), settings.trusted_proxies)
    return Citizen(device_token=cookies.get(DEVICE_COOKIE), address=address, language=language)


async def submit(
    portal: CitizenPortal, thanks: ThanksPage, token: str, rating: RatingInput, citizen: Citizen
) -> Outcome:
    """Submits the rating to the writer (portal.citizen.writer) and waits for its batch's commit."""
    submission = Submission.hashed(portal.settings.secret_key, token, rating, citizen, portal.clock())
    try:
        outcome = await portal.intake.submit(submission)
    except Exception as refused:  # a refusal or an error: each has its page
        return refused
    if outcome is SubmitOutcome.THROTTLED:
        return outcome
    if isinstance(outcome, CaseOpened):
        reference = case_reference(portal.settings.secret_key, outcome.case_id)
        return Accepted(thanks.location(token, citizen.language, reference))
    return Accepted(thanks.location(token, citizen.language))
