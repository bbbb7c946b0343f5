"""The counter's blank rating form is rendered once per (counter page, language) and served with a fresh
form token: it must never differ from a freshly rendered form, go stale, or carry one citizen's
values to another."""

from __future__ import annotations

import dataclasses
import gzip
import re
import zlib
from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from litestar.testing import TestClient
from markupsafe import escape
from sqlalchemy.orm import Session

from app import create_app
from portal.citizen.web import RenderedPages
from portal.kernel.i18n import LANGUAGE_COOKIE
from portal.kernel.models import Counter
from portal.kernel.security import DEVICE_COOKIE
from portal.kernel.settings import Settings
from tests import factories
from tests.conftest import FakeClock
from tests.portal.citizen import Citizen, form_token

NOON = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # 11:30 in Jakarta
CLOSING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def counter(db: Session) -> Counter:
    unit = factories.unit(db, "Dinas Kependudukan & Pencatatan Sipil")
    return factories.counter(db, unit, "Loket <2> · Kartu Keluarga")


def without_token(html: str) -> str:
    return re.sub(r'name="form_token" value="[^"]+"', 'name="form_token" value=""', html)


def fresh_client(settings: Settings, clock: FakeClock) -> TestClient:
    """The same app with every page rendered afresh (as in development)."""
    return TestClient(
        create_app(dataclasses.replace(settings, env="development"), clock=clock),
        base_url="http://127.0.0.1:8000",
    )


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_cached_form_is_the_freshly_rendered_form_with_its_own_token(
    client: TestClient, counter: Counter, settings: Settings, clock: FakeClock, language: str
) -> None:
    assert client.app.state.portal.rendered is not None
    url = f"/r/{counter.public_token}?lang={language}"
    first, second = client.get(url), client.get(url)  # the second comes from the cache
    with fresh_client(settings, clock) as fresh_app:
        assert fresh_app.app.state.portal.rendered is None
        fresh = fresh_app.get(url)
    assert len(client.app.state.portal.rendered) == 1
    for answer in (first, second):
        assert answer.status_code == fresh.status_code == 200
        assert without_token(answer.text) == without_token(fresh.text)
        assert f'<html lang="{language}">' in answer.text
        for header in ("content-type", "cache-control", "content-security-policy", "content-encoding"):
            assert answer.headers.get(header) == fresh.headers.get(header)
    tokens = {form_token(a.text) for a in (first, second, fresh)}
    assert len(tokens) == 3  # each answer signs its own form
    assert "Loket &lt;2&gt; · Kartu Keluarga" in second.text


@pytest.mark.parametrize("language", ["id", "en"])
def test_it_keeps_the_thank_you_page_as_it_renders_it(
    client: TestClient, counter: Counter, db: Session, settings: Settings, clock: FakeClock, language: str
) -> None:
    url = f"/r/{counter.public_token}/terima-kasih?lang={language}"
    first, second = client.get(url), client.get(url, headers={"Accept-Encoding": "identity"})
    assert len(client.app.state.portal.rendered) == 1  # kept after the first: one page for both
    with fresh_client(settings, clock) as fresh_app:
        fresh = fresh_app.get(url)
    for answer in (first, second):
        assert answer.status_code == fresh.status_code == 200
        assert answer.text == fresh.text
        assert answer.headers["cache-control"] == "no-store"
    counter.name = "Loket 9"
    db.commit()
    assert "Loket 9" in client.get(url).text  # a renamed counter shows at once


def test_each_citizen_gets_a_form_that_submits(client: TestClient, counter: Counter, db: Session) -> None:
    citizen = Citizen(client, counter.public_token)
    for _ in range(3):
        citizen.switch_phone()
        page = client.get(f"/r/{counter.public_token}")
        assert DEVICE_COOKIE in page.cookies  # a new phone gets its device cookie with the cached form
        answer = citizen.submit(form_token(page.text), overall="4")
        assert answer.status_code == 303
    # the same phone again: no new device cookie, a new form token
    again = client.get(f"/r/{counter.public_token}")
    assert DEVICE_COOKIE not in again.cookies


def test_the_officer_on_duty_changes_with_the_shift(
    client: TestClient, counter: Counter, db: Session, clock: FakeClock
) -> None:
    ani = factories.employee(db, counter.unit, "Ani Wijaya")
    budi = factories.employee(db, counter.unit, "Budi Santoso")
    factories.shift(db, ani, counter, datetime(2026, 3, 2, 1, 0, tzinfo=UTC), NOON)
    factories.shift(db, budi, counter, NOON, CLOSING)
    url = f"/r/{counter.public_token}"
    morning = client.get(url).text
    assert "Ani Wijaya" in morning and "Budi Santoso" not in morning
    assert "Ani Wijaya" in client.get(url).text
    clock.set(NOON)
    afternoon = client.get(url).text
    assert "Budi Santoso" in afternoon and "Ani Wijaya" not in afternoon
    clock.set(CLOSING)  # nobody on duty, and the counter closes
    evening = client.get(url).text
    assert "Budi Santoso" not in evening and "Ani Wijaya" not in evening
    assert "Loket ini sedang tutup" in evening
    assert "Loket ini sedang tutup" not in afternoon


def test_a_renamed_counter_or_unit_shows_at_once(client: TestClient, counter: Counter, db: Session) -> None:
    url = f"/r/{counter.public_token}"
    assert "Loket &lt;2&gt;" in client.get(url).text
    counter.name = "Loket 3"
    counter.unit.name = "Kecamatan Utara"
    db.commit()
    page = client.get(url).text
    assert "Loket 3" in page and "Kecamatan Utara" in page
    assert "Loket &lt;2&gt;" not in page


