"""A double tap sends the same form twice at the same moment: one rating is stored."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.citizen.forms import parse_rating_form
from portal.citizen.intake import submit_rating
from portal.citizen.service import Citizen, SubmitOutcome
from portal.kernel.db import make_sessionmaker
from portal.kernel.models import Rating
from portal.kernel.security import FormSigner
from tests import factories
from tests.conftest import FakeClock


def test_it_stores_one_rating_when_two_identical_posts_race(
    db: Session, engine, settings, clock: FakeClock
) -> None:
    counter = factories.counter(db, factories.unit(db), "Loket 1")
    signer = FormSigner(settings.secret_key, settings.form_max_age_seconds)
    form = {"form_token": signer.sign(counter.id, clock().timestamp()), "overall": "4"}
    start = threading.Barrier(4)
    outcomes: list[SubmitOutcome] = []

    def tap(phone: int) -> None:
        with make_sessionmaker(engine)() as session:
            start.wait()
            outcomes.append(
                submit_rating(
                    session,
                    settings,
                    signer,
                    clock(),
                    counter.public_token,
                    parse_rating_form(form),
                    Citizen(device_token=None, address=f"198.51.100.{phone}", language="id"),
                )
            )

    taps = [threading.Thread(target=tap, args=(i,)) for i in range(4)]
    for t in taps:
        t.start()
    for t in taps:
        t.join()

    assert sorted(o.value for o in outcomes) == ["duplicate"] * 3 + ["stored"]
    assert db.scalar(select(func.count(Rating.id))) == 1
