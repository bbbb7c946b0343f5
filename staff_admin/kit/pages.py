"""Rendering staff pages from thin handlers: a page with what was wrong with a refused form, a
record's form page, the 303 after a successful POST, and a text field read from a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from portal.kernel.web import render
from staff_admin.access import Principal
from staff_admin.kit.deps import StaffRequest
from staff_admin.kit.notes import DecisionRefused
from staff_admin.kit.problems import Invalid


def staff_page(
    request: Request,
    template: str,
    principal: Principal,
    failed: Invalid | DecisionRefused | None = None,
    *,
    status_code: int = 422,
    **context: Any,
) -> Template:
    """`template` below templates/staff_admin/. After a refused form (422, or `status_code`: 400 for
    a page's refused query) the page shows why: the `problems` of an Invalid (with the values typed,
    over those of a `form` in the context), or the `error` message of a DecisionRefused."""
    context = {
        "principal": principal,
        "problems": failed.problems if isinstance(failed, Invalid) else [],
        "error": failed.message if isinstance(failed, DecisionRefused) else None,
        **context,
    }
    if "form" in context:
        typed = failed.values if isinstance(failed, Invalid) else {}
        context["values"] = {**context["form"].values, **typed}
    return render(request, f"staff_admin/{template}", context, status_code=status_code if failed else 200)


def form_page(
    request: Request,
    staff: StaffRequest,
    template: str,
    build_form: Callable[[Session, Principal, int | None], Any],
    record_id: int | None,
    failed: Invalid | None = None,
) -> Template:
    """The form of one record (`build_form(db, principal, id)`, a new one when `record_id` is None),
    shown again with what was wrong after a refused save."""
    form = build_form(staff.db, staff.principal, record_id)
    return staff_page(request, template, staff.principal, failed, form=form)


def redirect_to(request: Request, name: str, query: str = "", **params: Any) -> Redirect:
    """The 303 to a named route after a successful POST (`query`: "?created=3" and the like)."""
    return Redirect(request.app.route_reverse(name, **params) + query, status_code=303)


def form_text(data: dict[str, Any], name: str) -> str:
    """One text field of a urlencoded form; the first value when it was sent more than once."""
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""