def test_a_rotated_token_gives_404_and_the_new_one_its_own_form(
    client: TestClient, counter: Counter, db: Session
) -> None:
    old_token = counter.public_token
    assert client.get(f"/r/{old_token}").status_code == 200
    counter.public_token = "a-new-token-for-the-counter"
    db.commit()
    assert client.get(f"/r/{old_token}").status_code == 404
    page = client.get("/r/a-new-token-for-the-counter")
    assert page.status_code == 200
    assert 'action="/r/a-new-token-for-the-counter"' in page.text
    assert old_token not in page.text


def test_the_language_switch_is_remembered_with_a_cached_form(client: TestClient, counter: Counter) -> None:
    url = f"/r/{counter.public_token}"
    client.get(url)
    client.get(url)
    english = client.get(url, params={"lang": "en"})
    assert '<html lang="en">' in english.text and "Send rating" in english.text
    assert english.cookies.get(LANGUAGE_COOKIE) == "en"
    again = client.get(url)
    assert '<html lang="en">' in again.text
    indonesian = client.get(url, params={"lang": "id"})
    assert '<html lang="id">' in indonesian.text and "Kirim penilaian" in indonesian.text


def test_it_keeps_no_citizens_query_in_the_kept_forms_language_switch(
    client: TestClient, counter: Counter
) -> None:
    url = f"/r/{counter.public_token}"
    first = client.get(url, params={"utm_source": "whatsapp", "ref": "<x>"})  # kept from this one
    for page in (first, client.get(url)):
        assert 'href="?lang=en"' in page.text
        assert "whatsapp" not in page.text and "utm_source" not in page.text


def test_what_a_citizen_typed_never_reaches_another_citizens_form(
    client: TestClient, counter: Counter
) -> None:
    citizen = Citizen(client, counter.public_token)
    form = citizen.open_form()
    invalid = citizen.submit(form, overall="9", comment="rahasia saya", contact_email="a@example.org")
    assert invalid.status_code == 422
    assert "rahasia saya" in invalid.text
    citizen.switch_phone()
    blank = client.get(f"/r/{counter.public_token}").text
    assert "rahasia saya" not in blank and "a@example.org" not in blank
    assert 'class="alert"' not in blank


@given(
    before=st.text(max_size=3000),
    after=st.text(max_size=3000),
    value=st.text(max_size=500),
    repeated=st.booleans(),
)
def test_it_gzips_a_kept_page_into_a_stream_any_gzip_reader_reads_as_the_page(
    before: str, after: str, value: str, repeated: bool
) -> None:
    pages = RenderedPages()
    slot = pages.placeholder
    before, after = (text * 20 if repeated else text for text in (before, after))  # compressible too
    assume(slot not in before + after)

    def render(placeholder: str) -> str:
        return before + placeholder + after

    plain = pages.page("k", render, value)
    gzipped = pages.page("k", render, value, gzipped=True)
    assert plain == (before + str(escape(value)) + after).encode()
    assert gzip.decompress(gzipped) == plain
    assert zlib.decompress(gzipped, wbits=31) == plain  # one member, nothing after its trailer


def test_it_serves_the_kept_form_gzipped_once_to_a_phone_and_plain_to_a_client_without_gzip(
    client: TestClient, counter: Counter
) -> None:
    url = f"/r/{counter.public_token}"
    client.get(url)  # kept from now on
    phone = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert phone.headers["content-encoding"] == "gzip"  # httpx undid it once: not compressed twice
    assert "content-encoding" not in plain.headers
    for answer in (phone, plain):
        assert answer.headers["vary"] == "Accept-Encoding"
        assert "Loket &lt;2&gt; · Kartu Keluarga" in answer.text
    assert without_token(phone.text) == without_token(plain.text)
    assert len(phone.read()) > int(phone.headers["content-length"]) * 3  # a third of the bytes
    poster = client.get(f"{url}/poster", headers={"Accept-Encoding": "gzip"})
    assert poster.headers["content-encoding"] == "gzip"  # a page not kept: Litestar's middleware
    assert "<svg" in poster.text


def test_rendered_pages_escape_the_value_and_keep_the_latest_entries() -> None:
    pages = RenderedPages(max_entries=2)
    calls: list[str] = []

    def render(key: str):
        def page(placeholder: str) -> str:
            calls.append(key)
            return f"<p>{key}</p><input value='{placeholder}'>"

        return page

    assert pages.page("a", render("a"), "x&<y") == b"<p>a</p><input value='x&amp;&lt;y'>"
    assert pages.page("a", render("a"), "z") == b"<p>a</p><input value='z'>"
    pages.page("b", render("b"), "1")
    pages.page("a", render("a"), "1")  # a is the latest now
    pages.page("c", render("c"), "1")  # b goes
    pages.page("a", render("a"), "1")
    pages.page("b", render("b"), "1")
    assert calls == ["a", "b", "c", "b"]
    assert len(pages) == 2
    with pytest.raises(ValueError):
        pages.page("twice", lambda slot: slot + slot, "1")
    with pytest.raises(ValueError):
        pages.page("none", lambda slot: slot, None)  # a page without a value has no placeholder
    assert pages.page("plain", lambda slot: "<p>thanks</p>", None) == b"<p>thanks</p>"
