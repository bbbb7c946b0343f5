"""Friendly error pages for people; the API (under /api) answers problem documents instead."""

from __future__ import annotations

import logging

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.response import Template

from portal.citizen.forms import N_
from portal.kernel.i18n import switch_query
from portal.kernel.web import request_language

log = logging.getLogger("portal.errors")

MESSAGES = {
    400: (N_("Something in this request was not right"), N_("Please go back and try again.")),
    403: (N_("You may not open this page"), N_("Your account does not have access to it.")),
    404: (
        N_("We could not find this page"),
        N_("The code you scanned may be old or mistyped. Please scan the code at the counter again."),
    ),
    405: (N_("Something in this request was not right"), N_("Please go back and try again.")),
    429: (
        N_("Too many ratings at once"),
        N_("Many ratings came from your network just now. Please wait a minute and try again."),
    ),
    500: (
        N_("Sorry, something went wrong on our side"),
        N_("Your answers may not have been saved. Please try again in a moment."),
    ),
}


def _language(request: Request) -> str:
    return getattr(request.state, "language", None) or request_language(request)


def error_page(request: Request, exc: Exception) -> Template:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status >= 500:
        log.exception(
            "unhandled error on %s %s", request.method, request.scope.get("route_handler"), exc_info=exc
        )
    title, detail = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    headers = dict(getattr(exc, "headers", None) or {})
    if status == 429:
        headers.setdefault("Retry-After", "60")
    return Template(
        template_name="errors/error.html",
        context={
            "lang": _language(request),
            "language_query": switch_query(request.query_params.multi_items()),
            "status": status,
            "title": title,
            "detail": detail,
        },
        status_code=status,
        headers=headers,
    )
