"""The text of each mail, in its reader's language, with absolute links to the app's pages (BASE_URL).
A staff mail says what the app shows its recipient and no more: no citizen's contact details and no
comment text (the link opens the page, behind the sign-in, for those)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from portal.citizen.forms import N_
from portal.kernel.i18n import format_date, format_datetime, gettext
from staff_admin.alerts.service import AlertRow, Link

# route name, path parameters, query -> absolute URL
UrlFor = Callable[[Link], str]

APP_NAME = N_("Service rating portal")


def _t(language: str, message: str, **params: Any) -> str:
    text = gettext(language, message)
    return text % params if params else text


def _footer(language: str, url_for: UrlFor) -> str:
    account = url_for(Link("staff:account", {}))
    return _t(
        language,
        N_(
            "You get this mail because of your settings in the staff area; "
            "change them under My account: %(url)s"
        ),
        url=account,
    )


def alert_mail(row: AlertRow, language: str, url_for: UrlFor) -> tuple[str, str]:
    subject = f"[{_t(language, APP_NAME)}] {row.title}"
    body = "\n\n".join(
        [
            row.title,
            row.detail,
            _t(language, N_("Open it here (sign in first): %(url)s"), url=url_for(row.link)),
            "-- \n" + _footer(language, url_for),
        ]
    )
    return subject, body + "\n"


def digest_mail(rows: list[AlertRow], language: str, url_for: UrlFor) -> tuple[str, str]:
    subject = f"[{_t(language, APP_NAME)}] " + _t(
        language, N_("Daily summary: %(count)s alerts"), count=len(rows)
    )
    items = [
        f"* {format_datetime(language, row.created)}: {row.title}\n  {row.detail}\n  {url_for(row.link)}"
        for row in rows
    ]
    intro = _t(language, N_("Alerts of the last day in your units, the newest first:"))
    body = "\n\n".join([intro, *items, "-- \n" + _footer(language, url_for)])
    return subject, body + "\n"


def citizen_response_mail(
    case_id: int, unit: str, counter: str, rated_at: datetime, response: str, language: str
) -> tuple[str, str]:
    """The unit's response to the citizen who asked for one (their own words are not repeated)."""
    subject = _t(language, N_("Response to your rating of %(unit)s (case %(case)s)"), unit=unit, case=case_id)
    lead = _t(
        language,
        N_(
            "You rated the service of %(unit)s, %(counter)s, on %(date)s and asked for a reply. "
            "The unit answers:"
        ),
        unit=unit,
        counter=counter,
        date=format_date(language, rated_at.date(), "long"),
    )
    closing = _t(
        language,
        N_("Case number %(case)s. Your contact details are deleted after the retention period."),
        case=case_id,
    )
    return subject, f"{lead}\n\n{response}\n\n-- \n{closing}\n"


def reset_mail(username: str, url: str, until: datetime, language: str) -> tuple[str, str]:
    subject = f"[{_t(language, APP_NAME)}] " + _t(language, N_("Set a new password"))
    body = "\n\n".join(
        [
            _t(
                language,
                N_("Someone asked for a new password for the staff account %(username)s."),
                username=username,
            ),
            _t(
                language,
                N_("To set one, open this link (it works once, until %(until)s):"),
                until=format_datetime(language, until, zone=True),
            ),
            url,
            _t(language, N_("If you did not ask for it, ignore this mail: your password stays as it is.")),
        ]
    )
    return subject, body + "\n"
