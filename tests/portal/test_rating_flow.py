"""The citizen's journey through HTTP, on the real database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import create_app
from portal.kernel.models import Counter, Rating
from portal.kernel.security import DEVICE_COOKIE, device_hash, network_hash
from tests import factories
from tests.conftest import TEST_SECRET, FakeClock
from tests.portal.citizen import Citizen, errors_on


@pytest.fixture
def counter(db: Session) -> Counter:
    unit = factories.unit(db, "Dinas Kependudukan dan Pencatatan Sipil")
    return factories.counter(db, unit, "Loket 2 · Kartu Keluarga")


@pytest.fixture
def citizen(client: TestClient, counter: Counter) -> Citizen:
    return Citizen(client, counter.public_token)


def stored(db: Session) -> list[Rating]:
    db.expire_all()
    return list(db.scalars(select(Rating).order_by(Rating.id)))


def test_it_shows_unit_counter_and_faces_in_indonesian_by_default(
    citizen: Citizen, client: TestClient
) -> None:
    page = client.get(f"/r/{citizen.token}")
    assert page.status_code == 200
    assert '<html lang="id">' in page.text
    assert "Dinas Kependudukan dan Pencatatan Sipil" in page.text
    assert "Loket 2 · Kartu Keluarga" in page.text
    assert page.text.count('type="radio" name="overall"') == 4
    assert "Sangat puas" in page.text
    assert "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?" in page.text
    assert "Kirim penilaian" in page.text


def test_it_follows_accept_language_and_the_explicit_switch(citizen: Citizen, client: TestClient) -> None:
    english = client.get(f"/r/{citizen.token}", headers={"Accept-Language": "en-US,en;q=0.9,id;q=0.5"})
    assert '<html lang="en">' in english.text
    assert "Very satisfied" in english.text

    switched = client.get(f"/r/{citizen.token}", params={"lang": "id"}, headers={"Accept-Language": "en"})
    assert '<html lang="id">' in switched.text
    # The choice is remembered for the next page without the parameter.
    again = client.get(f"/r/{citizen.token}", headers={"Accept-Language": "en"})
    assert '<html lang="id">' in again.text


def test_it_stores_a_rating_and_thanks_the_citizen(citizen: Citizen, db: Session, clock: FakeClock) -> None:
    form = citizen.open_form()
    clock.advance(seconds=12)
    answer = citizen.submit(form, overall="3", u1="4", u7="2", comment="Antrean cepat")

    assert answer.status_code == 303
    thanks = citizen.client.get(answer.headers["location"])
    assert thanks.status_code == 200
    assert "Penilaian Anda sudah tercatat" in thanks.text
    (rating,) = stored(db)
    assert (rating.overall, rating.u1, rating.u2, rating.u7) == (3, 4, None, 2)
    assert rating.comment == "Antrean cepat"
    assert rating.channel == "poster"
    assert rating.submitted_at == clock.now
    assert rating.form_seconds == pytest.approx(12.0)
    assert rating.language == "id"
    assert rating.outside_hours is False


def test_it_thanks_in_english_when_the_citizen_reads_english(citizen: Citizen) -> None:
    form = citizen.open_form(lang="en")
    answer = citizen.submit(form, overall="4", follow_redirects=True)
    assert answer.status_code == 200
    assert "Your rating has been recorded" in answer.text


def test_it_keeps_only_keyed_hashes_of_device_and_network(
    counter: Counter, db: Session, settings, clock: FakeClock
) -> None:
    behind_proxy = create_app(settings.with_(trusted_proxies=("*",)), clock=clock)
    with TestClient(behind_proxy) as phone:
        phone.headers["X-Forwarded-For"] = "203.0.113.57"
        Citizen(phone, counter.public_token).rate()
        device_token = phone.cookies[DEVICE_COOKIE]
    (rating,) = stored(db)
    assert rating.device_hash == device_hash(TEST_SECRET, device_token)
    assert rating.network_hash == network_hash(TEST_SECRET, "203.0.113.200")  # same /24
    stored_text = " ".join(str(getattr(rating, c.key)) for c in Rating.__table__.columns)
    assert device_token not in stored_text
    assert "203.0.113" not in stored_text


def test_it_explains_a_missing_face_and_keeps_what_was_typed(citizen: Citizen, db: Session) -> None:
    answer = citizen.submit(citizen.open_form(), u3="2", comment="Ruang tunggu panas")
    assert answer.status_code == 422
    assert errors_on(answer.text) == ["Silakan pilih salah satu dari empat wajah."]
    assert "Ruang tunggu panas</textarea>" in answer.text
    assert 'name="u3" id="u3-2" value="2" checked' in answer.text
    assert stored(db) == []


def test_it_explains_errors_in_english_too(citizen: Citizen) -> None:
    answer = citizen.submit(citizen.open_form(lang="en"), overall="5", u9="0", comment="x" * 1001)
    assert answer.status_code == 422
    assert set(errors_on(answer.text)) == {
        "That answer is not one of the choices.",
        "Please keep the comment to 1000 characters or fewer.",
    }


def test_it_escapes_html_a_citizen_typed(citizen: Citizen) -> None:
    answer = citizen.submit(citizen.open_form(), comment='<script>alert("x")</script>')
    assert answer.status_code == 422
    assert "<script>alert" not in answer.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in answer.text


def test_it_stores_one_rating_when_the_same_form_is_posted_twice(citizen: Citizen, db: Session) -> None:
    form = citizen.open_form()
    first = citizen.submit(form, overall="4")
    second = citizen.submit(form, overall="4")
    assert first.status_code == second.status_code == 303
    assert len(stored(db)) == 1


def test_it_throttles_a_device_rating_the_same_counter_again(
    citizen: Citizen, db: Session, clock: FakeClock, settings
) -> None:
    assert citizen.rate().status_code == 303
    clock.advance(minutes=1)
    again = citizen.rate()
    assert again.status_code == 200
    assert "Anda sudah menilai loket ini" in again.text
    assert len(stored(db)) == 1

    clock.advance(seconds=settings.device_throttle_seconds)
    assert citizen.rate().status_code == 303
    assert len(stored(db)) == 2


def test_it_lets_a_different_device_rate_the_same_counter(citizen: Citizen, db: Session) -> None:
    citizen.rate()
    citizen.switch_phone()
    assert citizen.rate().status_code == 303
    assert len(stored(db)) == 2


def test_it_answers_a_flood_from_one_network_with_a_429_page(
    counter: Counter, db: Session, settings, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 3, 2, 2, 0, 5, tzinfo=UTC))  # early in a one-minute window
    strict = create_app(settings.with_(submit_flood_limit_per_minute=3), clock=clock)
    with TestClient(strict) as phone:
        citizen = Citizen(phone, counter.public_token)
        answers = []
        for _ in range(4):
            citizen.switch_phone()  # many phones behind one carrier address
            answers.append(citizen.rate())
        assert [a.status_code for a in answers] == [303, 303, 303, 429]
        assert "Terlalu banyak penilaian sekaligus" in answers[-1].text
        assert answers[-1].headers["retry-after"] == "60"
        assert len(stored(db)) == 3

        clock.advance(minutes=1)
        citizen.switch_phone()
        assert citizen.rate().status_code == 303
    assert len(stored(db)) == 4


def test_it_ignores_a_filled_honeypot_without_telling_the_bot(citizen: Citizen, db: Session) -> None:
    answer = citizen.submit(citizen.open_form(), overall="4", website="http://spam.example")
    assert answer.status_code == 303
    assert stored(db) == []


def test_it_refuses_a_forged_or_expired_form_and_asks_again(
    citizen: Citizen, db: Session, clock: FakeClock, settings
) -> None:
    token = citizen.open_form()
    # a character inside the signature (the last one may carry only padding bits)
    tampered = token[:-10] + ("A" if token[-10] != "A" else "B") + token[-9:]
    forged = citizen.submit(tampered, overall="4")
    assert forged.status_code == 422
    assert "terbuka terlalu lama" in forged.text

    form = citizen.open_form()
    clock.advance(seconds=settings.form_max_age_seconds + 1)
    expired = citizen.submit(form, overall="2", comment="lama")
    assert expired.status_code == 422
    assert "lama</textarea>" in expired.text
    assert stored(db) == []


def test_it_refuses_a_form_signed_for_another_counter(
    client: TestClient, counter: Counter, db: Session
) -> None:
    other = factories.counter(db, factories.unit(db, "Kecamatan Utara"), "Loket A")
    form_for_other = Citizen(client, other.public_token).open_form()
    answer = Citizen(client, counter.public_token).submit(form_for_other, overall="4")
    assert answer.status_code == 422
    assert stored(db) == []


def test_it_shows_a_friendly_404_for_an_unknown_or_rotated_token(
    client: TestClient, counter: Counter, db: Session
) -> None:
    unknown = client.get("/r/not-a-real-token", headers={"Accept-Language": "en"})
    assert unknown.status_code == 404
    assert "Please scan the code at the counter again" in unknown.text

    old_token = counter.public_token
    counter.public_token = "rotated-" + old_token
    db.commit()
    assert client.get(f"/r/{old_token}").status_code == 404
    assert client.post(f"/r/{old_token}", data={"overall": "4"}).status_code == 404
    assert client.get(f"/r/{counter.public_token}").status_code == 200


def test_it_accepts_a_rating_outside_opening_hours_and_records_it(
    citizen: Citizen, db: Session, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 3, 7, 13, 0, tzinfo=UTC))  # Saturday 20:00 in Jakarta
    page = citizen.client.get(f"/r/{citizen.token}")
    assert "Loket ini sedang tutup" in page.text
    assert citizen.rate().status_code == 303
    (rating,) = stored(db)
    assert rating.outside_hours is True


def test_it_counts_every_phone_once(citizen: Citizen, db: Session) -> None:
    for _ in range(3):
        citizen.switch_phone()
        assert citizen.rate().status_code == 303
    assert db.scalar(select(func.count(Rating.id))) == 3


def test_it_stores_the_optional_respondent_profile(citizen: Citizen, db: Session) -> None:
    page = citizen.client.get(f"/r/{citizen.token}")
    assert "Jenis kelamin" in page.text and "SD ke bawah" in page.text  # the questionnaire's own words

    answer = citizen.rate("4", gender="p", age_band="30-39", education="s1", occupation="wirausaha")

    assert answer.status_code == 303
    (rating,) = stored(db)
    assert (rating.gender, rating.age_band, rating.education, rating.occupation) == (
        "p",
        "30-39",
        "s1",
        "wirausaha",
    )


def test_it_leaves_the_profile_empty_when_not_given(citizen: Citizen, db: Session) -> None:
    assert citizen.rate("2", gender="").status_code == 303

    (rating,) = stored(db)
    assert (rating.gender, rating.age_band, rating.education, rating.occupation) == (None, None, None, None)


def test_it_refuses_a_profile_answer_that_is_not_a_choice(citizen: Citizen, db: Session) -> None:
    answer = citizen.rate("4", age_band="<script>", occupation="pns")

    assert answer.status_code == 422
    assert errors_on(answer.text) == ["Jawaban itu bukan salah satu pilihan."]
    assert 'value="pns" selected' in answer.text  # what was chosen is kept
    assert "<details open>" in answer.text  # the optional part opens where the error is
    assert stored(db) == []
