"""A counter screen shows a QR code that changes every 30 s; ratings through it are `kiosk` ratings."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from app import main
from portal.citizen import channels, proofs
from portal.kernel.models import Counter, KioskDevice
from portal.kernel.settings import Settings
from tests import factories
from tests.conftest import TEST_SECRET, FakeClock
from tests.portal.citizen import form_token
from tests.portal.machines import rejected, stored

QR_URL = re.compile(r'data-code-url="([^"]+)"')


@pytest.fixture
def counter(db: Session) -> Counter:
    return factories.counter(db, factories.unit(db, "Dinas Kependudukan"), "Loket 3 · Akta")


@pytest.fixture
def screen(db: Session, settings: Settings, clock: FakeClock, counter: Counter) -> proofs.RegisteredKiosk:
    return proofs.register_kiosk(db, settings, clock(), counter.id, "Tablet loket 3", registered_by=7)


def current_code(client: TestClient, screen: proofs.RegisteredKiosk) -> str:
    response = client.get(screen.path + "/code")
    assert response.status_code == 200, response.text
    url = response.json()["rating_url"]
    return url.split("?k=", 1)[1]


def test_the_screen_shows_the_counter_and_a_code_that_rotates(
    client: TestClient, screen: proofs.RegisteredKiosk, counter: Counter, clock: FakeClock, settings: Settings
) -> None:
    page = client.get(screen.path)
    assert page.status_code == 200
    assert "Loket 3 · Akta" in page.text and "<svg" in page.text
    assert page.headers["cache-control"] == "no-store"
    # no inline script (a Content-Security-Policy will forbid them), and it reloads without JavaScript
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/js/kiosk.js" defer>']
    assert '<noscript><meta http-equiv="refresh" content="' in page.text
    assert client.get("/static/js/kiosk.js").status_code == 200

    first = current_code(client, screen)
    step = channels.kiosk_step(clock().timestamp(), settings.kiosk_step_seconds)
    assert first == channels.kiosk_code(TEST_SECRET, counter.id, step)
    clock.advance(seconds=10)
    assert current_code(client, screen) == first  # same step
    clock.advance(seconds=settings.kiosk_step_seconds)
    assert current_code(client, screen) != first
    answer = client.get(screen.path + "/code").json()
    assert answer["rating_url"].startswith(f"{settings.base_url}/r/{counter.public_token}?k=")
    assert 0 < answer["refresh_in"] <= settings.kiosk_step_seconds
    assert answer["valid_for"] == pytest.approx(answer["refresh_in"] + settings.kiosk_grace_seconds)


def test_a_rating_through_the_screen_is_a_kiosk_rating(
    client: TestClient, screen: proofs.RegisteredKiosk, counter: Counter, db: Session
) -> None:
    code = current_code(client, screen)
    form = client.get(f"/r/{counter.public_token}", params={"k": code})
    assert form.status_code == 200
    answer = client.post(
        f"/r/{counter.public_token}",
        data={"form_token": form_token(form.text), "overall": "4"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    (rating,) = stored(db)
    assert rating.channel == "kiosk"
    assert rejected(db) == 0


def test_a_form_shown_again_with_errors_keeps_its_kiosk_proof(
    client: TestClient, screen: proofs.RegisteredKiosk, counter: Counter, db: Session
) -> None:
    form = client.get(f"/r/{counter.public_token}", params={"k": current_code(client, screen)})
    again = client.post(f"/r/{counter.public_token}", data={"form_token": form_token(form.text)})
    assert again.status_code == 422
    client.post(f"/r/{counter.public_token}", data={"form_token": form_token(again.text), "overall": "3"})
    assert [r.channel for r in stored(db)] == ["kiosk"]


def test_it_keeps_the_kiosk_code_when_a_citizen_switches_language(
    client: TestClient, screen: proofs.RegisteredKiosk, counter: Counter, db: Session
) -> None:
    code = current_code(client, screen)
    form = client.get(f"/r/{counter.public_token}", params={"k": code})
    switch = html.unescape(re.search(r'<a href="([^"]+)" hreflang="en"', form.text).group(1))
    assert parse_qs(switch.lstrip("?")) == {"k": [code], "lang": ["en"]}
    english = client.get(f"/r/{counter.public_token}{switch}")
    assert english.status_code == 200 and '<html lang="en">' in english.text
    client.post(f"/r/{counter.public_token}", data={"form_token": form_token(english.text), "overall": "4"})
    assert [r.channel for r in stored(db)] == ["kiosk"]  # not turned into a poster rating


def test_the_poster_is_still_the_poster_channel(client: TestClient, counter: Counter, db: Session) -> None:
    form = client.get(f"/r/{counter.public_token}")
    client.post(f"/r/{counter.public_token}", data={"form_token": form_token(form.text), "overall": "4"})
    assert [r.channel for r in stored(db)] == ["poster"]


def test_a_code_is_accepted_through_the_grace_window_and_then_asks_to_scan_again(
    client: TestClient,
    screen: proofs.RegisteredKiosk,
    counter: Counter,
    db: Session,
    clock: FakeClock,
    settings: Settings,
) -> None:
    clock.set(datetime(2026, 3, 2, 2, 0, 0, tzinfo=UTC))  # the start of a step
    code = current_code(client, screen)
    # the code's step ends after 30 s; it is still accepted for the grace window after that
    clock.advance(seconds=settings.kiosk_step_seconds + settings.kiosk_grace_seconds - 1)
    assert client.get(f"/r/{counter.public_token}", params={"k": code}).status_code == 200

    clock.advance(seconds=1)
    late = client.get(f"/r/{counter.public_token}", params={"k": code}, headers={"Accept-Language": "en"})
    assert late.status_code == 410
    assert "Please scan the code on the screen again" in late.text
    assert 'name="form_token"' not in late.text
    assert rejected(db, "kiosk", "stale") == 1
    indonesian = client.get(f"/r/{counter.public_token}", params={"k": code, "lang": "id"})
    assert "Silakan pindai lagi kode di layar" in indonesian.text
    assert rejected(db, "kiosk", "stale") == 2
    assert stored(db) == []


def test_a_form_opened_in_the_grace_window_can_be_sent_after_it(
    client: TestClient,
    screen: proofs.RegisteredKiosk,
    counter: Counter,
    db: Session,
    clock: FakeClock,
) -> None:
    form = client.get(f"/r/{counter.public_token}", params={"k": current_code(client, screen)})
    clock.advance(minutes=5)  # the citizen takes their time answering the nine questions
    client.post(f"/r/{counter.public_token}", data={"form_token": form_token(form.text), "overall": "2"})
    assert [r.channel for r in stored(db)] == ["kiosk"]


def test_a_kiosk_form_lives_a_few_minutes_not_the_posters_two_hours(
    client: TestClient,
    screen: proofs.RegisteredKiosk,
    counter: Counter,
    db: Session,
    clock: FakeClock,
    settings: Settings,
) -> None:
    """A photo of the screen passed around yields forms that soon stop working."""
    assert settings.kiosk_form_max_age_seconds <= 15 * 60 < settings.form_max_age_seconds
    kiosk = client.get(f"/r/{counter.public_token}", params={"k": current_code(client, screen)})
    poster = client.get(f"/r/{counter.public_token}")
    clock.advance(seconds=settings.kiosk_form_max_age_seconds + 1)
    late = client.post(
        f"/r/{counter.public_token}",
        data={"form_token": form_token(kiosk.text), "overall": "2"},
        headers={"Accept-Language": "en"},
    )
    assert late.status_code == 422 and "This page was open for too long" in late.text
    assert stored(db) == []
    on_time = client.post(
        f"/r/{counter.public_token}",
        data={"form_token": form_token(poster.text), "overall": "2"},
        follow_redirects=False,
    )
    assert on_time.status_code == 303
    assert [r.channel for r in stored(db)] == ["poster"]


def test_one_kiosk_code_opens_a_bounded_number_of_forms(
    client: TestClient,
    screen: proofs.RegisteredKiosk,
    counter: Counter,
    db: Session,
    clock: FakeClock,
    settings: Settings,
) -> None:
    clock.set(datetime(2026, 3, 2, 2, 0, 0, tzinfo=UTC))  # the start of a step
    code = current_code(client, screen)
    for _ in range(settings.kiosk_forms_per_code):
        assert client.get(f"/r/{counter.public_token}", params={"k": code}).status_code == 200
    more = client.get(f"/r/{counter.public_token}", params={"k": code}, headers={"Accept-Language": "en"})
    assert more.status_code == 410
    assert "Please scan the code on the screen again" in more.text and 'name="form_token"' not in more.text
    assert rejected(db, "kiosk", "exhausted") == 1
    clock.advance(seconds=settings.kiosk_step_seconds)  # the screen shows the next code
    assert (
        client.get(f"/r/{counter.public_token}", params={"k": current_code(client, screen)}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "forged",
    [
        "999-0123456789abcdef0123",  # well formed, wrong MAC
        "not-a-code",
        "",
    ],
)
def test_a_forged_code_is_rejected_and_counted(
    client: TestClient, screen: proofs.RegisteredKiosk, counter: Counter, db: Session, forged: str
) -> None:
    answer = client.get(f"/r/{counter.public_token}", params={"k": forged})
    assert answer.status_code == 410
    assert rejected(db, "kiosk", "forged") == 1


def test_another_counters_code_is_forged_here(
    client: TestClient, screen: proofs.RegisteredKiosk, counter: Counter, db: Session
) -> None:
    other = factories.counter(db, factories.unit(db), "Loket lain")
    code = current_code(client, screen)
    assert client.get(f"/r/{other.public_token}", params={"k": code}).status_code == 410
    assert rejected(db, "kiosk", "forged") == 1


def test_a_forged_proof_cannot_be_added_to_a_poster_form(
    client: TestClient, counter: Counter, db: Session, settings: Settings, clock: FakeClock
) -> None:
    form = form_token(client.get(f"/r/{counter.public_token}").text)
    tampered = form[:-3] + ("AAA" if not form.endswith("AAA") else "BBB")
    client.post(f"/r/{counter.public_token}", data={"form_token": tampered, "overall": "4"})
    assert stored(db) == []


def test_a_revoked_screen_goes_dark_and_its_codes_stop_working(
    client: TestClient,
    screen: proofs.RegisteredKiosk,
    counter: Counter,
    db: Session,
    clock: FakeClock,
) -> None:
    code = current_code(client, screen)
    assert proofs.revoke_kiosk(db, clock(), screen.device_id) is True
    assert proofs.revoke_kiosk(db, clock(), screen.device_id) is False

    assert client.get(screen.path).status_code == 404
    assert client.get(screen.path + "/code").status_code == 404
    assert client.get(f"/r/{counter.public_token}", params={"k": code}).status_code == 410
    assert rejected(db, "kiosk", "revoked") == 3


def test_an_unknown_screen_is_not_found(client: TestClient, screen: proofs.RegisteredKiosk) -> None:
    assert client.get("/kiosk/" + "x" * 43).status_code == 404


def test_the_screen_reports_when_it_was_last_seen(
    client: TestClient, screen: proofs.RegisteredKiosk, db: Session, clock: FakeClock
) -> None:
    client.get(screen.path)
    device = db.get_one(KioskDevice, screen.device_id)
    assert device.last_seen_at == clock()
    assert device.registered_by_user_id == 7
    assert device.credential_hash != screen.credential
    assert screen.credential not in device.credential_hash


def test_registering_refuses_an_unknown_counter_and_a_blank_name(
    db: Session, settings: Settings, clock: FakeClock, counter: Counter
) -> None:
    with pytest.raises(proofs.NotFound):
        proofs.register_kiosk(db, settings, clock(), counter.id + 100, "Tablet")
    with pytest.raises(proofs.Invalid):
        proofs.register_kiosk(db, settings, clock(), counter.id, "   ")
    with pytest.raises(proofs.Invalid):  # names go into lists and exports: no control characters
        proofs.register_kiosk(db, settings, clock(), counter.id, "Tablet\x0bloket")
    with pytest.raises(proofs.Invalid):
        proofs.create_api_key(db, settings, clock(), counter.unit_id, "Mesin\nantrean")


def test_the_command_line_registers_and_revokes_a_screen(
    counter: Counter, db: Session, settings: Settings, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    assert main(["kiosk", "register", "--counter", str(counter.id), "--name", "Tablet loket 3"]) == 0
    out = capsys.readouterr().out
    (path,) = re.findall(r"(/kiosk/\S+)", out)
    (device,) = proofs.list_kiosks(db)
    assert device.name == "Tablet loket 3" and device.revoked_at is None
    assert main(["kiosk", "list"]) == 0
    assert path not in capsys.readouterr().out  # the credential is printed once, at registration
    assert main(["kiosk", "revoke", str(device.id)]) == 0
    db.expire_all()
    assert db.get_one(KioskDevice, device.id).revoked_at is not None
    assert main(["kiosk", "register", "--counter", "9999", "--name", "x"]) == 1
