"""The home page's to-do list: per role, what waits for this person, each a number and the list where
it is worked. Every count comes from the service that owns the list and checks the role itself, so
the number on the home page is the number the list shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from staff_admin.access import ADMIN, HR, OFFICER, UNIT_HEAD, Principal
from staff_admin.complaints.service import waiting_counts
from staff_admin.periods.service import to_do as periods_to_do
from staff_admin.review.appeals import open_count
from staff_admin.review.service import waiting_count


@dataclass(frozen=True)
class TodoItem:
    key: str  # what waits; the template words it (templates/staff_admin/_todo.html)
    count: int
    route: str  # the named route of the list
    query: str = ""  # e.g. "?show=open"
    urgent: bool = False  # past a due date: shown as an alert while the count is not 0


def todo_list(session: Session, principal: Principal, today: date) -> list[TodoItem]:
    """The principal's to-do, in the order a working day takes them."""
    items: list[TodoItem] = []
    if principal.role in (ADMIN, HR, UNIT_HEAD):
        new, overdue = waiting_counts(session, principal, today)
        items += [
            TodoItem("complaints_overdue", overdue, "complaints:list", "?show=open", urgent=True),
            TodoItem("complaints_new", new, "complaints:list", "?show=open"),
            TodoItem("reviews", waiting_count(session, principal), "review:queue"),
            TodoItem("appeals", open_count(session, principal), "appeals:list"),
        ]
    if principal.role in (ADMIN, HR):
        to_score, to_close = periods_to_do(session, principal, today)
        items += [
            TodoItem("periods_score", to_score, "staff:periods"),
            TodoItem("periods_close", to_close, "staff:periods"),
        ]
    if principal.role == OFFICER and principal.employee_id is not None:
        items.append(TodoItem("own_appeals", open_count(session, principal), "me:home"))
    return items
