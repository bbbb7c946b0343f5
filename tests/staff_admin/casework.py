"""Shared arrangements for the review, appeals, complaints and audit tests: ratings written
straight to the database, a second officer persona (in unit B), and CSRF-carrying form posts."""

from __future__ import annotations

import itertools
from datetime import datetime

from litestar.testing import TestClient
from sqlalchemy.orm import Session

from portal.kernel.models import Counter, Employee, Rating
from staff_admin.review.unlinkable import rating_reference
from staff_admin.users import create_user
from tests import factories
from tests.conftest import TEST_SECRET
from tests.staff_admin.conftest import PASSWORD, World, csrf_token

_keys = itertools.count(1)


def other_officer(db: Session, world: World, now: datetime) -> None:
    """`other_officer`: the colleague in unit B, signed in as an officer."""
    create_user(
        db,
        now,
        username="other_officer",
        role="officer",
        password=PASSWORD,
        display_name="User other_officer",
        nip=world.colleague.nip,
    )
    db.commit()


def counter_for(db: Session, world: World, unit: str = "a") -> Counter:
    return factories.counter(db, world.unit_a if unit == "a" else world.unit_b, name=f"Loket {unit.upper()}")


def rating(
    db: Session,
    at_counter: Counter,
    officer: Employee | None,
    submitted_at: datetime,
    overall: int = 4,
    reasons: str = "",
    excluded: bool | None = None,
    device: str | None = "dev-1",
    network: str | None = "net-1",
    comment: str | None = None,
) -> Rating:
    created = Rating(
        submission_key=f"k{next(_keys)}",
        counter_id=at_counter.id,
        unit_id=at_counter.unit_id,
        employee_id=officer.id if officer else None,
        attribution="roster" if officer else "none",
        channel="poster",
        submitted_at=submitted_at,
        overall=overall,
        comment=comment,
        form_seconds=30.0,
        device_hash=device,
        network_hash=network,
        language="id",
        excluded=bool(reasons) if excluded is None else excluded,
        reasons=reasons,
    )
    db.add(created)
    db.commit()
    return created


def own_rating_page(rating: Rating) -> str:
    """The officer's page of one of their ratings: named by its opaque reference, never its id."""
    return f"/admin/me/ratings/{rating_reference(TEST_SECRET, rating.id)}"


def post_form(client: TestClient, path: str, data: dict[str, object]):
    """A staff form post with a fresh CSRF token taken from the home page."""
    token = csrf_token(client, "/admin/")
    return client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)
